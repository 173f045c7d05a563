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
#include "lib/ipoib-gro.h"
#include <string.h>
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-csum.h"
#include "util.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETH_TYPE_OFS 12
#define TYPE_IPV4 0x0800
#define TYPE_IPV6 0x86dd
#define TYPE_VLAN 0x8100
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define PROTO_TCP 6
#define TCP_MIN_HLEN 20

#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define TCP_FLAGS_OFS 13
#define TCP_CSUM_OFS 16

/* Parses the IP header at 'l3' ('room' bytes to the frame's end): sets the
 * TCP header offset relative to 'l3' and the IP length. */
static bool
parse_ip(const uint8_t *l3, size_t room, bool ipv6, size_t *l4_rel,
         size_t *ip_len)
{
    if (!ipv6) {
        if (room < IPV4_HLEN || l3[0] != 0x45 || l3[9] != PROTO_TCP
            || (ipoib_get_be16(l3 + 6) & 0x3fff)) {
            return false;
        }
        *l4_rel = IPV4_HLEN;
        *ip_len = ipoib_get_be16(l3 + 2);
    } else {
        if (room < IPV6_HLEN || (l3[0] >> 4) != 6 || l3[6] != PROTO_TCP) {
            return false;
        }
        *l4_rel = IPV6_HLEN;
        *ip_len = IPV6_HLEN + ipoib_get_be16(l3 + 4);
    }
    return *ip_len <= room && *ip_len >= *l4_rel + TCP_MIN_HLEN;
}

bool
ipoib_gro_parse(const uint8_t *frame, size_t len, struct ipoib_gro_seg *seg)
{
    size_t l3_ofs = ETH_HLEN;
    size_t l4_rel, ip_len;

    if (len < ETH_HLEN) {
        return false;
    }
    uint16_t type = ipoib_get_be16(frame + ETH_TYPE_OFS);
    if (type == TYPE_VLAN) {
        if (len < ETH_HLEN + VLAN_HLEN) {
            return false;
        }
        type = ipoib_get_be16(frame + ETH_TYPE_OFS + VLAN_HLEN);
        l3_ofs += VLAN_HLEN;
    }
    if (type != TYPE_IPV4 && type != TYPE_IPV6) {
        return false;
    }
    bool ipv6 = type == TYPE_IPV6;
    if (!parse_ip(frame + l3_ofs, len - l3_ofs, ipv6, &l4_rel, &ip_len)) {
        return false;
    }
    size_t l4_ofs = l3_ofs + l4_rel;
    const uint8_t *tcp = frame + l4_ofs;
    size_t tcp_hlen = (tcp[12] >> 4) * 4;
    if (tcp_hlen < TCP_MIN_HLEN || l4_rel + tcp_hlen > ip_len) {
        return false;
    }
    seg->l3_ofs = l3_ofs;
    seg->l4_ofs = l4_ofs;
    seg->hdr_len = l4_ofs + tcp_hlen;
    seg->payload_len = l3_ofs + ip_len - seg->hdr_len;
    seg->ipv6 = ipv6;
    seg->flags = tcp[TCP_FLAGS_OFS];
    seg->seq = ipoib_get_be32(tcp + 4);
    return true;
}

static uint64_t
pseudo_sum(const uint8_t *frame, const struct ipoib_gro_seg *seg,
           uint32_t tcp_len)
{
    const uint8_t *l3 = frame + seg->l3_ofs;

    return (seg->ipv6 ? ipoib_csum_pseudo6(l3, PROTO_TCP, tcp_len)
            : ipoib_csum_pseudo4(l3, PROTO_TCP, tcp_len));
}

bool
ipoib_gro_csum_ok(const uint8_t *frame, const struct ipoib_gro_seg *seg)
{
    uint32_t tcp_len = seg->hdr_len - seg->l4_ofs + seg->payload_len;
    uint64_t sum = pseudo_sum(frame, seg, tcp_len);

    sum = ipoib_csum_add(sum, frame + seg->l4_ofs, tcp_len);
    return ipoib_csum_fold(sum) == 0xffff;
}

/* Flags that let a segment take part in a merge. */
static bool
flags_mergeable(uint8_t flags)
{
    return !(flags & ~(TCP_ACK | TCP_PSH));
}

void
ipoib_gro_start(struct ipoib_gro_merge *m, uint8_t *buf, size_t cap,
                const uint8_t *frame, const struct ipoib_gro_seg *seg)
{
    m->buf = buf;
    m->cap = cap;
    m->len = seg->hdr_len + seg->payload_len;
    if (buf != frame) {
        memcpy(buf, frame, m->len);
    }
    m->first = *seg;
    m->next_seq = seg->seq + seg->payload_len;
    m->seg_size = seg->payload_len;
    m->flags = seg->flags;
    m->n_segs = 1;
    m->closed = (!flags_mergeable(seg->flags) || (seg->flags & TCP_PSH)
                 || !seg->payload_len);
}

void
ipoib_gro_move(struct ipoib_gro_merge *m, uint8_t *buf)
{
    memcpy(buf, m->buf, m->len);
    m->buf = buf;
}

bool
ipoib_gro_same_flow(const struct ipoib_gro_merge *m, const uint8_t *frame,
                    const struct ipoib_gro_seg *seg)
{
    const struct ipoib_gro_seg *f = &m->first;

    return (seg->ipv6 == f->ipv6 && seg->l3_ofs == f->l3_ofs
            && !memcmp(m->buf, frame, f->l3_ofs)
            && !memcmp(m->buf + f->l4_ofs, frame + seg->l4_ofs, 4));
}

/* Same IP header but for lengths, identification and checksum. */
static bool
same_ip(const uint8_t *a, const uint8_t *b, bool ipv6)
{
    if (ipv6) {
        /* Version, traffic class, flow label; next header, hop limit and
         * both addresses. */
        return (!memcmp(a, b, 4) && !memcmp(a + 6, b + 6, 34));
    }
    /* TOS; TTL and protocol; both addresses. */
    return (a[1] == b[1] && !memcmp(a + 8, b + 8, 2)
            && !memcmp(a + 12, b + 12, 8));
}

/* Same ports, acknowledgment, window and options. */
static bool
same_tcp(const uint8_t *a, const uint8_t *b, size_t tcp_hlen)
{
    return (!memcmp(a, b, 4) && !memcmp(a + 8, b + 8, 4)
            && !memcmp(a + 14, b + 14, 2)
            && !memcmp(a + TCP_MIN_HLEN, b + TCP_MIN_HLEN,
                       tcp_hlen - TCP_MIN_HLEN));
}

bool
ipoib_gro_fits(const struct ipoib_gro_merge *m, const uint8_t *frame,
               const struct ipoib_gro_seg *seg)
{
    const struct ipoib_gro_seg *f = &m->first;

    if (m->closed || !seg->payload_len || seg->payload_len > m->seg_size
        || !flags_mergeable(seg->flags) || seg->seq != m->next_seq
        || seg->ipv6 != f->ipv6 || seg->l3_ofs != f->l3_ofs
        || seg->hdr_len != f->hdr_len) {
        return false;
    }
    if (m->len + seg->payload_len > MIN(m->cap, IPOIB_GRO_MAX_LEN)) {
        return false;
    }
    return (!memcmp(m->buf, frame, f->l3_ofs)
            && same_ip(m->buf + f->l3_ofs, frame + f->l3_ofs, f->ipv6)
            && same_tcp(m->buf + f->l4_ofs, frame + f->l4_ofs,
                        f->hdr_len - f->l4_ofs));
}

bool
ipoib_gro_append(struct ipoib_gro_merge *m, const uint8_t *frame,
                 const struct ipoib_gro_seg *seg, bool verify)
{
    const uint8_t *payload = frame + seg->hdr_len;
    uint8_t *dst = m->buf + m->len;

    if (verify) {
        size_t tcp_hlen = seg->hdr_len - seg->l4_ofs;
        uint64_t sum = pseudo_sum(frame, seg, tcp_hlen + seg->payload_len);

        sum = ipoib_csum_add(sum, frame + seg->l4_ofs, tcp_hlen);
        sum = ipoib_csum_copy(dst, payload, seg->payload_len, sum);
        if (ipoib_csum_fold(sum) != 0xffff) {
            return false;
        }
    } else {
        memcpy(dst, payload, seg->payload_len);
    }
    m->len += seg->payload_len;
    m->next_seq += seg->payload_len;
    m->flags |= seg->flags;
    m->n_segs++;
    if ((seg->flags & TCP_PSH) || seg->payload_len < m->seg_size) {
        m->closed = true;
    }
    return true;
}

void
ipoib_gro_set_partial_csum(uint8_t *frame, const struct ipoib_gro_seg *seg)
{
    uint32_t tcp_len = seg->hdr_len - seg->l4_ofs + seg->payload_len;
    uint16_t partial = ipoib_csum_fold(pseudo_sum(frame, seg, tcp_len));

    memcpy(frame + seg->l4_ofs + TCP_CSUM_OFS, &partial, 2);
}

size_t
ipoib_gro_finish(struct ipoib_gro_merge *m)
{
    const struct ipoib_gro_seg *f = &m->first;
    uint8_t *l3 = m->buf + f->l3_ofs;
    struct ipoib_gro_seg whole = *f;

    if (f->ipv6) {
        ipoib_put_be16(l3 + 4, m->len - f->l3_ofs - IPV6_HLEN);
    } else {
        ipoib_put_be16(l3 + 2, m->len - f->l3_ofs);
        ipoib_csum_fill_ipv4(l3, IPV4_HLEN);
    }
    m->buf[f->l4_ofs + TCP_FLAGS_OFS] = f->flags | (m->flags & TCP_PSH);
    whole.payload_len = m->len - f->hdr_len;
    ipoib_gro_set_partial_csum(m->buf, &whole);
    return m->len;
}
