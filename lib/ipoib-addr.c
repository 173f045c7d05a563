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

#include "lib/ipoib-addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <sys/socket.h>

/* Layout of an IPoIB hardware address. */
#define HWADDR_FLAGS_OFS 0
#define HWADDR_QPN_OFS 1
#define HWADDR_GID_OFS 4

/* IPoIB signatures in bytes 2-3 of a multicast GID (RFC 4391 section 4). */
#define IPOIB_MGID_SIG_IPV4 0x401b
#define IPOIB_MGID_SIG_IPV6 0x601b

/* First byte of every multicast GID; the second is 0x1S, 'S' the scope. */
#define IB_GID_MULTICAST_PREFIX 0xff
#define IPOIB_MGID_FLAGS 0x10   /* "Transient" (not well-known) group. */

static void
put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = v;
        v >>= 8;
    }
}

static uint64_t
get_be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

void
ib_gid_from_parts(struct ib_gid *gid, uint64_t subnet_prefix,
                  uint64_t interface_id)
{
    put_be64(gid->b, subnet_prefix);
    put_be64(gid->b + 8, interface_id);
}

uint64_t
ib_gid_subnet_prefix(const struct ib_gid *gid)
{
    return get_be64(gid->b);
}

uint64_t
ib_gid_interface_id(const struct ib_gid *gid)
{
    return get_be64(gid->b + 8);
}

bool
ib_gid_is_multicast(const struct ib_gid *gid)
{
    return gid->b[0] == IB_GID_MULTICAST_PREFIX;
}

bool
ib_gid_equals(const struct ib_gid *a, const struct ib_gid *b)
{
    return !memcmp(a->b, b->b, IB_GID_LEN);
}

bool
ib_gid_is_zero(const struct ib_gid *gid)
{
    static const struct ib_gid zero;

    return ib_gid_equals(gid, &zero);
}

/* Returns the length of the longest run of two or more zero groups among
 * the 8 in 'group' (the first such run if several tie), and its start in
 * '*start'; 0 if there is none. */
static int
longest_zero_run(const uint16_t group[8], int *start)
{
    int best_len = 0;
    int i = 0;

    *start = -1;
    while (i < 8) {
        int run = 0;

        while (i + run < 8 && !group[i + run]) {
            run++;
        }
        if (run > best_len && run >= 2) {
            *start = i;
            best_len = run;
        }
        i += run ? run : 1;
    }
    return best_len;
}

/* Formats like RFC 5952 recommends for IPv6 addresses: lowercase, no
 * leading zeros, the longest run of two or more zero groups (the first, if
 * tied) shortened to "::".  Unlike inet_ntop(), never uses the dotted IPv4
 * tail, which means nothing for a GID. */
char *
ib_gid_format(const struct ib_gid *gid, char *buf)
{
    uint16_t group[8];
    int best_start;

    for (int i = 0; i < 8; i++) {
        group[i] = (gid->b[2 * i] << 8) | gid->b[2 * i + 1];
    }
    int best_len = longest_zero_run(group, &best_start);

    char *p = buf;
    for (int i = 0; i < 8; i++) {
        if (i == best_start) {
            *p++ = ':';
            if (i == 0) {
                *p++ = ':';
            }
            i += best_len - 1;
            continue;
        }
        p += sprintf(p, "%x", group[i]);
        if (i < 7) {
            *p++ = ':';
        }
    }
    *p = '\0';
    return buf;
}

bool
ib_gid_parse(const char *s, struct ib_gid *gid)
{
    return inet_pton(AF_INET6, s, gid->b) == 1;
}

void
ipoib_hwaddr_make(struct ipoib_hwaddr *addr, uint8_t flags, uint32_t qpn,
                  const struct ib_gid *gid)
{
    addr->b[HWADDR_FLAGS_OFS] = flags;
    addr->b[HWADDR_QPN_OFS] = qpn >> 16;
    addr->b[HWADDR_QPN_OFS + 1] = qpn >> 8;
    addr->b[HWADDR_QPN_OFS + 2] = qpn;
    memcpy(addr->b + HWADDR_GID_OFS, gid->b, IB_GID_LEN);
}

uint8_t
ipoib_hwaddr_flags(const struct ipoib_hwaddr *addr)
{
    return addr->b[HWADDR_FLAGS_OFS];
}

uint32_t
ipoib_hwaddr_qpn(const struct ipoib_hwaddr *addr)
{
    const uint8_t *q = addr->b + HWADDR_QPN_OFS;

    return (q[0] << 16) | (q[1] << 8) | q[2];
}

void
ipoib_hwaddr_gid(const struct ipoib_hwaddr *addr, struct ib_gid *gid)
{
    memcpy(gid->b, addr->b + HWADDR_GID_OFS, IB_GID_LEN);
}

bool
ipoib_hwaddr_equals(const struct ipoib_hwaddr *a,
                    const struct ipoib_hwaddr *b)
{
    return !memcmp(a->b, b->b, IPOIB_HWADDR_LEN);
}

bool
ipoib_hwaddr_same_endpoint(const struct ipoib_hwaddr *a,
                           const struct ipoib_hwaddr *b)
{
    return !memcmp(a->b + HWADDR_QPN_OFS, b->b + HWADDR_QPN_OFS,
                   IPOIB_HWADDR_LEN - HWADDR_QPN_OFS);
}

bool
ipoib_hwaddr_is_zero(const struct ipoib_hwaddr *addr)
{
    static const struct ipoib_hwaddr zero;

    return ipoib_hwaddr_equals(addr, &zero);
}

/* A hardware address is multicast if its GID is: that is what decides how
 * it is sent (to an MLID, with a GRH).  Its QPN is then 0xffffff. */
bool
ipoib_hwaddr_is_multicast(const struct ipoib_hwaddr *addr)
{
    return addr->b[HWADDR_GID_OFS] == IB_GID_MULTICAST_PREFIX;
}

char *
ipoib_hwaddr_format(const struct ipoib_hwaddr *addr, char *buf)
{
    char *p = buf;

    for (int i = 0; i < IPOIB_HWADDR_LEN; i++) {
        p += sprintf(p, i ? ":%02x" : "%02x", addr->b[i]);
    }
    return buf;
}

static int
hex_digit_value(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses two hex digits at 's' into '*byte'.  Returns true if successful. */
static bool
parse_hex_byte(const char *s, uint8_t *byte)
{
    int hi = hex_digit_value((unsigned char) s[0]);
    int lo = hi < 0 ? -1 : hex_digit_value((unsigned char) s[1]);

    if (lo < 0) {
        return false;
    }
    *byte = (hi << 4) | lo;
    return true;
}

bool
ipoib_hwaddr_parse(const char *s, struct ipoib_hwaddr *addr)
{
    struct ipoib_hwaddr tmp;
    bool colons = strlen(s) == IPOIB_HWADDR_STRLEN - 1;

    if (!colons && strlen(s) != 2 * IPOIB_HWADDR_LEN) {
        return false;
    }
    for (int i = 0; i < IPOIB_HWADDR_LEN; i++) {
        if (!parse_hex_byte(s, &tmp.b[i])) {
            return false;
        }
        s += 2;
        if (colons && i < IPOIB_HWADDR_LEN - 1 && *s++ != ':') {
            return false;
        }
    }
    *addr = tmp;
    return true;
}

/* Writes the first 6 bytes every IPoIB MGID shares: ff1S, the signature,
 * and the P_Key; zeroes the rest. */
static void
ipoib_mgid_start(struct ib_gid *mgid, uint16_t signature, uint16_t pkey,
                 uint8_t scope)
{
    memset(mgid->b, 0, IB_GID_LEN);
    mgid->b[0] = IB_GID_MULTICAST_PREFIX;
    mgid->b[1] = IPOIB_MGID_FLAGS | (scope & 0xf);
    mgid->b[2] = signature >> 8;
    mgid->b[3] = signature;
    mgid->b[4] = pkey >> 8;
    mgid->b[5] = pkey;
}

void
ipoib_mgid_broadcast(struct ib_gid *mgid, uint16_t pkey, uint8_t scope)
{
    ipoib_mgid_start(mgid, IPOIB_MGID_SIG_IPV4, pkey, scope);
    memset(mgid->b + 12, 0xff, 4);
}

void
ipoib_mgid_ipv4(struct ib_gid *mgid, uint16_t pkey, uint8_t scope,
                uint32_t group_be)
{
    uint8_t group[4];

    ipoib_mgid_start(mgid, IPOIB_MGID_SIG_IPV4, pkey, scope);
    memcpy(group, &group_be, sizeof group);
    /* The low 28 bits: the top nibble is always 1110 in a class D
     * address, so it carries no information. */
    mgid->b[12] = group[0] & 0x0f;
    memcpy(mgid->b + 13, group + 1, 3);
}

void
ipoib_mgid_ipv6(struct ib_gid *mgid, uint16_t pkey, uint8_t scope,
                const uint8_t group[16])
{
    ipoib_mgid_start(mgid, IPOIB_MGID_SIG_IPV6, pkey, scope);
    /* The low 80 bits of the group: bytes 6 through 15. */
    memcpy(mgid->b + 6, group + 6, 10);
}

void
ipoib_hwaddr_broadcast(struct ipoib_hwaddr *addr, uint16_t pkey,
                       uint8_t scope)
{
    struct ib_gid mgid;

    ipoib_mgid_broadcast(&mgid, pkey, scope);
    ipoib_hwaddr_make(addr, 0, IB_MULTICAST_QPN, &mgid);
}

int
ib_pkey_table_find(const uint16_t *pkeys, int n, uint16_t pkey)
{
    int found = -1;

    if (!ib_pkey_partition(pkey)) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (ib_pkey_same_partition(pkeys[i], pkey)) {
            if (pkeys[i] & IB_PKEY_FULL_MEMBER) {
                return i;
            }
            found = i;
        }
    }
    return found;
}
