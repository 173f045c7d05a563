#include <config.h>
/*
 * Copyright (c) 2026 The ovs-ipoib authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Completion channels and completion queues. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fv_cq_event {
    struct fv_list node;
    struct fv_cq *cq;               /* NULL: the CQ was destroyed. */
};

static struct fv_channel *
fv_channel(struct ibv_comp_channel *ch)
{
    return FV_CONTAINER_OF(ch, struct fv_channel, ch);
}

static struct fv_cq *
fv_cq(struct ibv_cq *cq)
{
    return FV_CONTAINER_OF(cq, struct fv_cq, cq);
}

FV_EXPORT struct ibv_comp_channel *
ibv_create_comp_channel(struct ibv_context *context)
{
    struct fv_channel *channel = calloc(1, sizeof *channel);

    if (!channel) {
        errno = ENOMEM;
        return NULL;
    }
    channel->ch.context = context;
    channel->ch.fd = fv_eventfd_create();
    if (channel->ch.fd < 0) {
        free(channel);
        return NULL;
    }
    fv_list_init(&channel->events);
    return &channel->ch;
}

FV_EXPORT int
ibv_destroy_comp_channel(struct ibv_comp_channel *ch)
{
    struct fv_context *ctx = fv_ctx(ch->context);
    struct fv_channel *channel = fv_channel(ch);

    pthread_mutex_lock(&ctx->lock);
    if (ch->refcnt) {
        pthread_mutex_unlock(&ctx->lock);
        return EBUSY;
    }
    struct fv_list *node, *next;
    FV_LIST_FOR_EACH_SAFE (node, next, &channel->events) {
        fv_list_remove(node);
        free(node);
    }
    pthread_mutex_unlock(&ctx->lock);
    close(ch->fd);
    free(channel);
    return 0;
}

FV_EXPORT struct ibv_cq *
ibv_create_cq(struct ibv_context *context, int cqe, void *cq_context,
              struct ibv_comp_channel *channel, int comp_vector)
{
    struct fv_context *ctx = fv_ctx(context);

    if (cqe < 1 || cqe > FV_MAX_CQE || comp_vector < 0
        || comp_vector >= context->num_comp_vectors
        || (channel && channel->context != context)) {
        errno = EINVAL;
        return NULL;
    }
    struct fv_cq *cq = calloc(1, sizeof *cq);
    if (cq) {
        cq->size = cqe + 1;
        cq->ring = calloc(cq->size, sizeof *cq->ring);
    }
    if (!cq || !cq->ring) {
        free(cq);
        errno = ENOMEM;
        return NULL;
    }
    cq->cq.context = context;
    cq->cq.channel = channel;
    cq->cq.cq_context = cq_context;
    cq->cq.cqe = cqe;
    pthread_mutex_init(&cq->cq.mutex, NULL);
    pthread_cond_init(&cq->cq.cond, NULL);

    pthread_mutex_lock(&ctx->lock);
    cq->cq.handle = ctx->next_handle++;
    if (channel) {
        channel->refcnt++;
    }
    pthread_mutex_unlock(&ctx->lock);
    return &cq->cq;
}

/* Marks unread completion events of 'cq' dead.  Caller holds the context
 * lock. */
void
fv_cq_forget_events(struct fv_cq *cq)
{
    struct fv_list *node, *next;

    if (!cq->cq.channel) {
        return;
    }
    FV_LIST_FOR_EACH_SAFE (node, next, &fv_channel(cq->cq.channel)->events) {
        struct fv_cq_event *event
            = FV_CONTAINER_OF(node, struct fv_cq_event, node);
        if (event->cq == cq) {
            event->cq = NULL;
        }
    }
}

FV_EXPORT int
ibv_destroy_cq(struct ibv_cq *cq_)
{
    struct fv_context *ctx = fv_ctx(cq_->context);
    struct fv_cq *cq = fv_cq(cq_);

    pthread_mutex_lock(&ctx->lock);
    if (cq->refs) {
        pthread_mutex_unlock(&ctx->lock);
        return EBUSY;
    }
    fv_cq_forget_events(cq);
    fv_async_forget(ctx, cq_);
    fv_wait_acked(ctx, &cq_->comp_events_completed, &cq->comp_reported);
    fv_wait_acked(ctx, &cq_->async_events_completed, &cq->async_reported);
    if (cq_->channel) {
        cq_->channel->refcnt--;
    }
    pthread_mutex_unlock(&ctx->lock);

    pthread_mutex_destroy(&cq_->mutex);
    pthread_cond_destroy(&cq_->cond);
    free(cq->ring);
    free(cq);
    return 0;
}

FV_EXPORT int
ibv_resize_cq(struct ibv_cq *cq_, int cqe)
{
    struct fv_context *ctx = fv_ctx(cq_->context);
    struct fv_cq *cq = fv_cq(cq_);
    int error = 0;

    if (cqe < 1 || cqe > FV_MAX_CQE) {
        return EINVAL;
    }
    struct ibv_wc *ring = calloc(cqe + 1, sizeof *ring);
    if (!ring) {
        return ENOMEM;
    }
    pthread_mutex_lock(&ctx->lock);
    if (cqe < cq->count) {
        error = EINVAL;
        free(ring);
    } else {
        for (int i = 0; i < cq->count; i++) {
            ring[i] = cq->ring[(cq->head + i) % cq->size];
        }
        free(cq->ring);
        cq->ring = ring;
        cq->size = cqe + 1;
        cq->head = 0;
        cq_->cqe = cqe;
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

static void
cq_signal(struct fv_cq *cq)
{
    struct fv_cq_event *event;

    cq->armed = false;
    if (!cq->cq.channel) {
        return;
    }
    event = calloc(1, sizeof *event);
    if (!event) {
        return;
    }
    event->cq = cq;
    fv_list_push_back(&fv_channel(cq->cq.channel)->events, &event->node);
    fv_eventfd_signal(cq->cq.channel->fd);
}

/* Adds a completion.  A full CQ is an overrun: the completion is lost and
 * the CQ reports IBV_EVENT_CQ_ERR, as hardware does.  Caller holds the
 * context lock. */
void
fv_cq_push(struct fv_cq *cq, const struct ibv_wc *wc, bool solicited)
{
    if (cq->failed) {
        return;
    }
    if (cq->count >= cq->size) {
        if (!cq->overrun) {
            struct ibv_async_event event = {
                .element.cq = &cq->cq, .event_type = IBV_EVENT_CQ_ERR,
            };
            cq->overrun = true;
            fv_async_post(fv_ctx(cq->cq.context), &event);
        }
        return;
    }
    cq->ring[(cq->head + cq->count) % cq->size] = *wc;
    cq->count++;
    if (cq->armed && (!cq->solicited_only || solicited
                      || wc->status != IBV_WC_SUCCESS)) {
        cq_signal(cq);
    }
}

/* An injected CQ error (fv-faults.c): IBV_EVENT_CQ_ERR, and the CQ takes
 * no completions and polls fail from then on, as on an HCA whose CQ went
 * to its error state.  Caller holds the context lock. */
void
fv_cq_fail(struct fv_cq *cq)
{
    struct ibv_async_event event = {
        .element.cq = &cq->cq, .event_type = IBV_EVENT_CQ_ERR,
    };

    if (!cq->failed) {
        cq->failed = true;
        cq->count = 0;
        fv_async_post(fv_ctx(cq->cq.context), &event);
    }
}

/* Drops the completions of 'qp_num' (a QP reset or destroyed).  Caller
 * holds the context lock. */
void
fv_cq_clean(struct fv_cq *cq, uint32_t qp_num)
{
    int kept = 0;

    for (int i = 0; i < cq->count; i++) {
        struct ibv_wc wc = cq->ring[(cq->head + i) % cq->size];
        if (wc.qp_num != qp_num) {
            cq->ring[(cq->head + kept++) % cq->size] = wc;
        }
    }
    cq->count = kept;
}

int
fv_poll_cq(struct ibv_cq *cq_, int n, struct ibv_wc *wc)
{
    struct fv_context *ctx = fv_ctx(cq_->context);
    struct fv_cq *cq = fv_cq(cq_);
    int i;

    pthread_mutex_lock(&ctx->lock);
    if (cq->failed) {
        pthread_mutex_unlock(&ctx->lock);
        return -1;
    }
    if (!cq->count) {
        fv_progress_poll(ctx, cq);
    }
    for (i = 0; i < n && cq->count; i++) {
        wc[i] = cq->ring[cq->head];
        cq->head = (cq->head + 1) % cq->size;
        cq->count--;
    }
    pthread_mutex_unlock(&ctx->lock);
    return i;
}

int
fv_req_notify_cq(struct ibv_cq *cq_, int solicited_only)
{
    struct fv_context *ctx = fv_ctx(cq_->context);
    struct fv_cq *cq = fv_cq(cq_);

    pthread_mutex_lock(&ctx->lock);
    cq->armed = true;
    cq->solicited_only = solicited_only;
    /* Like an HCA comparing with the consumer index: unpolled entries
     * fire the armed CQ at once. */
    if (cq->count && !solicited_only) {
        cq_signal(cq);
    }
    pthread_mutex_unlock(&ctx->lock);
    return 0;
}

FV_EXPORT int
ibv_get_cq_event(struct ibv_comp_channel *ch, struct ibv_cq **cq,
                 void **cq_context)
{
    struct fv_context *ctx = fv_ctx(ch->context);
    struct fv_channel *channel = fv_channel(ch);

    for (;;) {
        if (fv_eventfd_wait(ch->fd)) {
            return -1;
        }
        pthread_mutex_lock(&ctx->lock);
        if (fv_list_is_empty(&channel->events)) {
            pthread_mutex_unlock(&ctx->lock);
            continue;
        }
        struct fv_cq_event *event
            = FV_CONTAINER_OF(channel->events.next, struct fv_cq_event,
                              node);
        struct fv_cq *found = event->cq;
        fv_list_remove(&event->node);
        if (found) {
            found->comp_reported++;
            *cq = &found->cq;
            *cq_context = found->cq.cq_context;
        }
        pthread_mutex_unlock(&ctx->lock);
        free(event);
        if (found) {
            return 0;
        }
    }
}

FV_EXPORT void
ibv_ack_cq_events(struct ibv_cq *cq, unsigned int nevents)
{
    struct fv_context *ctx = fv_ctx(cq->context);

    pthread_mutex_lock(&ctx->lock);
    cq->comp_events_completed += nevents;
    pthread_cond_broadcast(&ctx->acked);
    pthread_mutex_unlock(&ctx->lock);
}
