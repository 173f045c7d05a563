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

#ifndef IPOIB_HOST_ADDRS_H
#define IPOIB_HOST_ADDRS_H 1

/* What the kernel has configured on the native host's tun device: its IPv4
 * and IPv6 addresses (read with getifaddrs()) and the multicast groups it
 * listens on (/proc/net/igmp and /proc/net/igmp6 of the namespace), which
 * decide what the host answers and which IPoIB groups it joins. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host_addr {
    struct in6_addr ip;         /* IPv4-mapped for IPv4. */
    int plen;                   /* Prefix length (of the IPv4 part). */
};

#define HOST_MAX_ADDRS 64
#define HOST_MAX_GROUPS 64

struct host_addrs {
    size_t n;
    struct host_addr addrs[HOST_MAX_ADDRS];
    size_t n_groups;
    struct in6_addr groups[HOST_MAX_GROUPS];   /* IPv4-mapped for IPv4. */
};

/* Reads the addresses and groups of device 'ifname' into '*a' (sorted, so
 * that two readings compare with host_addrs_equal()).  Returns 0 or an
 * errno value. */
int host_addrs_read(const char *ifname, struct host_addrs *a);
bool host_addrs_equal(const struct host_addrs *, const struct host_addrs *);

/* Is 'ip' one of the addresses? */
bool host_addrs_has(const struct host_addrs *, const struct in6_addr *ip);
/* Is 'ipv4' (network order) 255.255.255.255 or the broadcast address of
 * one of the IPv4 subnets? */
bool host_addrs_is_ipv4_broadcast(const struct host_addrs *,
                                  uint32_t ipv4_be);
/* Picks the address to send from to 'dst' of the same family: one in the
 * same subnet if there is one, else (IPv6) a link-local one, else the
 * first.  Returns false if the host has none of that family. */
bool host_addrs_pick_source(const struct host_addrs *,
                            const struct in6_addr *dst,
                            struct in6_addr *src);

/* The solicited-node group of 'ip': ff02::1:ff00:0/104 and the low 24
 * bits of 'ip'. */
void host_addrs_solicited_node(const struct in6_addr *ip,
                               struct in6_addr *group);

#endif /* ipoib-host-addrs.h */
