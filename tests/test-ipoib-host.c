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

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/ofpbuf.h"
#include "util.h"
#include "utilities/ipoib-host-addrs.h"
#include "utilities/ipoib-host-mcast.h"
#include "utilities/ipoib-host-neigh.h"
#include "utilities/ipoib-host-path.h"
#include "utilities/ipoib-host-pktq.h"
#include "utilities/ipoib-host-route.h"

/* test-ipoib-host: unit tests of ipoib-host(8)'s tables and address
 * helpers.  Prints one line per check group, "ok" or what went wrong, and
 * exits with status 1 if anything did. */

static int n_failures;

static void
check(bool ok, const char *what)
{
    if (!ok) {
        printf("FAILED: %s\n", what);
        n_failures++;
    }
}

static struct in6_addr
ip(const char *s)
{
    struct in6_addr a;
    uint32_t v4;

    if (inet_pton(AF_INET, s, &v4) == 1) {
        host_neigh_ip_from_ipv4(&a, v4);
    } else if (inet_pton(AF_INET6, s, &a) != 1) {
        ovs_fatal(0, "%s: bad address", s);
    }
    return a;
}

static bool
ip_eq(const struct in6_addr *a, const char *s)
{
    struct in6_addr b = ip(s);
    return !memcmp(a, &b, sizeof b);
}

static void
add_addr(struct host_addrs *a, const char *s, int plen)
{
    a->addrs[a->n].ip = ip(s);
    a->addrs[a->n].plen = plen;
    a->n++;
}

static void
test_addrs(void)
{
    struct host_addrs a = { .n = 0 };
    struct in6_addr src, group;

    add_addr(&a, "10.0.0.9", 24);
    add_addr(&a, "192.168.7.1", 31);
    add_addr(&a, "fd00::9", 64);
    add_addr(&a, "fe80::202:c903:1:2", 64);

    src = ip("10.0.0.9");
    check(host_addrs_has(&a, &src), "has 10.0.0.9");
    src = ip("10.0.0.8");
    check(!host_addrs_has(&a, &src), "has not 10.0.0.8");
    check(host_addrs_is_ipv4_broadcast(&a, htonl(0xffffffff)),
          "255.255.255.255 is broadcast");
    check(host_addrs_is_ipv4_broadcast(&a, htonl(0x0a0000ff)),
          "10.0.0.255 is broadcast");
    check(!host_addrs_is_ipv4_broadcast(&a, htonl(0x0a0000fe)),
          "10.0.0.254 is not broadcast");
    check(!host_addrs_is_ipv4_broadcast(&a, htonl(0xc0a80701)),
          "a /31 has no broadcast address");

    struct in6_addr dst = ip("10.0.0.1");
    check(host_addrs_pick_source(&a, &dst, &src) && ip_eq(&src, "10.0.0.9"),
          "IPv4 source in the same subnet");
    dst = ip("fd00::1");
    check(host_addrs_pick_source(&a, &dst, &src) && ip_eq(&src, "fd00::9"),
          "IPv6 source in the same prefix");
    dst = ip("fd01::1");
    check(host_addrs_pick_source(&a, &dst, &src)
          && ip_eq(&src, "fe80::202:c903:1:2"),
          "IPv6 source falls back to link-local");

    struct host_addrs none = { .n = 0 };
    check(!host_addrs_pick_source(&none, &dst, &src), "no source at all");

    src = ip("fd00::1:2ab:cdef");
    host_addrs_solicited_node(&src, &group);
    check(ip_eq(&group, "ff02::1:ffab:cdef"), "solicited-node group");

    check(host_addrs_equal(&a, &a) && !host_addrs_equal(&a, &none),
          "address sets compare");
    printf("addrs: %s\n", n_failures ? "FAILED" : "ok");
}

static void
test_route(void)
{
    struct host_addrs a = { .n = 0 };
    struct in6_addr dst;

    add_addr(&a, "10.0.0.9", 24);
    add_addr(&a, "fd00::9", 64);
    dst = ip("10.0.0.200");
    check(host_route_on_link(&a, &dst), "10.0.0.200 on link");
    dst = ip("10.0.1.1");
    check(!host_route_on_link(&a, &dst), "10.0.1.1 off link");
    dst = ip("fd00::ffff:1");
    check(host_route_on_link(&a, &dst), "fd00::ffff:1 on link");
    dst = ip("fe80::1234");
    check(host_route_on_link(&a, &dst), "link-local always on link");
    dst = ip("fd01::1");
    check(!host_route_on_link(&a, &dst), "fd01::1 off link");
    printf("route: %s\n", n_failures ? "FAILED" : "ok");
}

static struct ofpbuf *
packet(void)
{
    return ofpbuf_clone_data("x", 1);
}

static void
test_neigh(void)
{
    struct host_neigh_table t;
    struct ipoib_hwaddr hw1, hw2;
    struct ib_gid gid;
    struct in6_addr a = ip("10.0.0.1"), b = ip("fd00::1");
    char buf[INET6_ADDRSTRLEN];

    ib_gid_from_parts(&gid, IB_DEFAULT_SUBNET_PREFIX, 0x0002c90300000001);
    ipoib_hwaddr_make(&hw1, 0, 0x48, &gid);
    ipoib_hwaddr_make(&hw2, 0, 0x49, &gid);

    host_neigh_table_init(&t, 2);
    struct host_neigh *n = host_neigh_create(&t, &a, 1000);
    check(n && n->state == HOST_NEIGH_INCOMPLETE, "new entry incomplete");
    check(host_neigh_create(&t, &b, 1000) != NULL, "second entry");
    struct in6_addr c = ip("10.0.0.3");
    check(!host_neigh_create(&t, &c, 1000), "table full");
    check(host_neigh_find(&t, &a) == n, "find");

    /* At most HOST_PKTQ_MAX packets wait. */
    for (int i = 0; i < HOST_PKTQ_MAX; i++) {
        check(host_pktq_push(&n->pending, packet()), "queue");
    }
    check(!host_pktq_push(&n->pending, packet()), "queue full");

    check(host_neigh_update(n, &hw1, 2000), "update changes");
    check(!host_neigh_update(n, &hw1, 2500), "same address: no change");
    check(host_neigh_update(n, &hw2, 3000), "new address: change");
    check(!strcmp(host_neigh_ip_format(&a, buf), "10.0.0.1"),
          "IPv4 formats as a dotted quad");
    check(!strcmp(host_neigh_state_name(n->state), "reachable"),
          "state name");

    /* 'b' is still incomplete: not expired; 'a' ages out with its
     * packets. */
    int freed = host_neigh_expire(&t, 3000 + 5001, 5000, 1000);
    check(freed == HOST_PKTQ_MAX, "expired entry frees its packets");
    check(!host_neigh_find(&t, &a) && host_neigh_find(&t, &b),
          "only the old reachable entry expired");
    host_neigh_table_destroy(&t);
    printf("neigh: %s\n", n_failures ? "FAILED" : "ok");
}

static void
test_path(void)
{
    struct host_path_table t;
    struct ipoib_path answer = { .dlid = 7, .ib_mtu = 2048 };
    struct ib_gid gid;
    bool query;

    ib_gid_from_parts(&gid, IB_DEFAULT_SUBNET_PREFIX, 0x0002c90300000002);
    host_path_table_init(&t, 4);
    struct host_path *p = host_path_get(&t, &gid, 0, &query);
    check(p && query && p->state == HOST_PATH_QUERYING, "first use queries");
    check(host_path_get(&t, &gid, 100, &query) == p && !query,
          "no second query while one is out");
    check(host_path_resolve(&t, &gid, ENOENT, NULL) == p
          && p->state == HOST_PATH_FAILED, "failure recorded");
    host_path_get(&t, &gid, 500, &query);
    check(!query, "failed path not queried again at once");
    host_path_get(&t, &gid, HOST_PATH_RETRY_MS + 1, &query);
    check(query, "failed path queried again later");
    check(host_path_resolve(&t, &gid, 0, &answer) == p
          && p->state == HOST_PATH_VALID && p->path.dlid == 7, "answer");
    check(!host_path_resolve(&t, &gid, 0, &answer),
          "unasked answer ignored");
    host_path_table_destroy(&t);
    printf("path: %s\n", n_failures ? "FAILED" : "ok");
}

static void
test_groups(void)
{
    struct host_group_table t;
    struct ib_gid mgid;

    ipoib_mgid_broadcast(&mgid, IB_DEFAULT_PKEY, IPOIB_SCOPE_LINK_LOCAL);
    host_group_table_init(&t, 1);
    struct host_group *g = host_group_get(&t, &mgid);
    check(g && host_group_needs_join(g, 0, 2000), "new group needs a join");
    check(host_group_join_type(g) == IPOIB_JOIN_SEND_ONLY,
          "sender joins send-only");
    g->state = HOST_GROUP_JOINING;
    g->requested = 0;
    check(!host_group_needs_join(g, 1000, 2000), "join out: wait");
    check(host_group_needs_join(g, 2000, 2000), "unanswered: again");
    g->state = HOST_GROUP_JOINED;
    g->join_state = IPOIB_JOIN_SEND_ONLY;
    check(!host_group_needs_join(g, 5000, 2000), "joined sender: done");
    g->wanted = true;
    check(host_group_needs_join(g, 5000, 2000)
          && host_group_join_type(g) == IPOIB_JOIN_FULL,
          "a listener upgrades to full membership");

    struct ib_gid other = mgid;
    other.b[15] ^= 1;
    check(!host_group_get(&t, &other), "table full");
    check(host_pktq_push(&g->pending, packet()), "queue");
    check(host_group_delete(&t, g) == 1, "delete frees its packets");
    host_group_table_destroy(&t);
    printf("groups: %s\n", n_failures ? "FAILED" : "ok");
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    set_program_name(argv[0]);
    test_addrs();
    test_route();
    test_neigh();
    test_path();
    test_groups();
    return n_failures ? 1 : 0;
}
