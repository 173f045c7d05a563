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

#ifndef IPOIB_HOST_H
#define IPOIB_HOST_H 1

/* ipoib-host: a plain IPoIB host (RFC 4391, datagram mode) on an IB port,
 * as the kernel's "ib0" is, with a tun device as its kernel side.  The
 * state of the daemon, shared by its files:
 *
 *   ipoib-host.c           options, main loop, unixctl commands;
 *   ipoib-host-link.c      port life cycle: broadcast group, QP, events,
 *                          multicast joins, path queries;
 *   ipoib-host-datapath.c  tun <-> IPoIB: checks, next hops, sends;
 *   ipoib-host-resolve.c   ARP and IPv6 neighbor discovery;
 *   ipoib-host-neigh, -path, -mcast, -pktq, -route: the tables;
 *   ipoib-host-tun, -addrs: the kernel side. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "transport/ipoib-transport.h"
#include "utilities/ipoib-host-addrs.h"
#include "utilities/ipoib-host-mcast.h"
#include "utilities/ipoib-host-neigh.h"
#include "utilities/ipoib-host-path.h"
#include "utilities/ipoib-host-route.h"
#include "utilities/ipoib-host-tun.h"

struct ofpbuf;

enum host_link_state {
    HOST_LINK_DOWN,             /* Port not active, or bad P_Key. */
    HOST_LINK_JOINING,          /* Broadcast group join sent. */
    HOST_LINK_UP,               /* Joined, QP made: traffic flows. */
};

/* What the host counts (see host/show). */
#define HOST_COUNTERS                                                     \
    HOST_COUNTER(RX_PACKETS, "rx_packets")                                \
    HOST_COUNTER(RX_RUNT, "rx_runt")                                      \
    HOST_COUNTER(RX_MALFORMED, "rx_malformed")                            \
    HOST_COUNTER(RX_UNKNOWN_PROTO, "rx_unknown_proto")                    \
    HOST_COUNTER(RX_OWN, "rx_own")                                        \
    HOST_COUNTER(RX_LINK_DOWN, "rx_link_down")                            \
    HOST_COUNTER(RX_ARP, "rx_arp")                                        \
    HOST_COUNTER(RX_ND, "rx_nd")                                          \
    HOST_COUNTER(RX_TUN_ERRORS, "rx_tun_errors")                          \
    HOST_COUNTER(TX_PACKETS, "tx_packets")                                \
    HOST_COUNTER(TX_LINK_DOWN, "tx_link_down")                            \
    HOST_COUNTER(TX_MALFORMED, "tx_malformed")                            \
    HOST_COUNTER(TX_TOO_BIG, "tx_too_big")                                \
    HOST_COUNTER(TX_NO_ROUTE, "tx_no_route")                              \
    HOST_COUNTER(TX_NO_NEIGH, "tx_no_neigh")                              \
    HOST_COUNTER(TX_NO_PATH, "tx_no_path")                                \
    HOST_COUNTER(TX_NO_GROUP, "tx_no_group")                              \
    HOST_COUNTER(TX_QUEUE_FULL, "tx_queue_full")                          \
    HOST_COUNTER(TX_SEND_FAILED, "tx_send_failed")                        \
    HOST_COUNTER(TX_KERNEL_ND, "tx_kernel_nd")

enum host_counter {
#define HOST_COUNTER(ENUM, NAME) HOST_C_##ENUM,
    HOST_COUNTERS
#undef HOST_COUNTER
    HOST_N_COUNTERS
};

/* IPoIB encapsulation header: EtherType + 2 reserved bytes. */
#define HOST_IPOIB_HDR_LEN 4
#define HOST_ETH_TYPE_IPV4 0x0800
#define HOST_ETH_TYPE_ARP 0x0806
#define HOST_ETH_TYPE_IPV6 0x86dd

struct ipoib_host {
    /* Configuration. */
    char *name;                     /* For logs and the fabric. */
    const struct ipoib_transport_class *tc;
    struct ipoib_port_config port_cfg;
    uint16_t pkey;                  /* Asked for, full-member bit set. */
    uint8_t scope;                  /* Of the MGIDs. */
    long long int neigh_max_age_ms;

    /* The IB port. */
    struct ipoib_port *port;
    struct ipoib_port_attr attr;
    enum host_link_state link;
    uint16_t port_pkey;             /* The P_Key table's entry. */
    struct ib_gid bcast_mgid;
    struct ipoib_mcast_group bcast; /* With HOST_LINK_UP. */
    long long int join_sent;
    uint32_t qpn;                   /* Our one UD QP. */
    struct ipoib_hwaddr hwaddr;     /* Our 20-byte address. */
    int mtu;                        /* IPoIB MTU (IB MTU - 4). */
    long long int next_housekeeping;

    /* The kernel side. */
    struct host_tun tun;
    struct host_addrs addrs;
    long long int next_addrs_read;

    /* Tables. */
    struct host_neigh_table neighs;
    struct host_path_table paths;
    struct host_group_table groups;
    struct host_route_cache routes;

    uint64_t counters[HOST_N_COUNTERS];
};

/* ipoib-host-link.c. */
void host_link_run(struct ipoib_host *);
void host_link_wait(struct ipoib_host *);
/* Called when the tun's addresses or groups changed from 'old'. */
void host_link_addrs_changed(struct ipoib_host *,
                             const struct host_addrs *old);
/* Returns the valid path to 'gid', querying the SA if needed, or NULL. */
const struct host_path *host_link_path(struct ipoib_host *,
                                       const struct ib_gid *gid);
/* Sends the join 'g' needs. */
void host_link_join(struct ipoib_host *, struct host_group *g);
const char *host_link_state_name(enum host_link_state);

/* ipoib-host-datapath.c. */
void host_datapath_run(struct ipoib_host *);
void host_datapath_wait(struct ipoib_host *);
/* A new packet holding an IPoIB header for 'ethertype' and room for
 * 'payload_len' bytes more. */
struct ofpbuf *host_packet_new(uint16_t ethertype, size_t payload_len);
/* Takes 'packet' (IPoIB header + payload) and sends it to the next hop
 * 'ip', resolving it first if needed. */
void host_output_unicast(struct ipoib_host *, const struct in6_addr *ip,
                         struct ofpbuf *packet);
/* Takes 'packet' and sends it through 'n' (a neighbor entry). */
void host_output_neigh(struct ipoib_host *, struct host_neigh *n,
                       struct ofpbuf *packet);
/* Takes 'packet' and sends it to multicast group 'mgid'. */
void host_output_mcast(struct ipoib_host *, const struct ib_gid *mgid,
                       struct ofpbuf *packet);
/* Sends what waits on 'n' (if its path is known) or on 'g'. */
void host_neigh_flush(struct ipoib_host *, struct host_neigh *n);
void host_group_flush(struct ipoib_host *, struct host_group *g);
const char *host_counter_name(enum host_counter);

/* ipoib-host-resolve.c. */
void host_arp_input(struct ipoib_host *, const uint8_t *body, size_t len);
/* Handles neighbor discovery in the IPv6 packet 'ip6' of 'len' bytes (its
 * header checked).  Returns true if it was an NS or NA (consumed). */
bool host_nd_input(struct ipoib_host *, const uint8_t *ip6, size_t len);
/* Sends an ARP request or neighbor solicitation for 'n'. */
void host_solicit(struct ipoib_host *, struct host_neigh *n);
/* Announces 'ip': gratuitous ARP, or unsolicited neighbor advertisement. */
void host_announce(struct ipoib_host *, const struct in6_addr *ip);
/* Retransmits solicitations and fails the unanswered ones. */
void host_resolve_run(struct ipoib_host *, long long int now);

#endif /* ipoib-host.h */
