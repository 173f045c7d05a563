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

/* Queue pairs: creation, the UD state machine, queries, destruction. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct fv_qp *
fv_qp(struct ibv_qp *qp)
{
    return FV_CONTAINER_OF(qp, struct fv_qp, qp);
}

/* Caller holds the context lock. */
struct fv_qp *
fv_qp_find(struct fv_context *ctx, uint32_t qpn)
{
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->qps) {
        struct fv_qp *qp = FV_CONTAINER_OF(node, struct fv_qp, node);
        if (qp->qp.qp_num == qpn) {
            return qp;
        }
    }
    return NULL;
}

static bool
caps_ok(const struct ibv_qp_cap *cap, bool has_srq)
{
    return (cap->max_send_wr >= 1 && cap->max_send_wr <= FV_MAX_WR
            && cap->max_send_sge <= FV_MAX_SGE
            && cap->max_inline_data <= FV_MAX_INLINE
            && (has_srq || (cap->max_recv_wr <= FV_MAX_WR
                            && cap->max_recv_sge <= FV_MAX_SGE)));
}

static struct ibv_qp *
create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *init,
          uint32_t max_tso_header, bool block_self_mcast)
{
    struct fv_context *ctx = fv_ctx(pd->context);

    if (init->qp_type != IBV_QPT_UD) {
        errno = EOPNOTSUPP;
        return NULL;
    }
    if (!init->send_cq || !init->recv_cq
        || init->send_cq->context != pd->context
        || init->recv_cq->context != pd->context
        || (init->srq && init->srq->context != pd->context)
        || !caps_ok(&init->cap, init->srq != NULL)) {
        errno = EINVAL;
        return NULL;
    }

    struct fv_qp *qp = calloc(1, sizeof *qp);
    if (!qp) {
        errno = ENOMEM;
        return NULL;
    }
    if (init->srq) {
        init->cap.max_recv_wr = init->cap.max_recv_sge = 0;
    } else if (fv_wqe_ring_init(&qp->rq, init->cap.max_recv_wr,
                                init->cap.max_recv_sge)) {
        free(qp);
        errno = ENOMEM;
        return NULL;
    }
    qp->qp.context = pd->context;
    qp->qp.qp_context = init->qp_context;
    qp->qp.pd = pd;
    qp->qp.send_cq = init->send_cq;
    qp->qp.recv_cq = init->recv_cq;
    qp->qp.srq = init->srq;
    qp->qp.state = IBV_QPS_RESET;
    qp->qp.qp_type = IBV_QPT_UD;
    pthread_mutex_init(&qp->qp.mutex, NULL);
    pthread_cond_init(&qp->qp.cond, NULL);
    qp->cap = init->cap;
    qp->sq_sig_all = init->sq_sig_all;
    qp->max_tso_header = max_tso_header;
    qp->block_self_mcast = block_self_mcast;
    qp->port_num = 1;
    qp->sock = -1;
    fv_list_init(&qp->mcast);

    pthread_mutex_lock(&ctx->lock);
    int error = ctx->dead ? EIO : fv_wire_bind(ctx, qp);
    if (!error) {
        error = fv_progress_watch(ctx, qp);
        if (error) {
            fv_wire_close(ctx, qp);
        }
    }
    if (error) {
        pthread_mutex_unlock(&ctx->lock);
        fv_wqe_ring_destroy(&qp->rq);
        free(qp);
        errno = error;
        return NULL;
    }
    qp->qp.handle = ctx->next_handle++;
    fv_list_push_back(&ctx->qps, &qp->node);
    fv_pd_ref(pd, 1);
    FV_CONTAINER_OF(init->send_cq, struct fv_cq, cq)->refs++;
    FV_CONTAINER_OF(init->recv_cq, struct fv_cq, cq)->refs++;
    if (init->srq) {
        FV_CONTAINER_OF(init->srq, struct fv_srq, srq)->refs++;
    }
    pthread_mutex_unlock(&ctx->lock);
    return &qp->qp;
}

FV_EXPORT struct ibv_qp *
ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *init)
{
    return create_qp(pd, init, 0, false);
}

struct ibv_qp *
fv_create_qp_ex_op(struct ibv_context *context,
                   struct ibv_qp_init_attr_ex *init)
{
    const uint32_t known = (IBV_QP_INIT_ATTR_PD
                            | IBV_QP_INIT_ATTR_CREATE_FLAGS
                            | IBV_QP_INIT_ATTR_MAX_TSO_HEADER);
    uint32_t create_flags = 0, max_tso_header = 0;

    if (init->comp_mask & ~known || !(init->comp_mask & IBV_QP_INIT_ATTR_PD)
        || !init->pd || init->pd->context != context) {
        errno = init->comp_mask & ~known ? EOPNOTSUPP : EINVAL;
        return NULL;
    }
    if (init->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) {
        create_flags = init->create_flags;
        if (create_flags & ~IBV_QP_CREATE_BLOCK_SELF_MCAST_LB) {
            errno = EOPNOTSUPP;
            return NULL;
        }
    }
    if (init->comp_mask & IBV_QP_INIT_ATTR_MAX_TSO_HEADER) {
        max_tso_header = init->max_tso_header;
        if (max_tso_header > (fv_config()->lso_max ? 256 : 0)) {
            errno = EINVAL;
            return NULL;
        }
    }

    struct ibv_qp_init_attr basic = {
        .qp_context = init->qp_context, .send_cq = init->send_cq,
        .recv_cq = init->recv_cq, .srq = init->srq, .cap = init->cap,
        .qp_type = init->qp_type, .sq_sig_all = init->sq_sig_all,
    };
    struct ibv_qp *qp = create_qp(init->pd, &basic, max_tso_header,
                                  create_flags != 0);
    init->cap = basic.cap;
    return qp;
}

/* Which attributes a UD transition requires and which it allows besides
 * IBV_QP_STATE and IBV_QP_CUR_STATE.  'ok' is false for a transition UD
 * does not have. */
struct transition {
    bool ok;
    int required, optional;
};

static struct transition
ud_transition(enum ibv_qp_state cur, enum ibv_qp_state next)
{
    const int keys = IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY;

    if (next == IBV_QPS_RESET || next == IBV_QPS_ERR) {
        return (struct transition) { true, 0, 0 };
    }
    switch (cur) {
    case IBV_QPS_RESET:
        return (struct transition) { next == IBV_QPS_INIT, keys, 0 };
    case IBV_QPS_INIT:
        if (next == IBV_QPS_INIT) {
            return (struct transition) { true, 0, keys };
        }
        return (struct transition) {
            next == IBV_QPS_RTR, 0, IBV_QP_PKEY_INDEX | IBV_QP_QKEY
        };
    case IBV_QPS_RTR:
        return (struct transition) {
            next == IBV_QPS_RTS, IBV_QP_SQ_PSN, IBV_QP_QKEY
        };
    case IBV_QPS_RTS:
    case IBV_QPS_SQE:
        return (struct transition) { next == IBV_QPS_RTS, 0, IBV_QP_QKEY };
    case IBV_QPS_SQD:
    case IBV_QPS_ERR:
    case IBV_QPS_UNKNOWN:
    default:
        return (struct transition) { false, 0, 0 };
    }
}

/* Completes every posted receive with a flush error.  Caller holds the
 * context lock. */
static void
flush_rq(struct fv_qp *qp)
{
    struct ibv_sge sge[FV_MAX_SGE];
    struct fv_wqe wqe = { .sge = sge };

    if (qp->qp.srq) {
        return;
    }
    while (fv_wqe_ring_pop(&qp->rq, &wqe)) {
        struct ibv_wc wc = {
            .wr_id = wqe.wr_id, .status = IBV_WC_WR_FLUSH_ERR,
            .opcode = IBV_WC_RECV, .qp_num = qp->qp.qp_num,
        };
        fv_cq_push(FV_CONTAINER_OF(qp->qp.recv_cq, struct fv_cq, cq), &wc,
                   false);
    }
}

/* Caller holds the context lock. */
void
fv_qp_to_error(struct fv_qp *qp)
{
    bool was_error = qp->qp.state == IBV_QPS_ERR;

    qp->qp.state = IBV_QPS_ERR;
    flush_rq(qp);
    if (qp->qp.srq && !was_error) {
        struct ibv_async_event event = {
            .element.qp = &qp->qp,
            .event_type = IBV_EVENT_QP_LAST_WQE_REACHED,
        };
        fv_async_post(fv_ctx(qp->qp.context), &event);
    }
}

static void
qp_reset(struct fv_qp *qp)
{
    qp->qp.state = IBV_QPS_RESET;
    qp->rq.head = qp->rq.count = 0;
    fv_cq_clean(FV_CONTAINER_OF(qp->qp.send_cq, struct fv_cq, cq),
                qp->qp.qp_num);
    fv_cq_clean(FV_CONTAINER_OF(qp->qp.recv_cq, struct fv_cq, cq),
                qp->qp.qp_num);
}

static int
modify_qp(struct fv_qp *qp, const struct ibv_qp_attr *attr, int mask)
{
    enum ibv_qp_state cur = qp->qp.state;

    if (mask & IBV_QP_CUR_STATE && attr->cur_qp_state != cur) {
        return EINVAL;
    }
    enum ibv_qp_state next = mask & IBV_QP_STATE ? attr->qp_state : cur;
    if (fv_ctx(qp->qp.context)->dead
        && next != IBV_QPS_RESET && next != IBV_QPS_ERR) {
        return EIO;             /* Only teardown works on a dead device. */
    }
    struct transition t = ud_transition(cur, next);
    int given = mask & ~(IBV_QP_STATE | IBV_QP_CUR_STATE);
    if (!t.ok || (given & t.required) != t.required
        || given & ~(t.required | t.optional)) {
        return EINVAL;
    }
    if ((mask & IBV_QP_PORT && attr->port_num != 1)
        || (mask & IBV_QP_PKEY_INDEX
            && attr->pkey_index >= fv_config()->n_pkeys)) {
        return EINVAL;
    }

    if (mask & IBV_QP_QKEY) {
        qp->qkey = attr->qkey;
    }
    if (mask & IBV_QP_PKEY_INDEX) {
        qp->pkey_index = attr->pkey_index;
    }
    if (mask & IBV_QP_SQ_PSN) {
        qp->sq_psn = attr->sq_psn & 0xffffff;
    }
    if (next == IBV_QPS_RESET) {
        qp_reset(qp);
    } else if (next == IBV_QPS_ERR) {
        fv_qp_to_error(qp);
    } else {
        qp->qp.state = next;
    }
    return 0;
}

FV_EXPORT int
ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask)
{
    struct fv_context *ctx = fv_ctx(qp->context);

    pthread_mutex_lock(&ctx->lock);
    int error = modify_qp(fv_qp(qp), attr, mask);
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

FV_EXPORT int
ibv_query_qp(struct ibv_qp *qp_, struct ibv_qp_attr *attr,
             int mask FV_UNUSED, struct ibv_qp_init_attr *init)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = fv_qp(qp_);

    memset(attr, 0, sizeof *attr);
    memset(init, 0, sizeof *init);
    pthread_mutex_lock(&ctx->lock);
    attr->qp_state = attr->cur_qp_state = qp_->state;
    attr->path_mtu = fv_config()->mtu;
    attr->qkey = qp->qkey;
    attr->sq_psn = qp->sq_psn;
    attr->cap = qp->cap;
    attr->pkey_index = qp->pkey_index;
    attr->port_num = qp->port_num;
    pthread_mutex_unlock(&ctx->lock);

    init->qp_context = qp_->qp_context;
    init->send_cq = qp_->send_cq;
    init->recv_cq = qp_->recv_cq;
    init->srq = qp_->srq;
    init->cap = qp->cap;
    init->qp_type = qp_->qp_type;
    init->sq_sig_all = qp->sq_sig_all;
    return 0;
}

FV_EXPORT int
ibv_destroy_qp(struct ibv_qp *qp_)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = fv_qp(qp_);

    pthread_mutex_lock(&ctx->lock);
    fv_list_remove(&qp->node);
    fv_wire_close(ctx, qp);
    fv_async_forget(ctx, qp_);
    fv_wait_acked(ctx, &qp_->events_completed, &qp->async_reported);
    qp_reset(qp);
    fv_pd_ref(qp_->pd, -1);
    FV_CONTAINER_OF(qp_->send_cq, struct fv_cq, cq)->refs--;
    FV_CONTAINER_OF(qp_->recv_cq, struct fv_cq, cq)->refs--;
    if (qp_->srq) {
        FV_CONTAINER_OF(qp_->srq, struct fv_srq, srq)->refs--;
    }
    pthread_mutex_unlock(&ctx->lock);

    pthread_mutex_destroy(&qp_->mutex);
    pthread_cond_destroy(&qp_->cond);
    fv_wqe_ring_destroy(&qp->rq);
    free(qp);
    return 0;
}
