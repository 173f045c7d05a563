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

#ifndef FABRIC_DELIVER_H
#define FABRIC_DELIVER_H 1

/* The switch: puts a packet into the receive ring of its destination
 * port, or of every receiving member of its multicast group, and wakes the
 * receivers that sleep.  Used by clients for every packet they send and by
 * the daemon for packets it captured first. */

#include <stdbool.h>
#include <stdint.h>
#include "fabric/fabric-ring.h"
#include "fabric/fabric-shm.h"

enum fabric_deliver_result {
    FABRIC_DELIVERED,           /* Into at least one ring (or none for a
                                 * group without receivers). */
    FABRIC_DROP_NO_DEST,        /* Unknown or inactive DLID/MLID. */
    FABRIC_DROP_MTU,            /* Longer than the path MTU. */
    FABRIC_DROP_FULL,           /* Every destination ring was full. */
};

/* Delivers 'meta' (whose dlid is a LID or an MLID) and its payload.  The
 * payload may not be longer than 'max_len' nor than the destination port's
 * MTU (the group's MTU for multicast).  'wake_sock' is an unbound AF_UNIX
 * datagram socket for wake-ups. */
enum fabric_deliver_result fabric_deliver(const struct fabric_shm *,
                                          int wake_sock,
                                          const struct fabric_pkt_meta *,
                                          const void *data,
                                          uint32_t max_len);

/* Unicast delivery in two steps, for a sender that writes the payload
 * straight into the destination's ring: fabric_deliver_claim() checks
 * 'meta' as fabric_deliver() does (its 'len' is the payload to come) and
 * claims a slot, whose 'slot->data' the caller fills; then
 * fabric_deliver_commit() publishes it with 'meta' and wakes the receiver
 * if it sleeps.  Returns FABRIC_DELIVERED if a slot was claimed. */
struct fabric_deliver_slot {
    struct fabric_ring_ref ring;
    struct fabric_ring_slot *slot;
    uint64_t pos;
    uint32_t idx;
    uint32_t generation;
};

enum fabric_deliver_result fabric_deliver_claim(
    const struct fabric_shm *, const struct fabric_pkt_meta *,
    uint32_t max_len, struct fabric_deliver_slot *);
bool fabric_deliver_commit(const struct fabric_shm *, int wake_sock,
                           struct fabric_deliver_slot *,
                           const struct fabric_pkt_meta *);

/* Wakes the consumer of ring 'idx', whose port has 'generation'. */
void fabric_wake(const struct fabric_shm *, int wake_sock, uint32_t idx,
                 uint32_t generation);

/* The ring 'idx' of 'shm', with validated sizes. */
struct fabric_ring_ref fabric_ring_ref(const struct fabric_shm *,
                                       uint32_t idx);

/* Opens a datagram socket to send wake-ups from (nonblocking).  Returns
 * the socket or a negative errno value. */
int fabric_wake_socket_open(void);

/* Opens and binds the socket that wakes the consumer of ring 'idx'.
 * Returns the socket or a negative errno value. */
int fabric_wake_socket_bind(const struct fabric_shm *, uint32_t idx,
                            uint32_t generation);

/* Removes the name of a socket from fabric_wake_socket_bind(). */
void fabric_wake_socket_unlink(const struct fabric_shm *, uint32_t idx,
                               uint32_t generation);

/* Closes a socket from fabric_wake_socket_bind() and removes its name. */
void fabric_wake_socket_close(const struct fabric_shm *, uint32_t idx,
                              uint32_t generation, int sock);

/* Reads away pending wake-ups. */
void fabric_wake_drain(int sock);

#endif /* fabric/fabric-deliver.h */
