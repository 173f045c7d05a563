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
#include "utilities/ipoib-host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_host_link);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define HOUSEKEEPING_MS 250
#define SA_RETRY_MS 2000

/* The universal/local bit of a modified EUI-64 interface identifier. */
#define EUI64_UL_BIT 0x0200000000000000ULL

/* IPv6 link-local prefix length. */
#define LINK_LOCAL_PLEN 64

const char *
host_link_state_name(enum host_link_state state)
{
    switch (state) {
    case HOST_LINK_DOWN:
        return "down";
    case HOST_LINK_JOINING:
        return "joining";
    case HOST_LINK_UP:
        return "up";
    }
    return "?";
}

/* Sends the broadcast group join, if the port has our partition. */
static void
start_join(struct ipoib_host *h)
{
    int idx = ib_pkey_table_find(h->attr.pkeys, h->attr.n_pkeys, h->pkey);

    if (idx < 0) {
        VLOG_WARN_RL(&rl, "%s: P_Key 0x%04"PRIx16" is not in the port's "
                     "P_Key table", h->name, h->pkey);
        return;
    }
    h->port_pkey = h->attr.pkeys[idx];
    ipoib_mgid_broadcast(&h->bcast_mgid, h->pkey, h->scope);
    if (!h->tc->join_mcast(h->port, &h->bcast_mgid, h->port_pkey, 0,
                           IPOIB_JOIN_FULL)) {
        h->link = HOST_LINK_JOINING;
        h->join_sent = time_msec();
    }
}

/* Gives the tun the link-local address a kernel IPoIB device has: fe80::
 * and the port GUID with the universal/local bit flipped (RFC 4391). */
static void
add_link_local(struct ipoib_host *h)
{
    uint64_t iid = ib_gid_interface_id(&h->attr.gid) ^ EUI64_UL_BIT;
    struct ib_gid ll;

    ib_gid_from_parts(&ll, IB_DEFAULT_SUBNET_PREFIX, iid);
    struct in6_addr ip;
    memcpy(&ip, ll.b, sizeof ip);
    int error = host_tun_add_ipv6(&h->tun, &ip, LINK_LOCAL_PLEN);
    if (error) {
        VLOG_WARN("%s: cannot add the link-local address (%s)", h->name,
                  ovs_strerror(error));
    }
}

static void
link_up(struct ipoib_host *h, const struct ipoib_mcast_group *group)
{
    uint32_t ib_mtu = MIN(group->ib_mtu, h->attr.ib_mtu);
    int error;

    error = h->tc->create_qp(h->port, h->port_pkey, group->qkey, &h->qpn);
    if (!error) {
        error = h->tc->attach_mcast(h->port, h->qpn, &group->mgid,
                                    group->mlid);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot set up the QP (%s)", h->name,
                     ovs_strerror(error));
        if (h->qpn) {
            h->tc->destroy_qp(h->port, h->qpn);
            h->qpn = 0;
        }
        h->link = HOST_LINK_DOWN;
        return;
    }
    h->bcast = *group;
    h->mtu = ib_mtu - HOST_IPOIB_HDR_LEN;
    ipoib_hwaddr_make(&h->hwaddr, 0, h->qpn, &h->attr.gid);
    h->link = HOST_LINK_UP;

    /* Without IPv6 (no such sysctl) there is no address to avoid. */
    host_tun_no_addr_gen(&h->tun);
    error = host_tun_set_mtu(&h->tun, h->mtu);
    if (!error) {
        error = host_tun_set_up(&h->tun);
    }
    if (error) {
        VLOG_WARN("%s: cannot configure %s (%s)", h->name, h->tun.name,
                  ovs_strerror(error));
    }
    add_link_local(h);

    char gid_s[IB_GID_STRLEN];
    VLOG_INFO("%s: link up: lid %"PRIu16" gid %s qpn 0x%06"PRIx32" pkey "
              "0x%04"PRIx16" qkey 0x%"PRIx32" mtu %d", h->name, h->attr.lid,
              ib_gid_format(&h->attr.gid, gid_s), h->qpn, h->port_pkey,
              group->qkey, h->mtu);

    /* Everything the kernel has is new to the fabric: announce it. */
    struct host_addrs none = { .n = 0 };
    host_link_addrs_changed(h, &none);
}

static void
forget_groups(struct ipoib_host *h)
{
    struct host_group *g;

    HOST_GROUP_FOR_EACH (g, &h->groups) {
        h->counters[HOST_C_TX_NO_GROUP] += host_pktq_clear(&g->pending);
        g->state = HOST_GROUP_IDLE;
        g->attached = false;
        memset(&g->group, 0, sizeof g->group);
    }
}

static void
link_down(struct ipoib_host *h)
{
    if (h->link == HOST_LINK_UP) {
        VLOG_INFO("%s: link down", h->name);
    }
    if (h->qpn) {
        h->tc->destroy_qp(h->port, h->qpn);
        h->qpn = 0;
    }
    forget_groups(h);
    h->counters[HOST_C_TX_NO_NEIGH] += host_neigh_table_flush(&h->neighs);
    host_path_table_flush(&h->paths);
    h->link = HOST_LINK_DOWN;
}

static void
port_state_changed(struct ipoib_host *h)
{
    struct ib_gid old_gid = h->attr.gid;
    uint16_t old_lid = h->attr.lid;

    h->tc->query_port(h->port, &h->attr);
    if (h->attr.state != IPOIB_PORT_ACTIVE) {
        link_down(h);
    } else if (h->link == HOST_LINK_DOWN) {
        start_join(h);
    } else if (h->attr.lid != old_lid
               || !ib_gid_equals(&h->attr.gid, &old_gid)) {
        link_down(h);
        start_join(h);
    }
}

static void
group_join_done(struct ipoib_host *h, const struct ipoib_event *ev)
{
    struct host_group *g = host_group_find(&h->groups, &ev->join.mgid);

    if (!g || g->state != HOST_GROUP_JOINING) {
        return;
    }
    if (ev->status) {
        /* A send-only join fails when nobody listens (no such group):
         * normal, e.g. for the all-routers group without routers. */
        enum vlog_level level = (g->join_state == IPOIB_JOIN_FULL
                                 ? VLL_WARN : VLL_DBG);
        char mgid_s[IB_GID_STRLEN];
        VLOG_RL(&rl, level, "%s: %s join of %s failed (%s)", h->name,
                g->join_state == IPOIB_JOIN_FULL ? "full" : "send-only",
                ib_gid_format(&g->mgid, mgid_s), ovs_strerror(ev->status));
        g->state = HOST_GROUP_FAILED;
        h->counters[HOST_C_TX_NO_GROUP] += host_pktq_clear(&g->pending);
        return;
    }
    g->state = HOST_GROUP_JOINED;
    g->group = ev->join;
    if (g->join_state == IPOIB_JOIN_FULL && !g->attached
        && !h->tc->attach_mcast(h->port, h->qpn, &g->mgid, g->group.mlid)) {
        g->attached = true;
    }
    host_group_flush(h, g);
}

static void
join_done(struct ipoib_host *h, const struct ipoib_event *ev)
{
    if (!ib_gid_equals(&ev->join.mgid, &h->bcast_mgid)) {
        if (h->link == HOST_LINK_UP) {
            group_join_done(h, ev);
        }
        return;
    }
    if (h->link != HOST_LINK_JOINING) {
        return;
    }
    if (ev->status) {
        VLOG_WARN_RL(&rl, "%s: broadcast group join failed (%s), will "
                     "retry", h->name, ovs_strerror(ev->status));
        return;
    }
    link_up(h, &ev->join);
}

static void
path_done(struct ipoib_host *h, const struct ipoib_event *ev)
{
    struct host_path *p;
    struct host_neigh *n;

    if (ev->path.query_dlid) {
        return;                 /* We only ask by GID. */
    }
    p = host_path_resolve(&h->paths, &ev->path.dgid, ev->status,
                          &ev->path.path);
    if (!p) {
        return;
    }
    HOST_NEIGH_FOR_EACH (n, &h->neighs) {
        struct ib_gid gid;

        if (n->state != HOST_NEIGH_REACHABLE) {
            continue;
        }
        ipoib_hwaddr_gid(&n->hwaddr, &gid);
        if (!ib_gid_equals(&gid, &p->dgid)) {
            continue;
        }
        if (p->state == HOST_PATH_VALID) {
            host_neigh_flush(h, n);
        } else {
            h->counters[HOST_C_TX_NO_PATH] += host_pktq_clear(&n->pending);
        }
    }
}

static void
handle_event(struct ipoib_host *h, const struct ipoib_event *ev)
{
    switch (ev->type) {
    case IPOIB_EV_PORT_STATE:
        port_state_changed(h);
        break;
    case IPOIB_EV_JOIN_DONE:
        join_done(h, ev);
        break;
    case IPOIB_EV_PATH_DONE:
        path_done(h, ev);
        break;
    case IPOIB_EV_SM_CHANGE:
        link_down(h);
        port_state_changed(h);
        break;
    }
}

const struct host_path *
host_link_path(struct ipoib_host *h, const struct ib_gid *gid)
{
    bool query;
    struct host_path *p = host_path_get(&h->paths, gid, time_msec(),
                                        &query);

    if (!p) {
        return NULL;
    }
    if (query) {
        h->tc->query_path(h->port, gid, 0, h->port_pkey);
    }
    return p->state == HOST_PATH_VALID ? p : NULL;
}

void
host_link_join(struct ipoib_host *h, struct host_group *g)
{
    enum ipoib_join_state type = host_group_join_type(g);

    g->requested = time_msec();
    if (!h->tc->join_mcast(h->port, &g->mgid, h->port_pkey, h->bcast.qkey,
                           type)) {
        g->state = HOST_GROUP_JOINING;
        g->join_state = type;
    } else {
        g->state = HOST_GROUP_FAILED;
    }
}

static void
leave_group(struct ipoib_host *h, struct host_group *g)
{
    if (g->attached) {
        h->tc->detach_mcast(h->port, h->qpn, &g->mgid, g->group.mlid);
    }
    if (g->state == HOST_GROUP_JOINED) {
        h->tc->leave_mcast(h->port, &g->mgid, h->port_pkey, g->join_state);
    }
    h->counters[HOST_C_TX_NO_GROUP] += host_group_delete(&h->groups, g);
}

/* The MGID of IP multicast group 'group' (IPv4-mapped for IPv4). */
static void
group_mgid(const struct ipoib_host *h, const struct in6_addr *group,
           struct ib_gid *mgid)
{
    if (IN6_IS_ADDR_V4MAPPED(group)) {
        uint32_t ipv4_be;

        memcpy(&ipv4_be, &group->s6_addr[12], 4);
        ipoib_mgid_ipv4(mgid, h->pkey, h->scope, ipv4_be);
    } else {
        ipoib_mgid_ipv6(mgid, h->pkey, h->scope, group->s6_addr);
    }
}

static void
want_group(struct ipoib_host *h, const struct in6_addr *group)
{
    /* Interface-local groups (ff01::/16) never leave the host. */
    if (group->s6_addr[0] == 0xff && (group->s6_addr[1] & 0xf) == 1) {
        return;
    }

    struct ib_gid mgid;
    group_mgid(h, group, &mgid);
    struct host_group *g = host_group_get(&h->groups, &mgid);
    if (g) {
        g->wanted = g->marked = true;
    }
}

/* Makes the full memberships match what the kernel listens on: the
 * all-nodes and all-hosts groups, each address's solicited-node group,
 * and the groups in /proc/net/igmp{,6}. */
static void
sync_groups(struct ipoib_host *h)
{
    static const struct in6_addr all_nodes = {
        .s6_addr = { 0xff, 0x02, [15] = 0x01 } };
    struct host_group *g;
    struct in6_addr group;

    HOST_GROUP_FOR_EACH (g, &h->groups) {
        g->marked = false;
    }
    want_group(h, &all_nodes);
    host_neigh_ip_from_ipv4(&group, htonl(0xe0000001));
    want_group(h, &group);
    for (size_t i = 0; i < h->addrs.n; i++) {
        const struct in6_addr *ip = &h->addrs.addrs[i].ip;

        if (!IN6_IS_ADDR_V4MAPPED(ip)) {
            host_addrs_solicited_node(ip, &group);
            want_group(h, &group);
        }
    }
    for (size_t i = 0; i < h->addrs.n_groups; i++) {
        want_group(h, &h->addrs.groups[i]);
    }
    HOST_GROUP_FOR_EACH_SAFE (g, &h->groups) {
        if (g->wanted && !g->marked) {
            leave_group(h, g);
        }
    }
}

static void
join_due_groups(struct ipoib_host *h, long long int now)
{
    struct host_group *g;

    HOST_GROUP_FOR_EACH (g, &h->groups) {
        if ((g->wanted || g->pending.n)
            && host_group_needs_join(g, now, HOST_GROUP_RETRY_MS)) {
            host_link_join(h, g);
        }
    }
}

void
host_link_addrs_changed(struct ipoib_host *h, const struct host_addrs *old)
{
    if (h->link != HOST_LINK_UP) {
        return;
    }
    sync_groups(h);
    join_due_groups(h, time_msec());
    for (size_t i = 0; i < h->addrs.n; i++) {
        const struct in6_addr *ip = &h->addrs.addrs[i].ip;

        if (!host_addrs_has(old, ip)) {
            host_announce(h, ip);
        }
    }
}

static void
housekeeping(struct ipoib_host *h, long long int now)
{
    h->next_housekeeping = now + HOUSEKEEPING_MS;

    if (h->link == HOST_LINK_JOINING && now - h->join_sent >= SA_RETRY_MS) {
        h->link = HOST_LINK_DOWN;
    }
    if (h->link == HOST_LINK_DOWN) {
        port_state_changed(h);
        return;
    }
    if (h->link != HOST_LINK_UP) {
        return;
    }
    join_due_groups(h, now);
    host_resolve_run(h, now);
    h->counters[HOST_C_TX_NO_NEIGH]
        += host_neigh_expire(&h->neighs, now, h->neigh_max_age_ms,
                             HOST_NEIGH_PROBE_MS);
}

void
host_link_run(struct ipoib_host *h)
{
    struct ipoib_event ev;
    long long int now;

    h->tc->run(h->port);
    for (int i = 0; i < 64 && !h->tc->poll_event(h->port, &ev); i++) {
        handle_event(h, &ev);
    }
    now = time_msec();
    if (now >= h->next_housekeeping) {
        housekeeping(h, now);
    }
}

void
host_link_wait(struct ipoib_host *h)
{
    h->tc->wait(h->port);
    poll_timer_wait_until(h->next_housekeeping);
}
