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
#include "transport/sim-qp-table.h"
#include <stdlib.h>
#include "util.h"

/* Slots in a new table. */
#define MIN_SLOTS 64

static struct sim_qp_slots *
get_slots(const struct sim_qp_table *table)
{
    return ovsrcu_get_protected(struct sim_qp_slots *, &table->slots);
}

static struct sim_qp_slots *
alloc_slots(uint32_t n_slots)
{
    struct sim_qp_slots *slots;

    slots = xzalloc(sizeof *slots + n_slots * sizeof slots->entries[0]);
    slots->mask = n_slots - 1;
    return slots;
}

void
sim_qp_table_init(struct sim_qp_table *table)
{
    ovsrcu_init(&table->slots, alloc_slots(MIN_SLOTS));
    table->n = 0;
}

void
sim_qp_table_destroy(struct sim_qp_table *table)
{
    struct sim_qp_slots *slots = get_slots(table);

    ovsrcu_set_hidden(&table->slots, NULL);
    table->n = 0;
    /* A sender may still be between its lookup and its copy. */
    ovsrcu_postpone(free, slots);
}

size_t
sim_qp_table_count(const struct sim_qp_table *table)
{
    return table->n;
}

static uint32_t
entry_qpn(const struct sim_qp_entry *e)
{
    uint32_t qpn;

    atomic_read_relaxed(&CONST_CAST(struct sim_qp_entry *, e)->qpn, &qpn);
    return qpn;
}

/* Doubles the table.  Live numbers differ in their low bits, so they still
 * do with one bit more: every entry finds its slot free. */
static void
grow(struct sim_qp_table *table)
{
    struct sim_qp_slots *old = get_slots(table);
    struct sim_qp_slots *new = alloc_slots(2 * (old->mask + 1));

    for (uint32_t i = 0; i <= old->mask; i++) {
        const struct sim_qp_entry *from = &old->entries[i];
        uint32_t qpn = entry_qpn(from);

        if (qpn) {
            struct sim_qp_entry *to = &new->entries[qpn & new->mask];
            uint32_t value;

            ovs_assert(!entry_qpn(to));
            atomic_read_relaxed(&CONST_CAST(struct sim_qp_entry *,
                                            from)->qkey, &value);
            atomic_init(&to->qkey, value);
            atomic_read_relaxed(&CONST_CAST(struct sim_qp_entry *,
                                            from)->pkey, &value);
            atomic_init(&to->pkey, value);
            atomic_init(&to->qpn, qpn);
        }
    }
    ovsrcu_set(&table->slots, new);
    ovsrcu_postpone(free, old);
}

bool
sim_qp_table_qpn_usable(struct sim_qp_table *table, uint32_t qpn)
{
    struct sim_qp_slots *slots = get_slots(table);

    /* At most 3/4 full, so that a free slot is a few numbers away. */
    if (4 * (table->n + 1) > 3 * ((size_t) slots->mask + 1)) {
        grow(table);
        slots = get_slots(table);
    }
    return qpn && !entry_qpn(&slots->entries[qpn & slots->mask]);
}

void
sim_qp_table_insert(struct sim_qp_table *table, const struct sim_qp *qp)
{
    struct sim_qp_slots *slots = get_slots(table);
    struct sim_qp_entry *e = &slots->entries[qp->qpn & slots->mask];

    ovs_assert(qp->qpn && !entry_qpn(e));
    /* A reader that saw the slot's previous QP must see its number change
     * before it can see the new attributes. */
    atomic_thread_fence(memory_order_release);
    atomic_store_relaxed(&e->qkey, qp->qkey);
    atomic_store_relaxed(&e->pkey,
                         qp->pkey | (uint32_t) qp->pkey_index << 16);
    atomic_store_explicit(&e->qpn, qp->qpn, memory_order_release);
    table->n++;
}

bool
sim_qp_table_remove(struct sim_qp_table *table, uint32_t qpn)
{
    struct sim_qp_slots *slots = get_slots(table);
    struct sim_qp_entry *e = &slots->entries[qpn & slots->mask];

    if (!qpn || entry_qpn(e) != qpn) {
        return false;
    }
    atomic_store_relaxed(&e->qpn, 0);
    table->n--;
    return true;
}

void
sim_qp_table_clear(struct sim_qp_table *table)
{
    struct sim_qp_slots *slots = get_slots(table);

    for (uint32_t i = 0; i <= slots->mask; i++) {
        atomic_store_relaxed(&slots->entries[i].qpn, 0);
    }
    table->n = 0;
}
