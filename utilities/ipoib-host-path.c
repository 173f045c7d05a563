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
#include "utilities/ipoib-host-path.h"

#include "hash.h"
#include "util.h"

static uint32_t
hash_gid(const struct ib_gid *gid)
{
    return hash_bytes(gid->b, IB_GID_LEN, 0);
}

void
host_path_table_init(struct host_path_table *t, size_t max_entries)
{
    hmap_init(&t->map);
    t->max_entries = max_entries;
}

void
host_path_table_destroy(struct host_path_table *t)
{
    host_path_table_flush(t);
    hmap_destroy(&t->map);
}

void
host_path_table_flush(struct host_path_table *t)
{
    struct host_path *p;

    HMAP_FOR_EACH_POP (p, node, &t->map) {
        free(p);
    }
}

struct host_path *
host_path_find(const struct host_path_table *t, const struct ib_gid *gid)
{
    struct host_path *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, hash_gid(gid), &t->map) {
        if (ib_gid_equals(&p->dgid, gid)) {
            return p;
        }
    }
    return NULL;
}

struct host_path *
host_path_get(struct host_path_table *t, const struct ib_gid *dgid,
              long long int now, bool *query)
{
    struct host_path *p = host_path_find(t, dgid);

    *query = false;
    if (!p) {
        if (hmap_count(&t->map) >= t->max_entries) {
            return NULL;
        }
        p = xzalloc(sizeof *p);
        p->dgid = *dgid;
        hmap_insert(&t->map, &p->node, hash_gid(dgid));
        *query = true;
    } else if (p->state == HOST_PATH_FAILED
               && now - p->queried >= HOST_PATH_RETRY_MS) {
        *query = true;
    } else if (p->state == HOST_PATH_QUERYING
               && now - p->queried >= HOST_PATH_RETRY_MS) {
        /* The answer was lost (fabric restart): ask again. */
        *query = true;
    }
    if (*query) {
        p->state = HOST_PATH_QUERYING;
        p->queried = now;
    }
    return p;
}

struct host_path *
host_path_resolve(struct host_path_table *t, const struct ib_gid *dgid,
                  int status, const struct ipoib_path *path)
{
    struct host_path *p = host_path_find(t, dgid);

    if (!p || p->state != HOST_PATH_QUERYING) {
        return NULL;
    }
    if (status) {
        p->state = HOST_PATH_FAILED;
    } else {
        p->state = HOST_PATH_VALID;
        p->path = *path;
    }
    return p;
}

const char *
host_path_state_name(enum host_path_state state)
{
    switch (state) {
    case HOST_PATH_QUERYING:
        return "querying";
    case HOST_PATH_VALID:
        return "valid";
    case HOST_PATH_FAILED:
        return "failed";
    }
    return "?";
}
