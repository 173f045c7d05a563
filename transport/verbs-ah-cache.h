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

#ifndef VERBS_AH_CACHE_H
#define VERBS_AH_CACHE_H 1

/* A cache of address handles, one per remote (DLID, SL, DGID if global),
 * for the "verbs" transport.
 *
 * Creating an address handle is a verbs call (and, on some providers, a
 * system call), far too slow for every packet, and an HCA holds a limited
 * number of them.  The cache keeps at most 'max' handles, evicting the least
 * recently used one when a new remote needs a slot.  All entries are
 * allocated up front, so a lookup never allocates.
 *
 * The cache knows nothing of verbs: handles are opaque pointers made and
 * released by the caller's functions, which lets tests drive it without an
 * HCA.  An evicted handle goes to 'release', which may defer its
 * destruction until sends that use it have completed.
 *
 * Not thread-safe: the caller serializes (the transport's send lock). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct verbs_ah_key {
    uint16_t dlid;
    uint8_t sl;
    bool global;
    struct ib_gid dgid;             /* Zero unless 'global'. */
};

/* Returns a new handle for 'key', or NULL on failure. */
typedef void *verbs_ah_create_func(const struct verbs_ah_key *key,
                                   void *aux);
/* Gives back a handle the cache no longer holds. */
typedef void verbs_ah_release_func(void *ah, void *aux);

struct verbs_ah_entry {
    struct hmap_node node;          /* In 'map', when in use. */
    struct ovs_list lru_node;       /* In 'lru' or 'free'. */
    struct verbs_ah_key key;
    void *ah;
};

struct verbs_ah_cache {
    struct hmap map;
    struct ovs_list lru;            /* Most recently used first. */
    struct ovs_list free;
    struct verbs_ah_entry *entries; /* 'max' of them. */
    size_t max;
    verbs_ah_create_func *create;
    verbs_ah_release_func *release;
    void *aux;

    uint64_t n_hits, n_misses, n_evictions, n_failures;
};

void verbs_ah_cache_init(struct verbs_ah_cache *, size_t max,
                         verbs_ah_create_func *, verbs_ah_release_func *,
                         void *aux);
void verbs_ah_cache_destroy(struct verbs_ah_cache *);

void verbs_ah_key_init(struct verbs_ah_key *, uint16_t dlid, uint8_t sl,
                       bool global, const struct ib_gid *dgid);

/* Returns the handle for 'key', creating it on a miss, or NULL if it
 * cannot be created. */
void *verbs_ah_cache_get(struct verbs_ah_cache *,
                         const struct verbs_ah_key *key);

/* Releases every handle (e.g. when the port's LID or SM changed). */
void verbs_ah_cache_flush(struct verbs_ah_cache *);

size_t verbs_ah_cache_count(const struct verbs_ah_cache *);

#endif /* verbs-ah-cache.h */
