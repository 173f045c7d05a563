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
#include "fabric/fabric-deliver.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "socket-util.h"
#include "util.h"

/* Retries of a directory entry that keeps changing under a reader. */
#define ROUTE_READ_TRIES 64

struct fabric_ring_ref
fabric_ring_ref(const struct fabric_shm *shm, uint32_t idx)
{
    return (struct fabric_ring_ref) {
        .ring = fabric_shm_ring(shm, idx),
        .n_slots = shm->layout.ring_slots,
        .slot_size = shm->layout.slot_size,
    };
}

/* What the switch needs of a port: a cheaper read than
 * fabric_shm_read_port(), which copies the whole P_Key table. */
struct route {
    uint32_t state;
    uint32_t generation;
    uint32_t mtu;
};

static bool
read_route(const struct fabric_shm *shm, uint32_t idx, struct route *route)
{
    struct fabric_shm_port *port = fabric_shm_port(shm, idx);

    for (int i = 0; i < ROUTE_READ_TRIES; i++) {
        uint32_t before = atomic_load_explicit(&port->seq,
                                               memory_order_acquire);
        if (before & 1) {
            continue;
        }
        route->state = port->state;
        route->generation = port->generation;
        route->mtu = port->mtu;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&port->seq, memory_order_relaxed)
            == before) {
            return true;
        }
    }
    return false;
}

void
fabric_wake(const struct fabric_shm *shm, int wake_sock, uint32_t idx,
            uint32_t generation)
{
    struct sockaddr_un sun;
    socklen_t len;
    char byte = 0;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    len = offsetof(struct sockaddr_un, sun_path)
          + fabric_shm_wake_name(shm, idx, generation, sun.sun_path);
    /* A full socket buffer means a wake-up is pending already. */
    ignore(sendto(wake_sock, &byte, 1, MSG_DONTWAIT,
                  (struct sockaddr *) &sun, len));
}

/* Puts the packet into ring 'idx'.  Returns true if it went in. */
static bool
deliver_to_port(const struct fabric_shm *shm, int wake_sock, uint32_t idx,
                uint32_t generation, const struct fabric_pkt_meta *meta,
                const void *data)
{
    struct fabric_ring_ref ring = fabric_ring_ref(shm, idx);
    bool wake;

    if (fabric_ring_enqueue(&ring, meta, data, &wake)) {
        return false;
    }
    if (wake) {
        fabric_wake(shm, wake_sock, idx, generation);
    }
    return true;
}

static enum fabric_deliver_result
deliver_unicast(const struct fabric_shm *shm, int wake_sock,
                const struct fabric_pkt_meta *meta, const void *data,
                uint32_t max_len)
{
    struct route route;
    uint32_t idx;

    if (!fabric_lid_to_port(shm, meta->dlid, &idx)
        || !read_route(shm, idx, &route)
        || route.state != FABRIC_SHM_PORT_ACTIVE) {
        return FABRIC_DROP_NO_DEST;
    }
    if (meta->len > MIN(max_len, route.mtu)) {
        return FABRIC_DROP_MTU;
    }
    return (deliver_to_port(shm, wake_sock, idx, route.generation, meta,
                            data)
            ? FABRIC_DELIVERED : FABRIC_DROP_FULL);
}

static enum fabric_deliver_result
deliver_multicast(const struct fabric_shm *shm, int wake_sock,
                  const struct fabric_pkt_meta *meta, const void *data,
                  uint32_t max_len)
{
    uint32_t max_ports = shm->layout.max_ports;
    struct fabric_shm_group group;
    int n_members = 0, n_delivered = 0;
    uint32_t gidx;

    if (!fabric_mlid_to_group(shm, meta->dlid, &gidx)
        || !fabric_shm_read_group(shm, gidx, &group)
        || !group.in_use || group.mlid != meta->dlid) {
        return FABRIC_DROP_NO_DEST;
    }
    if (meta->len > MIN(max_len, group.mtu)) {
        return FABRIC_DROP_MTU;
    }

    for (uint32_t w = 0; w < FABRIC_MEMBER_WORDS; w++) {
        uint64_t bits = group.members[w];

        while (bits) {
            uint32_t idx = w * 64 + raw_ctz(bits);
            struct route route;

            bits &= bits - 1;
            if (idx >= max_ports
                || !read_route(shm, idx, &route)
                || route.state != FABRIC_SHM_PORT_ACTIVE) {
                continue;
            }
            n_members++;
            n_delivered += deliver_to_port(shm, wake_sock, idx,
                                           route.generation, meta, data);
        }
    }
    return (n_members && !n_delivered ? FABRIC_DROP_FULL
            : FABRIC_DELIVERED);
}

enum fabric_deliver_result
fabric_deliver_claim(const struct fabric_shm *shm,
                     const struct fabric_pkt_meta *meta, uint32_t max_len,
                     struct fabric_deliver_slot *ds)
{
    struct route route;

    if (meta->len > FABRIC_SLOT_DATA) {
        return FABRIC_DROP_MTU;
    }
    if (meta->flags & FABRIC_PKT_F_MCAST
        || !fabric_lid_to_port(shm, meta->dlid, &ds->idx)
        || !read_route(shm, ds->idx, &route)
        || route.state != FABRIC_SHM_PORT_ACTIVE) {
        return FABRIC_DROP_NO_DEST;
    }
    if (meta->len > MIN(max_len, route.mtu)) {
        return FABRIC_DROP_MTU;
    }
    ds->generation = route.generation;
    ds->ring = fabric_ring_ref(shm, ds->idx);
    ds->slot = fabric_ring_claim(&ds->ring, &ds->pos);
    return ds->slot ? FABRIC_DELIVERED : FABRIC_DROP_FULL;
}

bool
fabric_deliver_commit(const struct fabric_shm *shm, int wake_sock,
                      struct fabric_deliver_slot *ds,
                      const struct fabric_pkt_meta *meta)
{
    bool wake;

    if (fabric_ring_publish(&ds->ring, ds->slot, ds->pos, meta, &wake)) {
        return false;
    }
    if (wake) {
        fabric_wake(shm, wake_sock, ds->idx, ds->generation);
    }
    return true;
}

enum fabric_deliver_result
fabric_deliver(const struct fabric_shm *shm, int wake_sock,
               const struct fabric_pkt_meta *meta, const void *data,
               uint32_t max_len)
{
    if (meta->len > FABRIC_SLOT_DATA) {
        return FABRIC_DROP_MTU;
    }
    return (meta->flags & FABRIC_PKT_F_MCAST
            ? deliver_multicast(shm, wake_sock, meta, data, max_len)
            : deliver_unicast(shm, wake_sock, meta, data, max_len));
}

int
fabric_wake_socket_open(void)
{
    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    return sock >= 0 ? sock : -errno;
}

int
fabric_wake_socket_bind(const struct fabric_shm *shm, uint32_t idx,
                        uint32_t generation)
{
    struct sockaddr_un sun;
    socklen_t len;
    int sock;

    sock = fabric_wake_socket_open();
    if (sock < 0) {
        return sock;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    len = offsetof(struct sockaddr_un, sun_path)
          + fabric_shm_wake_name(shm, idx, generation, sun.sun_path);
    /* A name left by a consumer that died is ours now: the slot and its
     * generation identify us. */
    unlink(sun.sun_path);
    if (bind(sock, (struct sockaddr *) &sun, len) < 0) {
        int error = errno;
        close(sock);
        return -error;
    }
    return sock;
}

void
fabric_wake_socket_unlink(const struct fabric_shm *shm, uint32_t idx,
                          uint32_t generation)
{
    char path[FABRIC_WAKE_NAME_LEN];

    fabric_shm_wake_name(shm, idx, generation, path);
    unlink(path);
}

void
fabric_wake_socket_close(const struct fabric_shm *shm, uint32_t idx,
                         uint32_t generation, int sock)
{
    if (sock >= 0) {
        fabric_wake_socket_unlink(shm, idx, generation);
        close(sock);
    }
}

void
fabric_wake_drain(int sock)
{
    char buf[64];

    while (recv(sock, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        continue;
    }
}
