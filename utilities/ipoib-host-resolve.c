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
#include <string.h>
#include "csum.h"
#include "lib/ipoib-arp.h"
#include "lib/ipoib-bytes.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_host_resolve);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* IPv6 and ICMPv6 neighbor discovery (RFC 4861), with the IPoIB link-layer
 * address option (RFC 4391 section 8): type, length 3 (24 bytes), 2 pad
 * bytes, the 20-byte address. */
#define IPV6_HDR_LEN 40
#define ICMPV6_PROTO 58
#define ND_HOP_LIMIT 255
#define ND_NS 135
#define ND_NA 136
#define ND_BODY_LEN 24              /* Type to the end of the target. */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_UNIT 8
#define ND_OPT_LL_UNITS 3
#define ND_OPT_LL_LEN (ND_OPT_UNIT * ND_OPT_LL_UNITS)
#define ND_OPT_LL_PAD 2
#define ND_NA_F_SOLICITED 0x40
#define ND_NA_F_OVERRIDE 0x20

static const struct in6_addr all_nodes = {
    .s6_addr = { 0xff, 0x02, [15] = 0x01 } };

/* ARP. */

static void
send_arp(struct ipoib_host *h, const struct ipoib_arp_ib *arp,
         struct host_neigh *to)
{
    struct ofpbuf *packet = host_packet_new(HOST_ETH_TYPE_ARP,
                                            IPOIB_ARP_IB_LEN);

    ipoib_arp_ib_encode(ofpbuf_put_uninit(packet, IPOIB_ARP_IB_LEN), arp);
    if (to) {
        host_output_neigh(h, to, packet);
    } else {
        host_output_mcast(h, &h->bcast_mgid, packet);
    }
}

static void
send_arp_request(struct ipoib_host *h, uint32_t spa, uint32_t tpa)
{
    struct ipoib_arp_ib arp = {
        .op = IPOIB_ARP_OP_REQUEST,
        .sha = h->hwaddr,
        .spa = spa,
        .tpa = tpa,
    };

    send_arp(h, &arp, NULL);
}

/* Records that 'ip' is at 'hwaddr'; creates the entry if 'create'.
 * Returns the entry, or NULL. */
static struct host_neigh *
learn(struct ipoib_host *h, const struct in6_addr *ip,
      const struct ipoib_hwaddr *hwaddr, bool create)
{
    struct host_neigh *n = host_neigh_find(&h->neighs, ip);
    long long int now = time_msec();

    if (!n && create) {
        n = host_neigh_create(&h->neighs, ip, now);
    }
    if (n) {
        if (host_neigh_update(n, hwaddr, now)) {
            char ip_s[INET6_ADDRSTRLEN], hw_s[IPOIB_HWADDR_STRLEN];
            VLOG_DBG("%s: %s is at %s", h->name,
                     host_neigh_ip_format(ip, ip_s),
                     ipoib_hwaddr_format(hwaddr, hw_s));
        }
        host_neigh_flush(h, n);
    }
    return n;
}

/* A hardware address a neighbor may have: a unicast QPN on a unicast
 * GID. */
static bool
hwaddr_is_unicast(const struct ipoib_hwaddr *hwaddr)
{
    uint32_t qpn = ipoib_hwaddr_qpn(hwaddr);

    return (!ipoib_hwaddr_is_multicast(hwaddr) && qpn
            && qpn != IB_MULTICAST_QPN);
}

void
host_arp_input(struct ipoib_host *h, const uint8_t *body, size_t len)
{
    struct ipoib_arp_ib arp;
    struct in6_addr sender, target;

    h->counters[HOST_C_RX_ARP]++;
    if (ipoib_arp_ib_decode(body, len, &arp) != IPOIB_ARP_OK
        || (arp.op != IPOIB_ARP_OP_REQUEST && arp.op != IPOIB_ARP_OP_REPLY)
        || !hwaddr_is_unicast(&arp.sha)) {
        h->counters[HOST_C_RX_MALFORMED]++;
        return;
    }
    if (!arp.spa) {
        return;                 /* A probe (RFC 5227): nothing to learn. */
    }
    host_neigh_ip_from_ipv4(&sender, arp.spa);
    host_neigh_ip_from_ipv4(&target, arp.tpa);
    bool for_us = (arp.op == IPOIB_ARP_OP_REQUEST
                   && host_addrs_has(&h->addrs, &target));
    struct host_neigh *n = learn(h, &sender, &arp.sha, for_us);
    if (for_us && n) {
        struct ipoib_arp_ib reply = {
            .op = IPOIB_ARP_OP_REPLY,
            .sha = h->hwaddr,
            .spa = arp.tpa,
            .tha = arp.sha,
            .tpa = arp.spa,
        };
        send_arp(h, &reply, n);
    }
}

/* IPv6 neighbor discovery. */

/* Fills in the ICMPv6 checksum of the packet at 'ip6'. */
static void
icmp6_set_csum(uint8_t *ip6, size_t icmp_len)
{
    uint8_t pseudo[40];
    uint32_t partial;

    memcpy(pseudo, ip6 + 8, 32);
    memset(pseudo + 32, 0, 8);
    pseudo[34] = icmp_len >> 8;
    pseudo[35] = icmp_len;
    pseudo[39] = ICMPV6_PROTO;
    uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    icmp[2] = icmp[3] = 0;
    partial = csum_continue(0, pseudo, sizeof pseudo);
    partial = csum_continue(partial, icmp, icmp_len);
    ovs_be16 sum = csum_finish(partial);
    memcpy(icmp + 2, &sum, 2);
}

static bool
icmp6_csum_ok(const uint8_t *ip6, size_t icmp_len)
{
    uint8_t pseudo[40];
    uint32_t partial;

    memcpy(pseudo, ip6 + 8, 32);
    memset(pseudo + 32, 0, 8);
    pseudo[34] = icmp_len >> 8;
    pseudo[35] = icmp_len;
    pseudo[39] = ICMPV6_PROTO;
    partial = csum_continue(0, pseudo, sizeof pseudo);
    partial = csum_continue(partial, ip6 + IPV6_HDR_LEN, icmp_len);
    return !csum_finish(partial);
}

/* Sends an NS (type 135) or NA (136) for 'target' from 'src' to 'dst',
 * carrying our address in a link-layer option; through 'to' if nonnull,
 * else to 'dst''s multicast group. */
static void
send_nd(struct ipoib_host *h, uint8_t type, uint8_t flags,
        const struct in6_addr *src, const struct in6_addr *dst,
        const struct in6_addr *target, struct host_neigh *to)
{
    size_t icmp_len = ND_BODY_LEN + ND_OPT_LL_LEN;
    struct ofpbuf *packet = host_packet_new(HOST_ETH_TYPE_IPV6,
                                            IPV6_HDR_LEN + icmp_len);
    uint8_t *ip6 = ofpbuf_put_zeros(packet, IPV6_HDR_LEN + icmp_len);
    uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    uint8_t *opt = icmp + ND_BODY_LEN;

    ip6[0] = 0x60;
    ipoib_put_be16(ip6 + 4, icmp_len);
    ip6[6] = ICMPV6_PROTO;
    ip6[7] = ND_HOP_LIMIT;
    memcpy(ip6 + 8, src, 16);
    memcpy(ip6 + 24, dst, 16);
    icmp[0] = type;
    icmp[4] = flags;
    memcpy(icmp + 8, target, 16);
    opt[0] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
    opt[1] = ND_OPT_LL_UNITS;
    memcpy(opt + 2 + ND_OPT_LL_PAD, h->hwaddr.b, IPOIB_HWADDR_LEN);
    icmp6_set_csum(ip6, icmp_len);

    if (to) {
        host_output_neigh(h, to, packet);
    } else {
        struct ib_gid mgid;

        ipoib_mgid_ipv6(&mgid, h->pkey, h->scope, dst->s6_addr);
        host_output_mcast(h, &mgid, packet);
    }
}

/* Finds the link-layer address option of 'type' among the options in
 * 'opts' (of 'len' bytes).  Returns false if the options are malformed;
 * '*found' says whether there was one. */
static bool
find_ll_option(const uint8_t *opts, size_t len, uint8_t type,
               struct ipoib_hwaddr *hwaddr, bool *found)
{
    *found = false;
    while (len > 0) {
        size_t opt_len;

        if (len < 2 || !opts[1]) {
            return false;
        }
        opt_len = opts[1] * ND_OPT_UNIT;
        if (opt_len > len) {
            return false;
        }
        if (opts[0] == type) {
            if (opts[1] != ND_OPT_LL_UNITS) {
                return false;   /* Not an IPoIB address. */
            }
            memcpy(hwaddr->b, opts + 2 + ND_OPT_LL_PAD, IPOIB_HWADDR_LEN);
            *found = true;
        }
        opts += opt_len;
        len -= opt_len;
    }
    return true;
}

static void
ns_input(struct ipoib_host *h, const struct in6_addr *src,
         const struct in6_addr *target, const struct ipoib_hwaddr *slla)
{
    bool for_us = host_addrs_has(&h->addrs, target);
    struct host_neigh *n = NULL;

    if (!IN6_IS_ADDR_UNSPECIFIED(src) && slla) {
        n = learn(h, src, slla, for_us);
    }
    if (!for_us) {
        return;
    }
    if (IN6_IS_ADDR_UNSPECIFIED(src)) {
        /* Someone's duplicate address detection: defend the address. */
        send_nd(h, ND_NA, ND_NA_F_OVERRIDE, target, &all_nodes, target,
                NULL);
        return;
    }
    uint8_t flags = ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE;
    if (n) {
        send_nd(h, ND_NA, flags, target, src, target, n);
    } else {
        /* No address in the solicitation: resolve the sender first. */
        struct host_neigh *m = host_neigh_find(&h->neighs, src);
        if (!m) {
            m = host_neigh_create(&h->neighs, src, time_msec());
            if (m) {
                host_solicit(h, m);
            }
        }
        if (m) {
            send_nd(h, ND_NA, flags, target, src, target, m);
        }
    }
}

static void
na_input(struct ipoib_host *h, const struct in6_addr *target,
         const struct ipoib_hwaddr *tlla)
{
    if (host_addrs_has(&h->addrs, target)) {
        char ip_s[INET6_ADDRSTRLEN];
        VLOG_WARN_RL(&rl, "%s: another host claims our address %s",
                     h->name, inet_ntop(AF_INET6, target, ip_s,
                                        sizeof ip_s));
        return;
    }
    if (tlla) {
        learn(h, target, tlla, false);
    }
}

bool
host_nd_input(struct ipoib_host *h, const uint8_t *ip6, size_t len)
{
    const uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    size_t icmp_len = len - IPV6_HDR_LEN;

    if (ip6[6] != ICMPV6_PROTO || icmp_len < 1
        || (icmp[0] != ND_NS && icmp[0] != ND_NA)) {
        return false;
    }
    h->counters[HOST_C_RX_ND]++;

    struct ipoib_hwaddr lla;
    bool has_lla;
    if (icmp_len < ND_BODY_LEN || ip6[7] != ND_HOP_LIMIT || icmp[1]
        || !icmp6_csum_ok(ip6, icmp_len)
        || !find_ll_option(icmp + ND_BODY_LEN, icmp_len - ND_BODY_LEN,
                           icmp[0] == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA,
                           &lla, &has_lla)
        || (has_lla && !hwaddr_is_unicast(&lla))) {
        h->counters[HOST_C_RX_MALFORMED]++;
        return true;
    }

    struct in6_addr src, target;
    memcpy(&src, ip6 + 8, sizeof src);
    memcpy(&target, icmp + 8, sizeof target);
    if (icmp[0] == ND_NS) {
        ns_input(h, &src, &target, has_lla ? &lla : NULL);
    } else {
        na_input(h, &target, has_lla ? &lla : NULL);
    }
    return true;
}

/* Solicitations and announcements. */

void
host_solicit(struct ipoib_host *h, struct host_neigh *n)
{
    struct in6_addr src;

    n->n_probes++;
    n->next_probe = time_msec() + HOST_NEIGH_PROBE_MS;
    if (!host_addrs_pick_source(&h->addrs, &n->ip, &src)) {
        return;                 /* No address to ask from: it will fail. */
    }
    if (host_neigh_ip_is_ipv4(&n->ip)) {
        uint32_t spa, tpa;

        memcpy(&spa, &src.s6_addr[12], 4);
        memcpy(&tpa, &n->ip.s6_addr[12], 4);
        send_arp_request(h, spa, tpa);
    } else {
        struct in6_addr group;

        host_addrs_solicited_node(&n->ip, &group);
        send_nd(h, ND_NS, 0, &src, &group, &n->ip, NULL);
    }
}

void
host_announce(struct ipoib_host *h, const struct in6_addr *ip)
{
    if (host_neigh_ip_is_ipv4(ip)) {
        uint32_t ipv4;

        memcpy(&ipv4, &ip->s6_addr[12], 4);
        send_arp_request(h, ipv4, ipv4);
    } else {
        send_nd(h, ND_NA, ND_NA_F_OVERRIDE, ip, &all_nodes, ip, NULL);
    }
}

void
host_resolve_run(struct ipoib_host *h, long long int now)
{
    struct host_neigh *n;

    HOST_NEIGH_FOR_EACH (n, &h->neighs) {
        if (n->state != HOST_NEIGH_INCOMPLETE || now < n->next_probe) {
            continue;
        }
        if (n->n_probes >= HOST_NEIGH_MAX_PROBES) {
            n->state = HOST_NEIGH_FAILED;
            n->updated = now;
            h->counters[HOST_C_TX_NO_NEIGH] += host_pktq_clear(&n->pending);
        } else {
            host_solicit(h, n);
        }
    }
}
