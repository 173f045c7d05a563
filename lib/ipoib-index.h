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

#ifndef IPOIB_INDEX_H
#define IPOIB_INDEX_H 1

/* A compact index from unique 64-bit keys to pointers, for the lookups that
 * a translation makes per packet (VIF by MAC + VLAN and by QPN, neighbor by
 * MAC and by LID + QPN).
 *
 * Why not an hmap: an hmap lookup loads the bucket, then each entry of the
 * bucket's chain (load factor 1 to 2) to compare its key, each load waiting
 * for the one before, and the entries are large.  Here the keys sit in the
 * slots themselves, 16 bytes each, four to a cache line: a lookup reads
 * one line of slots (open addressing, linear probing, at most half the
 * slots in use) and then only the entry it was looking for
 * (tests/perf/RESULTS.md, "Session 4: lookups").
 *
 * Keys are hashed with a secret of the index's own, drawn at random when it
 * is initialized, because some keys come from VMs (the MACs of learned
 * VIFs): without it, a VM could pick MACs whose keys share a home slot and
 * make one long run of slots that every lookup landing in it would scan.
 *
 * A key is in the index at most once; values are never NULL.  Memory is
 * allocated when the index grows on insert and freed when it becomes empty
 * or is destroyed, never on lookups.  Not thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-mac.h"
#include "openvswitch/compiler.h"
#include "util.h"

struct ipoib_index_slot {
    uint64_t key;
    void *value;                /* NULL: a free slot ('key' then means
                                 * nothing). */
};

struct ipoib_index {
    struct ipoib_index_slot *slots;     /* 'mask' + 1 of them. */
    size_t mask;
    size_t n;                           /* Slots in use. */
    uint64_t secret;                    /* Hash key, see above. */
};

void ipoib_index_init(struct ipoib_index *);
void ipoib_index_destroy(struct ipoib_index *);

/* Adds 'key' -> 'value' ('value' nonnull).  'key' must not be present. */
void ipoib_index_insert(struct ipoib_index *, uint64_t key, void *value);

/* Removes 'key'; returns false if it was not present. */
bool ipoib_index_remove(struct ipoib_index *, uint64_t key);

static inline size_t
ipoib_index_count(const struct ipoib_index *index)
{
    return index->n;
}

/* The slot where the search for 'key' starts.  Keys that share a home in
 * one index do not in another, whose secret differs.  What a VM could
 * still count on are keys that differ only in bits that do not reach the
 * slot number: ipoib_key_hash() reads the low 32 + log2(slots) bits of the
 * folded key, so at 8192 slots 8 MACs of a VLAN share every home whatever
 * the secret (an unkeyed hmap let every MAC share one bucket). */
static inline size_t
ipoib_index_home(const struct ipoib_index *index, uint64_t key)
{
    return ipoib_key_hash(key ^ index->secret) & index->mask;
}

/* The value of 'key', NULL if it is not present.  A free slot ends the
 * search: linear probing never leaves one between a key's home slot and
 * the key. */
static inline void *
ipoib_index_find(const struct ipoib_index *index, uint64_t key)
{
    size_t i = ipoib_index_home(index, key);

    for (;;) {
        const struct ipoib_index_slot *slot = &index->slots[i];

        if (slot->key == key || !slot->value) {
            return slot->value;
        }
        i = (i + 1) & index->mask;
    }
}

#endif /* ipoib-index.h */
