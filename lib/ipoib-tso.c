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
#include "lib/ipoib-tso.h"
#include <string.h>
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-csum.h"
#include "util.h"

#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IPV4_MIN_HDR 20
#define IPV6_HDR 40
#define TCP_MIN_HDR 20
#define UDP_HDR 8

/* TCP flags (byte 13 of the header). */
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* Offsets in the TCP header. */
#define TCP_SEQ_OFS 4
#define TCP_FLAGS_OFS 13
#define TCP_CSUM_OFS 16
#define UDP_CSUM_OFS 6

/* An IP packet's layout. */
struct ip_layout {
    bool ipv6;
    uint8_t proto;
    size_t l4_ofs;
    size_t ip_len;              /* Header and payload, from the header. */
};

static enum ipoib_tso_status
parse_ipv4(const uint8_t *ip, size_t room, struct ip_layout *lay)
{
    size_t ihl = (ip[0] & 0x0f) * 4;
    size_t tot_len = ipoib_get_be16(ip + 2);
    uint16_t frag = ipoib_get_be16(ip + 6);

    /* Anything but "don't fragment" in the fragment field is a fragment,
     * which cannot be segmented. */
    if (ihl < IPV4_MIN_HDR || tot_len < ihl || tot_len > room
        || (frag & 0x3fff)) {
        return IPOIB_TSO_MALFORMED;
    }
    lay->ipv6 = false;
    lay->proto = ip[9];
    lay->l4_ofs = ihl;
    lay->ip_len = tot_len;
    return IPOIB_TSO_OK;
}

static enum ipoib_tso_status
parse_ipv6(const uint8_t *ip, size_t room, struct ip_layout *lay)
{
    size_t payload_len = ipoib_get_be16(ip + 4);

    if (room < IPV6_HDR || !payload_len || IPV6_HDR + payload_len > room) {
        return IPOIB_TSO_MALFORMED;
    }
    lay->ipv6 = true;
    lay->proto = ip[6];
    lay->l4_ofs = IPV6_HDR;
    lay->ip_len = IPV6_HDR + payload_len;
    return IPOIB_TSO_OK;
}

/* Parses the IP header at 'l3_ofs'.  'l4_ofs' in '*lay' is made relative to
 * the frame. */
static enum ipoib_tso_status
parse_ip(const uint8_t *frame, size_t len, size_t l3_ofs,
         struct ip_layout *lay)
{
    enum ipoib_tso_status status;

    if (len < l3_ofs + IPV4_MIN_HDR) {
        return IPOIB_TSO_MALFORMED;
    }
    const uint8_t *ip = frame + l3_ofs;
    size_t room = len - l3_ofs;
    switch (ip[0] >> 4) {
    case 4:
        status = parse_ipv4(ip, room, lay);
        break;
    case 6:
        status = parse_ipv6(ip, room, lay);
        break;
    default:
        return IPOIB_TSO_MALFORMED;
    }
    if (status == IPOIB_TSO_OK) {
        lay->l4_ofs += l3_ofs;
    }
    return status;
}

static uint64_t
pseudo_sum(const uint8_t *ip, bool ipv6, uint8_t proto, uint32_t l4_len)
{
    return (ipv6 ? ipoib_csum_pseudo6(ip, proto, l4_len)
            : ipoib_csum_pseudo4(ip, proto, l4_len));
}

enum ipoib_tso_status
ipoib_tso_plan(const uint8_t *frame, size_t len, size_t l3_ofs, uint16_t mss,
               struct ipoib_tso_plan *plan)
{
    struct ip_layout lay;
    enum ipoib_tso_status status;

    status = parse_ip(frame, len, l3_ofs, &lay);
    if (status != IPOIB_TSO_OK) {
        return status;
    }
    if (lay.proto != IP_PROTO_TCP) {
        return IPOIB_TSO_NOT_TCP;
    }
    size_t end = l3_ofs + lay.ip_len;
    if (end < lay.l4_ofs + TCP_MIN_HDR) {
        return IPOIB_TSO_MALFORMED;
    }
    const uint8_t *tcp = frame + lay.l4_ofs;
    size_t tcp_hlen = (tcp[12] >> 4) * 4;
    if (tcp_hlen < TCP_MIN_HDR || lay.l4_ofs + tcp_hlen > end) {
        return IPOIB_TSO_MALFORMED;
    }
    if (!mss) {
        return IPOIB_TSO_BAD_MSS;
    }

    const uint8_t *ip = frame + l3_ofs;
    plan->l3_ofs = l3_ofs;
    plan->l4_ofs = lay.l4_ofs;
    plan->hdr_len = lay.l4_ofs + tcp_hlen;
    plan->payload_len = end - plan->hdr_len;
    plan->mss = mss;
    plan->n_segs = (plan->payload_len
                    ? DIV_ROUND_UP(plan->payload_len, mss) : 1);
    plan->ipv6 = lay.ipv6;
    plan->addr_sum = pseudo_sum(ip, lay.ipv6, 0, 0);
    plan->seq = ipoib_get_be32(tcp + TCP_SEQ_OFS);
    plan->ip_id = lay.ipv6 ? 0 : ipoib_get_be16(ip + 4);
    return IPOIB_TSO_OK;
}

size_t
ipoib_tso_segment(const struct ipoib_tso_plan *plan, const uint8_t *frame,
                  int idx, uint8_t *out)
{
    size_t ofs = (size_t) idx * plan->mss;
    size_t seg_len = MIN(plan->mss, plan->payload_len - ofs);
    uint8_t *ip = out + plan->l3_ofs;
    uint8_t *tcp = out + plan->l4_ofs;
    size_t tcp_len = plan->hdr_len - plan->l4_ofs + seg_len;

    memcpy(out, frame, plan->hdr_len);
    if (plan->ipv6) {
        ipoib_put_be16(ip + 4, plan->hdr_len - plan->l3_ofs - IPV6_HDR + seg_len);
    } else {
        ipoib_put_be16(ip + 2, plan->hdr_len - plan->l3_ofs + seg_len);
        ipoib_put_be16(ip + 4, plan->ip_id + idx);
        ipoib_csum_fill_ipv4(ip, plan->l4_ofs - plan->l3_ofs);
    }

    ipoib_put_be32(tcp + TCP_SEQ_OFS, plan->seq + ofs);
    if (idx != plan->n_segs - 1) {
        tcp[TCP_FLAGS_OFS] &= ~(TCP_FIN | TCP_PSH);
    }
    if (idx) {
        tcp[TCP_FLAGS_OFS] &= ~TCP_CWR;
    }

    /* The pseudo-header's length goes in as a 16-bit word (IPv4) or the
     * low half of a 32-bit one (IPv6): the same for lengths below 64 KiB. */
    uint8_t len_be[2];
    uint16_t len_word;
    ipoib_put_be16(len_be, tcp_len);
    memcpy(&len_word, len_be, 2);
    uint64_t sum = plan->addr_sum + len_word;
    uint8_t proto_be[2] = { 0, IP_PROTO_TCP };
    uint16_t proto_word;
    memcpy(&proto_word, proto_be, 2);
    sum += proto_word;

    tcp[TCP_CSUM_OFS] = tcp[TCP_CSUM_OFS + 1] = 0;
    sum = ipoib_csum_add(sum, tcp, plan->hdr_len - plan->l4_ofs);
    sum = ipoib_csum_copy(out + plan->hdr_len, frame + plan->hdr_len + ofs,
                          seg_len, sum);
    uint16_t csum = ipoib_csum_finish(sum);
    memcpy(tcp + TCP_CSUM_OFS, &csum, 2);
    return plan->hdr_len + seg_len;
}

enum ipoib_tso_status
ipoib_tso_fill_csum(uint8_t *frame, size_t len, size_t l3_ofs)
{
    struct ip_layout lay;
    enum ipoib_tso_status status;
    size_t csum_ofs, min_hdr;

    status = parse_ip(frame, len, l3_ofs, &lay);
    if (status != IPOIB_TSO_OK) {
        return status;
    }
    if (lay.proto == IP_PROTO_TCP) {
        csum_ofs = TCP_CSUM_OFS;
        min_hdr = TCP_MIN_HDR;
    } else if (lay.proto == IP_PROTO_UDP) {
        csum_ofs = UDP_CSUM_OFS;
        min_hdr = UDP_HDR;
    } else {
        return IPOIB_TSO_NOT_TCP;
    }
    size_t end = l3_ofs + lay.ip_len;
    if (end < lay.l4_ofs + min_hdr) {
        return IPOIB_TSO_MALFORMED;
    }

    uint8_t *ip = frame + l3_ofs;
    uint8_t *l4 = frame + lay.l4_ofs;
    size_t l4_len = end - lay.l4_ofs;
    if (!lay.ipv6) {
        ipoib_csum_fill_ipv4(ip, lay.l4_ofs - l3_ofs);
    }
    l4[csum_ofs] = l4[csum_ofs + 1] = 0;
    uint64_t sum = pseudo_sum(ip, lay.ipv6, lay.proto, l4_len);
    uint16_t csum = ipoib_csum_finish(ipoib_csum_add(sum, l4, l4_len));
    if (!csum && lay.proto == IP_PROTO_UDP) {
        csum = 0xffff;
    }
    memcpy(l4 + csum_ofs, &csum, 2);
    return IPOIB_TSO_OK;
}
