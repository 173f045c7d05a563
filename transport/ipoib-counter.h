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

#ifndef IPOIB_COUNTER_H
#define IPOIB_COUNTER_H 1

/* A port counter that several threads bump (senders) while another reads
 * it (statistics): relaxed atomics, since each counter stands alone. */

#include <stdint.h>
#include "ovs-atomic.h"

static inline void
ipoib_counter_inc(atomic_uint64_t *counter, uint64_t n)
{
    uint64_t orig;

    atomic_add_explicit(counter, n, &orig, memory_order_relaxed);
}

static inline uint64_t
ipoib_counter_get(atomic_uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

#endif /* ipoib-counter.h */
