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

#ifndef IPOIB_VIF_H
#define IPOIB_VIF_H 1

/* The VIF table of one IPoIB port: the local VMs (and the host) that sit
 * behind the port, each with its own UD QP on the fabric.
 *
 * Key: (MAC, VLAN).  Lookups by (MAC, VLAN), by MAC alone and by QPN are
 * O(1).  A VIF is inserted without a QP (qpn 0: QPN 0 is the subnet
 * management QP, never an IPoIB endpoint); the owner creates the QP and then
 * calls ipoib_vif_set_qp().  Memory is allocated on insert only.
 *
 * Generation: 'generation' changes whenever a lookup could give another
 * answer (insert, remove, expiry, QP change), so that a caller may keep the
 * result of a lookup and reuse it while the generation is the one it saw
 * (ipoib-xlate's last-hit caches do).  It never repeats and is never 0.
 *
 * Not thread-safe: the caller (the netdev) serializes access. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-index.h"
#include "lib/ipoib-mac.h"
#include "openvswitch/compiler.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "util.h"

/* VLAN id of an untagged VIF. */
#define IPOIB_VLAN_NONE 0xffff

enum ipoib_vif_origin {
    IPOIB_VIF_OVSDB,            /* Configured in the database. */
    IPOIB_VIF_LEARNED,          /* Learned from traffic; ages out. */
    IPOIB_VIF_HOST,             /* The hypervisor's own port. */
};
const char *ipoib_vif_origin_name(enum ipoib_vif_origin);

struct ipoib_vif_stats {
    uint64_t rx_packets;        /* Fabric -> VM. */
    uint64_t rx_bytes;          /* Ethernet bytes delivered to the bridge. */
    uint64_t tx_packets;        /* VM -> fabric. */
    uint64_t tx_bytes;          /* Ethernet bytes received from the bridge. */
};

/* VIFs are allocated cache-line aligned, and what a translation reads and
 * writes per packet comes first, in the first cache line, so that a
 * translation that looks a VIF up in a large table waits for one line of
 * it, not two or three (tests/perf/RESULTS.md, "Session 4: lookups"). */
struct ipoib_vif {
    /* Per packet. */
    uint64_t key;               /* ipoib_vif_key(mac, vlan). */
    struct ipoib_vif_stats stats;
    long long last_used_ms;     /* Last transmit from the VM (or insert). */
    uint32_t qpn;               /* The VIF's UD QP, 0 if none yet. */
    struct eth_addr mac;
    uint16_t vlan;              /* 0..4095 or IPOIB_VLAN_NONE. */
    uint16_t pkey;              /* P_Key the QP uses (full-member bit set). */

    /* For management and listings. */
    struct hmap_node mac_node;  /* In table's 'by_mac', hashed by MAC only. */
    enum ipoib_vif_origin origin;
    char *iface;                /* Interface name, "" if unknown. */
    long long created_ms;

    void *aux;                  /* Owner's data (its QP), never touched. */
};

struct ipoib_vif_table {
    struct hmap by_mac;         /* Of struct ipoib_vif via 'mac_node': every
                                 * VIF, for iteration and MAC queries. */
    struct ipoib_index by_key;  /* Key -> VIF. */
    struct ipoib_index by_qpn;  /* QPN -> VIF, while qpn != 0. */
    size_t max_vifs;
    uint64_t n_refused;         /* Inserts refused because the table was
                                 * full. */
    uint64_t generation;        /* See above. */
};

/* (MAC, VLAN) as one integer: the MAC (ipoib_mac_to_u64()) in bits 0..47,
 * the VLAN in bits 48..63. */
static inline uint64_t
ipoib_vif_key(struct eth_addr mac, uint16_t vlan)
{
    return ipoib_mac_to_u64(mac) | ((uint64_t) vlan << 48);
}

/* The hash of 'by_mac': by the MAC part of a key only (bits 0..47), so that
 * ipoib_vif_table_has_mac() finds a MAC on any VLAN. */
static inline uint32_t
ipoib_vif_key_hash(uint64_t key)
{
    return ipoib_key_hash(key & UINT64_C(0xffffffffffff));
}

/* Called for each VIF about to be freed (expiry, destroy), so that the owner
 * can release vif->aux.  The VIF is still in the table during the call; the
 * callback must not modify the table. */
typedef void ipoib_vif_free_cb(struct ipoib_vif *, void *aux);

void ipoib_vif_table_init(struct ipoib_vif_table *, size_t max_vifs);
/* Frees every VIF, calling 'cb' (if nonnull) for each first. */
void ipoib_vif_table_destroy(struct ipoib_vif_table *,
                             ipoib_vif_free_cb *cb, void *aux);
size_t ipoib_vif_table_count(const struct ipoib_vif_table *);

/* Inserts a new VIF without a QP.  'iface' may be NULL.  Returns 0 and sets
 * '*vifp', or returns EEXIST if (mac, vlan) is present (and sets '*vifp' to
 * the existing VIF), EINVAL for a multicast MAC or a VLAN above 4095, or
 * ENOSPC if the table is full (counted in n_refused; '*vifp' = NULL). */
int ipoib_vif_insert(struct ipoib_vif_table *, struct eth_addr mac,
                     uint16_t vlan, enum ipoib_vif_origin, const char *iface,
                     long long now_ms, struct ipoib_vif **vifp);

/* Sets the QP of 'vif' ('qpn' 0 to detach it).  Returns EADDRINUSE, changing
 * nothing, if another VIF already has 'qpn', or EINVAL if 'qpn' does not fit
 * 24 bits. */
int ipoib_vif_set_qp(struct ipoib_vif_table *, struct ipoib_vif *,
                     uint32_t qpn, uint16_t pkey);

/* Replaces the interface name ('iface' may be NULL: empty). */
void ipoib_vif_set_iface(struct ipoib_vif *, const char *iface);

/* Removes 'vif' from the table and frees it (no callback: the caller owns
 * vif->aux here). */
void ipoib_vif_remove(struct ipoib_vif_table *, struct ipoib_vif *);

struct ipoib_vif *ipoib_vif_find(const struct ipoib_vif_table *,
                                 struct eth_addr mac, uint16_t vlan);

/* Like ipoib_vif_find(), with 'key' = ipoib_vif_key(mac, vlan).  Inline,
 * as ipoib_vif_find_by_qpn(): translations call them per packet. */
static inline struct ipoib_vif *
ipoib_vif_find_by_key(const struct ipoib_vif_table *table, uint64_t key)
{
    return ipoib_index_find(&table->by_key, key);
}

static inline struct ipoib_vif *
ipoib_vif_find_by_qpn(const struct ipoib_vif_table *table, uint32_t qpn)
{
    return qpn ? ipoib_index_find(&table->by_qpn, qpn) : NULL;
}

/* True if any VIF, on any VLAN, has 'mac'.  Its signature fits
 * ipoib_neigh_reserved_cb (ipoib-neigh.h) with the table as 'aux'. */
bool ipoib_vif_table_has_mac(const struct eth_addr *mac, void *table);

/* Removes every IPOIB_VIF_LEARNED VIF idle for 'idle_ms' or more, that is,
 * with last_used_ms <= now_ms - idle_ms, calling 'cb' (if nonnull) for each
 * just before freeing it.  Returns the number removed. */
size_t ipoib_vif_table_expire_learned(struct ipoib_vif_table *,
                                      long long now_ms, long long idle_ms,
                                      ipoib_vif_free_cb *cb, void *aux);

/* Iterates over every VIF (in no particular order).  Use the _SAFE form to
 * remove VIFs while iterating. */
#define IPOIB_VIF_FOR_EACH(VIF, TABLE) \
    HMAP_FOR_EACH (VIF, mac_node, &(TABLE)->by_mac)
#define IPOIB_VIF_FOR_EACH_SAFE(VIF, TABLE) \
    HMAP_FOR_EACH_SAFE (VIF, mac_node, &(TABLE)->by_mac)

#endif /* ipoib-vif.h */
