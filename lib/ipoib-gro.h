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
#ifndef IPOIB_GRO_H
#define IPOIB_GRO_H 1

/* Receive coalescing (GRO) of TCP segments into one large frame.
 *
 * Works on Ethernet frames (one optional 802.1Q tag) carrying IPv4 (no
 * options) or IPv6 (no extension headers) and TCP.  A segment joins a
 * flow's merge when it has the same link header, addresses, TOS/traffic
 * class, TTL/hop limit, ports, acknowledgment number, window and TCP
 * options as the merge's first segment, carries payload, follows the merge
 * in sequence, carries no flag but ACK and PSH, and the merge has room.  A
 * PSH or a segment shorter than the first ends the merge after it;
 * anything else that does not fit starts a new one.
 *
 * A finished merge is one frame: headers of the first segment, lengths
 * (and the IPv4 header checksum) for the whole, PSH if a segment had it,
 * and in the TCP checksum field the pseudo-header sum a sender leaves for
 * checksum offload, because the payload checksums were verified on the
 * way in, segment by segment (or by the HCA).  The caller delivers it
 * marked for segmentation with 'seg_size' as the segment size.
 *
 * Nothing is allocated; the caller gives the merge buffer. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A TCP segment, parsed. */
struct ipoib_gro_seg {
    uint16_t l3_ofs;            /* IP header (after Ethernet and a tag). */
    uint16_t l4_ofs;            /* TCP header. */
    uint16_t hdr_len;           /* Headers; the payload follows. */
    uint16_t payload_len;
    bool ipv6;
    uint8_t flags;              /* TCP flags. */
    uint32_t seq;               /* Host order. */
};

/* Largest merged frame, link header included.  The IPv4 total length field
 * is 16 bits, and Linux segments in software any GSO packet of 64 KiB or
 * more (the device's gso_max_size, link header counted) that it would
 * otherwise pass whole to a VM's veth: a bigger frame fails there. */
#define IPOIB_GRO_MAX_LEN 65535

/* Returns true if the 'len'-byte frame is a TCP segment GRO may consider,
 * with '*seg' filled in. */
bool ipoib_gro_parse(const uint8_t *frame, size_t len,
                     struct ipoib_gro_seg *seg);

/* Returns true if the TCP checksum of 'frame' is right. */
bool ipoib_gro_csum_ok(const uint8_t *frame, const struct ipoib_gro_seg *);

/* One flow's merge. */
struct ipoib_gro_merge {
    uint8_t *buf;               /* The merged frame so far. */
    size_t len;                 /* Its length. */
    size_t cap;                 /* Room at 'buf'. */
    struct ipoib_gro_seg first;
    uint32_t next_seq;
    uint16_t seg_size;          /* Payload of the first segment. */
    uint8_t flags;              /* OR of the segments' flags. */
    int n_segs;
    bool closed;                /* No more segments may join. */
};

/* Starts a merge in 'buf' ('cap' bytes) with 'frame', whose parse is
 * 'seg'.  'cap' must be at least the frame's length.  'buf' may be 'frame'
 * itself, to see whether anything joins before paying for a copy: then
 * ipoib_gro_move() must give the merge its own buffer before the first
 * ipoib_gro_append(). */
void ipoib_gro_start(struct ipoib_gro_merge *, uint8_t *buf, size_t cap,
                     const uint8_t *frame, const struct ipoib_gro_seg *seg);

/* Copies the merge so far to 'buf' (with the room 'cap' promised) and
 * continues there. */
void ipoib_gro_move(struct ipoib_gro_merge *, uint8_t *buf);

/* Returns true if 'frame' belongs to the flow of 'm' (same link header,
 * IP version and TCP ports; addresses are checked by ipoib_gro_fits()). */
bool ipoib_gro_same_flow(const struct ipoib_gro_merge *m,
                         const uint8_t *frame,
                         const struct ipoib_gro_seg *seg);

/* Returns true if 'frame' (parse 'seg') may join 'm'. */
bool ipoib_gro_fits(const struct ipoib_gro_merge *m, const uint8_t *frame,
                    const struct ipoib_gro_seg *seg);

/* Appends the payload of 'frame', which ipoib_gro_fits() accepted.  With
 * 'verify', checks its TCP checksum in the same pass over the payload; if
 * it is wrong, nothing is appended and false is returned. */
bool ipoib_gro_append(struct ipoib_gro_merge *, const uint8_t *frame,
                      const struct ipoib_gro_seg *seg, bool verify);

/* Writes the merged frame's headers and returns its length. */
size_t ipoib_gro_finish(struct ipoib_gro_merge *);

/* Writes the pseudo-header sum into the TCP checksum field of 'frame', as
 * a sender does before checksum offload (for a segment delivered on its
 * own, marked for offload like a merge). */
void ipoib_gro_set_partial_csum(uint8_t *frame,
                                const struct ipoib_gro_seg *seg);

#endif /* lib/ipoib-gro.h */
