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
#include "fabric/fabric-ring.h"
#include <errno.h>
#include <string.h>
#include "fabric/fabric-shm.h"
#include "timeval.h"

/* A producer gives up after this many tries to claim a position, which
 * only happens if another process scribbled over the ring's head. */
#define MAX_CLAIM_TRIES 1000

BUILD_ASSERT_DECL(sizeof(struct fabric_ring_slot) == 2 * FABRIC_CACHE_LINE);
BUILD_ASSERT_DECL(sizeof(struct fabric_ring) == 3 * FABRIC_CACHE_LINE);

size_t
fabric_ring_slot_size(void)
{
    return sizeof(struct fabric_ring_slot) + FABRIC_SLOT_DATA;
}

size_t
fabric_ring_bytes(uint32_t n_slots)
{
    return sizeof(struct fabric_ring) + n_slots * fabric_ring_slot_size();
}

static struct fabric_ring_slot *
slot_at(const struct fabric_ring_ref *ref, uint64_t pos)
{
    uint8_t *slots = (uint8_t *) (ref->ring + 1);

    return ALIGNED_CAST(struct fabric_ring_slot *,
                        slots + (pos & (ref->n_slots - 1))
                                * (size_t) ref->slot_size);
}

/* Only for a ring nobody uses yet. */
void
fabric_ring_init(struct fabric_ring_ref *ref)
{
    struct fabric_ring *ring = ref->ring;

    atomic_init(&ring->head, 0);
    atomic_init(&ring->overruns, 0);
    atomic_init(&ring->tail, 0);
    atomic_init(&ring->stalls, 0);
    atomic_init(&ring->need_wakeup, 0);
    for (uint32_t i = 0; i < ref->n_slots; i++) {
        atomic_store_explicit(&slot_at(ref, i)->seq, i,
                              memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_release);
}

/* Claims a position for a producer.  Returns true and the position in
 * '*posp', or false if the ring is full or broken. */
static bool
claim_position(const struct fabric_ring_ref *ref, uint64_t *posp)
{
    struct fabric_ring *ring = ref->ring;
    uint64_t pos = atomic_load_explicit(&ring->head, memory_order_relaxed);

    for (int i = 0; i < MAX_CLAIM_TRIES; i++) {
        struct fabric_ring_slot *slot = slot_at(ref, pos);
        uint64_t seq = atomic_load_explicit(&slot->seq,
                                            memory_order_acquire);
        int64_t diff = (int64_t) (seq - pos);

        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(
                    &ring->head, &pos, pos + 1,
                    memory_order_relaxed, memory_order_relaxed)) {
                *posp = pos;
                return true;
            }
            /* 'pos' now holds the current head: try again. */
        } else if (diff < 0) {
            return false;       /* Full: the consumer is a cycle behind. */
        } else {
            pos = atomic_load_explicit(&ring->head, memory_order_relaxed);
        }
    }
    return false;
}

struct fabric_ring_slot *
fabric_ring_claim(const struct fabric_ring_ref *ref, uint64_t *pos)
{
    uint64_t orig;

    if (!claim_position(ref, pos)) {
        atomic_add_explicit(&ref->ring->overruns, 1, &orig,
                            memory_order_relaxed);
        return NULL;
    }
    return slot_at(ref, *pos);
}

int
fabric_ring_publish(const struct fabric_ring_ref *ref,
                    struct fabric_ring_slot *slot, uint64_t pos,
                    const struct fabric_pkt_meta *meta, bool *wake)
{
    struct fabric_ring *ring = ref->ring;
    uint64_t orig, expected;

    *wake = false;
    slot->meta = *meta;

    /* Publish.  A compare-and-swap, not a store: if we took so long that
     * the consumer gave up on this slot, the slot is no longer ours. */
    expected = pos;
    if (!atomic_compare_exchange_strong_explicit(&slot->seq, &expected,
                                                 pos + 1,
                                                 memory_order_release,
                                                 memory_order_relaxed)) {
        atomic_add_explicit(&ring->overruns, 1, &orig, memory_order_relaxed);
        return ENOBUFS;
    }

    /* Pairs with the fence in fabric_ring_prepare_sleep(): either the
     * consumer sees our packet or we see its flag. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&ring->need_wakeup, memory_order_relaxed)) {
        uint32_t was = atomic_exchange_explicit(&ring->need_wakeup, 0,
                                                memory_order_relaxed);
        *wake = was != 0;
    }
    return 0;
}

int
fabric_ring_enqueue(const struct fabric_ring_ref *ref,
                    const struct fabric_pkt_meta *meta, const void *data,
                    bool *wake)
{
    struct fabric_ring_slot *slot;
    uint64_t pos;

    *wake = false;
    if (meta->len > FABRIC_SLOT_DATA) {
        return EINVAL;
    }
    slot = fabric_ring_claim(ref, &pos);
    if (!slot) {
        return ENOBUFS;
    }
    memcpy(slot->data, data, meta->len);
    return fabric_ring_publish(ref, slot, pos, meta, wake);
}

/* Gives up on the slot at 'pos', claimed by a producer that never filled
 * it (it died, or another process corrupted the slot). */
static void
skip_stalled_slot(const struct fabric_ring_ref *ref,
                  struct fabric_ring_slot *slot, uint64_t pos)
{
    struct fabric_ring *ring = ref->ring;
    uint64_t expected = pos;
    uint64_t orig;

    if (!atomic_compare_exchange_strong_explicit(&slot->seq, &expected,
                                                 pos + ref->n_slots,
                                                 memory_order_acq_rel,
                                                 memory_order_acquire)) {
        if (expected == pos + 1) {
            return;             /* Published after all. */
        }
        atomic_store_explicit(&slot->seq, pos + ref->n_slots,
                              memory_order_release);
    }
    atomic_store_explicit(&ring->tail, pos + 1, memory_order_relaxed);
    atomic_add_explicit(&ring->stalls, 1, &orig, memory_order_relaxed);
}

struct fabric_ring_slot *
fabric_ring_peek(const struct fabric_ring_ref *ref,
                 long long int *stall_start)
{
    struct fabric_ring *ring = ref->ring;

    for (int i = 0; i < 2; i++) {
        uint64_t pos = atomic_load_explicit(&ring->tail,
                                            memory_order_relaxed);
        struct fabric_ring_slot *slot = slot_at(ref, pos);
        uint64_t seq = atomic_load_explicit(&slot->seq,
                                            memory_order_acquire);
        uint64_t head;
        long long int now;

        if (seq == pos + 1) {
            *stall_start = 0;
            return slot;
        }

        head = atomic_load_explicit(&ring->head, memory_order_relaxed);
        if ((int64_t) (head - pos) <= 0) {
            *stall_start = 0;
            return NULL;        /* Empty. */
        }

        /* Claimed but not filled yet: normally a producer is copying
         * right now. */
        now = time_msec();
        if (!*stall_start) {
            *stall_start = now;
            return NULL;
        }
        if (now - *stall_start < FABRIC_RING_STALL_MS) {
            return NULL;
        }
        skip_stalled_slot(ref, slot, pos);
        *stall_start = 0;
    }
    return NULL;
}

void
fabric_ring_release(const struct fabric_ring_ref *ref,
                    struct fabric_ring_slot *slot)
{
    struct fabric_ring *ring = ref->ring;
    uint64_t pos = atomic_load_explicit(&ring->tail, memory_order_relaxed);

    atomic_store_explicit(&slot->seq, pos + ref->n_slots,
                          memory_order_release);
    atomic_store_explicit(&ring->tail, pos + 1, memory_order_relaxed);
}

bool
fabric_ring_is_empty(const struct fabric_ring_ref *ref)
{
    struct fabric_ring *ring = ref->ring;
    uint64_t pos = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t seq = atomic_load_explicit(&slot_at(ref, pos)->seq,
                                        memory_order_acquire);

    return seq != pos + 1;
}

bool
fabric_ring_prepare_sleep(const struct fabric_ring_ref *ref)
{
    atomic_store_explicit(&ref->ring->need_wakeup, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    return fabric_ring_is_empty(ref);
}

void
fabric_ring_disarm(const struct fabric_ring_ref *ref)
{
    atomic_store_explicit(&ref->ring->need_wakeup, 0, memory_order_relaxed);
}
