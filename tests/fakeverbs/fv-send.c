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

/* The send side of a UD QP.  Sends complete as soon as the datagram left:
 * UD has no acknowledgements. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct fv_cq *
send_cq(struct fv_qp *qp)
{
    return FV_CONTAINER_OF(qp->qp.send_cq, struct fv_cq, cq);
}

static size_t
wr_length(const struct ibv_send_wr *wr)
{
    size_t len = 0;

    for (int i = 0; i < wr->num_sge; i++) {
        len += wr->sg_list[i].length;
    }
    return len;
}

/* The errors post_send itself reports (the WR is not executed). */
static int
validate_wr(const struct fv_qp *qp, const struct ibv_send_wr *wr)
{
    const struct fv_config *cfg = fv_config();

    if (wr->num_sge < 0 || (uint32_t) wr->num_sge > qp->cap.max_send_sge
        || !wr->wr.ud.ah || wr->wr.ud.ah->pd != qp->qp.pd
        || wr->wr.ud.remote_qpn > FV_MCAST_QPN) {
        return EINVAL;
    }
    if (wr->send_flags & IBV_SEND_INLINE
        && (wr->opcode == IBV_WR_TSO
            || wr_length(wr) > qp->cap.max_inline_data)) {
        return EINVAL;
    }
    if (wr->send_flags & IBV_SEND_IP_CSUM && !cfg->ipcsum) {
        return EINVAL;
    }
    if (wr->opcode == IBV_WR_SEND || wr->opcode == IBV_WR_SEND_WITH_IMM) {
        return 0;
    }
    if (wr->opcode == IBV_WR_TSO) {
        return (qp->max_tso_header && wr->tso.hdr && wr->tso.mss
                && wr->tso.hdr_sz <= qp->max_tso_header
                && wr_length(wr) <= cfg->lso_max) ? 0 : EINVAL;
    }
    return EINVAL;              /* UD has no RDMA, atomics, binds. */
}

/* Copies the WR's data into 'buf' (room for 'size').  Returns the status
 * the send ends with. */
static enum ibv_wc_status
gather(struct fv_context *ctx, const struct fv_qp *qp,
       const struct ibv_send_wr *wr, uint8_t *buf, size_t size,
       size_t *len)
{
    bool is_inline = wr->send_flags & IBV_SEND_INLINE;

    *len = 0;
    for (int i = 0; i < wr->num_sge; i++) {
        const struct ibv_sge *sge = &wr->sg_list[i];
        if (!is_inline && !fv_sge_ok(ctx, qp->qp.pd, sge, false)) {
            return IBV_WC_LOC_PROT_ERR;
        }
        if (sge->length > size - *len) {
            return IBV_WC_LOC_LEN_ERR;
        }
        memcpy(buf + *len, (const void *) (uintptr_t) sge->addr,
               sge->length);
        *len += sge->length;
    }
    return IBV_WC_SUCCESS;
}

static void
build_grh(const struct fv_context *ctx, const struct ibv_ah_attr *ah,
          size_t payload_len, bool imm, uint8_t grh[FV_GRH_LEN])
{
    const struct ibv_global_route *g = &ah->grh;
    union ibv_gid sgid;
    /* BTH + DETH (+ ImmDt) + payload + ICRC follow the GRH. */
    size_t paylen = 12 + 8 + (imm ? 4 : 0) + payload_len + 4;
    uint32_t word0 = (6u << 28) | ((uint32_t) g->traffic_class << 20)
                     | (g->flow_label & 0xfffff);

    fv_port_gid(ctx, &sgid);
    grh[0] = word0 >> 24;
    grh[1] = word0 >> 16;
    grh[2] = word0 >> 8;
    grh[3] = word0;
    grh[4] = paylen >> 8;
    grh[5] = paylen;
    grh[6] = 0x1b;                  /* Next header: IBA transport. */
    grh[7] = g->hop_limit;
    memcpy(grh + 8, sgid.raw, 16);
    memcpy(grh + 24, g->dgid.raw, 16);
}

static void
build_hdr(const struct fv_context *ctx, const struct fv_qp *qp,
          const struct ibv_send_wr *wr, struct fv_wire_hdr *hdr)
{
    const struct ibv_ah_attr *ah
        = &FV_CONTAINER_OF(wr->wr.ud.ah, struct fv_ah, ah)->attr;
    uint32_t qkey = wr->wr.ud.remote_qkey;

    memset(hdr, 0, sizeof *hdr);
    hdr->magic = FV_WIRE_MAGIC;
    hdr->slid = ctx->lid;
    hdr->dlid = ah->dlid;
    hdr->src_qpn = qp->qp.qp_num;
    hdr->dst_qpn = wr->wr.ud.remote_qpn;
    /* A Q_Key with the high bit set means the QP's own. */
    hdr->qkey = qkey & 0x80000000u ? qp->qkey : qkey;
    hdr->pkey = fv_pkey_at(qp->pkey_index);
    hdr->sl = ah->sl;
    if (wr->opcode == IBV_WR_SEND_WITH_IMM) {
        hdr->flags |= FV_WIRE_IMM;
        hdr->imm = wr->imm_data;
    }
    if (wr->send_flags & IBV_SEND_SOLICITED) {
        hdr->flags |= FV_WIRE_SOLICITED;
    }
    if (ah->is_global) {
        hdr->flags |= FV_WIRE_GRH;
    }
}

/* Transmits one datagram of 'len' bytes, or several (TSO).  Returns the
 * completion status. */
static enum ibv_wc_status
transmit(struct fv_context *ctx, struct fv_qp *qp,
         const struct ibv_send_wr *wr, struct fv_wire_hdr *hdr,
         const uint8_t *data, size_t len, bool port_up)
{
    const struct ibv_ah_attr *ah
        = &FV_CONTAINER_OF(wr->wr.ud.ah, struct fv_ah, ah)->attr;
    size_t mtu = fv_mtu_bytes(fv_config()->mtu);

    if (wr->opcode != IBV_WR_TSO) {
        if (len > mtu) {
            return IBV_WC_LOC_LEN_ERR;
        }
        hdr->payload_len = len;
        if (ah->is_global) {
            build_grh(ctx, ah, len, hdr->flags & FV_WIRE_IMM, hdr->grh);
        }
        if (port_up) {
            fv_wire_send(ctx, qp, hdr, data);
        }
        return IBV_WC_SUCCESS;
    }

    const uint8_t *tso_hdr = wr->tso.hdr;
    size_t hdr_sz = wr->tso.hdr_sz, mss = wr->tso.mss;
    size_t n_seg = len ? (len + mss - 1) / mss : 1;
    uint8_t seg[FV_MAX_MTU_BYTES];
    if (hdr_sz + mss > mtu) {
        return IBV_WC_LOC_LEN_ERR;
    }
    for (size_t i = 0; i < n_seg; i++) {
        size_t seg_len = fv_tso_segment(tso_hdr, hdr_sz, data, len, mss, i,
                                        seg);
        if (!seg_len) {
            return IBV_WC_LOC_QP_OP_ERR;
        }
        hdr->payload_len = seg_len;
        if (ah->is_global) {
            build_grh(ctx, ah, seg_len, false, hdr->grh);
        }
        if (port_up) {
            fv_wire_send(ctx, qp, hdr, seg);
        }
    }
    return IBV_WC_SUCCESS;
}

static bool
wr_signaled(const struct fv_qp *qp, const struct ibv_send_wr *wr)
{
    return qp->sq_sig_all || wr->send_flags & IBV_SEND_SIGNALED;
}

static enum ibv_wc_opcode
wc_opcode(enum ibv_wr_opcode opcode)
{
    return opcode == IBV_WR_TSO ? IBV_WC_TSO : IBV_WC_SEND;
}

/* Executes one validated WR; the context lock is held on entry and exit
 * but not while sending. */
static void
execute_wr(struct fv_context *ctx, struct fv_qp *qp,
           const struct ibv_send_wr *wr)
{
    uint8_t small[FV_MAX_MTU_BYTES + 1];
    size_t size = wr->opcode == IBV_WR_TSO ? fv_config()->lso_max
                                           : sizeof small;
    uint8_t *buf = wr->opcode == IBV_WR_TSO ? malloc(size) : small;
    struct ibv_wc wc = {
        .wr_id = wr->wr_id, .opcode = wc_opcode(wr->opcode),
        .qp_num = qp->qp.qp_num,
    };
    struct fv_wire_hdr hdr;
    size_t len = 0;

    if (qp->qp.state == IBV_QPS_ERR || qp->qp.state == IBV_QPS_SQE) {
        wc.status = IBV_WC_WR_FLUSH_ERR;
    } else if (!buf) {
        wc.status = IBV_WC_GENERAL_ERR;
    } else if (fv_faults_take_tx(ctx)) {
        /* Injected: the HCA refused the WR; nothing leaves. */
        wc.status = IBV_WC_LOC_QP_OP_ERR;
    } else {
        wc.status = gather(ctx, qp, wr, buf, size, &len);
    }
    if (wc.status == IBV_WC_SUCCESS) {
        bool port_up = ctx->port_state == IBV_PORT_ACTIVE;
        build_hdr(ctx, qp, wr, &hdr);
        if (wr->send_flags & IBV_SEND_IP_CSUM && wr->opcode != IBV_WR_TSO) {
            fv_ip_fill_csum(buf, len);
        }
        pthread_mutex_unlock(&ctx->lock);
        wc.status = transmit(ctx, qp, wr, &hdr, buf, len, port_up);
        pthread_mutex_lock(&ctx->lock);
        wc.byte_len = len;
    }
    if (buf != small) {
        free(buf);
    }

    if (wc.status != IBV_WC_SUCCESS && wc.status != IBV_WC_WR_FLUSH_ERR) {
        /* A UD send error stops the send queue (SQE); RTS resumes it. */
        qp->qp.state = IBV_QPS_SQE;
    }
    if (wc.status != IBV_WC_SUCCESS || wr_signaled(qp, wr)) {
        fv_cq_push(send_cq(qp), &wc, false);
    }
}

int
fv_post_send(struct ibv_qp *qp_, struct ibv_send_wr *wr,
             struct ibv_send_wr **bad)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = FV_CONTAINER_OF(qp_, struct fv_qp, qp);
    int error = 0;

    pthread_mutex_lock(&ctx->lock);
    for (; wr; wr = wr->next) {
        enum ibv_qp_state state = qp_->state;
        if (state != IBV_QPS_RTS && state != IBV_QPS_SQE
            && state != IBV_QPS_ERR) {
            error = EINVAL;
        } else {
            error = validate_wr(qp, wr);
        }
        if (error) {
            *bad = wr;
            break;
        }
        execute_wr(ctx, qp, wr);
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}
