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
#include "lib/ipoib-vif.h"

#include <errno.h>
#include "lib/ipoib-addr.h"
#include "packets.h"
#include "util.h"

#define VLAN_ID_MAX 4095

/* As integers: hash_bytes() on 6 bytes of MAC was a third of the
 * translator's time (tests/perf/bench-codec). */
static uint32_t
hash_vif_key(uint64_t key)
{
    return ipoib_vif_key_hash(key);
}

/* The fields a translation uses per packet must share the first cache
 * line (see struct ipoib_vif). */
BUILD_ASSERT_DECL(offsetof(struct ipoib_vif, pkey) + sizeof(uint16_t)
                  <= CACHE_LINE_SIZE);

static void
table_changed(struct ipoib_vif_table *table)
{
    table->generation++;
}

const char *
ipoib_vif_origin_name(enum ipoib_vif_origin origin)
{
    switch (origin) {
    case IPOIB_VIF_OVSDB:
        return "ovsdb";
    case IPOIB_VIF_LEARNED:
        return "learned";
    case IPOIB_VIF_HOST:
        return "host";
    }
    return "unknown";
}

void
ipoib_vif_table_init(struct ipoib_vif_table *table, size_t max_vifs)
{
    hmap_init(&table->by_mac);
    ipoib_index_init(&table->by_key);
    ipoib_index_init(&table->by_qpn);
    table->max_vifs = max_vifs;
    table->n_refused = 0;
    table->generation = 1;
}

static void
free_vif(struct ipoib_vif_table *table, struct ipoib_vif *vif)
{
    hmap_remove(&table->by_mac, &vif->mac_node);
    ipoib_index_remove(&table->by_key, vif->key);
    if (vif->qpn) {
        ipoib_index_remove(&table->by_qpn, vif->qpn);
    }
    free(vif->iface);
    free_cacheline(vif);
    table_changed(table);
}

void
ipoib_vif_table_destroy(struct ipoib_vif_table *table,
                        ipoib_vif_free_cb *cb, void *aux)
{
    struct ipoib_vif *vif;

    IPOIB_VIF_FOR_EACH_SAFE (vif, table) {
        if (cb) {
            cb(vif, aux);
        }
        free_vif(table, vif);
    }
    hmap_destroy(&table->by_mac);
    ipoib_index_destroy(&table->by_key);
    ipoib_index_destroy(&table->by_qpn);
}

size_t
ipoib_vif_table_count(const struct ipoib_vif_table *table)
{
    return hmap_count(&table->by_mac);
}

struct ipoib_vif *
ipoib_vif_find(const struct ipoib_vif_table *table, struct eth_addr mac,
               uint16_t vlan)
{
    return ipoib_vif_find_by_key(table, ipoib_vif_key(mac, vlan));
}

bool
ipoib_vif_table_has_mac(const struct eth_addr *mac, void *table_)
{
    const struct ipoib_vif_table *table = table_;
    uint32_t hash = hash_vif_key(ipoib_mac_to_u64(*mac));
    const struct ipoib_vif *vif;

    HMAP_FOR_EACH_WITH_HASH (vif, mac_node, hash, &table->by_mac) {
        if (eth_addr_equals(vif->mac, *mac)) {
            return true;
        }
    }
    return false;
}

int
ipoib_vif_insert(struct ipoib_vif_table *table, struct eth_addr mac,
                 uint16_t vlan, enum ipoib_vif_origin origin,
                 const char *iface, long long now_ms,
                 struct ipoib_vif **vifp)
{
    *vifp = NULL;
    if (eth_addr_is_multicast(mac)
        || (vlan != IPOIB_VLAN_NONE && vlan > VLAN_ID_MAX)) {
        return EINVAL;
    }

    struct ipoib_vif *vif = ipoib_vif_find(table, mac, vlan);
    if (vif) {
        *vifp = vif;
        return EEXIST;
    }
    if (ipoib_vif_table_count(table) >= table->max_vifs) {
        table->n_refused++;
        return ENOSPC;
    }

    vif = xzalloc_cacheline(sizeof *vif);
    vif->key = ipoib_vif_key(mac, vlan);
    vif->mac = mac;
    vif->vlan = vlan;
    vif->qpn = 0;
    vif->pkey = IB_DEFAULT_PKEY;
    vif->origin = origin;
    vif->iface = xstrdup(iface ? iface : "");
    vif->created_ms = now_ms;
    vif->last_used_ms = now_ms;
    hmap_insert(&table->by_mac, &vif->mac_node, hash_vif_key(vif->key));
    ipoib_index_insert(&table->by_key, vif->key, vif);
    table_changed(table);
    *vifp = vif;
    return 0;
}

int
ipoib_vif_set_qp(struct ipoib_vif_table *table, struct ipoib_vif *vif,
                 uint32_t qpn, uint16_t pkey)
{
    if (qpn > IB_QPN_MASK || qpn == IB_MULTICAST_QPN) {
        return EINVAL;
    }
    if (qpn != vif->qpn) {
        if (qpn && ipoib_vif_find_by_qpn(table, qpn)) {
            return EADDRINUSE;
        }
        if (vif->qpn) {
            ipoib_index_remove(&table->by_qpn, vif->qpn);
        }
        vif->qpn = qpn;
        if (qpn) {
            ipoib_index_insert(&table->by_qpn, qpn, vif);
        }
    }
    vif->pkey = pkey;
    table_changed(table);
    return 0;
}

void
ipoib_vif_set_iface(struct ipoib_vif *vif, const char *iface)
{
    free(vif->iface);
    vif->iface = xstrdup(iface ? iface : "");
}

void
ipoib_vif_remove(struct ipoib_vif_table *table, struct ipoib_vif *vif)
{
    free_vif(table, vif);
}

size_t
ipoib_vif_table_expire_learned(struct ipoib_vif_table *table,
                               long long now_ms, long long idle_ms,
                               ipoib_vif_free_cb *cb, void *aux)
{
    struct ipoib_vif *vif;
    size_t n_removed = 0;

    IPOIB_VIF_FOR_EACH_SAFE (vif, table) {
        if (vif->origin == IPOIB_VIF_LEARNED
            && vif->last_used_ms <= now_ms - idle_ms) {
            if (cb) {
                cb(vif, aux);
            }
            free_vif(table, vif);
            n_removed++;
        }
    }
    return n_removed;
}
