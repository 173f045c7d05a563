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

#include "netdev-ipoib/ipoib-mcast-table.h"

#include "dp-packet.h"
#include "hash.h"
#include "util.h"

static uint32_t
hash_mgid(const struct ib_gid *mgid)
{
    return hash_bytes(mgid->b, sizeof mgid->b, 0);
}

void
ipoib_mcast_table_init(struct ipoib_mcast_table *t, size_t max_groups)
{
    hmap_init(&t->groups);
    t->max_groups = max_groups;
}

/* Frees 'e' and the packets it kept; returns how many there were. */
static size_t
free_entry(struct ipoib_mcast_entry *e)
{
    size_t n = e->n_pending;

    for (int i = 0; i < e->n_pending; i++) {
        dp_packet_delete(e->pending[i].packet);
    }
    free(e);
    return n;
}

size_t
ipoib_mcast_table_flush(struct ipoib_mcast_table *t)
{
    struct ipoib_mcast_entry *e;
    size_t n_freed = 0;

    HMAP_FOR_EACH_POP (e, node, &t->groups) {
        n_freed += free_entry(e);
    }
    return n_freed;
}

bool
ipoib_mcast_entry_queue(struct ipoib_mcast_entry *e, struct dp_packet *packet,
                        uint32_t src_qpn)
{
    if (e->n_pending >= IPOIB_MCAST_MAX_PENDING) {
        return false;
    }
    struct ipoib_pending_tx *p = &e->pending[e->n_pending++];
    p->packet = packet;
    p->src_qpn = src_qpn;
    p->dqpn = IB_MULTICAST_QPN;
    return true;
}

int
ipoib_mcast_entry_take_pending(struct ipoib_mcast_entry *e,
                               struct ipoib_pending_tx *out)
{
    int n = e->n_pending;

    memcpy(out, e->pending, n * sizeof *out);
    e->n_pending = 0;
    return n;
}

void
ipoib_mcast_table_destroy(struct ipoib_mcast_table *t)
{
    ipoib_mcast_table_flush(t);
    hmap_destroy(&t->groups);
}

struct ipoib_mcast_entry *
ipoib_mcast_table_find(const struct ipoib_mcast_table *t,
                       const struct ib_gid *mgid)
{
    struct ipoib_mcast_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash_mgid(mgid), &t->groups) {
        if (ib_gid_equals(&e->mgid, mgid)) {
            return e;
        }
    }
    return NULL;
}

struct ipoib_mcast_entry *
ipoib_mcast_table_get(struct ipoib_mcast_table *t, const struct ib_gid *mgid,
                      long long int now, bool *created)
{
    struct ipoib_mcast_entry *e = ipoib_mcast_table_find(t, mgid);

    *created = false;
    if (e || hmap_count(&t->groups) >= t->max_groups) {
        return e;
    }
    e = xzalloc(sizeof *e);
    e->mgid = *mgid;
    e->state = IPOIB_MCAST_JOINING;
    e->requested = now;
    e->used = now;
    hmap_insert(&t->groups, &e->node, hash_mgid(mgid));
    *created = true;
    return e;
}

size_t
ipoib_mcast_table_expire(struct ipoib_mcast_table *t, long long int now,
                         long long int idle_ms, long long int retry_ms,
                         void (*leave)(const struct ipoib_mcast_entry *,
                                       void *aux),
                         void *aux)
{
    struct ipoib_mcast_entry *e;
    size_t n_freed = 0;

    HMAP_FOR_EACH_SAFE (e, node, &t->groups) {
        bool expired;

        if (e->state == IPOIB_MCAST_JOINED) {
            expired = now - e->used > idle_ms;
            if (expired) {
                leave(e, aux);
            }
        } else {
            expired = now - e->requested > retry_ms;
        }
        if (expired) {
            hmap_remove(&t->groups, &e->node);
            n_freed += free_entry(e);
        }
    }
    return n_freed;
}
