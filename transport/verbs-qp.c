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

/* The UD QPs of a "verbs" port: one per VIF (and one for the host side),
 * all receiving through the port's SRQ and completing into its two CQs,
 * so that a QP costs only its send queue. */

#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "transport/verbs-private.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(verbs_qp);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Longest wait for IBV_EVENT_QP_LAST_WQE_REACHED before resetting a QP. */
#define LAST_WQE_WAIT_MSEC 1000

struct verbs_qp *
verbs_qp_find(const struct ipoib_port *port, uint32_t qpn)
{
    struct verbs_qp *qp;

    HMAP_FOR_EACH_WITH_HASH (qp, node, hash_int(qpn, 0), &port->qps) {
        if (qp->qpn == qpn) {
            return qp;
        }
    }
    return NULL;
}

struct verbs_qp *
verbs_qp_find_ibv(const struct ipoib_port *port, const struct ibv_qp *ibv_qp)
{
    return ibv_qp ? verbs_qp_find(port, ibv_qp->qp_num) : NULL;
}

/* Moves 'qp' from RESET to RTS, the states a UD QP needs to send.  Returns
 * 0 or a positive errno value. */
static int
qp_bring_up(struct verbs_qp *qp, int port_num)
{
    struct ibv_qp_attr attr;
    int error;

    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_INIT;
    attr.pkey_index = qp->pkey_idx;
    attr.port_num = port_num;
    attr.qkey = qp->qkey;
    error = ibv_modify_qp(qp->qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX
                          | IBV_QP_PORT | IBV_QP_QKEY);
    if (error) {
        return error;
    }

    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_RTR;
    error = ibv_modify_qp(qp->qp, &attr, IBV_QP_STATE);
    if (error) {
        return error;
    }

    memset(&attr, 0, sizeof attr);
    attr.qp_state = IBV_QPS_RTS;
    attr.sq_psn = 0;
    return ibv_modify_qp(qp->qp, &attr, IBV_QP_STATE | IBV_QP_SQ_PSN);
}

static struct ibv_qp *
create_ibv_qp(struct verbs_dev *dev)
{
    struct ibv_qp_init_attr_ex init;

    memset(&init, 0, sizeof init);
    init.qp_type = IBV_QPT_UD;
    init.send_cq = dev->tx_cq;
    init.recv_cq = dev->rx_cq;
    init.srq = dev->srq;
    init.cap.max_send_wr = VERBS_QP_SEND_WR;
    init.cap.max_send_sge = 1;
    init.pd = dev->pd;
    init.comp_mask = IBV_QP_INIT_ATTR_PD;
    if (dev->offloads.max_lso) {
        init.comp_mask |= IBV_QP_INIT_ATTR_MAX_TSO_HEADER;
        init.max_tso_header = VERBS_MAX_LSO_HEADER;
        return ibv_create_qp_ex(dev->ctx, &init);
    }

    /* The plain call works with providers that lack the extended one. */
    struct ibv_qp_init_attr basic;
    memset(&basic, 0, sizeof basic);
    basic.qp_type = init.qp_type;
    basic.send_cq = init.send_cq;
    basic.recv_cq = init.recv_cq;
    basic.srq = init.srq;
    basic.cap = init.cap;
    return ibv_create_qp(dev->pd, &basic);
}

int
verbs_qp_create(struct ipoib_port *port, uint16_t pkey, uint32_t qkey,
                uint32_t *qpnp)
{
    struct verbs_dev *dev = port->dev;
    struct verbs_qp *qp;
    int pkey_idx, error;

    *qpnp = 0;
    if (!dev || port->attr.state != IPOIB_PORT_ACTIVE) {
        return ENETDOWN;
    }
    pkey_idx = ib_pkey_table_find(port->attr.pkeys, port->attr.n_pkeys,
                                  pkey);
    if (pkey_idx < 0) {
        return EINVAL;
    }

    qp = xzalloc(sizeof *qp);
    qp->pkey = port->attr.pkeys[pkey_idx];
    qp->pkey_idx = pkey_idx;
    qp->qkey = qkey;
    qp->qp = create_ibv_qp(dev);
    if (!qp->qp) {
        error = errno ? errno : ENOMEM;
        VLOG_WARN_RL(&rl, "%s: cannot create a UD QP (%s)", port->name,
                     ovs_strerror(error));
        free(qp);
        return error;
    }
    qp->qpn = qp->qp->qp_num;
    error = qp_bring_up(qp, port->port_num);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot bring QP 0x%06"PRIx32" to RTS (%s)",
                     port->name, qp->qpn, ovs_strerror(error));
        ibv_destroy_qp(qp->qp);
        free(qp);
        return error;
    }

    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    hmap_insert(&port->qps, &qp->node, hash_int(qp->qpn, 0));
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
    *qpnp = qp->qpn;
    return 0;
}

static void
qp_free(struct ipoib_port *port, struct verbs_qp *qp)
    OVS_REQUIRES(port->rx_mutex, port->tx_mutex)
{
    struct verbs_dev *dev = port->dev;

    hmap_remove(&port->qps, &qp->node);
    if (dev) {
        /* Take the completions it has made (destroying it discards them,
         * and with them their buffers), then give back the send buffers
         * of sends the destroyed QP will never complete. */
        verbs_tx_poll(dev, port);
        verbs_rx_stash_cq(dev);
        ibv_destroy_qp(qp->qp);
        verbs_tx_reclaim_qp(dev, port, qp->qpn);
    }
    free(qp);
}

void
verbs_qp_destroy(struct ipoib_port *port, uint32_t qpn)
{
    struct verbs_qp *qp;

    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    qp = verbs_qp_find(port, qpn);
    if (qp) {
        qp_free(port, qp);
    }
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
}

void
verbs_qp_destroy_all(struct ipoib_port *port)
{
    struct verbs_qp *qp;

    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    HMAP_FOR_EACH_SAFE (qp, node, &port->qps) {
        qp_free(port, qp);
    }
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
}

/* Marks QP 'qpn' broken after a completion error, which left it in SQE
 * (send) or ERR (receive), and tells the control thread, which resets
 * it. */
void
verbs_qp_note_error(struct ipoib_port *port, uint32_t qpn)
    OVS_REQUIRES(port->tx_mutex)
{
    struct verbs_qp *qp = verbs_qp_find(port, qpn);

    if (qp && !qp->broken) {
        verbs_qp_mark_broken(qp);
        seq_change(port->qp_error_seq);
    }
}

/* Marks 'qp' broken (needs the port's tx_mutex). */
void
verbs_qp_mark_broken(struct verbs_qp *qp)
{
    if (!qp->broken) {
        qp->broken = true;
        qp->broken_since = time_msec();
        qp->last_wqe_seen = false;
    }
}

/* IBV_EVENT_QP_LAST_WQE_REACHED for 'qp': a QP on an SRQ that went to ERR
 * will take no more receive WQEs from the SRQ, so every completion it will
 * make is in the CQ now, and it may be reset. */
void
verbs_qp_note_last_wqe(struct ipoib_port *port, struct verbs_qp *qp)
{
    bool broken;

    ovs_mutex_lock(&port->tx_mutex);
    qp->last_wqe_seen = true;
    broken = qp->broken;
    ovs_mutex_unlock(&port->tx_mutex);
    if (broken) {
        VLOG_INFO_RL(&rl, "%s: QP 0x%06"PRIx32" reached its last WQE",
                     port->name, qp->qpn);
        seq_change(port->qp_error_seq);
    }
}

/* True if 'qp' must wait for IBV_EVENT_QP_LAST_WQE_REACHED before its
 * reset.  A QP on an SRQ in ERR may still be finishing receive WQEs it
 * took from the SRQ; their completions would come after the reset, for a
 * QP that no longer has them (ibv_create_srq(3)'s advice: wait for the
 * event before destroying or resetting such a QP).  A QP in SQE after a
 * send error keeps receiving: no wait.  The wait is bounded, should the
 * event never come. */
static bool
qp_awaits_last_wqe(const struct verbs_qp *qp, long long int now)
{
    struct ibv_qp_init_attr init;
    struct ibv_qp_attr attr;

    if (qp->last_wqe_seen || !qp->qp->srq
        || now - qp->broken_since >= LAST_WQE_WAIT_MSEC) {
        return false;
    }
    return (!ibv_query_qp(qp->qp, &attr, IBV_QP_STATE, &init)
            && attr.qp_state == IBV_QPS_ERR);
}

/* Brings QPs that got an error event or a completion error back to RTS:
 * a UD QP in error drops every send, and the netdev would not know to make
 * a new one.  The QPN stays, so peers' neighbor entries stay right.
 * Returns true if some QP could not be reset and stays broken. */
bool
verbs_qp_recover_broken(struct ipoib_port *port)
{
    long long int now = time_msec();
    bool left_broken = false;
    struct verbs_qp *qp;

    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    HMAP_FOR_EACH (qp, node, &port->qps) {
        struct ibv_qp_attr attr;
        int error;

        if (!qp->broken) {
            continue;
        }
        if (qp_awaits_last_wqe(qp, now)) {
            left_broken = true;
            continue;
        }
        verbs_tx_poll(port->dev, port);
        verbs_rx_stash_cq(port->dev);
        memset(&attr, 0, sizeof attr);
        attr.qp_state = IBV_QPS_RESET;
        error = ibv_modify_qp(qp->qp, &attr, IBV_QP_STATE);
        if (!error) {
            verbs_tx_reclaim_qp(port->dev, port, qp->qpn);
            error = qp_bring_up(qp, port->port_num);
        }
        if (error) {
            VLOG_WARN_RL(&rl, "%s: cannot reset QP 0x%06"PRIx32" after an "
                         "error (%s), will retry", port->name, qp->qpn,
                         ovs_strerror(error));
            left_broken = true;
            continue;
        }
        VLOG_INFO_RL(&rl, "%s: QP 0x%06"PRIx32" reset after an error",
                     port->name, qp->qpn);
        qp->broken = false;
    }
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
    return left_broken;
}

int
verbs_qp_attach_mcast(struct ipoib_port *port, uint32_t qpn,
                      const struct ib_gid *mgid, uint16_t mlid)
{
    struct verbs_qp *qp = verbs_qp_find(port, qpn);
    union ibv_gid gid;
    int error;

    if (!qp || !ib_gid_is_multicast(mgid) || mlid < 0xc000) {
        return EINVAL;
    }
    memcpy(gid.raw, mgid->b, sizeof gid.raw);
    error = ibv_attach_mcast(qp->qp, &gid, mlid);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot attach QP 0x%06"PRIx32" to MLID "
                     "0x%04"PRIx16" (%s)", port->name, qpn, mlid,
                     ovs_strerror(error));
    }
    return error;
}

void
verbs_qp_detach_mcast(struct ipoib_port *port, uint32_t qpn,
                      const struct ib_gid *mgid, uint16_t mlid)
{
    struct verbs_qp *qp = verbs_qp_find(port, qpn);
    union ibv_gid gid;

    if (qp && mlid) {
        memcpy(gid.raw, mgid->b, sizeof gid.raw);
        ibv_detach_mcast(qp->qp, &gid, mlid);
    }
}
