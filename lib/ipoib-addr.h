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

#ifndef IPOIB_ADDR_H
#define IPOIB_ADDR_H 1

/* InfiniBand GIDs and IPoIB link-layer addresses (RFC 4391).
 *
 * Everything here is kept in network byte order, exactly as it travels on
 * the wire, so that structures can be copied to and from packets with
 * memcpy().  None of the types here have alignment requirements. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A 128-bit InfiniBand Global Identifier: 64-bit subnet prefix followed by
 * a 64-bit interface ID (the port GUID for unicast GIDs). */
#define IB_GID_LEN 16
struct ib_gid {
    uint8_t b[IB_GID_LEN];
};

/* The link-local subnet prefix fe80::/64 that every port has. */
#define IB_DEFAULT_SUBNET_PREFIX 0xfe80000000000000ULL

/* A 20-byte IPoIB hardware address: one flags byte, a 24-bit QPN, then the
 * GID of the port the QP lives on. */
#define IPOIB_HWADDR_LEN 20
struct ipoib_hwaddr {
    uint8_t b[IPOIB_HWADDR_LEN];
};

/* Flags byte of an IPoIB hardware address (RFC 4755). */
#define IPOIB_HWADDR_F_CM 0x80  /* Peer accepts connected mode. */

/* QPN that addresses multicast groups, and the mask of a 24-bit QPN. */
#define IB_MULTICAST_QPN 0xffffff
#define IB_QPN_MASK 0xffffff

/* The default partition with full membership. */
#define IB_DEFAULT_PKEY 0xffff
#define IB_PKEY_FULL_MEMBER 0x8000

/* The partition of P_Key 'pkey': its low 15 bits, without the membership
 * bit.  0 is the invalid partition. */
static inline uint16_t
ib_pkey_partition(uint16_t pkey)
{
    return pkey & ~IB_PKEY_FULL_MEMBER;
}

/* True if P_Keys 'a' and 'b' name the same partition, whatever their
 * membership. */
static inline bool
ib_pkey_same_partition(uint16_t a, uint16_t b)
{
    return ib_pkey_partition(a) == ib_pkey_partition(b);
}

/* Returns the index in the P_Key table 'pkeys' (of 'n' entries) of the entry
 * for the same partition as 'pkey' (the low 15 bits), preferring the full
 * member entry if there are two, or -1 if there is none or the partition
 * is the invalid one (low 15 bits zero). */
int ib_pkey_table_find(const uint16_t *pkeys, int n, uint16_t pkey);

/* IPoIB multicast scopes (the 'S' nibble of ff1S). */
#define IPOIB_SCOPE_LINK_LOCAL 0x2
#define IPOIB_SCOPE_SITE_LOCAL 0x5
#define IPOIB_SCOPE_ORG_LOCAL 0x8
#define IPOIB_SCOPE_GLOBAL 0xe

/* GIDs. */
void ib_gid_from_parts(struct ib_gid *, uint64_t subnet_prefix,
                       uint64_t interface_id);
uint64_t ib_gid_subnet_prefix(const struct ib_gid *);
uint64_t ib_gid_interface_id(const struct ib_gid *);
bool ib_gid_is_multicast(const struct ib_gid *);
bool ib_gid_equals(const struct ib_gid *, const struct ib_gid *);
bool ib_gid_is_zero(const struct ib_gid *);

/* Formats 'gid' as an IPv6-style string ("fe80::2:c902:20:b4dd") into 'buf',
 * which must have room for IB_GID_STRLEN bytes.  Returns 'buf'. */
#define IB_GID_STRLEN 46
char *ib_gid_format(const struct ib_gid *, char *buf);
/* Parses an IPv6-style GID string.  Returns true if successful. */
bool ib_gid_parse(const char *s, struct ib_gid *);

/* Hardware addresses. */
void ipoib_hwaddr_make(struct ipoib_hwaddr *, uint8_t flags, uint32_t qpn,
                       const struct ib_gid *);
uint8_t ipoib_hwaddr_flags(const struct ipoib_hwaddr *);
uint32_t ipoib_hwaddr_qpn(const struct ipoib_hwaddr *);
void ipoib_hwaddr_gid(const struct ipoib_hwaddr *, struct ib_gid *);
bool ipoib_hwaddr_equals(const struct ipoib_hwaddr *,
                         const struct ipoib_hwaddr *);
/* Compares QPN and GID only, ignoring the flags byte, since a peer may
 * announce the same endpoint with and without the connected-mode flag. */
bool ipoib_hwaddr_same_endpoint(const struct ipoib_hwaddr *,
                                const struct ipoib_hwaddr *);
bool ipoib_hwaddr_is_zero(const struct ipoib_hwaddr *);
bool ipoib_hwaddr_is_multicast(const struct ipoib_hwaddr *);

/* Formats as 40 hex digits grouped like Linux's "80:00:04:04:fe:80:..."
 * into 'buf', which must have room for IPOIB_HWADDR_STRLEN bytes. */
#define IPOIB_HWADDR_STRLEN (IPOIB_HWADDR_LEN * 3)
char *ipoib_hwaddr_format(const struct ipoib_hwaddr *, char *buf);
/* Accepts both the colon-separated form and 40 bare hex digits. */
bool ipoib_hwaddr_parse(const char *s, struct ipoib_hwaddr *);

/* Multicast GIDs (RFC 4391 section 4).  'pkey' is the P_Key with the full
 * membership bit set, as IPoIB puts it in the MGID; 'scope' is one of the
 * IPOIB_SCOPE_* values. */
void ipoib_mgid_broadcast(struct ib_gid *, uint16_t pkey, uint8_t scope);
/* 'group' is an IPv4 multicast address in network byte order. */
void ipoib_mgid_ipv4(struct ib_gid *, uint16_t pkey, uint8_t scope,
                     uint32_t group_be);
/* 'group' is a 16-byte IPv6 multicast address. */
void ipoib_mgid_ipv6(struct ib_gid *, uint16_t pkey, uint8_t scope,
                     const uint8_t group[16]);
/* The broadcast hardware address: QPN 0xffffff plus the broadcast MGID. */
void ipoib_hwaddr_broadcast(struct ipoib_hwaddr *, uint16_t pkey,
                            uint8_t scope);

#endif /* ipoib-addr.h */
