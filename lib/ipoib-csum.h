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
#ifndef IPOIB_CSUM_H
#define IPOIB_CSUM_H 1

/* Internet checksums (RFC 1071) for the offload paths: segmentation fills
 * them, receive coalescing verifies them.
 *
 * Sums are kept as 64-bit partial ones-complement sums of the bytes as they
 * lie in memory, read as native 16-bit words.  The ones-complement sum does
 * not depend on byte order (RFC 1071, section 2), so the folded result,
 * stored natively, is the checksum in network byte order.  Every range
 * summed must start at an even offset from the start of what the checksum
 * covers; only the last range may have an odd length. */

#include <stddef.h>
#include <stdint.h>

/* Adds 'len' bytes at 'data' to 'sum'. */
uint64_t ipoib_csum_add(uint64_t sum, const void *data, size_t len);

/* Copies 'len' bytes from 'src' to 'dst' (not overlapping) and adds them
 * to 'sum', in one pass over the data. */
uint64_t ipoib_csum_copy(void *dst, const void *src, size_t len,
                         uint64_t sum);

/* Adds a 16-bit value given in network byte order (as it lies in memory). */
static inline uint64_t
ipoib_csum_add16(uint64_t sum, uint16_t be_value)
{
    return sum + be_value;
}

/* Folds 'sum' to 16 bits (not complemented). */
static inline uint16_t
ipoib_csum_fold(uint64_t sum)
{
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

/* The checksum to store: the complement of the folded sum. */
static inline uint16_t
ipoib_csum_finish(uint64_t sum)
{
    return ~ipoib_csum_fold(sum) & 0xffff;
}

/* The TCP/UDP pseudo-header sum for IPv4 header 'ip4' or IPv6 header
 * 'ip6', with upper-layer protocol 'proto' and length 'l4_len'. */
uint64_t ipoib_csum_pseudo4(const uint8_t *ip4, uint8_t proto,
                            uint32_t l4_len);
uint64_t ipoib_csum_pseudo6(const uint8_t *ip6, uint8_t proto,
                            uint32_t l4_len);

/* Fills in the header checksum of the IPv4 header at 'ip4' whose length is
 * 'hdr_len' bytes. */
void ipoib_csum_fill_ipv4(uint8_t *ip4, size_t hdr_len);

#endif /* lib/ipoib-csum.h */
