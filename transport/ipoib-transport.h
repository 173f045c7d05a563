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

#ifndef IPOIB_TRANSPORT_H
#define IPOIB_TRANSPORT_H 1

/* The interface between the ipoib netdev and an InfiniBand port.
 *
 * A transport opens one HCA port and offers what the netdev needs of it,
 * in the shape of the verbs and SA operations a real HCA has:
 *
 *   - port attributes (LID, GID, P_Key table, MTU, state);
 *   - UD QPs, one per VIF, created and destroyed at run time, all sharing
 *     one receive path (a verbs backend uses one SRQ and one CQ set);
 *   - multicast attach/detach of a QP (a verbs call) and multicast
 *     join/leave at the subnet manager (an SA request), kept separate as
 *     they are on real hardware;
 *   - path queries (an SA PathRecord request);
 *   - batched send and receive of UD datagrams.
 *
 * SA requests are asynchronous: their answers, and port state changes, come
 * back as events from poll_event().  Control functions (everything except
 * send, recv and recv_wait) are called from one thread.  send() may be
 * called from several threads at once; recv()/recv_wait() from one thread at
 * a time.
 *
 * Backends: "sim" (transport-sim.c, the simulated subnet of ipoib-fabricd)
 * and "verbs" (transport-verbs.c: an HCA through rdma-core, when built).
 * All byte strings (GIDs, payloads) are in network byte order; all integers
 * in host byte order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"

struct ipoib_port;

/* How the netdev asks for a port. */
struct ipoib_port_config {
    const char *device;     /* HCA name ("mlx5_0"); "sim" backends: any. */
    int port_num;           /* 1-based port number on the HCA. */
    const char *fabric;     /* "sim": unix socket of ipoib-fabricd. */
    uint64_t guid;          /* "sim": port GUID to claim, 0 to be given one. */
    const char *name;       /* For logs and the fabric's listings. */
};

enum ipoib_port_state {
    IPOIB_PORT_DOWN,        /* No link, or the fabric is unreachable. */
    IPOIB_PORT_INIT,        /* Link up, not yet configured by the SM. */
    IPOIB_PORT_ACTIVE,      /* LID assigned, traffic may flow. */
};

#define IPOIB_MAX_PKEYS 128

struct ipoib_port_attr {
    enum ipoib_port_state state;
    uint16_t lid;
    uint16_t sm_lid;
    struct ib_gid gid;              /* GID index 0. */
    uint32_t ib_mtu;                /* Active path MTU in bytes (2048...). */
    int n_pkeys;
    uint16_t pkeys[IPOIB_MAX_PKEYS];    /* The port's P_Key table. */

    /* Offloads the backend performs (in hardware or itself). */
    bool rx_csum;                   /* Completions say "checksum OK". */
    bool tx_csum;                   /* Fills IPv4/TCP/UDP checksums. */
    uint32_t max_lso;               /* Largest LSO payload, 0 if none. */
};

/* An SA PathRecord answer. */
struct ipoib_path {
    struct ib_gid dgid;
    uint16_t dlid;
    uint8_t sl;
    uint32_t ib_mtu;                /* Path MTU in bytes. */
};

/* An SA MCMemberRecord answer. */
struct ipoib_mcast_group {
    struct ib_gid mgid;
    uint16_t mlid;
    uint32_t qkey;
    uint32_t ib_mtu;
    uint8_t sl;
    uint16_t pkey;
};

enum ipoib_join_state {
    IPOIB_JOIN_FULL = 1,            /* Send and receive. */
    IPOIB_JOIN_SEND_ONLY = 8,       /* Send-only non-member. */
};

enum ipoib_event_type {
    IPOIB_EV_PORT_STATE,            /* Port state or attributes changed:
                                     * call query_port(). After a DOWN/ACTIVE
                                     * cycle, QPs, attachments and joins are
                                     * gone and must be made again. */
    IPOIB_EV_PATH_DONE,             /* A query_path() has an answer. */
    IPOIB_EV_JOIN_DONE,             /* A join_mcast() has an answer. */
    IPOIB_EV_SM_CHANGE,             /* SM moved or asked clients to
                                     * re-register: re-join all groups. */
};

struct ipoib_event {
    enum ipoib_event_type type;
    int status;                     /* 0 or a positive errno value. */
    union {
        struct {
            struct ib_gid dgid;     /* As queried (zero for a LID query). */
            uint16_t query_dlid;    /* As queried (0 for a GID query). */
            uint16_t pkey;          /* As queried. */
            struct ipoib_path path; /* Valid if status == 0. */
        } path;
        struct ipoib_mcast_group join;  /* mgid always valid, rest if 0. */
    };
};

/* One datagram to send from one of the port's QPs. */
struct ipoib_tx_desc {
    uint32_t src_qpn;               /* Local QP it is sent from. */
    uint16_t dlid;                  /* Unicast LID or multicast MLID. */
    uint32_t dqpn;                  /* IB_MULTICAST_QPN for multicast. */
    uint32_t qkey;
    uint16_t pkey;                  /* Must be in the port's table. */
    uint8_t sl;
    bool global;                    /* Carry a GRH (always, multicast). */
    struct ib_gid dgid;             /* With 'global'. */
    const void *data;               /* IPoIB header and payload. */
    size_t len;
    uint32_t flags;                 /* IPOIB_TX_F_*. */
    uint16_t mss;                   /* With IPOIB_TX_F_LSO. */
};

#define IPOIB_TX_F_CSUM 0x1         /* Fill L3/L4 checksums (tx_csum). */
#define IPOIB_TX_F_LSO  0x2         /* Segment to 'mss' (max_lso). */

/* One received datagram.  The caller sets 'buf' and 'buf_size' (which must be
 * at least the port's IB MTU); recv() fills in the rest.  The GRH area of a
 * verbs receive buffer is not part of 'buf': its fields come separately. */
struct ipoib_rx_desc {
    uint8_t *buf;                   /* IPoIB header and payload. */
    size_t buf_size;
    size_t len;
    uint32_t dqpn;                  /* Local QP it arrived on. */
    uint32_t sqpn;
    uint16_t slid;
    uint16_t pkey;                  /* From the BTH. */
    bool multicast;                 /* Sent to a multicast group. */
    bool has_grh;
    struct ib_gid sgid;             /* With 'has_grh'. */
    struct ib_gid dgid;             /* With 'has_grh': the MGID if mcast. */
    bool csum_ok;                   /* Receive checksum verified. */
};

/* Port-level counters kept by the backend, like an HCA's port counters. */
struct ipoib_port_stats {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_dropped_no_qp;      /* No QP with that number. */
    uint64_t rx_dropped_pkey;       /* P_Key violation. */
    uint64_t rx_dropped_qkey;       /* Q_Key violation. */
    uint64_t rx_dropped_mtu;        /* Longer than the port's MTU. */
    uint64_t rx_dropped_overrun;    /* Receive queue full. */
    uint64_t rx_errors;             /* Receive completions with an error
                                     * status (verbs; 0 for "sim"). */
    uint64_t tx_dropped;            /* Could not be sent (no path, full). */
    uint64_t tx_errors;             /* Send completions with an error
                                     * status (verbs). */

    /* Address handles (verbs; 0 for "sim"): sends that found one cached
     * (hits) or had to make one (misses); of the latter, those that
     * evicted the least recently used one and those that could not make
     * one (failures: the send is dropped). */
    uint64_t ah_hits, ah_misses, ah_evictions, ah_failures;
};

struct ipoib_transport_class {
    const char *type;               /* "sim", "verbs". */

    /* Opens the port.  Succeeds even if the fabric is not reachable yet: the
     * port then stays DOWN and the backend keeps trying in run(). Returns
     * a positive errno value for bad configuration. */
    int (*open)(const struct ipoib_port_config *, struct ipoib_port **);
    void (*close)(struct ipoib_port *);

    /* Does control-path work (reconnects, SA answers); 'wait' arranges for
     * poll_block() to wake when run() has work. */
    void (*run)(struct ipoib_port *);
    void (*wait)(struct ipoib_port *);

    /* Returns 0 and an event, or EAGAIN if there is none. */
    int (*poll_event)(struct ipoib_port *, struct ipoib_event *);

    void (*query_port)(struct ipoib_port *, struct ipoib_port_attr *);
    void (*get_stats)(struct ipoib_port *, struct ipoib_port_stats *);

    /* UD QPs.  'pkey' must be in the port's P_Key table. */
    int (*create_qp)(struct ipoib_port *, uint16_t pkey, uint32_t qkey,
                     uint32_t *qpnp);
    void (*destroy_qp)(struct ipoib_port *, uint32_t qpn);

    /* Verbs-level multicast attach of a QP (no SA traffic). */
    int (*attach_mcast)(struct ipoib_port *, uint32_t qpn,
                        const struct ib_gid *mgid, uint16_t mlid);
    void (*detach_mcast)(struct ipoib_port *, uint32_t qpn,
                         const struct ib_gid *mgid, uint16_t mlid);

    /* SA requests; answers come as IPOIB_EV_JOIN_DONE / IPOIB_EV_PATH_DONE.
     * For a join, 'qkey' 0 accepts the group's Q_Key (creating the group
     * with a default one if it does not exist yet). */
    int (*join_mcast)(struct ipoib_port *, const struct ib_gid *mgid,
                      uint16_t pkey, uint32_t qkey, enum ipoib_join_state);
    void (*leave_mcast)(struct ipoib_port *, const struct ib_gid *mgid,
                        uint16_t pkey, enum ipoib_join_state);
    /* Either 'dgid' (non-NULL) or 'dlid' names the destination. */
    int (*query_path)(struct ipoib_port *, const struct ib_gid *dgid,
                      uint16_t dlid, uint16_t pkey);

    /* Data path.  send() returns how many of 'n' were queued (the rest are
     * counted as tx_dropped); recv() returns how many of 'n' descriptors it
     * filled, 0 if none.  recv_wait() wakes poll_block() when recv() has
     * something. */
    int (*send)(struct ipoib_port *, const struct ipoib_tx_desc *, int n);
    int (*recv)(struct ipoib_port *, struct ipoib_rx_desc *, int n);
    void (*recv_wait)(struct ipoib_port *);

    /* Optional (may be NULL): why the port cannot carry traffic now (no
     * such device, link down, no subnet manager...), or NULL if nothing is
     * wrong.  The string stays valid until the next call into the port.
     * A change comes with an IPOIB_EV_PORT_STATE event. */
    const char *(*get_error)(struct ipoib_port *);
};

extern const struct ipoib_transport_class ipoib_transport_sim;
extern const struct ipoib_transport_class ipoib_transport_verbs;

/* Returns the class named 'type', or NULL. */
const struct ipoib_transport_class *ipoib_transport_find(const char *type);

#endif /* ipoib-transport.h */
