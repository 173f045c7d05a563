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

#include "lib/ib-crc.h"

#include <stdbool.h>
#include <string.h>

#include "openvswitch/compiler.h"

/* Bit-reflected forms of the generator polynomials: 0x04c11db7 (CRC-32,
 * IEEE 802.3) and 0x100b (the VCRC's CRC-16). */
#define CRC32_POLY_REFLECTED 0xedb88320u
#define CRC16_POLY_REFLECTED 0xd008u

/* "Slicing by 8" tables: table[0] is the classic one-byte table and
 * table[k][b] is the CRC of byte 'b' followed by 'k' zero bytes, so that
 * eight input bytes are folded in with eight independent lookups. */
#define CRC_SLICES 8
static uint32_t crc32_table[CRC_SLICES][256];
static uint16_t crc16_table[CRC_SLICES][256];

/* Header layout that the ICRC masking needs. */
#define LRH_LEN 8
#define GRH_LEN 40
#define BTH_LEN 12
#define LNH_IBA_GLOBAL 0x3      /* LRH Link Next Header: GRH follows. */
#define BTH_RESV8A_OFS 4        /* Reserved byte after the P_Key. */

static uint32_t
crc32_byte_table_entry(uint32_t b)
{
    uint32_t crc = b;

    for (int i = 0; i < 8; i++) {
        crc = crc & 1 ? (crc >> 1) ^ CRC32_POLY_REFLECTED : crc >> 1;
    }
    return crc;
}

static uint16_t
crc16_byte_table_entry(uint16_t b)
{
    uint16_t crc = b;

    for (int i = 0; i < 8; i++) {
        crc = crc & 1 ? (crc >> 1) ^ CRC16_POLY_REFLECTED : crc >> 1;
    }
    return crc;
}

/* Built before main() so that the hot paths need no "initialized yet?"
 * check and no locking. */
OVS_CONSTRUCTOR(ib_crc_init_tables)
{
    for (int b = 0; b < 256; b++) {
        crc32_table[0][b] = crc32_byte_table_entry(b);
        crc16_table[0][b] = crc16_byte_table_entry(b);
    }
    for (int k = 1; k < CRC_SLICES; k++) {
        for (int b = 0; b < 256; b++) {
            uint32_t prev32 = crc32_table[k - 1][b];
            uint16_t prev16 = crc16_table[k - 1][b];

            crc32_table[k][b] = (prev32 >> 8) ^ crc32_table[0][prev32 & 0xff];
            crc16_table[k][b] = (prev16 >> 8) ^ crc16_table[0][prev16 & 0xff];
        }
    }
}

static inline uint32_t
load32_le(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* Runs the CRC-32 shift register 'reg' over 'n' bytes (no initial or final
 * inversion). */
static uint32_t
crc32_run(uint32_t reg, const uint8_t *p, size_t n)
{
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t lo = reg ^ load32_le(p);
        uint32_t hi = load32_le(p + 4);

        reg = crc32_table[7][lo & 0xff]
              ^ crc32_table[6][(lo >> 8) & 0xff]
              ^ crc32_table[5][(lo >> 16) & 0xff]
              ^ crc32_table[4][lo >> 24]
              ^ crc32_table[3][hi & 0xff]
              ^ crc32_table[2][(hi >> 8) & 0xff]
              ^ crc32_table[1][(hi >> 16) & 0xff]
              ^ crc32_table[0][hi >> 24];
    }
    for (; n > 0; p++, n--) {
        reg = (reg >> 8) ^ crc32_table[0][(reg ^ *p) & 0xff];
    }
    return reg;
}

/* Same for the 16-bit register of the VCRC. */
static uint16_t
crc16_run(uint16_t reg, const uint8_t *p, size_t n)
{
    for (; n >= 8; p += 8, n -= 8) {
        reg = crc16_table[7][(reg ^ p[0]) & 0xff]
              ^ crc16_table[6][((reg >> 8) ^ p[1]) & 0xff]
              ^ crc16_table[5][p[2]]
              ^ crc16_table[4][p[3]]
              ^ crc16_table[3][p[4]]
              ^ crc16_table[2][p[5]]
              ^ crc16_table[1][p[6]]
              ^ crc16_table[0][p[7]];
    }
    for (; n > 0; p++, n--) {
        reg = (reg >> 8) ^ crc16_table[0][(reg ^ *p) & 0xff];
    }
    return reg;
}

uint32_t
ib_crc32(uint32_t crc, const void *data, size_t len)
{
    return ~crc32_run(~crc, data, len);
}

uint16_t
ib_crc16(uint16_t crc, const void *data, size_t len)
{
    return ~crc16_run(~crc & 0xffff, data, len) & 0xffff;
}

/* Sets the bits selected by 'mask' in byte 'ofs' of the 'n'-byte copy at
 * 'hdr', if the copy reaches that far. */
static void
mask_byte(uint8_t *hdr, size_t n, size_t ofs, uint8_t mask)
{
    if (ofs < n) {
        hdr[ofs] |= mask;
    }
}

uint32_t
ib_icrc_compute(const uint8_t *pkt, size_t covered)
{
    /* The variant fields all lie in the first LRH_LEN + GRH_LEN + BTH_LEN
     * bytes: mask a copy of those, then run over the rest in place. */
    uint8_t hdr[LRH_LEN + GRH_LEN + BTH_LEN];
    bool has_grh = covered >= 2 && (pkt[1] & 0x3) == LNH_IBA_GLOBAL;
    size_t hdr_len = LRH_LEN + (has_grh ? GRH_LEN : 0) + BTH_LEN;
    size_t n = covered < hdr_len ? covered : hdr_len;

    memcpy(hdr, pkt, n);
    if (has_grh) {
        memset(hdr, 0xff, n < LRH_LEN ? n : LRH_LEN);
        mask_byte(hdr, n, LRH_LEN + 0, 0x0f);   /* Traffic class, high. */
        mask_byte(hdr, n, LRH_LEN + 1, 0xff);   /* Class low, flow label. */
        mask_byte(hdr, n, LRH_LEN + 2, 0xff);   /* Flow label. */
        mask_byte(hdr, n, LRH_LEN + 3, 0xff);   /* Flow label. */
        mask_byte(hdr, n, LRH_LEN + 7, 0xff);   /* Hop limit. */
        mask_byte(hdr, n, LRH_LEN + GRH_LEN + BTH_RESV8A_OFS, 0xff);
    } else {
        mask_byte(hdr, n, 0, 0xf0);             /* Virtual lane. */
        mask_byte(hdr, n, LRH_LEN + BTH_RESV8A_OFS, 0xff);
    }

    uint32_t reg = crc32_run(UINT32_MAX, hdr, n);
    reg = crc32_run(reg, pkt + n, covered - n);
    return ~reg;
}

uint16_t
ib_vcrc_compute(const uint8_t *pkt, size_t covered)
{
    return ib_crc16(0, pkt, covered);
}
