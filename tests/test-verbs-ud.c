#include <config.h>
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

/* test-verbs-ud: checks a UD verbs provider the way ovs-ipoib's verbs
 * backend uses it: one PD, an SRQ shared by UD QPs, a receive CQ with a
 * completion channel, GRH space in every receive, multicast, async events.
 * It uses only the libibverbs API; the suite runs it with
 * LD_PRELOAD=libfakeverbs.so and FAKEVERBS_* set (tests/ipoib-fakeverbs.at):
 *
 *     test-verbs-ud
 *
 * Prints one line per passed check, then "N checks passed"; the first
 * failed check is reported on stderr and exits 1. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/verbs-test.h"

#define MTU 2048
#define GRH 40
#define SLOT (GRH + MTU + 64)
#define N_SLOTS 64
#define QKEY 0x11111111u
#define MLID 0xc001
#define WAIT_MS 2000

struct env {
    struct ibv_context *ctx;
    struct ibv_pd *pd;
    struct ibv_mr *mr;
    uint8_t *buf;                   /* N_SLOTS receive slots, then sends. */
    struct ibv_comp_channel *channel;
    struct ibv_cq *rcq, *scq;
    struct ibv_srq *srq;
    struct ibv_qp *a, *b;           /* On the SRQ. */
    uint16_t lid;
    union ibv_gid gid;
    const char *dir;
};

static uint8_t *
slot(struct env *e, int i)
{
    return e->buf + (size_t) i * SLOT;
}

static uint64_t
va(const void *p)
{
    return (uintptr_t) p;
}

static uint8_t *
send_area(struct env *e)
{
    return slot(e, N_SLOTS);
}

static int
post_srq_slots(struct env *e, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        struct ibv_sge sge = {
            va(slot(e, i)), SLOT, e->mr->lkey
        };
        struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };
        struct ibv_recv_wr *bad;
        if (ibv_post_srq_recv(e->srq, &wr, &bad)) {
            return -1;
        }
    }
    return 0;
}

static bool
fd_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, timeout_ms) == 1;
}

static bool
wait_async(struct env *e, enum ibv_event_type type,
           struct ibv_async_event *event)
{
    return wait_async_event(e->ctx, type, event, WAIT_MS);
}

static struct ibv_qp *
create_ud_qp(struct env *e, struct ibv_srq *srq, int recv_wr)
{
    struct ibv_qp_init_attr init = {
        .send_cq = e->scq, .recv_cq = e->rcq, .srq = srq,
        .cap = { .max_send_wr = 64, .max_recv_wr = recv_wr,
                 .max_send_sge = 2, .max_recv_sge = 1,
                 .max_inline_data = 64 },
        .qp_type = IBV_QPT_UD,
    };
    return ibv_create_qp(e->pd, &init);
}

static int
bring_up(struct ibv_qp *qp, uint16_t pkey_index)
{
    return bring_up_ud_qp(qp, pkey_index, QKEY);
}

static int
send_to(struct env *e, struct ibv_qp *from, struct ibv_ah *ah, uint32_t qpn,
        uint32_t qkey, const void *data, size_t len, unsigned int flags,
        uint64_t wr_id)
{
    memcpy(send_area(e), data, len);
    struct ibv_sge sge = { va(send_area(e)), len, e->mr->lkey };
    struct ibv_send_wr wr = {
        .wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
        .opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED | flags,
        .wr.ud = { .ah = ah, .remote_qpn = qpn, .remote_qkey = qkey },
    };
    struct ibv_send_wr *bad;
    return ibv_post_send(from, &wr, &bad);
}

static uint32_t
port_counter(struct env *e, bool qkey)
{
    struct ibv_port_attr port;

    ibv_query_port(e->ctx, 1, &port);
    return qkey ? port.qkey_viol_cntr : port.bad_pkey_cntr;
}

static void
write_port_state(struct env *e, const char *text)
{
    char path[4096], tmp[4100];

    snprintf(path, sizeof path, "%s/%u.port_state", e->dir, e->lid);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path)) {
        check(false, "write %s", path);
    }
}

/* Writes garbage straight into QP 'qpn''s socket, as a broken peer
 * would (the fabric layout is the shim's, tests/fakeverbs/README.md). */
static bool
inject_junk(struct env *e, uint32_t qpn)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    static const char junk[] = "not a datagram of the simulated fabric";
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    bool ok;

    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%u.%u.sock", e->dir,
             e->lid, qpn);
    ok = fd >= 0 && sendto(fd, junk, sizeof junk, 0,
                           (struct sockaddr *) &addr, sizeof addr) > 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* Device, port, GID and P_Key queries against the FAKEVERBS_* settings. */
static void
test_queries(struct env *e)
{
    int n;
    struct ibv_device **list = ibv_get_device_list(&n);
    const char *name = getenv("FAKEVERBS_DEVICE");

    check(list && n == 1 && list[0], "one device listed");
    check(name && !strcmp(ibv_get_device_name(list[0]), name),
          "device name is FAKEVERBS_DEVICE");
    e->ctx = ibv_open_device(list[0]);
    check(e->ctx != NULL, "open the device");
    ibv_free_device_list(list);

    struct ibv_device_attr_ex dev;
    check(!ibv_query_device_ex(e->ctx, NULL, &dev)
          && dev.orig_attr.phys_port_cnt == 1 && dev.orig_attr.max_srq > 0
          && dev.orig_attr.max_qp_wr >= 64,
          "query_device_ex: one port, SRQs");
    check(dev.orig_attr.device_cap_flags & IBV_DEVICE_UD_IP_CSUM
          && dev.tso_caps.max_tso >= 65536
          && dev.tso_caps.supported_qpts & (1u << IBV_QPT_UD),
          "FAKEVERBS_CAPS advertises UD IP checksums and LSO");

    struct ibv_port_attr port;
    e->lid = atoi(getenv("FAKEVERBS_LID"));
    check(!ibv_query_port(e->ctx, 1, &port) && port.state == IBV_PORT_ACTIVE
          && port.lid == e->lid && port.active_mtu == IBV_MTU_2048
          && port.link_layer == IBV_LINK_LAYER_INFINIBAND,
          "port 1 ACTIVE with FAKEVERBS_LID and MTU 2048");
    check(ibv_query_port(e->ctx, 2, &port) != 0, "no port 2");

    check(!ibv_query_gid(e->ctx, 1, 0, &e->gid)
          && be64toh(e->gid.global.subnet_prefix) == 0xfe80000000000000ull
          && be64toh(e->gid.global.interface_id)
             == strtoull(getenv("FAKEVERBS_GUID"), NULL, 16),
          "GID 0 is fe80:: + FAKEVERBS_GUID");
    union ibv_gid gid1;
    check(ibv_query_gid(e->ctx, 1, 1, &gid1) != 0, "no GID 1");

    __be16 pkey;
    check(!ibv_query_pkey(e->ctx, 1, 0, &pkey) && ntohs(pkey) == 0xffff
          && !ibv_query_pkey(e->ctx, 1, 1, &pkey) && ntohs(pkey) == 0x8001,
          "P_Key table is FAKEVERBS_PKEYS");
    check(ibv_get_pkey_index(e->ctx, 1, htons(0x8001)) == 1,
          "P_Key 0x8001 is at index 1");
}

/* PD, MR, channel, CQs, SRQ, two QPs on it, through the state machine. */
static void
test_setup(struct env *e)
{
    size_t size = (size_t) (N_SLOTS + 4) * SLOT;

    e->buf = calloc(1, size);
    e->pd = ibv_alloc_pd(e->ctx);
    e->mr = ibv_reg_mr(e->pd, e->buf, size, IBV_ACCESS_LOCAL_WRITE);
    check(e->pd && e->mr, "alloc_pd and reg_mr");
    e->channel = ibv_create_comp_channel(e->ctx);
    e->rcq = ibv_create_cq(e->ctx, 256, e, e->channel, 0);
    e->scq = ibv_create_cq(e->ctx, 256, NULL, NULL, 0);
    check(e->channel && e->rcq && e->scq, "comp channel and CQs");

    struct ibv_srq_init_attr sattr = {
        .attr = { .max_wr = N_SLOTS, .max_sge = 1 },
    };
    e->srq = ibv_create_srq(e->pd, &sattr);
    check(e->srq != NULL, "create SRQ");
    check(!post_srq_slots(e, 0, 32), "post 32 receives to the SRQ");

    e->a = create_ud_qp(e, e->srq, 0);
    e->b = create_ud_qp(e, e->srq, 0);
    check(e->a && e->b && e->a->qp_num != e->b->qp_num,
          "two UD QPs on the SRQ, distinct QPNs");

    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_RTR };
    check(ibv_modify_qp(e->a, &attr, IBV_QP_STATE) == EINVAL,
          "RESET->RTR is refused");
    attr.qp_state = IBV_QPS_INIT;
    attr.port_num = 1;
    check(ibv_modify_qp(e->a, &attr, IBV_QP_STATE | IBV_QP_PORT
                        | IBV_QP_PKEY_INDEX) == EINVAL,
          "RESET->INIT without a Q_Key is refused");
    check(!bring_up(e->a, 0) && !bring_up(e->b, 0),
          "RESET->INIT->RTR->RTS with pkey_index, port, qkey, sq_psn");

    struct ibv_qp_init_attr init;
    check(!ibv_query_qp(e->a, &attr, IBV_QP_STATE | IBV_QP_QKEY, &init)
          && attr.qp_state == IBV_QPS_RTS && attr.qkey == QKEY
          && init.srq == e->srq && init.qp_type == IBV_QPT_UD,
          "query_qp: RTS, Q_Key, SRQ");
}

static struct ibv_ah *
make_ah(struct env *e, uint16_t dlid, const union ibv_gid *dgid)
{
    struct ibv_ah_attr attr = { .dlid = dlid, .port_num = 1 };

    if (dgid) {
        attr.is_global = 1;
        attr.grh.dgid = *dgid;
        attr.grh.hop_limit = 64;
    }
    return ibv_create_ah(e->pd, &attr);
}

/* A chain of two sends: inline + immediate + signaled, then unsignaled
 * with a GRH.  The receive CQ's channel reports the completions. */
static void
test_unicast(struct env *e)
{
    struct ibv_ah *ah = make_ah(e, e->lid, NULL);
    struct ibv_ah *ah_grh = make_ah(e, e->lid, &e->gid);
    check(ah && ah_grh, "AHs with and without GRH");

    check(!ibv_req_notify_cq(e->rcq, 0), "arm the receive CQ");
    memcpy(send_area(e), "first", 5);
    memcpy(send_area(e) + 64, "second datagram", 15);
    struct ibv_sge sge[2] = {
        { va(send_area(e)), 5, 0 },
        { va(send_area(e)) + 64, 15, e->mr->lkey },
    };
    struct ibv_send_wr wr[2] = {
        { .wr_id = 1, .next = &wr[1], .sg_list = &sge[0], .num_sge = 1,
          .opcode = IBV_WR_SEND_WITH_IMM, .imm_data = htonl(0xabcd),
          .send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED,
          .wr.ud = { ah, e->b->qp_num, QKEY } },
        { .wr_id = 2, .sg_list = &sge[1], .num_sge = 1,
          .opcode = IBV_WR_SEND,
          .wr.ud = { ah_grh, e->b->qp_num, QKEY } },
    };
    struct ibv_send_wr *bad;
    check(!ibv_post_send(e->a, wr, &bad), "post a chain of two sends");

    struct ibv_cq *ev_cq;
    void *ev_ctx;
    check(fd_readable(e->channel->fd, WAIT_MS)
          && !ibv_get_cq_event(e->channel, &ev_cq, &ev_ctx)
          && ev_cq == e->rcq && ev_ctx == e,
          "completion event on the channel");
    ibv_ack_cq_events(ev_cq, 1);

    struct ibv_wc wc[2];
    check(poll_n(e->rcq, wc, 2, WAIT_MS) == 2, "two receive completions");
    check(wc[0].status == IBV_WC_SUCCESS && wc[0].opcode == IBV_WC_RECV
          && wc[0].byte_len == GRH + 5 && wc[0].qp_num == e->b->qp_num
          && wc[0].src_qp == e->a->qp_num && wc[0].slid == e->lid
          && wc[0].wc_flags == IBV_WC_WITH_IMM
          && ntohl(wc[0].imm_data) == 0xabcd
          && !memcmp(slot(e, wc[0].wr_id) + GRH, "first", 5),
          "inline send: byte_len 40+5, imm, no GRH, qpn, slid");
    const uint8_t *grh = slot(e, wc[1].wr_id);
    check(wc[1].status == IBV_WC_SUCCESS && wc[1].byte_len == GRH + 15
          && wc[1].wc_flags & IBV_WC_GRH && grh[0] >> 4 == 6
          && !memcmp(grh + 8, e->gid.raw, 16)
          && !memcmp(grh + 24, e->gid.raw, 16)
          && !memcmp(grh + GRH, "second datagram", 15),
          "GRH send: IBV_WC_GRH, version 6, SGID and DGID in the GRH");

    check(poll_n(e->scq, wc, 2, 100) == 1 && wc[0].wr_id == 1
          && wc[0].status == IBV_WC_SUCCESS && wc[0].opcode == IBV_WC_SEND,
          "only the signaled send completes");

    /* Q_Key with the high bit: the sending QP's own Q_Key. */
    check(!send_to(e, e->a, ah, e->b->qp_num, 0x80000000u, "own", 3, 0, 3)
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && wc[0].byte_len == GRH + 3,
          "remote Q_Key 0x80000000 uses the QP's Q_Key");
    poll_n(e->scq, wc, 1, WAIT_MS);

    uint32_t viol = port_counter(e, true);
    check(!send_to(e, e->a, ah, e->b->qp_num, 0x2222, "bad", 3, 0, 4)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, 200) == 0
          && port_counter(e, true) == viol + 1,
          "wrong Q_Key: dropped and counted in qkey_viol_cntr");

    char big[MTU + 1];
    memset(big, 'x', sizeof big);
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, big, MTU, 0, 5)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_SUCCESS
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && wc[0].byte_len == GRH + MTU,
          "an MTU-sized datagram arrives whole");
    struct ibv_qp_attr attr;
    struct ibv_qp_init_attr init;
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, big, MTU + 1, 0, 6)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_LOC_LEN_ERR
          && !ibv_query_qp(e->a, &attr, IBV_QP_STATE, &init)
          && attr.qp_state == IBV_QPS_SQE,
          "MTU+1 bytes: IBV_WC_LOC_LEN_ERR, send queue error");
    attr.qp_state = IBV_QPS_RTS;
    check(!ibv_modify_qp(e->a, &attr, IBV_QP_STATE),
          "SQE->RTS resumes the send queue");


    wr[0].next = NULL;
    wr[0].opcode = IBV_WR_RDMA_WRITE;
    check(ibv_post_send(e->a, wr, &bad) == EINVAL && bad == &wr[0],
          "RDMA write on UD: EINVAL, bad_wr set");
    wr[0].opcode = IBV_WR_SEND;
    wr[0].num_sge = 3;
    check(ibv_post_send(e->a, wr, &bad) == EINVAL && bad == &wr[0],
          "more SGEs than max_send_sge: EINVAL");
    wr[1].sg_list[0].lkey = e->mr->lkey + 1;
    check(!ibv_post_send(e->a, &wr[1], &bad)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_LOC_PROT_ERR && wc[0].wr_id == 2
          && poll_n(e->rcq, wc, 1, 200) == 0,
          "unknown lkey: IBV_WC_LOC_PROT_ERR (completes though unsignaled)");
    check(!ibv_modify_qp(e->a, &attr, IBV_QP_STATE), "SQE->RTS again");
    check(inject_junk(e, e->b->qp_num)
          && !send_to(e, e->a, ah, e->b->qp_num, QKEY, "after", 5, 0, 16)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 2, 300) == 1 && wc[0].byte_len == GRH + 5,
          "a malformed datagram on the wire is dropped");

    ibv_destroy_ah(ah);
    ibv_destroy_ah(ah_grh);
}

/* P_Key mismatch, a too small receive buffer and the flush on ERR, on a
 * QP with its own receive queue. */
static void
test_own_rq(struct env *e)
{
    struct ibv_qp *c = create_ud_qp(e, NULL, 8);
    struct ibv_ah *ah = make_ah(e, e->lid, NULL);
    struct ibv_wc wc[4];
    struct ibv_recv_wr *bad;

    check(c && ah, "a UD QP with its own receive queue");
    struct ibv_sge sge = { va(slot(e, 40)), GRH + 10, e->mr->lkey };
    struct ibv_recv_wr rwr = { .wr_id = 40, .sg_list = &sge, .num_sge = 1 };
    check(ibv_post_recv(c, &rwr, &bad) == EINVAL,
          "post_recv in RESET is refused");
    check(!bring_up(c, 1) && !ibv_post_recv(c, &rwr, &bad),
          "QP on P_Key index 1 (0x8001), one 50-byte receive");

    uint32_t bad_pkey = port_counter(e, false);
    check(!send_to(e, e->a, ah, c->qp_num, QKEY, "pk", 2, 0, 7)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, 200) == 0
          && port_counter(e, false) == bad_pkey + 1,
          "P_Key 0xffff -> 0x8001 QP: dropped, bad_pkey_cntr counts it");

    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_RTS, .pkey_index = 0 };
    attr.qp_state = IBV_QPS_RTS;
    check(ibv_modify_qp(c, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX)
          == EINVAL, "RTS->RTS may not change the P_Key index");
    attr.qp_state = IBV_QPS_RESET;
    check(!ibv_modify_qp(c, &attr, IBV_QP_STATE) && !bring_up(c, 0)
          && !ibv_post_recv(c, &rwr, &bad),
          "reset and bring up on P_Key index 0");

    char data[100];
    memset(data, 'y', sizeof data);
    struct ibv_qp_init_attr init;
    check(!send_to(e, e->a, ah, c->qp_num, QKEY, data, sizeof data, 0, 8)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_LOC_LEN_ERR && wc[0].wr_id == 40
          && !ibv_query_qp(c, &attr, IBV_QP_STATE, &init)
          && attr.qp_state == IBV_QPS_ERR,
          "100 bytes into 50: IBV_WC_LOC_LEN_ERR, QP in ERR");
    rwr.wr_id = 41;
    check(!ibv_post_recv(c, &rwr, &bad)
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_WR_FLUSH_ERR && wc[0].wr_id == 41,
          "a receive posted in ERR is flushed");

    check(ibv_dealloc_pd(e->pd) == EBUSY, "dealloc_pd in use: EBUSY");
    check(ibv_destroy_cq(e->rcq) == EBUSY, "destroy_cq in use: EBUSY");
    check(ibv_destroy_comp_channel(e->channel) == EBUSY,
          "destroy_comp_channel in use: EBUSY");
    check(!ibv_destroy_qp(c) && !ibv_destroy_ah(ah), "destroy QP and AH");
}

/* Multicast with loopback to the sending member; detach. */
static void
test_multicast(struct env *e)
{
    union ibv_gid mgid = { .raw = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff } };
    struct ibv_wc wc[4];

    mgid.raw[15] = 1;
    check(ibv_attach_mcast(e->a, &e->gid, MLID) != 0,
          "attaching a unicast GID is refused");
    check(!ibv_attach_mcast(e->a, &mgid, MLID)
          && !ibv_attach_mcast(e->b, &mgid, MLID), "attach A and B");
    struct ibv_ah *ah = make_ah(e, MLID, &mgid);
    check(ah != NULL, "multicast AH");
    check(!send_to(e, e->a, ah, 0xffffff, QKEY, "mc", 2, 0, 9)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 2, WAIT_MS) == 2
          && wc[0].qp_num != wc[1].qp_num
          && (wc[0].qp_num == e->a->qp_num || wc[1].qp_num == e->a->qp_num)
          && wc[0].src_qp == e->a->qp_num
          && wc[0].wc_flags & IBV_WC_GRH
          && !memcmp(slot(e, wc[0].wr_id) + 24, mgid.raw, 16),
          "multicast reaches B and loops back to A, DGID is the MGID");
    check(poll_n(e->rcq, wc, 1, 200) == 0, "exactly once each");

    check(!ibv_detach_mcast(e->b, &mgid, MLID)
          && ibv_detach_mcast(e->b, &mgid, MLID) != 0,
          "detach B; detaching again fails");
    check(!send_to(e, e->a, ah, 0xffffff, QKEY, "mc", 2, 0, 10)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 2, 300) == 1
          && wc[0].qp_num == e->a->qp_num,
          "after the detach only A receives");
    check(!ibv_detach_mcast(e->a, &mgid, MLID) && !ibv_destroy_ah(ah),
          "detach A");
}

/* The SRQ limit event and the port's events: state, SM LID, LID. */
static void
test_async(struct env *e)
{
    struct ibv_srq_attr sattr;
    struct ibv_async_event event;
    struct ibv_wc wc[4];

    check(!ibv_query_srq(e->srq, &sattr) && sattr.max_wr >= N_SLOTS,
          "query_srq");
    /* Receives so far used 8 of the 32 posted: 24 left. */
    sattr.srq_limit = 22;
    check(!ibv_modify_srq(e->srq, &sattr, IBV_SRQ_LIMIT), "arm SRQ limit");
    struct ibv_ah *ah = make_ah(e, e->lid, NULL);
    for (int i = 0; i < 4; i++) {
        send_to(e, e->a, ah, e->b->qp_num, QKEY, "lim", 3, 0, 11);
        poll_n(e->scq, wc, 1, WAIT_MS);
    }
    check(poll_n(e->rcq, wc, 4, WAIT_MS) == 4, "four more receives");
    check(wait_async(e, IBV_EVENT_SRQ_LIMIT_REACHED, &event)
          && event.element.srq == e->srq, "IBV_EVENT_SRQ_LIMIT_REACHED");
    ibv_ack_async_event(&event);
    check(!ibv_query_srq(e->srq, &sattr) && sattr.srq_limit == 0,
          "the limit is disarmed once it fired");

    write_port_state(e, "DOWN\n");
    check(wait_async(e, IBV_EVENT_PORT_ERR, &event)
          && event.element.port_num == 1, "port DOWN: IBV_EVENT_PORT_ERR");
    ibv_ack_async_event(&event);
    struct ibv_port_attr port;
    check(!ibv_query_port(e->ctx, 1, &port) && port.state == IBV_PORT_DOWN,
          "query_port says DOWN");
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, "dn", 2, 0, 12)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, 200) == 0,
          "nothing is delivered while the port is down");

    write_port_state(e, "ACTIVE sm_lid=3\n");
    check(wait_async(e, IBV_EVENT_PORT_ACTIVE, &event),
          "port ACTIVE again: IBV_EVENT_PORT_ACTIVE");
    ibv_ack_async_event(&event);
    check(wait_async(e, IBV_EVENT_SM_CHANGE, &event)
          && !ibv_query_port(e->ctx, 1, &port) && port.sm_lid == 3
          && port.state == IBV_PORT_ACTIVE,
          "sm_lid=3: IBV_EVENT_SM_CHANGE, query_port shows it");
    ibv_ack_async_event(&event);
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, "up", 2, 0, 13)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1,
          "delivery resumes");

    write_port_state(e, "ACTIVE sm_lid=3 lid=9\n");
    check(wait_async(e, IBV_EVENT_LID_CHANGE, &event)
          && !ibv_query_port(e->ctx, 1, &port) && port.lid == 9,
          "lid=9: IBV_EVENT_LID_CHANGE, query_port shows it");
    ibv_ack_async_event(&event);
    struct ibv_ah *ah9 = make_ah(e, 9, NULL);
    check(ah9 && !send_to(e, e->a, ah9, e->b->qp_num, QKEY, "9", 1, 0, 14)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1 && wc[0].slid == 9
          && !send_to(e, e->a, ah, e->b->qp_num, QKEY, "5", 1, 0, 15)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, 200) == 0,
          "QPs are reached at the new LID, no longer at the old one");
    ibv_destroy_ah(ah9);
    write_port_state(e, "ACTIVE sm_lid=3\n");
    check(wait_async(e, IBV_EVENT_LID_CHANGE, &event)
          && !ibv_query_port(e->ctx, 1, &port) && port.lid == e->lid,
          "back to FAKEVERBS_LID");
    ibv_ack_async_event(&event);

    /* Non-blocking fds: empty means EAGAIN, not a hang. */
    struct ibv_cq *ev_cq;
    void *ev_ctx;
    fcntl(e->channel->fd, F_SETFL, O_NONBLOCK);
    fcntl(e->ctx->async_fd, F_SETFL, O_NONBLOCK);
    while (!ibv_get_cq_event(e->channel, &ev_cq, &ev_ctx)) {
        ibv_ack_cq_events(ev_cq, 1);
    }
    check(errno == EAGAIN, "drained non-blocking channel: EAGAIN");
    check(ibv_get_async_event(e->ctx, &event) && errno == EAGAIN,
          "no async event pending: EAGAIN");
    ibv_destroy_ah(ah);
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* An IPoIB header + IPv4 + UDP or TCP packet with zero checksums. */
static size_t
make_ipv4(uint8_t *p, uint8_t proto, size_t l4_payload)
{
    size_t l4_hlen = proto == 6 ? 20 : 8;
    size_t ip_len = 20 + l4_hlen + l4_payload;

    memset(p, 0, 4 + ip_len);
    put16(p, 0x0800);
    uint8_t *ip = p + 4;
    ip[0] = 0x45;
    put16(ip + 2, ip_len);
    put16(ip + 4, 0x100);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, (uint8_t[]) { 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
    uint8_t *l4 = ip + 20;
    put16(l4, 1000);
    put16(l4 + 2, 2000);
    if (proto == 17) {
        put16(l4 + 4, 8 + l4_payload);
    } else {
        memcpy(l4 + 4, (uint8_t[]) { 0, 0, 0x10, 0 }, 4);  /* seq */
        l4[12] = 5 << 4;
        l4[13] = 0x18;              /* PSH, ACK */
        put16(l4 + 14, 65535);
    }
    for (size_t i = 0; i < l4_payload; i++) {
        l4[l4_hlen + i] = i;
    }
    return 4 + ip_len;
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

/* IBV_SEND_IP_CSUM, IBV_WC_IP_CSUM_OK and IBV_WR_TSO
 * (FAKEVERBS_CAPS=ipcsum,lso). */
static void
test_offloads(struct env *e)
{
    struct ibv_ah *ah = make_ah(e, e->lid, NULL);
    uint8_t pkt[MTU];
    struct ibv_wc wc[8];

    size_t len = make_ipv4(pkt, 17, 100);
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, pkt, len, 0, 20)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && !(wc[0].wc_flags & IBV_WC_IP_CSUM_OK),
          "bad IPv4 header checksum: no IBV_WC_IP_CSUM_OK");
    check(!send_to(e, e->a, ah, e->b->qp_num, QKEY, pkt, len,
                   IBV_SEND_IP_CSUM, 21)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && poll_n(e->rcq, wc, 1, WAIT_MS) == 1
          && wc[0].wc_flags & IBV_WC_IP_CSUM_OK,
          "IBV_SEND_IP_CSUM fills them: IBV_WC_IP_CSUM_OK");
    const uint8_t *rx = slot(e, wc[0].wr_id) + GRH;
    check(rx[4 + 10] | rx[4 + 11] && rx[4 + 20 + 6] | rx[4 + 20 + 7],
          "IP and UDP checksum fields were filled");

    struct ibv_qp_init_attr_ex init = {
        .send_cq = e->scq, .recv_cq = e->rcq, .srq = e->srq,
        .cap = { .max_send_wr = 16, .max_send_sge = 1 },
        .qp_type = IBV_QPT_UD,
        .comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_MAX_TSO_HEADER,
        .pd = e->pd, .max_tso_header = 128,
    };
    struct ibv_qp *lso = ibv_create_qp_ex(e->ctx, &init);
    check(lso && !bring_up(lso, 0), "create_qp_ex with max_tso_header");

    uint8_t tcp[4096];
    size_t mss = 1000, data_len = 3 * mss + 10;
    size_t hdr_len = make_ipv4(tcp, 6, data_len) - data_len;
    memcpy(send_area(e), tcp + hdr_len, data_len);
    struct ibv_sge sge = { va(send_area(e)), data_len, e->mr->lkey };
    struct ibv_send_wr wr = {
        .wr_id = 22, .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_TSO,
        .send_flags = IBV_SEND_SIGNALED | IBV_SEND_IP_CSUM,
        .wr.ud = { ah, e->b->qp_num, QKEY },
        .tso = { .hdr = tcp, .hdr_sz = hdr_len, .mss = mss },
    };
    struct ibv_send_wr *bad;
    check(!ibv_post_send(lso, &wr, &bad)
          && poll_n(e->scq, wc, 1, WAIT_MS) == 1
          && wc[0].status == IBV_WC_SUCCESS && wc[0].opcode == IBV_WC_TSO,
          "IBV_WR_TSO of 3010 bytes, MSS 1000: one send completion");
    check(poll_n(e->rcq, wc, 4, WAIT_MS) == 4, "four segments arrive");
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        const uint8_t *seg = slot(e, wc[i].wr_id) + GRH;
        size_t seg_data = i < 3 ? mss : 10;
        ok = ok && wc[i].byte_len == GRH + hdr_len + seg_data
             && wc[i].wc_flags & IBV_WC_IP_CSUM_OK
             && get32(seg + 4 + 20 + 4) == 0x1000 + i * mss
             && seg[hdr_len] == (uint8_t) (i * mss)
             && (seg[4 + 20 + 13] & 0x08) == (i == 3 ? 0x08 : 0);
    }
    check(ok, "segments: lengths, sequence numbers, PSH on the last, "
          "valid checksums");
    check(!ibv_destroy_qp(lso) && !ibv_destroy_ah(ah), "destroy LSO QP");
}

/* ERR on an SRQ QP gives the last-WQE event; then a clean teardown. */
static void
test_teardown(struct env *e)
{
    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };
    struct ibv_async_event event;

    fcntl(e->ctx->async_fd, F_SETFL, 0);
    check(!ibv_modify_qp(e->b, &attr, IBV_QP_STATE)
          && wait_async(e, IBV_EVENT_QP_LAST_WQE_REACHED, &event)
          && event.element.qp == e->b,
          "SRQ QP to ERR: IBV_EVENT_QP_LAST_WQE_REACHED");
    ibv_ack_async_event(&event);

    check(!ibv_destroy_qp(e->a) && !ibv_destroy_qp(e->b), "destroy QPs");
    check(!ibv_destroy_srq(e->srq), "destroy SRQ");
    check(!ibv_dereg_mr(e->mr), "dereg MR");
    check(!ibv_destroy_cq(e->rcq) && !ibv_destroy_cq(e->scq),
          "destroy CQs");
    check(!ibv_destroy_comp_channel(e->channel), "destroy channel");
    check(!ibv_dealloc_pd(e->pd), "dealloc PD");
    check(!ibv_close_device(e->ctx), "close device");
    free(e->buf);
}

int
main(void)
{
    struct env e = { .dir = getenv("FAKEVERBS_DIR") };

    if (!e.dir || !getenv("FAKEVERBS_LID") || !getenv("FAKEVERBS_GUID")) {
        fprintf(stderr, "set FAKEVERBS_DIR, FAKEVERBS_LID, FAKEVERBS_GUID\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_queries(&e);
    test_setup(&e);
    test_unicast(&e);
    test_own_rq(&e);
    test_multicast(&e);
    test_async(&e);
    test_offloads(&e);
    test_teardown(&e);
    printf("%d checks passed\n", checks_passed());
    return 0;
}
