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

#include "netdev-ipoib/ipoib-mcast-listen.h"

#include "hash.h"
#include "packets.h"
#include "util.h"

static uint32_t
hash_mgid(const struct ib_gid *mgid)
{
    return hash_bytes(mgid->b, sizeof mgid->b, 0);
}

void
ipoib_listen_table_init(struct ipoib_listen_table *t, size_t max_groups)
{
    hmap_init(&t->groups);
    t->max_groups = max_groups;
}

void
ipoib_listen_table_destroy(struct ipoib_listen_table *t)
{
    struct ipoib_listen_entry *e;

    HMAP_FOR_EACH_POP (e, node, &t->groups) {
        free(e);
    }
    hmap_destroy(&t->groups);
}

size_t
ipoib_listen_table_count(const struct ipoib_listen_table *t)
{
    return hmap_count(&t->groups);
}

struct ipoib_listen_entry *
ipoib_listen_find(const struct ipoib_listen_table *t,
                  const struct ib_gid *mgid)
{
    struct ipoib_listen_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash_mgid(mgid), &t->groups) {
        if (ib_gid_equals(&e->mgid, mgid)) {
            return e;
        }
    }
    return NULL;
}

struct ipoib_listen_entry *
ipoib_listen_get(struct ipoib_listen_table *t, const struct ib_gid *mgid)
{
    struct ipoib_listen_entry *e = ipoib_listen_find(t, mgid);

    if (e) {
        e->leaving = false;
        return e;
    }
    if (hmap_count(&t->groups) >= t->max_groups) {
        return NULL;
    }
    e = xzalloc(sizeof *e);
    e->mgid = *mgid;
    e->state = IPOIB_LISTEN_IDLE;
    hmap_insert(&t->groups, &e->node, hash_mgid(mgid));
    return e;
}

static int
find_reporter(const struct ipoib_listen_entry *e, struct eth_addr mac)
{
    for (size_t i = 0; i < e->n_reporters; i++) {
        if (eth_addr_equals(e->reporters[i], mac)) {
            return i;
        }
    }
    return -1;
}

void
ipoib_listen_add_reporter(struct ipoib_listen_entry *e, struct eth_addr mac)
{
    if (find_reporter(e, mac) >= 0) {
        return;
    }
    if (e->n_reporters < IPOIB_LISTEN_MAX_REPORTERS) {
        e->reporters[e->n_reporters++] = mac;
    } else {
        e->untracked = true;
    }
}

bool
ipoib_listen_is_unwanted(const struct ipoib_listen_entry *e)
{
    return !e->permanent && !e->untracked && !e->n_reporters;
}

bool
ipoib_listen_remove_reporter(struct ipoib_listen_entry *e,
                             struct eth_addr mac)
{
    int i = find_reporter(e, mac);

    if (i >= 0) {
        e->reporters[i] = e->reporters[--e->n_reporters];
    }
    return ipoib_listen_is_unwanted(e);
}

void
ipoib_listen_remove(struct ipoib_listen_table *t,
                    struct ipoib_listen_entry *e)
{
    hmap_remove(&t->groups, &e->node);
    free(e);
}

void
ipoib_listen_table_rekey(struct ipoib_listen_table *t, uint16_t pkey,
                         uint8_t scope)
{
    struct ipoib_listen_entry *e;
    struct hmap old;

    hmap_init(&old);
    hmap_swap(&old, &t->groups);
    HMAP_FOR_EACH_POP (e, node, &old) {
        e->mgid.b[1] = (e->mgid.b[1] & 0xf0) | (scope & 0x0f);
        e->mgid.b[4] = pkey >> 8;
        e->mgid.b[5] = pkey;
        if (ipoib_listen_find(t, &e->mgid)) {
            free(e);            /* Two groups became one. */
        } else {
            hmap_insert(&t->groups, &e->node, hash_mgid(&e->mgid));
        }
    }
    hmap_destroy(&old);
}
