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
#include "lib/ipoib-index.h"

#include "random.h"
#include "util.h"

/* Slots of the smallest allocated index. */
#define MIN_SLOTS 8

/* An empty index has no memory of its own: its one slot is this free one,
 * which lookups read and nothing writes (insert grows the index first). */
static const struct ipoib_index_slot no_slots[1];

static bool
is_allocated(const struct ipoib_index *index)
{
    return index->slots != no_slots;
}

/* Sets 'index' to no slots of its own, keeping its secret. */
static void
set_empty(struct ipoib_index *index)
{
    index->slots = CONST_CAST(struct ipoib_index_slot *, no_slots);
    index->mask = 0;
    index->n = 0;
}

void
ipoib_index_init(struct ipoib_index *index)
{
    set_empty(index);
    index->secret = random_uint64();
}

void
ipoib_index_destroy(struct ipoib_index *index)
{
    if (is_allocated(index)) {
        free(index->slots);
    }
    set_empty(index);
}

/* Stores 'key' -> 'value' in the first free slot from its home on. */
static void
place(struct ipoib_index *index, uint64_t key, void *value)
{
    size_t i = ipoib_index_home(index, key);

    while (index->slots[i].value) {
        i = (i + 1) & index->mask;
    }
    index->slots[i].key = key;
    index->slots[i].value = value;
}

/* Moves every entry into 'n_slots' (a power of 2) new slots. */
static void
resize(struct ipoib_index *index, size_t n_slots)
{
    struct ipoib_index old = *index;

    index->slots = xcalloc(n_slots, sizeof *index->slots);
    index->mask = n_slots - 1;
    for (size_t i = 0; i <= old.mask; i++) {
        if (old.slots[i].value) {
            place(index, old.slots[i].key, old.slots[i].value);
        }
    }
    if (is_allocated(&old)) {
        free(old.slots);
    }
}

void
ipoib_index_insert(struct ipoib_index *index, uint64_t key, void *value)
{
    size_t n_slots = index->mask + 1;

    ovs_assert(value);
    /* At most half the slots in use keeps searches short: most end in the
     * cache line where they start. */
    if ((index->n + 1) * 2 > n_slots) {
        resize(index, MAX(MIN_SLOTS, n_slots * 2));
    }
    place(index, key, value);
    index->n++;
}

/* True if an entry whose home is 'home' may stay in slot 'j' once slot 'i'
 * (before 'j' in probe order) is freed: if its home lies after 'i' and not
 * after 'j', cyclically. */
static bool
stays(size_t home, size_t i, size_t j)
{
    return i <= j ? i < home && home <= j : i < home || home <= j;
}

bool
ipoib_index_remove(struct ipoib_index *index, uint64_t key)
{
    size_t i = ipoib_index_home(index, key);

    for (;;) {
        if (!index->slots[i].value) {
            return false;
        } else if (index->slots[i].key == key) {
            break;
        }
        i = (i + 1) & index->mask;
    }

    /* Free slot 'i' and move back into it the next entry that a search
     * would no longer find past a free slot, then repeat for the slot that
     * entry leaves, until a free slot ends the run (no tombstones). */
    for (size_t j = i;;) {
        j = (j + 1) & index->mask;
        if (!index->slots[j].value) {
            break;
        }
        if (!stays(ipoib_index_home(index, index->slots[j].key), i, j)) {
            index->slots[i] = index->slots[j];
            i = j;
        }
    }
    index->slots[i].value = NULL;

    if (!--index->n) {
        free(index->slots);
        set_empty(index);
    }
    return true;
}
