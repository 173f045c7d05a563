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

/* The progress thread of a context: it plays the HCA's receive side
 * (datagrams into posted receives) and its port (the control file). */

#include "fv-private.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    TAG_WAKE = 1,
    TAG_PORT = 2,
    TAG_QP = 3,
};

#define TAG(KIND, QPN) (((uint64_t) (KIND) << 32) | (QPN))
#define RX_BATCH 64

/* Caller holds the context lock. */
void
fv_progress_apply_port(struct fv_context *ctx, const struct fv_port_ctl *ctl)
{
    struct ibv_async_event event = { .element.port_num = 1 };

    if (ctl->state != ctx->port_state) {
        bool was_active = ctx->port_state == IBV_PORT_ACTIVE;
        ctx->port_state = ctl->state;
        if (ctl->state == IBV_PORT_ACTIVE) {
            event.event_type = IBV_EVENT_PORT_ACTIVE;
            fv_async_post(ctx, &event);
        } else if (was_active) {
            event.event_type = IBV_EVENT_PORT_ERR;
            fv_async_post(ctx, &event);
        }
    }
    if (ctl->lid != ctx->lid) {
        struct fv_list *node, *next;

        ctx->lid = ctl->lid;
        FV_LIST_FOR_EACH_SAFE (node, next, &ctx->qps) {
            fv_wire_move(ctx, FV_CONTAINER_OF(node, struct fv_qp, node),
                         ctl->lid);
        }
        event.event_type = IBV_EVENT_LID_CHANGE;
        fv_async_post(ctx, &event);
    }
    if (ctl->sm_lid != ctx->sm_lid) {
        ctx->sm_lid = ctl->sm_lid;
        event.event_type = IBV_EVENT_SM_CHANGE;
        fv_async_post(ctx, &event);
    }
}

static void
handle_inotify(struct fv_context *ctx)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    char name[64], faults_name[64];
    bool changed = false, faults = false;
    ssize_t n;

    fv_port_ctl_name(name, sizeof name);
    fv_faults_name(faults_name, sizeof faults_name);
    while ((n = read(ctx->inotify_fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *) p;
            if (ev->len && !strcmp(ev->name, name)) {
                changed = true;
            } else if (ev->len && !strcmp(ev->name, faults_name)
                       && !(ev->mask & IN_DELETE)) {
                faults = true;
            }
            p += sizeof *ev + ev->len;
        }
    }
    if (faults) {
        fv_faults_apply(ctx);
    }
    if (changed) {
        struct fv_port_ctl ctl;
        fv_port_ctl_read(ctx->dir_fd, &ctl);
        pthread_mutex_lock(&ctx->lock);
        fv_progress_apply_port(ctx, &ctl);
        pthread_mutex_unlock(&ctx->lock);
    }
}

/* Reads up to RX_BATCH datagrams of 'qp' into its posted receives.
 * Caller holds the context lock. */
static void
drain_qp(struct fv_context *ctx, struct fv_qp *qp, uint8_t *buf, size_t size)
{
    const struct fv_wire_hdr *hdr = (const void *) buf;

    for (int i = 0; i < RX_BATCH; i++) {
        ssize_t n = recv(qp->sock, buf, size, MSG_DONTWAIT);
        if (n < 0) {
            break;
        }
        if ((size_t) n >= sizeof *hdr && hdr->magic == FV_WIRE_MAGIC
            && hdr->payload_len == n - sizeof *hdr) {
            fv_recv_deliver(ctx, qp, hdr, buf + sizeof *hdr);
        }
    }
}

/* The QP is looked up, and its socket read, under the lock: it may have
 * been destroyed since epoll reported it. */
static void
handle_qp(struct fv_context *ctx, uint32_t qpn, uint8_t *buf, size_t size)
{
    pthread_mutex_lock(&ctx->lock);
    struct fv_qp *qp = fv_qp_find(ctx, qpn);
    if (qp) {
        drain_qp(ctx, qp, buf, size);
    }
    pthread_mutex_unlock(&ctx->lock);
}

/* An empty poll of 'cq' gives its QPs' receive side a turn, so that a
 * busy-polling application does not depend on the progress thread getting
 * a CPU.  Caller holds the context lock. */
void
fv_progress_poll(struct fv_context *ctx, const struct fv_cq *cq)
{
    uint8_t buf[sizeof(struct fv_wire_hdr) + FV_MAX_MTU_BYTES + 64];
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->qps) {
        struct fv_qp *qp = FV_CONTAINER_OF(node, struct fv_qp, node);
        if (qp->qp.recv_cq == &cq->cq) {
            drain_qp(ctx, qp, buf, sizeof buf);
        }
    }
}

static void *
progress_main(void *ctx_)
{
    struct fv_context *ctx = ctx_;
    size_t size = sizeof(struct fv_wire_hdr) + FV_MAX_MTU_BYTES + 64;
    uint8_t *buf = malloc(size);
    sigset_t all;

    /* Signals are the application's business. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    for (bool running = buf != NULL; running;) {
        struct epoll_event events[16];
        int n = epoll_wait(ctx->epoll_fd, events, 16, -1);
        for (int i = 0; i < n; i++) {
            uint64_t tag = events[i].data.u64;
            switch (tag >> 32) {
            case TAG_WAKE:
                running = false;
                break;
            case TAG_PORT:
                handle_inotify(ctx);
                break;
            case TAG_QP:
                handle_qp(ctx, tag & 0xffffffff, buf, size);
                break;
            }
        }
    }
    free(buf);
    return NULL;
}

static int
watch(int epoll_fd, int fd, uint64_t tag)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}

int
fv_progress_start(struct fv_context *ctx)
{
    ctx->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    ctx->wake_fd = fv_eventfd_create();
    ctx->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ctx->epoll_fd < 0 || ctx->wake_fd < 0 || ctx->inotify_fd < 0
        || inotify_add_watch(ctx->inotify_fd, fv_config()->dir,
                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) < 0
        || watch(ctx->epoll_fd, ctx->wake_fd, TAG(TAG_WAKE, 0))
        || watch(ctx->epoll_fd, ctx->inotify_fd, TAG(TAG_PORT, 0))
        || pthread_create(&ctx->thread, NULL, progress_main, ctx)) {
        fv_progress_stop(ctx);
        return -1;
    }
    ctx->thread_running = true;
    return 0;
}

void
fv_progress_stop(struct fv_context *ctx)
{
    if (ctx->thread_running) {
        fv_eventfd_signal(ctx->wake_fd);
        pthread_join(ctx->thread, NULL);
        ctx->thread_running = false;
    }
    int *fds[] = { &ctx->epoll_fd, &ctx->wake_fd, &ctx->inotify_fd };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) {
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    }
}

/* Caller holds the context lock. */
int
fv_progress_watch(struct fv_context *ctx, struct fv_qp *qp)
{
    return watch(ctx->epoll_fd, qp->sock, TAG(TAG_QP, qp->qp.qp_num));
}
