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

#ifndef VERBS_PRIVATE_H
#define VERBS_PRIVATE_H 1

/* Internals of the "verbs" transport (rdma-core libibverbs), shared by its
 * files:
 *
 *   transport-verbs.c  the class: open/close, run/wait, events, SA glue;
 *   verbs-device.c     opening an HCA port and its shared resources (PD,
 *                      CQs, SRQ, memory regions), with clear errors;
 *   verbs-qp.c         one UD QP per VIF, all on the shared SRQ and CQs;
 *   verbs-datapath.c   send (chained posts, AH cache) and receive (CQ
 *                      polling in batches, receive ring);
 *   verbs-ah-cache.c, verbs-rx-ring.c, verbs-offload.c: logic without
 *                      verbs calls, unit-tested on their own.
 *
 * Locking: 'tx_mutex' serializes senders (send() may run in several
 * threads) and guards the send side of 'dev'; 'rx_mutex' guards the
 * receive side.  The control thread takes both (rx first) to change 'dev'
 * or the QP table, so either lock alone is enough to read them. */

#include <infiniband/verbs.h>
#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "seq.h"
#include "transport/ipoib-counter.h"
#include "transport/ipoib-event-queue.h"
#include "transport/ipoib-transport.h"
#include "transport/verbs-ah-cache.h"
#include "transport/verbs-offload.h"
#include "transport/verbs-rx-ring.h"

struct ib_sa_client;

/* Sizes.  Per port, not per VIF: a VIF costs one QP (its send queue of
 * VERBS_QP_SEND_WR entries), nothing more. */
#define VERBS_RX_BUFS 1024          /* Receive buffers on the SRQ. */
#define VERBS_RX_BATCH 32           /* Receive buffers per chained post. */
#define VERBS_TX_SLOTS 512          /* Send buffers, without LSO. */
#define VERBS_TX_SLOTS_LSO 128      /* Send buffers of 64 kB, with LSO. */
#define VERBS_QP_SEND_WR 64         /* Send queue depth of each QP. */
#define VERBS_MAX_CHAIN 64          /* Work requests per ibv_post_send. */
#define VERBS_AH_MAX 1024           /* Address handles cached. */
#define VERBS_AH_RETIRED_MAX 64     /* Evicted, waiting for sends. */
#define VERBS_POLL_BATCH 32         /* Completions per ibv_poll_cq. */
#define VERBS_MAX_LSO 65536         /* Largest LSO payload we use. */

/* One UD QP. */
struct verbs_qp {
    struct hmap_node node;          /* In ipoib_port's 'qps', by qpn. */
    struct ibv_qp *qp;
    uint32_t qpn;
    uint16_t pkey;                  /* The table's entry. */
    uint16_t pkey_idx;
    uint32_t qkey;
    uint32_t n_outstanding;         /* Sends not completed (tx_mutex). */
    bool broken;                    /* In an error state, to reset. */
    long long int broken_since;     /* When 'broken' was set (msec). */
    bool last_wqe_seen;             /* IBV_EVENT_QP_LAST_WQE_REACHED since
                                     * then. */
};

/* A send buffer. */
struct verbs_tx_slot {
    uint32_t gen;                   /* Bumped on every use. */
    uint32_t qpn;                   /* Sending QP, while busy. */
    struct ibv_ah *ah;              /* Used by the send, while busy. */
    bool busy;
};

/* Everything that exists while the device is open. */
struct verbs_dev {
    struct ibv_context *ctx;
    struct ibv_pd *pd;
    struct ibv_comp_channel *rx_channel;
    struct ibv_cq *rx_cq;
    struct ibv_cq *tx_cq;
    struct ibv_srq *srq;
    struct verbs_offloads offloads;
    uint32_t max_mtu;               /* Port's largest MTU, in bytes. */
    uint32_t max_srq_wr;            /* Device limits, 0 if unknown. */
    uint32_t max_cqe;

    /* Receive side (rx_mutex). */
    struct verbs_rx_ring rx_ring;
    struct ibv_mr *rx_mr;
    struct ibv_recv_wr rx_wrs[VERBS_RX_BATCH];
    struct ibv_sge rx_sges[VERBS_RX_BATCH];
    unsigned int rx_events_unacked;
    /* Completions polled before recv() could take them: by recv_wait(),
     * and before a QP is reset or destroyed, which would discard its
     * completions and so lose their buffers.  A FIFO with room for every
     * receive buffer. */
    struct ibv_wc *rx_stash;
    uint32_t rx_stash_head, n_rx_stash;

    /* Send side (tx_mutex). */
    uint8_t *tx_mem;
    size_t tx_stride;
    uint32_t n_tx_slots;
    struct verbs_tx_slot *tx_slots;
    uint32_t *tx_free;              /* Stack of idle slot indexes. */
    uint32_t n_tx_free;
    struct ibv_mr *tx_mr;
    struct verbs_ah_cache ahs;
    struct ibv_ah *retired[VERBS_AH_RETIRED_MAX];
    size_t n_retired;
    struct ibv_send_wr tx_wrs[VERBS_MAX_CHAIN];
    struct ibv_sge tx_sges[VERBS_MAX_CHAIN];
    struct ibv_pd *ah_pd;           /* For the AH cache's callbacks. */
    int port_num;
};

struct verbs_counters {
    atomic_uint64_t rx_packets, rx_bytes;
    atomic_uint64_t tx_packets, tx_bytes;
    atomic_uint64_t rx_dropped_no_qp;
    atomic_uint64_t rx_dropped_mtu;
    atomic_uint64_t rx_errors;
    atomic_uint64_t tx_dropped;
    atomic_uint64_t tx_errors;
};

/* The address handle cache counters of devices closed before, so that the
 * port's totals do not go back when the device is opened again. */
struct verbs_ah_totals {
    uint64_t hits, misses, evictions, failures;
};

#define VERBS_MAX_REQUESTS 1024

enum verbs_request_type {
    VERBS_REQ_PATH,
    VERBS_REQ_JOIN,
    VERBS_REQ_LEAVE,
};

/* An SA request waiting for its answer. */
struct verbs_request {
    struct hmap_node node;          /* In 'requests', by cookie. */
    uint64_t cookie;
    enum verbs_request_type type;
    struct ib_gid gid;              /* MGID, or DGID of a path query. */
    uint16_t dlid;                  /* Of a LID path query. */
    uint16_t pkey;
    uint32_t qkey;                  /* As asked for a join, 0 if any. */
    enum ipoib_join_state join_state;
    bool with_create;               /* Join sent with a create template. */
};

/* The last group answer in a partition: the template for new groups, as
 * IPoIB creates them like the broadcast group. */
struct verbs_group_template {
    uint16_t pkey;                  /* Low 15 bits; 0 if unused. */
    struct ipoib_mcast_group group;
};
#define VERBS_MAX_TEMPLATES 16

struct ipoib_port {
    char *name;
    char *device;
    int port_num;

    /* Control path (one thread). */
    struct verbs_dev *dev;          /* NULL while the device is closed. */
    struct ib_sa_client *sa;
    long long int next_open;
    long long int next_query;
    char *error;                    /* Why the port is not usable. */
    char *sa_error;                 /* Why the SA does not answer. */
    char *logged_error;             /* Last error logged. */
    struct ipoib_port_attr attr;
    uint8_t phys_state;
    struct ipoib_event_queue events;
    struct hmap requests;
    uint64_t next_cookie;
    struct verbs_group_template templates[VERBS_MAX_TEMPLATES];
    bool have_broken_qps;
    long long int next_recover;     /* When to reset broken QPs. */
    uint64_t qp_error_seqno;        /* 'qp_error_seq' when last seen. */

    /* Shared with the data path. */
    struct seq *qp_error_seq;       /* Changed when it marks a QP broken. */
    struct ovs_mutex rx_mutex;
    struct ovs_mutex tx_mutex;
    struct hmap qps;
    struct verbs_counters counters;
    struct verbs_ah_totals ah_closed;   /* tx_mutex. */
    uint16_t lid;                   /* For the data path (tx_mutex). */
    uint32_t tx_mtu;                /* Active MTU, for the data path. */
    bool active;
};

/* verbs-device.c. */
int verbs_dev_open(const char *device, int port_num, struct verbs_dev **,
                   char **errorp);
void verbs_dev_close(struct verbs_dev *);
int verbs_dev_query_port(struct verbs_dev *, int port_num,
                         struct ipoib_port_attr *, uint8_t *phys_state);
const char *verbs_dev_name(const struct verbs_dev *);

/* verbs-qp.c. */
int verbs_qp_create(struct ipoib_port *, uint16_t pkey, uint32_t qkey,
                    uint32_t *qpnp);
void verbs_qp_destroy(struct ipoib_port *, uint32_t qpn);
void verbs_qp_destroy_all(struct ipoib_port *);
struct verbs_qp *verbs_qp_find(const struct ipoib_port *, uint32_t qpn);
struct verbs_qp *verbs_qp_find_ibv(const struct ipoib_port *,
                                   const struct ibv_qp *);
void verbs_qp_note_error(struct ipoib_port *, uint32_t qpn);
void verbs_qp_mark_broken(struct verbs_qp *);
void verbs_qp_note_last_wqe(struct ipoib_port *, struct verbs_qp *);
bool verbs_qp_recover_broken(struct ipoib_port *);
int verbs_qp_attach_mcast(struct ipoib_port *, uint32_t qpn,
                          const struct ib_gid *mgid, uint16_t mlid);
void verbs_qp_detach_mcast(struct ipoib_port *, uint32_t qpn,
                           const struct ib_gid *mgid, uint16_t mlid);

/* verbs-datapath.c. */
int verbs_send(struct ipoib_port *, const struct ipoib_tx_desc *, int n);
int verbs_recv(struct ipoib_port *, struct ipoib_rx_desc *, int n);
void verbs_recv_wait(struct ipoib_port *);
void verbs_tx_poll(struct verbs_dev *, struct ipoib_port *);
void verbs_tx_reclaim_qp(struct verbs_dev *, struct ipoib_port *,
                         uint32_t qpn);
void verbs_rx_stash_cq(struct verbs_dev *);

#endif /* verbs-private.h */
