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

#include "netdev-ipoib/ipoib-path-cache.h"

#include <string.h>

#include "dp-packet.h"
#include "hash.h"
#include "util.h"

static uint32_t
hash_path(const struct ib_gid *gid, uint16_t pkey)
{
    uint64_t prefix, guid;

    /* As words rather than hash_bytes()' loop over 16 bytes: this runs
     * for every unicast frame sent. */
    memcpy(&prefix, gid->b, sizeof prefix);
    memcpy(&guid, gid->b + sizeof prefix, sizeof guid);
    return hash_uint64_basis(guid ^ ib_pkey_partition(pkey),
                             hash_uint64(prefix));
}

void
ipoib_path_cache_init(struct ipoib_path_cache *cache, size_t max_entries)
{
    hmap_init(&cache->by_gid);
    hmap_init(&cache->by_lid);
    cache->max_entries = max_entries;
}

static void
path_entry_free_pending(struct ipoib_path_entry *e)
{
    for (int i = 0; i < e->n_pending; i++) {
        dp_packet_delete(e->pending[i].packet);
    }
    e->n_pending = 0;
}

static void
path_entry_remove(struct ipoib_path_cache *cache, struct ipoib_path_entry *e)
{
    hmap_remove(&cache->by_gid, &e->gid_node);
    if (e->state == IPOIB_PATH_VALID) {
        hmap_remove(&cache->by_lid, &e->lid_node);
    }
    path_entry_free_pending(e);
    free(e);
}

void
ipoib_path_cache_flush(struct ipoib_path_cache *cache)
{
    struct ipoib_path_entry *e;

    HMAP_FOR_EACH_SAFE (e, gid_node, &cache->by_gid) {
        path_entry_remove(cache, e);
    }
}

void
ipoib_path_cache_destroy(struct ipoib_path_cache *cache)
{
    ipoib_path_cache_flush(cache);
    hmap_destroy(&cache->by_gid);
    hmap_destroy(&cache->by_lid);
}

struct ipoib_path_entry *
ipoib_path_cache_find(const struct ipoib_path_cache *cache,
                      const struct ib_gid *dgid, uint16_t pkey)
{
    struct ipoib_path_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, gid_node, hash_path(dgid, pkey),
                             &cache->by_gid) {
        if (ib_gid_equals(&e->dgid, dgid)
            && ib_pkey_same_partition(e->pkey, pkey)) {
            return e;
        }
    }
    return NULL;
}

struct ipoib_path_entry *
ipoib_path_cache_get(struct ipoib_path_cache *cache,
                     const struct ib_gid *dgid, uint16_t pkey,
                     long long int now, bool *created)
{
    struct ipoib_path_entry *e = ipoib_path_cache_find(cache, dgid, pkey);

    *created = false;
    if (e) {
        return e;
    }
    if (hmap_count(&cache->by_gid) >= cache->max_entries) {
        return NULL;
    }
    e = xzalloc(sizeof *e);
    e->dgid = *dgid;
    e->pkey = pkey;
    e->state = IPOIB_PATH_QUERYING;
    e->queried = now;
    e->used = now;
    hmap_insert(&cache->by_gid, &e->gid_node, hash_path(dgid, pkey));
    *created = true;
    return e;
}

bool
ipoib_path_cache_gid_by_lid(const struct ipoib_path_cache *cache,
                            uint16_t lid, struct ib_gid *gid)
{
    struct ipoib_path_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, lid_node, hash_int(lid, 0), &cache->by_lid) {
        if (e->path.dlid == lid) {
            *gid = e->dgid;
            return true;
        }
    }
    return false;
}

bool
ipoib_path_entry_queue(struct ipoib_path_entry *e, struct dp_packet *packet,
                       uint32_t src_qpn, uint32_t dqpn)
{
    if (e->n_pending >= IPOIB_PATH_MAX_PENDING) {
        return false;
    }
    struct ipoib_pending_tx *p = &e->pending[e->n_pending++];
    p->packet = packet;
    p->src_qpn = src_qpn;
    p->dqpn = dqpn;
    return true;
}

int
ipoib_path_cache_resolve(struct ipoib_path_cache *cache,
                         struct ipoib_path_entry *e, int status,
                         const struct ipoib_path *path,
                         struct ipoib_pending_tx *flushed)
{
    int n = e->n_pending;

    if (e->state == IPOIB_PATH_VALID) {
        hmap_remove(&cache->by_lid, &e->lid_node);
    }
    if (!status) {
        e->state = IPOIB_PATH_VALID;
        e->path = *path;
        e->path.dgid = e->dgid;
        hmap_insert(&cache->by_lid, &e->lid_node, hash_int(path->dlid, 0));
    } else {
        e->state = IPOIB_PATH_FAILED;
    }
    memcpy(flushed, e->pending, n * sizeof *flushed);
    e->n_pending = 0;
    return n;
}

void
ipoib_path_cache_expire(struct ipoib_path_cache *cache, long long int now,
                        long long int idle_ms, long long int retry_ms)
{
    struct ipoib_path_entry *e;

    HMAP_FOR_EACH_SAFE (e, gid_node, &cache->by_gid) {
        bool idle = now - e->used > idle_ms;
        bool retry = (e->state != IPOIB_PATH_VALID
                      && now - e->queried > retry_ms);
        if (idle || retry) {
            path_entry_remove(cache, e);
        }
    }
}

size_t
ipoib_path_cache_count(const struct ipoib_path_cache *cache)
{
    return hmap_count(&cache->by_gid);
}
