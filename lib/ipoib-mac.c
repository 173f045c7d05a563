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
#include "lib/ipoib-mac.h"

#include "packets.h"

/* FNV-1a, 64-bit variant: published offset basis and prime. */
#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

static uint64_t
fnv1a64_add(uint64_t hash, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hash ^= p[i];
        hash *= FNV64_PRIME;
    }
    return hash;
}

/* SplitMix64's finalizer.  FNV-1a alone mixes the last input bytes weakly
 * into the high output bits, which become the MAC; this spreads every input
 * bit over the whole word. */
static uint64_t
mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct eth_addr
ipoib_mac_derive(const struct ipoib_hwaddr *hwaddr, uint32_t salt)
{
    uint8_t salt_bytes[4] = { salt >> 24, salt >> 16, salt >> 8, salt };
    uint64_t hash = FNV64_OFFSET_BASIS;

    hash = fnv1a64_add(hash, salt_bytes, sizeof salt_bytes);
    /* Bytes 1..19 of the hardware address: QPN then GID, skipping flags. */
    hash = fnv1a64_add(hash, &hwaddr->b[1], IPOIB_HWADDR_LEN - 1);
    hash = mix64(hash);

    struct eth_addr mac;
    for (int i = 0; i < ETH_ADDR_LEN; i++) {
        mac.ea[i] = hash >> (56 - 8 * i);
    }
    mac.ea[0] = (mac.ea[0] | 0x02) & ~0x01;
    return mac;
}

bool
ipoib_mac_is_local_unicast(struct eth_addr mac)
{
    return (mac.ea[0] & 0x03) == 0x02;
}
