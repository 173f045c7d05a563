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

#ifndef IPOIB_HOST_ROUTE_H
#define IPOIB_HOST_ROUTE_H 1

/* Next hops.  The tun hands us IP packets, not the next hop the kernel
 * routed them to, so the host finds it itself, as a kernel device would be
 * told: a destination in one of the tun's subnets (or IPv6 link-local) is
 * on the link; for any other, the kernel's routing table is asked
 * (RTM_GETROUTE) for its gateway.  Answers are cached for a second, so
 * that a flow to a remote network does not cost a netlink round trip per
 * packet. */

#include <netinet/in.h>
#include <stdbool.h>
#include "openvswitch/hmap.h"

struct host_addrs;

#define HOST_ROUTE_CACHE_MS 1000
#define HOST_ROUTE_CACHE_MAX 256

struct host_route_cache {
    struct hmap map;            /* "struct host_route"s, by destination. */
};

void host_route_cache_init(struct host_route_cache *);
void host_route_cache_destroy(struct host_route_cache *);

/* Stores in '*nexthop' the next hop for 'dst' (IPv4-mapped for IPv4).
 * Returns false if the kernel has no route to it. */
bool host_route_nexthop(struct host_route_cache *,
                        const struct host_addrs *,
                        const struct in6_addr *dst, long long int now,
                        struct in6_addr *nexthop);

/* True if 'dst' is in one of the subnets of 'addrs' or link-local. */
bool host_route_on_link(const struct host_addrs *,
                        const struct in6_addr *dst);

#endif /* ipoib-host-route.h */
