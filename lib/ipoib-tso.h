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
#ifndef IPOIB_TSO_H
#define IPOIB_TSO_H 1

/* TCP segmentation and checksum filling in software: what an HCA without
 * LSO or checksum offload leaves to the host.
 *
 * A frame is 'l3_ofs' bytes of link header (the 4-byte IPoIB header, or an
 * Ethernet header), an IPv4 or IPv6 header, a TCP header and payload.
 * Segmentation cuts the payload into 'mss'-byte pieces (the last may be
 * shorter), each with a copy of the headers in which
 *
 *   - IPv4 total length, identification (+1 per segment) and header
 *     checksum, or the IPv6 payload length, describe the segment;
 *   - the TCP sequence number advances by the payload before it; FIN and
 *     PSH stay on the last segment only, CWR on the first only;
 *   - the TCP checksum is computed in full (the input's checksum field may
 *     hold anything, e.g. the pseudo-header sum a guest left for offload).
 *
 * Segments are written into buffers the caller owns (ring slots, or
 * recycled scratch buffers), one at a time, so nothing is allocated.  The
 * payload is copied and summed in one pass.
 *
 * Not handled, so refused (the caller counts the drop): IPv4 fragments,
 * IPv6 extension headers and jumbograms, headers beyond the frame. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ipoib_tso_status {
    IPOIB_TSO_OK,
    IPOIB_TSO_NOT_TCP,          /* IP, but another protocol. */
    IPOIB_TSO_MALFORMED,        /* Not IP, truncated, inconsistent. */
    IPOIB_TSO_BAD_MSS,          /* 'mss' is 0. */
};

/* What segmentation needs of a frame, from ipoib_tso_plan(). */
struct ipoib_tso_plan {
    size_t l3_ofs;              /* IP header. */
    size_t l4_ofs;              /* TCP header. */
    size_t hdr_len;             /* All headers: the payload starts here. */
    size_t payload_len;
    uint16_t mss;
    int n_segs;                 /* At least 1 (a lone header is 1). */
    bool ipv6;
    uint64_t addr_sum;          /* Pseudo-header sum of the addresses. */
    uint32_t seq;               /* Of the first byte, host order. */
    uint16_t ip_id;             /* IPv4 identification, host order. */
};

/* Checks the 'len'-byte frame at 'frame' and plans its segmentation into
 * 'mss'-byte payloads. */
enum ipoib_tso_status ipoib_tso_plan(const uint8_t *frame, size_t len,
                                     size_t l3_ofs, uint16_t mss,
                                     struct ipoib_tso_plan *);

/* The longest segment of 'plan', headers included. */
static inline size_t
ipoib_tso_max_seg_len(const struct ipoib_tso_plan *plan)
{
    return plan->hdr_len + plan->mss;
}

/* The length of segment 'idx' (0 <= idx < plan->n_segs), headers
 * included: what ipoib_tso_segment() will return for it. */
static inline size_t
ipoib_tso_seg_len(const struct ipoib_tso_plan *plan, int idx)
{
    size_t ofs = (size_t) idx * plan->mss;
    size_t left = plan->payload_len - ofs;

    return plan->hdr_len + (left < plan->mss ? left : plan->mss);
}

/* Writes segment 'idx' (0 <= idx < plan->n_segs) of 'frame' to 'out',
 * which has room for ipoib_tso_max_seg_len() bytes, and returns its
 * length. */
size_t ipoib_tso_segment(const struct ipoib_tso_plan *, const uint8_t *frame,
                         int idx, uint8_t *out);

/* Fills in the TCP or UDP checksum (and the IPv4 header checksum) of the
 * unsegmented frame at 'frame', in place.  A UDP checksum that comes out
 * as 0 is sent as 0xffff. */
enum ipoib_tso_status ipoib_tso_fill_csum(uint8_t *frame, size_t len,
                                          size_t l3_ofs);

#endif /* lib/ipoib-tso.h */
