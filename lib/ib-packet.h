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

#ifndef IB_PACKET_H
#define IB_PACKET_H 1

/* Whole InfiniBand packets as they travel on a link, for Unreliable
 * Datagram (UD) SENDs, the only transport IPoIB datagram mode uses:
 *
 *     LRH (8) [GRH (40)] BTH (12) DETH (8) [ImmDt (4)] payload pad ICRC VCRC
 *
 * 'pad' is 0 to 3 zero bytes that round the payload up to a multiple of 4
 * (the BTH's PadCnt says how many).  The ICRC (4) and VCRC (2) are
 * described in lib/ib-crc.h.  Multi-byte header fields are big-endian.
 *
 * Building and parsing never allocate memory, so both can be used on a
 * datapath.  Neither keeps any state: they are thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipoib-addr.h"

/* Header sizes. */
#define IB_LRH_LEN 8
#define IB_GRH_LEN 40
#define IB_BTH_LEN 12
#define IB_DETH_LEN 8
#define IB_IMMDT_LEN 4

/* LRH Link Next Header values. */
#define IB_LNH_RAW 0x0          /* Raw packet, no IBA transport. */
#define IB_LNH_IP_NON_IBA 0x1   /* Raw IPv6 packet. */
#define IB_LNH_IBA_LOCAL 0x2    /* BTH follows the LRH. */
#define IB_LNH_IBA_GLOBAL 0x3   /* GRH, then BTH, follow the LRH. */

/* GRH Next Header value for an IBA transport header. */
#define IB_GRH_NXTHDR_IBA 0x1b

/* BTH opcodes of UD SENDs. */
#define IB_OPCODE_UD_SEND_ONLY 0x64
#define IB_OPCODE_UD_SEND_ONLY_IMM 0x65

/* The largest LRH Packet Length (11 bits, counting 4-byte words from the
 * LRH through the ICRC), in bytes. */
#define IB_MAX_PKT_LEN (0x7ff * 4)

/* Q_Key that OpenSM gives the IPoIB broadcast group by default. */
#define IB_IPOIB_DEFAULT_QKEY 0x0b1b

/* Header fields of a UD SEND, in host byte order, each value in the low bits
 * of its member (e.g. 24 bits for QPNs and the PSN, 20 for the flow label;
 * higher bits are ignored when building). */
struct ib_ud_headers {
    /* LRH. */
    uint8_t vl, sl;             /* Virtual lane, service level (4 bits). */
    uint16_t dlid, slid;

    /* GRH, present if 'has_grh' (LRH LNH 0x3 rather than 0x2). */
    bool has_grh;
    struct ib_gid sgid, dgid;
    uint8_t tclass, hop_limit;
    uint32_t flow_label;

    /* BTH. */
    uint8_t opcode;             /* 0x64 UD SEND only (default), 0x65 UD
                                 * SEND only with immediate. */
    bool solicited;
    uint16_t pkey;
    uint32_t dqpn, psn;

    /* DETH. */
    uint32_t qkey, sqpn;

    /* ImmDt, present only if 'opcode' is IB_OPCODE_UD_SEND_ONLY_IMM. */
    uint32_t immediate;
};

/* The most bytes that a UD packet has besides its payload: all headers
 * (ImmDt included), the largest pad, and both CRCs. */
#define IB_UD_MAX_OVERHEAD (8 + 40 + 12 + 8 + 4 + 3 + 4 + 2)

/* Fills defaults for a UD SEND: opcode 0x64, no GRH (hop limit 1 if one is
 * added), VL 0, SL 0, the default P_Key 0xffff, Q_Key 0x0b1b, everything
 * else zero. */
void ib_ud_headers_init(struct ib_ud_headers *);

/* Returns the length of the whole packet (LRH through VCRC) that
 * ib_ud_packet_build() would write for a 'len'-byte payload, or 0 if 'len'
 * is too long for the 11-bit LRH packet length. */
size_t ib_ud_packet_len(const struct ib_ud_headers *, size_t len);

/* Writes a whole IB packet (LRH..VCRC) to 'out'.  Returns its length, 0 if
 * out_size is too small, the payload too long for the 11-bit LRH packet
 * length, or the opcode is not a UD SEND. */
size_t ib_ud_packet_build(const struct ib_ud_headers *,
                          const void *payload, size_t len,
                          uint8_t *out, size_t out_size);

/* Parses a whole IB UD packet: 'len' must be exactly the length of the
 * packet, LRH through VCRC.
 *
 * Returns 0 if it is a well-formed UD SEND, EINVAL if it is malformed
 * (truncated, lengths that disagree, bad GRH version), or
 * EPROTONOSUPPORT if it is well-formed but not a UD SEND: another IBA
 * transport (RC, UC, RD, ...) or a raw packet (LNH 0 or 1).  With
 * EPROTONOSUPPORT the LRH fields, and for IBA transports the GRH and BTH
 * fields, are still filled in; DETH fields are zero.  With EINVAL, the
 * contents of '*hdrs' are unspecified.
 *
 * QP0 and QP1 MADs are UD SENDs like any other (return 0): callers that
 * want only IPoIB traffic check 'dqpn' and 'qkey'.
 *
 * On success *payload and *payload_len point into 'pkt' (pad and CRCs
 * excluded); otherwise they are set to NULL and 0.  *icrc_ok and *vcrc_ok
 * tell whether the stored CRCs are right (false if there is no such CRC:
 * raw packets have no ICRC, or if the packet is too malformed to tell).
 * Any of 'payload', 'payload_len', 'icrc_ok', 'vcrc_ok' may be NULL; a NULL
 * CRC pointer also skips the work of checking that CRC. */
int ib_ud_packet_parse(const uint8_t *pkt, size_t len,
                       struct ib_ud_headers *,
                       const uint8_t **payload, size_t *payload_len,
                       bool *icrc_ok, bool *vcrc_ok);

#endif /* ib-packet.h */
