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
#include "transport/verbs-ah-cache.h"
#include <string.h>
#include "hash.h"
#include "util.h"

void
verbs_ah_key_init(struct verbs_ah_key *key, uint16_t dlid, uint8_t sl,
                  bool global, const struct ib_gid *dgid)
{
    /* Zeroed as a whole: keys are hashed and compared as bytes. */
    memset(key, 0, sizeof *key);
    key->dlid = dlid;
    key->sl = sl & 0xf;
    key->global = global;
    if (global && dgid) {
        key->dgid = *dgid;
    }
}

static uint32_t
key_hash(const struct verbs_ah_key *key)
{
    return hash_bytes(key, sizeof *key, 0);
}

void
verbs_ah_cache_init(struct verbs_ah_cache *cache, size_t max,
                    verbs_ah_create_func *create,
                    verbs_ah_release_func *release, void *aux)
{
    memset(cache, 0, sizeof *cache);
    hmap_init(&cache->map);
    ovs_list_init(&cache->lru);
    ovs_list_init(&cache->free);
    cache->max = MAX(max, 1);
    cache->entries = xcalloc(cache->max, sizeof *cache->entries);
    for (size_t i = 0; i < cache->max; i++) {
        ovs_list_push_back(&cache->free, &cache->entries[i].lru_node);
    }
    cache->create = create;
    cache->release = release;
    cache->aux = aux;
}

void
verbs_ah_cache_destroy(struct verbs_ah_cache *cache)
{
    if (cache->entries) {
        verbs_ah_cache_flush(cache);
        hmap_destroy(&cache->map);
        free(cache->entries);
        cache->entries = NULL;
    }
}

static void
evict(struct verbs_ah_cache *cache, struct verbs_ah_entry *e)
{
    hmap_remove(&cache->map, &e->node);
    ovs_list_remove(&e->lru_node);
    cache->release(e->ah, cache->aux);
    e->ah = NULL;
    ovs_list_push_back(&cache->free, &e->lru_node);
}

void *
verbs_ah_cache_get(struct verbs_ah_cache *cache,
                   const struct verbs_ah_key *key)
{
    uint32_t hash = key_hash(key);
    struct verbs_ah_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash, &cache->map) {
        if (!memcmp(&e->key, key, sizeof *key)) {
            ovs_list_remove(&e->lru_node);
            ovs_list_push_front(&cache->lru, &e->lru_node);
            cache->n_hits++;
            return e->ah;
        }
    }

    cache->n_misses++;
    void *ah = cache->create(key, cache->aux);
    if (!ah) {
        cache->n_failures++;
        return NULL;
    }
    if (ovs_list_is_empty(&cache->free)) {
        e = CONTAINER_OF(ovs_list_back(&cache->lru), struct verbs_ah_entry,
                         lru_node);
        evict(cache, e);
        cache->n_evictions++;
    }
    e = CONTAINER_OF(ovs_list_pop_front(&cache->free), struct verbs_ah_entry,
                     lru_node);
    e->key = *key;
    e->ah = ah;
    hmap_insert(&cache->map, &e->node, hash);
    ovs_list_push_front(&cache->lru, &e->lru_node);
    return ah;
}

void
verbs_ah_cache_flush(struct verbs_ah_cache *cache)
{
    while (!ovs_list_is_empty(&cache->lru)) {
        evict(cache, CONTAINER_OF(ovs_list_front(&cache->lru),
                                  struct verbs_ah_entry, lru_node));
    }
}

size_t
verbs_ah_cache_count(const struct verbs_ah_cache *cache)
{
    return hmap_count(&cache->map);
}
