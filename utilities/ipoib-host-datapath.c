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
#include "utilities/ipoib-host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "lib/ipoib-bytes.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_host_datapath);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Packets handled per direction per main loop iteration. */
#define BATCH 32

/* Receive buffers: the largest IB MTU. */
#define RX_BUF_SIZE 4096

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define IPPROTO_ICMPV6_NUM 58
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136

const char *
host_counter_name(enum host_counter c)
{
    static const char *const names[] = {
#define HOST_COUNTER(ENUM, NAME) NAME,
        HOST_COUNTERS
#undef HOST_COUNTER
    };

    return c < ARRAY_SIZE(names) ? names[c] : "?";
}

struct ofpbuf *
host_packet_new(uint16_t ethertype, size_t payload_len)
{
    struct ofpbuf *packet = ofpbuf_new(HOST_IPOIB_HDR_LEN + payload_len);
    uint8_t *hdr = ofpbuf_put_zeros(packet, HOST_IPOIB_HDR_LEN);

    hdr[0] = ethertype >> 8;
    hdr[1] = ethertype;
    return packet;
}

/* Sends 'packet' as one UD datagram and frees it. */
static void
send_ud(struct ipoib_host *h, struct ofpbuf *packet, uint16_t dlid,
        uint32_t dqpn, uint8_t sl, const struct ib_gid *mgid)
{
    struct ipoib_tx_desc d = {
        .src_qpn = h->qpn,
        .dlid = dlid,
        .dqpn = dqpn,
        .qkey = h->bcast.qkey,
        .pkey = h->port_pkey,
        .sl = sl,
        .global = mgid != NULL,
        .data = packet->data,
        .len = packet->size,
    };

    if (mgid) {
        d.dgid = *mgid;
    }
    if (h->tc->send(h->port, &d, 1) == 1) {
        h->counters[HOST_C_TX_PACKETS]++;
    } else {
        h->counters[HOST_C_TX_SEND_FAILED]++;
    }
    ofpbuf_delete(packet);
}

/* Returns true if 'packet' fits an IB MTU of 'ib_mtu'; counts it if not. */
static bool
fits(struct ipoib_host *h, const struct ofpbuf *packet, uint32_t ib_mtu)
{
    if (packet->size > ib_mtu) {
        h->counters[HOST_C_TX_TOO_BIG]++;
        return false;
    }
    return true;
}

void
host_neigh_flush(struct ipoib_host *h, struct host_neigh *n)
{
    const struct host_path *p;
    struct ib_gid gid;

    if (n->state != HOST_NEIGH_REACHABLE || !n->pending.n) {
        return;
    }
    ipoib_hwaddr_gid(&n->hwaddr, &gid);
    p = host_link_path(h, &gid);
    if (!p) {
        return;                 /* The path answer will flush. */
    }

    struct ofpbuf *packet;
    while ((packet = host_pktq_pop(&n->pending)) != NULL) {
        if (fits(h, packet, p->path.ib_mtu)) {
            send_ud(h, packet, p->path.dlid, ipoib_hwaddr_qpn(&n->hwaddr),
                    p->path.sl, NULL);
        } else {
            ofpbuf_delete(packet);
        }
    }
}

void
host_output_neigh(struct ipoib_host *h, struct host_neigh *n,
                  struct ofpbuf *packet)
{
    if (n->state == HOST_NEIGH_FAILED) {
        h->counters[HOST_C_TX_NO_NEIGH]++;
        ofpbuf_delete(packet);
        return;
    }
    if (!host_pktq_push(&n->pending, packet)) {
        h->counters[HOST_C_TX_QUEUE_FULL]++;
        return;
    }
    /* Usually sends it at once: the queue is only a waiting room. */
    host_neigh_flush(h, n);
}

void
host_output_unicast(struct ipoib_host *h, const struct in6_addr *ip,
                    struct ofpbuf *packet)
{
    struct host_neigh *n = host_neigh_find(&h->neighs, ip);

    if (!n) {
        n = host_neigh_create(&h->neighs, ip, time_msec());
        if (!n) {
            h->counters[HOST_C_TX_NO_NEIGH]++;
            ofpbuf_delete(packet);
            return;
        }
        host_output_neigh(h, n, packet);
        host_solicit(h, n);
        return;
    }
    host_output_neigh(h, n, packet);
}

void
host_group_flush(struct ipoib_host *h, struct host_group *g)
{
    struct ofpbuf *packet;

    if (g->state != HOST_GROUP_JOINED) {
        return;
    }
    while ((packet = host_pktq_pop(&g->pending)) != NULL) {
        if (fits(h, packet, g->group.ib_mtu)) {
            send_ud(h, packet, g->group.mlid, IB_MULTICAST_QPN, g->group.sl,
                    &g->mgid);
        } else {
            ofpbuf_delete(packet);
        }
    }
}

void
host_output_mcast(struct ipoib_host *h, const struct ib_gid *mgid,
                  struct ofpbuf *packet)
{
    if (ib_gid_equals(mgid, &h->bcast_mgid)) {
        if (fits(h, packet, h->bcast.ib_mtu)) {
            send_ud(h, packet, h->bcast.mlid, IB_MULTICAST_QPN, h->bcast.sl,
                    mgid);
        } else {
            ofpbuf_delete(packet);
        }
        return;
    }

    struct host_group *g = host_group_get(&h->groups, mgid);
    if (!g) {
        h->counters[HOST_C_TX_NO_GROUP]++;
        ofpbuf_delete(packet);
        return;
    }
    g->used = time_msec();
    if (!host_pktq_push(&g->pending, packet)) {
        h->counters[HOST_C_TX_QUEUE_FULL]++;
        return;
    }
    if (g->state == HOST_GROUP_JOINED) {
        host_group_flush(h, g);
    } else if (host_group_needs_join(g, time_msec(), HOST_GROUP_RETRY_MS)) {
        /* New, or failed a while ago: a new packet is worth a new try. */
        host_link_join(h, g);
    }
}

/* From the kernel. */

/* Sends 'packet' towards unicast 'dst' through its next hop. */
static void
output_routed(struct ipoib_host *h, const struct in6_addr *dst,
              struct ofpbuf *packet)
{
    struct in6_addr nexthop;

    if (!host_route_nexthop(&h->routes, &h->addrs, dst, time_msec(),
                            &nexthop)) {
        h->counters[HOST_C_TX_NO_ROUTE]++;
        ofpbuf_delete(packet);
        return;
    }
    host_output_unicast(h, &nexthop, packet);
}

/* Sends the IPv4 packet in 'packet' (after the IPoIB header). */
static void
output_ipv4(struct ipoib_host *h, struct ofpbuf *packet, const uint8_t *ip)
{
    uint32_t dst_be;
    struct ib_gid mgid;

    memcpy(&dst_be, ip + 16, 4);
    if (IN_MULTICAST(ntohl(dst_be))) {
        ipoib_mgid_ipv4(&mgid, h->pkey, h->scope, dst_be);
        host_output_mcast(h, &mgid, packet);
    } else if (host_addrs_is_ipv4_broadcast(&h->addrs, dst_be)) {
        host_output_mcast(h, &h->bcast_mgid, packet);
    } else {
        struct in6_addr dst;

        host_neigh_ip_from_ipv4(&dst, dst_be);
        output_routed(h, &dst, packet);
    }
}

/* Returns true if 'ip6' (of 'len' bytes) is a neighbor solicitation or
 * advertisement: the kernel sends none on a NOARP device, and the host
 * does neighbor discovery itself. */
static bool
is_nd(const uint8_t *ip6, size_t len)
{
    return (ip6[6] == IPPROTO_ICMPV6_NUM && len > IPV6_HDR_LEN
            && (ip6[IPV6_HDR_LEN] == ND_NEIGHBOR_SOLICIT
                || ip6[IPV6_HDR_LEN] == ND_NEIGHBOR_ADVERT));
}

static void
output_ipv6(struct ipoib_host *h, struct ofpbuf *packet, const uint8_t *ip6)
{
    struct in6_addr dst;

    memcpy(&dst, ip6 + 24, sizeof dst);
    if (dst.s6_addr[0] == 0xff) {
        struct ib_gid mgid;

        ipoib_mgid_ipv6(&mgid, h->pkey, h->scope, dst.s6_addr);
        host_output_mcast(h, &mgid, packet);
    } else {
        output_routed(h, &dst, packet);
    }
}

/* Handles one IP packet of 'len' bytes from the kernel. */
static void
tun_input(struct ipoib_host *h, const uint8_t *data, size_t len)
{
    int version = len ? data[0] >> 4 : 0;
    struct ofpbuf *packet;

    if (h->link != HOST_LINK_UP) {
        h->counters[HOST_C_TX_LINK_DOWN]++;
        return;
    }
    if (version == 4 && len >= IPV4_HDR_LEN) {
        packet = host_packet_new(HOST_ETH_TYPE_IPV4, len);
        ofpbuf_put(packet, data, len);
        output_ipv4(h, packet, data);
    } else if (version == 6 && len >= IPV6_HDR_LEN) {
        if (is_nd(data, len)) {
            h->counters[HOST_C_TX_KERNEL_ND]++;
            return;
        }
        packet = host_packet_new(HOST_ETH_TYPE_IPV6, len);
        ofpbuf_put(packet, data, len);
        output_ipv6(h, packet, data);
    } else {
        h->counters[HOST_C_TX_MALFORMED]++;
    }
}

static void
tun_run(struct ipoib_host *h)
{
    static uint8_t buf[65536];

    for (int i = 0; i < BATCH; i++) {
        ssize_t n = host_tun_read(&h->tun, buf, sizeof buf);

        if (n < 0) {
            if (n != -EAGAIN) {
                VLOG_WARN_RL(&rl, "%s: read from %s failed (%s)", h->name,
                             h->tun.name, ovs_strerror(-n));
            }
            return;
        }
        tun_input(h, buf, n);
    }
}

/* From the fabric. */

/* Returns the length of the IPv4 packet at 'ip' if its header is sound
 * and it fits in 'len' bytes, else 0. */
static size_t
ipv4_length(const uint8_t *ip, size_t len)
{
    size_t ihl, total;

    if (len < IPV4_HDR_LEN || ip[0] >> 4 != 4) {
        return 0;
    }
    ihl = (ip[0] & 0xf) * 4;
    total = ipoib_get_be16(ip + 2);
    return ihl >= IPV4_HDR_LEN && total >= ihl && total <= len ? total : 0;
}

static size_t
ipv6_length(const uint8_t *ip6, size_t len)
{
    size_t total;

    if (len < IPV6_HDR_LEN || ip6[0] >> 4 != 6) {
        return 0;
    }
    total = IPV6_HDR_LEN + ipoib_get_be16(ip6 + 4);
    return total <= len ? total : 0;
}

static void
deliver(struct ipoib_host *h, const uint8_t *ip, size_t len)
{
    int error = host_tun_write(&h->tun, ip, len);

    if (error) {
        h->counters[HOST_C_RX_TUN_ERRORS]++;
        VLOG_WARN_RL(&rl, "%s: write to %s failed (%s)", h->name,
                     h->tun.name, ovs_strerror(error));
    }
}

/* Handles the payload of one IPoIB datagram with 'ethertype'. */
static void
ipoib_input(struct ipoib_host *h, uint16_t ethertype, const uint8_t *data,
            size_t len)
{
    size_t ip_len;

    switch (ethertype) {
    case HOST_ETH_TYPE_IPV4:
        ip_len = ipv4_length(data, len);
        if (!ip_len) {
            h->counters[HOST_C_RX_MALFORMED]++;
            return;
        }
        deliver(h, data, ip_len);
        break;

    case HOST_ETH_TYPE_IPV6:
        ip_len = ipv6_length(data, len);
        if (!ip_len) {
            h->counters[HOST_C_RX_MALFORMED]++;
            return;
        }
        if (!host_nd_input(h, data, ip_len)) {
            deliver(h, data, ip_len);
        }
        break;

    case HOST_ETH_TYPE_ARP:
        host_arp_input(h, data, len);
        break;

    default:
        h->counters[HOST_C_RX_UNKNOWN_PROTO]++;
        break;
    }
}

static void
rx_input(struct ipoib_host *h, const struct ipoib_rx_desc *d)
{
    h->counters[HOST_C_RX_PACKETS]++;
    if (d->len < HOST_IPOIB_HDR_LEN) {
        h->counters[HOST_C_RX_RUNT]++;
        return;
    }
    /* Multicast comes back to its sender's own QP, as on an HCA. */
    if (d->multicast && d->sqpn == h->qpn && d->slid == h->attr.lid) {
        h->counters[HOST_C_RX_OWN]++;
        return;
    }
    ipoib_input(h, ipoib_get_be16(d->buf), d->buf + HOST_IPOIB_HDR_LEN,
                d->len - HOST_IPOIB_HDR_LEN);
}

static void
fabric_run(struct ipoib_host *h)
{
    static uint8_t bufs[BATCH][RX_BUF_SIZE];
    struct ipoib_rx_desc descs[BATCH];
    int n;

    for (int i = 0; i < BATCH; i++) {
        descs[i].buf = bufs[i];
        descs[i].buf_size = RX_BUF_SIZE;
    }
    n = h->tc->recv(h->port, descs, BATCH);
    for (int i = 0; i < n; i++) {
        if (h->link == HOST_LINK_UP) {
            rx_input(h, &descs[i]);
        } else {
            h->counters[HOST_C_RX_LINK_DOWN]++;
        }
    }
}

void
host_datapath_run(struct ipoib_host *h)
{
    fabric_run(h);
    tun_run(h);
}

void
host_datapath_wait(struct ipoib_host *h)
{
    h->tc->recv_wait(h->port);
    host_tun_wait(&h->tun);
}
