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

#ifndef FABRIC_CAPTURE_H
#define FABRIC_CAPTURE_H 1

/* Capture of the simulated subnet's traffic: every packet becomes a whole
 * IB packet (LRH, GRH if any, BTH, DETH, payload, ICRC, VCRC) in a pcap
 * file that tshark decodes (ERF link type, see lib/ib-pcap.h). */

#include <stdint.h>
#include "fabric/fabric-ring.h"

struct fabric_capture;

/* Opens 'file_name' for writing.  Returns NULL and sets '*errorp' on
 * failure. */
struct fabric_capture *fabric_capture_open(const char *file_name,
                                           int *errorp);
/* Writes the packet 'meta' describes.  Returns 0 or an errno value. */
int fabric_capture_packet(struct fabric_capture *,
                          const struct fabric_pkt_meta *, const void *data);
void fabric_capture_flush(struct fabric_capture *);
void fabric_capture_close(struct fabric_capture *);
const char *fabric_capture_file_name(const struct fabric_capture *);
uint64_t fabric_capture_count(const struct fabric_capture *);

#endif /* fabric/fabric-capture.h */
