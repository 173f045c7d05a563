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

#ifndef FV_PRIVATE_H
#define FV_PRIVATE_H 1

/* libfakeverbs: a simulated HCA (one CA, one IB port, UD only) that is
 * LD_PRELOADed into unmodified libibverbs programs.  See README.md.
 *
 * Every object of a context is protected by the context's one mutex
 * ('lock').  The progress thread, the application's posts and polls all
 * take it; nothing blocks while holding it.
 *
 * The library links nothing but libc and pthreads (it is preloaded into
 * foreign programs), so it allocates with plain calloc(): running out of
 * memory is an ENOMEM answer, as from a real provider, not an abort. */

#include <endian.h>
#include <infiniband/verbs.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FV_EXPORT __attribute__((visibility("default")))
#define FV_UNUSED __attribute__((unused))

#define FV_CONTAINER_OF(PTR, TYPE, MEMBER) \
    ((TYPE *) (void *) ((char *) (PTR) - offsetof(TYPE, MEMBER)))

#define FV_GRH_LEN 40
#define FV_MCAST_QPN 0xffffffu
#define FV_MAX_PKEYS 16
#define FV_MAX_SGE 30
#define FV_MAX_INLINE 512
#define FV_MAX_WR 16384
#define FV_MAX_CQE 65535
#define FV_MAX_MTU_BYTES 4096

/* A minimal intrusive doubly linked list. */
struct fv_list {
    struct fv_list *prev, *next;
};

void fv_list_init(struct fv_list *);
void fv_list_push_back(struct fv_list *, struct fv_list *node);
void fv_list_remove(struct fv_list *node);
bool fv_list_is_empty(const struct fv_list *);

/* Reads the control file 'name' in directory 'dir_fd' (a port state or
 * fault file) into 'text', NUL-terminated, at most 'size' - 1 bytes.
 * Returns false if it does not exist or is empty. */
bool fv_read_ctl_file(int dir_fd, const char *name, char *text, size_t size);

#define FV_LIST_FOR_EACH_SAFE(NODE, NEXT, LIST) \
    for ((NODE) = (LIST)->next, (NEXT) = (NODE)->next; \
         (NODE) != (LIST); \
         (NODE) = (NEXT), (NEXT) = (NODE)->next)

/* Configuration from the environment (fv-config.c), read once. */
struct fv_config {
    char dir[PATH_MAX];             /* FAKEVERBS_DIR: the fabric. */
    char dev_name[IBV_SYSFS_NAME_MAX];
    uint16_t lid;
    uint16_t sm_lid;
    uint64_t port_guid;             /* Host order. */
    uint64_t node_guid;             /* Host order. */
    uint64_t gid_prefix;            /* Host order. */
    uint16_t pkeys[FV_MAX_PKEYS];
    int n_pkeys;
    enum ibv_mtu mtu;
    bool ipcsum;                    /* FAKEVERBS_CAPS=ipcsum */
    uint32_t lso_max;               /* FAKEVERBS_CAPS=lso: 0 if off. */
};

const struct fv_config *fv_config(void);
int fv_mtu_bytes(enum ibv_mtu);

/* Port state as the control file says it (fv-config.c). */
struct fv_port_ctl {
    enum ibv_port_state state;
    uint16_t sm_lid;
    uint16_t lid;
};
void fv_port_ctl_read(int dir_fd, struct fv_port_ctl *);
void fv_port_ctl_name(char *buf, size_t size);

/* A receive work request, copied at post time. */
struct fv_wqe {
    uint64_t wr_id;
    int num_sge;
    struct ibv_sge *sge;            /* 'max_sge' entries of the ring. */
};

struct fv_wqe_ring {
    struct fv_wqe *slots;
    struct ibv_sge *sges;
    uint32_t size, max_sge, head, count;
};

int fv_wqe_ring_init(struct fv_wqe_ring *, uint32_t size, uint32_t max_sge);
void fv_wqe_ring_destroy(struct fv_wqe_ring *);
int fv_wqe_ring_push(struct fv_wqe_ring *, const struct ibv_recv_wr *);
bool fv_wqe_ring_pop(struct fv_wqe_ring *, struct fv_wqe *);
int fv_wqe_ring_resize(struct fv_wqe_ring *, uint32_t size);

struct fv_context {
    pthread_mutex_t lock;
    pthread_cond_t acked;           /* Some event was acknowledged. */
    int dir_fd;                     /* O_PATH fd of FAKEVERBS_DIR. */
    int epoll_fd;
    int wake_fd;                    /* Stops the progress thread. */
    int inotify_fd;
    pthread_t thread;
    bool thread_running;

    /* The port. */
    enum ibv_port_state port_state;
    uint16_t lid;
    uint16_t sm_lid;
    uint32_t qkey_viol_cntr;
    uint32_t bad_pkey_cntr;
    uint32_t rx_no_wqe_drops;       /* No posted receive: silent drop. */

    /* Injected faults (fv-faults.c). */
    uint32_t rx_faults;             /* Receives left to fail. */
    uint32_t tx_faults;             /* Sends left to fail. */
    bool dead;                      /* IBV_EVENT_DEVICE_FATAL was raised. */

    struct fv_list async_queue;     /* Of struct fv_async_entry. */
    struct fv_list qps;             /* Of struct fv_qp. */
    struct fv_list mrs;             /* Of struct fv_mr. */
    uint32_t next_handle;
    uint32_t next_qpn;
    int n_objects;                  /* PDs, CQs, channels: close waits. */

    struct verbs_context vctx;      /* Last: ibv_context ends it. */
};

static inline struct fv_context *
fv_ctx(struct ibv_context *context)
{
    return FV_CONTAINER_OF(context, struct fv_context, vctx.context);
}

struct fv_pd {
    struct ibv_pd pd;
    int refs;                       /* MRs, QPs, SRQs, AHs using it. */
};

struct fv_mr {
    struct ibv_mr mr;
    struct fv_list node;            /* In fv_context's 'mrs'. */
    unsigned int access;
};

struct fv_channel {
    struct ibv_comp_channel ch;
    struct fv_list events;          /* Of struct fv_cq_event: unread. */
};

struct fv_cq {
    struct ibv_cq cq;
    struct ibv_wc *ring;
    int size, head, count;
    bool armed, solicited_only;
    bool overrun;
    bool failed;                    /* CQ error: unusable until destroyed. */
    uint32_t comp_reported;         /* Events read by ibv_get_cq_event. */
    uint32_t async_reported;
    int refs;                       /* QPs using it. */
};

struct fv_srq {
    struct ibv_srq srq;
    struct fv_wqe_ring ring;
    uint32_t limit;                 /* 0: not armed. */
    uint32_t async_reported;
    int refs;                       /* QPs using it. */
};

struct fv_mcast {
    struct fv_list node;
    union ibv_gid gid;
    uint16_t lid;
};

struct fv_qp {
    struct ibv_qp qp;
    struct fv_list node;            /* In fv_context's 'qps'. */
    uint32_t qkey;
    uint16_t pkey_index;
    uint8_t port_num;
    uint32_t sq_psn;
    struct ibv_qp_cap cap;
    bool sq_sig_all;
    bool block_self_mcast;
    uint32_t max_tso_header;
    struct fv_wqe_ring rq;          /* Unused with an SRQ. */
    struct fv_list mcast;           /* Of struct fv_mcast. */
    int sock;                       /* Bound to "<lid>.<qpn>.sock". */
    uint16_t sock_lid;
    uint32_t async_reported;
};

struct fv_ah {
    struct ibv_ah ah;
    struct ibv_ah_attr attr;
};

/* The simulated datagram: this header, then the payload.  Host order:
 * every end is on this machine. */
#define FV_WIRE_MAGIC 0x46564231u   /* "FVB1" */
enum {
    FV_WIRE_GRH = 1 << 0,
    FV_WIRE_IMM = 1 << 1,
    FV_WIRE_SOLICITED = 1 << 2,
};
struct fv_wire_hdr {
    uint32_t magic;
    uint16_t slid, dlid;
    uint32_t src_qpn, dst_qpn;
    uint32_t qkey;
    uint16_t pkey;
    uint8_t sl, flags;
    uint32_t imm;                   /* Network order, as posted. */
    uint32_t payload_len;
    uint8_t grh[FV_GRH_LEN];
};

/* fv-device.c */
void fv_port_gid(const struct fv_context *, union ibv_gid *);
uint16_t fv_pkey_at(int index);

/* fv-pd-mr.c */
struct fv_mr *fv_mr_find(struct fv_context *, uint32_t lkey);
bool fv_sge_ok(struct fv_context *, const struct ibv_pd *,
               const struct ibv_sge *, bool write);
void fv_pd_ref(struct ibv_pd *, int delta);

/* fv-cq.c */
void fv_cq_push(struct fv_cq *, const struct ibv_wc *, bool solicited);
void fv_cq_clean(struct fv_cq *, uint32_t qp_num);
void fv_cq_forget_events(struct fv_cq *);
void fv_cq_fail(struct fv_cq *);

/* fv-async.c */
void fv_async_post(struct fv_context *, const struct ibv_async_event *);
void fv_async_forget(struct fv_context *, const void *element);
void fv_wait_acked(struct fv_context *, const uint32_t *acked,
                   const uint32_t *reported);
int fv_eventfd_create(void);
void fv_eventfd_signal(int fd);
int fv_eventfd_wait(int fd);

/* fv-qp.c */
struct ibv_qp *fv_create_qp_ex_op(struct ibv_context *,
                                  struct ibv_qp_init_attr_ex *);
struct fv_qp *fv_qp_find(struct fv_context *, uint32_t qpn);
void fv_qp_to_error(struct fv_qp *);

/* fv-recv.c */
void fv_recv_deliver(struct fv_context *, struct fv_qp *,
                     const struct fv_wire_hdr *, const uint8_t *payload);
int fv_post_recv(struct ibv_qp *, struct ibv_recv_wr *,
                 struct ibv_recv_wr **bad);

/* fv-send.c */
int fv_post_send(struct ibv_qp *, struct ibv_send_wr *,
                 struct ibv_send_wr **bad);

/* fv-srq.c */
int fv_post_srq_recv(struct ibv_srq *, struct ibv_recv_wr *,
                     struct ibv_recv_wr **bad);
void fv_srq_check_limit(struct fv_context *, struct fv_srq *);

/* fv-cq.c */
int fv_poll_cq(struct ibv_cq *, int n, struct ibv_wc *);
int fv_req_notify_cq(struct ibv_cq *, int solicited_only);

/* fv-ip.c: the optional IPoIB offloads. */
void fv_ip_fill_csum(uint8_t *payload, size_t len);
bool fv_ip_csum_ok(const uint8_t *payload, size_t len);
size_t fv_tso_segment(const uint8_t *hdr, size_t hdr_len,
                      const uint8_t *data, size_t data_len, size_t mss,
                      size_t index, uint8_t *out);

/* fv-wire.c */
int fv_wire_bind(struct fv_context *, struct fv_qp *);
void fv_wire_close(struct fv_context *, struct fv_qp *);
void fv_wire_send(struct fv_context *, struct fv_qp *,
                  struct fv_wire_hdr *, const uint8_t *payload);
int fv_wire_mcast_join(struct fv_context *, struct fv_qp *, uint16_t mlid);
void fv_wire_mcast_leave(struct fv_context *, struct fv_qp *,
                         uint16_t mlid);
void fv_wire_move(struct fv_context *, struct fv_qp *, uint16_t lid);

/* fv-faults.c: the "<LID>.faults" control file. */
void fv_faults_name(char *buf, size_t size);
void fv_faults_apply(struct fv_context *);
bool fv_faults_take_rx(struct fv_context *);
bool fv_faults_take_tx(struct fv_context *);

/* fv-progress.c */
int fv_progress_start(struct fv_context *);
void fv_progress_stop(struct fv_context *);
int fv_progress_watch(struct fv_context *, struct fv_qp *);
void fv_progress_poll(struct fv_context *, const struct fv_cq *);
void fv_progress_apply_port(struct fv_context *, const struct fv_port_ctl *);

#endif /* fv-private.h */
