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

#ifndef FABRIC_SHM_H
#define FABRIC_SHM_H 1

/* Shared memory of the simulated InfiniBand subnet.
 *
 * Design
 * ======
 *
 * ipoib-fabricd plays the subnet manager (SM) and the switch of one subnet.
 * Clients ("HCA ports", transport-sim.c inside ovs-vswitchd or a test
 * program) attach to it over a unix SOCK_SEQPACKET socket (fabric-proto.h).
 * That socket carries only control traffic: attach, SA requests (path
 * queries, multicast join/leave) and port state changes.
 *
 * The data path never goes through the daemon one packet at a time.  The
 * daemon creates one memfd, lays it out as below and passes it to each
 * client with SCM_RIGHTS in the attach answer.  Every client maps it whole:
 *
 *     +------------------------------+  offset 0
 *     | fabric_shm_header            |  magic, version, layout numbers,
 *     |                              |  instance id, capture flag
 *     +------------------------------+  ports_ofs
 *     | fabric_shm_port [max_ports]  |  port directory (daemon writes)
 *     +------------------------------+  counters_ofs
 *     | fabric_shm_counters          |  per-port counters (each client
 *     |            [max_ports]       |  writes its own entry)
 *     +------------------------------+  groups_ofs
 *     | fabric_shm_group [max_groups]|  multicast groups (daemon writes)
 *     +------------------------------+  rings_ofs
 *     | ring 0 .. ring max_ports-1   |  one receive ring per port,
 *     | ring max_ports               |  then the daemon's own ring
 *     +------------------------------+  total_size
 *
 * Port directory: entry i describes the port attached in slot i, whose LID
 * is FABRIC_FIRST_LID + i, so that a sender finds a destination from its
 * DLID without searching.  Multicast groups: entry i is the group whose MLID
 * is FABRIC_FIRST_MLID + i.  Both kinds of entries are written only by the
 * daemon, under a sequence lock (odd while being written); readers copy an
 * entry and retry a bounded number of times if it changed under them.
 *
 * Rings: each ring is a bounded multi-producer, single-consumer queue of
 * fixed slots (fabric-ring.h).  Each slot has a 64-bit sequence number; a
 * producer claims a position with a compare-and-swap on the ring's head,
 * fills the slot and publishes it by advancing the slot's sequence number.
 * The consumer, the port's owner, reads slots in order.  A slot holds
 * packet metadata (LIDs, QPNs, P_Key, Q_Key, GIDs: what an HCA takes from
 * the LRH, GRH, BTH and DETH) and up to FABRIC_SLOT_DATA payload bytes.
 *
 * Sending: a sender looks the DLID up in the directory (or the MLID in the
 * group table, then every member port), checks the path MTU, and copies the
 * packet into each destination ring, its own included for a multicast group
 * it is a member of (HCA loopback).  The receiving client does the checks an
 * HCA does (QPN, P_Key, Q_Key, MTU) when it dequeues.  When the header's
 * 'capture' flag is set, senders enqueue into the daemon's ring instead; the
 * daemon writes the packet to the pcap file and then delivers it with the
 * same code.
 *
 * Wake-ups: a consumer that is about to sleep sets its ring's need_wakeup
 * flag and looks at the ring once more.  A producer that publishes a packet
 * and finds the flag set clears it and sends one byte to the consumer's
 * unix datagram socket, whose name comes from the daemon's wake-up
 * directory (in the header), the instance id, the slot and the slot's
 * generation (fabric_shm_wake_name()).  While the consumer is busy,
 * producers make no system calls.  The sockets live in the file system,
 * not in the abstract namespace, because abstract names belong to one
 * network namespace and clients of one fabric may each run in their own
 * (as ovs-ipoib-sandbox(8) makes them).  Each consumer removes its own
 * socket file; the daemon removes the directory when it exits.
 *
 * Robustness: every client validates the header against the size of the
 * mapping before it uses anything; every index read from shared memory (a
 * slot, a member bit, a length) is bounds-checked before use, so a buggy or
 * dead peer can lose packets but cannot make another process read or write
 * out of bounds.  A producer that dies between claiming a slot and
 * publishing it would stall a ring; the consumer skips such a slot after
 * FABRIC_RING_STALL_MS, and a producer that publishes late finds the slot
 * taken from it and counts a drop.
 *
 * All integers in shared memory are in host byte order (every process runs
 * on the same host); GIDs are in network byte order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "ovs-atomic.h"
#include "transport/ipoib-transport.h"

#define FABRIC_SHM_MAGIC 0x49504f4942534d31ULL   /* "IPOIBSM1" */
#define FABRIC_SHM_VERSION 1

/* Offloads of the simulated HCAs ('hca_offloads' in the header), modelled
 * on ConnectX: checksums filled on send and verified on receive, and large
 * send (LSO): the sending HCA cuts a TCP packet into MTU-sized datagrams.
 * The receiving port only ever gets datagrams no larger than its MTU. */
#define FABRIC_HCA_CSUM 0x1
#define FABRIC_HCA_LSO 0x2
#define FABRIC_HCA_MAX_LSO 65536    /* Largest LSO packet (IPoIB header
                                     * included), like mlx5's 64 KiB. */

/* Hard limits; the daemon's actual numbers are in the header. */
#define FABRIC_MAX_PORTS 256
#define FABRIC_MAX_GROUPS 1024
#define FABRIC_MIN_RING_SLOTS 16
#define FABRIC_MAX_RING_SLOTS 16384

/* Defaults of the daemon. */
#define FABRIC_DEFAULT_PORTS 64
#define FABRIC_DEFAULT_GROUPS 256
#define FABRIC_DEFAULT_RING_SLOTS 512

/* Largest IB payload (the largest IB MTU). */
#define FABRIC_SLOT_DATA 4096

/* LIDs: the SM has FABRIC_SM_LID, port slot i has FABRIC_FIRST_LID + i;
 * multicast group i has FABRIC_FIRST_MLID + i. */
#define FABRIC_SM_LID 1
#define FABRIC_FIRST_LID 2
#define FABRIC_FIRST_MLID 0xc000

#define FABRIC_MEMBER_WORDS (FABRIC_MAX_PORTS / 64)

/* The longest wake-up directory name, so that socket names in it fit in
 * a sockaddr_un. */
#define FABRIC_WAKE_DIR_LEN 72

struct fabric_shm_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;       /* sizeof(struct fabric_shm_header). */
    uint32_t max_ports;
    uint32_t max_groups;
    uint32_t ring_slots;        /* Power of 2. */
    uint32_t slot_size;
    uint64_t instance;          /* Random, new for every daemon start. */
    uint64_t subnet_prefix;
    uint64_t ports_ofs;
    uint64_t counters_ofs;
    uint64_t groups_ofs;
    uint64_t rings_ofs;
    uint64_t ring_size;         /* Bytes per ring, header included. */
    uint64_t total_size;
    atomic_uint32_t capture;    /* Nonzero: send to the daemon's ring. */
    uint32_t hca_offloads;      /* FABRIC_HCA_*: what every simulated HCA
                                 * does (ipoib-fabricd --hca-offloads). */
    char wake_dir[FABRIC_WAKE_DIR_LEN]; /* Absolute, NUL-terminated. */
};

enum fabric_shm_port_state {
    FABRIC_SHM_PORT_FREE = 0,   /* No client in this slot. */
    FABRIC_SHM_PORT_DOWN = 1,   /* Attached, link down. */
    FABRIC_SHM_PORT_ACTIVE = 2, /* Attached and up. */
};

/* One port of the directory. */
struct fabric_shm_port {
    atomic_uint32_t seq;        /* Odd while the daemon writes. */
    uint32_t state;             /* enum fabric_shm_port_state. */
    uint32_t generation;        /* Changes whenever the slot changes hands. */
    uint32_t mtu;               /* Port MTU in bytes. */
    uint16_t lid;
    uint16_t n_pkeys;
    uint32_t pad;
    uint64_t guid;
    struct ib_gid gid;
    uint16_t pkeys[IPOIB_MAX_PKEYS];
    char name[32];
};

/* Counters a client publishes for its port (for fabric/show and
 * fabric/stats).  Only that client writes them. */
struct fabric_shm_counters {
    atomic_uint32_t generation; /* Of the slot, when last written. */
    atomic_uint32_t n_qps;
    atomic_uint64_t rx_packets, rx_bytes;
    atomic_uint64_t tx_packets, tx_bytes;
    atomic_uint64_t rx_dropped_no_qp;
    atomic_uint64_t rx_dropped_pkey;
    atomic_uint64_t rx_dropped_qkey;
    atomic_uint64_t rx_dropped_mtu;
    atomic_uint64_t tx_dropped;
};

/* One multicast group. */
struct fabric_shm_group {
    atomic_uint32_t seq;        /* Odd while the daemon writes. */
    uint32_t in_use;
    uint16_t mlid;
    uint16_t pkey;
    uint32_t qkey;
    uint32_t mtu;
    uint32_t pad;
    struct ib_gid mgid;
    /* Ports that receive (full members): bit i is port slot i. */
    uint64_t members[FABRIC_MEMBER_WORDS];
};

/* A mapping of the shared memory, in either the daemon or a client. */
struct fabric_shm {
    int fd;
    void *base;
    size_t size;
    const struct fabric_shm_header *hdr;    /* Validated copy below. */
    struct fabric_shm_header layout;        /* Numbers checked at map. */
};

/* 'wake_dir' is an absolute path shorter than FABRIC_WAKE_DIR_LEN. */
int fabric_shm_create(struct fabric_shm *, uint32_t max_ports,
                      uint32_t max_groups, uint32_t ring_slots,
                      uint64_t subnet_prefix, const char *wake_dir);
int fabric_shm_map(struct fabric_shm *, int fd);
void fabric_shm_unmap(struct fabric_shm *);

/* The header, as shared (for the capture flag). */
static inline struct fabric_shm_header *
fabric_shm_hdr(const struct fabric_shm *shm)
{
    return shm->base;
}

struct fabric_shm_port *fabric_shm_port(const struct fabric_shm *,
                                        uint32_t idx);
struct fabric_shm_counters *fabric_shm_counters(const struct fabric_shm *,
                                                uint32_t idx);
struct fabric_shm_group *fabric_shm_group(const struct fabric_shm *,
                                          uint32_t idx);
struct fabric_ring *fabric_shm_ring(const struct fabric_shm *, uint32_t idx);

/* The daemon's own ring is the one after the ports'. */
static inline uint32_t
fabric_shm_daemon_ring(const struct fabric_shm *shm)
{
    return shm->layout.max_ports;
}

/* Consistent copies of directory entries.  Return false if the entry is
 * out of range or kept changing. */
bool fabric_shm_read_port(const struct fabric_shm *, uint32_t idx,
                          struct fabric_shm_port *);
bool fabric_shm_read_group(const struct fabric_shm *, uint32_t idx,
                           struct fabric_shm_group *);

/* Daemon only: writes entries under their sequence locks. */
void fabric_shm_write_port(struct fabric_shm *, uint32_t idx,
                           const struct fabric_shm_port *);
void fabric_shm_write_group(struct fabric_shm *, uint32_t idx,
                            const struct fabric_shm_group *);

/* Maps LIDs to directory indexes.  Return false if out of range. */
bool fabric_lid_to_port(const struct fabric_shm *, uint16_t lid,
                        uint32_t *idx);
bool fabric_mlid_to_group(const struct fabric_shm *, uint16_t mlid,
                          uint32_t *idx);

/* Name of the unix datagram socket that wakes the consumer of ring 'idx'
 * with the given generation.  Fills 'sun_path' (at least
 * FABRIC_WAKE_NAME_LEN bytes, NUL-terminated) and returns the length of
 * the address. */
#define FABRIC_WAKE_NAME_LEN (FABRIC_WAKE_DIR_LEN + 32)
size_t fabric_shm_wake_name(const struct fabric_shm *, uint32_t idx,
                            uint32_t generation, char *sun_path);
/* The prefix all of this instance's socket names in the wake-up directory
 * start with. */
void fabric_shm_wake_prefix(const struct fabric_shm *, char prefix[16]);

#endif /* fabric/fabric-shm.h */
