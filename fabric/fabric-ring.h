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

#ifndef FABRIC_RING_H
#define FABRIC_RING_H 1

/* A bounded multi-producer, single-consumer packet ring in shared memory.
 *
 * Slot 'i' of a ring of N slots is used for positions i, i + N, i + 2N...
 * Its sequence number says where it is in that cycle: 'pos' means free for
 * a producer at position 'pos'; 'pos + 1' means filled for the consumer at
 * 'pos'; the consumer then sets 'pos + N', freeing it for the next cycle.
 * Producers claim positions with a compare-and-swap on 'head'; only the
 * consumer touches 'tail'.  See fabric-shm.h for the wider design. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "ovs-atomic.h"

#define FABRIC_CACHE_LINE 64

/* What an HCA takes from a packet's headers. */
struct fabric_pkt_meta {
    uint32_t len;               /* Payload bytes (IPoIB header on). */
    uint32_t sqpn;
    uint32_t dqpn;
    uint32_t qkey;              /* Resolved: never has the high bit. */
    uint16_t slid;
    uint16_t dlid;
    uint16_t pkey;              /* With the sender's membership bit. */
    uint8_t sl;
    uint8_t flags;              /* FABRIC_PKT_F_*. */
    struct ib_gid sgid;         /* With FABRIC_PKT_F_GRH. */
    struct ib_gid dgid;         /* With FABRIC_PKT_F_GRH. */
    uint32_t src_port;          /* Sender's directory slot (for logs). */
    uint32_t psn;
};

#define FABRIC_PKT_F_GRH 0x1
#define FABRIC_PKT_F_MCAST 0x2
#define FABRIC_PKT_F_CSUM_OK 0x4    /* The sending HCA filled the L3/L4
                                     * checksums: the receiving HCA reports
                                     * them verified (a lossless copy). */

struct fabric_ring_slot {
    atomic_uint64_t seq;
    uint64_t pad;
    struct fabric_pkt_meta meta;
    uint8_t pad2[FABRIC_CACHE_LINE * 2 - 16 - sizeof(struct fabric_pkt_meta)];
    uint8_t data[];             /* FABRIC_SLOT_DATA bytes. */
};

struct fabric_ring {
    /* Producers. */
    atomic_uint64_t head;
    atomic_uint64_t overruns;       /* Packets lost to a full ring. */
    uint8_t pad0[FABRIC_CACHE_LINE - 16];

    /* Consumer. */
    atomic_uint64_t tail;
    atomic_uint64_t stalls;         /* Slots skipped: producer vanished. */
    uint8_t pad1[FABRIC_CACHE_LINE - 16];

    /* Set by a consumer about to sleep; cleared by the producer that
     * wakes it. */
    atomic_uint32_t need_wakeup;
    uint8_t pad2[FABRIC_CACHE_LINE - 4];

    /* Slots follow, each 'slot_size' bytes. */
};

/* The consumer skips a claimed slot not published for this long. */
#define FABRIC_RING_STALL_MS 500

/* A ring as one process sees it: shared memory plus validated sizes. */
struct fabric_ring_ref {
    struct fabric_ring *ring;
    uint32_t n_slots;           /* Power of 2. */
    uint32_t slot_size;
};

size_t fabric_ring_slot_size(void);
size_t fabric_ring_bytes(uint32_t n_slots);
void fabric_ring_init(struct fabric_ring_ref *);

/* Producer side.  Copies 'meta' and 'data' (meta->len bytes, at most
 * FABRIC_SLOT_DATA) into the ring.  Returns 0, ENOBUFS if the ring is full
 * (counted in 'overruns'), or EINVAL for a bad length.  Sets '*wake' if the
 * consumer asked to be woken. */
int fabric_ring_enqueue(const struct fabric_ring_ref *,
                        const struct fabric_pkt_meta *, const void *data,
                        bool *wake);

/* The same in two steps, for a producer that writes a packet straight into
 * its slot (the simulated HCA's LSO writes each segment there, sparing a
 * copy): fabric_ring_claim() returns a slot whose 'data' the caller fills
 * (FABRIC_SLOT_DATA bytes), or NULL if the ring is full (counted in
 * 'overruns'); fabric_ring_publish() must follow soon (the consumer skips a
 * slot claimed for FABRIC_RING_STALL_MS) and returns as
 * fabric_ring_enqueue() does. */
struct fabric_ring_slot *fabric_ring_claim(const struct fabric_ring_ref *,
                                           uint64_t *pos);
int fabric_ring_publish(const struct fabric_ring_ref *,
                        struct fabric_ring_slot *, uint64_t pos,
                        const struct fabric_pkt_meta *, bool *wake);

/* Consumer side.  fabric_ring_peek() returns the next filled slot or NULL;
 * the slot stays owned by the consumer until fabric_ring_release().
 * '*stall_start' is the consumer's own memory of when it first saw the
 * next slot claimed but not filled (0 if not waiting). */
struct fabric_ring_slot *fabric_ring_peek(const struct fabric_ring_ref *,
                                          long long int *stall_start);
void fabric_ring_release(const struct fabric_ring_ref *,
                         struct fabric_ring_slot *);
bool fabric_ring_is_empty(const struct fabric_ring_ref *);

/* Arms the wake-up flag and returns true if the ring is still empty (the
 * caller may sleep), false if something arrived meanwhile. */
bool fabric_ring_prepare_sleep(const struct fabric_ring_ref *);
void fabric_ring_disarm(const struct fabric_ring_ref *);

#endif /* fabric/fabric-ring.h */
