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
#ifndef IPOIB_MCAST_TABLE_H
#define IPOIB_MCAST_TABLE_H 1

/* Multicast groups a port sends to, beyond the broadcast group.
 *
 * IPoIB may only send to a multicast group it has joined at the SA, so the
 * first packet to a new group starts a send-only join; like the kernel,
 * the port keeps a few packets while the join is outstanding and sends them
 * when it is answered (IPv6 neighbor discovery would otherwise lose its
 * first solicitation to every new group).  Idle groups are left. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "netdev-ipoib/ipoib-path-cache.h"
#include "openvswitch/hmap.h"
#include "transport/ipoib-transport.h"

/* Packets kept per group while its join is outstanding. */
#define IPOIB_MCAST_MAX_PENDING 3

enum ipoib_mcast_state {
    IPOIB_MCAST_JOINING,
    IPOIB_MCAST_JOINED,
    IPOIB_MCAST_FAILED,
};

struct ipoib_mcast_entry {
    struct hmap_node node;
    struct ib_gid mgid;
    enum ipoib_mcast_state state;
    struct ipoib_mcast_group group;     /* Valid when JOINED. */
    long long int requested;            /* Join sent. */
    long long int used;
    int n_pending;                      /* While JOINING. */
    struct ipoib_pending_tx pending[IPOIB_MCAST_MAX_PENDING];
    uint64_t tx_packets;                /* Sent to the group. */
};

struct ipoib_mcast_table {
    struct hmap groups;
    size_t max_groups;
};

void ipoib_mcast_table_init(struct ipoib_mcast_table *, size_t max_groups);
void ipoib_mcast_table_destroy(struct ipoib_mcast_table *);
/* Returns how many kept packets were freed unsent. */
size_t ipoib_mcast_table_flush(struct ipoib_mcast_table *);
struct ipoib_mcast_entry *ipoib_mcast_table_find(
    const struct ipoib_mcast_table *, const struct ib_gid *);
/* Returns the entry for 'mgid', creating it in JOINING state if needed
 * ('*created' tells the caller to send the join); NULL if full. */
struct ipoib_mcast_entry *ipoib_mcast_table_get(struct ipoib_mcast_table *,
                                                const struct ib_gid *,
                                                long long int now,
                                                bool *created);
/* Keeps 'packet' (already in IPoIB form, sent from 'src_qpn') until the
 * join is answered; returns false, leaving 'packet' to the caller, if the
 * queue is full. */
bool ipoib_mcast_entry_queue(struct ipoib_mcast_entry *,
                             struct dp_packet *packet, uint32_t src_qpn);
/* Moves the kept packets to 'out' (room for IPOIB_MCAST_MAX_PENDING) and
 * returns how many there were. */
int ipoib_mcast_entry_take_pending(struct ipoib_mcast_entry *,
                                   struct ipoib_pending_tx *out);
/* Calls 'leave' for each JOINED entry idle for 'idle_ms' and removes it;
 * removes FAILED and unanswered entries older than 'retry_ms'.  Returns
 * how many kept packets were freed unsent. */
size_t ipoib_mcast_table_expire(struct ipoib_mcast_table *,
                                long long int now, long long int idle_ms,
                                long long int retry_ms,
                                void (*leave)(const struct ipoib_mcast_entry *,
                                              void *aux),
                                void *aux);

#endif /* ipoib-mcast-table.h */
