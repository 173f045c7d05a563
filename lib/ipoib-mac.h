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

#ifndef IPOIB_MAC_H
#define IPOIB_MAC_H 1

/* Ethernet MACs for remote IPoIB endpoints.
 *
 * The bridge sees every remote IPoIB endpoint (a QPN on a port GID) as an
 * Ethernet station, so each needs a MAC.  The MAC is derived from the
 * endpoint alone, so that every hypervisor on the fabric shows the same
 * remote under the same MAC, across restarts and QPN reuse on other ports
 * (the old eIPoIB scheme 02:QPN:LID was neither).
 *
 * Derivation (a contract between hypervisors: do not change it lightly):
 *
 *     input  = salt (4 bytes, big-endian) || QPN (3 bytes, big-endian)
 *              || GID (16 bytes)
 *     h      = FNV-1a 64-bit hash of 'input', then the SplitMix64 finalizer
 *     mac[i] = byte i of 'h' counted from the most significant, i = 0..5
 *     mac[0] = (mac[0] | 0x02) & ~0x01   (locally administered, unicast)
 *
 * The flags byte of the hardware address (connected-mode bit) is ignored.
 * Only bytes are hashed, so the result does not depend on host byte order or
 * CPU (OVS's hash functions do: they use CRC32 instructions where
 * available).  Salt 0 is the normal case; a table that finds the MAC taken
 * retries with salts 1, 2, ...  (see ipoib-neigh.h), which is local to one
 * hypervisor: with 46 free bits collisions are very rare. */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/types.h"

struct eth_addr ipoib_mac_derive(const struct ipoib_hwaddr *, uint32_t salt);

/* True if 'mac' has the form every derived MAC has: locally administered
 * and unicast.  (VM MACs such as 52:54:00:... have it too.) */
bool ipoib_mac_is_local_unicast(struct eth_addr mac);

/* MACs as integers, for lookups: one comparison instead of six bytes.
 *
 * The value is the MAC read as a 48-bit big-endian number (the same on
 * every host), so bits 48..63 are free for a key's other part (a VLAN). */
static inline uint64_t
ipoib_mac_bytes_to_u64(const uint8_t *p)
{
    uint32_t hi;
    uint16_t lo;

    memcpy(&hi, p, sizeof hi);
    memcpy(&lo, p + sizeof hi, sizeof lo);
    return ((uint64_t) ntohl(hi) << 16) | ntohs(lo);
}

static inline uint64_t
ipoib_mac_to_u64(struct eth_addr mac)
{
    return ipoib_mac_bytes_to_u64(mac.ea);
}

/* A hash of an integer key of up to 64 bits (a MAC from ipoib_mac_to_u64(),
 * a QPN, a LID and a QPN) for an hmap, which picks buckets by the low bits
 * of the hash.  The high half of the key is folded into the low one; the
 * key times the 64-bit golden ratio then has, in each of its upper 32 bits
 * (returned), a mix of all the low 32 bits of the folded key, so every key
 * bit reaches the bucket index.  Four instructions where OVS's hash_mac()
 * and the out-of-line MAC conversion it needs took about 60. */
static inline uint32_t
ipoib_key_hash(uint64_t key)
{
    key ^= key >> 32;
    return (key * 0x9e3779b97f4a7c15ULL) >> 32;
}

#endif /* ipoib-mac.h */
