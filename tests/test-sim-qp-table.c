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

/* Tests transport/sim-qp-table: every live QP is found with its own
 * attributes, however many there are and however the table grew; removed
 * and stale numbers are not found; no number is usable twice. */

#include <config.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "transport/sim-qp-table.h"
#include "util.h"

#define FIRST_QPN 0x48
#define QPN_LIMIT 0xffffff

struct model {
    uint32_t *qpns;             /* Live QPs' numbers, 0 once removed. */
    size_t n;
    uint32_t next_qpn;
};

static uint16_t
pkey_of(uint32_t qpn)
{
    return 0x8000 | (qpn % 0x7fff);
}

static uint16_t
pkey_index_of(uint32_t qpn)
{
    return qpn % 128;
}

static uint32_t
qkey_of(uint32_t qpn)
{
    return qpn * 2654435761u;
}

/* Picks a number the way the simulated HCA does and adds a QP with it. */
static uint32_t
add_qp(struct sim_qp_table *t, struct model *m)
{
    uint32_t qpn;

    do {
        qpn = m->next_qpn++;
        if (m->next_qpn >= QPN_LIMIT) {
            m->next_qpn = FIRST_QPN;
        }
    } while (!sim_qp_table_qpn_usable(t, qpn));

    struct sim_qp qp = { .qpn = qpn, .pkey = pkey_of(qpn),
                         .pkey_index = pkey_index_of(qpn),
                         .qkey = qkey_of(qpn) };
    sim_qp_table_insert(t, &qp);
    m->qpns[m->n++] = qpn;
    return qpn;
}

/* Checks that every live QP in 'm' is found with its attributes, that no
 * live number is usable again, and that the count matches. */
static void
check_all(struct sim_qp_table *t, const struct model *m)
{
    size_t n_live = 0;

    for (size_t i = 0; i < m->n; i++) {
        uint32_t qpn = m->qpns[i];
        struct sim_qp qp;

        if (!qpn) {
            continue;
        }
        n_live++;
        if (!sim_qp_table_find(t, qpn, &qp)) {
            ovs_fatal(0, "QP 0x%"PRIx32" not found", qpn);
        }
        if (qp.qpn != qpn || qp.pkey != pkey_of(qpn)
            || qp.pkey_index != pkey_index_of(qpn)
            || qp.qkey != qkey_of(qpn)) {
            ovs_fatal(0, "QP 0x%"PRIx32" found with wrong attributes",
                      qpn);
        }
        if (sim_qp_table_qpn_usable(t, qpn)) {
            ovs_fatal(0, "live QP 0x%"PRIx32" usable again", qpn);
        }
    }
    if (sim_qp_table_count(t) != n_live) {
        ovs_fatal(0, "count %"PRIuSIZE", expected %"PRIuSIZE,
                  sim_qp_table_count(t), n_live);
    }
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    enum { N = 5000 };
    struct model m = { .qpns = xcalloc(3 * N, sizeof *m.qpns),
                       .next_qpn = FIRST_QPN };
    struct sim_qp_table t;
    struct sim_qp qp;

    set_program_name(argv[0]);
    sim_qp_table_init(&t);

    /* Number 0 is never a QP. */
    if (sim_qp_table_qpn_usable(&t, 0) || sim_qp_table_find(&t, 0, &qp)) {
        ovs_fatal(0, "QP number 0 accepted");
    }

    /* Growth from the first 64 slots to thousands of QPs. */
    for (int i = 0; i < N; i++) {
        add_qp(&t, &m);
    }
    check_all(&t, &m);
    printf("%"PRIuSIZE" QPs found\n", sim_qp_table_count(&t));

    /* Remove every third one: gone, the others stay. */
    uint32_t *removed = xcalloc(N, sizeof *removed);
    size_t n_removed = 0;
    for (size_t i = 0; i < m.n; i += 3) {
        uint32_t qpn = m.qpns[i];

        if (!sim_qp_table_remove(&t, qpn)) {
            ovs_fatal(0, "QP 0x%"PRIx32" not removed", qpn);
        }
        if (sim_qp_table_find(&t, qpn, &qp)
            || sim_qp_table_remove(&t, qpn)) {
            ovs_fatal(0, "removed QP 0x%"PRIx32" still there", qpn);
        }
        m.qpns[i] = 0;
        removed[n_removed++] = qpn;
    }
    check_all(&t, &m);
    printf("%"PRIuSIZE" removed, %"PRIuSIZE" left\n", n_removed,
           sim_qp_table_count(&t));

    /* New QPs take the freed slots under new numbers: an old number,
     * whose slot a new QP may hold now, still finds nothing. */
    for (int i = 0; i < N; i++) {
        add_qp(&t, &m);
    }
    check_all(&t, &m);
    for (size_t i = 0; i < n_removed; i++) {
        if (sim_qp_table_find(&t, removed[i], &qp)) {
            ovs_fatal(0, "stale QP 0x%"PRIx32" found", removed[i]);
        }
    }
    free(removed);
    printf("%"PRIuSIZE" QPs found after reuse of slots\n",
           sim_qp_table_count(&t));

    /* A number that was never given out. */
    if (sim_qp_table_find(&t, m.next_qpn + 12345, &qp)) {
        ovs_fatal(0, "unknown QP found");
    }

    sim_qp_table_clear(&t);
    for (size_t i = 0; i < m.n; i++) {
        if (m.qpns[i] && sim_qp_table_find(&t, m.qpns[i], &qp)) {
            ovs_fatal(0, "QP 0x%"PRIx32" found after clear", m.qpns[i]);
        }
    }
    printf("%"PRIuSIZE" QPs after clear\n", sim_qp_table_count(&t));

    sim_qp_table_destroy(&t);
    free(m.qpns);
    return 0;
}
