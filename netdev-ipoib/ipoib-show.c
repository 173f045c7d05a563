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

#include <inttypes.h>

#include "netdev-ipoib/netdev-ipoib.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "netdev-ipoib/ipoib-partition.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "timeval.h"

/* The "ovs-appctl ipoib/show-*" listings.  Lines keep eIPoIB's KEY=VALUE
 * shape ("SLAVE=ib0.2 MAC=52:54:00:60:55:88 VLAN=N/A"), so that scripts
 * written for ipoibd's output need little change. */

typedef void show_port_func(struct ds *, struct netdev_ipoib *);

static void
format_vlan(struct ds *out, uint16_t vlan)
{
    if (vlan == IPOIB_VLAN_NONE) {
        ds_put_cstr(out, "N/A");
    } else {
        ds_put_format(out, "%"PRIu16, vlan);
    }
}

static void
show_port_vifs(struct ds *out, struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_vif *vif;

    ds_put_format(out, "%s: %"PRIuSIZE" VIFs\n", netdev_get_name(&dev->up),
                  ipoib_vif_table_count(&dev->vifs));
    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        ds_put_format(out, "  PORT=%s VIF=%s MAC="ETH_ADDR_FMT" VLAN=",
                      netdev_get_name(&dev->up),
                      vif->iface && vif->iface[0] ? vif->iface : "-",
                      ETH_ADDR_ARGS(vif->mac));
        format_vlan(out, vif->vlan);
        if (vif->qpn) {
            ds_put_format(out, " QPN=0x%06"PRIx32, vif->qpn);
        } else {
            ds_put_cstr(out, " QPN=none");
        }
        ds_put_format(out, " PKEY=0x%04"PRIx16" ORIGIN=%s"
                      " RX_PACKETS=%"PRIu64" TX_PACKETS=%"PRIu64
                      " RX_BYTES=%"PRIu64" TX_BYTES=%"PRIu64,
                      vif->qpn ? vif->pkey : dev->port_pkey,
                      ipoib_vif_origin_name(vif->origin),
                      vif->stats.rx_packets, vif->stats.tx_packets,
                      vif->stats.rx_bytes, vif->stats.tx_bytes);
        /* The addresses it would announce after a move. */
        const struct ipoib_vif_addrs *va;
        va = ipoib_vif_addrs_find(&dev->vif_addrs, vif->mac, vif->vlan);
        ds_put_cstr(out, " ADDRS=");
        if (!va || !va->n_addrs) {
            ds_put_cstr(out, "-");
        }
        for (size_t i = 0; va && i < va->n_addrs; i++) {
            if (i) {
                ds_put_char(out, ',');
            }
            ipv6_format_mapped(&va->addrs[i], out);
        }
        ds_put_char(out, '\n');
    }
}

static void
show_port_neighbors(struct ds *out, struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_neigh *n;
    long long int now = time_msec();

    ds_put_format(out, "%s: %"PRIuSIZE" neighbors\n",
                  netdev_get_name(&dev->up),
                  ipoib_neigh_table_count(&dev->neighs));
    IPOIB_NEIGH_FOR_EACH (n, &dev->neighs) {
        char hw_s[IPOIB_HWADDR_STRLEN];

        ds_put_format(out, "  MAC="ETH_ADDR_FMT" HWADDR=%s",
                      ETH_ADDR_ARGS(n->mac),
                      ipoib_hwaddr_format(&n->hwaddr, hw_s));
        if (n->lid != IPOIB_LID_UNKNOWN) {
            ds_put_format(out, " LID=%"PRIu16, n->lid);
        } else {
            ds_put_cstr(out, " LID=?");
        }
        ipoib_neigh_format_addrs(n, out);
        ds_put_format(out, " AGE=%llds\n",
                      (now - n->last_used_ms) / 1000);
    }
    /* Then those of the VLANs' partitions, with "VLAN=N" first. */
    ipoib_partitions_show_neighbors(out, dev, now);
}

static void
show_port_interface(struct ds *out, struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    char gid_s[IB_GID_STRLEN];

    ds_put_format(out, "%s over IB port: %s:%d (backend %s) LINK=%s",
                  netdev_get_name(&dev->up), dev->device, dev->port_num,
                  dev->backend,
                  dev->link == IPOIB_LINK_UP ? "up"
                  : dev->link == IPOIB_LINK_JOINING ? "joining" : "down");
    if (dev->attr.state == IPOIB_PORT_ACTIVE) {
        ds_put_format(out, " LID=%"PRIu16" GID=%s", dev->attr.lid,
                      ib_gid_format(&dev->attr.gid, gid_s));
    }
    if (dev->link == IPOIB_LINK_UP) {
        ds_put_format(out, " QPN=0x%06"PRIx32" PKEY=0x%04"PRIx16
                      " QKEY=0x%"PRIx32, dev->host_qpn, dev->port_pkey,
                      dev->bcast.qkey);
    } else {
        ds_put_format(out, " PKEY=0x%04"PRIx16, dev->pkey);
    }
    ds_put_format(out, " MTU=%d VIFS=%"PRIuSIZE" NEIGHBORS=%"PRIuSIZE"\n",
                  dev->mtu, ipoib_vif_table_count(&dev->vifs),
                  ipoib_neigh_table_count(&dev->neighs));
    if (dev->config_error) {
        ds_put_format(out, "  ERROR: %s\n", dev->config_error);
    }
    ipoib_partitions_show(out, dev);
}

/* Multicast groups. */

/* Names the VIF with 'mac' (on any VLAN) by its interface, else by MAC. */
static void
format_listener(struct ds *out, const struct netdev_ipoib *dev,
                struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_vif *vif;

    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        if (eth_addr_equals(vif->mac, mac) && vif->iface && vif->iface[0]) {
            ds_put_cstr(out, vif->iface);
            return;
        }
    }
    ds_put_format(out, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
}

/* The start of a group's line; 'group' is NULL until the SA answered. */
static void
format_group(struct ds *out, const struct ib_gid *mgid,
             const struct ipoib_mcast_group *group, const char *join,
             const char *state)
{
    char gid_s[IB_GID_STRLEN];

    ds_put_format(out, " MGID=%s", ib_gid_format(mgid, gid_s));
    if (group) {
        ds_put_format(out, " MLID=0x%04"PRIx16" QKEY=0x%08"PRIx32,
                      group->mlid, group->qkey);
    } else {
        ds_put_cstr(out, " MLID=- QKEY=-");
    }
    ds_put_format(out, " JOIN=%s STATE=%s", join, state);
}

static const char *
listen_state_name(enum ipoib_listen_state state)
{
    switch (state) {
    case IPOIB_LISTEN_IDLE:
        return "idle";
    case IPOIB_LISTEN_JOINING:
        return "joining";
    case IPOIB_LISTEN_JOINED:
        return "joined";
    }
    return "?";
}

static const char *
mcast_state_name(enum ipoib_mcast_state state)
{
    switch (state) {
    case IPOIB_MCAST_JOINING:
        return "joining";
    case IPOIB_MCAST_JOINED:
        return "joined";
    case IPOIB_MCAST_FAILED:
        return "failed";
    }
    return "?";
}

/* A full-member group: the VIFs that reported it listen ("all" for a
 * group every VM gets, such as IPv6 all-nodes). */
static void
show_listen_group(struct ds *out, const struct netdev_ipoib *dev,
                  const struct ipoib_listen_entry *le)
    OVS_REQUIRES(dev->mutex)
{
    format_group(out, &le->mgid,
                 le->state == IPOIB_LISTEN_JOINED ? &le->group : NULL,
                 "full", listen_state_name(le->state));
    ds_put_cstr(out, " VIFS=");
    if (le->permanent) {
        ds_put_cstr(out, "all");
    } else if (!le->n_reporters) {
        ds_put_cstr(out, "-");
    }
    for (size_t i = 0; !le->permanent && i < le->n_reporters; i++) {
        if (i) {
            ds_put_char(out, ',');
        }
        format_listener(out, dev, le->reporters[i]);
    }
    if (le->untracked) {
        ds_put_cstr(out, ",...");
    }
    ds_put_format(out, " TX_PACKETS=%"PRIu64" RX_PACKETS=%"PRIu64"\n",
                  le->tx_packets, le->rx_packets);
}

/* VST: a VLAN's partition has its own broadcast group and the groups its
 * VMs listen to, in its P_Key; their lines start with "VLAN=N". */
static size_t
show_partition_groups(struct ds *out, const struct netdev_ipoib *dev,
                      const struct ipoib_partition *part)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_listen_entry *le;
    size_t n = 0;

    if (part->state != IPOIB_PART_JOINING && part->state != IPOIB_PART_UP) {
        return 0;
    }
    bool up = part->state == IPOIB_PART_UP;
    ds_put_format(out, "  VLAN=%"PRIu16, part->vlan);
    format_group(out, &part->bcast.mgid, up ? &part->bcast : NULL, "full",
                 up ? "joined" : "joining");
    ds_put_format(out, " VIFS=all TX_PACKETS=%"PRIu64" RX_PACKETS=%"PRIu64
                  "\n", part->bcast_tx_packets, part->bcast_rx_packets);
    n++;
    HMAP_FOR_EACH (le, node, &part->listen.groups) {
        ds_put_format(out, "  VLAN=%"PRIu16, part->vlan);
        show_listen_group(out, dev, le);
        n++;
    }
    return n;
}

static void
show_port_groups(struct ds *out, struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    bool has_bcast = dev->link != IPOIB_LINK_DOWN;
    const struct ipoib_partition *part;
    struct ipoib_listen_entry *le;
    const struct ipoib_mcast_entry *e;
    struct ds groups = DS_EMPTY_INITIALIZER;
    size_t n = 0;

    if (has_bcast) {
        bool up = dev->link == IPOIB_LINK_UP;
        ds_put_char(&groups, ' ');
        format_group(&groups, &dev->bcast.mgid, up ? &dev->bcast : NULL,
                     "full", up ? "joined" : "joining");
        ds_put_format(&groups, " VIFS=all TX_PACKETS=%"PRIu64
                      " RX_PACKETS=%"PRIu64"\n", dev->bcast_tx_packets,
                      dev->bcast_rx_packets);
        n++;
    }
    IPOIB_LISTEN_FOR_EACH_SAFE (le, &dev->listen) {
        ds_put_char(&groups, ' ');
        show_listen_group(&groups, dev, le);
        n++;
    }
    /* Groups the VMs only send to: nobody here listens, nothing is
     * received. */
    HMAP_FOR_EACH (e, node, &dev->mcast.groups) {
        ds_put_char(&groups, ' ');
        format_group(&groups, &e->mgid,
                     e->state == IPOIB_MCAST_JOINED ? &e->group : NULL,
                     "send-only", mcast_state_name(e->state));
        ds_put_format(&groups, " VIFS=- TX_PACKETS=%"PRIu64
                      " RX_PACKETS=-\n", e->tx_packets);
        n++;
    }
    HMAP_FOR_EACH (part, node, &dev->partitions) {
        n += show_partition_groups(&groups, dev, part);
    }
    ds_put_format(out, "%s: %"PRIuSIZE" groups\n", netdev_get_name(&dev->up),
                  n);
    ds_put_buffer(out, ds_cstr(&groups), groups.length);
    ds_destroy(&groups);
}

static bool
show_ports(struct ds *out, const char *port_name, show_port_func *show)
{
    struct netdev_ipoib *dev;
    bool found = false;

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    LIST_FOR_EACH (dev, list_node, &ipoib_netdevs) {
        if (!port_name || !strcmp(port_name, netdev_get_name(&dev->up))) {
            ovs_mutex_lock(&dev->mutex);
            show(out, dev);
            ovs_mutex_unlock(&dev->mutex);
            found = true;
        }
    }
    ovs_mutex_unlock(&ipoib_netdevs_mutex);
    return found || !port_name;
}

bool
netdev_ipoib_show_vifs(struct ds *out, const char *port_name)
{
    return show_ports(out, port_name, show_port_vifs);
}

bool
netdev_ipoib_show_neighbors(struct ds *out, const char *port_name)
{
    return show_ports(out, port_name, show_port_neighbors);
}

bool
netdev_ipoib_show_interfaces(struct ds *out, const char *port_name)
{
    return show_ports(out, port_name, show_port_interface);
}

bool
netdev_ipoib_show_groups(struct ds *out, const char *port_name)
{
    return show_ports(out, port_name, show_port_groups);
}
