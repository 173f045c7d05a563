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

#ifndef IB_CRC_H
#define IB_CRC_H 1

/* The two CRCs that end every InfiniBand packet.
 *
 * ICRC: CRC-32 (the IEEE 802.3 polynomial, bit-reflected, initial value and
 * final XOR all ones) over the packet from the LRH through the pad bytes,
 * with the fields that switches and routers may rewrite ("variant" fields)
 * replaced by all ones.  With a GRH that is the whole LRH plus the GRH's
 * traffic class, flow label and hop limit; without one, just the LRH's VL
 * nibble.  The BTH's reserved byte after the P_Key is always masked.
 *
 * VCRC: CRC-16 with polynomial 0x100B, bit-reflected, initial value and
 * final XOR 0xffff, over the packet from the LRH through the ICRC as it is
 * on the wire (nothing masked).
 *
 * Both are stored little-endian on the wire: least significant byte first.
 *
 * Everything here is table-driven and allocation-free, and safe to call
 * from any thread (the tables are built once, before main()). */

#include <stddef.h>
#include <stdint.h>

/* Sizes of the CRC fields. */
#define IB_ICRC_LEN 4
#define IB_VCRC_LEN 2

/* Plain CRC-32 (IEEE 802.3, as zlib's crc32()): 'crc' is the value returned
 * by an earlier call, or 0 to start.  ib_crc32(0, "123456789", 9) is
 * 0xcbf43926. */
uint32_t ib_crc32(uint32_t crc, const void *data, size_t len);

/* Plain CRC-16 as the VCRC uses it: 'crc' is the value returned by an
 * earlier call, or 0 to start. */
uint16_t ib_crc16(uint16_t crc, const void *data, size_t len);

/* Returns the ICRC of the IBA packet at 'pkt', which holds 'covered' bytes
 * from the first byte of the LRH up to (not including) the ICRC field.
 * The LRH's LNH field says whether a GRH follows; variant fields are masked
 * only where 'covered' reaches them, so a short or malformed packet yields
 * a (meaningless) value, never an out-of-bounds read. */
uint32_t ib_icrc_compute(const uint8_t *pkt, size_t covered);

/* Returns the VCRC of the 'covered' bytes at 'pkt' (LRH through ICRC). */
uint16_t ib_vcrc_compute(const uint8_t *pkt, size_t covered);

/* Little-endian load and store of the CRC fields. */
static inline void
ib_icrc_store(uint8_t *p, uint32_t icrc)
{
    p[0] = icrc;
    p[1] = icrc >> 8;
    p[2] = icrc >> 16;
    p[3] = icrc >> 24;
}

static inline uint32_t
ib_icrc_load(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline void
ib_vcrc_store(uint8_t *p, uint16_t vcrc)
{
    p[0] = vcrc;
    p[1] = vcrc >> 8;
}

static inline uint16_t
ib_vcrc_load(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

#endif /* ib-crc.h */
