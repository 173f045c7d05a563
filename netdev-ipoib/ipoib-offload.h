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
#ifndef IPOIB_OFFLOAD_H
#define IPOIB_OFFLOAD_H 1

/* TCP segmentation and checksum offloads of an ipoib netdev.
 *
 * With other_config:userspace-tso-enable=true the netdev tells OVS it
 * segments TCP and fills TCP/UDP (and IPv4 header) checksums, and then
 * honours that for every packet OVS marks:
 *
 *   - transmit: an HCA with LSO and checksum offload (port attributes
 *     max_lso, tx_csum) gets the whole packet with IPOIB_TX_F_LSO and the
 *     MSS, or IPOIB_TX_F_CSUM; otherwise the packet is segmented here, into
 *     recycled scratch buffers, and checksums are filled in place
 *     (lib/ipoib-tso).  The MSS makes segments of the IPoIB MTU: OVS 3.1
 *     keeps no segment size with a packet (netdev-linux derives it from
 *     its egress MTU the same way).
 *
 *   - receive: datagrams whose checksum the HCA verified (csum_ok) are
 *     marked good for OVS; in-order TCP segments of one flow within one
 *     receive call (several transport batches) are coalesced
 *     (lib/ipoib-gro) into one packet marked for TSO and checksum
 *     offload, which OVS's netdev-linux hands to a VM's veth or tap with
 *     a virtio-net header, so the VM gets one large packet.  A TCP
 *     segment that is not coalesced is marked the same way, so that one
 *     larger than the VM's MTU still reaches it.  Checksums the HCA did
 *     not verify are verified here first; a segment that fails goes to
 *     OVS unmarked and untouched.
 *
 * Without userspace TSO, only the receive "checksum good" marks remain. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-gro.h"
#include "openvswitch/thread.h"
#include "ovs-atomic.h"

struct dp_packet;
struct dp_packet_batch;
struct ipoib_port;
struct ipoib_transport_class;
struct ipoib_tx_desc;
struct netdev;

struct ipoib_offload_counters {
    uint64_t tx_lso_packets;    /* Handed to the HCA's LSO whole. */
    uint64_t tx_sw_segments;    /* Segments made in software. */
    uint64_t tx_sw_csum;        /* Packets whose checksums we filled. */
    uint64_t tx_offload_malformed;  /* Marked packets we could not use. */
    uint64_t rx_gro_packets;    /* Coalesced packets made. */
    uint64_t rx_gro_merged;     /* Segments that went into them. */
    uint64_t rx_csum_good;      /* Checksum verified (HCA or here). */
    uint64_t rx_csum_bad;       /* Checksum verified wrong here. */
};

/* What the transport does itself. */
struct ipoib_offload_caps {
    bool tx_csum;
    uint32_t max_lso;
};

struct ipoib_offload {
    bool enabled;               /* Userspace TSO on: offloads advertised. */
    struct ovs_mutex scratch_mutex;
    uint8_t *scratch;           /* Software segments, recycled. */
    atomic_uint64_t counters[sizeof(struct ipoib_offload_counters)
                             / sizeof(uint64_t)];
};

/* Reads userspace-tso-enable and advertises offloads on 'netdev'. */
void ipoib_offload_init(struct ipoib_offload *, struct netdev *);
void ipoib_offload_destroy(struct ipoib_offload *);
void ipoib_offload_get_counters(const struct ipoib_offload *,
                                struct ipoib_offload_counters *);

/* Transmit. */

/* Returns true if translated packet 'p' may go on a path whose IB MTU is
 * 'ib_mtu': it fits, or it is to be segmented. */
bool ipoib_offload_fits_mtu(const struct dp_packet *p, uint32_t ib_mtu);

/* Sets the offload flags and MSS of 'd' for translated packet 'p', whose
 * segments may carry 'ip_mtu' bytes of IP packet. */
void ipoib_offload_tx_prepare(const struct dp_packet *p, uint32_t ip_mtu,
                              struct ipoib_tx_desc *d);

/* Sends 'n' descriptors, doing in software the offloads 'caps' lacks.
 * Returns how many of the packets went (all their segments), and their
 * bytes (before segmentation) in '*bytes'. */
int ipoib_offload_send(struct ipoib_offload *,
                       const struct ipoib_transport_class *,
                       struct ipoib_port *,
                       const struct ipoib_offload_caps *,
                       struct ipoib_tx_desc *descs, int n, uint64_t *bytes);

/* Receive. */

/* Marks received packet 'p' checksum-verified if the HCA said so. */
void ipoib_offload_rx_mark(struct ipoib_offload *, struct dp_packet *p,
                           bool csum_ok);

/* Receive coalescing over one receive call, which may pull several
 * transport batches: a 64 KiB send arrives as 16 to 33 datagrams, more than
 * one transport batch holds, and is best delivered as one packet.
 *
 * ipoib_offload_rx_begin() starts with an empty 'batch'; each translated,
 * marked packet goes in with ipoib_offload_rx_add(), which either puts it
 * into 'batch', or keeps it while its flow's merge may grow, or copies it
 * into that merge and recycles its buffer; ipoib_offload_rx_end() closes
 * the merges still open.  ipoib_offload_rx_room() says how many packets may
 * still be added: each add grows the batch and the open merges by at most
 * one, and the batch never exceeds NETDEV_MAX_BURST.
 *
 * Buffers merged away are reset to empty buffers with 'headroom' and put
 * into 'spare' while '*n_spare' < 'max_spare', freed otherwise. */

/* Flows whose merges may be open at once. */
#define IPOIB_OFFLOAD_RX_FLOWS 8

/* One flow's open merge. */
struct ipoib_offload_rx_flow {
    struct dp_packet *head;     /* The first segment, as it came. */
    struct dp_packet *big;      /* The merge's own buffer, allocated once a
                                 * second segment joins; else NULL (the
                                 * merge is still the head's frame). */
    struct ipoib_gro_merge m;
};

struct ipoib_offload_rx {
    struct ipoib_offload *o;
    struct dp_packet_batch *batch;
    struct dp_packet **spare;
    int *n_spare;
    int max_spare;
    size_t headroom;
    int n_flows;                /* Open merges, oldest first. */
    struct ipoib_offload_rx_flow flows[IPOIB_OFFLOAD_RX_FLOWS];
};

void ipoib_offload_rx_begin(struct ipoib_offload_rx *,
                            struct ipoib_offload *,
                            struct dp_packet_batch *batch,
                            struct dp_packet **spare, int *n_spare,
                            int max_spare, size_t headroom);
int ipoib_offload_rx_room(const struct ipoib_offload_rx *);
void ipoib_offload_rx_add(struct ipoib_offload_rx *, struct dp_packet *p);
void ipoib_offload_rx_end(struct ipoib_offload_rx *);

#endif /* netdev-ipoib/ipoib-offload.h */
