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

#ifndef IPOIB_BYTES_H
#define IPOIB_BYTES_H 1

/* Big-endian (network order) fields at any byte offset of a packet.
 *
 * Wire formats here (IB headers, IPoIB, ARP, MADs, DHCP, TCP) put 16- and
 * 32-bit fields at offsets that need not be aligned for the host, so they
 * are read and written a byte at a time; values are in host order. */

#include <stdint.h>

static inline uint16_t
ipoib_get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static inline void
ipoib_put_be16(uint8_t *p, uint16_t value)
{
    p[0] = value >> 8;
    p[1] = value;
}

static inline uint32_t
ipoib_get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

static inline void
ipoib_put_be32(uint8_t *p, uint32_t value)
{
    p[0] = value >> 24;
    p[1] = value >> 16;
    p[2] = value >> 8;
    p[3] = value;
}

#endif /* ipoib-bytes.h */
