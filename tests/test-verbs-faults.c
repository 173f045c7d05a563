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

/* test-verbs-faults: checks the fault injection of libfakeverbs (the
 * "<LID>.faults" control file, tests/fakeverbs/README.md) from the
 * libibverbs API only: failed receive and send completions with the QP
 * states an HCA leaves, the QP, CQ, SRQ and device error events, and a
 * device that is usable again once reopened.  Run with
 * LD_PRELOAD=libfakeverbs.so and FAKEVERBS_* set (tests/ipoib-fakeverbs.at):
 *
 *     test-verbs-faults [rx|tx|qp-fatal|cq|device-fatal]
 *
 * runs one kind of fault, or all of them in that order without an
 * argument.
 * Prints one line per passed check, then "N checks passed"; the first
 * failed check is reported on stderr and exits 1. */

#include <errno.h>
#include <infiniband/verbs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/verbs-test.h"

#define SLOT 2200                   /* GRH + an MTU of 2048, and some. */
#define N_SLOTS 64
#define QKEY 0x11111111u
#define WAIT_MS 2000
#define MAX_TRIES 200               /* Datagrams before a fault shows. */

struct env {
    const char *dir;
    uint16_t lid;
    struct ibv_context *ctx;
    struct ibv_pd *pd;
    struct ibv_mr *mr;
    uint8_t *buf;                   /* N_SLOTS receive slots, then sends. */
    struct ibv_cq *rcq, *scq;
    struct ibv_srq *srq;
    struct ibv_qp *a, *b;           /* On the SRQ. */
    struct ibv_ah *ah;              /* To our own LID. */
};

static uint8_t *
slot(struct env *e, int i)
{
    return e->buf + (size_t) i * SLOT;
}

static void
write_faults(struct env *e, const char *text)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%u.faults", e->dir, e->lid);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        check(false, "write %s", path);
    }
}

static int
post_srq_slot(struct env *e, int i)
{
    uint8_t *buf = slot(e, i);
    struct ibv_sge sge = { (uintptr_t) buf, SLOT, e->mr->lkey };
    struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };
    struct ibv_recv_wr *bad;

    return ibv_post_srq_recv(e->srq, &wr, &bad);
}

static bool
wait_async(struct env *e, enum ibv_event_type type,
           struct ibv_async_event *event)
{
    return wait_async_event(e->ctx, type, event, WAIT_MS);
}

static enum ibv_qp_state
qp_state(struct ibv_qp *qp)
{
    struct ibv_qp_attr attr;
    struct ibv_qp_init_attr init;

    return ibv_query_qp(qp, &attr, IBV_QP_STATE, &init) ? IBV_QPS_UNKNOWN
                                                         : attr.qp_state;
}

static struct ibv_qp *
create_ud_qp(struct env *e, struct ibv_cq *rcq, struct ibv_srq *srq)
{
    struct ibv_qp_init_attr init = {
        .send_cq = e->scq, .recv_cq = rcq, .srq = srq,
        .cap = { .max_send_wr = 64, .max_recv_wr = srq ? 0 : 4,
                 .max_send_sge = 1, .max_recv_sge = 1 },
        .qp_type = IBV_QPT_UD,
    };
    return ibv_create_qp(e->pd, &init);
}

static int
bring_up(struct ibv_qp *qp)
{
    return bring_up_ud_qp(qp, 0, QKEY);
}

static int
reset_and_bring_up(struct ibv_qp *qp)
{
    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_RESET };
    int error = ibv_modify_qp(qp, &attr, IBV_QP_STATE);

    return error ? error : bring_up(qp);
}

static int
to_rts(struct ibv_qp *qp)
{
    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_RTS };

    return ibv_modify_qp(qp, &attr, IBV_QP_STATE);
}

/* Sends 'len' bytes from A to B's QPN, signaled with 'wr_id', and polls
 * its completion into '*wc'. */
static bool
send_a_to(struct env *e, uint32_t qpn, uint64_t wr_id, struct ibv_wc *wc)
{
    uint8_t *data = slot(e, N_SLOTS);
    struct ibv_sge sge = { (uintptr_t) data, 32, e->mr->lkey };
    struct ibv_send_wr wr = {
        .wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
        .opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
        .wr.ud = { .ah = e->ah, .remote_qpn = qpn, .remote_qkey = QKEY },
    };
    struct ibv_send_wr *bad;

    memset(data, 0x5a, 32);
    return !ibv_post_send(e->a, &wr, &bad)
           && poll_n(e->scq, wc, 1, WAIT_MS) == 1 && wc->wr_id == wr_id;
}

/* Sends A->B until a receive completes with an error (the progress thread
 * applies the fault file some time after it is written); reposts the
 * buffers of the good ones.  Returns the failed completion's status, or
 * -1. */
static int
first_rx_error(struct env *e, struct ibv_wc *rwc)
{
    for (int i = 0; i < MAX_TRIES; i++) {
        struct ibv_wc swc;

        if (!send_a_to(e, e->b->qp_num, 100 + i, &swc)
            || swc.status != IBV_WC_SUCCESS
            || poll_n(e->rcq, rwc, 1, WAIT_MS) != 1) {
            return -1;
        }
        if (rwc->status != IBV_WC_SUCCESS) {
            return rwc->status;
        }
        post_srq_slot(e, rwc->wr_id);
        usleep(5000);
    }
    return -1;
}

/* Same for a send completion. */
static int
first_tx_error(struct env *e, struct ibv_wc *swc)
{
    for (int i = 0; i < MAX_TRIES; i++) {
        struct ibv_wc rwc;

        if (!send_a_to(e, e->b->qp_num, 300 + i, swc)) {
            return -1;
        }
        if (swc->status != IBV_WC_SUCCESS) {
            return swc->status;
        }
        if (poll_n(e->rcq, &rwc, 1, WAIT_MS) != 1) {
            return -1;
        }
        post_srq_slot(e, rwc.wr_id);
        usleep(5000);
    }
    return -1;
}

/* A->B goes through and arrives whole. */
static bool
traffic_ok(struct env *e)
{
    struct ibv_wc swc, rwc;

    bool ok = (send_a_to(e, e->b->qp_num, 7, &swc)
               && swc.status == IBV_WC_SUCCESS
               && poll_n(e->rcq, &rwc, 1, WAIT_MS) == 1
               && rwc.status == IBV_WC_SUCCESS && rwc.qp_num == e->b->qp_num
               && rwc.byte_len == 40 + 32);
    if (ok) {
        post_srq_slot(e, rwc.wr_id);
    }
    return ok;
}

static void
open_all(struct env *e)
{
    struct ibv_device **list = ibv_get_device_list(NULL);
    size_t size = (size_t) (N_SLOTS + 1) * SLOT;

    e->ctx = list && list[0] ? ibv_open_device(list[0]) : NULL;
    ibv_free_device_list(list);
    check(e->ctx != NULL, "open the device");
    e->buf = calloc(1, size);
    e->pd = ibv_alloc_pd(e->ctx);
    e->mr = e->pd ? ibv_reg_mr(e->pd, e->buf, size, IBV_ACCESS_LOCAL_WRITE)
                  : NULL;
    e->rcq = ibv_create_cq(e->ctx, 256, NULL, NULL, 0);
    e->scq = ibv_create_cq(e->ctx, 256, NULL, NULL, 0);
    struct ibv_srq_init_attr sattr = {
        .attr = { .max_wr = N_SLOTS, .max_sge = 1 },
    };
    e->srq = e->pd ? ibv_create_srq(e->pd, &sattr) : NULL;
    check(e->mr && e->rcq && e->scq && e->srq, "PD, MR, CQs, SRQ");
    bool posted = true;
    for (int i = 0; i < 32; i++) {
        posted = posted && !post_srq_slot(e, i);
    }
    e->a = create_ud_qp(e, e->rcq, e->srq);
    e->b = create_ud_qp(e, e->rcq, e->srq);
    struct ibv_ah_attr ah_attr = { .dlid = e->lid, .port_num = 1 };
    e->ah = ibv_create_ah(e->pd, &ah_attr);
    check(posted && e->a && e->b && e->ah && !bring_up(e->a)
          && !bring_up(e->b), "two UD QPs on the SRQ in RTS");
    check(traffic_ok(e), "A->B before any fault");
}

static void
close_all(struct env *e)
{
    check(!ibv_destroy_ah(e->ah) && !ibv_destroy_qp(e->a)
          && !ibv_destroy_qp(e->b) && !ibv_destroy_srq(e->srq)
          && !ibv_dereg_mr(e->mr) && !ibv_destroy_cq(e->rcq)
          && !ibv_destroy_cq(e->scq) && !ibv_dealloc_pd(e->pd)
          && !ibv_close_device(e->ctx), "every object destroyed, closed");
    free(e->buf);
}

/* rx_err=N: the receive takes a buffer and fails; the QP goes to ERR. */
static void
test_rx_error(struct env *e)
{
    struct ibv_async_event event;
    struct ibv_wc wc;

    write_faults(e, "rx_err=1\n");
    check(first_rx_error(e, &wc) == IBV_WC_LOC_LEN_ERR
          && wc.qp_num == e->b->qp_num && wc.wr_id < N_SLOTS,
          "rx_err=1: IBV_WC_LOC_LEN_ERR on B's SRQ buffer");
    check(qp_state(e->b) == IBV_QPS_ERR
          && wait_async(e, IBV_EVENT_QP_LAST_WQE_REACHED, &event)
          && event.element.qp == e->b,
          "B in ERR, IBV_EVENT_QP_LAST_WQE_REACHED");
    ibv_ack_async_event(&event);
    check(!post_srq_slot(e, wc.wr_id) && !reset_and_bring_up(e->b)
          && traffic_ok(e) && traffic_ok(e),
          "buffer reposted, B reset to RTS: the next receives succeed");
}

/* tx_err=N: sends fail, the QP stops in SQE until moved to RTS. */
static void
test_tx_error(struct env *e)
{
    struct ibv_wc wc, rwc;

    write_faults(e, "tx_err=2\n");
    check(first_tx_error(e, &wc) == IBV_WC_LOC_QP_OP_ERR
          && wc.qp_num == e->a->qp_num && qp_state(e->a) == IBV_QPS_SQE,
          "tx_err=2: IBV_WC_LOC_QP_OP_ERR, A in SQE");
    check(poll_n(e->rcq, &rwc, 1, 200) == 0, "the failed send left nothing");
    check(send_a_to(e, e->b->qp_num, 400, &wc)
          && wc.status == IBV_WC_WR_FLUSH_ERR,
          "a send in SQE is flushed (and does not use a fault)");
    check(!to_rts(e->a) && send_a_to(e, e->b->qp_num, 401, &wc)
          && wc.status == IBV_WC_LOC_QP_OP_ERR
          && qp_state(e->a) == IBV_QPS_SQE,
          "SQE->RTS, the second fault fails the next send");
    check(!to_rts(e->a) && traffic_ok(e), "SQE->RTS: sends go through");
}

/* qp_fatal=QPN: IBV_EVENT_QP_FATAL, the QP in ERR. */
static void
test_qp_fatal(struct env *e)
{
    struct ibv_async_event event;
    char text[64];

    snprintf(text, sizeof text, "junk qp_fatal=0x%x\n", e->b->qp_num);
    write_faults(e, text);
    check(wait_async(e, IBV_EVENT_QP_FATAL, &event)
          && event.element.qp == e->b && qp_state(e->b) == IBV_QPS_ERR,
          "qp_fatal: IBV_EVENT_QP_FATAL for B, B in ERR");
    ibv_ack_async_event(&event);
    check(qp_state(e->a) == IBV_QPS_RTS, "A is untouched");
    check(wait_async(e, IBV_EVENT_QP_LAST_WQE_REACHED, &event)
          && event.element.qp == e->b, "then its last-WQE event");
    ibv_ack_async_event(&event);
    check(!reset_and_bring_up(e->b) && traffic_ok(e),
          "B reset to RTS receives again");

    snprintf(text, sizeof text, "srq_err=%u\n", e->a->qp_num);
    write_faults(e, text);
    check(wait_async(e, IBV_EVENT_SRQ_ERR, &event)
          && event.element.srq == e->srq, "srq_err: IBV_EVENT_SRQ_ERR");
    ibv_ack_async_event(&event);
}

/* cq_err=QPN: that QP's receive CQ reports IBV_EVENT_CQ_ERR and is dead. */
static void
test_cq_error(struct env *e)
{
    struct ibv_cq *cq = ibv_create_cq(e->ctx, 16, NULL, NULL, 0);
    struct ibv_qp *c = cq ? create_ud_qp(e, cq, NULL) : NULL;
    struct ibv_async_event event;
    struct ibv_wc wc;
    char text[64];

    check(c && !bring_up(c), "QP C with its own receive CQ");
    snprintf(text, sizeof text, "cq_err=%u\n", c->qp_num);
    write_faults(e, text);
    check(wait_async(e, IBV_EVENT_CQ_ERR, &event)
          && event.element.cq == cq, "cq_err: IBV_EVENT_CQ_ERR on C's CQ");
    ibv_ack_async_event(&event);
    check(ibv_poll_cq(cq, 1, &wc) < 0, "polling the failed CQ fails");
    check(traffic_ok(e), "the other CQs work on");
    check(!ibv_destroy_qp(c) && !ibv_destroy_cq(cq),
          "the failed CQ is destroyed");
}

/* device_fatal: every QP in ERR, only teardown works; reopening gives a
 * working device. */
static void
test_device_fatal(struct env *e)
{
    struct ibv_async_event event;
    struct ibv_port_attr port;
    struct ibv_wc wc;

    write_faults(e, "device_fatal\n");
    check(wait_async(e, IBV_EVENT_DEVICE_FATAL, &event),
          "device_fatal: IBV_EVENT_DEVICE_FATAL");
    ibv_ack_async_event(&event);
    check(qp_state(e->a) == IBV_QPS_ERR && qp_state(e->b) == IBV_QPS_ERR,
          "every QP in ERR");
    check(ibv_query_port(e->ctx, 1, &port) != 0, "query_port fails");
    errno = 0;
    check(create_ud_qp(e, e->rcq, e->srq) == NULL && errno == EIO,
          "create_qp fails with EIO");
    check(send_a_to(e, e->b->qp_num, 500, &wc)
          && wc.status == IBV_WC_WR_FLUSH_ERR, "a send is flushed");
    check(reset_and_bring_up(e->a) == EIO, "RESET works, RTS is EIO");
    close_all(e);

    open_all(e);
    check(!ibv_query_port(e->ctx, 1, &port) && port.state == IBV_PORT_ACTIVE,
          "reopened: the port is ACTIVE, old orders are not replayed");
    close_all(e);
}

static const struct {
    const char *name;
    void (*run)(struct env *);
    bool closes;                    /* Closes the device itself. */
} tests[] = {
    { "rx", test_rx_error, false },
    { "tx", test_tx_error, false },
    { "qp-fatal", test_qp_fatal, false },
    { "cq", test_cq_error, false },
    { "device-fatal", test_device_fatal, true },
};

int
main(int argc, char *argv[])
{
    struct env e = { .dir = getenv("FAKEVERBS_DIR") };
    const char *lid = getenv("FAKEVERBS_LID");
    const size_t n_tests = sizeof tests / sizeof *tests;
    size_t i;

    for (i = 0; argc > 1 && i < n_tests; i++) {
        if (!strcmp(argv[1], tests[i].name)) {
            break;
        }
    }
    if (!e.dir || !lid || argc > 2 || i >= n_tests) {
        fprintf(stderr, "usage: test-verbs-faults "
                "[rx|tx|qp-fatal|cq|device-fatal]\n"
                "with FAKEVERBS_DIR and FAKEVERBS_LID set\n");
        return 2;
    }
    e.lid = atoi(lid);
    setvbuf(stdout, NULL, _IOLBF, 0);
    open_all(&e);
    for (i = argc > 1 ? i : 0; i < n_tests; i++) {
        tests[i].run(&e);
        if (tests[i].closes) {
            break;
        } else if (argc > 1) {
            close_all(&e);
            break;
        }
    }
    printf("%d checks passed\n", checks_passed());
    return 0;
}
