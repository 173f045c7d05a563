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

#ifndef IPOIB_HOST_NEIGH_H
#define IPOIB_HOST_NEIGH_H 1

/* The native host's neighbor cache: next-hop IP address -> 20-byte IPoIB
 * hardware address, learned from ARP (IPv4) and neighbor discovery (IPv6),
 * as the kernel's neighbor table does for an "ib0" device.
 *
 * IPv4 addresses are kept as IPv4-mapped IPv6 addresses, so that one table
 * serves both families.  While an entry is being resolved, a few packets
 * wait on it (already in IPoIB form); they leave once the hardware address
 * and the path to its port are both known. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "utilities/ipoib-host-pktq.h"

#define HOST_NEIGH_MAX_PROBES 3     /* Solicitations before giving up. */
#define HOST_NEIGH_PROBE_MS 1000    /* Between solicitations. */

enum host_neigh_state {
    HOST_NEIGH_INCOMPLETE,      /* Solicited, no answer yet. */
    HOST_NEIGH_REACHABLE,       /* 'hwaddr' is valid. */
    HOST_NEIGH_FAILED,          /* No answer: packets are dropped. */
};

struct host_neigh {
    struct hmap_node node;          /* In host_neigh_table's 'map'. */
    struct in6_addr ip;             /* IPv4-mapped for IPv4. */
    enum host_neigh_state state;
    struct ipoib_hwaddr hwaddr;     /* With HOST_NEIGH_REACHABLE. */
    long long int updated;          /* Last state change or confirmation. */
    long long int next_probe;       /* With HOST_NEIGH_INCOMPLETE. */
    int n_probes;
    struct host_pktq pending;       /* Waiting for address and path. */
};

struct host_neigh_table {
    struct hmap map;
    size_t max_entries;
};

void host_neigh_table_init(struct host_neigh_table *, size_t max_entries);
void host_neigh_table_destroy(struct host_neigh_table *);
/* Forgets every entry and returns how many waiting packets it freed. */
int host_neigh_table_flush(struct host_neigh_table *);

struct host_neigh *host_neigh_find(const struct host_neigh_table *,
                                   const struct in6_addr *);
/* Returns a new INCOMPLETE entry for 'ip' (which must not be in the table),
 * or NULL if the table is full. */
struct host_neigh *host_neigh_create(struct host_neigh_table *,
                                     const struct in6_addr *,
                                     long long int now);
/* Records 'hwaddr' for 'n', which becomes REACHABLE.  Returns true if the
 * address changed (or the entry was not reachable). */
bool host_neigh_update(struct host_neigh *n, const struct ipoib_hwaddr *,
                       long long int now);
void host_neigh_delete(struct host_neigh_table *, struct host_neigh *);


/* Deletes reachable entries older than 'max_age_ms' and failed entries
 * older than 'retry_ms'.  Returns the number of packets freed with them. */
int host_neigh_expire(struct host_neigh_table *, long long int now,
                      long long int max_age_ms, long long int retry_ms);

const char *host_neigh_state_name(enum host_neigh_state);

/* IPv4 in the table's form. */
void host_neigh_ip_from_ipv4(struct in6_addr *, uint32_t ipv4_be);
bool host_neigh_ip_is_ipv4(const struct in6_addr *);
/* Formats 'ip' (dotted quad for IPv4) into 'buf' of INET6_ADDRSTRLEN. */
const char *host_neigh_ip_format(const struct in6_addr *, char *buf);

#define HOST_NEIGH_FOR_EACH(NEIGH, TABLE) \
    HMAP_FOR_EACH (NEIGH, node, &(TABLE)->map)
#define HOST_NEIGH_FOR_EACH_SAFE(NEIGH, TABLE) \
    HMAP_FOR_EACH_SAFE (NEIGH, node, &(TABLE)->map)

#endif /* ipoib-host-neigh.h */
