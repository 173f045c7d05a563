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
#include "lib/ipoib-neigh.h"

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "lib/ipoib-mac.h"
#include "packets.h"
#include "util.h"

/* QPs 0 and 1 are the subnet management and general services QPs; IPoIB
 * endpoints never use them. */
#define FIRST_DATA_QPN 2

/* Offset of the QPN+GID part of a hardware address, past the flags. */
#define ENDPOINT_OFS 1
#define ENDPOINT_LEN (IPOIB_HWADDR_LEN - ENDPOINT_OFS)
/* Offset of the GID in a hardware address. */
#define GID_OFS 4

static uint32_t
hash_endpoint(const struct ipoib_hwaddr *hwaddr)
{
    return hash_bytes(&hwaddr->b[ENDPOINT_OFS], ENDPOINT_LEN, 0);
}

static bool
same_endpoint(const struct ipoib_hwaddr *a, const struct ipoib_hwaddr *b)
{
    return !memcmp(&a->b[ENDPOINT_OFS], &b->b[ENDPOINT_OFS], ENDPOINT_LEN);
}

/* The fields a translation uses per packet must fill the first cache line
 * and no more (see struct ipoib_neigh). */
BUILD_ASSERT_DECL(offsetof(struct ipoib_neigh, hwaddr)
                  + sizeof(struct ipoib_hwaddr) <= CACHE_LINE_SIZE);

static void
table_changed(struct ipoib_neigh_table *table)
{
    table->generation++;
}

static uint32_t
hwaddr_qpn(const struct ipoib_hwaddr *hwaddr)
{
    return ((uint32_t) hwaddr->b[1] << 16) | (hwaddr->b[2] << 8)
           | hwaddr->b[3];
}

/* True if 'hwaddr' can name a remote unicast endpoint. */
static bool
is_unicast_endpoint(const struct ipoib_hwaddr *hwaddr)
{
    static const uint8_t zero_gid[IB_GID_LEN];
    uint32_t qpn = hwaddr_qpn(hwaddr);

    return qpn >= FIRST_DATA_QPN
           && qpn != IB_MULTICAST_QPN
           && hwaddr->b[GID_OFS] != 0xff      /* Multicast GID. */
           && memcmp(&hwaddr->b[GID_OFS], zero_gid, IB_GID_LEN);
}

void
ipoib_neigh_table_init(struct ipoib_neigh_table *table, size_t max_neighs,
                       ipoib_neigh_reserved_cb *reserved, void *aux)
{
    hmap_init(&table->by_endpoint);
    ipoib_index_init(&table->by_mac);
    ipoib_index_init(&table->by_lid_qpn);
    table->max_neighs = max_neighs;
    table->reserved = reserved;
    table->reserved_aux = aux;
    table->n_learned = 0;
    table->n_expired = 0;
    table->n_refused = 0;
    table->n_collisions = 0;
    table->n_unresolvable = 0;
    table->generation = 1;
}

void
ipoib_neigh_table_destroy(struct ipoib_neigh_table *table)
{
    struct ipoib_neigh *neigh;

    HMAP_FOR_EACH_SAFE (neigh, endpoint_node, &table->by_endpoint) {
        ipoib_neigh_remove(table, neigh);
    }
    hmap_destroy(&table->by_endpoint);
    ipoib_index_destroy(&table->by_mac);
    ipoib_index_destroy(&table->by_lid_qpn);
}

size_t
ipoib_neigh_table_count(const struct ipoib_neigh_table *table)
{
    return hmap_count(&table->by_endpoint);
}

struct ipoib_neigh *
ipoib_neigh_find_by_mac(const struct ipoib_neigh_table *table,
                        struct eth_addr mac)
{
    return ipoib_neigh_find_by_mac_key(table, ipoib_mac_to_u64(mac));
}

struct ipoib_neigh *
ipoib_neigh_find_by_endpoint(const struct ipoib_neigh_table *table,
                             const struct ipoib_hwaddr *hwaddr)
{
    struct ipoib_neigh *neigh;

    HMAP_FOR_EACH_WITH_HASH (neigh, endpoint_node, hash_endpoint(hwaddr),
                             &table->by_endpoint) {
        if (same_endpoint(&neigh->hwaddr, hwaddr)) {
            return neigh;
        }
    }
    return NULL;
}

static void
clear_lid(struct ipoib_neigh_table *table, struct ipoib_neigh *neigh)
{
    if (neigh->lid != IPOIB_LID_UNKNOWN) {
        ipoib_index_remove(&table->by_lid_qpn,
                           ipoib_neigh_lid_qpn_key(neigh->lid, neigh->qpn));
        neigh->lid = IPOIB_LID_UNKNOWN;
        table_changed(table);
    }
}

/* Gives (lid, QPN of 'neigh') to 'neigh', taking it from any other neighbor
 * that had it: a port's LID can move to another port (re-sweep), and then
 * the newest sender is the right one. */
static void
set_lid(struct ipoib_neigh_table *table, struct ipoib_neigh *neigh,
        uint16_t lid)
{
    if (neigh->lid == lid) {
        return;
    }
    uint32_t qpn = neigh->qpn;
    struct ipoib_neigh *other = ipoib_neigh_find_by_lid_qpn(table, lid, qpn);
    if (other) {
        clear_lid(table, other);
    }
    clear_lid(table, neigh);
    neigh->lid = lid;
    ipoib_index_insert(&table->by_lid_qpn, ipoib_neigh_lid_qpn_key(lid, qpn),
                       neigh);
    table_changed(table);
}

static bool
mac_is_free(const struct ipoib_neigh_table *table, struct eth_addr mac)
{
    return (!table->reserved || !table->reserved(&mac, table->reserved_aux))
           && !ipoib_neigh_find_by_mac(table, mac);
}

/* Finds a MAC for 'hwaddr' that no other neighbor and no reserved address
 * has.  Returns false if every salt collided. */
static bool
choose_mac(struct ipoib_neigh_table *table,
           const struct ipoib_hwaddr *hwaddr,
           struct eth_addr *mac, uint32_t *salt)
{
    for (uint32_t s = 0; s <= IPOIB_NEIGH_MAX_SALT; s++) {
        struct eth_addr candidate = ipoib_mac_derive(hwaddr, s);
        if (mac_is_free(table, candidate)) {
            *mac = candidate;
            *salt = s;
            return true;
        }
        table->n_collisions++;
    }
    table->n_unresolvable++;
    return false;
}

static struct ipoib_neigh *
create_neigh(struct ipoib_neigh_table *table,
             const struct ipoib_hwaddr *hwaddr, long long now_ms)
{
    struct eth_addr mac;
    uint32_t salt;

    if (ipoib_neigh_table_count(table) >= table->max_neighs) {
        table->n_refused++;
        return NULL;
    }
    if (!choose_mac(table, hwaddr, &mac, &salt)) {
        return NULL;
    }

    struct ipoib_neigh *neigh = xzalloc_cacheline(sizeof *neigh);
    neigh->hwaddr = *hwaddr;
    neigh->qpn = hwaddr_qpn(hwaddr);
    neigh->mac = mac;
    neigh->mac_key = ipoib_mac_to_u64(mac);
    neigh->salt = salt;
    neigh->lid = IPOIB_LID_UNKNOWN;
    neigh->n_ipv4 = 0;
    neigh->created_ms = now_ms;
    neigh->last_used_ms = now_ms;
    hmap_insert(&table->by_endpoint, &neigh->endpoint_node,
                hash_endpoint(hwaddr));
    ipoib_index_insert(&table->by_mac, neigh->mac_key, neigh);
    table->n_learned++;
    table_changed(table);
    return neigh;
}

struct ipoib_neigh *
ipoib_neigh_learn(struct ipoib_neigh_table *table,
                  const struct ipoib_hwaddr *hwaddr, uint16_t lid,
                  long long now_ms)
{
    if (!is_unicast_endpoint(hwaddr)) {
        return NULL;
    }

    struct ipoib_neigh *neigh = ipoib_neigh_find_by_endpoint(table, hwaddr);
    if (!neigh) {
        neigh = create_neigh(table, hwaddr, now_ms);
        if (!neigh) {
            return NULL;
        }
    }
    if (lid != IPOIB_LID_UNKNOWN) {
        set_lid(table, neigh, lid);
    }
    neigh->last_used_ms = now_ms;
    return neigh;
}

void
ipoib_neigh_add_ipv4(struct ipoib_neigh *neigh, ovs_be32 ipv4)
{
    size_t i;

    if (!ipv4) {
        return;
    }
    /* Keep the list most-recent-first: find the address (or the last slot)
     * and shift the ones before it down by one. */
    for (i = 0; i < neigh->n_ipv4; i++) {
        if (neigh->ipv4[i] == ipv4) {
            break;
        }
    }
    if (i == neigh->n_ipv4) {
        if (neigh->n_ipv4 < IPOIB_NEIGH_MAX_IPV4) {
            neigh->n_ipv4++;
        } else {
            i = IPOIB_NEIGH_MAX_IPV4 - 1;
        }
    }
    memmove(&neigh->ipv4[1], &neigh->ipv4[0], i * sizeof neigh->ipv4[0]);
    neigh->ipv4[0] = ipv4;
}

void
ipoib_neigh_format_addrs(const struct ipoib_neigh *neigh, struct ds *out)
{
    ds_put_cstr(out, " IP=");
    if (!neigh->n_ipv4) {
        ds_put_cstr(out, "-");
    }
    for (size_t i = 0; i < neigh->n_ipv4; i++) {
        ds_put_format(out, "%s"IP_FMT, i ? "," : "", IP_ARGS(neigh->ipv4[i]));
    }
    ds_put_cstr(out, " IP6=");
    if (!neigh->n_ipv6) {
        ds_put_cstr(out, "-");
    }
    for (size_t i = 0; i < neigh->n_ipv6; i++) {
        if (i) {
            ds_put_char(out, ',');
        }
        ipv6_format_addr(&neigh->ipv6[i], out);
    }
}

void
ipoib_neigh_add_ipv6(struct ipoib_neigh *neigh, const struct in6_addr *ipv6)
{
    size_t i;

    if (!ipv6_addr_is_set(ipv6) || ipv6_addr_is_multicast(ipv6)) {
        return;
    }
    /* Most-recent-first, as for IPv4. */
    for (i = 0; i < neigh->n_ipv6; i++) {
        if (ipv6_addr_equals(&neigh->ipv6[i], ipv6)) {
            break;
        }
    }
    if (i == neigh->n_ipv6) {
        if (neigh->n_ipv6 < IPOIB_NEIGH_MAX_IPV6) {
            neigh->n_ipv6++;
        } else {
            i = IPOIB_NEIGH_MAX_IPV6 - 1;
        }
    }
    memmove(&neigh->ipv6[1], &neigh->ipv6[0], i * sizeof neigh->ipv6[0]);
    neigh->ipv6[0] = *ipv6;
}

void
ipoib_neigh_remove(struct ipoib_neigh_table *table,
                   struct ipoib_neigh *neigh)
{
    clear_lid(table, neigh);
    hmap_remove(&table->by_endpoint, &neigh->endpoint_node);
    ipoib_index_remove(&table->by_mac, neigh->mac_key);
    free_cacheline(neigh);
    table_changed(table);
}

bool
ipoib_neigh_evict_mac(struct ipoib_neigh_table *table, struct eth_addr mac)
{
    struct ipoib_neigh *neigh = ipoib_neigh_find_by_mac(table, mac);

    if (neigh) {
        ipoib_neigh_remove(table, neigh);
        return true;
    }
    return false;
}

size_t
ipoib_neigh_expire(struct ipoib_neigh_table *table, long long now_ms,
                   long long idle_ms)
{
    struct ipoib_neigh *neigh;
    size_t n_removed = 0;

    HMAP_FOR_EACH_SAFE (neigh, endpoint_node, &table->by_endpoint) {
        if (neigh->last_used_ms <= now_ms - idle_ms) {
            ipoib_neigh_remove(table, neigh);
            n_removed++;
        }
    }
    table->n_expired += n_removed;
    return n_removed;
}
