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

#ifndef VERBS_RX_RING_H
#define VERBS_RX_RING_H 1

/* The receive buffers of a "verbs" port: one block of equal buffers, each
 * with a 40-byte GRH area in front of room for one IB MTU, posted to the
 * port's shared receive queue.
 *
 * A buffer is either posted (the HCA owns it) or idle (its datagram was
 * copied out and it waits to be posted again).  Idle buffers are posted
 * again in batches of 'batch', one chained post per batch, so that a busy
 * port makes one doorbell per batch rather than one per packet; a port
 * whose posted count falls below 'low_water' posts whatever it has at
 * once, so that the queue never runs dry waiting for a full batch.
 *
 * Posting goes through the caller's function, which keeps this module free
 * of verbs calls and testable without an HCA. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"

#define VERBS_GRH_LEN 40

/* Posts buffers 'idx[0..n-1]'; returns how many it posted (a prefix). */
typedef int verbs_rx_post_func(void *aux, const uint32_t *idx, int n);

struct verbs_rx_ring {
    uint8_t *mem;                   /* n_bufs * stride bytes, page-aligned. */
    size_t stride;                  /* Bytes per buffer (GRH + MTU). */
    uint32_t n_bufs;
    uint32_t *idle;                 /* Stack of idle buffer indexes. */
    uint32_t n_idle;
    uint32_t batch;
    uint32_t low_water;
    verbs_rx_post_func *post;
    void *aux;
    uint64_t n_posts;               /* Chained posts made. */
    uint64_t n_post_failures;
};

/* Allocates 'n_bufs' buffers for datagrams of up to 'max_mtu' bytes; all
 * start idle.  Returns 0 or ENOMEM. */
int verbs_rx_ring_init(struct verbs_rx_ring *, uint32_t n_bufs,
                       uint32_t max_mtu, uint32_t batch,
                       verbs_rx_post_func *, void *aux);
void verbs_rx_ring_destroy(struct verbs_rx_ring *);

static inline uint8_t *
verbs_rx_ring_buf(const struct verbs_rx_ring *ring, uint32_t idx)
{
    return ring->mem + (size_t) idx * ring->stride;
}

static inline size_t
verbs_rx_ring_size(const struct verbs_rx_ring *ring)
{
    return (size_t) ring->n_bufs * ring->stride;
}

static inline uint32_t
verbs_rx_ring_n_posted(const struct verbs_rx_ring *ring)
{
    return ring->n_bufs - ring->n_idle;
}

/* Marks buffer 'idx', which the HCA has given back, as idle.  Returns false
 * (and changes nothing) if 'idx' is not a posted buffer. */
bool verbs_rx_ring_complete(struct verbs_rx_ring *, uint64_t idx);

/* Posts idle buffers: full batches, or everything if few are posted.
 * 'force' posts everything idle regardless (after open).  Returns the
 * number posted. */
int verbs_rx_ring_refill(struct verbs_rx_ring *, bool force);

/* Forgets every posted buffer (the receive queue was destroyed). */
void verbs_rx_ring_reset(struct verbs_rx_ring *);

/* Reads the source and destination GIDs from the GRH area 'grh'. */
void verbs_grh_parse(const uint8_t grh[VERBS_GRH_LEN], struct ib_gid *sgid,
                     struct ib_gid *dgid);

#endif /* verbs-rx-ring.h */
