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

/* The data path of the "verbs" transport.
 *
 * Send: each datagram is copied into a registered send buffer (the caller's
 * memory is not registered, and registering per packet would cost far more
 * than the copy), consecutive datagrams from one QP become one chain of
 * work requests posted with one ibv_post_send(), and every request is
 * signaled so that its buffer comes back on completion.  A full send queue
 * or no free buffer drops the datagram and counts it.
 *
 * Receive: completions of the shared receive CQ are polled in batches; each
 * datagram is copied out of its receive buffer, which is posted again in
 * batches by the receive ring.  Nothing is allocated per packet. */

#include <config.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "transport/verbs-private.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(verbs_datapath);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Send side. */

static uint64_t
slot_wr_id(const struct verbs_dev *dev, uint32_t idx)
{
    return ((uint64_t) dev->tx_slots[idx].gen << 32) | idx;
}

static void
slot_release(struct verbs_dev *dev, struct ipoib_port *port, uint32_t idx)
{
    struct verbs_tx_slot *slot = &dev->tx_slots[idx];
    struct verbs_qp *qp = verbs_qp_find(port, slot->qpn);

    if (qp && qp->n_outstanding) {
        qp->n_outstanding--;
    }
    slot->busy = false;
    slot->ah = NULL;
    slot->gen++;
    dev->tx_free[dev->n_tx_free++] = idx;
}

/* Takes send completions and frees their buffers. */
void
verbs_tx_poll(struct verbs_dev *dev, struct ipoib_port *port)
{
    struct ibv_wc wcs[VERBS_POLL_BATCH];
    int n;

    if (!dev) {
        return;
    }
    do {
        n = ibv_poll_cq(dev->tx_cq, VERBS_POLL_BATCH, wcs);
        for (int i = 0; i < n; i++) {
            uint32_t idx = wcs[i].wr_id & UINT32_MAX;
            uint32_t gen = wcs[i].wr_id >> 32;

            if (idx >= dev->n_tx_slots || !dev->tx_slots[idx].busy
                || dev->tx_slots[idx].gen != gen) {
                continue;       /* Reclaimed already with its QP. */
            }
            if (wcs[i].status != IBV_WC_SUCCESS) {
                VLOG_WARN_RL(&rl, "%s: send on QP 0x%06"PRIx32" failed: %s",
                             port->name, wcs[i].qp_num,
                             ibv_wc_status_str(wcs[i].status));
                ipoib_counter_inc(&port->counters.tx_errors, 1);
                /* The QP is now in SQE (UD) and flushes every send until
                 * it is reset.  A flush only follows an error already
                 * seen, or our own reset. */
                if (wcs[i].status != IBV_WC_WR_FLUSH_ERR) {
                    verbs_qp_note_error(port, dev->tx_slots[idx].qpn);
                }
            }
            slot_release(dev, port, idx);
        }
    } while (n == VERBS_POLL_BATCH);
}

/* Frees the buffers of sends by 'qpn', a QP that was destroyed or reset
 * and so will not complete them. */
void
verbs_tx_reclaim_qp(struct verbs_dev *dev, struct ipoib_port *port,
                    uint32_t qpn)
{
    for (uint32_t i = 0; dev && i < dev->n_tx_slots; i++) {
        if (dev->tx_slots[i].busy && dev->tx_slots[i].qpn == qpn) {
            slot_release(dev, port, i);
        }
    }
}

/* Destroys retired address handles that no send in flight uses. */
static void
reap_retired(struct verbs_dev *dev)
{
    size_t kept = 0;

    for (size_t i = 0; i < dev->n_retired; i++) {
        struct ibv_ah *ah = dev->retired[i];
        bool in_use = false;

        for (uint32_t j = 0; j < dev->n_tx_slots && !in_use; j++) {
            in_use = dev->tx_slots[j].busy && dev->tx_slots[j].ah == ah;
        }
        if (in_use) {
            dev->retired[kept++] = ah;
        } else {
            ibv_destroy_ah(ah);
        }
    }
    dev->n_retired = kept;
}

/* Builds the work request for 'desc' in slot 'idx' and 'wr'/'sge'.
 * Returns false if it cannot be sent. */
static bool
build_wr(struct ipoib_port *port, struct verbs_dev *dev,
         const struct verbs_qp *qp, const struct ipoib_tx_desc *desc,
         uint32_t idx, struct ibv_send_wr *wr, struct ibv_sge *sge)
{
    uint8_t *buf = dev->tx_mem + (size_t) idx * dev->tx_stride;
    struct verbs_ah_key key;
    size_t hdr_len = 0;
    bool lso;
    struct ibv_ah *ah;

    if (!desc->dlid || (desc->len && !desc->data) || !desc->len
        || !ib_pkey_same_partition(desc->pkey, qp->pkey)) {
        return false;
    }
    lso = (desc->flags & IPOIB_TX_F_LSO) && dev->offloads.max_lso
          && desc->mss;
    if (lso) {
        hdr_len = verbs_lso_header_len(desc->data, desc->len);
        if (!hdr_len || desc->len - hdr_len > dev->offloads.max_lso
            || desc->len > dev->tx_stride) {
            return false;
        }
    } else if (desc->len > port->tx_mtu || desc->len > dev->tx_stride) {
        return false;
    }

    bool mcast = desc->dlid >= 0xc000 && desc->dlid != 0xffff;
    verbs_ah_key_init(&key, desc->dlid, desc->sl, desc->global || mcast,
                      &desc->dgid);
    ah = verbs_ah_cache_get(&dev->ahs, &key);
    if (!ah) {
        VLOG_WARN_RL(&rl, "%s: cannot create an address handle for LID "
                     "0x%04"PRIx16, port->name, desc->dlid);
        return false;
    }

    memcpy(buf, desc->data, desc->len);
    memset(wr, 0, sizeof *wr);
    wr->wr_id = slot_wr_id(dev, idx);
    wr->sg_list = sge;
    wr->num_sge = 1;
    wr->send_flags = IBV_SEND_SIGNALED;
    wr->wr.ud.ah = ah;
    wr->wr.ud.remote_qpn = desc->dqpn & IB_QPN_MASK;
    wr->wr.ud.remote_qkey = desc->qkey;
    if ((desc->flags & IPOIB_TX_F_CSUM) && dev->offloads.tx_csum) {
        wr->send_flags |= IBV_SEND_IP_CSUM;
    }
    if (lso) {
        wr->opcode = IBV_WR_TSO;
        wr->tso.hdr = buf;
        wr->tso.hdr_sz = hdr_len;
        wr->tso.mss = desc->mss;
        wr->send_flags |= IBV_SEND_IP_CSUM;
        sge->addr = (uintptr_t) (buf + hdr_len);
        sge->length = desc->len - hdr_len;
    } else {
        wr->opcode = IBV_WR_SEND;
        sge->addr = (uintptr_t) buf;
        sge->length = desc->len;
    }
    sge->lkey = dev->tx_mr->lkey;

    struct verbs_tx_slot *slot = &dev->tx_slots[idx];
    slot->busy = true;
    slot->qpn = qp->qpn;
    slot->ah = ah;
    return true;
}

/* Posts up to VERBS_MAX_CHAIN datagrams of 'descs' (at most 'n') that all
 * come from the QP of descs[0].  Returns how many descs it consumed;
 * '*n_sent' and '*n_bytes' get what was queued. */
static int
send_chain(struct ipoib_port *port, struct verbs_dev *dev,
           const struct ipoib_tx_desc *descs, int n, int *n_sent,
           uint64_t *n_bytes)
{
    uint32_t src_qpn = descs[0].src_qpn;
    struct verbs_qp *qp = verbs_qp_find(port, src_qpn);
    struct ibv_send_wr *bad;
    uint32_t slots[VERBS_MAX_CHAIN];
    int n_wr = 0, used = 0;

    *n_sent = 0;
    *n_bytes = 0;
    for (; used < n && used < VERBS_MAX_CHAIN; used++) {
        const struct ipoib_tx_desc *desc = &descs[used];

        if (desc->src_qpn != src_qpn) {
            break;
        }
        if (!qp || qp->broken || !dev->n_tx_free
            || qp->n_outstanding + n_wr >= VERBS_QP_SEND_WR) {
            continue;           /* Dropped. */
        }
        uint32_t idx = dev->tx_free[dev->n_tx_free - 1];
        if (!build_wr(port, dev, qp, desc, idx, &dev->tx_wrs[n_wr],
                      &dev->tx_sges[n_wr])) {
            continue;
        }
        dev->n_tx_free--;
        slots[n_wr] = idx;
        if (n_wr) {
            dev->tx_wrs[n_wr - 1].next = &dev->tx_wrs[n_wr];
        }
        n_wr++;
        *n_bytes += desc->len;
    }
    if (!n_wr) {
        return used;
    }

    int error = ibv_post_send(qp->qp, dev->tx_wrs, &bad);
    int n_posted = n_wr;
    if (error) {
        n_posted = bad - dev->tx_wrs;
        VLOG_WARN_RL(&rl, "%s: posting %d sends on QP 0x%06"PRIx32" failed "
                     "at %d (%s)", port->name, n_wr, qp->qpn, n_posted,
                     ovs_strerror(error));
        for (int i = n_posted; i < n_wr; i++) {
            *n_bytes -= dev->tx_sges[i].length
                        + (dev->tx_wrs[i].opcode == IBV_WR_TSO
                           ? dev->tx_wrs[i].tso.hdr_sz : 0);
            dev->tx_slots[slots[i]].busy = false;
            dev->tx_slots[slots[i]].ah = NULL;
            dev->tx_free[dev->n_tx_free++] = slots[i];
        }
    }
    qp->n_outstanding += n_posted;
    *n_sent = n_posted;
    return used;
}

int
verbs_send(struct ipoib_port *port, const struct ipoib_tx_desc *descs, int n)
{
    struct verbs_counters *c = &port->counters;
    uint64_t total_bytes = 0;
    int total_sent = 0;
    struct verbs_dev *dev;

    ovs_mutex_lock(&port->tx_mutex);
    dev = port->dev;
    if (dev && port->active) {
        verbs_tx_poll(dev, port);
        if (dev->n_retired
            && (dev->n_tx_free == dev->n_tx_slots
                || dev->n_retired >= VERBS_AH_RETIRED_MAX / 2)) {
            reap_retired(dev);
        }
        for (int i = 0; i < n;) {
            uint64_t n_bytes;
            int n_sent;

            i += send_chain(port, dev, &descs[i], n - i, &n_sent, &n_bytes);
            total_sent += n_sent;
            total_bytes += n_bytes;
        }
    }
    ovs_mutex_unlock(&port->tx_mutex);

    ipoib_counter_inc(&c->tx_packets, total_sent);
    ipoib_counter_inc(&c->tx_bytes, total_bytes);
    if (total_sent < n) {
        ipoib_counter_inc(&c->tx_dropped, n - total_sent);
    }
    return total_sent;
}

/* Receive side. */

/* Reads the receive CQ's notifications so that the channel's fd stops
 * being readable; acknowledges them in bulk. */
static void
drain_rx_events(struct verbs_dev *dev)
{
    struct ibv_cq *cq;
    void *cq_ctx;

    while (!ibv_get_cq_event(dev->rx_channel, &cq, &cq_ctx)) {
        dev->rx_events_unacked++;
    }
    if (dev->rx_events_unacked >= 64) {
        ibv_ack_cq_events(dev->rx_cq, dev->rx_events_unacked);
        dev->rx_events_unacked = 0;
    }
}

/* Handles one receive completion.  Returns true if it filled 'desc'. */
static bool
handle_rx_wc(struct ipoib_port *port, struct verbs_dev *dev,
             const struct ibv_wc *wc, struct ipoib_rx_desc *desc)
{
    struct verbs_counters *c = &port->counters;
    const uint8_t *buf;
    bool filled = false;

    if (wc->wr_id >= dev->rx_ring.n_bufs) {
        VLOG_WARN_RL(&rl, "%s: completion for unknown receive buffer %"
                     PRIu64, port->name, wc->wr_id);
        ipoib_counter_inc(&c->rx_errors, 1);
        return false;
    }
    buf = verbs_rx_ring_buf(&dev->rx_ring, wc->wr_id);
    if (wc->status != IBV_WC_SUCCESS) {
        if (wc->status != IBV_WC_WR_FLUSH_ERR) {
            VLOG_WARN_RL(&rl, "%s: receive completion error on QP 0x%06"
                         PRIx32": %s", port->name, wc->qp_num,
                         ibv_wc_status_str(wc->status));
            /* A receive error moves the QP to ERR: it receives and sends
             * nothing until reset.  Only qp_num is valid here. */
            ovs_mutex_lock(&port->tx_mutex);
            verbs_qp_note_error(port, wc->qp_num);
            ovs_mutex_unlock(&port->tx_mutex);
        }
        ipoib_counter_inc(&c->rx_errors, 1);
    } else {
        const struct verbs_qp *qp = verbs_qp_find(port, wc->qp_num);
        size_t len = (wc->byte_len >= VERBS_GRH_LEN
                      ? wc->byte_len - VERBS_GRH_LEN : 0);

        if (!qp) {
            ipoib_counter_inc(&c->rx_dropped_no_qp, 1);
        } else if (!len || len > desc->buf_size
                   || wc->byte_len > dev->rx_ring.stride) {
            ipoib_counter_inc(&c->rx_dropped_mtu, 1);
        } else {
            memcpy(desc->buf, buf + VERBS_GRH_LEN, len);
            desc->len = len;
            desc->dqpn = qp->qpn;
            desc->sqpn = wc->src_qp & IB_QPN_MASK;
            desc->slid = wc->slid;
            /* UD completions carry no P_Key index (only GSI's do); the QP
             * accepted only its own partition. */
            desc->pkey = qp->pkey;
            desc->has_grh = (wc->wc_flags & IBV_WC_GRH) != 0;
            if (desc->has_grh) {
                verbs_grh_parse(buf, &desc->sgid, &desc->dgid);
            } else {
                memset(&desc->sgid, 0, sizeof desc->sgid);
                memset(&desc->dgid, 0, sizeof desc->dgid);
            }
            desc->multicast = desc->has_grh
                              && ib_gid_is_multicast(&desc->dgid);
            desc->csum_ok = (dev->offloads.rx_csum
                             && (wc->wc_flags & IBV_WC_IP_CSUM_OK));
            ipoib_counter_inc(&c->rx_packets, 1);
            ipoib_counter_inc(&c->rx_bytes, len);
            filled = true;
        }
    }
    if (!verbs_rx_ring_complete(&dev->rx_ring, wc->wr_id)) {
        VLOG_WARN_RL(&rl, "%s: completion for receive buffer %"PRIu64" "
                     "that is not posted", port->name, wc->wr_id);
    }
    return filled;
}

int
verbs_recv(struct ipoib_port *port, struct ipoib_rx_desc *descs, int n)
{
    struct ibv_wc wcs[VERBS_POLL_BATCH];
    struct verbs_dev *dev;
    int n_filled = 0;

    ovs_mutex_lock(&port->rx_mutex);
    dev = port->dev;
    if (!dev) {
        ovs_mutex_unlock(&port->rx_mutex);
        return 0;
    }
    drain_rx_events(dev);
    while (dev->n_rx_stash && n_filled < n) {
        const struct ibv_wc *wc = &dev->rx_stash[dev->rx_stash_head];

        dev->rx_stash_head = (dev->rx_stash_head + 1) % dev->rx_ring.n_bufs;
        dev->n_rx_stash--;
        n_filled += handle_rx_wc(port, dev, wc, &descs[n_filled]);
    }
    while (n_filled < n) {
        int want = MIN(n - n_filled, VERBS_POLL_BATCH);
        int got = ibv_poll_cq(dev->rx_cq, want, wcs);

        if (got <= 0) {
            break;
        }
        for (int i = 0; i < got; i++) {
            /* A datagram that is dropped leaves its desc for the next. */
            n_filled += handle_rx_wc(port, dev, &wcs[i], &descs[n_filled]);
        }
        if (got < want) {
            break;
        }
    }
    verbs_rx_ring_refill(&dev->rx_ring, false);
    ovs_mutex_unlock(&port->rx_mutex);
    return n_filled;
}

/* Appends the receive CQ's completions to the stash, where recv() finds
 * them first.  Resetting or destroying a QP discards its completions from
 * the CQ, with no other trace of their buffers: taking them out first
 * gives every buffer back to the ring.  Stops when the stash is full,
 * which cannot be while every completion is of a distinct buffer. */
static void
stash_rx(struct verbs_dev *dev, int max)
{
    uint32_t size = dev->rx_ring.n_bufs;

    while (max > 0 && dev->n_rx_stash < size) {
        uint32_t tail = (dev->rx_stash_head + dev->n_rx_stash) % size;
        int n = MIN(max, (int) MIN(size - tail, size - dev->n_rx_stash));

        n = ibv_poll_cq(dev->rx_cq, n, &dev->rx_stash[tail]);
        if (n <= 0) {
            break;
        }
        dev->n_rx_stash += n;
        max -= n;
    }
}

void
verbs_rx_stash_cq(struct verbs_dev *dev)
{
    if (dev) {
        stash_rx(dev, INT_MAX);
    }
}

void
verbs_recv_wait(struct ipoib_port *port)
{
    struct verbs_dev *dev;

    ovs_mutex_lock(&port->rx_mutex);
    dev = port->dev;
    if (!dev) {
        /* The control path's wait() covers reopening. */
    } else if (dev->n_rx_stash) {
        poll_immediate_wake();
    } else if (ibv_req_notify_cq(dev->rx_cq, 0)) {
        /* Cannot arm: fall back to polling soon. */
        poll_timer_wait(10);
    } else {
        /* One that arrived between the last poll and arming makes no
         * event: keep it for recv(). */
        stash_rx(dev, 1);
        if (dev->n_rx_stash) {
            poll_immediate_wake();
        } else {
            poll_fd_wait(dev->rx_channel->fd, POLLIN);
        }
    }
    ovs_mutex_unlock(&port->rx_mutex);
}
