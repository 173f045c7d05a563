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

#ifndef IPOIB_VIF_ADDRS_H
#define IPOIB_VIF_ADDRS_H 1

/* The IP addresses each local VIF is known to use, and when they are to be
 * announced to the fabric on the VIF's behalf.
 *
 * A VM that moves to another hypervisor keeps its MAC and IP addresses but
 * gets a new QPN there, so every remote host must learn the new endpoint.
 * The netdev announces the VIF's addresses (gratuitous ARP, unsolicited
 * Neighbor Advertisement) from the VIF's QP whenever that QP is new to the
 * addresses: 'announced_qpn' remembers the QPN they were last announced
 * from.
 *
 * Addresses come from the database (an orchestrator's list, kept apart
 * from snooped ones so that a database update replaces only its own) and
 * from the VIF's own ARP and IPv6 Neighbor Discovery messages, whose sender
 * address is by definition the VM's own: plain IP traffic is not used,
 * because a VM that routes sends other hosts' source addresses, and
 * announcing those would steal them.
 *
 * IPv4 addresses are kept IPv4-mapped (::ffff:a.b.c.d).  Key: (MAC, VLAN).
 * Bounded: at most IPOIB_VIF_MAX_ADDRS addresses per VIF (the oldest snooped
 * one makes room) and 'max_entries' VIFs.  Time comes in as an argument.
 * Not thread-safe: the caller serializes access. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"

/* Addresses remembered per VIF. */
#define IPOIB_VIF_MAX_ADDRS 8

/* An announcement is sent this many times, at these offsets (ms) from the
 * trigger.  The first goes at once, so that traffic resumes within one
 * main-loop pass; two repeats cover a lost datagram (UD is unreliable and
 * a receiver's ring may be full during the very burst a move causes), and
 * all three fall within half a second, far below any neighbor timeout. */
#define IPOIB_ANNOUNCE_ROUNDS 3
extern const int ipoib_announce_offsets_ms[IPOIB_ANNOUNCE_ROUNDS];

struct ipoib_vif_addrs {
    struct hmap_node node;      /* In the table, by MAC and VLAN. */
    struct eth_addr mac;
    uint16_t vlan;              /* As in struct ipoib_vif. */

    size_t n_addrs;
    struct in6_addr addrs[IPOIB_VIF_MAX_ADDRS];  /* Newest first. */
    bool configured[IPOIB_VIF_MAX_ADDRS];        /* From the database. */

    uint32_t announced_qpn;     /* QPN last announced from, 0 if none. */
    int round;                  /* Next round, IPOIB_ANNOUNCE_ROUNDS when
                                 * none is pending. */
    long long int start_ms;     /* When the pending announcement began. */
};

struct ipoib_vif_addrs_table {
    struct hmap entries;
    size_t max_entries;
    size_t n_pending;           /* Entries with a round to send. */
    uint64_t n_refused;         /* Entries not made: table full. */
};

void ipoib_vif_addrs_init(struct ipoib_vif_addrs_table *, size_t max);
void ipoib_vif_addrs_destroy(struct ipoib_vif_addrs_table *);
size_t ipoib_vif_addrs_count(const struct ipoib_vif_addrs_table *);

struct ipoib_vif_addrs *ipoib_vif_addrs_find(
    const struct ipoib_vif_addrs_table *, struct eth_addr mac,
    uint16_t vlan);
/* Finds or creates the entry of (mac, vlan); NULL if the table is full. */
struct ipoib_vif_addrs *ipoib_vif_addrs_get(struct ipoib_vif_addrs_table *,
                                            struct eth_addr mac,
                                            uint16_t vlan);
void ipoib_vif_addrs_remove(struct ipoib_vif_addrs_table *,
                            struct ipoib_vif_addrs *);

/* Records that the VIF uses 'addr' (snooped).  Returns true if it was not
 * known.  Ignores (returns false) the unspecified address, multicast and
 * IPv4 0.0.0.0 or broadcast. */
bool ipoib_vif_addrs_add(struct ipoib_vif_addrs *, const struct in6_addr *);

/* Replaces the database's addresses of the VIF with the 'n' in 'addrs'
 * (snooped ones stay).  Returns true if the set of addresses changed. */
bool ipoib_vif_addrs_set_configured(struct ipoib_vif_addrs *,
                                    const struct in6_addr *addrs, size_t n);

/* Starts announcing the entry's addresses from 'qpn' at 'now_ms', or
 * restarts if the QPN changed.  Does nothing without addresses or QPN, or
 * while an announcement from 'qpn' is under way (its remaining rounds send
 * the addresses as they are then). */
void ipoib_vif_addrs_schedule(struct ipoib_vif_addrs_table *,
                              struct ipoib_vif_addrs *, uint32_t qpn,
                              long long int now_ms);
/* If a round of 'e' is due at 'now_ms', consumes it and returns true. */
bool ipoib_vif_addrs_take_due(struct ipoib_vif_addrs_table *,
                              struct ipoib_vif_addrs *, long long int now_ms);
/* When the next round of any entry is due, LLONG_MAX if none. */
long long int ipoib_vif_addrs_next_due(const struct ipoib_vif_addrs_table *);

/* What a VIF's frame says about its addresses. */
struct ipoib_vif_frame {
    struct eth_addr src;        /* Source MAC. */
    uint16_t vlan;              /* 802.1Q VID or IPOIB_VLAN_NONE. */
    bool self_announce;         /* RARP (as QEMU sends after a move). */
    bool has_addr;
    struct in6_addr addr;       /* The sender's own address, if has_addr. */
};

/* Parses the Ethernet frame of 'len' bytes at 'data', sent by a VIF.
 * Returns false if it is too short for an Ethernet header.  Sets
 * 'has_addr' for an ARP request or reply (sender IP), or an IPv6 Neighbor
 * Solicitation, Advertisement or Router Solicitation with a specified
 * source address (ND messages must have hop limit 255, so they come from
 * the link).  Every length is checked. */
bool ipoib_vif_frame_parse(const void *data, size_t len,
                           struct ipoib_vif_frame *);

#define IPOIB_VIF_ADDRS_FOR_EACH(E, TABLE) \
    HMAP_FOR_EACH (E, node, &(TABLE)->entries)
#define IPOIB_VIF_ADDRS_FOR_EACH_SAFE(E, TABLE) \
    HMAP_FOR_EACH_SAFE (E, node, &(TABLE)->entries)

#endif /* ipoib-vif-addrs.h */
