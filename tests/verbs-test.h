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

#ifndef TESTS_VERBS_TEST_H
#define TESTS_VERBS_TEST_H 1

/* Helpers of the libibverbs test programs (test-verbs-ud, test-verbs-faults),
 * which run on libfakeverbs and link only libibverbs. */

#include <stdbool.h>
#include <stdint.h>
#include <infiniband/verbs.h>

/* If 'ok', prints "ok N: " and the message; otherwise prints "FAILED: ",
 * the message and errno to stderr and exits 1. */
void check(bool ok, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* The number of checks passed so far. */
int checks_passed(void);

/* Polls up to 'n' completions from 'cq', waiting up to 'timeout_ms'.
 * Returns how many it got, or a failed poll's negative value. */
int poll_n(struct ibv_cq *cq, struct ibv_wc *wc, int n, int timeout_ms);

/* Reads async events of 'ctx' until one of 'type' (left unacknowledged in
 * '*event'; others are acknowledged), at most 10, each within
 * 'timeout_ms'.  Returns false if none came. */
bool wait_async_event(struct ibv_context *ctx, enum ibv_event_type type,
                      struct ibv_async_event *event, int timeout_ms);

/* Moves UD QP 'qp' through INIT (port 1, 'pkey_index', 'qkey') and RTR to
 * RTS.  Returns 0 or the failing ibv_modify_qp()'s error. */
int bring_up_ud_qp(struct ibv_qp *qp, uint16_t pkey_index, uint32_t qkey);

#endif /* tests/verbs-test.h */
