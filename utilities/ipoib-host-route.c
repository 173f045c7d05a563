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
#include "utilities/ipoib-host-route.h"

#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include "hash.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"
#include "utilities/ipoib-host-addrs.h"

struct host_route {
    struct hmap_node node;
    struct in6_addr dst;
    bool reachable;             /* The kernel has a route. */
    struct in6_addr nexthop;
    long long int expires;
};

void
host_route_cache_init(struct host_route_cache *c)
{
    hmap_init(&c->map);
}

static void
host_route_cache_flush(struct host_route_cache *c)
{
    struct host_route *r;

    HMAP_FOR_EACH_POP (r, node, &c->map) {
        free(r);
    }
}

void
host_route_cache_destroy(struct host_route_cache *c)
{
    host_route_cache_flush(c);
    hmap_destroy(&c->map);
}

/* Returns true if 'a' and 'b' agree in their first 'plen' bits. */
static bool
same_prefix(const struct in6_addr *a, const struct in6_addr *b, int plen)
{
    int bytes = plen / 8, bits = plen % 8;

    if (memcmp(a->s6_addr, b->s6_addr, bytes)) {
        return false;
    }
    return !bits || !((a->s6_addr[bytes] ^ b->s6_addr[bytes])
                      & (0xff << (8 - bits)));
}

bool
host_route_on_link(const struct host_addrs *addrs, const struct in6_addr *dst)
{
    bool v4 = IN6_IS_ADDR_V4MAPPED(dst);

    if (!v4 && IN6_IS_ADDR_LINKLOCAL(dst)) {
        return true;
    }
    for (size_t i = 0; i < addrs->n; i++) {
        const struct host_addr *a = &addrs->addrs[i];

        if (IN6_IS_ADDR_V4MAPPED(&a->ip) == v4
            && same_prefix(&a->ip, dst, v4 ? 96 + a->plen : a->plen)) {
            return true;
        }
    }
    return false;
}

/* Asks the kernel how it routes 'dst'.  Returns false if it has no route;
 * else '*gateway' is the gateway, or 'dst' if the route has none. */
static bool
kernel_route(const struct in6_addr *dst, struct in6_addr *gateway)
{
    static const struct nl_policy policy[] = {
        [RTA_GATEWAY] = { .type = NL_A_UNSPEC, .optional = true,
                          .min_len = 4, .max_len = 16 },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    bool v4 = IN6_IS_ADDR_V4MAPPED(dst);
    struct ofpbuf request, *reply;
    struct rtmsg *rtm;

    ofpbuf_init(&request, 0);
    nl_msg_put_nlmsghdr(&request, sizeof *rtm, RTM_GETROUTE, NLM_F_REQUEST);
    rtm = ofpbuf_put_zeros(&request, sizeof *rtm);
    rtm->rtm_family = v4 ? AF_INET : AF_INET6;
    rtm->rtm_dst_len = v4 ? 32 : 128;
    nl_msg_put_unspec(&request, RTA_DST, v4 ? &dst->s6_addr[12] : dst->s6_addr,
                      v4 ? 4 : 16);
    int error = nl_transact(NETLINK_ROUTE, &request, &reply);
    ofpbuf_uninit(&request);
    if (error) {
        return false;
    }

    bool ok = nl_policy_parse(reply, NLMSG_HDRLEN + sizeof(struct rtmsg),
                              policy, attrs, ARRAY_SIZE(policy));
    *gateway = *dst;
    if (ok && attrs[RTA_GATEWAY]) {
        const void *gw = nl_attr_get(attrs[RTA_GATEWAY]);
        size_t len = nl_attr_get_size(attrs[RTA_GATEWAY]);

        if (v4 && len == 4) {
            memcpy(&gateway->s6_addr[12], gw, 4);
        } else if (!v4 && len == 16) {
            memcpy(gateway, gw, 16);
        }
    }
    ofpbuf_delete(reply);
    return ok;
}

static struct host_route *
find_route(const struct host_route_cache *c, const struct in6_addr *dst,
           uint32_t hash)
{
    struct host_route *r;

    HMAP_FOR_EACH_WITH_HASH (r, node, hash, &c->map) {
        if (!memcmp(&r->dst, dst, sizeof *dst)) {
            return r;
        }
    }
    return NULL;
}

bool
host_route_nexthop(struct host_route_cache *c,
                   const struct host_addrs *addrs,
                   const struct in6_addr *dst, long long int now,
                   struct in6_addr *nexthop)
{
    if (host_route_on_link(addrs, dst)) {
        *nexthop = *dst;
        return true;
    }

    uint32_t hash = hash_bytes(dst, sizeof *dst, 0);
    struct host_route *r = find_route(c, dst, hash);
    if (!r || now >= r->expires) {
        if (!r) {
            if (hmap_count(&c->map) >= HOST_ROUTE_CACHE_MAX) {
                host_route_cache_flush(c);
            }
            r = xzalloc(sizeof *r);
            r->dst = *dst;
            hmap_insert(&c->map, &r->node, hash);
        }
        r->reachable = kernel_route(dst, &r->nexthop);
        r->expires = now + HOST_ROUTE_CACHE_MS;
    }
    *nexthop = r->nexthop;
    return r->reachable;
}
