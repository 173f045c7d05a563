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
#ifndef IPOIB_MCAST_LISTEN_H
#define IPOIB_MCAST_LISTEN_H 1

/* Multicast groups a port receives for its VMs: it is a full member of
 * each at the SA and has its host QP attached to it.
 *
 * Groups come from the listener reports of the VMs (ipoib-mcast-snoop.h),
 * plus permanent ones (the IPv6 all-nodes group, which hosts never report).
 * Each group remembers which VMs reported it, so that one VM leaving does
 * not cut off another, and a VM that goes away takes its groups with it.
 * There is no ageing by time: with no MLD/IGMP querier on the link, VMs
 * report a group once and never again.  The table only keeps state; the
 * netdev does the joins, leaves and attachments. */

#include <stdbool.h>
#include <stddef.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "transport/ipoib-transport.h"

/* VMs tracked per group; more make the group stay until the link goes
 * down, since we can no longer tell when the last one leaves. */
#define IPOIB_LISTEN_MAX_REPORTERS 8

enum ipoib_listen_state {
    IPOIB_LISTEN_IDLE,          /* Wanted, no join outstanding. */
    IPOIB_LISTEN_JOINING,       /* Full join sent to the SA. */
    IPOIB_LISTEN_JOINED,        /* Joined, host QP attached. */
};

struct ipoib_listen_entry {
    struct hmap_node node;
    struct ib_gid mgid;
    enum ipoib_listen_state state;
    struct ipoib_mcast_group group;     /* Valid when JOINED. */
    long long int requested;            /* Last join sent, 0 if none. */
    bool permanent;                     /* Joined while the link is up. */
    bool leaving;                       /* Unwanted while JOINING: leave as
                                         * soon as the answer comes. */
    bool untracked;                     /* Had more reporters than fit. */
    size_t n_reporters;
    struct eth_addr reporters[IPOIB_LISTEN_MAX_REPORTERS];
    uint64_t tx_packets;                /* Sent to the group (as a full
                                         * member). */
    uint64_t rx_packets;                /* Received from it, delivered. */
};

struct ipoib_listen_table {
    struct hmap groups;
    size_t max_groups;
};

void ipoib_listen_table_init(struct ipoib_listen_table *, size_t max_groups);
void ipoib_listen_table_destroy(struct ipoib_listen_table *);
size_t ipoib_listen_table_count(const struct ipoib_listen_table *);
struct ipoib_listen_entry *ipoib_listen_find(
    const struct ipoib_listen_table *, const struct ib_gid *);

/* Returns the entry for 'mgid', creating it IDLE if needed; NULL if the
 * table is full.  An entry that was 'leaving' is wanted again. */
struct ipoib_listen_entry *ipoib_listen_get(struct ipoib_listen_table *,
                                            const struct ib_gid *);
/* Records that 'mac' listens on 'e''s group. */
void ipoib_listen_add_reporter(struct ipoib_listen_entry *,
                               struct eth_addr mac);
/* Forgets that 'mac' listens on 'e''s group.  Returns true if nobody is
 * left who wants the group. */
bool ipoib_listen_remove_reporter(struct ipoib_listen_entry *,
                                  struct eth_addr mac);
/* True if nobody wants 'e''s group any more. */
bool ipoib_listen_is_unwanted(const struct ipoib_listen_entry *);
void ipoib_listen_remove(struct ipoib_listen_table *,
                         struct ipoib_listen_entry *);

/* Gives every group the P_Key (with the full-member bit) and scope of the
 * port's partition, which may have changed while the link was down; the
 * rest of an IPoIB MGID does not depend on them. */
void ipoib_listen_table_rekey(struct ipoib_listen_table *, uint16_t pkey,
                              uint8_t scope);

#define IPOIB_LISTEN_FOR_EACH_SAFE(ENTRY, TABLE) \
    HMAP_FOR_EACH_SAFE (ENTRY, node, &(TABLE)->groups)

#endif /* ipoib-mcast-listen.h */
