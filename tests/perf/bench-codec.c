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

/* Codec micro-benchmark (issue 6): nanoseconds per packet for Ethernet ->
 * IPoIB encapsulation (ipoib_xlate_tx) and IPoIB -> Ethernet decapsulation
 * (ipoib_xlate_rx), beside a plain memcpy of the same frame and OVS's own
 * VLAN push + pop on a dp_packet of it, plus heap allocations per packet.
 *
 * Two ports are set up as the netdev sets them up: the local port "L" has
 * VIF A and knows the remote VIF B as a neighbor; the remote port "R" has
 * VIF B and knows A.  L encapsulates what A sends; L decapsulates what R
 * produced from what B sent, with the metadata the transport would report
 * for it.  Translation is in place, so each iteration must start from the
 * same input:
 *
 *   - IPv4: the encapsulated frame is a valid receive from B once its
 *     metadata says so (the IP packet is carried unchanged), and receive
 *     gives back the frame with its MACs swapped; swapping them back
 *     restores the input.  That round trip needs no copy.
 *   - ARP, ND and the per-direction figures: a fresh copy of the input is
 *     written before each call; the time of that copy alone is measured in
 *     the same run and subtracted.
 *
 * The program links with -Wl,--wrap=malloc (and calloc, realloc,
 * posix_memalign), so that every heap allocation made by the code under
 * test, or by OVS's library, is counted. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "lib/ipoib-addr.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "lib/ipoib-xlate.h"
#include "packets.h"
#include "random.h"
#include "util.h"

#define BENCH_NOINLINE __attribute__((noinline))

/* Allocation counting. */

static uint64_t n_allocs;

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
int __real_posix_memalign(void **, size_t, size_t);
void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
int __wrap_posix_memalign(void **, size_t, size_t);

void *
__wrap_malloc(size_t size)
{
    n_allocs++;
    return __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
    n_allocs++;
    return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
    n_allocs++;
    return __real_realloc(p, size);
}

int
__wrap_posix_memalign(void **p, size_t align, size_t size)
{
    n_allocs++;
    return __real_posix_memalign(p, align, size);
}

/* Frames. */

#define FRAME_MAX 4200          /* Largest Ethernet frame built here. */
#define WORK_HEADROOM 128       /* Before the frame in the work buffer. */
#define WORK_SIZE (WORK_HEADROOM + FRAME_MAX + 128)
#define NOW_MS 1000             /* Fixed clock: nothing ages out. */

#define IPV4_A 0x0a000001       /* 10.0.0.1, VIF A. */
#define IPV4_B 0x0a000002       /* 10.0.0.2, VIF B. */

static const struct eth_addr mac_a = ETH_ADDR_C(02, 00, 00, 00, 00, 0a);
static const struct eth_addr mac_b = ETH_ADDR_C(02, 00, 00, 00, 00, 0b);

static uint8_t *
put_eth(uint8_t *p, struct eth_addr dst, struct eth_addr src, uint16_t type)
{
    memcpy(p, dst.ea, ETH_ADDR_LEN);
    memcpy(p + ETH_ADDR_LEN, src.ea, ETH_ADDR_LEN);
    p[12] = type >> 8;
    p[13] = type;
    return p + ETH_HEADER_LEN;
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* An Ethernet frame carrying an IPv4 TCP segment (ACK, 20-byte headers,
 * valid checksums) whose IP total length is 'ip_len'.  Returns the frame's
 * length. */
static size_t
build_ipv4_tcp(uint8_t *frame, struct eth_addr dst, struct eth_addr src,
               uint32_t ip_src, uint32_t ip_dst, size_t ip_len)
{
    uint8_t *ip = put_eth(frame, dst, src, ETH_TYPE_IP);
    uint8_t *tcp = ip + 20;
    size_t tcp_len = ip_len - 20;

    memset(ip, 0, ip_len);
    ip[0] = 0x45;
    put16(ip + 2, ip_len);
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0x4000);      /* Don't fragment. */
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    put32(ip + 12, ip_src);
    put32(ip + 16, ip_dst);
    ovs_be16 ip_csum = csum(ip, 20);
    memcpy(ip + 10, &ip_csum, 2);

    put16(tcp, 40000);
    put16(tcp + 2, 5201);
    put32(tcp + 4, 0x01020304);
    put32(tcp + 8, 0x05060708);
    tcp[12] = 5 << 4;
    tcp[13] = 0x10;             /* ACK. */
    put16(tcp + 14, 65535);
    for (size_t i = 20; i < tcp_len; i++) {
        tcp[i] = i * 7;
    }

    uint8_t pseudo[12] = { 0 };
    memcpy(pseudo, ip + 12, 8);
    pseudo[9] = IPPROTO_TCP;
    put16(pseudo + 10, tcp_len);
    ovs_be16 tcp_csum = csum_finish(csum_continue(csum_continue(0, pseudo,
                                                                12),
                                                  tcp, tcp_len));
    memcpy(tcp + 16, &tcp_csum, 2);
    return ETH_HEADER_LEN + ip_len;
}

/* An Ethernet ARP frame (42 bytes, as a VM's stack hands it over). */
static size_t
build_arp(uint8_t *frame, uint16_t op, struct eth_addr dst,
          struct eth_addr sha, uint32_t spa, struct eth_addr tha,
          uint32_t tpa)
{
    uint8_t *arp = put_eth(frame, dst, sha, ETH_TYPE_ARP);

    put16(arp, 1);              /* Ethernet. */
    put16(arp + 2, ETH_TYPE_IP);
    arp[4] = ETH_ADDR_LEN;
    arp[5] = 4;
    put16(arp + 6, op);
    memcpy(arp + 8, sha.ea, ETH_ADDR_LEN);
    put32(arp + 14, spa);
    memcpy(arp + 18, tha.ea, ETH_ADDR_LEN);
    put32(arp + 24, tpa);
    return ETH_HEADER_LEN + 28;
}

/* fe80::'id' */
static void
link_local(uint8_t ip6[16], uint8_t id)
{
    memset(ip6, 0, 16);
    ip6[0] = 0xfe;
    ip6[1] = 0x80;
    ip6[15] = id;
}

/* An Ethernet frame with an IPv6 Neighbor Solicitation from fe80::'src_id'
 * for fe80::'target_id', sent to the target's solicited-node group, with
 * the source link-layer address option holding 'src'. */
static size_t
build_ns(uint8_t *frame, struct eth_addr src, uint8_t src_id,
         uint8_t target_id)
{
    uint8_t target[16], group[16];
    enum { ICMP_LEN = 24 + 8 };

    link_local(target, target_id);
    memset(group, 0, 16);
    group[0] = 0xff;
    group[1] = 0x02;
    group[11] = 0x01;
    group[12] = 0xff;
    memcpy(group + 13, target + 13, 3);

    struct eth_addr dst = ETH_ADDR_C(33, 33, ff, 00, 00, 00);
    memcpy(dst.ea + 3, target + 13, 3);
    uint8_t *ip6 = put_eth(frame, dst, src, ETH_TYPE_IPV6);
    memset(ip6, 0, 40 + ICMP_LEN);
    ip6[0] = 0x60;
    put16(ip6 + 4, ICMP_LEN);
    ip6[6] = IPPROTO_ICMPV6;
    ip6[7] = 255;
    link_local(ip6 + 8, src_id);
    memcpy(ip6 + 24, group, 16);

    uint8_t *icmp = ip6 + 40;
    icmp[0] = 135;              /* Neighbor Solicitation. */
    memcpy(icmp + 8, target, 16);
    icmp[24] = 1;               /* Source link-layer address, */
    icmp[25] = 1;               /* 8 bytes. */
    memcpy(icmp + 26, src.ea, ETH_ADDR_LEN);

    uint8_t pseudo[40] = { 0 };
    memcpy(pseudo, ip6 + 8, 32);
    put32(pseudo + 32, ICMP_LEN);
    pseudo[39] = IPPROTO_ICMPV6;
    ovs_be16 sum = csum_finish(csum_continue(csum_continue(0, pseudo, 40),
                                             icmp, ICMP_LEN));
    memcpy(icmp + 2, &sum, 2);
    return ETH_HEADER_LEN + 40 + ICMP_LEN;
}

/* Ports. */

struct bench_port {
    struct ipoib_vif_table vifs;
    struct ipoib_neigh_table neighs;
    struct ipoib_xlate xlate;
    struct ipoib_vif *vif;      /* The one VM on this port. */
    struct eth_addr peer_mac;   /* Derived MAC of the other port's VIF. */
};

/* Adds a VIF with a QP to 'port'. */
static struct ipoib_vif *
port_add_vif(struct bench_port *port, struct eth_addr mac, uint32_t qpn)
{
    struct ipoib_vif *vif;
    int error = ipoib_vif_insert(&port->vifs, mac, IPOIB_VLAN_NONE,
                                 IPOIB_VIF_OVSDB, "vm", NOW_MS, &vif);
    if (!error) {
        error = ipoib_vif_set_qp(&port->vifs, vif, qpn, IB_DEFAULT_PKEY);
    }
    if (error) {
        ovs_fatal(error, "cannot set up a VIF");
    }
    return vif;
}

/* Sets up 'port' as the netdev does (tables, defaults, then the port's
 * attributes and an IPoIB MTU for a 4K IB MTU), without VIFs. */
static void
port_init_empty(struct bench_port *port, uint64_t guid, uint16_t lid,
                size_t max_entries)
{
    ipoib_vif_table_init(&port->vifs, max_entries);
    ipoib_neigh_table_init(&port->neighs, max_entries,
                           ipoib_vif_table_has_mac, &port->vifs);
    ipoib_xlate_init(&port->xlate, &port->vifs, &port->neighs);
    port->xlate.pkey = IB_DEFAULT_PKEY;
    port->xlate.scope = IPOIB_SCOPE_LINK_LOCAL;
    port->xlate.mtu = 4092;
    ib_gid_from_parts(&port->xlate.gid, IB_DEFAULT_SUBNET_PREFIX, guid);
    port->xlate.lid = lid;
}

/* Likewise, with one VIF. */
static void
port_init(struct bench_port *port, uint64_t guid, uint16_t lid,
          struct eth_addr vif_mac, uint32_t vif_qpn)
{
    port_init_empty(port, guid, lid, 1024);
    port->vif = port_add_vif(port, vif_mac, vif_qpn);
}

/* Makes 'self' know 'vif' of port 'peer' as a neighbor, with its LID, as a
 * path query would have taught it.  Returns the neighbor's MAC. */
static struct eth_addr
port_learn(struct bench_port *self, const struct bench_port *peer,
           const struct ipoib_vif *vif)
{
    struct ipoib_hwaddr hw;
    struct ipoib_neigh *neigh;

    ipoib_xlate_vif_hwaddr(&peer->xlate, vif, &hw);
    neigh = ipoib_neigh_learn(&self->neighs, &hw, peer->xlate.lid, NOW_MS);
    if (!neigh) {
        ovs_fatal(0, "cannot learn a neighbor");
    }
    return neigh->mac;
}

/* Makes each of 'a' and 'b' know the other's VIF as a neighbor. */
static void
ports_meet(struct bench_port *a, struct bench_port *b)
{
    a->peer_mac = port_learn(a, b, b->vif);
    b->peer_mac = port_learn(b, a, a->vif);
}

/* Benchmark cases. */

struct codec_case {
    const char *name;
    uint8_t eth[FRAME_MAX];     /* What A sends: L encapsulates it. */
    size_t eth_len;
    uint8_t ib[FRAME_MAX];      /* What B sent, encapsulated by R: L
                                 * decapsulates it. */
    size_t ib_len;
    struct ipoib_rx_meta meta;  /* How L's transport reports 'ib'. */
    bool round_trip;            /* 'eth' encapsulated is valid with 'meta'
                                 * and decapsulates to 'eth' with its MACs
                                 * swapped. */
};

/* Lets R encapsulate 'frame' from B and stores it, with the metadata of its
 * arrival at L, as the decapsulation input of 'c'. */
static void
case_set_rx(struct codec_case *c, struct bench_port *r,
            const struct bench_port *l, uint8_t *frame, size_t len)
{
    uint8_t work[WORK_SIZE];
    struct ipoib_tx_result res;
    struct ipoib_buf buf = {
        .data = work + WORK_HEADROOM, .len = len,
        .headroom = WORK_HEADROOM, .tailroom = WORK_SIZE - WORK_HEADROOM - len,
    };
    enum ipoib_drop drop;

    memcpy(buf.data, frame, len);
    drop = ipoib_xlate_tx(&r->xlate, &buf, NOW_MS, &res);
    if (drop) {
        ovs_fatal(0, "%s: remote encapsulation dropped: %s", c->name,
                  ipoib_drop_name(drop));
    }
    memcpy(c->ib, buf.data, buf.len);
    c->ib_len = buf.len;

    /* A unicast arrives without a GRH (same subnet), a multicast with one,
     * as the netdev sends them. */
    memset(&c->meta, 0, sizeof c->meta);
    c->meta.sqpn = res.vif->qpn;
    c->meta.slid = r->xlate.lid;
    c->meta.multicast = res.multicast;
    c->meta.dqpn = res.multicast ? IB_MULTICAST_QPN : l->vif->qpn;
    if (res.multicast) {
        c->meta.has_grh = true;
        c->meta.sgid = r->xlate.gid;
        ipoib_hwaddr_gid(&res.dst, &c->meta.dgid);
    }
}

#define N_CASES 6

static void
cases_build(struct codec_case *cases, struct bench_port *l,
            struct bench_port *r)
{
    static const size_t ip_sizes[3] = { 64, 1500, 4092 };
    static const char *ip_names[3] = { "ipv4-tcp-64", "ipv4-tcp-1500",
                                       "ipv4-tcp-4092" };
    uint8_t frame[FRAME_MAX];
    size_t len;
    int n = 0;

    for (int i = 0; i < 3; i++) {
        struct codec_case *c = &cases[n++];

        c->name = ip_names[i];
        c->eth_len = build_ipv4_tcp(c->eth, l->peer_mac, mac_a, IPV4_A,
                                    IPV4_B, ip_sizes[i]);
        len = build_ipv4_tcp(frame, r->peer_mac, mac_b, IPV4_B, IPV4_A,
                             ip_sizes[i]);
        case_set_rx(c, r, l, frame, len);
        c->round_trip = true;
    }

    struct codec_case *c = &cases[n++];
    c->name = "arp-request";
    c->eth_len = build_arp(c->eth, ARP_OP_REQUEST, eth_addr_broadcast, mac_a,
                           IPV4_A, eth_addr_zero, IPV4_B);
    len = build_arp(frame, ARP_OP_REQUEST, eth_addr_broadcast, mac_b, IPV4_B,
                    eth_addr_zero, IPV4_A);
    case_set_rx(c, r, l, frame, len);

    c = &cases[n++];
    c->name = "arp-reply";
    c->eth_len = build_arp(c->eth, ARP_OP_REPLY, l->peer_mac, mac_a, IPV4_A,
                           l->peer_mac, IPV4_B);
    len = build_arp(frame, ARP_OP_REPLY, r->peer_mac, mac_b, IPV4_B,
                    r->peer_mac, IPV4_A);
    case_set_rx(c, r, l, frame, len);

    c = &cases[n++];
    c->name = "ipv6-nd-ns";
    c->eth_len = build_ns(c->eth, mac_a, 0xa, 0xb);
    len = build_ns(frame, mac_b, 0xb, 0xa);
    case_set_rx(c, r, l, frame, len);
    ovs_assert(n == N_CASES);
}

/* Kernels: each runs 'n' packets.  They are not inlined so that callgrind
 * and perf can tell them apart. */

/* Many flows: port L with VIFs A[0..n-1], which knows the VIFs B[0..n-1]
 * of port R as neighbors; flow i is a 64-byte IPv4 TCP packet from A[i] to
 * B[i], whose round trip (as for one flow) makes L look up A[i], B[i] by
 * MAC, then A[i] by QPN and B[i] by LID and QPN.  The kernels take the
 * flows in turn, so that no two consecutive packets share a lookup: the
 * cost without last-hit cache hits. */
#define FLOW_HEADROOM 64
#define FLOW_SLOT 256           /* Bytes per flow: room + frame + room. */
#define FLOW_IP_LEN 64

struct flow_set {
    size_t n;
    struct bench_port l, r;
    size_t frame_len;
    uint8_t *slots;             /* 'n' work slots of FLOW_SLOT bytes. */
    uint8_t *orig;              /* The frames as built, likewise. */
    struct ipoib_rx_meta *metas;    /* How L's transport reports flow i's
                                     * answer. */
    struct dp_packet **pkts;    /* Flow i's frame, for VLAN push + pop. */
};

struct bench_ctx {
    struct bench_port *l;
    const struct codec_case *c;
    uint8_t *work;              /* WORK_SIZE bytes. */
    struct dp_packet *pkt;      /* The frame, for VLAN push + pop. */
    struct flow_set *flows;     /* For the *_flows kernels. */
};

/* Keeps the compiler from dropping or merging copies nobody reads. */
static inline void
clobber(void)
{
    asm volatile("" ::: "memory");
}

static struct ipoib_buf
work_buf(const struct bench_ctx *ctx, size_t ofs, size_t len)
{
    struct ipoib_buf buf = {
        .data = ctx->work + WORK_HEADROOM + ofs,
        .len = len,
        .headroom = WORK_HEADROOM + ofs,
        .tailroom = WORK_SIZE - WORK_HEADROOM - ofs - len,
    };
    return buf;
}

/* The decapsulation input goes 10 bytes in, so that its output lands where
 * the encapsulation input starts. */
#define IB_OFS (ETH_HEADER_LEN - IPOIB_ENCAP_LEN)

static void BENCH_NOINLINE
k_copy_eth(struct bench_ctx *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(ctx->work + WORK_HEADROOM, ctx->c->eth, ctx->c->eth_len);
        clobber();
    }
}

static void BENCH_NOINLINE
k_copy_ib(struct bench_ctx *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(ctx->work + WORK_HEADROOM + IB_OFS, ctx->c->ib,
               ctx->c->ib_len);
        clobber();
    }
}

static void
check_drop(const struct codec_case *c, const char *what,
           enum ipoib_drop drop)
{
    if (drop) {
        ovs_fatal(0, "%s: %s dropped: %s", c->name, what,
                  ipoib_drop_name(drop));
    }
}

static void BENCH_NOINLINE
k_copy_encap(struct bench_ctx *ctx, size_t n)
{
    struct ipoib_tx_result res;

    for (size_t i = 0; i < n; i++) {
        memcpy(ctx->work + WORK_HEADROOM, ctx->c->eth, ctx->c->eth_len);
        struct ipoib_buf buf = work_buf(ctx, 0, ctx->c->eth_len);
        check_drop(ctx->c, "encap",
                   ipoib_xlate_tx(&ctx->l->xlate, &buf, NOW_MS, &res));
    }
}

static void BENCH_NOINLINE
k_copy_decap(struct bench_ctx *ctx, size_t n)
{
    struct ipoib_rx_result res;

    for (size_t i = 0; i < n; i++) {
        memcpy(ctx->work + WORK_HEADROOM + IB_OFS, ctx->c->ib,
               ctx->c->ib_len);
        struct ipoib_buf buf = work_buf(ctx, IB_OFS, ctx->c->ib_len);
        check_drop(ctx->c, "decap",
                   ipoib_xlate_rx(&ctx->l->xlate, &buf, &ctx->c->meta,
                                  NOW_MS, &res));
    }
}

static void
swap_macs(uint8_t *frame)
{
    uint8_t tmp[ETH_ADDR_LEN];

    memcpy(tmp, frame, ETH_ADDR_LEN);
    memcpy(frame, frame + ETH_ADDR_LEN, ETH_ADDR_LEN);
    memcpy(frame + ETH_ADDR_LEN, tmp, ETH_ADDR_LEN);
}

/* Encapsulates, decapsulates the result as B's answer, swaps the MACs back:
 * the work buffer is then as it was. */
static void BENCH_NOINLINE
k_round_trip(struct bench_ctx *ctx, size_t n)
{
    struct ipoib_tx_result tx_res;
    struct ipoib_rx_result rx_res;

    for (size_t i = 0; i < n; i++) {
        struct ipoib_buf buf = work_buf(ctx, 0, ctx->c->eth_len);
        check_drop(ctx->c, "encap",
                   ipoib_xlate_tx(&ctx->l->xlate, &buf, NOW_MS, &tx_res));
        check_drop(ctx->c, "decap",
                   ipoib_xlate_rx(&ctx->l->xlate, &buf, &ctx->c->meta,
                                  NOW_MS, &rx_res));
        swap_macs(buf.data);
    }
}

static void BENCH_NOINLINE
k_vlan(struct bench_ctx *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        eth_push_vlan(ctx->pkt, htons(ETH_TYPE_VLAN_8021Q), htons(100));
        eth_pop_vlan(ctx->pkt);
    }
}

/* Flow 'f''s frame, in its work slot. */
static inline struct ipoib_buf
flow_buf(const struct flow_set *fs, size_t f)
{
    return (struct ipoib_buf) {
        .data = fs->slots + f * FLOW_SLOT + FLOW_HEADROOM,
        .len = fs->frame_len,
        .headroom = FLOW_HEADROOM,
        .tailroom = FLOW_SLOT - FLOW_HEADROOM - fs->frame_len,
    };
}

/* k_round_trip on flow 'f''s frame. */
static inline void
round_trip_flow(const struct bench_ctx *ctx, struct ipoib_xlate *x,
                size_t f)
{
    const struct flow_set *fs = ctx->flows;
    struct ipoib_tx_result tx_res;
    struct ipoib_rx_result rx_res;
    struct ipoib_buf buf = flow_buf(fs, f);

    check_drop(ctx->c, "encap", ipoib_xlate_tx(x, &buf, NOW_MS, &tx_res));
    check_drop(ctx->c, "decap", ipoib_xlate_rx(x, &buf, &fs->metas[f],
                                               NOW_MS, &rx_res));
    swap_macs(buf.data);
}

/* k_round_trip over the flows of ctx->flows in turn. */
static void BENCH_NOINLINE
k_round_trip_flows(struct bench_ctx *ctx, size_t n)
{
    struct ipoib_xlate *x = &ctx->flows->l.xlate;
    size_t f = 0;

    for (size_t i = 0; i < n; i++) {
        round_trip_flow(ctx, x, f);
        if (++f == ctx->flows->n) {
            f = 0;
        }
    }
}

/* k_vlan over the flows' packets in turn. */
static void BENCH_NOINLINE
k_vlan_flows(struct bench_ctx *ctx, size_t n)
{
    const struct flow_set *fs = ctx->flows;
    size_t f = 0;

    for (size_t i = 0; i < n; i++) {
        eth_push_vlan(fs->pkts[f], htons(ETH_TYPE_VLAN_8021Q), htons(100));
        eth_pop_vlan(fs->pkts[f]);
        if (++f == fs->n) {
            f = 0;
        }
    }
}

/* The frame ('len' bytes at 'data') as OVS's datapath holds it when it
 * runs a push_vlan action: parsed, so that the layer offsets are set. */
static struct dp_packet *
vlan_packet_of(const uint8_t *data, size_t len)
{
    struct dp_packet *pkt;
    struct flow flow;

    pkt = dp_packet_clone_data_with_headroom(data, len, WORK_HEADROOM);
    pkt_metadata_init(&pkt->md, 1);
    flow_extract(pkt, &flow);
    return pkt;
}

static struct dp_packet *
vlan_packet(const struct codec_case *c)
{
    return vlan_packet_of(c->eth, c->eth_len);
}

/* 02:00:'side':00 + the 16-bit 'i'. */
static struct eth_addr
flow_mac(uint8_t side, size_t i)
{
    return (struct eth_addr) { { { 0x02, 0x00, side, 0x00, i >> 8, i } } };
}

static void
flows_init(struct flow_set *fs, size_t n)
{
    ovs_assert(n && n <= 0x10000);
    memset(fs, 0, sizeof *fs);
    fs->n = n;
    port_init_empty(&fs->l, 0x0002c90300000011ULL, 11, n);
    port_init_empty(&fs->r, 0x0002c90300000012ULL, 12, n);
    fs->slots = xzalloc(n * FLOW_SLOT);
    fs->orig = xzalloc(n * FLOW_SLOT);
    fs->metas = xcalloc(n, sizeof *fs->metas);
    fs->pkts = xcalloc(n, sizeof *fs->pkts);

    for (size_t i = 0; i < n; i++) {
        struct eth_addr mac_ai = flow_mac(0x0a, i);
        struct ipoib_vif *a = port_add_vif(&fs->l, mac_ai, 0x1000 + i);
        struct ipoib_vif *b = port_add_vif(&fs->r, flow_mac(0x0b, i),
                                           0x20000 + i);
        struct eth_addr b_at_l = port_learn(&fs->l, &fs->r, b);
        uint8_t *frame = fs->orig + i * FLOW_SLOT + FLOW_HEADROOM;

        fs->frame_len = build_ipv4_tcp(frame, b_at_l, mac_ai, IPV4_A, IPV4_B,
                                       FLOW_IP_LEN);
        memcpy(fs->slots + i * FLOW_SLOT, fs->orig + i * FLOW_SLOT,
               FLOW_SLOT);
        fs->metas[i] = (struct ipoib_rx_meta) {
            .dqpn = a->qpn,
            .sqpn = b->qpn,
            .slid = fs->r.xlate.lid,
        };
        fs->pkts[i] = vlan_packet_of(frame, fs->frame_len);
    }
}

/* The round trips and VLAN push + pop must have left every frame as it
 * was. */
static void
flows_check(const struct flow_set *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        const uint8_t *frame = fs->orig + i * FLOW_SLOT + FLOW_HEADROOM;

        if (memcmp(fs->slots + i * FLOW_SLOT, fs->orig + i * FLOW_SLOT,
                   FLOW_SLOT)) {
            ovs_fatal(0, "flow %"PRIuSIZE": round trip changed the frame",
                      i);
        }
        if (dp_packet_size(fs->pkts[i]) != fs->frame_len
            || memcmp(dp_packet_data(fs->pkts[i]), frame, fs->frame_len)) {
            ovs_fatal(0, "flow %"PRIuSIZE": VLAN push + pop changed the "
                      "frame", i);
        }
    }
}

static void
flows_destroy(struct flow_set *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        dp_packet_delete(fs->pkts[i]);
    }
    free(fs->pkts);
    free(fs->metas);
    free(fs->orig);
    free(fs->slots);
    ipoib_neigh_table_destroy(&fs->l.neighs);
    ipoib_vif_table_destroy(&fs->l.vifs, NULL, NULL);
    ipoib_neigh_table_destroy(&fs->r.neighs);
    ipoib_vif_table_destroy(&fs->r.vifs, NULL, NULL);
}

/* Timing. */

struct measure {
    double ns;                  /* Minimum over the runs, per packet. */
    double allocs;              /* Heap allocations per packet. */
};

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef void kernel_fn(struct bench_ctx *, size_t n);

/* Where the round trip starts: the Ethernet input in the work buffer.  The
 * other single-flow kernels do not care. */
static void
reset_work(struct bench_ctx *ctx)
{
    if (ctx->work) {
        memcpy(ctx->work + WORK_HEADROOM, ctx->c->eth, ctx->c->eth_len);
    }
}

/* Runs the 'n_kernels' kernels 'runs' times each, interleaved (one run of
 * each in turn), so that load from other jobs on a shared machine falls on
 * all of them alike, and sets 'results[i]' to kernel i's minimum. */
static void
measure_interleaved(kernel_fn *const kernels[], struct measure *results[],
                    size_t n_kernels, struct bench_ctx *ctx, size_t n,
                    int runs)
{
    uint64_t allocs[8] = { 0 };

    ovs_assert(n_kernels <= ARRAY_SIZE(allocs));
    for (size_t k = 0; k < n_kernels; k++) {
        reset_work(ctx);
        kernels[k](ctx, n / 10 + 1);    /* Warm the caches and tables. */
        results[k]->ns = 1e300;
    }
    for (int i = 0; i < runs; i++) {
        for (size_t k = 0; k < n_kernels; k++) {
            reset_work(ctx);

            uint64_t allocs0 = n_allocs;
            double t0 = now_ns();
            kernels[k](ctx, n);
            double t1 = now_ns();
            allocs[k] += n_allocs - allocs0;
            results[k]->ns = MIN(results[k]->ns, (t1 - t0) / n);
        }
    }
    for (size_t k = 0; k < n_kernels; k++) {
        results[k]->allocs = (double) allocs[k] / ((double) n * runs);
    }
}

/* The round trip must have left the input as it was. */
static void
check_restored(const struct bench_ctx *ctx)
{
    if (memcmp(ctx->work + WORK_HEADROOM, ctx->c->eth, ctx->c->eth_len)) {
        ovs_fatal(0, "%s: round trip changed the frame", ctx->c->name);
    }
    if (dp_packet_size(ctx->pkt) != ctx->c->eth_len
        || memcmp(dp_packet_data(ctx->pkt), ctx->c->eth, ctx->c->eth_len)) {
        ovs_fatal(0, "%s: VLAN push + pop changed the frame (%"PRIu32")",
                  ctx->c->name, dp_packet_size(ctx->pkt));
    }
}

struct case_result {
    struct measure copy_eth, copy_ib, encap, decap, round_trip, vlan;
};

static void
run_case(struct bench_port *l, const struct codec_case *c, size_t n,
         int runs, struct case_result *res)
{
    struct bench_ctx ctx = {
        .l = l,
        .c = c,
        .work = xmalloc_cacheline(WORK_SIZE),
        .pkt = vlan_packet(c),
    };

    kernel_fn *kernels[] = {
        k_copy_eth, k_copy_ib, k_copy_encap, k_copy_decap, k_vlan,
        k_round_trip,
    };
    struct measure *results[] = {
        &res->copy_eth, &res->copy_ib, &res->encap, &res->decap, &res->vlan,
        &res->round_trip,
    };

    memset(res, 0, sizeof *res);
    measure_interleaved(kernels, results,
                        ARRAY_SIZE(kernels) - !c->round_trip, &ctx, n, runs);
    if (c->round_trip) {
        check_restored(&ctx);
    }

    dp_packet_delete(ctx.pkt);
    free_cacheline(ctx.work);
}

/* Runs one kernel alone, for callgrind or perf. */
static void
run_one(struct bench_port *l, const struct codec_case *c, const char *kernel,
        size_t n, size_t n_flows)
{
    static const struct {
        const char *name;
        kernel_fn *fn;
    } kernels[] = {
        { "copy-eth", k_copy_eth },
        { "copy-ib", k_copy_ib },
        { "encap", k_copy_encap },
        { "decap", k_copy_decap },
        { "round-trip", k_round_trip },
        { "vlan", k_vlan },
        { "round-trip-flows", k_round_trip_flows },
        { "vlan-flows", k_vlan_flows },
    };
    struct flow_set flows;
    struct bench_ctx ctx = {
        .l = l,
        .c = c,
        .work = xmalloc_cacheline(WORK_SIZE),
        .pkt = vlan_packet(c),
        .flows = &flows,
    };

    flows_init(&flows, n_flows);
    memcpy(ctx.work + WORK_HEADROOM, c->eth, c->eth_len);
    for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
        if (!strcmp(kernels[i].name, kernel)) {
            if (kernels[i].fn == k_round_trip && !c->round_trip) {
                ovs_fatal(0, "%s has no round trip", c->name);
            }
            /* Once over every flow first, as the timed runs do, so that
             * callgrind counts the steady state. */
            if (kernels[i].fn == k_round_trip_flows
                || kernels[i].fn == k_vlan_flows) {
                kernels[i].fn(&ctx, n_flows);
            }
            kernels[i].fn(&ctx, n);
            flows_destroy(&flows);
            dp_packet_delete(ctx.pkt);
            free_cacheline(ctx.work);
            return;
        }
    }
    ovs_fatal(0, "unknown kernel %s", kernel);
}

struct flows_result {
    size_t n_flows;
    struct measure round_trip, vlan;
};

/* Measures the round trip and VLAN push + pop over 'n_flows' flows. */
static void
run_flows(const struct codec_case *c, size_t n_flows, size_t n, int runs,
          struct flows_result *res)
{
    struct flow_set flows;
    struct bench_ctx ctx = { .c = c, .flows = &flows };

    kernel_fn *kernels[] = {
        k_round_trip_flows, k_vlan_flows,
    };
    struct measure *results[] = {
        &res->round_trip, &res->vlan,
    };

    flows_init(&flows, n_flows);
    res->n_flows = n_flows;
    measure_interleaved(kernels, results, ARRAY_SIZE(kernels), &ctx, n,
                        runs);
    flows_check(&flows);
    flows_destroy(&flows);
}

/* Output. */

static double
ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static void
print_results(const struct codec_case *cases,
              const struct case_result *results, size_t n, int runs)
{
    printf("ns/packet, minimum of %d runs of %zu packets, the kernels of "
           "a row interleaved;\nallocs = heap allocations per packet\n",
           runs, n);
    printf("encap/decap: copy-in time of the same run subtracted; "
           "enc+dec: the copy-free round trip where there is one\n\n");
    printf("%-14s %5s %7s %7s %7s %7s %7s %7s %7s %7s %6s\n",
           "case", "bytes", "memcpy", "encap", "decap", "enc+dec",
           "vlan", "/vlan", "/memcpy", "allocs", "vlan-a");
    for (size_t i = 0; i < N_CASES; i++) {
        const struct codec_case *c = &cases[i];
        const struct case_result *r = &results[i];
        double encap = r->encap.ns - r->copy_eth.ns;
        double decap = r->decap.ns - r->copy_ib.ns;
        double both = c->round_trip ? r->round_trip.ns : encap + decap;
        double allocs = r->encap.allocs + r->decap.allocs
                        + r->round_trip.allocs;

        printf("%-14s %5zu %7.1f %7.1f %7.1f %7.1f %7.1f %7.2f %7.2f "
               "%7.3f %6.3f\n",
               c->name, c->eth_len, r->copy_eth.ns, encap, decap, both,
               r->vlan.ns, ratio(both, r->vlan.ns),
               ratio(both, r->copy_eth.ns), allocs, r->vlan.allocs);
    }
}

static void
print_flows(const struct flows_result *res, size_t n_res)
{
    printf("\nipv4-tcp-64 round trip over F flows taken in turn (VIF A[i] "
           "to neighbor B[i]: no two\nconsecutive packets share a lookup, "
           "so F > 1 shows the cost without cache hits);\nVLAN push + pop "
           "over F packets likewise\n\n");
    printf("%6s %7s %7s %7s %7s %6s\n", "flows", "enc+dec", "vlan", "/vlan",
           "allocs", "vlan-a");
    for (size_t i = 0; i < n_res; i++) {
        const struct flows_result *r = &res[i];

        printf("%6"PRIuSIZE" %7.1f %7.1f %7.2f %7.3f %6.3f\n",
               r->n_flows, r->round_trip.ns, r->vlan.ns,
               ratio(r->round_trip.ns, r->vlan.ns), r->round_trip.allocs,
               r->vlan.allocs);
    }
}

static void
usage(void)
{
    printf("usage: bench-codec [--packets=N] [--runs=N] [--flows=F]\n"
           "       bench-codec --case=NAME --kernel=KERNEL [--packets=N] "
           "[--flows=F]\n"
           "KERNEL: copy-eth copy-ib encap decap round-trip vlan "
           "round-trip-flows vlan-flows\n"
           "NAME: ipv4-tcp-64 ipv4-tcp-1500 ipv4-tcp-4092 arp-request "
           "arp-reply ipv6-nd-ns\n"
           "F: flows of the *-flows kernels (default 64; the table: 1, 64 "
           "and 4096,\n   or F alone)\n");
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        { "packets", required_argument, NULL, 'n' },
        { "runs", required_argument, NULL, 'r' },
        { "case", required_argument, NULL, 'c' },
        { "kernel", required_argument, NULL, 'k' },
        { "flows", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *case_name = NULL, *kernel = NULL;
    size_t n = 1000000;
    size_t n_flows = 0;
    int runs = 7;

    set_program_name(argv[0]);
    /* The same hash secrets in the lookup indexes (ipoib-index.h) every
     * run, so that instruction and miss counts repeat exactly. */
    random_set_seed(1);
    for (;;) {
        int opt = getopt_long(argc, argv, "", long_options, NULL);
        if (opt == -1) {
            break;
        }
        switch (opt) {
        case 'n':
            n = strtoull(optarg, NULL, 10);
            break;
        case 'r':
            runs = atoi(optarg);
            break;
        case 'c':
            case_name = optarg;
            break;
        case 'k':
            kernel = optarg;
            break;
        case 'f':
            n_flows = strtoull(optarg, NULL, 10);
            if (!n_flows || n_flows > 0x10000) {
                ovs_fatal(0, "--flows: 1 to 65536");
            }
            break;
        case 'h':
            usage();
            return 0;
        default:
            usage();
            return 1;
        }
    }
    if (!n || runs <= 0 || !case_name != !kernel) {
        usage();
        return 1;
    }

    struct bench_port l, r;
    port_init(&l, 0x0002c90300000001ULL, 1, mac_a, 0x100);
    port_init(&r, 0x0002c90300000002ULL, 2, mac_b, 0x200);
    ports_meet(&l, &r);

    static struct codec_case cases[N_CASES];
    cases_build(cases, &l, &r);

    if (case_name) {
        for (size_t i = 0; i < N_CASES; i++) {
            if (!strcmp(cases[i].name, case_name)) {
                run_one(&l, &cases[i], kernel, n, n_flows ? n_flows : 64);
                return 0;
            }
        }
        ovs_fatal(0, "unknown case %s", case_name);
    }

    /* Shows that the counter sees OVS's and our allocations at all. */
    printf("set-up made %"PRIu64" heap allocations\n", n_allocs);

    static struct case_result results[N_CASES];
    for (size_t i = 0; i < N_CASES; i++) {
        run_case(&l, &cases[i], n, runs, &results[i]);
    }
    print_results(cases, results, n, runs);

    static const size_t flow_counts[] = { 1, 64, 4096 };
    struct flows_result flows_results[ARRAY_SIZE(flow_counts)];
    size_t n_res = 0;
    for (size_t i = 0; i < ARRAY_SIZE(flow_counts); i++) {
        if (!n_flows || n_flows == flow_counts[i]) {
            run_flows(&cases[0], flow_counts[i], n, runs,
                      &flows_results[n_res++]);
        }
    }
    if (n_flows && !n_res) {
        run_flows(&cases[0], n_flows, n, runs, &flows_results[n_res++]);
    }
    print_flows(flows_results, n_res);
    return 0;
}
