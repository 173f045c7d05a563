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
#include "lib/ipoib-csum.h"
#include <string.h>

/* Each 64-bit word is added as two 32-bit halves to a 64-bit accumulator:
 * no carry is lost before 2^32 words, far beyond any packet. */
static inline uint64_t
add_word(uint64_t sum, uint64_t word)
{
    return sum + (word & 0xffffffff) + (word >> 32);
}

/* The tail of a range, fewer than 8 bytes. */
static uint64_t
add_tail(uint64_t sum, const uint8_t *p, size_t len)
{
    uint8_t last[2];
    uint16_t w16;

    while (len >= 2) {
        memcpy(&w16, p, 2);
        sum += w16;
        p += 2;
        len -= 2;
    }
    if (len) {
        /* An odd byte is the first byte of a word padded with zero. */
        last[0] = *p;
        last[1] = 0;
        memcpy(&w16, last, 2);
        sum += w16;
    }
    return sum;
}

uint64_t
ipoib_csum_add(uint64_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t s0 = 0, s1 = 0;

    while (len >= 32) {
        uint64_t w[4];

        memcpy(w, p, sizeof w);
        s0 = add_word(s0, w[0]);
        s1 = add_word(s1, w[1]);
        s0 = add_word(s0, w[2]);
        s1 = add_word(s1, w[3]);
        p += 32;
        len -= 32;
    }
    while (len >= 8) {
        uint64_t w;

        memcpy(&w, p, sizeof w);
        s0 = add_word(s0, w);
        p += 8;
        len -= 8;
    }
    return add_tail(sum + s0 + s1, p, len);
}

uint64_t
ipoib_csum_copy(void *dst_, const void *src_, size_t len, uint64_t sum)
{
    const uint8_t *src = src_;
    uint8_t *dst = dst_;
    uint64_t s0 = 0, s1 = 0;

    while (len >= 32) {
        uint64_t w[4];

        memcpy(w, src, sizeof w);
        memcpy(dst, w, sizeof w);
        s0 = add_word(s0, w[0]);
        s1 = add_word(s1, w[1]);
        s0 = add_word(s0, w[2]);
        s1 = add_word(s1, w[3]);
        src += 32;
        dst += 32;
        len -= 32;
    }
    while (len >= 8) {
        uint64_t w;

        memcpy(&w, src, sizeof w);
        memcpy(dst, &w, sizeof w);
        s0 = add_word(s0, w);
        src += 8;
        dst += 8;
        len -= 8;
    }
    memcpy(dst, src, len);
    return add_tail(sum + s0 + s1, src, len);
}

static uint16_t
be16_value(uint32_t host_value)
{
    uint8_t bytes[2] = { host_value >> 8, host_value & 0xff };
    uint16_t w16;

    memcpy(&w16, bytes, 2);
    return w16;
}

uint64_t
ipoib_csum_pseudo4(const uint8_t *ip4, uint8_t proto, uint32_t l4_len)
{
    /* Source and destination addresses: bytes 12 to 19. */
    uint64_t sum = ipoib_csum_add(0, ip4 + 12, 8);

    sum += be16_value(proto);
    sum += be16_value(l4_len & 0xffff);
    return sum;
}

uint64_t
ipoib_csum_pseudo6(const uint8_t *ip6, uint8_t proto, uint32_t l4_len)
{
    /* Source and destination addresses: bytes 8 to 39. */
    uint64_t sum = ipoib_csum_add(0, ip6 + 8, 32);

    sum += be16_value(l4_len >> 16);
    sum += be16_value(l4_len & 0xffff);
    sum += be16_value(proto);
    return sum;
}

void
ipoib_csum_fill_ipv4(uint8_t *ip4, size_t hdr_len)
{
    uint16_t csum;

    ip4[10] = ip4[11] = 0;
    csum = ipoib_csum_finish(ipoib_csum_add(0, ip4, hdr_len));
    memcpy(ip4 + 10, &csum, 2);
}
