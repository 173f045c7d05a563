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

/* Shared receive queues. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct fv_srq *
fv_srq(struct ibv_srq *srq)
{
    return FV_CONTAINER_OF(srq, struct fv_srq, srq);
}

FV_EXPORT struct ibv_srq *
ibv_create_srq(struct ibv_pd *pd, struct ibv_srq_init_attr *init)
{
    struct fv_context *ctx = fv_ctx(pd->context);
    struct ibv_srq_attr *attr = &init->attr;

    if (!attr->max_wr || attr->max_wr > FV_MAX_WR
        || attr->max_sge > FV_MAX_SGE) {
        errno = EINVAL;
        return NULL;
    }
    struct fv_srq *srq = calloc(1, sizeof *srq);
    if (!srq || fv_wqe_ring_init(&srq->ring, attr->max_wr, attr->max_sge)) {
        free(srq);
        errno = ENOMEM;
        return NULL;
    }
    attr->max_sge = srq->ring.max_sge;
    srq->srq.context = pd->context;
    srq->srq.srq_context = init->srq_context;
    srq->srq.pd = pd;
    pthread_mutex_init(&srq->srq.mutex, NULL);
    pthread_cond_init(&srq->srq.cond, NULL);

    pthread_mutex_lock(&ctx->lock);
    srq->srq.handle = ctx->next_handle++;
    fv_pd_ref(pd, 1);
    pthread_mutex_unlock(&ctx->lock);
    return &srq->srq;
}

FV_EXPORT int
ibv_modify_srq(struct ibv_srq *srq_, struct ibv_srq_attr *attr, int mask)
{
    struct fv_context *ctx = fv_ctx(srq_->context);
    struct fv_srq *srq = fv_srq(srq_);
    int error = 0;

    if (mask & ~(IBV_SRQ_MAX_WR | IBV_SRQ_LIMIT)) {
        return EINVAL;
    }
    pthread_mutex_lock(&ctx->lock);
    uint32_t max_wr = mask & IBV_SRQ_MAX_WR ? attr->max_wr : srq->ring.size;
    if (max_wr < 1 || max_wr > FV_MAX_WR
        || (mask & IBV_SRQ_LIMIT && attr->srq_limit > max_wr)) {
        error = EINVAL;
    } else if (mask & IBV_SRQ_MAX_WR) {
        error = fv_wqe_ring_resize(&srq->ring, max_wr);
    }
    if (!error && mask & IBV_SRQ_LIMIT) {
        srq->limit = attr->srq_limit;
        fv_srq_check_limit(ctx, srq);
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

FV_EXPORT int
ibv_query_srq(struct ibv_srq *srq_, struct ibv_srq_attr *attr)
{
    struct fv_context *ctx = fv_ctx(srq_->context);
    struct fv_srq *srq = fv_srq(srq_);

    pthread_mutex_lock(&ctx->lock);
    attr->max_wr = srq->ring.size;
    attr->max_sge = srq->ring.max_sge;
    attr->srq_limit = srq->limit;
    pthread_mutex_unlock(&ctx->lock);
    return 0;
}

FV_EXPORT int
ibv_destroy_srq(struct ibv_srq *srq_)
{
    struct fv_context *ctx = fv_ctx(srq_->context);
    struct fv_srq *srq = fv_srq(srq_);

    pthread_mutex_lock(&ctx->lock);
    if (srq->refs) {
        pthread_mutex_unlock(&ctx->lock);
        return EBUSY;
    }
    fv_async_forget(ctx, srq_);
    fv_wait_acked(ctx, &srq_->events_completed, &srq->async_reported);
    fv_pd_ref(srq_->pd, -1);
    pthread_mutex_unlock(&ctx->lock);

    pthread_mutex_destroy(&srq_->mutex);
    pthread_cond_destroy(&srq_->cond);
    fv_wqe_ring_destroy(&srq->ring);
    free(srq);
    return 0;
}

int
fv_post_srq_recv(struct ibv_srq *srq_, struct ibv_recv_wr *wr,
                 struct ibv_recv_wr **bad)
{
    struct fv_context *ctx = fv_ctx(srq_->context);
    struct fv_srq *srq = fv_srq(srq_);
    int error = 0;

    pthread_mutex_lock(&ctx->lock);
    for (; wr; wr = wr->next) {
        error = fv_wqe_ring_push(&srq->ring, wr);
        if (error) {
            *bad = wr;
            break;
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

/* Fires the armed limit once fewer receives than it are posted.  Caller
 * holds the context lock. */
void
fv_srq_check_limit(struct fv_context *ctx, struct fv_srq *srq)
{
    if (srq->limit && srq->ring.count < srq->limit) {
        struct ibv_async_event event = {
            .element.srq = &srq->srq,
            .event_type = IBV_EVENT_SRQ_LIMIT_REACHED,
        };
        srq->limit = 0;
        fv_async_post(ctx, &event);
    }
}
