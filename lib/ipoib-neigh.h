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

#ifndef IPOIB_NEIGH_H
#define IPOIB_NEIGH_H 1

/* The neighbor table of one IPoIB port: remote IPoIB endpoints (a QPN on a
 * port GID) that the bridge sees as Ethernet stations, each under a MAC
 * derived by ipoib_mac_derive() (ipoib-mac.h).
 *
 * Indexes, all O(1):
 *   - by endpoint (QPN + GID, flags byte ignored), the key;
 *   - by derived MAC, for transmit;
 *   - by (LID, QPN), for unicast receive without a GRH, which only gives the
 *     source LID and QPN.  A neighbor is in this index once its LID is
 *     known (from a received packet).  One (LID, QPN) names one neighbor:
 *     learning it for a neighbor takes it away from any other.
 *
 * MAC collisions: if the MAC derived with salt 0 is already used by another
 * neighbor, or is "reserved" (the MAC of a local VIF, asked through the
 * callback given at creation), the table tries salts 1, 2, ... up to
 * IPOIB_NEIGH_MAX_SALT, counting each retry in 'n_collisions'.  The salt
 * chosen is kept in the entry.
 *
 * Generation: 'generation' changes whenever a lookup could give another
 * answer (a neighbor created or removed, a LID given or taken), so that a
 * caller may keep a lookup's result while the generation is the one it saw
 * (ipoib-xlate's last-hit caches do).  It never repeats and is never 0.
 *
 * Memory is allocated when a neighbor is learned, never on lookups.  The
 * table holds at most 'max_neighs' entries; learning more is refused and
 * counted.  Not thread-safe: the caller serializes access. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "lib/ipoib-index.h"
#include "lib/ipoib-mac.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "util.h"

/* IPv4 and IPv6 addresses remembered per neighbor (for listings only). */
#define IPOIB_NEIGH_MAX_IPV4 4
#define IPOIB_NEIGH_MAX_IPV6 4

/* Highest salt tried before giving up on a MAC. */
#define IPOIB_NEIGH_MAX_SALT 15

/* LID of a neighbor whose LID is not known yet (LID 0 is reserved). */
#define IPOIB_LID_UNKNOWN 0

/* Neighbors are allocated cache-line aligned, and what a translation reads
 * and writes per packet comes first and fills the first cache line exactly,
 * so that a translation that looks a neighbor up in a large table waits for
 * one line of it (tests/perf/RESULTS.md, "Session 4: lookups"). */
struct ipoib_neigh {
    /* Per packet ('endpoint_node': receives with a GRH find the sender by
     * its endpoint). */
    struct hmap_node endpoint_node; /* In 'by_endpoint'. */
    uint64_t mac_key;           /* ipoib_mac_to_u64(mac). */
    long long last_used_ms;     /* Last packet to or from it. */
    uint32_t qpn;               /* The QPN in 'hwaddr'. */
    uint16_t lid;               /* Port LID or IPOIB_LID_UNKNOWN. */
    struct eth_addr mac;        /* Derived MAC. */
    struct ipoib_hwaddr hwaddr; /* Flags byte as last seen. */

    /* For listings only. */
    uint32_t salt;              /* Salt that gave 'mac'. */
    long long created_ms;
    size_t n_ipv4;
    ovs_be32 ipv4[IPOIB_NEIGH_MAX_IPV4]; /* Most recently seen first. */
    size_t n_ipv6;
    struct in6_addr ipv6[IPOIB_NEIGH_MAX_IPV6]; /* Likewise. */
};

/* The key of 'by_lid_qpn'. */
static inline uint64_t
ipoib_neigh_lid_qpn_key(uint16_t lid, uint32_t qpn)
{
    return ((uint64_t) lid << 32) | qpn;
}

/* Returns true if 'mac' must not be given to a neighbor. */
typedef bool ipoib_neigh_reserved_cb(const struct eth_addr *mac, void *aux);

struct ipoib_neigh_table {
    struct hmap by_endpoint;    /* Every neighbor, by QPN + GID. */
    struct ipoib_index by_mac;  /* 'mac_key' -> neighbor. */
    struct ipoib_index by_lid_qpn;  /* ipoib_neigh_lid_qpn_key() ->
                                     * neighbor, once its LID is known. */
    size_t max_neighs;
    ipoib_neigh_reserved_cb *reserved;
    void *reserved_aux;

    /* Counters. */
    uint64_t n_learned;         /* Entries created. */
    uint64_t n_expired;         /* Entries aged out. */
    uint64_t n_refused;         /* Not learned: table full. */
    uint64_t n_collisions;      /* Derived MACs found taken. */
    uint64_t n_unresolvable;    /* Not learned: every salt collided. */

    uint64_t generation;        /* See above. */
};

/* 'reserved' may be NULL.  ipoib_vif_table_has_mac() (ipoib-vif.h), with the
 * VIF table as 'aux', is the usual choice. */
void ipoib_neigh_table_init(struct ipoib_neigh_table *, size_t max_neighs,
                            ipoib_neigh_reserved_cb *reserved, void *aux);
void ipoib_neigh_table_destroy(struct ipoib_neigh_table *);
size_t ipoib_neigh_table_count(const struct ipoib_neigh_table *);

/* Finds the neighbor for the endpoint of 'hwaddr' or creates it, then
 * records 'lid' (unless IPOIB_LID_UNKNOWN) and 'now_ms' as its last use.
 * A new neighbor takes the flags byte of 'hwaddr'; an existing one keeps
 * its own, because callers that learn from a GRH do not know the flags (use
 * ipoib_neigh_set_flags() when the packet carries a hardware address).
 * Returns NULL if it had to be created and could not (table full, or no
 * free MAC), or if 'hwaddr' cannot be a unicast endpoint (multicast or zero
 * GID, QPN 0, 1 or 0xffffff). */
struct ipoib_neigh *ipoib_neigh_learn(struct ipoib_neigh_table *,
                                      const struct ipoib_hwaddr *hwaddr,
                                      uint16_t lid, long long now_ms);

/* Records that 'neigh' uses 'ipv4' (network byte order).  Ignores 0. */
void ipoib_neigh_add_ipv4(struct ipoib_neigh *, ovs_be32 ipv4);
/* Appends " IP=a,b IP6=c,d" (or "-" for none) to 'out', for listings. */
struct ds;
void ipoib_neigh_format_addrs(const struct ipoib_neigh *, struct ds *out);

/* Records that 'neigh' uses 'ipv6'.  Ignores the unspecified address and
 * multicast. */
void ipoib_neigh_add_ipv6(struct ipoib_neigh *, const struct in6_addr *);

static inline void
ipoib_neigh_set_flags(struct ipoib_neigh *neigh, uint8_t flags)
{
    neigh->hwaddr.b[0] = flags;
}

static inline void
ipoib_neigh_touch(struct ipoib_neigh *neigh, long long now_ms)
{
    neigh->last_used_ms = now_ms;
}

struct ipoib_neigh *ipoib_neigh_find_by_mac(const struct ipoib_neigh_table *,
                                            struct eth_addr mac);
/* Compares QPN and GID only. */
struct ipoib_neigh *ipoib_neigh_find_by_endpoint(
    const struct ipoib_neigh_table *, const struct ipoib_hwaddr *);

/* Like ipoib_neigh_find_by_mac(), with 'mac_key' = ipoib_mac_to_u64(mac).
 * Inline, as ipoib_neigh_find_by_lid_qpn(): translations call them per
 * packet. */
static inline struct ipoib_neigh *
ipoib_neigh_find_by_mac_key(const struct ipoib_neigh_table *table,
                            uint64_t mac_key)
{
    return ipoib_index_find(&table->by_mac, mac_key);
}

static inline struct ipoib_neigh *
ipoib_neigh_find_by_lid_qpn(const struct ipoib_neigh_table *table,
                            uint16_t lid, uint32_t qpn)
{
    return (lid == IPOIB_LID_UNKNOWN ? NULL
            : ipoib_index_find(&table->by_lid_qpn,
                               ipoib_neigh_lid_qpn_key(lid, qpn)));
}

void ipoib_neigh_remove(struct ipoib_neigh_table *, struct ipoib_neigh *);

/* Removes the neighbor that has 'mac', if any; returns true if there was
 * one.  For when a local VIF appears with a MAC a neighbor was given: the
 * neighbor is learned again, under another salt, from its next packet. */
bool ipoib_neigh_evict_mac(struct ipoib_neigh_table *, struct eth_addr mac);

/* Removes neighbors unused for 'idle_ms' or more (last_used_ms <= now_ms -
 * idle_ms).  Returns the number removed. */
size_t ipoib_neigh_expire(struct ipoib_neigh_table *, long long now_ms,
                          long long idle_ms);

/* Iterates over every neighbor, in no particular order. */
#define IPOIB_NEIGH_FOR_EACH(NEIGH, TABLE) \
    HMAP_FOR_EACH (NEIGH, endpoint_node, &(TABLE)->by_endpoint)

#endif /* ipoib-neigh.h */
