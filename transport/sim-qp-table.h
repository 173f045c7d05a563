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

#ifndef SIM_QP_TABLE_H
#define SIM_QP_TABLE_H 1

/* The simulated HCA's UD QPs, indexed by QP number.
 *
 * The HCA picks QP numbers itself, so it picks them such that no two live
 * QPs share the low bits that index the table: finding a QP is one array
 * access (its slot is 'qpn & mask'), with no hashing and no chain, however
 * many QPs the port has.  Every send and every received datagram looks its
 * QP up, so this matters with thousands of VIFs.
 *
 * Entries are stored in the array itself, 12 bytes each (no pointer to
 * follow, so a lookup touches one cache line), and read without locks: a
 * reader checks the QP number before and after copying the attributes, so
 * it never returns attributes of another QP.  The table only grows (QP
 * numbers that differ in the low N bits still differ in the low N+1 bits),
 * which publishes a new array through RCU.
 *
 * Threads: insert/remove/clear and sim_qp_table_qpn_usable() from one
 * thread; sim_qp_table_find() from any thread. */

#include <stdbool.h>
#include <stdint.h>
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "util.h"

/* What the data path needs of a QP. */
struct sim_qp {
    uint32_t qpn;
    uint32_t qkey;
    uint16_t pkey;              /* From the table: with membership bit. */
    uint16_t pkey_index;        /* Where 'pkey' was in the P_Key table, as
                                 * a verbs UD QP holds a P_Key index. */
};

/* Private to sim-qp-table.c except for the inline lookup below. */
struct sim_qp_entry {
    atomic_uint32_t qpn;        /* 0: free slot. */
    atomic_uint32_t qkey;
    atomic_uint32_t pkey;       /* pkey | pkey_index << 16. */
};

struct sim_qp_slots {
    uint32_t mask;              /* Number of entries - 1 (a power of 2). */
    struct sim_qp_entry entries[];
};

struct sim_qp_table {
    OVSRCU_TYPE(struct sim_qp_slots *) slots;
    size_t n;                   /* Live QPs. */
};

void sim_qp_table_init(struct sim_qp_table *);
void sim_qp_table_destroy(struct sim_qp_table *);

size_t sim_qp_table_count(const struct sim_qp_table *);

/* True if a QP may be given number 'qpn' now: no live QP has it or shares
 * its slot.  Grows the table first if it is getting full, so that a free
 * slot is near. */
bool sim_qp_table_qpn_usable(struct sim_qp_table *, uint32_t qpn);

/* Adds 'qp', whose number sim_qp_table_qpn_usable() accepted. */
void sim_qp_table_insert(struct sim_qp_table *, const struct sim_qp *);

/* Removes QP 'qpn'; returns false if there is none. */
bool sim_qp_table_remove(struct sim_qp_table *, uint32_t qpn);

/* Removes every QP. */
void sim_qp_table_clear(struct sim_qp_table *);

/* Copies QP 'qpn' into '*qp' and returns true, or returns false if there
 * is no such QP. */
static inline bool
sim_qp_table_find(const struct sim_qp_table *table, uint32_t qpn,
                  struct sim_qp *qp)
{
    const struct sim_qp_slots *slots
        = ovsrcu_get(struct sim_qp_slots *, &table->slots);
    uint32_t before, after, pkey;

    if (!slots || !qpn) {
        return false;
    }
    struct sim_qp_entry *e = CONST_CAST(struct sim_qp_entry *,
                                        &slots->entries[qpn & slots->mask]);
    atomic_read_explicit(&e->qpn, &before, memory_order_acquire);
    if (before != qpn) {
        return false;
    }
    atomic_read_relaxed(&e->qkey, &qp->qkey);
    atomic_read_relaxed(&e->pkey, &pkey);
    /* The slot may have been freed and given to another QP meanwhile;
     * then its number changed, and what was copied is not this QP's. */
    atomic_thread_fence(memory_order_acquire);
    atomic_read_relaxed(&e->qpn, &after);
    qp->qpn = qpn;
    qp->pkey = pkey & 0xffff;
    qp->pkey_index = pkey >> 16;
    return after == qpn;
}

/* Asks the CPU to fetch QP 'qpn's entry, for a lookup a little later. */
static inline void
sim_qp_table_prefetch(const struct sim_qp_table *table, uint32_t qpn)
{
    const struct sim_qp_slots *slots
        = ovsrcu_get(struct sim_qp_slots *, &table->slots);

    if (slots) {
        OVS_PREFETCH(&slots->entries[qpn & slots->mask]);
    }
}

#endif /* sim-qp-table.h */
