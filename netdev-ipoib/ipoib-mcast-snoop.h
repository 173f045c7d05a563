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
#ifndef IPOIB_MCAST_SNOOP_H
#define IPOIB_MCAST_SNOOP_H 1

/* Multicast listener reports sent by VMs: MLDv1/MLDv2 (RFC 2710, RFC 3810)
 * and IGMPv1/v2/v3 (RFC 1112, RFC 2236, RFC 3376).
 *
 * An IPoIB port receives a multicast group only if it is a full member of
 * the group at the SA and has attached a QP to it, so the port must learn
 * which groups its VMs listen on: it reads the reports they send, as an
 * Ethernet switch that snoops IGMP/MLD does.  This file only parses; the
 * netdev keeps the memberships (ipoib-mcast-listen.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

/* Most group records taken from one report; the rest are ignored (and
 * counted by the caller through 'truncated'). */
#define IPOIB_SNOOP_MAX_RECORDS 32

struct ipoib_snoop_record {
    bool join;                  /* Listening starts; false: it stops. */
    bool ipv6;
    uint8_t group[16];          /* IPv6 group, or IPv4 in the first 4. */
};

struct ipoib_snoop_report {
    struct eth_addr reporter;   /* Ethernet source of the report. */
    size_t n;
    bool truncated;             /* Had more than IPOIB_SNOOP_MAX_RECORDS. */
    struct ipoib_snoop_record records[IPOIB_SNOOP_MAX_RECORDS];
};

enum ipoib_snoop_result {
    IPOIB_SNOOP_NONE,           /* Not a listener report. */
    IPOIB_SNOOP_REPORT,         /* A report: 'report' is filled in. */
    IPOIB_SNOOP_MALFORMED,      /* Looked like a report, but is cut short
                                 * or inconsistent. */
};

/* Parses the Ethernet frame 'frame' of 'len' bytes (untagged or with one
 * 802.1Q tag).  Cheap for frames that are not reports: only multicast
 * destinations carrying IPv6 or IPv4 are looked into. */
enum ipoib_snoop_result ipoib_mcast_snoop_parse(const uint8_t *frame,
                                                size_t len,
                                                struct ipoib_snoop_report *);

#endif /* ipoib-mcast-snoop.h */
