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

#ifndef FABRIC_LSO_H
#define FABRIC_LSO_H 1

/* The simulated HCA's large send offload, writing each segment straight
 * into a slot of the destination port's receive ring.
 *
 * A real HCA cuts a large send into MTU-sized datagrams in hardware; the
 * simulation does that work on the sender's CPU (see tests/perf/RESULTS.md)
 * and should not add a copy a wire does not have: segmenting into a buffer
 * and then copying that into the ring copied every payload byte twice. */

#include <stdint.h>

struct fabric_pkt_meta;
struct fabric_shm;
struct ipoib_tso_plan;

/* Delivers the segments of unicast 'frame', planned in 'plan', to the port
 * of 'meta->dlid', each as a datagram with the metadata 'meta' (its 'len'
 * set per segment), no longer than 'max_len' nor the port's MTU.  Stops at
 * the first segment that cannot go (full ring, MTU, no such port).  Returns
 * the number of segments delivered. */
int fabric_lso_deliver(const struct fabric_shm *, int wake_sock,
                       const struct fabric_pkt_meta *meta, uint32_t max_len,
                       const struct ipoib_tso_plan *plan,
                       const uint8_t *frame);

#endif /* fabric/fabric-lso.h */
