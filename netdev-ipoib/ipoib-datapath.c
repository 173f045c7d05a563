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
#include <config.h>

#include <errno.h>
#include <inttypes.h>

#include "dp-packet.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "netdev-ipoib/ipoib-partition.h"
#include "netdev-ipoib/ipoib-announce.h"
#include "netdev-ipoib/ipoib-learned-port.h"
#include "netdev-ipoib/ipoib-offload.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_datapath);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Receive buffers leave this much room in front of the IPoIB header for the
 * Ethernet header that replaces it (and a VLAN tag). */
#define IPOIB_RX_HEADROOM 64

const char *
netdev_ipoib_drop_name(enum ipoib_netdev_drop drop)
{
    switch (drop) {
    case IPOIB_NDROP_LINK_DOWN:
        return "link_down";
    case IPOIB_NDROP_NO_PATH:
        return "no_path";
    case IPOIB_NDROP_MCAST_PENDING:
        return "mcast_pending";
    case IPOIB_NDROP_QP_FAILED:
        return "qp_failed";
    case IPOIB_NDROP_TX_FULL:
        return "tx_full";
    case IPOIB_NDROP_PATH_MTU:
        return "path_mtu";
    case IPOIB_NDROP_PKEY:
        return "pkey";
    case IPOIB_N_NDROPS:
        break;
    }
    return "?";
}

static struct ipoib_buf
buf_from_packet(struct dp_packet *p)
{
    struct ipoib_buf buf = {
        .data = dp_packet_data(p),
        .len = dp_packet_size(p),
        .headroom = dp_packet_headroom(p),
        .tailroom = dp_packet_tailroom(p),
        .tso = dp_packet_hwol_is_tso(p),
    };
    return buf;
}

static void
packet_from_buf(struct dp_packet *p, const struct ipoib_buf *buf)
{
    dp_packet_set_data(p, buf->data);
    dp_packet_set_size(p, buf->len);
}

/* Sending. */

/* Learns 'mac' as a VIF and gives it a QP.  Returns true if the frame may
 * be translated again. */
static bool
learn_vif(struct netdev_ipoib *dev, const struct ipoib_tx_result *r,
          long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif *vif;

    if (!dev->vif_learning || eth_addr_is_multicast(r->src_mac)
        || eth_addr_is_zero(r->src_mac)) {
        return false;
    }
    if (ipoib_vif_insert(&dev->vifs, r->src_mac, r->vlan, IPOIB_VIF_LEARNED,
                         "", now, &vif)) {
        return false;
    }
    ipoib_neigh_evict_mac(&dev->neighs, r->src_mac);
    VLOG_INFO("%s: learned VIF "ETH_ADDR_FMT, netdev_get_name(&dev->up),
              ETH_ADDR_ARGS(r->src_mac));
    if (netdev_ipoib_vif_make_qp(dev, vif)) {
        ipoib_vif_remove(&dev->vifs, vif);
        return false;
    }
    return true;
}

static void
fill_unicast_desc(const struct netdev_ipoib *dev,
                  const struct ipoib_path *path, uint32_t src_qpn,
                  uint32_t dqpn, const struct dp_packet *p,
                  struct ipoib_tx_desc *d)
    OVS_REQUIRES(dev->mutex)
{
    memset(d, 0, sizeof *d);
    d->src_qpn = src_qpn;
    d->dlid = path->dlid;
    d->dqpn = dqpn;
    d->qkey = dev->bcast.qkey;
    d->pkey = dev->port_pkey;
    d->sl = path->sl;
    d->data = dp_packet_data(p);
    d->len = dp_packet_size(p);
    ipoib_offload_tx_prepare(p, MIN(path->ib_mtu - IPOIB_ENCAP_LEN,
                                    dev->mtu), d);
}

/* Returns true if 'p' may be sent now, with 'd' filled in.  Otherwise 'p'
 * is either queued until its path is known (and '*queued' says so) or is
 * to be dropped. */
static bool
prepare_unicast(struct netdev_ipoib *dev, struct dp_packet *p,
                const struct ipoib_tx_result *r, long long int now,
                struct ipoib_tx_desc *d, bool *queued)
    OVS_REQUIRES(dev->mutex)
{
    struct ib_gid dgid;
    bool created;

    *queued = false;
    ipoib_hwaddr_gid(&r->dst, &dgid);
    struct ipoib_path_entry *e = ipoib_path_cache_get(&dev->paths, &dgid,
                                                      r->vif->pkey, now,
                                                      &created);
    if (!e) {
        dev->netdev_drops[IPOIB_NDROP_NO_PATH]++;
        return false;
    }
    e->used = now;
    if (e->state == IPOIB_PATH_VALID) {
        if (!ipoib_offload_fits_mtu(p, e->path.ib_mtu)) {
            dev->netdev_drops[IPOIB_NDROP_PATH_MTU]++;
            return false;
        }
        fill_unicast_desc(dev, &e->path, r->vif->qpn,
                          ipoib_hwaddr_qpn(&r->dst), p, d);
        return true;
    }
    if (created) {
        /* In the sender's partition: the SA answers only if both ends
         * share it. */
        dev->tclass->query_path(dev->port, &dgid, 0, r->vif->pkey);
    }
    if (e->state == IPOIB_PATH_QUERYING
        && ipoib_path_entry_queue(e, dp_packet_clone(p), r->vif->qpn,
                                  ipoib_hwaddr_qpn(&r->dst))) {
        *queued = true;
    } else {
        dev->netdev_drops[IPOIB_NDROP_NO_PATH]++;
    }
    return false;
}

static void
fill_multicast_desc(const struct netdev_ipoib *dev,
                    const struct ipoib_mcast_group *group, uint32_t src_qpn,
                    const struct dp_packet *p, struct ipoib_tx_desc *d)
    OVS_REQUIRES(dev->mutex)
{
    memset(d, 0, sizeof *d);
    d->src_qpn = src_qpn;
    d->dlid = group->mlid;
    d->dqpn = IB_MULTICAST_QPN;
    d->qkey = group->qkey;
    d->pkey = dev->port_pkey;
    d->sl = group->sl;
    d->global = true;
    d->dgid = group->mgid;
    d->data = dp_packet_data(p);
    d->len = dp_packet_size(p);
    ipoib_offload_tx_prepare(p, MIN(group->ib_mtu - IPOIB_ENCAP_LEN,
                                    dev->mtu), d);
}

/* Like prepare_unicast(), for a multicast destination. */
static bool
prepare_multicast(struct netdev_ipoib *dev, struct dp_packet *p,
                  const struct ipoib_tx_result *r, long long int now,
                  struct ipoib_tx_desc *d, bool *queued)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_mcast_group *group;
    uint64_t *tx_packets;       /* The group's, for ipoib/show-groups. */
    struct ib_gid mgid;

    ipoib_hwaddr_gid(&r->dst, &mgid);
    struct ipoib_listen_entry *le = ipoib_listen_find(&dev->listen, &mgid);
    if (ib_gid_equals(&mgid, &dev->bcast.mgid)) {
        group = &dev->bcast;
        tx_packets = &dev->bcast_tx_packets;
    } else if (le && le->state == IPOIB_LISTEN_JOINED) {
        /* A full member sends without a send-only join. */
        group = &le->group;
        tx_packets = &le->tx_packets;
    } else if (le) {
        /* A full join is outstanding: a send-only join now would make its
         * answer ambiguous.  One made before may serve meanwhile. */
        struct ipoib_mcast_entry *e = ipoib_mcast_table_find(&dev->mcast,
                                                             &mgid);
        if (!e || e->state != IPOIB_MCAST_JOINED) {
            dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]++;
            return false;
        }
        e->used = now;
        group = &e->group;
        tx_packets = &e->tx_packets;
    } else {
        bool created;
        struct ipoib_mcast_entry *e = ipoib_mcast_table_get(&dev->mcast,
                                                            &mgid, now,
                                                            &created);
        if (created) {
            dev->tclass->join_mcast(dev->port, &mgid, r->vif->pkey,
                                    dev->bcast.qkey, IPOIB_JOIN_SEND_ONLY);
        }
        if (e && e->state == IPOIB_MCAST_JOINING
            && ipoib_mcast_entry_queue(e, dp_packet_clone(p), r->vif->qpn)) {
            *queued = true;
            return false;
        }
        if (!e || e->state != IPOIB_MCAST_JOINED) {
            dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]++;
            return false;
        }
        e->used = now;
        group = &e->group;
        tx_packets = &e->tx_packets;
    }
    if (!ipoib_offload_fits_mtu(p, group->ib_mtu)) {
        dev->netdev_drops[IPOIB_NDROP_PATH_MTU]++;
        return false;
    }
    (*tx_packets)++;
    fill_multicast_desc(dev, group, r->vif->qpn, p, d);
    return true;
}

/* Like prepare_multicast() and prepare_unicast(), for a frame of a VLAN's
 * partition, already translated in its context. */
static bool
prepare_partition_tx(struct netdev_ipoib *dev, struct ipoib_partition *part,
                     struct dp_packet *p, const struct ipoib_tx_result *r,
                     long long int now, struct ipoib_tx_desc *d,
                     bool *queued)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *le = NULL;
    bool bcast = false;
    bool ok;

    if (r->multicast) {
        struct ib_gid mgid;

        ipoib_hwaddr_gid(&r->dst, &mgid);
        bcast = ib_gid_equals(&mgid, &part->bcast.mgid);
        le = bcast ? NULL : ipoib_listen_find(&part->listen, &mgid);
    }
    if (bcast) {
        if (!ipoib_offload_fits_mtu(p, part->bcast.ib_mtu)) {
            dev->netdev_drops[IPOIB_NDROP_PATH_MTU]++;
            return false;
        }
        part->bcast_tx_packets++;
        fill_multicast_desc(dev, &part->bcast, r->vif->qpn, p, d);
        ok = true;
    } else if (le) {
        /* A group the partition's VMs listen on: sent as its full
         * member, once joined (a send-only join meanwhile would make the
         * SA's answer ambiguous). */
        if (le->state != IPOIB_LISTEN_JOINED) {
            dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]++;
            return false;
        }
        if (dp_packet_size(p) > le->group.ib_mtu) {
            dev->netdev_drops[IPOIB_NDROP_PATH_MTU]++;
            return false;
        }
        le->tx_packets++;
        fill_multicast_desc(dev, &le->group, r->vif->qpn, p, d);
        ok = true;
    } else {
        ok = (r->multicast
              ? prepare_multicast(dev, p, r, now, d, queued)
              : prepare_unicast(dev, p, r, now, d, queued));
    }
    if (ok) {
        /* The VIF was found by (MAC, VLAN) in this partition's context. */
        ipoib_partition_set_desc(part, d);
    }
    return ok;
}

/* Translates 'p' and, if it can go now, fills in 'd'.  Returns true in that
 * case; otherwise 'p' was counted as dropped or queued ('*queued'). */
static bool
prepare_tx(struct netdev_ipoib *dev, struct dp_packet *p, long long int now,
           struct ipoib_tx_desc *d, bool *queued)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_tx_result r;
    enum ipoib_drop drop;

    *queued = false;
    const struct eth_header *eth = dp_packet_eth(p);
    if (eth && dp_packet_size(p) >= ETH_HEADER_LEN
        && !netdev_ipoib_source_allowed(dev, p->md.in_port.odp_port,
                                        eth->eth_src)) {
        /* A VM using another VIF's MAC would send from that VIF's QP. */
        dev->xlate_drops[IPOIB_DROP_SPOOF]++;
        return false;
    }
    if (dp_packet_tailroom(p) < IPOIB_XLATE_TAILROOM) {
        /* ARP grows on its way to IPoIB; rare enough to copy. */
        dp_packet_prealloc_tailroom(p, IPOIB_XLATE_TAILROOM);
    }
    /* The VLAN tag picks the partition (VST). */
    struct ipoib_xlate *x = &dev->xlate;
    struct ipoib_partition *part = NULL;
    uint16_t vlan = ipoib_xlate_frame_vlan(dp_packet_data(p),
                                           dp_packet_size(p));
    if (vlan != IPOIB_VLAN_NONE) {
        part = ipoib_partition_for_tx(dev, vlan, now);
        if (!part) {
            return false;
        }
        x = &part->xlate;
    }
    struct ipoib_buf buf = buf_from_packet(p);
    drop = ipoib_xlate_tx(x, &buf, now, &r);
    if (drop == IPOIB_DROP_VIF_MISS && learn_vif(dev, &r, now)) {
        ipoib_learned_port_bind(dev, r.src_mac, p->md.in_port.odp_port);
        drop = ipoib_xlate_tx(x, &buf, now, &r);
    }
    if (drop == IPOIB_DROP_NONE && !r.vif->qpn) {
        /* The VIF exists but its QP could not be made. */
        dev->netdev_drops[IPOIB_NDROP_QP_FAILED]++;
        return false;
    }
    if (drop != IPOIB_DROP_NONE) {
        dev->xlate_drops[drop]++;
        return false;
    }
    packet_from_buf(p, &buf);
    if (part) {
        return prepare_partition_tx(dev, part, p, &r, now, d, queued);
    }
    return (r.multicast
            ? prepare_multicast(dev, p, &r, now, d, queued)
            : prepare_unicast(dev, p, &r, now, d, queued));
}

static void
account_tx(struct netdev_ipoib *dev, int n_ok, uint64_t bytes, int n_bad)
    OVS_REQUIRES(dev->mutex)
{
    dev->stats.tx_packets += n_ok;
    dev->stats.tx_bytes += bytes;
    dev->stats.tx_dropped += n_bad;
}

int
netdev_ipoib_send(struct netdev *netdev, int qid OVS_UNUSED,
                  struct dp_packet_batch *batch,
                  bool concurrent_txq OVS_UNUSED)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    struct ipoib_tx_desc descs[NETDEV_MAX_BURST];
    long long int now = time_msec();
    struct dp_packet *p;
    int n = 0, n_dropped = 0;

    ovs_mutex_lock(&dev->mutex);
    /* Listener reports are read before translation changes the frames,
     * and also while the link is down, to join once it is up. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        netdev_ipoib_snoop(dev, p, now);
        netdev_ipoib_announce_snoop(dev, p, now);
    }
    if (dev->link != IPOIB_LINK_UP) {
        int count = dp_packet_batch_size(batch);
        dev->netdev_drops[IPOIB_NDROP_LINK_DOWN] += count;
        account_tx(dev, 0, 0, count);
        ovs_mutex_unlock(&dev->mutex);
        dp_packet_delete_batch(batch, true);
        return 0;
    }

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        bool queued;

        if (prepare_tx(dev, p, now, &descs[n], &queued)) {
            n++;
        } else if (!queued) {
            n_dropped++;
        }
    }
    const struct ipoib_transport_class *tclass = dev->tclass;
    struct ipoib_port *port = dev->port;
    struct ipoib_offload_caps caps = {
        .tx_csum = dev->attr.tx_csum,
        .max_lso = dev->attr.max_lso,
    };
    ovs_mutex_unlock(&dev->mutex);

    /* The transport is safe to call from several threads; the descriptors
     * point into the batch's packets, which stay ours until deleted. */
    uint64_t bytes;
    int sent = ipoib_offload_send(&dev->offload, tclass, port, &caps, descs,
                                  n, &bytes);

    ovs_mutex_lock(&dev->mutex);
    dev->netdev_drops[IPOIB_NDROP_TX_FULL] += n - sent;
    account_tx(dev, sent, bytes, n_dropped + (n - sent));
    ovs_mutex_unlock(&dev->mutex);

    dp_packet_delete_batch(batch, true);
    return 0;
}

void
netdev_ipoib_send_own(struct netdev_ipoib *dev, struct dp_packet *p)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_tx_desc d;
    bool queued;

    if (dev->link != IPOIB_LINK_UP) {
        dev->netdev_drops[IPOIB_NDROP_LINK_DOWN]++;
        account_tx(dev, 0, 0, 1);
    } else if (prepare_tx(dev, p, time_msec(), &d, &queued)) {
        int sent = dev->tclass->send(dev->port, &d, 1);
        dev->netdev_drops[IPOIB_NDROP_TX_FULL] += 1 - sent;
        account_tx(dev, sent, sent ? d.len : 0, 1 - sent);
    } else if (!queued) {
        account_tx(dev, 0, 0, 1);
    }
    /* A queued frame was copied. */
    dp_packet_delete(p);
}

/* Sends the 'n_ok' descriptors made from packets that waited (for a path
 * or a multicast join), counts what went and what did not, and frees all
 * 'n' waiting packets. */
static void
send_waiting(struct netdev_ipoib *dev, struct ipoib_tx_desc *descs,
             int n_ok, struct ipoib_pending_tx *pending, int n)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_offload_caps caps = {
        .tx_csum = dev->attr.tx_csum,
        .max_lso = dev->attr.max_lso,
    };
    uint64_t bytes;
    int sent = ipoib_offload_send(&dev->offload, dev->tclass, dev->port,
                                  &caps, descs, n_ok, &bytes);
    dev->netdev_drops[IPOIB_NDROP_TX_FULL] += n_ok - sent;
    account_tx(dev, sent, bytes, n - sent);
    for (int i = 0; i < n; i++) {
        dp_packet_delete(pending[i].packet);
    }
}

/* Sends the packets that waited for a path, or drops them. */
void
netdev_ipoib_path_done(struct netdev_ipoib *dev, const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_pending_tx pending[IPOIB_PATH_MAX_PENDING];
    struct ipoib_tx_desc descs[IPOIB_PATH_MAX_PENDING];
    struct ipoib_path_entry *e;
    char gid_s[IB_GID_STRLEN];
    int n, n_ok = 0;

    if (ev->path.query_dlid) {
        /* A reverse lookup for a sender that came without a GRH: the path
         * is cached like any other, so the next packet finds its GID. */
        bool created;

        if (ev->status) {
            return;
        }
        e = ipoib_path_cache_get(&dev->paths, &ev->path.path.dgid,
                                 ev->path.pkey, time_msec(), &created);
    } else {
        e = ipoib_path_cache_find(&dev->paths, &ev->path.dgid,
                                  ev->path.pkey);
    }
    if (!e) {
        return;
    }
    if (ev->status) {
        VLOG_WARN_RL(&rl, "%s: no path to %s (%s)",
                     netdev_get_name(&dev->up),
                     ib_gid_format(&e->dgid, gid_s),
                     ovs_strerror(ev->status));
    }
    n = ipoib_path_cache_resolve(&dev->paths, e, ev->status, &ev->path.path,
                                 pending);
    for (int i = 0; i < n; i++) {
        struct dp_packet *p = pending[i].packet;
        if (!ev->status && dev->link == IPOIB_LINK_UP
            && ipoib_offload_fits_mtu(p, e->path.ib_mtu)) {
            fill_unicast_desc(dev, &e->path, pending[i].src_qpn,
                              pending[i].dqpn, p, &descs[n_ok]);
            ipoib_partition_fix_desc(dev, NULL, &descs[n_ok++]);
        } else {
            dev->netdev_drops[IPOIB_NDROP_NO_PATH]++;
        }
    }

    send_waiting(dev, descs, n_ok, pending, n);
}

void
netdev_ipoib_mcast_done(struct netdev_ipoib *dev, struct ipoib_mcast_entry *e)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_pending_tx pending[IPOIB_MCAST_MAX_PENDING];
    struct ipoib_tx_desc descs[IPOIB_MCAST_MAX_PENDING];
    int n_ok = 0;

    int n = ipoib_mcast_entry_take_pending(e, pending);
    for (int i = 0; i < n; i++) {
        struct dp_packet *p = pending[i].packet;
        if (e->state == IPOIB_MCAST_JOINED && dev->link == IPOIB_LINK_UP
            && ipoib_offload_fits_mtu(p, e->group.ib_mtu)) {
            fill_multicast_desc(dev, &e->group, pending[i].src_qpn, p,
                                &descs[n_ok]);
            ipoib_partition_fix_desc(dev, NULL, &descs[n_ok++]);
        } else {
            dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]++;
        }
    }
    e->tx_packets += n_ok;

    send_waiting(dev, descs, n_ok, pending, n);
}

/* Receiving. */

/* For a unicast packet that came without a GRH from a sender we do not
 * know: if a path names its LID, learns the sender and returns true, so
 * that translation may be tried again; otherwise asks the SA who has the
 * LID, for the next packet. */
static bool
learn_sender_by_lid(struct netdev_ipoib *dev, struct ipoib_xlate *x,
                    const struct ipoib_rx_meta *m, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_hwaddr hwaddr;
    struct ib_gid sgid;

    if (m->has_grh) {
        return false;
    }
    if (ipoib_path_cache_gid_by_lid(&dev->paths, m->slid, &sgid)) {
        ipoib_hwaddr_make(&hwaddr, 0, m->sqpn, &sgid);
        return ipoib_neigh_learn(x->neighs, &hwaddr, m->slid, now) != NULL;
    }
    dev->tclass->query_path(dev->port, NULL, m->slid, x->pkey);
    return false;
}

static void
meta_from_desc(const struct ipoib_rx_desc *d, struct ipoib_rx_meta *m)
{
    m->dqpn = d->dqpn;
    m->sqpn = d->sqpn;
    m->slid = d->slid;
    m->multicast = d->multicast;
    m->has_grh = d->has_grh;
    m->sgid = d->sgid;
    m->dgid = d->dgid;
}

/* Counts a multicast datagram delivered from group 'mgid' of partition
 * 'part' (NULL: the port's own), for ipoib/show-groups. */
static void
count_group_rx(struct netdev_ipoib *dev, struct ipoib_partition *part,
               const struct ib_gid *mgid)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *le;

    if (part && ib_gid_equals(mgid, &part->bcast.mgid)) {
        part->bcast_rx_packets++;
    } else if (!part && ib_gid_equals(mgid, &dev->bcast.mgid)) {
        dev->bcast_rx_packets++;
    } else {
        le = ipoib_listen_find(part ? &part->listen : &dev->listen, mgid);
        if (le) {
            le->rx_packets++;
        }
    }
}

/* Translates received packet 'p' in place.  Returns true if it is to be
 * delivered to the bridge. */
static bool
rx_translate(struct netdev_ipoib *dev, struct dp_packet *p,
             const struct ipoib_rx_desc *d, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_rx_result r;
    struct ipoib_rx_meta m;
    enum ipoib_drop drop;

    /* The datagram's P_Key names its partition: the port's own, or a
     * VLAN's (VST). */
    struct ipoib_xlate *x = &dev->xlate;
    struct ipoib_partition *part = NULL;
    if (!ib_pkey_same_partition(d->pkey, dev->port_pkey)) {
        part = ipoib_partition_find_by_pkey(dev, d->pkey);
        if (!part || part->state != IPOIB_PART_UP) {
            dev->netdev_drops[IPOIB_NDROP_PKEY]++;
            dev->stats.rx_dropped++;
            return false;
        }
        x = &part->xlate;
    }
    meta_from_desc(d, &m);
    struct ipoib_buf buf = buf_from_packet(p);
    drop = ipoib_xlate_rx(x, &buf, &m, now, &r);
    if (drop == IPOIB_DROP_NEIGH_MISS
        && learn_sender_by_lid(dev, x, &m, now)) {
        drop = ipoib_xlate_rx(x, &buf, &m, now, &r);
    }
    if (drop != IPOIB_DROP_NONE) {
        if (drop != IPOIB_DROP_LOOPBACK) {
            dev->stats.rx_dropped++;
        }
        dev->xlate_drops[drop]++;
        return false;
    }
    packet_from_buf(p, &buf);
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += buf.len;
    if (d->multicast) {
        count_group_rx(dev, part, &d->dgid);
    }
    return true;
}

static void
rxq_refill(struct netdev_rxq_ipoib *rx, size_t size)
{
    while (rx->n_spare < NETDEV_MAX_BURST) {
        rx->spare[rx->n_spare++] = dp_packet_new_with_headroom(
            size, IPOIB_RX_HEADROOM);
    }
}

/* Datagrams one receive call takes from the transport at most, in batches
 * of up to NETDEV_MAX_BURST: enough for several 64 KiB sends (33 datagrams
 * each at IPoIB MTU 2044), so that coalescing makes one packet of each. */
#define IPOIB_RX_BUDGET (8 * NETDEV_MAX_BURST)

/* Takes up to 'want' datagrams from the transport into spare buffers,
 * translates them and hands those for the bridge to 'gro'.  Returns the
 * number of datagrams taken. */
static int
rxq_pull(struct netdev_rxq_ipoib *rx, struct netdev_ipoib *dev,
         const struct ipoib_transport_class *tclass, struct ipoib_port *port,
         size_t size, int want, long long int now,
         struct ipoib_offload_rx *gro)
{
    struct ipoib_rx_desc descs[NETDEV_MAX_BURST];
    struct dp_packet *got[NETDEV_MAX_BURST];
    int n, n_ok = 0;

    rxq_refill(rx, size);
    for (int i = 0; i < want; i++) {
        struct dp_packet *p = rx->spare[rx->n_spare - 1 - i];
        descs[i].buf = dp_packet_data(p);
        descs[i].buf_size = dp_packet_tailroom(p) - IPOIB_XLATE_TAILROOM;
    }
    n = tclass->recv(port, descs, want);
    if (n <= 0) {
        return 0;
    }
    /* The filled buffers leave the spares first, so that those recycled
     * below (dropped, or merged away) have room to go back. */
    for (int i = 0; i < n; i++) {
        got[i] = rx->spare[rx->n_spare - 1 - i];
    }
    rx->n_spare -= n;

    ovs_mutex_lock(&dev->mutex);
    for (int i = 0; i < n; i++) {
        struct dp_packet *p = got[i];

        dp_packet_set_size(p, descs[i].len);
        if (rx_translate(dev, p, &descs[i], now)) {
            ipoib_offload_rx_mark(&dev->offload, p, descs[i].csum_ok);
            got[n_ok++] = p;
        } else {
            /* Back to an empty buffer, to be used again. */
            dp_packet_set_data(p, (char *) dp_packet_base(p)
                               + IPOIB_RX_HEADROOM);
            dp_packet_set_size(p, 0);
            rx->spare[rx->n_spare++] = p;
        }
    }
    ovs_mutex_unlock(&dev->mutex);

    for (int i = 0; i < n_ok; i++) {
        ipoib_offload_rx_add(gro, got[i]);
    }
    return n;
}

int
netdev_ipoib_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch,
                      int *qfill)
{
    struct netdev_rxq_ipoib *rx = CONTAINER_OF(rxq_, struct netdev_rxq_ipoib,
                                               up);
    struct netdev_ipoib *dev = netdev_ipoib_cast(rx->up.netdev);
    long long int now = time_msec();
    struct ipoib_offload_rx gro;

    if (qfill) {
        *qfill = 0;
    }
    ovs_mutex_lock(&dev->mutex);
    if (dev->link != IPOIB_LINK_UP) {
        ovs_mutex_unlock(&dev->mutex);
        return EAGAIN;
    }
    /* Room for the largest datagram plus the Ethernet header's growth. */
    size_t size = MAX(dev->attr.ib_mtu, 4096) + IPOIB_XLATE_TAILROOM;
    const struct ipoib_transport_class *tclass = dev->tclass;
    struct ipoib_port *port = dev->port;
    ovs_mutex_unlock(&dev->mutex);

    /* Several transport batches while coalescing has room: without
     * userspace TSO every datagram takes a place in the batch, so this is
     * one pull of NETDEV_MAX_BURST. */
    ipoib_offload_rx_begin(&gro, &dev->offload, batch, rx->spare,
                           &rx->n_spare, NETDEV_MAX_BURST, IPOIB_RX_HEADROOM);
    for (int budget = IPOIB_RX_BUDGET; budget > 0;) {
        int want = MIN(budget, ipoib_offload_rx_room(&gro));
        if (want <= 0) {
            break;
        }
        int n = rxq_pull(rx, dev, tclass, port, size, want, now, &gro);
        if (n < want) {
            break;              /* The receive queue is empty. */
        }
        budget -= n;
    }
    ipoib_offload_rx_end(&gro);

    if (dp_packet_batch_is_empty(batch)) {
        return EAGAIN;
    }
    return 0;
}

void
netdev_ipoib_rxq_wait(struct netdev_rxq *rxq_)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(rxq_->netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->link == IPOIB_LINK_UP) {
        dev->tclass->recv_wait(dev->port);
    }
    ovs_mutex_unlock(&dev->mutex);
}
