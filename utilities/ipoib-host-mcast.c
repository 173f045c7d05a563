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
#include "utilities/ipoib-host-mcast.h"

#include "hash.h"
#include "util.h"

static uint32_t
hash_mgid(const struct ib_gid *mgid)
{
    return hash_bytes(mgid->b, IB_GID_LEN, 0);
}

void
host_group_table_init(struct host_group_table *t, size_t max_entries)
{
    hmap_init(&t->map);
    t->max_entries = max_entries;
}

void
host_group_table_destroy(struct host_group_table *t)
{
    struct host_group *g;

    HOST_GROUP_FOR_EACH_SAFE (g, t) {
        host_group_delete(t, g);
    }
    hmap_destroy(&t->map);
}

struct host_group *
host_group_find(const struct host_group_table *t, const struct ib_gid *mgid)
{
    struct host_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, hash_mgid(mgid), &t->map) {
        if (ib_gid_equals(&g->mgid, mgid)) {
            return g;
        }
    }
    return NULL;
}

struct host_group *
host_group_get(struct host_group_table *t, const struct ib_gid *mgid)
{
    struct host_group *g = host_group_find(t, mgid);

    if (!g) {
        if (hmap_count(&t->map) >= t->max_entries) {
            return NULL;
        }
        g = xzalloc(sizeof *g);
        g->mgid = *mgid;
        g->state = HOST_GROUP_IDLE;
        host_pktq_init(&g->pending);
        hmap_insert(&t->map, &g->node, hash_mgid(mgid));
    }
    return g;
}

int
host_group_delete(struct host_group_table *t, struct host_group *g)
{
    int n_freed = host_pktq_clear(&g->pending);

    hmap_remove(&t->map, &g->node);
    free(g);
    return n_freed;
}

bool
host_group_needs_join(const struct host_group *g, long long int now,
                      long long int retry_ms)
{
    bool due = now - g->requested >= retry_ms;

    switch (g->state) {
    case HOST_GROUP_IDLE:
        return true;
    case HOST_GROUP_JOINING:
    case HOST_GROUP_FAILED:
        return due;
    case HOST_GROUP_JOINED:
        /* A sender that starts listening upgrades to full membership. */
        return g->wanted && g->join_state != IPOIB_JOIN_FULL;
    }
    return false;
}

enum ipoib_join_state
host_group_join_type(const struct host_group *g)
{
    return g->wanted ? IPOIB_JOIN_FULL : IPOIB_JOIN_SEND_ONLY;
}

const char *
host_group_state_name(enum host_group_state state)
{
    switch (state) {
    case HOST_GROUP_IDLE:
        return "idle";
    case HOST_GROUP_JOINING:
        return "joining";
    case HOST_GROUP_JOINED:
        return "joined";
    case HOST_GROUP_FAILED:
        return "failed";
    }
    return "?";
}
