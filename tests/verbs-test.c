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

#include "tests/verbs-test.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int n_passed;

void
check(bool ok, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    if (!ok) {
        fprintf(stderr, "FAILED: ");
        vfprintf(stderr, format, args);
        fprintf(stderr, " (errno %d)\n", errno);
        exit(1);
    }
    printf("ok %d: ", ++n_passed);
    vprintf(format, args);
    putchar('\n');
    va_end(args);
}

int
checks_passed(void)
{
    return n_passed;
}

int
poll_n(struct ibv_cq *cq, struct ibv_wc *wc, int n, int timeout_ms)
{
    int got = 0;

    for (int t = 0; got < n && t < timeout_ms; t++) {
        int r = ibv_poll_cq(cq, n - got, wc + got);
        if (r < 0) {
            return r;
        }
        got += r;
        if (got < n) {
            usleep(1000);
        }
    }
    return got;
}

bool
wait_async_event(struct ibv_context *ctx, enum ibv_event_type type,
                 struct ibv_async_event *event, int timeout_ms)
{
    struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };

    for (int i = 0; i < 10; i++) {
        if (poll(&pfd, 1, timeout_ms) != 1
            || ibv_get_async_event(ctx, event)) {
            return false;
        }
        if (event->event_type == type) {
            return true;
        }
        ibv_ack_async_event(event);
    }
    return false;
}

int
bring_up_ud_qp(struct ibv_qp *qp, uint16_t pkey_index, uint32_t qkey)
{
    struct ibv_qp_attr attr = {
        .qp_state = IBV_QPS_INIT, .pkey_index = pkey_index, .port_num = 1,
        .qkey = qkey,
    };
    int error = ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX
                              | IBV_QP_PORT | IBV_QP_QKEY);
    if (!error) {
        attr.qp_state = IBV_QPS_RTR;
        error = ibv_modify_qp(qp, &attr, IBV_QP_STATE);
    }
    if (!error) {
        attr.qp_state = IBV_QPS_RTS;
        attr.sq_psn = 0x123;
        error = ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_SQ_PSN);
    }
    return error;
}
