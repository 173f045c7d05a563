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
#include "fabric/fabric-lso.h"
#include "fabric/fabric-deliver.h"
#include "lib/ipoib-tso.h"

int
fabric_lso_deliver(const struct fabric_shm *shm, int wake_sock,
                   const struct fabric_pkt_meta *meta, uint32_t max_len,
                   const struct ipoib_tso_plan *plan, const uint8_t *frame)
{
    struct fabric_pkt_meta seg_meta = *meta;
    int n_sent = 0;

    for (int i = 0; i < plan->n_segs; i++) {
        struct fabric_deliver_slot ds;

        seg_meta.len = ipoib_tso_seg_len(plan, i);
        if (fabric_deliver_claim(shm, &seg_meta, max_len, &ds)
            != FABRIC_DELIVERED) {
            break;
        }
        /* The slot is claimed: it is published whatever happens, since
         * the receiver waits for it. */
        ipoib_tso_segment(plan, frame, i, ds.slot->data);
        if (!fabric_deliver_commit(shm, wake_sock, &ds, &seg_meta)) {
            break;
        }
        n_sent++;
    }
    return n_sent;
}
