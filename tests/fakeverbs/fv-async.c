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

/* Asynchronous events and the event file descriptors.
 *
 * As in the kernel, an event counts as reported only once the application
 * has read it; destroying an object waits until every reported event on it
 * has been acknowledged, and forgets its unread ones.  An eventfd in
 * semaphore mode is the readable fd: one count per queued event.  A
 * forgotten event keeps its count but no longer names the object; readers
 * skip it. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct fv_async_entry {
    struct fv_list node;
    struct ibv_async_event event;
    bool dead;                      /* Its object was destroyed. */
};

int
fv_eventfd_create(void)
{
    return eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
}

void
fv_eventfd_signal(int fd)
{
    uint64_t one = 1;

    /* Cannot fail short of 2**64 unread events. */
    if (write(fd, &one, sizeof one) < 0) {
        return;
    }
}

/* Takes one count, blocking unless the application made 'fd'
 * non-blocking. */
int
fv_eventfd_wait(int fd)
{
    uint64_t count;

    for (;;) {
        ssize_t n = read(fd, &count, sizeof count);
        if (n == sizeof count) {
            return 0;
        }
        if (n < 0 && errno != EINTR) {
            return -1;
        }
    }
}

enum fv_element_kind { FV_EL_QP, FV_EL_CQ, FV_EL_SRQ, FV_EL_PORT };

static enum fv_element_kind
element_kind(enum ibv_event_type type)
{
    switch (type) {
    case IBV_EVENT_CQ_ERR:
        return FV_EL_CQ;
    case IBV_EVENT_SRQ_ERR:
    case IBV_EVENT_SRQ_LIMIT_REACHED:
        return FV_EL_SRQ;
    case IBV_EVENT_QP_FATAL:
    case IBV_EVENT_QP_REQ_ERR:
    case IBV_EVENT_QP_ACCESS_ERR:
    case IBV_EVENT_COMM_EST:
    case IBV_EVENT_SQ_DRAINED:
    case IBV_EVENT_PATH_MIG:
    case IBV_EVENT_PATH_MIG_ERR:
    case IBV_EVENT_QP_LAST_WQE_REACHED:
        return FV_EL_QP;
    case IBV_EVENT_DEVICE_FATAL:
    case IBV_EVENT_PORT_ACTIVE:
    case IBV_EVENT_PORT_ERR:
    case IBV_EVENT_LID_CHANGE:
    case IBV_EVENT_PKEY_CHANGE:
    case IBV_EVENT_SM_CHANGE:
    case IBV_EVENT_CLIENT_REREGISTER:
    case IBV_EVENT_GID_CHANGE:
    case IBV_EVENT_WQ_FATAL:
    default:
        return FV_EL_PORT;
    }
}

/* Caller holds the context lock. */
void
fv_async_post(struct fv_context *ctx, const struct ibv_async_event *event)
{
    struct fv_async_entry *entry = calloc(1, sizeof *entry);

    if (!entry) {
        return;
    }
    entry->event = *event;
    fv_list_push_back(&ctx->async_queue, &entry->node);
    fv_eventfd_signal(ctx->vctx.context.async_fd);
}

/* Forgets unread events on 'element'.  Caller holds the context lock. */
void
fv_async_forget(struct fv_context *ctx, const void *element)
{
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->async_queue) {
        struct fv_async_entry *entry
            = FV_CONTAINER_OF(node, struct fv_async_entry, node);
        if (element_kind(entry->event.event_type) != FV_EL_PORT
            && entry->event.element.qp == element) {
            entry->dead = true;
        }
    }
}

static void
count_reported(struct ibv_async_event *event)
{
    switch (element_kind(event->event_type)) {
    case FV_EL_QP:
        FV_CONTAINER_OF(event->element.qp, struct fv_qp,
                        qp)->async_reported++;
        break;
    case FV_EL_CQ:
        FV_CONTAINER_OF(event->element.cq, struct fv_cq,
                        cq)->async_reported++;
        break;
    case FV_EL_SRQ:
        FV_CONTAINER_OF(event->element.srq, struct fv_srq,
                        srq)->async_reported++;
        break;
    case FV_EL_PORT:
        break;
    }
}

FV_EXPORT int
ibv_get_async_event(struct ibv_context *context,
                    struct ibv_async_event *event)
{
    struct fv_context *ctx = fv_ctx(context);

    for (;;) {
        if (fv_eventfd_wait(context->async_fd)) {
            return -1;
        }
        pthread_mutex_lock(&ctx->lock);
        if (!fv_list_is_empty(&ctx->async_queue)) {
            struct fv_list *node = ctx->async_queue.next;
            struct fv_async_entry *entry
                = FV_CONTAINER_OF(node, struct fv_async_entry, node);
            bool dead = entry->dead;

            fv_list_remove(node);
            if (!dead) {
                *event = entry->event;
                count_reported(event);
            }
            pthread_mutex_unlock(&ctx->lock);
            free(entry);
            if (!dead) {
                return 0;
            }
            continue;
        }
        pthread_mutex_unlock(&ctx->lock);
    }
}

FV_EXPORT void
ibv_ack_async_event(struct ibv_async_event *event)
{
    struct ibv_context *context;

    switch (element_kind(event->event_type)) {
    case FV_EL_QP:
        context = event->element.qp->context;
        break;
    case FV_EL_CQ:
        context = event->element.cq->context;
        break;
    case FV_EL_SRQ:
        context = event->element.srq->context;
        break;
    case FV_EL_PORT:
    default:
        return;
    }

    struct fv_context *ctx = fv_ctx(context);
    pthread_mutex_lock(&ctx->lock);
    switch (element_kind(event->event_type)) {
    case FV_EL_QP:
        event->element.qp->events_completed++;
        break;
    case FV_EL_CQ:
        event->element.cq->async_events_completed++;
        break;
    case FV_EL_SRQ:
        event->element.srq->events_completed++;
        break;
    case FV_EL_PORT:
        break;
    }
    pthread_cond_broadcast(&ctx->acked);
    pthread_mutex_unlock(&ctx->lock);
}

/* Waits until '*acked' catches up with '*reported'.  Caller holds the
 * context lock. */
void
fv_wait_acked(struct fv_context *ctx, const uint32_t *acked,
              const uint32_t *reported)
{
    while (*acked != *reported) {
        pthread_cond_wait(&ctx->acked, &ctx->lock);
    }
}
