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

static void
record_mgid(const struct netdev_ipoib *dev,
            const struct ipoib_snoop_record *rec, struct ib_gid *mgid)
    OVS_REQUIRES(dev->mutex)
{
    if (rec->ipv6) {
        ipoib_mgid_ipv6(mgid, dev->xlate.pkey, dev->mcast_scope, rec->group);
    } else {
        uint32_t group_be;

        memcpy(&group_be, rec->group, sizeof group_be);
        ipoib_mgid_ipv4(mgid, dev->xlate.pkey, dev->mcast_scope, group_be);
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
listen_try_join(struct netdev_ipoib *dev, struct ipoib_listen_entry *e,
                long long int now)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->link != IPOIB_LINK_UP || e->state != IPOIB_LISTEN_IDLE
        || e->leaving
        || (e->requested && now - e->requested < IPOIB_SA_RETRY_MS)
        || send_only_join_pending(dev, &e->mgid)) {
        return;
    }
    e->requested = now;
    if (!dev->tclass->join_mcast(dev->port, &e->mgid, dev->port_pkey,
                                 dev->bcast.qkey, IPOIB_JOIN_FULL)) {
        e->state = IPOIB_LISTEN_JOINING;
    }
}

static void
listen_leave(struct netdev_ipoib *dev, const struct ipoib_listen_entry *e)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->host_qpn) {
        dev->tclass->detach_mcast(dev->port, dev->host_qpn, &e->mgid,
                                  e->group.mlid);
    }
    dev->tclass->leave_mcast(dev->port, &e->mgid, dev->port_pkey,
                             IPOIB_JOIN_FULL);
}

/* Stops receiving 'e''s group, which nobody wants any more. */
static void
listen_drop(struct netdev_ipoib *dev, struct ipoib_listen_entry *e)
    OVS_REQUIRES(dev->mutex)
{
    switch (e->state) {
    case IPOIB_LISTEN_JOINED:
        listen_leave(dev, e);
        break;
    case IPOIB_LISTEN_JOINING:
        e->leaving = true;
        return;
    case IPOIB_LISTEN_IDLE:
        break;
    }
    ipoib_listen_remove(&dev->listen, e);
}

static void
snoop_record(struct netdev_ipoib *dev, const struct ipoib_snoop_record *rec,
             struct eth_addr reporter, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;
    struct ib_gid mgid;

    record_mgid(dev, rec, &mgid);
    if (rec->join) {
        e = ipoib_listen_get(&dev->listen, &mgid);
        if (!e) {
            dev->snoop_refused++;
            return;
        }
        ipoib_listen_add_reporter(e, reporter);
        listen_try_join(dev, e, now);
    } else {
        e = ipoib_listen_find(&dev->listen, &mgid);
        if (e && ipoib_listen_remove_reporter(e, reporter)) {
            listen_drop(dev, e);
        }
    }
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
    for (size_t i = 0; i < rep.n; i++) {
        snoop_record(dev, &rep.records[i], rep.reporter, now);
    }
}

void
netdev_ipoib_listen_forget_mac(struct netdev_ipoib *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    IPOIB_LISTEN_FOR_EACH_SAFE (e, &dev->listen) {
        if (e->n_reporters && ipoib_listen_remove_reporter(e, mac)) {
            listen_drop(dev, e);
        }
    }
}

void
netdev_ipoib_listen_link_up(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    long long int now = time_msec();
    struct ipoib_listen_entry *e;
    struct ib_gid mgid;

    ipoib_listen_table_rekey(&dev->listen, dev->xlate.pkey,
                             dev->mcast_scope);
    ipoib_mgid_ipv6(&mgid, dev->xlate.pkey, dev->mcast_scope, all_nodes);
    e = ipoib_listen_get(&dev->listen, &mgid);
    if (e) {
        e->permanent = true;
    } else {
        dev->snoop_refused++;
    }
    IPOIB_LISTEN_FOR_EACH_SAFE (e, &dev->listen) {
        e->requested = 0;
        listen_try_join(dev, e, now);
    }
}

/* Called while the host QP still exists.  Memberships are lost with the
 * link, but what the VMs listen on is kept, to join again at link up. */
void
netdev_ipoib_listen_link_down(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    IPOIB_LISTEN_FOR_EACH_SAFE (e, &dev->listen) {
        if (e->state == IPOIB_LISTEN_JOINED) {
            listen_leave(dev, e);
        }
        e->state = IPOIB_LISTEN_IDLE;
        e->requested = 0;
        if (e->leaving || ipoib_listen_is_unwanted(e)) {
            ipoib_listen_remove(&dev->listen, e);
        }
    }
}

static void
listen_joined(struct netdev_ipoib *dev, struct ipoib_listen_entry *e,
              const struct ipoib_mcast_group *group)
    OVS_REQUIRES(dev->mutex)
{
    char mgid_s[IB_GID_STRLEN];
    int error;

    e->group = *group;
    error = dev->tclass->attach_mcast(dev->port, dev->host_qpn, &e->mgid,
                                      group->mlid);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot attach to group %s (%s)",
                     netdev_get_name(&dev->up),
                     ib_gid_format(&e->mgid, mgid_s), ovs_strerror(error));
        dev->tclass->leave_mcast(dev->port, &e->mgid, dev->port_pkey,
                                 IPOIB_JOIN_FULL);
        e->state = IPOIB_LISTEN_IDLE;
        return;
    }
    e->state = IPOIB_LISTEN_JOINED;
    VLOG_DBG("%s: receiving group %s", netdev_get_name(&dev->up),
             ib_gid_format(&e->mgid, mgid_s));
}

bool
netdev_ipoib_listen_join_done(struct netdev_ipoib *dev,
                              const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e = ipoib_listen_find(&dev->listen,
                                                     &ev->join.mgid);

    if (!e || e->state != IPOIB_LISTEN_JOINING) {
        return false;
    }
    if (e->leaving) {
        if (!ev->status) {
            dev->tclass->leave_mcast(dev->port, &e->mgid, dev->port_pkey,
                                     IPOIB_JOIN_FULL);
        }
        ipoib_listen_remove(&dev->listen, e);
    } else if (ev->status || dev->link != IPOIB_LINK_UP) {
        char mgid_s[IB_GID_STRLEN];

        VLOG_WARN_RL(&rl, "%s: join of group %s failed (%s), will retry",
                     netdev_get_name(&dev->up),
                     ib_gid_format(&e->mgid, mgid_s),
                     ovs_strerror(ev->status));
        e->state = IPOIB_LISTEN_IDLE;
    } else {
        listen_joined(dev, e, &ev->join);
    }
    return true;
}

void
netdev_ipoib_listen_retry(struct netdev_ipoib *dev, const struct ib_gid *mgid,
                          long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_listen_entry *e;

    if (mgid) {
        e = ipoib_listen_find(&dev->listen, mgid);
        if (e) {
            listen_try_join(dev, e, now);
        }
        return;
    }
    IPOIB_LISTEN_FOR_EACH_SAFE (e, &dev->listen) {
        if (e->state == IPOIB_LISTEN_JOINING
            && now - e->requested > IPOIB_SA_RETRY_MS) {
            /* No answer: the request or its reply was lost. */
            e->state = IPOIB_LISTEN_IDLE;
        }
        listen_try_join(dev, e, now);
    }
}
