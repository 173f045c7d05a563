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

/* Fuzz target: the Ethernet <-> IPoIB translation (lib/ipoib-xlate), with
 * frames from a VM and datagrams from the fabric in any order.
 *
 * One input is a sequence of records, each
 *
 *     op (1 byte)  length (2 bytes, big endian)  'length' bytes
 *
 * (a short last record takes what is left).  Bit 0 of 'op' picks the
 * direction: 0 sends the bytes as an Ethernet frame from a VM (bit 1: as a
 * TSO packet; bit 2: addressed to the Ethernet source of the last frame
 * received, since a fuzzer cannot guess the MAC that stands for a remote
 * endpoint), 1 receives them from the fabric, the first RX_META_LEN bytes
 * choosing the receive metadata (see rx_meta_from()).  Bit 3 picks the
 * translation context: the port's own partition (untagged) or VLAN 5's
 * (P_Key 0x8005, as a VST port has one per VLAN, sharing the VIF table).
 * The other bits advance the clock.  State carries over between the
 * records of one input (neighbors and VIFs learned, DHCP requests
 * remembered), as on a port.
 *
 * Each record goes through two ports set up alike: one translating as the
 * netdev does, one with 'no_fast_path' (the general path only).
 * They must agree on the result and on every output byte; a difference, a
 * buffer that ends up outside its allocation or an impossible result
 * aborts.  Each frame sits in an allocation of exactly headroom + length +
 * tailroom bytes, so that AddressSanitizer sees any access past it.
 *
 * With FUZZ_XLATE_TRACE set in the environment, each record's result goes
 * to stderr (to see what an input reaches). */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipoib-addr.h"
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "lib/ipoib-xlate.h"
#include "packets.h"
#include "tests/fuzz/fuzz-target.h"
#include "util.h"

#define PORT_LID 5
#define PORT_PKEY 0xffff
#define VLAN 5
#define VLAN_PKEY (0x8000 | VLAN)
#define PORT_GUID 0x0002c90300001001ULL
#define REMOTE_GUID 0x0002c90300002002ULL
#define GID_PREFIX 0xfe80000000000000ULL

/* Receive metadata selector bytes at the start of a receive record. */
#define RX_META_LEN 8

/* The VIFs every port starts with: untagged, two with QPs and one
 * without; on VLAN 5, the first VM again (a trunk VM) and another. */
static const struct {
    struct eth_addr mac;
    uint16_t vlan;
    uint32_t qpn;
} vif_seeds[] = {
    { ETH_ADDR_C(52, 54, 00, 00, 00, 01), IPOIB_VLAN_NONE, 0x100 },
    { ETH_ADDR_C(52, 54, 00, 00, 00, 02), IPOIB_VLAN_NONE, 0x101 },
    { ETH_ADDR_C(52, 54, 00, 00, 00, 03), IPOIB_VLAN_NONE, 0 },
    { ETH_ADDR_C(52, 54, 00, 00, 00, 01), VLAN, 0x102 },
    { ETH_ADDR_C(52, 54, 00, 00, 00, 04), VLAN, 0x103 },
};

/* Remote endpoints every context knows: QPN and LID. */
static const struct {
    uint32_t qpn;
    uint16_t lid;
} neigh_seeds[] = {
    { 0x48, 7 },
    { 0x49, 7 },
};

/* A translation context: the port's own partition or a VLAN's. */
struct partition {
    struct ipoib_neigh_table neighs;
    struct ipoib_xlate x;
};

struct port {
    struct ipoib_vif_table vifs;
    struct partition parts[2];  /* Untagged, VLAN 5. */
};

/* Ethernet source of the last frame received, all-zero before. */
static struct eth_addr last_sender;

static void
trace(const char *direction, size_t len, enum ipoib_drop drop)
{
    static int enabled = -1;

    if (enabled < 0) {
        enabled = getenv("FUZZ_XLATE_TRACE") != NULL;
    }
    if (enabled) {
        fprintf(stderr, "%s %"PRIuSIZE" bytes: %s\n",
                direction, len, ipoib_drop_name(drop));
    }
}

static void
partition_init(struct port *port, struct partition *part, uint16_t vlan,
               bool no_fast_path)
{
    ipoib_neigh_table_init(&part->neighs, 16, ipoib_vif_table_has_mac,
                           &port->vifs);
    ipoib_xlate_init(&part->x, &port->vifs, &part->neighs);
    ib_gid_from_parts(&part->x.gid, GID_PREFIX, PORT_GUID);
    part->x.lid = PORT_LID;
    part->x.pkey = vlan == IPOIB_VLAN_NONE ? PORT_PKEY : VLAN_PKEY;
    part->x.vlan = vlan;
    part->x.no_fast_path = no_fast_path;

    struct ib_gid remote;
    ib_gid_from_parts(&remote, GID_PREFIX, REMOTE_GUID);
    for (size_t i = 0; i < ARRAY_SIZE(neigh_seeds); i++) {
        struct ipoib_hwaddr hw;

        ipoib_hwaddr_make(&hw, 0, neigh_seeds[i].qpn, &remote);
        ovs_assert(ipoib_neigh_learn(&part->neighs, &hw,
                                     neigh_seeds[i].lid, 0));
    }
}

static void
port_init(struct port *port, bool no_fast_path)
{
    ipoib_vif_table_init(&port->vifs, 8);
    for (size_t i = 0; i < ARRAY_SIZE(vif_seeds); i++) {
        uint16_t vlan = vif_seeds[i].vlan;
        struct ipoib_vif *vif;

        ovs_assert(!ipoib_vif_insert(&port->vifs, vif_seeds[i].mac, vlan,
                                     IPOIB_VIF_OVSDB, NULL, 0, &vif));
        if (vif_seeds[i].qpn) {
            ovs_assert(!ipoib_vif_set_qp(&port->vifs, vif, vif_seeds[i].qpn,
                                         vlan == IPOIB_VLAN_NONE
                                         ? PORT_PKEY : VLAN_PKEY));
        }
    }
    partition_init(port, &port->parts[0], IPOIB_VLAN_NONE, no_fast_path);
    partition_init(port, &port->parts[1], VLAN, no_fast_path);
}

static void
port_destroy(struct port *port)
{
    for (int i = 0; i < ARRAY_SIZE(port->parts); i++) {
        ipoib_neigh_table_destroy(&port->parts[i].neighs);
    }
    ipoib_vif_table_destroy(&port->vifs, NULL, NULL);
}

/* Receive metadata from the selector bytes 's': mostly values a real
 * fabric delivers (a VIF's QPN, a known sender, the broadcast group), with
 * raw values mixed in. */
static void
rx_meta_from(const uint8_t s[RX_META_LEN], uint16_t pkey,
             struct ipoib_rx_meta *m)
{
    memset(m, 0, sizeof *m);
    uint8_t flags = s[0];
    m->multicast = flags & 1;
    m->has_grh = (flags & 2) || m->multicast;

    uint32_t raw_qpn = ipoib_get_be32(s + 1) & IB_QPN_MASK;
    m->dqpn = (m->multicast ? IB_MULTICAST_QPN
               : flags & 4 ? raw_qpn
               : vif_seeds[s[1] % ARRAY_SIZE(vif_seeds)].qpn);
    m->sqpn = (flags & 8 ? raw_qpn
               : neigh_seeds[s[2] % ARRAY_SIZE(neigh_seeds)].qpn);
    m->slid = flags & 16 ? ipoib_get_be16(s + 5) : 7;

    uint64_t guid = flags & 32 ? ipoib_get_be16(s + 6) : REMOTE_GUID;
    ib_gid_from_parts(&m->sgid, GID_PREFIX, guid);
    if (m->multicast) {
        ipoib_mgid_broadcast(&m->dgid, pkey, IPOIB_SCOPE_LINK_LOCAL);
        if (flags & 64) {
            ipoib_mgid_ipv4(&m->dgid, pkey, IPOIB_SCOPE_LINK_LOCAL,
                            htonl(0xe0000000 | ipoib_get_be16(s + 6)));
        }
    } else {
        ib_gid_from_parts(&m->dgid, GID_PREFIX, PORT_GUID);
    }
}

/* A frame in an allocation of exactly its size plus translation room. */
struct frame {
    uint8_t *base;
    size_t size;
    struct ipoib_buf buf;
};

static void
frame_init(struct frame *f, const uint8_t *data, size_t len, bool tso)
{
    f->size = IPOIB_XLATE_HEADROOM + len + IPOIB_XLATE_TAILROOM;
    f->base = xmalloc(f->size);
    memset(f->base, 0xa5, f->size);
    memcpy(f->base + IPOIB_XLATE_HEADROOM, data, len);
    f->buf = (struct ipoib_buf) {
        .data = f->base + IPOIB_XLATE_HEADROOM,
        .len = len,
        .headroom = IPOIB_XLATE_HEADROOM,
        .tailroom = IPOIB_XLATE_TAILROOM,
        .tso = tso,
    };
}

/* The buffer still describes exactly its allocation. */
static void
frame_check_bounds(const struct frame *f)
{
    ovs_assert(f->buf.data - f->buf.headroom == f->base);
    ovs_assert(f->buf.headroom + f->buf.len + f->buf.tailroom == f->size);
}

static void
frames_check_same(const struct frame *a, const struct frame *b)
{
    ovs_assert(a->buf.len == b->buf.len);
    ovs_assert(!memcmp(a->buf.data, b->buf.data, a->buf.len));
}

static void
check_tx_result(const struct frame *f, const struct ipoib_tx_result *r)
{
    ovs_assert(f->buf.len >= IPOIB_ENCAP_LEN);
    ovs_assert(ipoib_get_be16(f->buf.data) == r->ether_type);
    ovs_assert(r->vif && r->vif->qpn);
    ovs_assert(r->multicast == ipoib_hwaddr_is_multicast(&r->dst));
    ovs_assert(r->multicast || r->neigh);
}

static void
check_rx_result(const struct frame *f, const struct ipoib_rx_result *r,
                const struct ipoib_rx_meta *m)
{
    ovs_assert(f->buf.len >= ETH_HEADER_LEN);
    ovs_assert(r->neigh);
    ovs_assert(m->multicast ? !r->vif : r->vif && r->vif->qpn == m->dqpn);
}

/* Translates the same frame in 'x[0]' (fast paths) and 'x[1]' (general
 * path only). */
static void
run_tx(struct ipoib_xlate *x[2], const uint8_t *data, size_t len, bool tso,
       bool to_last_sender, long long now)
{
    struct frame f[2];
    struct ipoib_tx_result r[2];
    enum ipoib_drop drop[2];

    for (int i = 0; i < 2; i++) {
        frame_init(&f[i], data, len, tso);
        if (to_last_sender && len >= ETH_ADDR_LEN) {
            memcpy(f[i].buf.data, &last_sender, ETH_ADDR_LEN);
        }
        memset(&r[i], 0, sizeof r[i]);
        drop[i] = ipoib_xlate_tx(x[i], &f[i].buf, now, &r[i]);
        ovs_assert(drop[i] < IPOIB_N_DROPS);
        frame_check_bounds(&f[i]);
    }
    trace("tx", len, drop[0]);
    ovs_assert(drop[0] == drop[1]);
    if (drop[0] == IPOIB_DROP_NONE) {
        frames_check_same(&f[0], &f[1]);
        check_tx_result(&f[0], &r[0]);
        ovs_assert(ipoib_hwaddr_equals(&r[0].dst, &r[1].dst));
    }
    for (int i = 0; i < 2; i++) {
        free(f[i].base);
    }
}

static void
run_rx(struct ipoib_xlate *x[2], const uint8_t *data, size_t len,
       long long now)
{
    struct ipoib_rx_meta m;
    struct frame f[2];
    struct ipoib_rx_result r[2];
    enum ipoib_drop drop[2];

    if (len < RX_META_LEN) {
        return;
    }
    rx_meta_from(data, x[0]->pkey, &m);
    for (int i = 0; i < 2; i++) {
        frame_init(&f[i], data + RX_META_LEN, len - RX_META_LEN, false);
        memset(&r[i], 0, sizeof r[i]);
        drop[i] = ipoib_xlate_rx(x[i], &f[i].buf, &m, now, &r[i]);
        ovs_assert(drop[i] < IPOIB_N_DROPS);
        frame_check_bounds(&f[i]);
    }
    trace("rx", len - RX_META_LEN, drop[0]);
    ovs_assert(drop[0] == drop[1]);
    if (drop[0] == IPOIB_DROP_NONE) {
        frames_check_same(&f[0], &f[1]);
        check_rx_result(&f[0], &r[0], &m);
        ovs_assert(r[0].ether_type == r[1].ether_type);
        memcpy(&last_sender, f[0].buf.data + ETH_ADDR_LEN, ETH_ADDR_LEN);
    }
    for (int i = 0; i < 2; i++) {
        free(f[i].base);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct port ports[2];
    long long now = 1000;

    port_init(&ports[0], false);
    port_init(&ports[1], true);
    last_sender = eth_addr_zero;
    while (size >= 3) {
        uint8_t op = data[0];
        size_t len = MIN(ipoib_get_be16(data + 1), size - 3);

        int part = (op & 8) != 0;
        struct ipoib_xlate *x[2] = { &ports[0].parts[part].x,
                                     &ports[1].parts[part].x };

        data += 3;
        size -= 3;
        if (op & 1) {
            run_rx(x, data, len, now);
        } else {
            run_tx(x, data, len, (op & 2) != 0, (op & 4) != 0, now);
        }
        data += len;
        size -= len;
        now += op >> 4;
    }
    port_destroy(&ports[0]);
    port_destroy(&ports[1]);
    return 0;
}
