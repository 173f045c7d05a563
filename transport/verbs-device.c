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

/* Opening an HCA port for the "verbs" transport: the device by name, its
 * port, and the resources every QP of the port shares (one PD, one SRQ
 * with its receive ring, one receive CQ with a completion channel, one send
 * CQ, the send buffers and the address handle cache).  Every failure gives
 * a message that says what to fix. */

#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "transport/verbs-private.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(verbs_device);

static uint32_t
mtu_bytes(enum ibv_mtu mtu)
{
    /* IBA 1.4 table 213: MTU code n is 128 << n bytes. */
    return mtu >= IBV_MTU_256 && mtu <= IBV_MTU_4096 ? 128u << mtu : 0;
}

static int
set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return errno;
    }
    return 0;
}

/* Finds 'name' in the device list and opens it.  On failure, '*errorp'
 * names the devices there are. */
static int
open_context(const char *name, struct ibv_context **ctxp, char **errorp)
{
    struct ibv_device **list;
    struct ibv_device *found = NULL;
    struct ds names = DS_EMPTY_INITIALIZER;
    int n = 0;

    list = ibv_get_device_list(&n);
    if (!list) {
        int error = errno ? errno : ENODEV;
        *errorp = xasprintf("cannot list RDMA devices (%s): is rdma-core "
                            "installed and the HCA driver loaded?",
                            ovs_strerror(error));
        return error;
    }
    for (int i = 0; i < n; i++) {
        const char *dev_name = ibv_get_device_name(list[i]);

        ds_put_format(&names, "%s%s", i ? ", " : "", dev_name);
        if (!strcmp(dev_name, name)) {
            found = list[i];
        }
    }
    if (!found) {
        *errorp = (n
                   ? xasprintf("no RDMA device %s (found: %s)", name,
                               ds_cstr(&names))
                   : xasprintf("no RDMA device %s (no RDMA devices "
                               "found: is the HCA driver, e.g. mlx5_ib, "
                               "loaded?)", name));
        ds_destroy(&names);
        ibv_free_device_list(list);
        return ENODEV;
    }
    ds_destroy(&names);

    *ctxp = ibv_open_device(found);
    if (!*ctxp) {
        int error = errno ? errno : ENODEV;
        *errorp = xasprintf("cannot open RDMA device %s (%s): check the "
                            "permissions of its uverbs file in "
                            "/dev/infiniband", name,
                            ovs_strerror(error));
        ibv_free_device_list(list);
        return error;
    }
    ibv_free_device_list(list);
    return 0;
}

/* Reads the device's limits and offloads. */
static void
query_device(struct verbs_dev *dev, struct ibv_device_attr_ex *attr)
{
    memset(attr, 0, sizeof *attr);
    if (!ibv_query_device_ex(dev->ctx, NULL, attr)) {
        verbs_offloads_from_device(attr, true, &dev->offloads);
    } else {
        memset(attr, 0, sizeof *attr);
        if (ibv_query_device(dev->ctx, &attr->orig_attr)) {
            memset(attr, 0, sizeof *attr);
        }
        verbs_offloads_from_device(attr, false, &dev->offloads);
    }
}

static int
check_port(struct verbs_dev *dev, const char *name, int port_num,
           const struct ibv_device_attr_ex *attr, char **errorp)
{
    struct ibv_port_attr pattr;
    int error;

    if (attr->orig_attr.phys_port_cnt
        && port_num > attr->orig_attr.phys_port_cnt) {
        *errorp = xasprintf("RDMA device %s has no port %d (it has %s%d)",
                            name, port_num,
                            attr->orig_attr.phys_port_cnt > 1
                            ? "ports 1-" : "port ",
                            attr->orig_attr.phys_port_cnt);
        return ENODEV;
    }
    error = ibv_query_port(dev->ctx, port_num, &pattr);
    if (error) {
        *errorp = xasprintf("cannot query port %d of RDMA device %s (%s)",
                            port_num, name, ovs_strerror(error));
        return error;
    }
    if (pattr.link_layer != IBV_LINK_LAYER_INFINIBAND
        && pattr.link_layer != IBV_LINK_LAYER_UNSPECIFIED) {
        *errorp = xasprintf("port %d of RDMA device %s is not InfiniBand "
                            "(link layer %s): IPoIB needs an IB port "
                            "(a VPI card's port type is set with mlxconfig "
                            "LINK_TYPE_P%d=1)", port_num, name,
                            pattr.link_layer == IBV_LINK_LAYER_ETHERNET
                            ? "Ethernet" : "unknown", port_num);
        return EPROTONOSUPPORT;
    }
    dev->max_mtu = mtu_bytes(pattr.max_mtu);
    if (!dev->max_mtu) {
        dev->max_mtu = 4096;
    }
    return 0;
}

static int
post_rx_batch(void *dev_, const uint32_t *idx, int n)
{
    struct verbs_dev *dev = dev_;
    struct ibv_recv_wr *bad;

    for (int i = 0; i < n; i++) {
        struct ibv_sge *sge = &dev->rx_sges[i];
        struct ibv_recv_wr *wr = &dev->rx_wrs[i];

        uint8_t *buf = verbs_rx_ring_buf(&dev->rx_ring, idx[i]);

        sge->addr = (uintptr_t) buf;
        sge->length = dev->rx_ring.stride;
        sge->lkey = dev->rx_mr->lkey;
        wr->wr_id = idx[i];
        wr->sg_list = sge;
        wr->num_sge = 1;
        wr->next = i + 1 < n ? &dev->rx_wrs[i + 1] : NULL;
    }
    if (!ibv_post_srq_recv(dev->srq, dev->rx_wrs, &bad)) {
        return n;
    }
    return bad - dev->rx_wrs;
}

static void *
create_ah(const struct verbs_ah_key *key, void *dev_)
{
    struct verbs_dev *dev = dev_;
    struct ibv_ah_attr attr;

    memset(&attr, 0, sizeof attr);
    attr.dlid = key->dlid;
    attr.sl = key->sl;
    attr.port_num = dev->port_num;
    if (key->global) {
        attr.is_global = 1;
        memcpy(attr.grh.dgid.raw, key->dgid.b, sizeof attr.grh.dgid.raw);
        attr.grh.sgid_index = 0;
        attr.grh.hop_limit = 0xff;
    }
    return ibv_create_ah(dev->ah_pd, &attr);
}

/* An evicted handle may still be named by a send in flight: it waits in
 * 'retired' until the data path sees no busy slot using it. */
static void
release_ah(void *ah, void *dev_)
{
    struct verbs_dev *dev = dev_;

    for (uint32_t i = 0; i < dev->n_tx_slots; i++) {
        if (dev->tx_slots[i].busy && dev->tx_slots[i].ah == ah) {
            if (dev->n_retired < VERBS_AH_RETIRED_MAX) {
                dev->retired[dev->n_retired++] = ah;
                return;
            }
            /* Should not happen: the data path reaps well before this.
             * Keeping a handle alive is safe; destroying it is not. */
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "too many address handles retired, one "
                         "leaks");
            return;
        }
    }
    ibv_destroy_ah(ah);
}

static int
setup_tx(struct verbs_dev *dev, char **errorp, const char *name)
{
    size_t max_payload = dev->max_mtu;

    if (dev->offloads.max_lso) {
        dev->offloads.max_lso = MIN(dev->offloads.max_lso, VERBS_MAX_LSO);
        max_payload = MAX(max_payload,
                          dev->offloads.max_lso + VERBS_MAX_LSO_HEADER);
        dev->n_tx_slots = VERBS_TX_SLOTS_LSO;
    } else {
        dev->n_tx_slots = VERBS_TX_SLOTS;
    }
    if (dev->max_cqe && dev->n_tx_slots > dev->max_cqe) {
        dev->n_tx_slots = dev->max_cqe;
    }
    dev->tx_stride = ROUND_UP(max_payload, CACHE_LINE_SIZE);
    dev->tx_mem = xmalloc_pagealign(dev->tx_stride * dev->n_tx_slots);
    dev->tx_slots = xcalloc(dev->n_tx_slots, sizeof *dev->tx_slots);
    dev->tx_free = xmalloc(dev->n_tx_slots * sizeof *dev->tx_free);
    for (uint32_t i = 0; i < dev->n_tx_slots; i++) {
        dev->tx_free[i] = dev->n_tx_slots - 1 - i;
    }
    dev->n_tx_free = dev->n_tx_slots;
    dev->tx_mr = ibv_reg_mr(dev->pd, dev->tx_mem,
                            dev->tx_stride * dev->n_tx_slots, 0);
    if (!dev->tx_mr) {
        int error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot register %"PRIuSIZE" bytes of send "
                            "buffers on %s (%s): raise the memlock limit "
                            "(ulimit -l)", dev->tx_stride * dev->n_tx_slots,
                            name, ovs_strerror(error));
        return error;
    }
    dev->ah_pd = dev->pd;
    verbs_ah_cache_init(&dev->ahs, VERBS_AH_MAX, create_ah, release_ah, dev);
    return 0;
}

static int
setup_rx(struct verbs_dev *dev, char **errorp, const char *name)
{
    struct ibv_srq_init_attr srq_attr;
    uint32_t n_bufs = VERBS_RX_BUFS;
    int error;

    /* No more buffers than the SRQ holds or the CQ has entries for. */
    if (dev->max_srq_wr && n_bufs > dev->max_srq_wr) {
        n_bufs = dev->max_srq_wr;
    }
    if (dev->max_cqe && n_bufs > dev->max_cqe) {
        n_bufs = dev->max_cqe;
    }
    error = verbs_rx_ring_init(&dev->rx_ring, n_bufs, dev->max_mtu,
                               VERBS_RX_BATCH, post_rx_batch, dev);
    if (error) {
        *errorp = xasprintf("cannot allocate receive buffers for %s", name);
        return error;
    }
    dev->rx_stash = xcalloc(n_bufs, sizeof *dev->rx_stash);
    dev->rx_mr = ibv_reg_mr(dev->pd, dev->rx_ring.mem,
                            verbs_rx_ring_size(&dev->rx_ring),
                            IBV_ACCESS_LOCAL_WRITE);
    if (!dev->rx_mr) {
        error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot register %"PRIuSIZE" bytes of receive "
                            "buffers on %s (%s): raise the memlock limit "
                            "(ulimit -l)", verbs_rx_ring_size(&dev->rx_ring),
                            name, ovs_strerror(error));
        return error;
    }

    memset(&srq_attr, 0, sizeof srq_attr);
    srq_attr.attr.max_wr = n_bufs;
    srq_attr.attr.max_sge = 1;
    dev->srq = ibv_create_srq(dev->pd, &srq_attr);
    if (!dev->srq) {
        error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot create a shared receive queue of %"PRIu32
                            " entries on %s (%s)", n_bufs, name,
                            ovs_strerror(error));
        return error;
    }
    if (verbs_rx_ring_refill(&dev->rx_ring, true) == 0) {
        *errorp = xasprintf("cannot post receive buffers on %s", name);
        return EIO;
    }
    return 0;
}

static int
create_cqs(struct verbs_dev *dev, char **errorp, const char *name)
{
    int error;

    dev->rx_channel = ibv_create_comp_channel(dev->ctx);
    if (!dev->rx_channel) {
        error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot create a completion channel on %s (%s)",
                            name, ovs_strerror(error));
        return error;
    }
    error = set_nonblock(dev->rx_channel->fd);
    if (!error) {
        error = set_nonblock(dev->ctx->async_fd);
    }
    if (error) {
        *errorp = xasprintf("cannot make %s's event fds nonblocking (%s)",
                            name, ovs_strerror(error));
        return error;
    }

    /* Every posted buffer and every send slot makes at most one
     * completion, so these sizes cannot overflow. */
    uint32_t rx_cqe = VERBS_RX_BUFS, tx_cqe = VERBS_TX_SLOTS;
    if (dev->max_cqe) {
        rx_cqe = MIN(rx_cqe, dev->max_cqe);
        tx_cqe = MIN(tx_cqe, dev->max_cqe);
    }
    dev->rx_cq = ibv_create_cq(dev->ctx, rx_cqe, NULL, dev->rx_channel, 0);
    dev->tx_cq = ibv_create_cq(dev->ctx, tx_cqe, NULL, NULL, 0);
    if (!dev->rx_cq || !dev->tx_cq) {
        error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot create completion queues on %s (%s)",
                            name, ovs_strerror(error));
        return error;
    }
    return 0;
}

int
verbs_dev_open(const char *name, int port_num, struct verbs_dev **devp,
               char **errorp)
{
    struct ibv_device_attr_ex attr;
    struct verbs_dev *dev = xzalloc(sizeof *dev);
    int error;

    *devp = NULL;
    *errorp = NULL;
    dev->port_num = port_num;
    error = open_context(name, &dev->ctx, errorp);
    if (error) {
        free(dev);
        return error;
    }
    query_device(dev, &attr);
    dev->max_srq_wr = attr.orig_attr.max_srq_wr;
    dev->max_cqe = attr.orig_attr.max_cqe;
    error = check_port(dev, name, port_num, &attr, errorp);
    if (error) {
        goto fail;
    }

    dev->pd = ibv_alloc_pd(dev->ctx);
    if (!dev->pd) {
        error = errno ? errno : ENOMEM;
        *errorp = xasprintf("cannot allocate a protection domain on %s (%s)",
                            name, ovs_strerror(error));
        goto fail;
    }
    error = create_cqs(dev, errorp, name);
    if (!error) {
        error = setup_tx(dev, errorp, name);
    }
    if (!error) {
        error = setup_rx(dev, errorp, name);
    }
    if (error) {
        goto fail;
    }
    VLOG_INFO("opened RDMA device %s port %d: max MTU %"PRIu32", offloads:"
              " rx csum %s, tx csum %s, LSO %"PRIu32, name, port_num,
              dev->max_mtu, dev->offloads.rx_csum ? "yes" : "no",
              dev->offloads.tx_csum ? "yes" : "no", dev->offloads.max_lso);
    *devp = dev;
    return 0;

fail:
    verbs_dev_close(dev);
    return error;
}

void
verbs_dev_close(struct verbs_dev *dev)
{
    if (!dev) {
        return;
    }
    if (dev->ahs.entries) {
        /* No sends are in flight any more: destroy, do not retire. */
        for (uint32_t i = 0; i < dev->n_tx_slots; i++) {
            dev->tx_slots[i].busy = false;
        }
        verbs_ah_cache_destroy(&dev->ahs);
    }
    for (size_t i = 0; i < dev->n_retired; i++) {
        ibv_destroy_ah(dev->retired[i]);
    }
    if (dev->srq) {
        ibv_destroy_srq(dev->srq);
    }
    if (dev->rx_cq) {
        if (dev->rx_events_unacked) {
            ibv_ack_cq_events(dev->rx_cq, dev->rx_events_unacked);
        }
        ibv_destroy_cq(dev->rx_cq);
    }
    if (dev->tx_cq) {
        ibv_destroy_cq(dev->tx_cq);
    }
    if (dev->rx_channel) {
        ibv_destroy_comp_channel(dev->rx_channel);
    }
    if (dev->rx_mr) {
        ibv_dereg_mr(dev->rx_mr);
    }
    if (dev->tx_mr) {
        ibv_dereg_mr(dev->tx_mr);
    }
    if (dev->pd) {
        ibv_dealloc_pd(dev->pd);
    }
    if (dev->ctx) {
        ibv_close_device(dev->ctx);
    }
    if (dev->rx_ring.mem) {
        verbs_rx_ring_destroy(&dev->rx_ring);
    }
    free(dev->rx_stash);
    free_pagealign(dev->tx_mem);
    free(dev->tx_slots);
    free(dev->tx_free);
    free(dev);
}

const char *
verbs_dev_name(const struct verbs_dev *dev)
{
    return ibv_get_device_name(dev->ctx->device);
}

static enum ipoib_port_state
map_port_state(enum ibv_port_state state)
{
    switch (state) {
    case IBV_PORT_ACTIVE:
    case IBV_PORT_ACTIVE_DEFER:
        return IPOIB_PORT_ACTIVE;
    case IBV_PORT_INIT:
    case IBV_PORT_ARMED:
        return IPOIB_PORT_INIT;
    case IBV_PORT_NOP:
    case IBV_PORT_DOWN:
    default:
        return IPOIB_PORT_DOWN;
    }
}

/* Reads the port's attributes, GID 0 and P_Key table into 'attr' (not its
 * offload fields).  Returns 0 or a positive errno value. */
int
verbs_dev_query_port(struct verbs_dev *dev, int port_num,
                     struct ipoib_port_attr *attr, uint8_t *phys_state)
{
    struct ibv_port_attr pattr;
    union ibv_gid gid;
    int error;

    error = ibv_query_port(dev->ctx, port_num, &pattr);
    if (error) {
        return error;
    }
    attr->state = map_port_state(pattr.state);
    attr->lid = pattr.lid;
    attr->sm_lid = pattr.sm_lid;
    attr->ib_mtu = mtu_bytes(pattr.active_mtu);
    *phys_state = pattr.phys_state;

    if (!ibv_query_gid(dev->ctx, port_num, 0, &gid)) {
        memcpy(attr->gid.b, gid.raw, IB_GID_LEN);
    } else {
        memset(&attr->gid, 0, sizeof attr->gid);
    }

    /* Keep indexes as the HCA has them (a QP names its P_Key by index),
     * but stop after the last entry in use. */
    int n = MIN(pattr.pkey_tbl_len, IPOIB_MAX_PKEYS);
    attr->n_pkeys = 0;
    for (int i = 0; i < n; i++) {
        __be16 pkey;

        if (ibv_query_pkey(dev->ctx, port_num, i, &pkey)) {
            break;
        }
        attr->pkeys[i] = be16toh(pkey);
        if (attr->pkeys[i] & 0x7fff) {
            attr->n_pkeys = i + 1;
        }
    }
    return 0;
}
