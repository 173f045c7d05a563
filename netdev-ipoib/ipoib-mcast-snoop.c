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

#include "netdev-ipoib/ipoib-mcast-snoop.h"

#include <string.h>
#include "lib/ipoib-bytes.h"
#include "packets.h"

/* Offsets and sizes of the headers read here (RFC 8200, RFC 791, RFC 2710,
 * RFC 3810, RFC 2236, RFC 3376). */
#define ETH_HEADER_LEN 14
#define VLAN_HEADER_LEN 4
#define IP6_HEADER_LEN 40
#define IP6_PLEN_OFS 4
#define IP6_NEXT_OFS 6
#define IP6_NEXT_HOP_BY_HOP 0
#define IP6_NEXT_ICMPV6 58
#define IP4_MIN_HEADER_LEN 20
#define IP4_PROTO_IGMP 2

#define MLD1_REPORT 131
#define MLD1_DONE 132
#define MLD2_REPORT 143
#define MLD1_LEN 24
#define MLD1_GROUP_OFS 8
#define MLD2_HEADER_LEN 8
#define MLD2_RECORD_LEN 20          /* Type, aux length, sources, group. */

#define IGMP1_REPORT 0x12
#define IGMP2_REPORT 0x16
#define IGMP2_LEAVE 0x17
#define IGMP3_REPORT 0x22
#define IGMP_LEN 8
#define IGMP3_HEADER_LEN 8
#define IGMP3_RECORD_LEN 8

/* Group record types, the same for MLDv2 and IGMPv3. */
#define REC_MODE_IS_INCLUDE 1
#define REC_MODE_IS_EXCLUDE 2
#define REC_CHANGE_TO_INCLUDE 3
#define REC_CHANGE_TO_EXCLUDE 4
#define REC_ALLOW_NEW_SOURCES 5

static void
add_record(struct ipoib_snoop_report *rep, bool join, bool ipv6,
           const uint8_t *group)
{
    if (rep->n >= IPOIB_SNOOP_MAX_RECORDS) {
        rep->truncated = true;
        return;
    }
    struct ipoib_snoop_record *rec = &rep->records[rep->n++];
    memset(rec, 0, sizeof *rec);
    rec->join = join;
    rec->ipv6 = ipv6;
    memcpy(rec->group, group, ipv6 ? 16 : 4);
}

static bool
group_is_multicast(bool ipv6, const uint8_t *group)
{
    return ipv6 ? group[0] == 0xff : (group[0] & 0xf0) == 0xe0;
}

/* What a version 2/3 group record means for listening: +1 a listener is
 * there, -1 there is none any more, 0 no change we track (we do not follow
 * sources: any source means the group is wanted). */
static int
record_effect(uint8_t type, uint16_t n_sources)
{
    switch (type) {
    case REC_MODE_IS_EXCLUDE:
    case REC_CHANGE_TO_EXCLUDE:
        return 1;
    case REC_MODE_IS_INCLUDE:
    case REC_CHANGE_TO_INCLUDE:
        return n_sources ? 1 : -1;
    case REC_ALLOW_NEW_SOURCES:
        return n_sources ? 1 : 0;
    default:
        return 0;
    }
}

/* Parses the group records of an MLDv2 or IGMPv3 report: 'n_records'
 * records from 'p' of 'len' bytes, each 'rec_len' bytes before its
 * sources of 'addr_len' bytes each. */
static enum ipoib_snoop_result
parse_records(const uint8_t *p, size_t len, uint16_t n_records, bool ipv6,
              struct ipoib_snoop_report *rep)
{
    size_t addr_len = ipv6 ? 16 : 4;
    size_t rec_len = ipv6 ? MLD2_RECORD_LEN : IGMP3_RECORD_LEN;

    for (uint16_t i = 0; i < n_records; i++) {
        if (len < rec_len) {
            return IPOIB_SNOOP_MALFORMED;
        }
        uint8_t type = p[0];
        size_t aux_len = p[1] * 4;
        uint16_t n_sources = ipoib_get_be16(p + 2);
        const uint8_t *group = p + 4;
        size_t total = rec_len + n_sources * addr_len + aux_len;

        if (len < total || !group_is_multicast(ipv6, group)) {
            return IPOIB_SNOOP_MALFORMED;
        }
        int effect = record_effect(type, n_sources);
        if (effect) {
            add_record(rep, effect > 0, ipv6, group);
        }
        p += total;
        len -= total;
    }
    return IPOIB_SNOOP_REPORT;
}

static enum ipoib_snoop_result
parse_mld(const uint8_t *p, size_t len, struct ipoib_snoop_report *rep)
{
    if (len < 1) {
        return IPOIB_SNOOP_MALFORMED;
    }
    switch (p[0]) {
    case MLD1_REPORT:
    case MLD1_DONE:
        if (len < MLD1_LEN
            || !group_is_multicast(true, p + MLD1_GROUP_OFS)) {
            return IPOIB_SNOOP_MALFORMED;
        }
        add_record(rep, p[0] == MLD1_REPORT, true, p + MLD1_GROUP_OFS);
        return IPOIB_SNOOP_REPORT;
    case MLD2_REPORT:
        if (len < MLD2_HEADER_LEN) {
            return IPOIB_SNOOP_MALFORMED;
        }
        return parse_records(p + MLD2_HEADER_LEN, len - MLD2_HEADER_LEN,
                             ipoib_get_be16(p + 6), true, rep);
    default:
        return IPOIB_SNOOP_NONE;
    }
}

/* MLD messages travel with a hop-by-hop options header (the router alert);
 * other extension headers do not come before them. */
static enum ipoib_snoop_result
parse_ipv6(const uint8_t *p, size_t len, struct ipoib_snoop_report *rep)
{
    if (len < IP6_HEADER_LEN || p[IP6_NEXT_OFS] != IP6_NEXT_HOP_BY_HOP) {
        return IPOIB_SNOOP_NONE;
    }
    size_t plen = ipoib_get_be16(p + IP6_PLEN_OFS);
    if ((p[0] >> 4) != 6 || plen > len - IP6_HEADER_LEN) {
        return IPOIB_SNOOP_MALFORMED;
    }
    p += IP6_HEADER_LEN;
    len = plen;
    if (len < 8) {
        return IPOIB_SNOOP_MALFORMED;
    }
    uint8_t next = p[0];
    size_t hbh_len = (p[1] + 1) * 8;
    if (hbh_len > len) {
        return IPOIB_SNOOP_MALFORMED;
    }
    if (next != IP6_NEXT_ICMPV6) {
        return IPOIB_SNOOP_NONE;
    }
    return parse_mld(p + hbh_len, len - hbh_len, rep);
}

static enum ipoib_snoop_result
parse_igmp(const uint8_t *p, size_t len, struct ipoib_snoop_report *rep)
{
    if (len < IGMP_LEN) {
        return IPOIB_SNOOP_MALFORMED;
    }
    switch (p[0]) {
    case IGMP1_REPORT:
    case IGMP2_REPORT:
    case IGMP2_LEAVE:
        if (!group_is_multicast(false, p + 4)) {
            return IPOIB_SNOOP_MALFORMED;
        }
        add_record(rep, p[0] != IGMP2_LEAVE, false, p + 4);
        return IPOIB_SNOOP_REPORT;
    case IGMP3_REPORT:
        return parse_records(p + IGMP3_HEADER_LEN, len - IGMP3_HEADER_LEN,
                             ipoib_get_be16(p + 6), false, rep);
    default:
        return IPOIB_SNOOP_NONE;
    }
}

static enum ipoib_snoop_result
parse_ipv4(const uint8_t *p, size_t len, struct ipoib_snoop_report *rep)
{
    if (len < IP4_MIN_HEADER_LEN || p[9] != IP4_PROTO_IGMP) {
        return IPOIB_SNOOP_NONE;
    }
    size_t ihl = (p[0] & 0x0f) * 4;
    size_t total = ipoib_get_be16(p + 2);
    if ((p[0] >> 4) != 4 || ihl < IP4_MIN_HEADER_LEN || total < ihl
        || total > len) {
        return IPOIB_SNOOP_MALFORMED;
    }
    return parse_igmp(p + ihl, total - ihl, rep);
}

enum ipoib_snoop_result
ipoib_mcast_snoop_parse(const uint8_t *frame, size_t len,
                        struct ipoib_snoop_report *rep)
{
    if (len < ETH_HEADER_LEN || !(frame[0] & 1)) {
        return IPOIB_SNOOP_NONE;
    }
    size_t l3_ofs = ETH_HEADER_LEN;
    uint16_t type = ipoib_get_be16(frame + 12);
    if (type == ETH_TYPE_VLAN_8021Q) {
        if (len < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
            return IPOIB_SNOOP_NONE;
        }
        type = ipoib_get_be16(frame + 16);
        l3_ofs += VLAN_HEADER_LEN;
    }
    if (type != ETH_TYPE_IPV6 && type != ETH_TYPE_IP) {
        return IPOIB_SNOOP_NONE;
    }

    memcpy(rep->reporter.ea, frame + 6, ETH_ADDR_LEN);
    rep->n = 0;
    rep->truncated = false;
    return (type == ETH_TYPE_IPV6
            ? parse_ipv6(frame + l3_ofs, len - l3_ofs, rep)
            : parse_ipv4(frame + l3_ofs, len - l3_ofs, rep));
}
