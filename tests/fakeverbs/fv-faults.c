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

/* Fault injection: the control file "$FAKEVERBS_DIR/<LID>.faults" makes
 * the simulated HCA fail the way a real one can (README.md, "Faults").
 * Each write of the file is one set of orders for every open context of
 * that LID; a context opened later does not read the old orders, so that
 * a program reopening its device after a fatal error is not hit again. */

#include "fv-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
fv_faults_name(char *buf, size_t size)
{
    snprintf(buf, size, "%u.faults", fv_config()->lid);
}

/* Parses "KEY=N" (decimal or 0x-hex) of 'word'; false if 'word' is not
 * that key or the number is bad. */
static bool
parse_number(const char *word, const char *key, uint32_t *value)
{
    size_t key_len = strlen(key);
    char *end;

    if (strncmp(word, key, key_len) || word[key_len] != '=') {
        return false;
    }
    errno = 0;
    unsigned long v = strtoul(word + key_len + 1, &end, 0);
    if (errno || *end || end == word + key_len + 1 || v > UINT32_MAX) {
        return false;
    }
    *value = v;
    return true;
}

/* Every QP of 'ctx' goes to ERR, as on a device that died: posted receives
 * are flushed.  Caller holds the context lock. */
static void
kill_device(struct fv_context *ctx)
{
    struct ibv_async_event event = {
        .element.port_num = 1, .event_type = IBV_EVENT_DEVICE_FATAL,
    };
    struct fv_list *node, *next;

    if (ctx->dead) {
        return;
    }
    ctx->dead = true;
    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->qps) {
        fv_qp_to_error(FV_CONTAINER_OF(node, struct fv_qp, node));
    }
    fv_async_post(ctx, &event);
}

/* IBV_EVENT_QP_FATAL, and the QP to ERR as the HCA moved it there (a QP
 * on an SRQ then reports its last WQE too).  Caller holds the context
 * lock. */
static void
qp_fatal(struct fv_context *ctx, uint32_t qpn)
{
    struct fv_qp *qp = fv_qp_find(ctx, qpn);

    if (qp) {
        struct ibv_async_event event = {
            .element.qp = &qp->qp, .event_type = IBV_EVENT_QP_FATAL,
        };
        fv_async_post(ctx, &event);
        fv_qp_to_error(qp);
    }
}

/* IBV_EVENT_CQ_ERR on the receive CQ of QP 'qpn': the CQ is unusable from
 * then on.  Caller holds the context lock. */
static void
cq_error(struct fv_context *ctx, uint32_t qpn)
{
    struct fv_qp *qp = fv_qp_find(ctx, qpn);

    if (qp) {
        fv_cq_fail(FV_CONTAINER_OF(qp->qp.recv_cq, struct fv_cq, cq));
    }
}

/* IBV_EVENT_SRQ_ERR on the SRQ of QP 'qpn'.  Caller holds the context
 * lock. */
static void
srq_error(struct fv_context *ctx, uint32_t qpn)
{
    struct fv_qp *qp = fv_qp_find(ctx, qpn);

    if (qp && qp->qp.srq) {
        struct ibv_async_event event = {
            .element.srq = qp->qp.srq, .event_type = IBV_EVENT_SRQ_ERR,
        };
        fv_async_post(ctx, &event);
    }
}

/* Carries out one order.  Unknown words are ignored, as in the port
 * file.  Caller holds the context lock. */
static void
apply_word(struct fv_context *ctx, const char *word)
{
    uint32_t n;

    if (ctx->dead) {
        return;                 /* Nothing more can go wrong. */
    }
    if (parse_number(word, "rx_err", &n)) {
        ctx->rx_faults = n;
    } else if (parse_number(word, "tx_err", &n)) {
        ctx->tx_faults = n;
    } else if (parse_number(word, "qp_fatal", &n)) {
        qp_fatal(ctx, n);
    } else if (parse_number(word, "cq_err", &n)) {
        cq_error(ctx, n);
    } else if (parse_number(word, "srq_err", &n)) {
        srq_error(ctx, n);
    } else if (!strcmp(word, "device_fatal")) {
        kill_device(ctx);
    }
}

void
fv_faults_apply(struct fv_context *ctx)
{
    char name[64], text[1024];

    fv_faults_name(name, sizeof name);
    if (!fv_read_ctl_file(ctx->dir_fd, name, text, sizeof text)) {
        return;
    }

    pthread_mutex_lock(&ctx->lock);
    for (char *save, *tok = strtok_r(text, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        apply_word(ctx, tok);
    }
    pthread_mutex_unlock(&ctx->lock);
}

/* Takes one injected receive error, if any is left.  Caller holds the
 * context lock. */
bool
fv_faults_take_rx(struct fv_context *ctx)
{
    if (ctx->rx_faults) {
        ctx->rx_faults--;
        return true;
    }
    return false;
}

/* Same for a send error. */
bool
fv_faults_take_tx(struct fv_context *ctx)
{
    if (ctx->tx_faults) {
        ctx->tx_faults--;
        return true;
    }
    return false;
}
