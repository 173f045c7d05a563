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
#include "utilities/ipoib-host-neigh.h"

#include <arpa/inet.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static uint32_t
hash_ip(const struct in6_addr *ip)
{
    return hash_bytes(ip, sizeof *ip, 0);
}

void
host_neigh_table_init(struct host_neigh_table *t, size_t max_entries)
{
    hmap_init(&t->map);
    t->max_entries = max_entries;
}

void
host_neigh_table_destroy(struct host_neigh_table *t)
{
    host_neigh_table_flush(t);
    hmap_destroy(&t->map);
}

int
host_neigh_table_flush(struct host_neigh_table *t)
{
    struct host_neigh *n;
    int n_freed = 0;

    HOST_NEIGH_FOR_EACH_SAFE (n, t) {
        n_freed += n->pending.n;
        host_neigh_delete(t, n);
    }
    return n_freed;
}

struct host_neigh *
host_neigh_find(const struct host_neigh_table *t, const struct in6_addr *ip)
{
    struct host_neigh *n;

    HMAP_FOR_EACH_WITH_HASH (n, node, hash_ip(ip), &t->map) {
        if (!memcmp(&n->ip, ip, sizeof *ip)) {
            return n;
        }
    }
    return NULL;
}

struct host_neigh *
host_neigh_create(struct host_neigh_table *t, const struct in6_addr *ip,
                  long long int now)
{
    if (hmap_count(&t->map) >= t->max_entries) {
        return NULL;
    }

    struct host_neigh *n = xzalloc(sizeof *n);
    n->ip = *ip;
    n->state = HOST_NEIGH_INCOMPLETE;
    n->updated = now;
    n->next_probe = now;
    host_pktq_init(&n->pending);
    hmap_insert(&t->map, &n->node, hash_ip(ip));
    return n;
}

bool
host_neigh_update(struct host_neigh *n, const struct ipoib_hwaddr *hwaddr,
                  long long int now)
{
    bool changed = (n->state != HOST_NEIGH_REACHABLE
                    || !ipoib_hwaddr_equals(&n->hwaddr, hwaddr));

    n->hwaddr = *hwaddr;
    n->state = HOST_NEIGH_REACHABLE;
    n->updated = now;
    n->n_probes = 0;
    return changed;
}

void
host_neigh_delete(struct host_neigh_table *t, struct host_neigh *n)
{
    host_pktq_clear(&n->pending);
    hmap_remove(&t->map, &n->node);
    free(n);
}

int
host_neigh_expire(struct host_neigh_table *t, long long int now,
                  long long int max_age_ms, long long int retry_ms)
{
    struct host_neigh *n;
    int n_freed = 0;

    HOST_NEIGH_FOR_EACH_SAFE (n, t) {
        long long int age = now - n->updated;

        if ((n->state == HOST_NEIGH_REACHABLE && age > max_age_ms)
            || (n->state == HOST_NEIGH_FAILED && age > retry_ms)) {
            n_freed += n->pending.n;
            host_neigh_delete(t, n);
        }
    }
    return n_freed;
}

const char *
host_neigh_state_name(enum host_neigh_state state)
{
    switch (state) {
    case HOST_NEIGH_INCOMPLETE:
        return "incomplete";
    case HOST_NEIGH_REACHABLE:
        return "reachable";
    case HOST_NEIGH_FAILED:
        return "failed";
    }
    return "?";
}

void
host_neigh_ip_from_ipv4(struct in6_addr *ip, uint32_t ipv4_be)
{
    memset(ip, 0, sizeof *ip);
    ip->s6_addr[10] = 0xff;
    ip->s6_addr[11] = 0xff;
    memcpy(&ip->s6_addr[12], &ipv4_be, 4);
}

bool
host_neigh_ip_is_ipv4(const struct in6_addr *ip)
{
    return IN6_IS_ADDR_V4MAPPED(ip);
}

const char *
host_neigh_ip_format(const struct in6_addr *ip, char *buf)
{
    if (host_neigh_ip_is_ipv4(ip)) {
        return inet_ntop(AF_INET, &ip->s6_addr[12], buf, INET6_ADDRSTRLEN);
    }
    return inet_ntop(AF_INET6, ip, buf, INET6_ADDRSTRLEN);
}
