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
#include "transport/verbs-rx-ring.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

/* Offsets in a GRH (IBA 1.4 section 8.3). */
#define GRH_SGID_OFS 8
#define GRH_DGID_OFS 24

int
verbs_rx_ring_init(struct verbs_rx_ring *ring, uint32_t n_bufs,
                   uint32_t max_mtu, uint32_t batch,
                   verbs_rx_post_func *post, void *aux)
{
    memset(ring, 0, sizeof *ring);
    if (!n_bufs || !max_mtu) {
        return EINVAL;
    }
    /* Cache-line strides keep two buffers from sharing a line that the
     * HCA writes while we read the other. */
    ring->stride = ROUND_UP(VERBS_GRH_LEN + max_mtu, CACHE_LINE_SIZE);
    ring->n_bufs = n_bufs;
    ring->mem = xmalloc_pagealign(verbs_rx_ring_size(ring));
    ring->idle = xmalloc(n_bufs * sizeof *ring->idle);
    for (uint32_t i = 0; i < n_bufs; i++) {
        /* Pops from the top post buffer 0 first. */
        ring->idle[i] = n_bufs - 1 - i;
    }
    ring->n_idle = n_bufs;
    ring->batch = MAX(1, MIN(batch, n_bufs));
    ring->low_water = MAX(1, n_bufs / 4);
    ring->post = post;
    ring->aux = aux;
    return 0;
}

void
verbs_rx_ring_destroy(struct verbs_rx_ring *ring)
{
    free_pagealign(ring->mem);
    free(ring->idle);
    memset(ring, 0, sizeof *ring);
}

bool
verbs_rx_ring_complete(struct verbs_rx_ring *ring, uint64_t idx)
{
    if (idx >= ring->n_bufs || ring->n_idle >= ring->n_bufs) {
        return false;
    }
    /* A duplicate completion would put one buffer on the stack twice and
     * hand it to the HCA twice; it costs a scan only for a bug's sake when
     * the stack is short, so check the recent entries. */
    for (uint32_t i = ring->n_idle; i-- > 0 && i + 64 > ring->n_idle;) {
        if (ring->idle[i] == idx) {
            return false;
        }
    }
    ring->idle[ring->n_idle++] = idx;
    return true;
}

/* Posts up to 'n' buffers from the top of the idle stack.  Returns the
 * number posted. */
static int
post_top(struct verbs_rx_ring *ring, uint32_t n)
{
    const uint32_t *top = &ring->idle[ring->n_idle - n];
    int posted = ring->post(ring->aux, top, n);

    ring->n_posts++;
    if (posted < 0) {
        posted = 0;
    }
    if ((uint32_t) posted < n) {
        /* Keep the ones not posted idle, and in order: the posted prefix
         * leaves the stack by moving the rest down. */
        ring->n_post_failures++;
        memmove(&ring->idle[ring->n_idle - n], &top[posted],
                (n - posted) * sizeof *top);
    }
    ring->n_idle -= posted;
    return posted;
}

int
verbs_rx_ring_refill(struct verbs_rx_ring *ring, bool force)
{
    int total = 0;

    while (ring->n_idle >= ring->batch) {
        int posted = post_top(ring, ring->batch);

        total += posted;
        if ((uint32_t) posted < ring->batch) {
            return total;
        }
    }
    if (ring->n_idle
        && (force || verbs_rx_ring_n_posted(ring) < ring->low_water)) {
        total += post_top(ring, ring->n_idle);
    }
    return total;
}

void
verbs_rx_ring_reset(struct verbs_rx_ring *ring)
{
    for (uint32_t i = 0; i < ring->n_bufs; i++) {
        ring->idle[i] = ring->n_bufs - 1 - i;
    }
    ring->n_idle = ring->n_bufs;
}

void
verbs_grh_parse(const uint8_t grh[VERBS_GRH_LEN], struct ib_gid *sgid,
                struct ib_gid *dgid)
{
    memcpy(sgid->b, grh + GRH_SGID_OFS, IB_GID_LEN);
    memcpy(dgid->b, grh + GRH_DGID_OFS, IB_GID_LEN);
}
