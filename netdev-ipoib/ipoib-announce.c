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

#include "netdev-ipoib/ipoib-announce.h"

#include <inttypes.h>

#include "dp-packet.h"
#include "lib/ipoib-vif-addrs.h"
#include "netdev-ipoib/netdev-ipoib.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "odp-util.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_announce);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

BUILD_ASSERT_DECL(NETDEV_IPOIB_SPEC_MAX_ADDRS <= IPOIB_VIF_MAX_ADDRS);

/* How often the entries are checked: those whose VIF is gone are
 * forgotten, and a VIF whose QP was made by a path that did not call
 * netdev_ipoib_announce_vif_qp() (a VLAN partition coming up) is announced
 * from it.  This bounds that announcement's delay. */
#define ANNOUNCE_SWEEP_MS 250

/* Room for the largest announcement (an NA with a VLAN tag) and what
 * translation adds to it. */
#define ANNOUNCE_FRAME_ROOM 128
#define ANNOUNCE_HEADROOM 64

void
netdev_ipoib_announce_snoop(struct netdev_ipoib *dev,
                            const struct dp_packet *p, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_frame f;

    if (!ipoib_vif_frame_parse(dp_packet_data(p), dp_packet_size(p), &f)
        || (!f.has_addr && !f.self_announce)
        || eth_addr_is_multicast(f.src) || eth_addr_is_zero(f.src)
        || !netdev_ipoib_source_allowed(dev, p->md.in_port.odp_port,
                                        f.src)) {
        return;
    }
    const struct ipoib_vif *vif = ipoib_vif_find(&dev->vifs, f.src, f.vlan);
    if (!vif && !dev->vif_learning) {
        /* Translation will drop the frame: nothing to announce. */
        return;
    }

    struct ipoib_vif_addrs *e;
    bool announce;
    if (f.self_announce) {
        /* The VM says it moved: its known addresses go out again. */
        e = ipoib_vif_addrs_find(&dev->vif_addrs, f.src, f.vlan);
        announce = e != NULL;
    } else {
        e = ipoib_vif_addrs_get(&dev->vif_addrs, f.src, f.vlan);
        announce = e && (ipoib_vif_addrs_add(e, &f.addr)
                         || (vif && vif->qpn != e->announced_qpn));
    }
    /* A VIF still to be learned gets its announcement with its QP. */
    if (announce && vif && vif->qpn) {
        ipoib_vif_addrs_schedule(&dev->vif_addrs, e, vif->qpn, now);
    }
}

void
netdev_ipoib_announce_vif_qp(struct netdev_ipoib *dev,
                             const struct ipoib_vif *vif, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_addrs *e = ipoib_vif_addrs_find(&dev->vif_addrs,
                                                     vif->mac, vif->vlan);

    if (e && vif->qpn && vif->qpn != e->announced_qpn) {
        ipoib_vif_addrs_schedule(&dev->vif_addrs, e, vif->qpn, now);
    }
}

void
netdev_ipoib_announce_configure(struct netdev_ipoib *dev,
                                const struct ipoib_vif *vif,
                                const struct netdev_ipoib_vif_spec *spec,
                                long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_addrs *e = ipoib_vif_addrs_find(&dev->vif_addrs,
                                                     vif->mac, vif->vlan);

    if (!e && !spec->n_addrs) {
        return;
    }
    if (!e) {
        e = ipoib_vif_addrs_get(&dev->vif_addrs, vif->mac, vif->vlan);
        if (!e) {
            VLOG_WARN_RL(&rl, "%s: too many VIFs to remember the addresses "
                         "of "ETH_ADDR_FMT, netdev_get_name(&dev->up),
                         ETH_ADDR_ARGS(vif->mac));
            return;
        }
    }
    if (ipoib_vif_addrs_set_configured(e, spec->addrs, spec->n_addrs)
        && vif->qpn) {
        ipoib_vif_addrs_schedule(&dev->vif_addrs, e, vif->qpn, now);
    }
}

/* Makes the frame that announces 'addr' for 'vif', as the VM would send
 * it. */
static struct dp_packet *
compose_announcement(const struct ipoib_vif *vif, const struct in6_addr *addr)
{
    struct dp_packet *p = dp_packet_new_with_headroom(ANNOUNCE_FRAME_ROOM,
                                                      ANNOUNCE_HEADROOM);

    if (IN6_IS_ADDR_V4MAPPED(addr)) {
        ovs_be32 ip4 = in6_addr_get_mapped_ipv4(addr);
        /* Gratuitous ARP request: sender and target IP are the VM's. */
        compose_arp(p, ARP_OP_REQUEST, vif->mac, eth_addr_zero, true, ip4,
                    ip4);
    } else {
        struct eth_addr all_nodes_mac;
        ipv6_multicast_to_ethernet(&all_nodes_mac, &in6addr_all_hosts);
        /* Unsolicited NA: target and source are the VM's address, Override
         * set so that caches replace the old link-layer address. */
        compose_nd_na(p, vif->mac, all_nodes_mac, addr, &in6addr_all_hosts,
                      htonl(ND_RSO_OVERRIDE));
    }
    if (vif->vlan != IPOIB_VLAN_NONE) {
        eth_push_vlan(p, htons(ETH_TYPE_VLAN), htons(vif->vlan));
    }
    /* Not from any datapath port: the netdev speaks for the VIF. */
    p->md.in_port.odp_port = ODPP_NONE;
    return p;
}

static void
announce_entry(struct netdev_ipoib *dev, const struct ipoib_vif_addrs *e)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_vif *vif = ipoib_vif_find(&dev->vifs, e->mac,
                                                 e->vlan);

    if (!vif || vif->qpn != e->announced_qpn
        || dev->link != IPOIB_LINK_UP) {
        /* The QP went away: its successor will announce. */
        return;
    }
    for (size_t i = 0; i < e->n_addrs; i++) {
        netdev_ipoib_send_own(dev, compose_announcement(vif, &e->addrs[i]));
        dev->n_announcements++;
    }
}

static void
sweep_entries(struct netdev_ipoib *dev, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_addrs *e;

    if (now < dev->next_announce_sweep) {
        return;
    }
    dev->next_announce_sweep = now + ANNOUNCE_SWEEP_MS;
    IPOIB_VIF_ADDRS_FOR_EACH_SAFE (e, &dev->vif_addrs) {
        const struct ipoib_vif *vif = ipoib_vif_find(&dev->vifs, e->mac,
                                                     e->vlan);
        if (!vif) {
            ipoib_vif_addrs_remove(&dev->vif_addrs, e);
        } else if (vif->qpn && vif->qpn != e->announced_qpn) {
            ipoib_vif_addrs_schedule(&dev->vif_addrs, e, vif->qpn, now);
        }
    }
}

void
netdev_ipoib_announce_run(struct netdev_ipoib *dev, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_addrs *e;

    sweep_entries(dev, now);
    if (dev->vif_addrs.n_pending) {
        IPOIB_VIF_ADDRS_FOR_EACH (e, &dev->vif_addrs) {
            if (ipoib_vif_addrs_take_due(&dev->vif_addrs, e, now)) {
                announce_entry(dev, e);
            }
        }
    }
}

long long int
netdev_ipoib_announce_next(const struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    long long int next = ipoib_vif_addrs_next_due(&dev->vif_addrs);

    if (ipoib_vif_addrs_count(&dev->vif_addrs)) {
        next = MIN(next, dev->next_announce_sweep);
    }
    return next;
}
