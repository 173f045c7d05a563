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

#ifndef FABRIC_SM_H
#define FABRIC_SM_H 1

/* The subnet manager and subnet administrator of the simulated subnet.
 *
 * It keeps the ports (LID, GID, P_Key table from the partitions), the
 * multicast groups and their members, and answers SA requests.  Every
 * change is published into the shared memory directory at once, which is
 * all the data path looks at.  No I/O happens here: the daemon feeds it
 * requests and sends the answers. */

#include <stdbool.h>
#include <stdint.h>
#include "fabric/fabric-partitions.h"
#include "fabric/fabric-proto.h"
#include "fabric/fabric-shm.h"
#include "transport/ipoib-transport.h"

#define FABRIC_DEFAULT_QKEY 0x0b1b

struct fabric_sm_port {
    bool in_use;
    bool up;                    /* Link state (fabric/port-state). */
    uint32_t generation;
    uint64_t guid;
    uint64_t last_guid;         /* Of the last user: it gets it back. */
    uint16_t lid;
    uint32_t mtu;
    struct ib_gid gid;
    char name[FABRIC_NAME_LEN];
    uint16_t n_pkeys;
    uint16_t pkeys[IPOIB_MAX_PKEYS];
    uint16_t pkey_mtu[IPOIB_MAX_PKEYS];
    uint8_t pkey_sl[IPOIB_MAX_PKEYS];
};

struct fabric_sm_group {
    bool in_use;
    struct ib_gid mgid;
    uint16_t mlid;
    uint16_t pkey;              /* With the full-member bit. */
    uint32_t qkey;
    uint32_t mtu;
    uint8_t sl;
    uint8_t join_state[FABRIC_MAX_PORTS];  /* IPOIB_JOIN_* bits. */
};

struct fabric_sm {
    struct fabric_shm *shm;
    struct fabric_partitions parts;
    uint64_t subnet_prefix;
    uint32_t max_mtu;
    uint32_t n_ports;           /* Slots. */
    uint32_t n_groups;          /* Slots. */
    struct fabric_sm_port *ports;
    struct fabric_sm_group *groups;
    uint32_t next_generation;
};

/* Takes over 'parts'. */
void fabric_sm_init(struct fabric_sm *, struct fabric_shm *,
                    struct fabric_partitions *parts, uint64_t subnet_prefix,
                    uint32_t max_mtu);
void fabric_sm_destroy(struct fabric_sm *);

int fabric_sm_attach(struct fabric_sm *, uint64_t guid, const char *name,
                     uint32_t *idx);
void fabric_sm_detach(struct fabric_sm *, uint32_t idx);
void fabric_sm_set_link(struct fabric_sm *, uint32_t idx, bool up);
enum ipoib_port_state fabric_sm_port_state(const struct fabric_sm *,
                                           uint32_t idx);
/* Finds an attached port by "LID" (decimal or 0x) or by name. */
bool fabric_sm_find_port(const struct fabric_sm *, const char *lid_or_name,
                         uint32_t *idx);

/* Fills ATTACH_REPLY/PORT_INFO fields of 'info' for port 'idx'. */
void fabric_sm_port_info(const struct fabric_sm *, uint32_t idx,
                         struct fabric_msg_port_info *info);

int fabric_sm_join(struct fabric_sm *, uint32_t idx,
                   const struct ib_gid *mgid, uint16_t pkey, uint32_t qkey,
                   uint8_t join_state, struct ipoib_mcast_group *);
int fabric_sm_leave(struct fabric_sm *, uint32_t idx,
                    const struct ib_gid *mgid, uint16_t pkey,
                    uint8_t join_state);
int fabric_sm_path(const struct fabric_sm *, uint32_t idx,
                   const struct ib_gid *dgid, uint16_t dlid, uint16_t pkey,
                   struct ipoib_path *);

const struct fabric_partition *fabric_sm_find_partition(
    const struct fabric_sm *, uint16_t pkey);

#endif /* fabric/fabric-sm.h */
