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

#ifndef IPOIB_XLATE_H
#define IPOIB_XLATE_H 1

/* Ethernet <-> IPoIB frame translation for one IPoIB port.
 *
 * Transmit (a VM's Ethernet frame, from the bridge, toward the fabric):
 *
 *   - The frame's VLAN must be the context's ('vlan'): one 802.1Q tag of
 *     that VID, which is stripped, or no tag (or a priority tag, VID 0) in
 *     the untagged context; otherwise IPOIB_DROP_VLAN.  Each VLAN is an IB
 *     partition with a translation context of its own (VST); the caller
 *     picks it with ipoib_xlate_frame_vlan().
 *   - The source MAC must be a VIF of the context's VLAN; otherwise
 *     IPOIB_DROP_VIF_MISS, and the caller may learn the VIF from
 *     result->src_mac and result->vlan and translate again.
 *   - The destination becomes an IPoIB hardware address (QPN + GID):
 *       ff:ff:ff:ff:ff:ff -> broadcast group (QPN 0xffffff + broadcast MGID
 *                            for the port's P_Key and scope);
 *       01:00:5e:...      -> IPv4 MGID of the IPv4 destination address;
 *       33:33:...         -> IPv6 MGID of the IPv6 destination address;
 *       other multicast   -> IPOIB_DROP_PROTO;
 *       unicast           -> the neighbor with that (derived) MAC, else
 *                            IPOIB_DROP_NEIGH_MISS.
 *   - EtherTypes: IPv4 and IPv6 are carried as they are (Ethernet padding
 *     is trimmed to the IP length); ARP and RARP are rewritten to IPoIB ARP
 *     (sender hardware address = the VIF's: flags 0, VIF QPN, port GID;
 *     target hardware address = zero in requests, else the VIF's own or a
 *     neighbor's address); IPv6 Neighbor Discovery link-layer address
 *     options (RS, RA, NS, NA, Redirect) are rewritten from the 8-byte
 *     Ethernet form to the 24-byte IPoIB form, fixing the IPv6 payload
 *     length and ICMPv6 checksum (the sender's own option must hold the
 *     VIF's MAC, else IPOIB_DROP_SPOOF; a wrong checksum, a bad option
 *     length or more than 4 such options give IPOIB_DROP_MALFORMED).
 *     ARP's sender hardware address must be the source MAC, else
 *     IPOIB_DROP_SPOOF.  Anything else: IPOIB_DROP_PROTO.
 *     DHCPv4 messages get the RFC 4390 form (lib/ipoib-dhcp.h; the VIF's
 *     client identifier may grow the packet; malformed DHCP gives
 *     IPOIB_DROP_MALFORMED).
 *   - The 14-byte Ethernet header becomes the 4-byte IPoIB header (EtherType
 *     + 2 reserved zero bytes).  A payload longer than 'mtu' after it is
 *     IPOIB_DROP_OVERSIZE.
 *
 * Receive (an IPoIB frame from the fabric toward the bridge), starting at
 * the 4-byte IPoIB header (no GRH):
 *
 *   - Multicast sent by one of our own VIFs (SLID = our LID or SGID = our
 *     GID, and SQPN = a VIF's QPN) is IPOIB_DROP_LOOPBACK.
 *   - Source MAC: ARP/RARP learn the neighbor from their sender hardware
 *     address (which must agree with SQPN and, with a GRH, SGID, else
 *     IPOIB_DROP_SPOOF), also recording SLID and the sender IPv4 address;
 *     other packets with a GRH learn the neighbor (SGID, SQPN), recording
 *     SLID; without a GRH the neighbor is looked up by (SLID, SQPN), else
 *     IPOIB_DROP_NEIGH_MISS.  (SLID is not recorded for a sender on
 *     another subnet: it is then a router's LID.)
 *   - Destination MAC: unicast -> the VIF whose QPN is DQPN, of the
 *     context's VLAN (else IPOIB_DROP_NOT_FOR_US); multicast (needs a
 *     GRH) -> from the DGID: broadcast MGID -> ff:ff:ff:ff:ff:ff, IPv4
 *     MGID -> 01:00:5e:..., IPv6 MGID -> 33:33:..., other GIDs
 *     IPOIB_DROP_NOT_FOR_US.
 *   - ARP is rewritten back (target hardware address: a VIF's -> the VIF's
 *     MAC, zero -> zero, a known neighbor's -> its MAC, else zero); ND
 *     options are shrunk to the Ethernet form; DHCPv4 messages get the
 *     Ethernet form back (lib/ipoib-dhcp.h).
 *   - The 4-byte header is replaced by a 14-byte Ethernet header (18 bytes,
 *     with an 802.1Q tag of the context's VLAN, if it has one).
 *
 * Tables: receive learns neighbors (from ARP, ND and GRHs) before it has
 * checked everything, so a dropped frame may still have taught the table its
 * sender, which the fabric vouches for.
 *
 * Buffers: translation is in place.  The caller guarantees at least
 * IPOIB_XLATE_HEADROOM bytes of headroom and IPOIB_XLATE_TAILROOM bytes of
 * tailroom; less gives IPOIB_DROP_NO_ROOM if more room was needed.  On any
 * drop the buffer is left unchanged, so the caller may inspect it (for
 * example to answer an ARP itself).  No memory is allocated except when a
 * neighbor is learned.  Every byte read from the frame is bounds-checked.
 *
 * Not thread-safe: the caller serializes calls on one port (the same lock
 * must cover the VIF and neighbor tables). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "lib/ipoib-dhcp.h"
#include "openvswitch/types.h"

struct ipoib_neigh;
struct ipoib_neigh_table;
struct ipoib_vif;
struct ipoib_vif_table;

#define IPOIB_ENCAP_LEN 4           /* EtherType + 2 reserved bytes. */
#define IPOIB_XLATE_HEADROOM 64
#define IPOIB_XLATE_TAILROOM 64

/* A frame being translated: 'len' bytes at 'data', with 'headroom' usable
 * bytes before 'data' and 'tailroom' usable bytes after data + len.
 * Translation moves 'data' and updates all three lengths. */
struct ipoib_buf {
    uint8_t *data;
    size_t len;
    size_t headroom;
    size_t tailroom;
    bool tso;           /* TX: a TCP packet to be segmented to the MTU
                         * after translation (TSO), so the MTU applies to
                         * its segments, not to it. */
};

/* The last lookup of each kind that a context's translations made, each
 * kept with its table's generation (ipoib-vif.h, ipoib-neigh.h) and used
 * only while the table still has that generation, so a VIF or neighbor
 * removed or changed since is never used.  Consecutive packets of a batch
 * mostly belong to one flow; a miss costs one comparison more than the
 * table lookup it falls back to.  Private to ipoib-xlate.c. */
struct ipoib_xlate_cache_entry {
    uint64_t key;               /* Lookup key, see ipoib-xlate.c. */
    uint64_t generation;        /* Table generation; 0: empty. */
    void *value;                /* struct ipoib_vif or ipoib_neigh. */
};

struct ipoib_xlate_cache {
    struct ipoib_xlate_cache_entry tx_vif;     /* Source MAC + VLAN. */
    struct ipoib_xlate_cache_entry tx_neigh;   /* Destination MAC. */
    struct ipoib_xlate_cache_entry rx_vif;     /* DQPN. */
    struct ipoib_xlate_cache_entry rx_neigh;   /* SLID + SQPN. */
};

/* One IPoIB port's translation context.  The caller fills it in (after
 * ipoib_xlate_init() for the defaults) and may change the fields between
 * calls, e.g. when the port's LID changes; 'vifs' and 'neighs' stay the
 * tables given to ipoib_xlate_init(). */
struct ipoib_xlate {
    struct ib_gid gid;          /* Port GID (the GID of every VIF QP). */
    uint16_t lid;               /* Port LID. */
    uint16_t pkey;              /* P_Key, full-member bit set. */
    uint8_t scope;              /* Multicast scope, IPOIB_SCOPE_*. */
    uint32_t mtu;               /* IPoIB MTU: bytes after the 4-byte header. */
    bool rewrite_nd;            /* Rewrite IPv6 ND link-layer options. */
    uint16_t vlan;              /* VLAN of the partition this context
                                 * serves, IPOIB_VLAN_NONE: the port's own
                                 * P_Key, untagged. */
    struct ipoib_vif_table *vifs;
    struct ipoib_neigh_table *neighs;
    struct ipoib_dhcp_xids dhcp_xids; /* VMs' recent DHCP requests. */
    struct ipoib_xlate_cache cache;   /* Last lookups. */
    bool no_fast_path;          /* Tests: translate every frame the
                                 * general way, without the caches (same
                                 * results, slower).  Set it while 'cache'
                                 * is empty (after ipoib_xlate_init()). */
};

/* Sets the defaults: zero GID and LID, P_Key 0xffff, link-local scope, MTU
 * 2044 (2K IB MTU), ND rewriting on, untagged. */
void ipoib_xlate_init(struct ipoib_xlate *, struct ipoib_vif_table *,
                      struct ipoib_neigh_table *);

/* Why a frame was not translated.  Counters are the caller's. */
enum ipoib_drop {
    IPOIB_DROP_NONE = 0,        /* Translated. */
    IPOIB_DROP_RUNT,            /* Too short for its headers. */
    IPOIB_DROP_MALFORMED,       /* Bad header fields or lengths. */
    IPOIB_DROP_PROTO,           /* EtherType or destination not carried. */
    IPOIB_DROP_VIF_MISS,        /* TX: source MAC is not a VIF. */
    IPOIB_DROP_NEIGH_MISS,      /* Unknown remote endpoint. */
    IPOIB_DROP_OVERSIZE,        /* TX: larger than the IPoIB MTU. */
    IPOIB_DROP_VLAN,            /* TX: not the context's VLAN. */
    IPOIB_DROP_LOOPBACK,        /* RX: our own multicast, sent back. */
    IPOIB_DROP_NOT_FOR_US,      /* RX: no VIF has the destination QPN. */
    IPOIB_DROP_SPOOF,           /* Addresses inside the packet disagree
                                 * with its sender. */
    IPOIB_DROP_NO_ROOM,         /* Not enough headroom or tailroom. */
    IPOIB_N_DROPS
};

/* "none", "runt", "malformed", "proto", "vif_miss", "neigh_miss",
 * "oversize", "vlan", "loopback", "not_for_us", "spoof", "no_room". */
const char *ipoib_drop_name(enum ipoib_drop);

/* What ipoib_xlate_tx() found.  'src_mac', 'dst_mac', 'vlan' and
 * 'ether_type' are set whenever the frame has a whole Ethernet header (at
 * least 14 bytes; 18 if tagged), whatever the result, so that the caller can
 * learn a VIF after IPOIB_DROP_VIF_MISS.  'vif' is also set after
 * IPOIB_DROP_VIF_MISS if the VIF exists but has no QP yet.  The rest is set
 * on success. */
struct ipoib_tx_result {
    struct eth_addr src_mac;
    struct eth_addr dst_mac;
    uint16_t vlan;              /* Tag's VLAN id, IPOIB_VLAN_NONE if none. */
    uint16_t ether_type;        /* Host byte order; the inner one if
                                 * tagged. */
    struct ipoib_vif *vif;      /* Sender: its QP sends the frame. */
    struct ipoib_neigh *neigh;  /* Unicast destination, NULL if multicast. */
    bool multicast;             /* Destination is a multicast group. */
    struct ipoib_hwaddr dst;    /* Destination QPN + GID (MGID). */
};

/* A VLAN no partition can have: stacked tags (802.1ad, QinQ) or VID 4095. */
#define IPOIB_VLAN_INVALID 0xfffe

/* The VLAN of the Ethernet frame 'frame' ('len' bytes), which selects the
 * translation context: its 802.1Q VID, IPOIB_VLAN_NONE if untagged,
 * priority-tagged (VID 0) or too short for a tag, IPOIB_VLAN_INVALID for a
 * tag no partition maps to. */
uint16_t ipoib_xlate_frame_vlan(const uint8_t *frame, size_t len);

enum ipoib_drop ipoib_xlate_tx(struct ipoib_xlate *, struct ipoib_buf *,
                               long long now_ms, struct ipoib_tx_result *);

/* What the transport reports about a received IPoIB frame. */
struct ipoib_rx_meta {
    uint32_t dqpn;              /* QP it arrived on (unicast). */
    uint32_t sqpn;              /* Sender's QPN (DETH). */
    uint16_t slid;              /* Sender's LID (LRH). */
    bool multicast;             /* Sent to a multicast group. */
    bool has_grh;               /* 'sgid' and 'dgid' are valid. */
    struct ib_gid sgid;
    struct ib_gid dgid;
};

/* What ipoib_xlate_rx() found, on success. */
struct ipoib_rx_result {
    struct ipoib_vif *vif;      /* Unicast destination, NULL if multicast. */
    struct ipoib_neigh *neigh;  /* Sender. */
    uint16_t ether_type;        /* Host byte order. */
};

/* 'result' may be NULL. */
enum ipoib_drop ipoib_xlate_rx(struct ipoib_xlate *, struct ipoib_buf *,
                               const struct ipoib_rx_meta *, long long now_ms,
                               struct ipoib_rx_result *result);

/* The IPoIB hardware address of 'vif' on this port: flags 0, its QPN, the
 * port GID. */
void ipoib_xlate_vif_hwaddr(const struct ipoib_xlate *,
                            const struct ipoib_vif *, struct ipoib_hwaddr *);

/* Maps a multicast GID to the Ethernet multicast MAC that stands for it on
 * the bridge side, as receive does.  Returns false for a GID that is not an
 * IPoIB broadcast, IPv4 or IPv6 MGID. */
bool ipoib_xlate_mgid_to_mac(const struct ib_gid *, struct eth_addr *);

#endif /* ipoib-xlate.h */
