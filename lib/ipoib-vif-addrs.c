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

#include "lib/ipoib-vif-addrs.h"

#include <limits.h>
#include <string.h>

#include "hash.h"
#include "lib/ipoib-vif.h"
#include "packets.h"
#include "util.h"

const int ipoib_announce_offsets_ms[IPOIB_ANNOUNCE_ROUNDS] = { 0, 100, 500 };

/* Frame layout (offsets in bytes). */
#define FRAME_ETH_LEN 14
#define FRAME_VLAN_LEN 4
#define FRAME_ARP_LEN 28            /* Ethernet/IPv4 ARP body. */
#define FRAME_ARP_SPA_OFS 14
#define FRAME_IPV6_LEN 40
#define FRAME_IPV6_NEXT_OFS 6
#define FRAME_IPV6_HLIM_OFS 7
#define FRAME_IPV6_SRC_OFS 8
#define FRAME_ND_TARGET_OFS 8       /* From the ICMPv6 type. */
#define FRAME_ND_MIN_LEN 24         /* NS/NA: header, flags, target. */
#define FRAME_RS_MIN_LEN 8
#define ND_HOP_LIMIT 255
#define ICMPV6_RS 133
#define ICMPV6_NS 135
#define ICMPV6_NA 136

static uint32_t
entry_hash(struct eth_addr mac, uint16_t vlan)
{
    return hash_bytes(&mac, sizeof mac, vlan);
}

void
ipoib_vif_addrs_init(struct ipoib_vif_addrs_table *t, size_t max)
{
    hmap_init(&t->entries);
    t->max_entries = max;
    t->n_pending = 0;
    t->n_refused = 0;
}

void
ipoib_vif_addrs_destroy(struct ipoib_vif_addrs_table *t)
{
    struct ipoib_vif_addrs *e;

    HMAP_FOR_EACH_POP (e, node, &t->entries) {
        free(e);
    }
    hmap_destroy(&t->entries);
}

size_t
ipoib_vif_addrs_count(const struct ipoib_vif_addrs_table *t)
{
    return hmap_count(&t->entries);
}

struct ipoib_vif_addrs *
ipoib_vif_addrs_find(const struct ipoib_vif_addrs_table *t,
                     struct eth_addr mac, uint16_t vlan)
{
    struct ipoib_vif_addrs *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, entry_hash(mac, vlan), &t->entries) {
        if (eth_addr_equals(e->mac, mac) && e->vlan == vlan) {
            return e;
        }
    }
    return NULL;
}

struct ipoib_vif_addrs *
ipoib_vif_addrs_get(struct ipoib_vif_addrs_table *t, struct eth_addr mac,
                    uint16_t vlan)
{
    struct ipoib_vif_addrs *e = ipoib_vif_addrs_find(t, mac, vlan);

    if (e) {
        return e;
    }
    if (hmap_count(&t->entries) >= t->max_entries) {
        t->n_refused++;
        return NULL;
    }
    e = xzalloc(sizeof *e);
    e->mac = mac;
    e->vlan = vlan;
    e->round = IPOIB_ANNOUNCE_ROUNDS;
    hmap_insert(&t->entries, &e->node, entry_hash(mac, vlan));
    return e;
}

static bool
is_pending(const struct ipoib_vif_addrs *e)
{
    return e->round < IPOIB_ANNOUNCE_ROUNDS;
}

void
ipoib_vif_addrs_remove(struct ipoib_vif_addrs_table *t,
                       struct ipoib_vif_addrs *e)
{
    if (is_pending(e)) {
        t->n_pending--;
    }
    hmap_remove(&t->entries, &e->node);
    free(e);
}

static bool
addr_is_announceable(const struct in6_addr *a)
{
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        ovs_be32 ip4 = in6_addr_get_mapped_ipv4(a);
        return ip4 && ip4 != htonl(0xffffffff) && !ip_is_multicast(ip4);
    }
    return ipv6_addr_is_set(a) && !ipv6_addr_is_multicast(a);
}

static int
find_addr(const struct ipoib_vif_addrs *e, const struct in6_addr *a)
{
    for (size_t i = 0; i < e->n_addrs; i++) {
        if (ipv6_addr_equals(&e->addrs[i], a)) {
            return i;
        }
    }
    return -1;
}

/* Removes address 'i', keeping the order of the others. */
static void
drop_addr(struct ipoib_vif_addrs *e, size_t i)
{
    size_t tail = e->n_addrs - i - 1;

    memmove(&e->addrs[i], &e->addrs[i + 1], tail * sizeof e->addrs[0]);
    memmove(&e->configured[i], &e->configured[i + 1],
            tail * sizeof e->configured[0]);
    e->n_addrs--;
}

/* Puts 'a' first.  If the entry is full, the oldest snooped address makes
 * room; with only configured addresses, 'a' is not kept. */
static bool
push_addr(struct ipoib_vif_addrs *e, const struct in6_addr *a,
          bool configured)
{
    if (e->n_addrs == IPOIB_VIF_MAX_ADDRS) {
        int victim = -1;
        for (int i = e->n_addrs - 1; i >= 0; i--) {
            if (!e->configured[i]) {
                victim = i;
                break;
            }
        }
        if (victim < 0) {
            return false;
        }
        drop_addr(e, victim);
    }
    memmove(&e->addrs[1], &e->addrs[0], e->n_addrs * sizeof e->addrs[0]);
    memmove(&e->configured[1], &e->configured[0],
            e->n_addrs * sizeof e->configured[0]);
    e->addrs[0] = *a;
    e->configured[0] = configured;
    e->n_addrs++;
    return true;
}

bool
ipoib_vif_addrs_add(struct ipoib_vif_addrs *e, const struct in6_addr *a)
{
    if (!addr_is_announceable(a) || find_addr(e, a) >= 0) {
        return false;
    }
    return push_addr(e, a, false);
}

bool
ipoib_vif_addrs_set_configured(struct ipoib_vif_addrs *e,
                               const struct in6_addr *addrs, size_t n)
{
    bool changed = false;

    /* Configured addresses that the database no longer lists. */
    for (size_t i = 0; i < e->n_addrs;) {
        bool listed = false;
        for (size_t j = 0; j < n; j++) {
            listed = listed || ipv6_addr_equals(&addrs[j], &e->addrs[i]);
        }
        if (e->configured[i] && !listed) {
            drop_addr(e, i);
            changed = true;
        } else {
            i++;
        }
    }
    for (size_t j = 0; j < n; j++) {
        if (!addr_is_announceable(&addrs[j])) {
            continue;
        }
        int i = find_addr(e, &addrs[j]);
        if (i >= 0) {
            /* Known from snooping: now the database vouches for it. */
            e->configured[i] = true;
        } else if (push_addr(e, &addrs[j], true)) {
            changed = true;
        }
    }
    return changed;
}

void
ipoib_vif_addrs_schedule(struct ipoib_vif_addrs_table *t,
                         struct ipoib_vif_addrs *e, uint32_t qpn,
                         long long int now_ms)
{
    if (!e->n_addrs || !qpn) {
        return;
    }
    if (is_pending(e) && e->announced_qpn == qpn) {
        /* The rounds still to come send every address, new ones too: a
         * VM that sends RARPs or new addresses in a loop gets no more than
         * one announcement per VIF at a time onto the fabric. */
        return;
    }
    if (!is_pending(e)) {
        t->n_pending++;
    }
    e->announced_qpn = qpn;
    e->round = 0;
    e->start_ms = now_ms;
}

static long long int
entry_due(const struct ipoib_vif_addrs *e)
{
    return e->start_ms + ipoib_announce_offsets_ms[e->round];
}

bool
ipoib_vif_addrs_take_due(struct ipoib_vif_addrs_table *t,
                         struct ipoib_vif_addrs *e, long long int now_ms)
{
    if (!is_pending(e) || now_ms < entry_due(e)) {
        return false;
    }
    e->round++;
    if (!is_pending(e)) {
        t->n_pending--;
    }
    return true;
}

long long int
ipoib_vif_addrs_next_due(const struct ipoib_vif_addrs_table *t)
{
    const struct ipoib_vif_addrs *e;
    long long int next = LLONG_MAX;

    if (!t->n_pending) {
        return next;
    }
    IPOIB_VIF_ADDRS_FOR_EACH (e, t) {
        if (is_pending(e)) {
            next = MIN(next, entry_due(e));
        }
    }
    return next;
}

/* Frame parsing. */

static uint16_t
frame_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
parse_arp(const uint8_t *arp, size_t len, struct ipoib_vif_frame *f)
{
    uint16_t op;

    if (len < FRAME_ARP_LEN || frame_be16(arp) != 1
        || frame_be16(arp + 2) != ETH_TYPE_IP || arp[4] != ETH_ADDR_LEN
        || arp[5] != 4) {
        return;
    }
    op = frame_be16(arp + 6);
    if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
        return;
    }
    ovs_be32 spa;
    memcpy(&spa, arp + FRAME_ARP_SPA_OFS, sizeof spa);
    if (spa) {
        in6_addr_set_mapped_ipv4(&f->addr, spa);
        f->has_addr = true;
    }
}

static void
parse_nd(const uint8_t *ip6, size_t len, struct ipoib_vif_frame *f)
{
    const uint8_t *icmp = ip6 + FRAME_IPV6_LEN;
    size_t icmp_len;
    struct in6_addr src;

    if (len < FRAME_IPV6_LEN || (ip6[0] >> 4) != 6
        || ip6[FRAME_IPV6_NEXT_OFS] != IPPROTO_ICMPV6
        || ip6[FRAME_IPV6_HLIM_OFS] != ND_HOP_LIMIT) {
        return;
    }
    icmp_len = len - FRAME_IPV6_LEN;
    memcpy(&src, ip6 + FRAME_IPV6_SRC_OFS, sizeof src);
    if (icmp_len < FRAME_RS_MIN_LEN) {
        return;
    }
    switch (icmp[0]) {
    case ICMPV6_NA:
        /* The target is the address advertised, the sender's own. */
        if (icmp_len >= FRAME_ND_MIN_LEN) {
            memcpy(&f->addr, icmp + FRAME_ND_TARGET_OFS, sizeof f->addr);
            f->has_addr = true;
        }
        break;
    case ICMPV6_NS:
    case ICMPV6_RS:
        /* Unspecified during Duplicate Address Detection: not yet owned. */
        if (ipv6_addr_is_set(&src)) {
            f->addr = src;
            f->has_addr = true;
        }
        break;
    default:
        break;
    }
}

bool
ipoib_vif_frame_parse(const void *data, size_t len,
                      struct ipoib_vif_frame *f)
{
    const uint8_t *p = data;
    uint16_t type;

    memset(f, 0, sizeof *f);
    f->vlan = IPOIB_VLAN_NONE;
    if (len < FRAME_ETH_LEN) {
        return false;
    }
    memcpy(&f->src, p + ETH_ADDR_LEN, sizeof f->src);
    type = frame_be16(p + 2 * ETH_ADDR_LEN);
    p += FRAME_ETH_LEN;
    len -= FRAME_ETH_LEN;
    if (type == ETH_TYPE_VLAN_8021Q) {
        if (len < FRAME_VLAN_LEN) {
            return true;
        }
        f->vlan = frame_be16(p) & VLAN_VID_MASK;
        type = frame_be16(p + 2);
        p += FRAME_VLAN_LEN;
        len -= FRAME_VLAN_LEN;
    }

    switch (type) {
    case ETH_TYPE_ARP:
        parse_arp(p, len, f);
        break;
    case ETH_TYPE_RARP:
        f->self_announce = true;
        break;
    case ETH_TYPE_IPV6:
        parse_nd(p, len, f);
        break;
    default:
        break;
    }
    return true;
}
