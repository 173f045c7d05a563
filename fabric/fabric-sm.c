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
#include "fabric/fabric-sm.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fabric/fabric-ring.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fabric_sm);

/* GUIDs the SM hands out start with a Mellanox-like OUI. */
#define ASSIGNED_GUID_BASE 0x0002c90300000000ULL

void
fabric_sm_init(struct fabric_sm *sm, struct fabric_shm *shm,
               struct fabric_partitions *parts, uint64_t subnet_prefix,
               uint32_t max_mtu)
{
    memset(sm, 0, sizeof *sm);
    sm->shm = shm;
    sm->parts = *parts;
    parts->parts = NULL;
    parts->n = 0;
    sm->subnet_prefix = subnet_prefix;
    sm->max_mtu = max_mtu;
    sm->n_ports = shm->layout.max_ports;
    sm->n_groups = shm->layout.max_groups;
    sm->ports = xcalloc(sm->n_ports, sizeof *sm->ports);
    sm->groups = xcalloc(sm->n_groups, sizeof *sm->groups);
    sm->next_generation = 1;
}

void
fabric_sm_destroy(struct fabric_sm *sm)
{
    fabric_partitions_destroy(&sm->parts);
    free(sm->ports);
    free(sm->groups);
}

const struct fabric_partition *
fabric_sm_find_partition(const struct fabric_sm *sm, uint16_t pkey)
{
    for (size_t i = 0; i < sm->parts.n; i++) {
        if (sm->parts.parts[i].pkey == (pkey & 0x7fff)) {
            return &sm->parts.parts[i];
        }
    }
    return NULL;
}

enum ipoib_port_state
fabric_sm_port_state(const struct fabric_sm *sm, uint32_t idx)
{
    const struct fabric_sm_port *port = &sm->ports[idx];

    return (!port->in_use || !port->up ? IPOIB_PORT_DOWN
            : IPOIB_PORT_ACTIVE);
}

static void
add_pkey(struct fabric_sm_port *port, uint16_t pkey,
         const struct fabric_partition *part, uint32_t port_mtu)
{
    if (port->n_pkeys < IPOIB_MAX_PKEYS) {
        int i = port->n_pkeys++;

        port->pkeys[i] = pkey;
        port->pkey_mtu[i] = MIN(part->mtu, port_mtu);
        port->pkey_sl[i] = part->sl;
    }
}

/* Builds the P_Key table of 'port' from the partitions: the default
 * partition first, as OpenSM puts it at index 0. */
static void
build_pkey_table(const struct fabric_sm *sm, struct fabric_sm_port *port)
{
    port->n_pkeys = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sm->parts.n; i++) {
            const struct fabric_partition *part = &sm->parts.parts[i];
            bool is_default = part->pkey == 0x7fff;
            unsigned int m;

            if (is_default != (pass == 0)) {
                continue;
            }
            m = fabric_partition_membership(part, port->guid);
            if (m & FABRIC_MEMBER_FULL) {
                add_pkey(port, part->pkey | IB_PKEY_FULL_MEMBER, part,
                         port->mtu);
            }
            if (m & FABRIC_MEMBER_LIMITED) {
                add_pkey(port, part->pkey, part, port->mtu);
            }
        }
    }
}

/* Returns the index of the entry of 'port's table matching 'pkey' in its
 * low 15 bits (the full member entry if there are two), or -1. */
static int
find_pkey(const struct fabric_sm_port *port, uint16_t pkey)
{
    return ib_pkey_table_find(port->pkeys, port->n_pkeys, pkey);
}

static void
publish_port(struct fabric_sm *sm, uint32_t idx)
{
    const struct fabric_sm_port *port = &sm->ports[idx];
    struct fabric_shm_port entry;

    memset(&entry, 0, sizeof entry);
    entry.state = (!port->in_use ? FABRIC_SHM_PORT_FREE
                   : port->up ? FABRIC_SHM_PORT_ACTIVE
                   : FABRIC_SHM_PORT_DOWN);
    entry.generation = port->generation;
    entry.mtu = port->mtu;
    entry.lid = port->lid;
    entry.n_pkeys = port->n_pkeys;
    entry.guid = port->guid;
    entry.gid = port->gid;
    memcpy(entry.pkeys, port->pkeys, sizeof entry.pkeys);
    ovs_strlcpy(entry.name, port->name, sizeof entry.name);
    fabric_shm_write_port(sm->shm, idx, &entry);
}

static void
publish_group(struct fabric_sm *sm, uint32_t idx)
{
    const struct fabric_sm_group *group = &sm->groups[idx];
    struct fabric_shm_group entry;

    memset(&entry, 0, sizeof entry);
    if (group->in_use) {
        entry.in_use = 1;
        entry.mlid = group->mlid;
        entry.pkey = group->pkey;
        entry.qkey = group->qkey;
        entry.mtu = group->mtu;
        entry.mgid = group->mgid;
        for (uint32_t i = 0; i < sm->n_ports; i++) {
            if (group->join_state[i] & IPOIB_JOIN_FULL) {
                entry.members[i / 64] |= UINT64_C(1) << (i % 64);
            }
        }
    }
    fabric_shm_write_group(sm->shm, idx, &entry);
}

static bool
guid_in_use(const struct fabric_sm *sm, uint64_t guid)
{
    for (uint32_t i = 0; i < sm->n_ports; i++) {
        if (sm->ports[i].in_use && sm->ports[i].guid == guid) {
            return true;
        }
    }
    return false;
}

static uint64_t
assign_guid(const struct fabric_sm *sm)
{
    uint64_t guid;

    do {
        guid = ASSIGNED_GUID_BASE | (random_uint32() & 0xffffff);
    } while (!(guid & 0xffffff) || guid_in_use(sm, guid));
    return guid;
}

/* Picks a free slot, preferring the one 'guid' had before so that a port
 * that comes back gets its LID back. */
static bool
pick_slot(const struct fabric_sm *sm, uint64_t guid, uint32_t *idx)
{
    bool found = false;

    for (uint32_t i = 0; i < sm->n_ports; i++) {
        const struct fabric_sm_port *port = &sm->ports[i];

        if (port->in_use) {
            continue;
        }
        if (port->last_guid == guid) {
            *idx = i;
            return true;
        }
        if (!found && !port->last_guid) {
            *idx = i;
            found = true;
        }
    }
    if (found) {
        return true;
    }
    /* Every free slot was used before: take the first one. */
    for (uint32_t i = 0; i < sm->n_ports; i++) {
        if (!sm->ports[i].in_use) {
            *idx = i;
            return true;
        }
    }
    return false;
}

int
fabric_sm_attach(struct fabric_sm *sm, uint64_t guid, const char *name,
                 uint32_t *idxp)
{
    struct fabric_sm_port *port;
    uint32_t idx = 0;

    if (!guid) {
        guid = assign_guid(sm);
    } else if (guid_in_use(sm, guid)) {
        return EADDRINUSE;
    }
    if (!pick_slot(sm, guid, &idx)) {
        return ENOSPC;
    }

    port = &sm->ports[idx];
    memset(port, 0, sizeof *port);
    port->in_use = true;
    port->up = true;
    port->generation = sm->next_generation++;
    port->guid = guid;
    port->last_guid = guid;
    port->lid = FABRIC_FIRST_LID + idx;
    port->mtu = sm->max_mtu;
    ib_gid_from_parts(&port->gid, sm->subnet_prefix, guid);
    ovs_strlcpy(port->name, name && name[0] ? name : "port",
                sizeof port->name);
    build_pkey_table(sm, port);

    /* Nobody sends to a FREE slot, so its ring can be reset before the
     * port is published. */
    struct fabric_ring_ref ring = {
        .ring = fabric_shm_ring(sm->shm, idx),
        .n_slots = sm->shm->layout.ring_slots,
        .slot_size = sm->shm->layout.slot_size,
    };
    fabric_ring_init(&ring);
    memset(fabric_shm_counters(sm->shm, idx), 0,
           sizeof(struct fabric_shm_counters));
    publish_port(sm, idx);

    *idxp = idx;
    return 0;
}

static void
delete_group_if_empty(struct fabric_sm *sm, uint32_t gidx)
{
    struct fabric_sm_group *group = &sm->groups[gidx];

    for (uint32_t i = 0; i < sm->n_ports; i++) {
        if (group->join_state[i]) {
            return;
        }
    }
    group->in_use = false;
}

/* A port that goes down or away loses its group memberships. */
static void
drop_memberships(struct fabric_sm *sm, uint32_t idx)
{
    for (uint32_t g = 0; g < sm->n_groups; g++) {
        struct fabric_sm_group *group = &sm->groups[g];

        if (group->in_use && group->join_state[idx]) {
            group->join_state[idx] = 0;
            delete_group_if_empty(sm, g);
            publish_group(sm, g);
        }
    }
}

void
fabric_sm_detach(struct fabric_sm *sm, uint32_t idx)
{
    struct fabric_sm_port *port = &sm->ports[idx];

    if (port->in_use) {
        drop_memberships(sm, idx);
        port->in_use = false;
        port->up = false;
        publish_port(sm, idx);
    }
}

void
fabric_sm_set_link(struct fabric_sm *sm, uint32_t idx, bool up)
{
    struct fabric_sm_port *port = &sm->ports[idx];

    if (port->in_use && port->up != up) {
        port->up = up;
        if (!up) {
            drop_memberships(sm, idx);
        }
        publish_port(sm, idx);
    }
}

bool
fabric_sm_find_port(const struct fabric_sm *sm, const char *lid_or_name,
                    uint32_t *idxp)
{
    char *tail;
    unsigned long int lid = strtoul(lid_or_name, &tail, 0);
    bool by_lid = lid_or_name[0] >= '0' && lid_or_name[0] <= '9' && !*tail;

    for (uint32_t i = 0; i < sm->n_ports; i++) {
        const struct fabric_sm_port *port = &sm->ports[i];

        if (port->in_use
            && (by_lid ? port->lid == lid
                : !strcmp(port->name, lid_or_name))) {
            *idxp = i;
            return true;
        }
    }
    return false;
}

void
fabric_sm_port_info(const struct fabric_sm *sm, uint32_t idx,
                    struct fabric_msg_port_info *info)
{
    const struct fabric_sm_port *port = &sm->ports[idx];

    info->idx = idx;
    info->generation = port->generation;
    info->state = fabric_sm_port_state(sm, idx);
    info->lid = port->lid;
    info->sm_lid = FABRIC_SM_LID;
    info->mtu = port->mtu;
    info->guid = port->guid;
    info->gid = port->gid;
    info->n_pkeys = port->n_pkeys;
    memcpy(info->pkeys, port->pkeys, sizeof info->pkeys);
    memcpy(info->pkey_mtu, port->pkey_mtu, sizeof info->pkey_mtu);
    memcpy(info->pkey_sl, port->pkey_sl, sizeof info->pkey_sl);
}

static int
find_group(const struct fabric_sm *sm, const struct ib_gid *mgid)
{
    for (uint32_t i = 0; i < sm->n_groups; i++) {
        if (sm->groups[i].in_use
            && ib_gid_equals(&sm->groups[i].mgid, mgid)) {
            return i;
        }
    }
    return -1;
}

static int
create_group(struct fabric_sm *sm, const struct ib_gid *mgid,
             const struct fabric_sm_port *port, int pkey_idx, uint32_t qkey)
{
    for (uint32_t i = 0; i < sm->n_groups; i++) {
        struct fabric_sm_group *group = &sm->groups[i];

        if (!group->in_use) {
            memset(group, 0, sizeof *group);
            group->in_use = true;
            group->mgid = *mgid;
            group->mlid = FABRIC_FIRST_MLID + i;
            group->pkey = port->pkeys[pkey_idx] | IB_PKEY_FULL_MEMBER;
            group->qkey = qkey ? qkey : FABRIC_DEFAULT_QKEY;
            group->mtu = port->pkey_mtu[pkey_idx];
            group->sl = port->pkey_sl[pkey_idx];
            return i;
        }
    }
    return -1;
}

static void
group_record(const struct fabric_sm_group *group,
             struct ipoib_mcast_group *rec)
{
    rec->mgid = group->mgid;
    rec->mlid = group->mlid;
    rec->qkey = group->qkey;
    rec->ib_mtu = group->mtu;
    rec->sl = group->sl;
    rec->pkey = group->pkey;
}

int
fabric_sm_join(struct fabric_sm *sm, uint32_t idx, const struct ib_gid *mgid,
               uint16_t pkey, uint32_t qkey, uint8_t join_state,
               struct ipoib_mcast_group *rec)
{
    const struct fabric_sm_port *port = &sm->ports[idx];
    struct fabric_sm_group *group;
    int pkey_idx, g;

    if (fabric_sm_port_state(sm, idx) != IPOIB_PORT_ACTIVE) {
        return ENETDOWN;
    }
    if (!ib_gid_is_multicast(mgid)
        || !join_state
        || join_state & ~(IPOIB_JOIN_FULL | IPOIB_JOIN_SEND_ONLY)) {
        return EINVAL;
    }
    pkey_idx = find_pkey(port, pkey);
    if (pkey_idx < 0) {
        return EACCES;
    }

    g = find_group(sm, mgid);
    if (g < 0) {
        if (!(join_state & IPOIB_JOIN_FULL)) {
            return ENOENT;      /* Only a full member creates a group. */
        }
        g = create_group(sm, mgid, port, pkey_idx, qkey);
        if (g < 0) {
            return ENOSPC;
        }
    }
    group = &sm->groups[g];
    if ((group->pkey & 0x7fff) != (pkey & 0x7fff)
        || (qkey && qkey != group->qkey)
        || port->mtu < group->mtu) {
        delete_group_if_empty(sm, g);
        return EINVAL;
    }

    group->join_state[idx] |= join_state;
    publish_group(sm, g);
    group_record(group, rec);
    return 0;
}

int
fabric_sm_leave(struct fabric_sm *sm, uint32_t idx, const struct ib_gid *mgid,
                uint16_t pkey OVS_UNUSED, uint8_t join_state)
{
    struct fabric_sm_group *group;
    int g = find_group(sm, mgid);

    if (g < 0) {
        return ENOENT;
    }
    group = &sm->groups[g];
    if (!(group->join_state[idx] & join_state)) {
        return ENOENT;
    }
    group->join_state[idx] &= ~join_state;
    delete_group_if_empty(sm, g);
    publish_group(sm, g);
    return 0;
}

/* Finds the destination of a path query: by GID if 'dgid' is nonnull,
 * otherwise by LID. */
static const struct fabric_sm_port *
find_destination(const struct fabric_sm *sm, const struct ib_gid *dgid,
                 uint16_t dlid)
{
    for (uint32_t i = 0; i < sm->n_ports; i++) {
        const struct fabric_sm_port *port = &sm->ports[i];

        if (port->in_use && port->up
            && (dgid ? ib_gid_equals(&port->gid, dgid) : port->lid == dlid)) {
            return port;
        }
    }
    return NULL;
}

int
fabric_sm_path(const struct fabric_sm *sm, uint32_t idx,
               const struct ib_gid *dgid, uint16_t dlid, uint16_t pkey,
               struct ipoib_path *path)
{
    const struct fabric_sm_port *src = &sm->ports[idx];
    const struct fabric_sm_port *dst;
    int src_pkey, dst_pkey;

    if (fabric_sm_port_state(sm, idx) != IPOIB_PORT_ACTIVE) {
        return ENETDOWN;
    }
    src_pkey = find_pkey(src, pkey);
    if (src_pkey < 0) {
        return EACCES;
    }
    dst = find_destination(sm, dgid, dlid);
    if (!dst) {
        return ENOENT;
    }
    /* The two ends must share the partition, one of them as a full
     * member, or no packet could pass between them. */
    dst_pkey = find_pkey(dst, pkey);
    if (dst_pkey < 0
        || !((src->pkeys[src_pkey] | dst->pkeys[dst_pkey])
             & IB_PKEY_FULL_MEMBER)) {
        return ENOENT;
    }

    memset(path, 0, sizeof *path);
    path->dgid = dst->gid;
    path->dlid = dst->lid;
    path->sl = src->pkey_sl[src_pkey];
    path->ib_mtu = MIN(src->pkey_mtu[src_pkey], dst->mtu);
    return 0;
}
