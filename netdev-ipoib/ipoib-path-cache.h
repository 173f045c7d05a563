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
#ifndef IPOIB_PATH_CACHE_H
#define IPOIB_PATH_CACHE_H 1

/* Paths to remote ports, as the subnet manager gave them.
 *
 * Unicast UD sends need the destination's LID (and SL), which only the SA
 * knows: a PathRecord query per remote port GID and P_Key, answered
 * asynchronously.  The P_Key is part of the key because the SM answers
 * for a partition: its MTU (partitions.conf's mtu=) and, with QoS, its
 * SL, so VMs of two VLANs that talk to the same remote port may need two
 * paths.
 * While a query is out, a few packets wait here (as the kernel's IPoIB
 * keeps a short queue per path), so that the first ARP reply or ping is not
 * lost.  The cache also maps LIDs back to GIDs, for unicast packets that
 * arrive without a GRH from a sender we have not heard from yet. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "transport/ipoib-transport.h"

struct dp_packet;

#define IPOIB_PATH_MAX_PENDING 3

enum ipoib_path_state {
    IPOIB_PATH_QUERYING,        /* Query sent, no answer yet. */
    IPOIB_PATH_VALID,           /* 'path' may be used. */
    IPOIB_PATH_FAILED,          /* Last query failed: retry later. */
};

/* A packet waiting for its path: already in IPoIB form. */
struct ipoib_pending_tx {
    struct dp_packet *packet;
    uint32_t src_qpn;
    uint32_t dqpn;
};

struct ipoib_path_entry {
    struct hmap_node gid_node;  /* In ipoib_path_cache's 'by_gid'. */
    struct hmap_node lid_node;  /* In 'by_lid', when VALID. */
    struct ib_gid dgid;
    uint16_t pkey;              /* The partition it was asked for. */
    enum ipoib_path_state state;
    struct ipoib_path path;
    long long int queried;      /* When the last query went out. */
    long long int used;         /* Last send along this path. */
    int n_pending;
    struct ipoib_pending_tx pending[IPOIB_PATH_MAX_PENDING];
};

struct ipoib_path_cache {
    struct hmap by_gid;
    struct hmap by_lid;
    size_t max_entries;
};

void ipoib_path_cache_init(struct ipoib_path_cache *, size_t max_entries);
void ipoib_path_cache_destroy(struct ipoib_path_cache *);
/* Forgets every path and frees waiting packets (port down, SM change). */
void ipoib_path_cache_flush(struct ipoib_path_cache *);

/* 'pkey' is compared without its membership bit: the partition is what
 * the SM answers for. */
struct ipoib_path_entry *ipoib_path_cache_find(
    const struct ipoib_path_cache *, const struct ib_gid *, uint16_t pkey);
/* Returns the entry for 'dgid' in 'pkey', creating it in QUERYING state if
 * needed ('*created' says so; the caller sends the query).  Returns NULL if
 * the cache is full. */
struct ipoib_path_entry *ipoib_path_cache_get(struct ipoib_path_cache *,
                                              const struct ib_gid *dgid,
                                              uint16_t pkey,
                                              long long int now,
                                              bool *created);
/* Returns the GID of the port with 'lid', if a valid path names it. */
bool ipoib_path_cache_gid_by_lid(const struct ipoib_path_cache *,
                                 uint16_t lid, struct ib_gid *);

/* Queues 'packet' on 'e'.  Returns false (and does not take 'packet') if
 * the queue is full. */
bool ipoib_path_entry_queue(struct ipoib_path_entry *,
                            struct dp_packet *packet,
                            uint32_t src_qpn, uint32_t dqpn);

/* Records a query's answer.  Moves the waiting packets to 'flushed' (up to
 * IPOIB_PATH_MAX_PENDING) and returns how many there were; the caller
 * sends them (if the path is valid) or drops them. */
int ipoib_path_cache_resolve(struct ipoib_path_cache *,
                             struct ipoib_path_entry *, int status,
                             const struct ipoib_path *,
                             struct ipoib_pending_tx *flushed);

/* Removes entries unused for 'idle_ms' and failed ones older than
 * 'retry_ms' (so that they are queried again). */
void ipoib_path_cache_expire(struct ipoib_path_cache *, long long int now,
                             long long int idle_ms, long long int retry_ms);

size_t ipoib_path_cache_count(const struct ipoib_path_cache *);

#endif /* ipoib-path-cache.h */
