#include <config.h>
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

/* The IPoIB offloads a device may advertise (FAKEVERBS_CAPS): IPv4
 * header and TCP/UDP checksums on send, their verification on receive,
 * and TCP segmentation (IBV_WR_TSO).  A UD payload starts with the 4-byte
 * IPoIB header (EtherType, reserved) that IPoIB puts before the IP
 * packet, as on a ConnectX in IPoIB mode. */

#include "fv-private.h"

#include <arpa/inet.h>
#include <string.h>

#define IPOIB_HLEN 4
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17

static uint16_t
get16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t) get16(p) << 16) | get16(p + 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (; len >= 2; p += 2, len -= 2) {
        sum += get16(p);
    }
    if (len) {
        sum += p[0] << 8;
    }
    return sum;
}

static uint16_t
fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Where the L4 header is and how long the L4 segment is; 0 if this is not
 * an unfragmented TCP or UDP packet we can checksum. */
struct l4_info {
    size_t l3_off, l4_off, l4_len;
    uint8_t proto;
    bool ipv4;
    uint32_t pseudo;                /* Pseudo-header sum. */
};

static bool
parse_l4(const uint8_t *pkt, size_t len, struct l4_info *info)
{
    if (len < IPOIB_HLEN + 20) {
        return false;
    }
    const uint8_t *ip = pkt + IPOIB_HLEN;
    size_t ip_len = len - IPOIB_HLEN;
    uint16_t ethertype = get16(pkt);

    info->l3_off = IPOIB_HLEN;
    if (ethertype == ETH_IPV4 && ip[0] >> 4 == 4) {
        size_t ihl = (ip[0] & 0xf) * 4;
        size_t tot_len = get16(ip + 2);
        if (ihl < 20 || tot_len < ihl || tot_len > ip_len
            || get16(ip + 6) & 0x3fff) {
            return false;
        }
        info->ipv4 = true;
        info->proto = ip[9];
        info->l4_off = IPOIB_HLEN + ihl;
        info->l4_len = tot_len - ihl;
        info->pseudo = sum16(ip + 12, 8, info->proto + info->l4_len);
    } else if (ethertype == ETH_IPV6 && ip[0] >> 4 == 6 && ip_len >= 40) {
        size_t pay_len = get16(ip + 4);
        if (pay_len > ip_len - 40) {
            return false;
        }
        info->ipv4 = false;
        info->proto = ip[6];
        info->l4_off = IPOIB_HLEN + 40;
        info->l4_len = pay_len;
        info->pseudo = sum16(ip + 8, 32, info->proto + info->l4_len);
    } else {
        return false;
    }
    size_t min = info->proto == PROTO_TCP ? 20 : 8;
    return ((info->proto == PROTO_TCP || info->proto == PROTO_UDP)
            && info->l4_len >= min);
}

static size_t
l4_csum_off(const struct l4_info *info)
{
    return info->l4_off + (info->proto == PROTO_TCP ? 16 : 6);
}

/* Fills the IPv4 header checksum and the TCP/UDP checksum, as an HCA does
 * for IBV_SEND_IP_CSUM.  Anything else is sent as is. */
void
fv_ip_fill_csum(uint8_t *pkt, size_t len)
{
    struct l4_info info;

    if (len >= IPOIB_HLEN + 20 && get16(pkt) == ETH_IPV4) {
        uint8_t *ip = pkt + IPOIB_HLEN;
        size_t ihl = (ip[0] & 0xf) * 4;
        if (ihl >= 20 && ihl <= len - IPOIB_HLEN) {
            put16(ip + 10, 0);
            put16(ip + 10, ~fold(sum16(ip, ihl, 0)));
        }
    }
    if (parse_l4(pkt, len, &info)) {
        uint8_t *csum = pkt + l4_csum_off(&info);
        put16(csum, 0);
        uint16_t c = ~fold(sum16(pkt + info.l4_off, info.l4_len,
                                 info.pseudo));
        if (info.proto == PROTO_UDP && c == 0) {
            c = 0xffff;
        }
        put16(csum, c);
    }
}

/* The receive check behind IBV_WC_IP_CSUM_OK: an IPv4 TCP or UDP packet
 * whose IP header and L4 checksums are both correct. */
bool
fv_ip_csum_ok(const uint8_t *pkt, size_t len)
{
    struct l4_info info;

    if (!parse_l4(pkt, len, &info) || !info.ipv4) {
        return false;
    }
    const uint8_t *ip = pkt + IPOIB_HLEN;
    if (fold(sum16(ip, (ip[0] & 0xf) * 4, 0)) != 0xffff) {
        return false;
    }
    if (info.proto == PROTO_UDP && !get16(pkt + l4_csum_off(&info))) {
        return true;                /* No UDP checksum: nothing to check. */
    }
    return fold(sum16(pkt + info.l4_off, info.l4_len, info.pseudo))
           == 0xffff;
}

/* Builds TSO segment 'index' into 'out': the header, then up to 'mss'
 * bytes of 'data', with lengths, IPv4 ID, TCP sequence number and flags
 * fixed up and checksums filled.  Returns its length, or 0 if 'hdr' is
 * not IPoIB + IPv4/IPv6 + TCP. */
size_t
fv_tso_segment(const uint8_t *hdr, size_t hdr_len, const uint8_t *data,
               size_t data_len, size_t mss, size_t index, uint8_t *out)
{
    size_t off = index * mss;
    size_t chunk = data_len - off < mss ? data_len - off : mss;
    bool first = index == 0, last = off + chunk >= data_len;
    size_t l4_off;

    if (hdr_len < IPOIB_HLEN + 40) {
        return 0;
    }
    memcpy(out, hdr, hdr_len);
    memcpy(out + hdr_len, data + off, chunk);

    uint8_t *ip = out + IPOIB_HLEN;
    if (get16(out) == ETH_IPV4 && ip[0] >> 4 == 4 && ip[9] == PROTO_TCP) {
        l4_off = IPOIB_HLEN + (ip[0] & 0xf) * 4;
        put16(ip + 2, hdr_len - IPOIB_HLEN + chunk);
        put16(ip + 4, get16(ip + 4) + index);
    } else if (get16(out) == ETH_IPV6 && ip[0] >> 4 == 6
               && ip[6] == PROTO_TCP) {
        l4_off = IPOIB_HLEN + 40;
        put16(ip + 4, hdr_len - l4_off + chunk);
    } else {
        return 0;
    }
    if (l4_off + 20 > hdr_len) {
        return 0;
    }
    uint8_t *tcp = out + l4_off;
    put32(tcp + 4, get32(tcp + 4) + off);
    if (!last) {
        tcp[13] &= ~0x09;           /* FIN, PSH: last segment only. */
    }
    if (!first) {
        tcp[13] &= ~0x80;           /* CWR: first segment only. */
    }
    fv_ip_fill_csum(out, hdr_len + chunk);
    return hdr_len + chunk;
}
