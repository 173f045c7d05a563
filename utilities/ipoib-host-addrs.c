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
#include "utilities/ipoib-host-addrs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "util.h"

static void
ip_from_ipv4(struct in6_addr *ip, uint32_t ipv4_be)
{
    memset(ip, 0, sizeof *ip);
    ip->s6_addr[10] = 0xff;
    ip->s6_addr[11] = 0xff;
    memcpy(&ip->s6_addr[12], &ipv4_be, 4);
}

static int
mask_to_plen(const uint8_t *mask, size_t len)
{
    int plen = 0;

    for (size_t i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0 && (mask[i] >> bit) & 1; bit--) {
            plen++;
        }
        if (mask[i] != 0xff) {
            break;
        }
    }
    return plen;
}

static void
add_address(struct host_addrs *a, const struct ifaddrs *ifa)
{
    struct host_addr *addr;
    int family = ifa->ifa_addr->sa_family;

    if ((family != AF_INET && family != AF_INET6) || a->n >= HOST_MAX_ADDRS) {
        return;
    }
    addr = &a->addrs[a->n++];
    if (family == AF_INET) {
        const struct sockaddr_in *sin = ALIGNED_CAST(
            const struct sockaddr_in *, ifa->ifa_addr);
        const struct sockaddr_in *mask = ALIGNED_CAST(
            const struct sockaddr_in *, ifa->ifa_netmask);

        if (IN_MULTICAST(ntohl(sin->sin_addr.s_addr))) {
            a->n--;             /* An "autojoin" group, not an address. */
            return;
        }
        ip_from_ipv4(&addr->ip, sin->sin_addr.s_addr);
        addr->plen = mask ? mask_to_plen((const uint8_t *)
                                         &mask->sin_addr, 4) : 32;
    } else {
        const struct sockaddr_in6 *sin6 = ALIGNED_CAST(
            const struct sockaddr_in6 *, ifa->ifa_addr);
        const struct sockaddr_in6 *mask = ALIGNED_CAST(
            const struct sockaddr_in6 *, ifa->ifa_netmask);

        if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr)) {
            a->n--;
            return;
        }
        addr->ip = sin6->sin6_addr;
        addr->plen = mask ? mask_to_plen(mask->sin6_addr.s6_addr, 16) : 128;
    }
}

static void
add_group(struct host_addrs *a, const struct in6_addr *group)
{
    for (size_t i = 0; i < a->n_groups; i++) {
        if (!memcmp(&a->groups[i], group, sizeof *group)) {
            return;
        }
    }
    if (a->n_groups < HOST_MAX_GROUPS) {
        a->groups[a->n_groups++] = *group;
    }
}

/* /proc/net/igmp6: "index name group(32 hex digits) users flags timer". */
static void
read_igmp6(const char *ifname, struct host_addrs *a)
{
    FILE *f = fopen("/proc/net/igmp6", "r");
    char line[256];

    if (!f) {
        return;
    }
    while (fgets(line, sizeof line, f)) {
        char name[32], hex[33];
        struct in6_addr group;
        int idx;

        if (sscanf(line, "%d %16s %32s", &idx, name, hex) != 3
            || strcmp(name, ifname) || strlen(hex) != 32) {
            continue;
        }
        for (int i = 0; i < 16; i++) {
            unsigned int byte;
            sscanf(hex + 2 * i, "%2x", &byte);
            group.s6_addr[i] = byte;
        }
        add_group(a, &group);
    }
    fclose(f);
}

/* /proc/net/igmp: a device line "index name : count querier", then one
 * line per group, "\tGROUP users timer reporter", the group in hex as the
 * kernel holds it (network byte order read as a host integer). */
static void
read_igmp(const char *ifname, struct host_addrs *a)
{
    FILE *f = fopen("/proc/net/igmp", "r");
    bool ours = false;
    char line[256];

    if (!f) {
        return;
    }
    while (fgets(line, sizeof line, f)) {
        char name[32];
        unsigned int group_host;
        int idx;

        if (line[0] != '\t') {
            ours = (sscanf(line, "%d %16s", &idx, name) == 2
                    && !strcmp(name, ifname));
        } else if (ours && sscanf(line, " %8x", &group_host) == 1) {
            struct in6_addr group;
            uint32_t group_be = group_host;

            ip_from_ipv4(&group, group_be);
            add_group(a, &group);
        }
    }
    fclose(f);
}

static int
compare_addrs(const void *a_, const void *b_)
{
    const struct host_addr *a = a_, *b = b_;
    int cmp = memcmp(&a->ip, &b->ip, sizeof a->ip);

    return cmp ? cmp : a->plen - b->plen;
}

static int
compare_groups(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct in6_addr));
}

int
host_addrs_read(const char *ifname, struct host_addrs *a)
{
    struct ifaddrs *list;

    a->n = 0;
    a->n_groups = 0;
    if (getifaddrs(&list)) {
        return errno;
    }
    for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr && !strcmp(ifa->ifa_name, ifname)) {
            add_address(a, ifa);
        }
    }
    freeifaddrs(list);
    read_igmp6(ifname, a);
    read_igmp(ifname, a);
    qsort(a->addrs, a->n, sizeof a->addrs[0], compare_addrs);
    qsort(a->groups, a->n_groups, sizeof a->groups[0], compare_groups);
    return 0;
}

bool
host_addrs_equal(const struct host_addrs *a, const struct host_addrs *b)
{
    return (a->n == b->n && a->n_groups == b->n_groups
            && !memcmp(a->addrs, b->addrs, a->n * sizeof a->addrs[0])
            && !memcmp(a->groups, b->groups,
                       a->n_groups * sizeof a->groups[0]));
}

bool
host_addrs_has(const struct host_addrs *a, const struct in6_addr *ip)
{
    for (size_t i = 0; i < a->n; i++) {
        if (!memcmp(&a->addrs[i].ip, ip, sizeof *ip)) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'a' and 'b' agree in their first 'plen' bits. */
static bool
same_prefix(const struct in6_addr *a, const struct in6_addr *b, int plen)
{
    int bytes = plen / 8, bits = plen % 8;

    if (memcmp(a->s6_addr, b->s6_addr, bytes)) {
        return false;
    }
    if (bits) {
        uint8_t mask = 0xff << (8 - bits);
        return !((a->s6_addr[bytes] ^ b->s6_addr[bytes]) & mask);
    }
    return true;
}

bool
host_addrs_is_ipv4_broadcast(const struct host_addrs *a, uint32_t ipv4_be)
{
    if (ipv4_be == htonl(INADDR_BROADCAST)) {
        return true;
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct host_addr *addr = &a->addrs[i];
        uint32_t local_be;

        if (!IN6_IS_ADDR_V4MAPPED(&addr->ip) || addr->plen >= 31) {
            continue;
        }
        memcpy(&local_be, &addr->ip.s6_addr[12], 4);
        uint32_t host_mask = UINT32_MAX >> addr->plen;
        if (ntohl(ipv4_be) == (ntohl(local_be) | host_mask)) {
            return true;
        }
    }
    return false;
}

bool
host_addrs_pick_source(const struct host_addrs *a,
                       const struct in6_addr *dst, struct in6_addr *src)
{
    bool v4 = IN6_IS_ADDR_V4MAPPED(dst);
    const struct host_addr *first = NULL, *link_local = NULL;

    for (size_t i = 0; i < a->n; i++) {
        const struct host_addr *addr = &a->addrs[i];
        int plen = v4 ? 96 + addr->plen : addr->plen;

        if (IN6_IS_ADDR_V4MAPPED(&addr->ip) != v4) {
            continue;
        }
        if (same_prefix(&addr->ip, dst, plen)) {
            *src = addr->ip;
            return true;
        }
        if (!first) {
            first = addr;
        }
        if (!link_local && IN6_IS_ADDR_LINKLOCAL(&addr->ip)) {
            link_local = addr;
        }
    }
    if (link_local || first) {
        *src = (link_local ? link_local : first)->ip;
        return true;
    }
    return false;
}

void
host_addrs_solicited_node(const struct in6_addr *ip, struct in6_addr *group)
{
    memset(group, 0, sizeof *group);
    group->s6_addr[0] = 0xff;
    group->s6_addr[1] = 0x02;
    group->s6_addr[11] = 0x01;
    group->s6_addr[12] = 0xff;
    memcpy(&group->s6_addr[13], &ip->s6_addr[13], 3);
}
