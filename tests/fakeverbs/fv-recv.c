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

/* The receive side of a UD QP: posting receives and placing a datagram
 * into one, with the checks an HCA makes first. */

#include "fv-private.h"

#include <errno.h>
#include <string.h>

static struct fv_cq *
recv_cq(struct fv_qp *qp)
{
    return FV_CONTAINER_OF(qp->qp.recv_cq, struct fv_cq, cq);
}

int
fv_post_recv(struct ibv_qp *qp_, struct ibv_recv_wr *wr,
             struct ibv_recv_wr **bad)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = FV_CONTAINER_OF(qp_, struct fv_qp, qp);
    int error = 0;

    pthread_mutex_lock(&ctx->lock);
    if (qp_->srq || qp_->state == IBV_QPS_RESET) {
        error = EINVAL;
        *bad = wr;
    }
    for (; wr && !error; wr = wr->next) {
        error = fv_wqe_ring_push(&qp->rq, wr);
        if (error) {
            *bad = wr;
        }
    }
    if (qp_->state == IBV_QPS_ERR) {
        fv_qp_to_error(qp);         /* Flushes what was just posted. */
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

static bool
pkeys_match(uint16_t a, uint16_t b)
{
    /* Same partition, and not two limited members. */
    return !((a ^ b) & 0x7fff) && (a | b) & 0x8000 && (a & 0x7fff);
}

static bool
qp_is_member(const struct fv_qp *qp, const struct fv_wire_hdr *hdr)
{
    struct fv_list *node;

    for (node = qp->mcast.next; node != &qp->mcast; node = node->next) {
        const struct fv_mcast *m
            = FV_CONTAINER_OF(node, struct fv_mcast, node);
        if (m->lid == hdr->dlid
            && (!(hdr->flags & FV_WIRE_GRH)
                || !memcmp(m->gid.raw, hdr->grh + 24, 16))) {
            return true;
        }
    }
    return false;
}

/* Scatters 'len' bytes of 'src' at byte 'offset' of the receive buffer. */
static void
scatter(const struct fv_wqe *wqe, size_t offset, const uint8_t *src,
        size_t len)
{
    for (int i = 0; i < wqe->num_sge && len; i++) {
        const struct ibv_sge *sge = &wqe->sge[i];
        if (offset >= sge->length) {
            offset -= sge->length;
            continue;
        }
        size_t n = sge->length - offset;
        n = n < len ? n : len;
        memcpy((uint8_t *) (uintptr_t) sge->addr + offset, src, n);
        src += n;
        len -= n;
        offset = 0;
    }
}

/* The status a receive into 'wqe' of 'len' bytes ends with. */
static enum ibv_wc_status
check_wqe(struct fv_context *ctx, struct fv_qp *qp,
          const struct fv_wqe *wqe, size_t len)
{
    size_t room = 0;

    for (int i = 0; i < wqe->num_sge; i++) {
        if (!fv_sge_ok(ctx, qp->qp.pd, &wqe->sge[i], true)) {
            return IBV_WC_LOC_PROT_ERR;
        }
        room += wqe->sge[i].length;
    }
    return room >= len ? IBV_WC_SUCCESS : IBV_WC_LOC_LEN_ERR;
}

static bool
take_wqe(struct fv_context *ctx, struct fv_qp *qp, struct fv_wqe *wqe)
{
    if (qp->qp.srq) {
        struct fv_srq *srq = FV_CONTAINER_OF(qp->qp.srq, struct fv_srq, srq);
        if (!fv_wqe_ring_pop(&srq->ring, wqe)) {
            return false;
        }
        fv_srq_check_limit(ctx, srq);
        return true;
    }
    return fv_wqe_ring_pop(&qp->rq, wqe);
}

/* Whether the HCA accepts the datagram for 'qp'; counts what it drops. */
static bool
accept_datagram(struct fv_context *ctx, struct fv_qp *qp,
                const struct fv_wire_hdr *hdr)
{
    if (ctx->port_state != IBV_PORT_ACTIVE
        || (qp->qp.state != IBV_QPS_RTR && qp->qp.state != IBV_QPS_RTS
            && qp->qp.state != IBV_QPS_SQE)
        || hdr->payload_len > (uint32_t) fv_mtu_bytes(fv_config()->mtu)) {
        return false;
    }
    if (hdr->dst_qpn == FV_MCAST_QPN ? !qp_is_member(qp, hdr)
        : hdr->dst_qpn != qp->qp.qp_num) {
        return false;
    }
    if (!pkeys_match(hdr->pkey, fv_pkey_at(qp->pkey_index))) {
        ctx->bad_pkey_cntr++;
        return false;
    }
    if (hdr->qkey != qp->qkey) {
        ctx->qkey_viol_cntr++;
        return false;
    }
    return true;
}

/* Caller holds the context lock. */
void
fv_recv_deliver(struct fv_context *ctx, struct fv_qp *qp,
                const struct fv_wire_hdr *hdr, const uint8_t *payload)
{
    struct ibv_sge sge[FV_MAX_SGE];
    struct fv_wqe wqe = { .sge = sge };

    if (!accept_datagram(ctx, qp, hdr)) {
        return;
    }
    if (!take_wqe(ctx, qp, &wqe)) {
        ctx->rx_no_wqe_drops++;
        return;
    }

    struct ibv_wc wc = {
        .wr_id = wqe.wr_id,
        .opcode = IBV_WC_RECV,
        .byte_len = FV_GRH_LEN + hdr->payload_len,
        .qp_num = qp->qp.qp_num,
        .src_qp = hdr->src_qpn,
        .pkey_index = qp->pkey_index,
        .slid = hdr->slid,
        .sl = hdr->sl,
    };
    /* An injected error takes the buffer as a real one would. */
    wc.status = (fv_faults_take_rx(ctx) ? IBV_WC_LOC_LEN_ERR
                 : check_wqe(ctx, qp, &wqe, wc.byte_len));
    if (wc.status == IBV_WC_SUCCESS) {
        if (hdr->flags & FV_WIRE_GRH) {
            scatter(&wqe, 0, hdr->grh, FV_GRH_LEN);
            wc.wc_flags |= IBV_WC_GRH;
        }
        scatter(&wqe, FV_GRH_LEN, payload, hdr->payload_len);
        if (hdr->flags & FV_WIRE_IMM) {
            wc.imm_data = hdr->imm;
            wc.wc_flags |= IBV_WC_WITH_IMM;
        }
        if (fv_config()->ipcsum
            && fv_ip_csum_ok(payload, hdr->payload_len)) {
            wc.wc_flags |= IBV_WC_IP_CSUM_OK;
        }
    }
    fv_cq_push(recv_cq(qp), &wc, hdr->flags & FV_WIRE_SOLICITED);
    if (wc.status != IBV_WC_SUCCESS) {
        fv_qp_to_error(qp);
    }
}
