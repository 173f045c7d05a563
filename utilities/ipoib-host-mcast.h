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

#ifndef IPOIB_HOST_MCAST_H
#define IPOIB_HOST_MCAST_H 1

/* The native host's multicast groups, other than the broadcast group.
 *
 * A group is "wanted" when the host listens on it (the all-nodes group,
 * the solicited-node group of each IPv6 address, IPv4 groups the kernel
 * joined): it is then joined as a full member and the host's QP attached.
 * A group the host only sends to is joined as a send-only non-member, as
 * the kernel's IPoIB does, with a few packets waiting for the answer. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "transport/ipoib-transport.h"
#include "utilities/ipoib-host-pktq.h"

/* Before an unanswered or failed join is sent again. */
#define HOST_GROUP_RETRY_MS 2000

enum host_group_state {
    HOST_GROUP_IDLE,            /* Nothing asked of the SA yet. */
    HOST_GROUP_JOINING,
    HOST_GROUP_JOINED,
    HOST_GROUP_FAILED,
};

struct host_group {
    struct hmap_node node;          /* In host_group_table's 'map'. */
    struct ib_gid mgid;
    bool wanted;                    /* Listen: be a full member. */
    bool marked;                    /* Scratch for host_group_sync. */
    enum host_group_state state;
    enum ipoib_join_state join_state;   /* Of the join sent or made. */
    struct ipoib_mcast_group group;     /* With HOST_GROUP_JOINED. */
    bool attached;                  /* Our QP receives the group. */
    long long int requested;        /* When the last join went out. */
    long long int used;             /* Last send to the group. */
    struct host_pktq pending;       /* Waiting for the join. */
};

struct host_group_table {
    struct hmap map;
    size_t max_entries;
};

void host_group_table_init(struct host_group_table *, size_t max_entries);
void host_group_table_destroy(struct host_group_table *);

struct host_group *host_group_find(const struct host_group_table *,
                                   const struct ib_gid *mgid);
/* Returns the entry for 'mgid', creating an IDLE one if needed; NULL if
 * the table is full. */
struct host_group *host_group_get(struct host_group_table *,
                                  const struct ib_gid *mgid);
/* Frees 'g' and its waiting packets; returns how many packets. */
int host_group_delete(struct host_group_table *, struct host_group *g);

/* Returns true if 'g' needs a join now: a full one if it is wanted and not
 * a full member, else a send-only one if nothing is joined; with failed
 * or unanswered joins, only after 'retry_ms'. */
bool host_group_needs_join(const struct host_group *g, long long int now,
                           long long int retry_ms);
/* The join to send for 'g'. */
enum ipoib_join_state host_group_join_type(const struct host_group *g);

const char *host_group_state_name(enum host_group_state);

#define HOST_GROUP_FOR_EACH(GROUP, TABLE) \
    HMAP_FOR_EACH (GROUP, node, &(TABLE)->map)
#define HOST_GROUP_FOR_EACH_SAFE(GROUP, TABLE) \
    HMAP_FOR_EACH_SAFE (GROUP, node, &(TABLE)->map)

#endif /* ipoib-host-mcast.h */
