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

#include "netdev-ipoib/ipoib-mcast-snoop.h"
#include "netdev-ipoib/ipoib-partition.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_membership);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* The groups a port is a full member of, for its VMs (see
 * ipoib-mcast-listen.h): joins and leaves at the SA and attachment of the
 * host QP, driven by the VMs' MLD/IGMP reports and the link's life. */

/* The IPv6 all-nodes group, ff02::1: every IPv6 host listens on it and
 * none reports it. */
static const uint8_t all_nodes[16] = {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};

/* Where one partition's groups are received: the port's own partition
 * (struct netdev_ipoib's fields) or a VLAN's (ipoib-partition.h).  Each
 * has its own groups, since MGIDs carry the P_Key. */
struct listen_ctx {
    struct ipoib_listen_table *listen;
    uint16_t pkey;              /* P_Key table entry, for joins. */
    uint16_t mgid_pkey;         /* With the full-member bit, for MGIDs. */
    uint32_t qkey;
    uint32_t host_qpn;          /* Receives the groups; 0 if none. */
    bool up;                    /* Joins may be sent. */
};

static void
own_ctx(struct netdev_ipoib *dev, struct listen_ctx *c)
    OVS_REQUIRES(dev->mutex)
{
    c->listen = &dev->listen;
    c->pkey = dev->port_pkey;
    c->mgid_pkey = dev->xlate.pkey;
    c->qkey = dev->bcast.qkey;
    c->host_qpn = dev->host_qpn;
    c->up = dev->link == IPOIB_LINK_UP;
}

static void
partition_ctx(struct netdev_ipoib *dev, struct ipoib_partition *part,
              struct listen_ctx *c)
    OVS_REQUIRES(dev->mutex)
{
    c->listen = &part->listen;
    c->pkey = part->pkey;
    c->mgid_pkey = ipoib_partition_vlan_pkey(part->vlan);
    c->qkey = part->bcast.qkey;
    c->host_qpn = part->host_qpn;
    c->up = dev->link == IPOIB_LINK_UP && part->state == IPOIB_PART_UP;
}

static void
record_mgid(const struct netdev_ipoib *dev, const struct listen_ctx *c,
            const struct ipoib_snoop_record *rec, struct ib_gid *mgid)
    OVS_REQUIRES(dev->mutex)
{
    if (rec->ipv6) {
        ipoib_mgid_ipv6(mgid, c->mgid_pkey, dev->mcast_scope, rec->group);
    } else {
        uint32_t group_be;

        memcpy(&group_be, rec->group, sizeof group_be);
        ipoib_mgid_ipv4(mgid, c->mgid_pkey, dev->mcast_scope, group_be);
    }
}

/* True if a send-only join of the group is outstanding: its answer would
 * be taken for that of a full join, so the full join waits for it. */
static bool
send_only_join_pending(const struct netdev_ipoib *dev,
                       const struct ib_gid *mgid)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_mcast_entry *m = ipoib_mcast_table_find(&dev->mcast,
                                                               mgid);
    return m && m->state == IPOIB_MCAST_JOINING;
}

/* Sends the full join for 'e' if the port can and it is time. */
static void
listen_try_join(struct netdev_ipoib *dev, const struct listen_ctx *c,
                struct ipoib_listen_entry *e, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    if (!c->up || e->state != IPOIB_LISTEN_IDLE
        || e->leaving
        || (e->requested && now - e->requested < IPOIB_SA_RETRY_MS)
        || send_only_join_pending(dev, &e->mgid)) {
        return;
    }
    e->requested = now;
    if (!dev->tclass->join_mcast(dev->port, &e->mgid, c->pkey, c->qkey,
                                 IPOIB_JOIN_FULL)) {
        e->state = IPOIB_LISTEN_JOINING;
    }
}

static void
listen_leave(struct netdev_ipoib *dev, const struct listen_ctx *c,
             const struct ipoib_listen_entry *e)
    OVS_REQUIRES(dev->mutex)
{
    if (c->host_qpn) {
        dev->tclass->detach_mcast(dev->port, c->host_qpn, &e->mgid,
                                  e->group.mlid);
    }
    dev->tclass->leave_mcast(dev->port, &e->mgid, c->pkey,
                             IPOIB_JOIN_FULL);
}

/* Stops receiving 'e''s group, which nobody wants any more. */
static void
listen_drop(struct netdev_ipoib *dev, const struct listen_ctx *c,
            struct ipoib_listen_entry *e)
    OVS_REQUIRES(dev->mutex)
{
    switch (e->state) {
    case IPOIB_LISTEN_JOINED:
        listen_leave(dev, c, e);
        break;
    case IPOIB_LISTEN_JOINING:
        e->leaving = true;
        return;
    case IPOIB_LISTEN_IDLE:
        break;
    }
    ipoib_listen_remove(c->listen, e);
}

static void
snoop_record(struct netdev_ipoib *dev, const struct listen_ctx *c,
             const struct ipoib_snoop_record *rec, struct eth_addr reporter,
             long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;
    struct ib_gid mgid;

    record_mgid(dev, c, rec, &mgid);
    if (rec->join) {
        e = ipoib_listen_get(c->listen, &mgid);
        if (!e) {
            dev->snoop_refused++;
            return;
        }
        ipoib_listen_add_reporter(e, reporter);
        listen_try_join(dev, c, e, now);
    } else {
        e = ipoib_listen_find(c->listen, &mgid);
        if (e && ipoib_listen_remove_reporter(e, reporter)) {
            listen_drop(dev, c, e);
        }
    }
}

/* The groups of the partition of frames of 'vlan'.  Returns false if the
 * port has no such partition (it may not use it). */
static bool
vlan_ctx(struct netdev_ipoib *dev, uint16_t vlan, struct listen_ctx *c)
    OVS_REQUIRES(dev->mutex)
{
    if (vlan == IPOIB_VLAN_NONE) {
        own_ctx(dev, c);
        return true;
    }
    struct ipoib_partition *part = (vlan == IPOIB_VLAN_INVALID ? NULL
                                    : ipoib_partition_get(dev, vlan));
    if (!part || part->state == IPOIB_PART_REFUSED) {
        return false;
    }
    partition_ctx(dev, part, c);
    return true;
}

void
netdev_ipoib_snoop(struct netdev_ipoib *dev, const struct dp_packet *p,
                   long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_snoop_report rep;

    switch (ipoib_mcast_snoop_parse(dp_packet_data(p), dp_packet_size(p),
                                    &rep)) {
    case IPOIB_SNOOP_NONE:
        return;
    case IPOIB_SNOOP_MALFORMED:
        dev->snoop_malformed++;
        return;
    case IPOIB_SNOOP_REPORT:
        break;
    }
    dev->snoop_reports++;
    if (rep.truncated) {
        dev->snoop_refused++;
    }

    /* A tagged report is about its VLAN's partition (VST). */
    struct listen_ctx c;
    if (!vlan_ctx(dev, ipoib_xlate_frame_vlan(dp_packet_data(p),
                                              dp_packet_size(p)), &c)) {
        dev->snoop_refused++;
        return;
    }
    for (size_t i = 0; i < rep.n; i++) {
        snoop_record(dev, &c, &rep.records[i], rep.reporter, now);
    }
}

static void
listen_forget_mac(struct netdev_ipoib *dev, const struct listen_ctx *c,
                  struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    IPOIB_LISTEN_FOR_EACH_SAFE (e, c->listen) {
        if (e->n_reporters && ipoib_listen_remove_reporter(e, mac)) {
            listen_drop(dev, c, e);
        }
    }
}

void
netdev_ipoib_listen_forget_mac(struct netdev_ipoib *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_partition *part;
    struct listen_ctx c;

    own_ctx(dev, &c);
    listen_forget_mac(dev, &c, mac);
    HMAP_FOR_EACH (part, node, &dev->partitions) {
        partition_ctx(dev, part, &c);
        listen_forget_mac(dev, &c, mac);
    }
}

/* Joins the groups of 'c' (and the IPv6 all-nodes group) once its
 * broadcast group is joined. */
static void
listen_up(struct netdev_ipoib *dev, const struct listen_ctx *c)
    OVS_REQUIRES(dev->mutex)
{
    long long int now = time_msec();
    struct ipoib_listen_entry *e;
    struct ib_gid mgid;

    ipoib_listen_table_rekey(c->listen, c->mgid_pkey, dev->mcast_scope);
    ipoib_mgid_ipv6(&mgid, c->mgid_pkey, dev->mcast_scope, all_nodes);
    e = ipoib_listen_get(c->listen, &mgid);
    if (e) {
        e->permanent = true;
    } else {
        dev->snoop_refused++;
    }
    IPOIB_LISTEN_FOR_EACH_SAFE (e, c->listen) {
        e->requested = 0;
        listen_try_join(dev, c, e, now);
    }
}

void
netdev_ipoib_listen_link_up(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct listen_ctx c;

    own_ctx(dev, &c);
    listen_up(dev, &c);
}

void
netdev_ipoib_listen_partition_up(struct netdev_ipoib *dev,
                                 struct ipoib_partition *part)
    OVS_REQUIRES(dev->mutex)
{
    struct listen_ctx c;

    partition_ctx(dev, part, &c);
    listen_up(dev, &c);
}

/* Called while the host QP still exists.  Memberships are lost with the
 * link, but what the VMs listen on is kept, to join again at link up. */
static void
listen_down(struct netdev_ipoib *dev, const struct listen_ctx *c)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    IPOIB_LISTEN_FOR_EACH_SAFE (e, c->listen) {
        if (e->state == IPOIB_LISTEN_JOINED) {
            listen_leave(dev, c, e);
        }
        e->state = IPOIB_LISTEN_IDLE;
        e->requested = 0;
        if (e->leaving || ipoib_listen_is_unwanted(e)) {
            ipoib_listen_remove(c->listen, e);
        }
    }
}

void
netdev_ipoib_listen_link_down(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct listen_ctx c;

    own_ctx(dev, &c);
    listen_down(dev, &c);
}

void
netdev_ipoib_listen_partition_down(struct netdev_ipoib *dev,
                                   struct ipoib_partition *part)
    OVS_REQUIRES(dev->mutex)
{
    struct listen_ctx c;

    partition_ctx(dev, part, &c);
    listen_down(dev, &c);
}

static void
listen_joined(struct netdev_ipoib *dev, const struct listen_ctx *c,
              struct ipoib_listen_entry *e,
              const struct ipoib_mcast_group *group)
    OVS_REQUIRES(dev->mutex)
{
    char mgid_s[IB_GID_STRLEN];
    int error;

    e->group = *group;
    error = dev->tclass->attach_mcast(dev->port, c->host_qpn, &e->mgid,
                                      group->mlid);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot attach to group %s (%s)",
                     netdev_get_name(&dev->up),
                     ib_gid_format(&e->mgid, mgid_s), ovs_strerror(error));
        dev->tclass->leave_mcast(dev->port, &e->mgid, c->pkey,
                                 IPOIB_JOIN_FULL);
        e->state = IPOIB_LISTEN_IDLE;
        return;
    }
    e->state = IPOIB_LISTEN_JOINED;
    VLOG_DBG("%s: receiving group %s", netdev_get_name(&dev->up),
             ib_gid_format(&e->mgid, mgid_s));
}

static bool
listen_join_done(struct netdev_ipoib *dev, const struct listen_ctx *c,
                 const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e = ipoib_listen_find(c->listen,
                                                     &ev->join.mgid);

    if (!e || e->state != IPOIB_LISTEN_JOINING) {
        return false;
    }
    if (e->leaving) {
        if (!ev->status) {
            dev->tclass->leave_mcast(dev->port, &e->mgid, c->pkey,
                                     IPOIB_JOIN_FULL);
        }
        ipoib_listen_remove(c->listen, e);
    } else if (ev->status || !c->up) {
        char mgid_s[IB_GID_STRLEN];

        VLOG_WARN_RL(&rl, "%s: join of group %s failed (%s), will retry",
                     netdev_get_name(&dev->up),
                     ib_gid_format(&e->mgid, mgid_s),
                     ovs_strerror(ev->status));
        e->state = IPOIB_LISTEN_IDLE;
    } else {
        listen_joined(dev, c, e, &ev->join);
    }
    return true;
}

bool
netdev_ipoib_listen_join_done(struct netdev_ipoib *dev,
                              const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_partition *part;
    struct listen_ctx c;

    own_ctx(dev, &c);
    if (listen_join_done(dev, &c, ev)) {
        return true;
    }
    HMAP_FOR_EACH (part, node, &dev->partitions) {
        partition_ctx(dev, part, &c);
        if (listen_join_done(dev, &c, ev)) {
            return true;
        }
    }
    return false;
}

static void
listen_retry(struct netdev_ipoib *dev, const struct listen_ctx *c,
             const struct ib_gid *mgid, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    if (mgid) {
        e = ipoib_listen_find(c->listen, mgid);
        if (e) {
            listen_try_join(dev, c, e, now);
        }
        return;
    }
    IPOIB_LISTEN_FOR_EACH_SAFE (e, c->listen) {
        if (e->state == IPOIB_LISTEN_JOINING
            && now - e->requested > IPOIB_SA_RETRY_MS) {
            /* No answer: the request or its reply was lost. */
            e->state = IPOIB_LISTEN_IDLE;
        }
        listen_try_join(dev, c, e, now);
    }
}

void
netdev_ipoib_listen_retry(struct netdev_ipoib *dev, const struct ib_gid *mgid,
                          long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_partition *part;
    struct listen_ctx c;

    own_ctx(dev, &c);
    listen_retry(dev, &c, mgid, now);
    HMAP_FOR_EACH (part, node, &dev->partitions) {
        partition_ctx(dev, part, &c);
        listen_retry(dev, &c, mgid, now);
    }
}
