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
#include "lib/ipoib-xlate.h"

#include <string.h>
#include "lib/ipoib-arp.h"
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-dhcp.h"
#include "lib/ipoib-mac.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "compiler.h"
#include "packets.h"
#include "util.h"

/* The fast paths (tx_fast_ipv4(), rx_fast_ipv4()) are inlined into the
 * public functions and the general paths kept out of line, so that a
 * packet on a fast path does not pay for saving the registers the general
 * path needs. */
#if __GNUC__
#define NOINLINE __attribute__((__noinline__))
#else
#define NOINLINE
#endif

/* Ethernet framing. */
#define ETH_HDR_LEN 14
#define ETH_VLAN_HDR_LEN 18
#define ETH_TYPE_OFS 12
#define ETH_DST_OFS 0
#define ETH_SRC_OFS 6
#define VLAN_VID_MASK 0x0fff

/* IP headers. */
#define IPV4_MIN_HDR_LEN 20
#define IPV4_TOT_LEN_OFS 2
#define IPV4_DST_OFS 16
#define IPV6_HDR_LEN 40
#define IPV6_PLEN_OFS 4
#define IPV6_NEXT_OFS 6
#define IPV6_SRC_OFS 8
#define IPV6_DST_OFS 24
#define IPV6_MAX_PAYLOAD 65535
#define IP_PROTO_ICMPV6 58

/* IPv6 Neighbor Discovery (RFC 4861) and its IPoIB form (RFC 4391
 * section 9.1.2). */
#define ICMPV6_CSUM_OFS 2
#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_REDIRECT 137
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_OPT_UNIT 8                   /* Option lengths count 8 bytes. */
#define ND_OPT_ETH_UNITS 1              /* type, len, 6-byte MAC. */
#define ND_OPT_IB_UNITS 3               /* type, len, 2 pad, 20-byte addr. */
#define ND_OPT_IB_ADDR_OFS 4
#define ND_OPT_ETH_ADDR_OFS 2
#define ND_OPT_GROWTH ((ND_OPT_IB_UNITS - ND_OPT_ETH_UNITS) * ND_OPT_UNIT)
/* Link-layer options one message may have.  Real messages have one or two;
 * the limit keeps the growth within IPOIB_XLATE_TAILROOM. */
#define ND_MAX_LL_OPTS 4
BUILD_ASSERT_DECL(ND_MAX_LL_OPTS * ND_OPT_GROWTH <= IPOIB_XLATE_TAILROOM);

/* Where options start in each ND message, counted from the ICMPv6 type. */
static size_t
nd_options_offset(uint8_t icmp_type)
{
    switch (icmp_type) {
    case ND_ROUTER_SOLICIT:
        return 8;               /* Header, reserved. */
    case ND_ROUTER_ADVERT:
        return 16;              /* Header, limits, lifetime, 2 timers. */
    case ND_NEIGHBOR_SOLICIT:
    case ND_NEIGHBOR_ADVERT:
        return 24;              /* Header, flags, target address. */
    case ND_REDIRECT:
        return 40;              /* Header, reserved, target, destination. */
    default:
        return 0;
    }
}

const char *
ipoib_drop_name(enum ipoib_drop drop)
{
    switch (drop) {
    case IPOIB_DROP_NONE:
        return "none";
    case IPOIB_DROP_RUNT:
        return "runt";
    case IPOIB_DROP_MALFORMED:
        return "malformed";
    case IPOIB_DROP_PROTO:
        return "proto";
    case IPOIB_DROP_VIF_MISS:
        return "vif_miss";
    case IPOIB_DROP_NEIGH_MISS:
        return "neigh_miss";
    case IPOIB_DROP_OVERSIZE:
        return "oversize";
    case IPOIB_DROP_VLAN:
        return "vlan";
    case IPOIB_DROP_LOOPBACK:
        return "loopback";
    case IPOIB_DROP_NOT_FOR_US:
        return "not_for_us";
    case IPOIB_DROP_SPOOF:
        return "spoof";
    case IPOIB_DROP_NO_ROOM:
        return "no_room";
    case IPOIB_N_DROPS:
        break;
    }
    return "unknown";
}

void
ipoib_xlate_init(struct ipoib_xlate *x, struct ipoib_vif_table *vifs,
                 struct ipoib_neigh_table *neighs)
{
    memset(x, 0, sizeof *x);
    x->pkey = IB_DEFAULT_PKEY;
    x->scope = IPOIB_SCOPE_LINK_LOCAL;
    x->mtu = 2044;
    x->rewrite_nd = true;
    x->vlan = IPOIB_VLAN_NONE;
    x->vifs = vifs;
    x->neighs = neighs;
}

void
ipoib_xlate_vif_hwaddr(const struct ipoib_xlate *x,
                       const struct ipoib_vif *vif, struct ipoib_hwaddr *hw)
{
    ipoib_hwaddr_make(hw, 0, vif->qpn, &x->gid);
}

/* Last-hit caches (struct ipoib_xlate_cache), used by the fast paths and
 * by receive.  Keys:
 *
 *   tx_vif:   the 8 bytes of the frame from the source MAC on, as they lie
 *             in memory (the MAC and the EtherType or TPID), which costs
 *             one load; a hit also needs the VIF's VLAN to be the
 *             context's.
 *   tx_neigh: likewise the 8 bytes from the destination MAC on.
 *   rx_vif:   the DQPN.
 *   rx_neigh: SLID << 32 | SQPN.
 *
 * A hit needs the key and the table's generation: the cached VIF or
 * neighbor is then still in its table, unchanged in what the key asked. */

static inline ALWAYS_INLINE uint64_t
load_u64(const uint8_t *p)
{
    uint64_t value;

    memcpy(&value, p, sizeof value);
    return value;
}

static inline ALWAYS_INLINE bool
cache_hit(const struct ipoib_xlate_cache_entry *e, uint64_t key,
          uint64_t generation)
{
    return e->key == key && e->generation == generation;
}

/* Fills 'e', except in a context that must not use its caches: with
 * 'no_fast_path' they stay empty, so that every lookup misses. */
static inline void
cache_put(const struct ipoib_xlate *x, struct ipoib_xlate_cache_entry *e,
          uint64_t key, uint64_t generation, void *value)
{
    if (value && !x->no_fast_path) {
        e->key = key;
        e->generation = generation;
        e->value = value;
    }
}

/* The VIF of the context's VLAN whose MAC is at 'mac' in a frame with at
 * least 8 bytes from 'mac' on; NULL if none (or the MAC is zero). */
static struct ipoib_vif *
tx_lookup_vif(struct ipoib_xlate *x, const uint8_t *mac)
{
    struct ipoib_xlate_cache_entry *e = &x->cache.tx_vif;
    uint64_t generation = x->vifs->generation;
    uint64_t mac_key = ipoib_mac_bytes_to_u64(mac);

    if (!mac_key) {
        return NULL;
    }
    struct ipoib_vif *vif = ipoib_vif_find_by_key(
        x->vifs, mac_key | ((uint64_t) x->vlan << 48));
    cache_put(x, e, load_u64(mac), generation, vif);
    return vif;
}

static inline ALWAYS_INLINE struct ipoib_vif *
tx_cached_vif(struct ipoib_xlate *x, const uint8_t *mac, bool may_look_up)
{
    const struct ipoib_xlate_cache_entry *e = &x->cache.tx_vif;

    if (OVS_LIKELY(cache_hit(e, load_u64(mac), x->vifs->generation))) {
        struct ipoib_vif *vif = e->value;
        if (OVS_LIKELY(vif->vlan == x->vlan)) {
            return vif;
        }
    }
    return may_look_up ? tx_lookup_vif(x, mac) : NULL;
}

/* The neighbor whose MAC is at 'mac' in a frame with at least 8 bytes from
 * 'mac' on; NULL if none. */
static struct ipoib_neigh *
tx_lookup_neigh(struct ipoib_xlate *x, const uint8_t *mac)
{
    struct ipoib_xlate_cache_entry *e = &x->cache.tx_neigh;
    uint64_t generation = x->neighs->generation;
    struct ipoib_neigh *neigh = ipoib_neigh_find_by_mac_key(
        x->neighs, ipoib_mac_bytes_to_u64(mac));

    cache_put(x, e, load_u64(mac), generation, neigh);
    return neigh;
}

static inline ALWAYS_INLINE struct ipoib_neigh *
tx_cached_neigh(struct ipoib_xlate *x, const uint8_t *mac, bool may_look_up)
{
    const struct ipoib_xlate_cache_entry *e = &x->cache.tx_neigh;

    if (OVS_LIKELY(cache_hit(e, load_u64(mac), x->neighs->generation))) {
        return e->value;
    }
    return may_look_up ? tx_lookup_neigh(x, mac) : NULL;
}

/* The VIF whose QP is 'qpn'. */
static struct ipoib_vif *
rx_lookup_vif(struct ipoib_xlate *x, uint32_t qpn)
{
    struct ipoib_xlate_cache_entry *e = &x->cache.rx_vif;
    struct ipoib_vif *vif = ipoib_vif_find_by_qpn(x->vifs, qpn);

    cache_put(x, e, qpn, x->vifs->generation, vif);
    return vif;
}

static inline ALWAYS_INLINE struct ipoib_vif *
rx_cached_vif(struct ipoib_xlate *x, uint32_t qpn, bool may_look_up)
{
    const struct ipoib_xlate_cache_entry *e = &x->cache.rx_vif;

    if (OVS_LIKELY(cache_hit(e, qpn, x->vifs->generation))) {
        return e->value;
    }
    return may_look_up ? rx_lookup_vif(x, qpn) : NULL;
}

/* The neighbor with LID 'lid' and QPN 'qpn'. */
static struct ipoib_neigh *
rx_lookup_neigh(struct ipoib_xlate *x, uint16_t lid, uint32_t qpn)
{
    struct ipoib_xlate_cache_entry *e = &x->cache.rx_neigh;
    struct ipoib_neigh *neigh = ipoib_neigh_find_by_lid_qpn(x->neighs, lid,
                                                           qpn);

    cache_put(x, e, ((uint64_t) lid << 32) | qpn, x->neighs->generation,
              neigh);
    return neigh;
}

static inline ALWAYS_INLINE struct ipoib_neigh *
rx_cached_neigh(struct ipoib_xlate *x, uint16_t lid, uint32_t qpn,
                bool may_look_up)
{
    const struct ipoib_xlate_cache_entry *e = &x->cache.rx_neigh;

    if (OVS_LIKELY(cache_hit(e, ((uint64_t) lid << 32) | qpn,
                             x->neighs->generation))) {
        return e->value;
    }
    return may_look_up ? rx_lookup_neigh(x, lid, qpn) : NULL;
}

/* The VIF of this port that 'hw' addresses, if any. */
static struct ipoib_vif *
vif_for_hwaddr(const struct ipoib_xlate *x, const struct ipoib_hwaddr *hw)
{
    struct ib_gid gid;

    ipoib_hwaddr_gid(hw, &gid);
    if (!ib_gid_equals(&gid, &x->gid)) {
        return NULL;
    }
    struct ipoib_vif *vif = ipoib_vif_find_by_qpn(x->vifs,
                                                  ipoib_hwaddr_qpn(hw));
    /* A VIF of another VLAN sits in another partition. */
    return vif && vif->vlan == x->vlan ? vif : NULL;
}

/* True if 'hw' names the endpoint (sqpn, sgid) that sent a packet; the GID
 * is checked only when the packet had a GRH. */
static bool
hwaddr_is_sender(const struct ipoib_hwaddr *hw,
                 const struct ipoib_rx_meta *meta)
{
    if (ipoib_hwaddr_qpn(hw) != meta->sqpn) {
        return false;
    }
    if (meta->has_grh) {
        struct ib_gid gid;

        ipoib_hwaddr_gid(hw, &gid);
        return ib_gid_equals(&gid, &meta->sgid);
    }
    return true;
}

bool
ipoib_xlate_mgid_to_mac(const struct ib_gid *mgid, struct eth_addr *mac)
{
    static const uint8_t zero[6];
    const uint8_t *g = mgid->b;

    if (g[0] != 0xff || (g[1] & 0xf0) != 0x10) {
        return false;
    }
    uint16_t signature = ipoib_get_be16(g + 2);
    if (signature == 0x401b && !memcmp(g + 6, zero, 6)) {
        if (g[12] == 0xff && g[13] == 0xff && g[14] == 0xff
            && g[15] == 0xff) {
            *mac = eth_addr_broadcast;
            return true;
        }
        if (g[12] & 0xf0) {
            return false;
        }
        /* RFC 1112: 01:00:5e + the low 23 bits of the group. */
        *mac = (struct eth_addr) { { { 0x01, 0x00, 0x5e, g[13] & 0x7f,
                                       g[14], g[15] } } };
        return true;
    } else if (signature == 0x601b) {
        /* RFC 2464: 33:33 + the low 32 bits of the group. */
        *mac = (struct eth_addr) { { { 0x33, 0x33, g[12], g[13], g[14],
                                       g[15] } } };
        return true;
    }
    return false;
}

uint16_t
ipoib_xlate_frame_vlan(const uint8_t *frame, size_t len)
{
    if (len < ETH_VLAN_HDR_LEN) {
        return IPOIB_VLAN_NONE;
    }
    uint16_t type = ipoib_get_be16(frame + ETH_TYPE_OFS);
    if (type == ETH_TYPE_VLAN_8021AD) {
        return IPOIB_VLAN_INVALID;
    } else if (type != ETH_TYPE_VLAN_8021Q) {
        return IPOIB_VLAN_NONE;
    }
    uint16_t vid = ipoib_get_be16(frame + ETH_HDR_LEN) & VLAN_VID_MASK;
    uint16_t inner = ipoib_get_be16(frame + ETH_HDR_LEN + 2);
    if (inner == ETH_TYPE_VLAN_8021Q || inner == ETH_TYPE_VLAN_8021AD
        || vid == VLAN_VID_MASK) {
        /* Stacked tags and the reserved VID 4095 name no partition. */
        return IPOIB_VLAN_INVALID;
    }
    /* VID 0 is a priority tag: the frame is untagged for us. */
    return vid ? vid : IPOIB_VLAN_NONE;
}

/* Buffer handling. */

/* Makes the frame the 'new_len' bytes that start 'delta' bytes after the
 * current start ('delta' may be negative), keeping the total room. */
static void
buf_reframe(struct ipoib_buf *buf, ptrdiff_t delta, size_t new_len)
{
    /* The end moves by delta + new_len - len; the total stays. */
    buf->tailroom = buf->tailroom + buf->len - new_len - delta;
    buf->data += delta;
    buf->headroom += delta;
    buf->len = new_len;
}

/* IP header checks, shared by both directions.  On success '*ip_len' is the
 * IP packet's own length, which may be less than 'len' (link padding). */

static enum ipoib_drop
check_ipv4(const uint8_t *p, size_t len, size_t *ip_len)
{
    if (len < IPV4_MIN_HDR_LEN) {
        return IPOIB_DROP_RUNT;
    }
    size_t hdr_len = (p[0] & 0x0f) * 4;
    size_t tot_len = ipoib_get_be16(p + IPV4_TOT_LEN_OFS);
    if ((p[0] >> 4) != 4 || hdr_len < IPV4_MIN_HDR_LEN
        || tot_len < hdr_len || tot_len > len) {
        return IPOIB_DROP_MALFORMED;
    }
    *ip_len = tot_len;
    return IPOIB_DROP_NONE;
}

static enum ipoib_drop
check_ipv6(const uint8_t *p, size_t len, size_t *ip_len)
{
    if (len < IPV6_HDR_LEN) {
        return IPOIB_DROP_RUNT;
    }
    size_t payload_len = ipoib_get_be16(p + IPV6_PLEN_OFS);
    if ((p[0] >> 4) != 6 || IPV6_HDR_LEN + payload_len > len) {
        return IPOIB_DROP_MALFORMED;
    }
    *ip_len = IPV6_HDR_LEN + payload_len;
    return IPOIB_DROP_NONE;
}

static enum ipoib_drop
check_ip(uint16_t ether_type, const uint8_t *p, size_t len, size_t *ip_len)
{
    return (ether_type == ETH_TYPE_IP
            ? check_ipv4(p, len, ip_len)
            : check_ipv6(p, len, ip_len));
}

static enum ipoib_drop
arp_status_to_drop(enum ipoib_arp_status status)
{
    return (status == IPOIB_ARP_OK ? IPOIB_DROP_NONE
            : status == IPOIB_ARP_TRUNCATED ? IPOIB_DROP_RUNT
            : IPOIB_DROP_MALFORMED);
}

/* ARP carries opcodes 1 and 2, RARP 3 and 4. */
static bool
arp_op_fits_type(uint16_t ether_type, uint16_t op)
{
    if (ether_type == ETH_TYPE_ARP) {
        return op == IPOIB_ARP_OP_REQUEST || op == IPOIB_ARP_OP_REPLY;
    }
    return op == IPOIB_ARP_OP_RARP_REQUEST || op == IPOIB_ARP_OP_RARP_REPLY;
}

static bool
is_arp_type(uint16_t ether_type)
{
    return ether_type == ETH_TYPE_ARP || ether_type == ETH_TYPE_RARP;
}

/* ICMPv6 checksum over the IPv6 pseudo-header and the 'icmp_len' bytes of
 * the message at 'ip6 + IPV6_HDR_LEN'.  Returns the folded one's-complement
 * sum (not inverted): 0xffff for a message with a correct checksum field. */
static uint16_t
icmpv6_sum(const uint8_t *ip6, size_t icmp_len)
{
    const uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    uint64_t sum = 0;

    for (size_t i = IPV6_SRC_OFS; i < IPV6_HDR_LEN; i += 2) {
        sum += ipoib_get_be16(ip6 + i);
    }
    sum += (icmp_len >> 16) + (icmp_len & 0xffff) + IP_PROTO_ICMPV6;
    for (size_t i = 0; i + 1 < icmp_len; i += 2) {
        sum += ipoib_get_be16(icmp + i);
    }
    if (icmp_len & 1) {
        sum += icmp[icmp_len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static void
icmpv6_set_csum(uint8_t *ip6, size_t icmp_len)
{
    uint8_t *csum = ip6 + IPV6_HDR_LEN + ICMPV6_CSUM_OFS;

    ipoib_put_be16(csum, 0);
    ipoib_put_be16(csum, ~icmpv6_sum(ip6, icmp_len));
}

/* The link-layer address options of one ND message, found by nd_scan() and
 * resolved by the direction's own code before anything is rewritten. */
struct nd_plan {
    size_t icmp_len;            /* ICMPv6 message length, 0 if not ND. */
    uint8_t icmp_type;
    size_t n_opts;
    size_t ofs[ND_MAX_LL_OPTS]; /* Option offsets in the ICMPv6 message. */
    uint8_t type[ND_MAX_LL_OPTS];
    struct ipoib_hwaddr hw[ND_MAX_LL_OPTS]; /* TX: the IPoIB addresses. */
    struct eth_addr mac[ND_MAX_LL_OPTS];    /* RX: the Ethernet addresses. */
};

/* Looks at the IPv6 packet 'ip6' ('ip_len' bytes, already checked) and,
 * if it is an ND message with link-layer options, fills 'plan' with where
 * they are.  'units' is the length every such option must have in this
 * direction's input.  Checks the ICMPv6 checksum, because the rewrite
 * computes a new one and must not launder a corrupted message. */
static enum ipoib_drop
nd_scan(const uint8_t *ip6, size_t ip_len, uint8_t units,
        struct nd_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (ip6[IPV6_NEXT_OFS] != IP_PROTO_ICMPV6
        || ip_len <= IPV6_HDR_LEN) {
        return IPOIB_DROP_NONE;
    }

    const uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    size_t icmp_len = ip_len - IPV6_HDR_LEN;
    size_t ofs = nd_options_offset(icmp[0]);
    if (!ofs) {
        return IPOIB_DROP_NONE;     /* Not ND: carried unchanged. */
    }
    if (icmp_len < ofs) {
        return IPOIB_DROP_RUNT;
    }
    if (icmpv6_sum(ip6, icmp_len) != 0xffff) {
        return IPOIB_DROP_MALFORMED;
    }

    plan->icmp_len = icmp_len;
    plan->icmp_type = icmp[0];
    while (ofs < icmp_len) {
        if (icmp_len - ofs < 2) {
            return IPOIB_DROP_MALFORMED;
        }
        uint8_t opt_type = icmp[ofs];
        size_t opt_len = icmp[ofs + 1] * ND_OPT_UNIT;
        if (!opt_len || opt_len > icmp_len - ofs) {
            return IPOIB_DROP_MALFORMED;
        }
        if (opt_type == ND_OPT_SOURCE_LL || opt_type == ND_OPT_TARGET_LL) {
            if (icmp[ofs + 1] != units || plan->n_opts >= ND_MAX_LL_OPTS) {
                return IPOIB_DROP_MALFORMED;
            }
            plan->ofs[plan->n_opts] = ofs;
            plan->type[plan->n_opts] = opt_type;
            plan->n_opts++;
        }
        ofs += opt_len;
    }
    return IPOIB_DROP_NONE;
}

/* True if the option describes the message's sender, which is the case for
 * every source option and for the target option of an advertisement
 * (Redirect's target option is the next hop's). */
static bool
nd_opt_is_sender(const struct nd_plan *plan, size_t i)
{
    return (plan->type[i] == ND_OPT_SOURCE_LL
            || plan->icmp_type == ND_NEIGHBOR_ADVERT);
}

/* Rewrites the Ethernet-form options of 'plan' in the ICMPv6 message at
 * 'icmp' into the IPoIB form, working from the last option backward so that
 * every move goes into space already consumed.  'icmp' must have room for
 * the grown message. */
static void
nd_expand(uint8_t *icmp, const struct nd_plan *plan)
{
    size_t end = plan->icmp_len;

    for (size_t left = plan->n_opts; left > 0; left--) {
        size_t k = left - 1;
        size_t old_ofs = plan->ofs[k];
        size_t new_ofs = old_ofs + k * ND_OPT_GROWTH;
        size_t tail = old_ofs + ND_OPT_ETH_UNITS * ND_OPT_UNIT;

        memmove(icmp + tail + (k + 1) * ND_OPT_GROWTH, icmp + tail,
                end - tail);
        icmp[new_ofs] = plan->type[k];
        icmp[new_ofs + 1] = ND_OPT_IB_UNITS;
        icmp[new_ofs + 2] = 0;
        icmp[new_ofs + 3] = 0;
        memcpy(icmp + new_ofs + ND_OPT_IB_ADDR_OFS, plan->hw[k].b,
               IPOIB_HWADDR_LEN);
        end = old_ofs;
    }
}

/* The reverse of nd_expand(): IPoIB-form options to the Ethernet form,
 * working forward, each move toward the front. */
static void
nd_shrink(uint8_t *icmp, const struct nd_plan *plan)
{
    for (size_t k = 0; k < plan->n_opts; k++) {
        size_t old_ofs = plan->ofs[k];
        size_t new_ofs = old_ofs - k * ND_OPT_GROWTH;
        size_t tail = old_ofs + ND_OPT_IB_UNITS * ND_OPT_UNIT;
        size_t end = (k + 1 < plan->n_opts
                      ? plan->ofs[k + 1] : plan->icmp_len);

        icmp[new_ofs] = plan->type[k];
        icmp[new_ofs + 1] = ND_OPT_ETH_UNITS;
        memcpy(icmp + new_ofs + ND_OPT_ETH_ADDR_OFS, plan->mac[k].ea,
               ETH_ADDR_LEN);
        memmove(icmp + new_ofs + ND_OPT_ETH_UNITS * ND_OPT_UNIT,
                icmp + tail, end - tail);
    }
}

/* Rewrites, in place, the options of 'plan' in the IPv6 packet 'ip6' to
 * the IPoIB form ('to_ib') or back, and fixes the IPv6 payload length and
 * the ICMPv6 checksum. */
static void
nd_rewrite(uint8_t *ip6, const struct nd_plan *plan, bool to_ib)
{
    uint8_t *icmp = ip6 + IPV6_HDR_LEN;
    size_t growth = plan->n_opts * ND_OPT_GROWTH;
    size_t new_icmp_len;

    if (to_ib) {
        nd_expand(icmp, plan);
        new_icmp_len = plan->icmp_len + growth;
    } else {
        nd_shrink(icmp, plan);
        new_icmp_len = plan->icmp_len - growth;
    }
    ipoib_put_be16(ip6 + IPV6_PLEN_OFS, new_icmp_len);
    icmpv6_set_csum(ip6, new_icmp_len);
}

/* Transmit. */

/* The IPoIB address for Ethernet 'mac' as a target address inside a packet:
 * a local VIF's or a neighbor's. */
static bool
tx_lookup_hwaddr(const struct ipoib_xlate *x, struct eth_addr mac,
                 struct ipoib_hwaddr *hw)
{
    const struct ipoib_vif *vif = ipoib_vif_find(x->vifs, mac, x->vlan);
    if (vif && vif->qpn) {
        ipoib_xlate_vif_hwaddr(x, vif, hw);
        return true;
    }

    const struct ipoib_neigh *neigh = ipoib_neigh_find_by_mac(x->neighs,
                                                              mac);
    if (neigh) {
        *hw = neigh->hwaddr;
        return true;
    }
    return false;
}

/* Finds the IPoIB destination of an Ethernet frame whose payload, of type
 * 'r->ether_type', is the 'len' bytes at 'l3' (already checked). */
static enum ipoib_drop
tx_resolve_dst(const struct ipoib_xlate *x, const uint8_t *l3,
               long long now_ms, struct ipoib_tx_result *r)
{
    const uint8_t *dst = r->dst_mac.ea;
    struct ib_gid mgid;

    if (eth_addr_is_broadcast(r->dst_mac)) {
        ipoib_hwaddr_broadcast(&r->dst, x->pkey, x->scope);
        r->multicast = true;
        return IPOIB_DROP_NONE;
    }
    if (eth_addr_is_multicast(r->dst_mac)) {
        if (dst[0] == 0x01 && dst[1] == 0x00 && dst[2] == 0x5e
            && r->ether_type == ETH_TYPE_IP) {
            ovs_be32 group;

            memcpy(&group, l3 + IPV4_DST_OFS, sizeof group);
            if (!ip_is_multicast(group)) {
                return IPOIB_DROP_MALFORMED;
            }
            ipoib_mgid_ipv4(&mgid, x->pkey, x->scope, group);
        } else if (dst[0] == 0x33 && dst[1] == 0x33
                   && r->ether_type == ETH_TYPE_IPV6) {
            if (l3[IPV6_DST_OFS] != 0xff) {
                return IPOIB_DROP_MALFORMED;
            }
            ipoib_mgid_ipv6(&mgid, x->pkey, x->scope, l3 + IPV6_DST_OFS);
        } else {
            return IPOIB_DROP_PROTO;
        }
        ipoib_hwaddr_make(&r->dst, 0, IB_MULTICAST_QPN, &mgid);
        r->multicast = true;
        return IPOIB_DROP_NONE;
    }

    struct ipoib_neigh *neigh = ipoib_neigh_find_by_mac(x->neighs,
                                                        r->dst_mac);
    if (!neigh) {
        return IPOIB_DROP_NEIGH_MISS;
    }
    ipoib_neigh_touch(neigh, now_ms);
    r->neigh = neigh;
    r->dst = neigh->hwaddr;
    return IPOIB_DROP_NONE;
}

/* Builds the IPoIB form of the Ethernet ARP 'eth' sent by 'vif'. */
static enum ipoib_drop
tx_translate_arp(const struct ipoib_xlate *x, const struct ipoib_vif *vif,
                 const struct ipoib_arp_eth *eth, struct ipoib_arp_ib *ib)
{
    if (!eth_addr_equals(eth->sha, vif->mac)) {
        return IPOIB_DROP_SPOOF;
    }

    memset(ib, 0, sizeof *ib);
    ib->op = eth->op;
    ipoib_xlate_vif_hwaddr(x, vif, &ib->sha);
    ib->spa = eth->spa;
    ib->tpa = eth->tpa;
    /* RFC 4391: a request's target hardware address is zero.  Otherwise
     * zero and broadcast (gratuitous replies) stay zero. */
    if (eth->op != IPOIB_ARP_OP_REQUEST
        && !eth_addr_is_zero(eth->tha)
        && !eth_addr_is_broadcast(eth->tha)
        && !tx_lookup_hwaddr(x, eth->tha, &ib->tha)) {
        return IPOIB_DROP_NEIGH_MISS;
    }
    return IPOIB_DROP_NONE;
}

/* Resolves the Ethernet addresses in the ND options of 'plan'. */
static enum ipoib_drop
tx_resolve_nd(const struct ipoib_xlate *x, const struct ipoib_vif *vif,
              const uint8_t *ip6, struct nd_plan *plan)
{
    const uint8_t *icmp = ip6 + IPV6_HDR_LEN;

    for (size_t i = 0; i < plan->n_opts; i++) {
        struct eth_addr mac;

        memcpy(mac.ea, icmp + plan->ofs[i] + ND_OPT_ETH_ADDR_OFS,
               ETH_ADDR_LEN);
        if (nd_opt_is_sender(plan, i)) {
            if (!eth_addr_equals(mac, vif->mac)) {
                return IPOIB_DROP_SPOOF;
            }
            ipoib_xlate_vif_hwaddr(x, vif, &plan->hw[i]);
        } else if (!tx_lookup_hwaddr(x, mac, &plan->hw[i])) {
            return IPOIB_DROP_NEIGH_MISS;
        }
    }
    return IPOIB_DROP_NONE;
}

/* Checks the payload of an Ethernet frame of 'type', the 'len' bytes at
 * 'l3'.  Sets '*ip_len' for IP, decodes ARP and RARP into '*arp'. */
static enum ipoib_drop
tx_check_payload(uint16_t type, const uint8_t *l3, size_t len,
                 size_t *ip_len, struct ipoib_arp_eth *arp)
{
    if (type == ETH_TYPE_IP || type == ETH_TYPE_IPV6) {
        return check_ip(type, l3, len, ip_len);
    } else if (is_arp_type(type)) {
        enum ipoib_drop drop;

        drop = arp_status_to_drop(ipoib_arp_eth_decode(l3, len, arp));
        if (!drop && !arp_op_fits_type(type, arp->op)) {
            drop = IPOIB_DROP_MALFORMED;
        }
        return drop;
    }
    return IPOIB_DROP_PROTO;
}

/* Plans the translation of the IP packet of 'type' at 'l3' ('ip_len'
 * bytes) sent by 'vif': ND options to rewrite in '*nd', the IPoIB payload
 * length in '*out_len'. */
static enum ipoib_drop
tx_plan_ip(const struct ipoib_xlate *x, const struct ipoib_vif *vif,
           uint16_t type, const uint8_t *l3, size_t ip_len,
           struct nd_plan *nd, size_t *out_len)
{
    enum ipoib_drop drop = IPOIB_DROP_NONE;

    if (type == ETH_TYPE_IPV6 && x->rewrite_nd) {
        drop = nd_scan(l3, ip_len, ND_OPT_ETH_UNITS, nd);
        if (!drop) {
            drop = tx_resolve_nd(x, vif, l3, nd);
        }
    }
    *out_len = ip_len + nd->n_opts * ND_OPT_GROWTH;
    if (!drop && *out_len - IPV6_HDR_LEN > IPV6_MAX_PAYLOAD
        && nd->n_opts) {
        /* The grown message no longer fits the payload length field. */
        drop = IPOIB_DROP_OVERSIZE;
    }
    return drop;
}

/* Plans the RFC 4390 rewrite of a DHCP message that 'vif' sends in the
 * IPv4 packet 'l3' ('ip_len' bytes), which may grow '*out_len'. */
static enum ipoib_drop
tx_plan_dhcp(const uint8_t *l3, size_t ip_len, const struct ipoib_vif *vif,
             struct ipoib_dhcp_plan *dhcp, size_t *out_len)
{
    if (!ipoib_dhcp_is_candidate(l3, ip_len)) {
        return IPOIB_DROP_NONE;
    }
    if (ipoib_dhcp_plan_tx(l3, ip_len, vif->mac, dhcp)) {
        return IPOIB_DROP_MALFORMED;
    }
    *out_len += dhcp->growth;
    return IPOIB_DROP_NONE;
}

/* Parses the Ethernet header into 'r'.  Returns the offset of the payload
 * or 0 with '*drop' set. */
static size_t
tx_parse_eth(const struct ipoib_xlate *x, const struct ipoib_buf *buf,
             struct ipoib_tx_result *r, enum ipoib_drop *drop)
{
    const uint8_t *p = buf->data;

    if (buf->len < ETH_HDR_LEN) {
        r->src_mac = r->dst_mac = eth_addr_zero;
        r->ether_type = 0;
        *drop = IPOIB_DROP_RUNT;
        return 0;
    }
    memcpy(r->dst_mac.ea, p + ETH_DST_OFS, ETH_ADDR_LEN);
    memcpy(r->src_mac.ea, p + ETH_SRC_OFS, ETH_ADDR_LEN);
    r->ether_type = ipoib_get_be16(p + ETH_TYPE_OFS);
    if (r->ether_type == ETH_TYPE_VLAN_8021Q
        || r->ether_type == ETH_TYPE_VLAN_8021AD) {
        if (buf->len < ETH_VLAN_HDR_LEN) {
            *drop = IPOIB_DROP_RUNT;
            return 0;
        }
        r->vlan = ipoib_get_be16(p + ETH_HDR_LEN) & VLAN_VID_MASK;
        r->ether_type = ipoib_get_be16(p + ETH_HDR_LEN + 2);
        /* The tag names the partition, which the caller chose by it: only
         * one 802.1Q tag of this context's VLAN passes (or a priority
         * tag, VID 0, in the untagged context). */
        if (ipoib_xlate_frame_vlan(p, buf->len) != x->vlan) {
            *drop = IPOIB_DROP_VLAN;
            return 0;
        }
        r->vlan = x->vlan;
        return ETH_VLAN_HDR_LEN;
    }
    if (x->vlan != IPOIB_VLAN_NONE) {
        /* An untagged frame belongs to the port's own P_Key. */
        *drop = IPOIB_DROP_VLAN;
        return 0;
    }
    return ETH_HDR_LEN;
}

/* What a fast path did. */
enum fast_result {
    FAST_DONE,                  /* Translated the frame. */
    FAST_MISS,                  /* Missed a last-hit cache (only when not
                                 * allowed to look up): the fast path with
                                 * lookups may still take the frame. */
    FAST_NO,                    /* Not for the fast path: the general path
                                 * must take it. */
};

/* The common case as one straight line: a unicast IPv4 packet without IP
 * options or DHCP, from a known VIF with a QP to a known neighbor, within
 * the MTU, in its context's VLAN.  Looks the VIF and the neighbor up in
 * their tables only if 'may_look_up', else only in the last-hit caches.
 * For anything else it changes nothing but the caches, and the general
 * path then handles the frame (and drops it, if it must).
 * Gives the general path's result: tests/test-ipoib-xlate's "fuzz-paths"
 * compares the two. */
static inline ALWAYS_INLINE enum fast_result
tx_fast_ipv4(struct ipoib_xlate *x, struct ipoib_buf *buf, long long now_ms,
             struct ipoib_tx_result *r, bool may_look_up)
{
    uint8_t *p = buf->data;
    size_t l3_ofs;

    if (x->vlan == IPOIB_VLAN_NONE) {
        if (ipoib_get_be16(p + ETH_TYPE_OFS) != ETH_TYPE_IP
            || buf->len < ETH_HDR_LEN + IPV4_MIN_HDR_LEN) {
            return FAST_NO;
        }
        l3_ofs = ETH_HDR_LEN;
    } else {
        /* One 802.1Q tag of the context's VLAN (VID 0 and 4095 are no
         * partition's). */
        if (ipoib_get_be16(p + ETH_TYPE_OFS) != ETH_TYPE_VLAN_8021Q
            || buf->len < ETH_VLAN_HDR_LEN + IPV4_MIN_HDR_LEN
            || (ipoib_get_be16(p + ETH_HDR_LEN) & VLAN_VID_MASK) != x->vlan
            || !x->vlan || x->vlan == VLAN_VID_MASK
            || ipoib_get_be16(p + ETH_HDR_LEN + 2) != ETH_TYPE_IP) {
            return FAST_NO;
        }
        l3_ofs = ETH_VLAN_HDR_LEN;
    }

    /* The lookups before the IP header: a cache miss then costs little.
     * No VIF has a multicast MAC (ipoib_vif_insert() refuses them) and no
     * neighbor has one (ipoib-mac.h), so a found VIF and neighbor also
     * mean unicast source and destination MACs, as the general path
     * requires. */
    struct ipoib_vif *vif = tx_cached_vif(x, p + ETH_SRC_OFS, may_look_up);
    if (!vif) {
        return may_look_up ? FAST_NO : FAST_MISS;
    } else if (!vif->qpn) {
        return FAST_NO;
    }
    struct ipoib_neigh *neigh = tx_cached_neigh(x, p + ETH_DST_OFS,
                                                may_look_up);
    if (!neigh) {
        return may_look_up ? FAST_NO : FAST_MISS;
    }

    const uint8_t *l3 = p + l3_ofs;
    size_t ip_len = ipoib_get_be16(l3 + IPV4_TOT_LEN_OFS);
    if (l3[0] != 0x45 || ip_len < IPV4_MIN_HDR_LEN
        || ip_len > buf->len - l3_ofs
        || (ip_len > x->mtu && !buf->tso)
        || ipoib_dhcp_is_candidate(l3, ip_len)) {
        return FAST_NO;
    }

    /* The buffer first: the byte copies below could alias it, which would
     * make the compiler read its fields again. */
    size_t eth_len = buf->len;
    buf_reframe(buf, l3_ofs - IPOIB_ENCAP_LEN, IPOIB_ENCAP_LEN + ip_len);

    memcpy(r->dst_mac.ea, p + ETH_DST_OFS, ETH_ADDR_LEN);
    memcpy(r->src_mac.ea, p + ETH_SRC_OFS, ETH_ADDR_LEN);
    r->vlan = x->vlan;
    r->ether_type = ETH_TYPE_IP;
    r->vif = vif;
    r->neigh = neigh;
    r->multicast = false;
    r->dst = neigh->hwaddr;

    uint8_t *ipoib = p + l3_ofs - IPOIB_ENCAP_LEN;
    ipoib_put_be16(ipoib, ETH_TYPE_IP);
    ipoib_put_be16(ipoib + 2, 0);
    ipoib_neigh_touch(neigh, now_ms);
    vif->last_used_ms = now_ms;
    vif->stats.tx_packets++;
    vif->stats.tx_bytes += eth_len;
    return FAST_DONE;
}

static enum ipoib_drop NOINLINE
tx_general(struct ipoib_xlate *x, struct ipoib_buf *buf, long long now_ms,
           struct ipoib_tx_result *r)
{
    enum ipoib_drop drop = IPOIB_DROP_NONE;

    /* Field by field: a memset of the whole result cost more. */
    r->vlan = IPOIB_VLAN_NONE;
    r->vif = NULL;
    r->neigh = NULL;
    r->multicast = false;

    size_t l3_ofs = tx_parse_eth(x, buf, r, &drop);
    if (!l3_ofs) {
        return drop;
    }
    uint8_t *l3 = buf->data + l3_ofs;
    size_t l3_len = buf->len - l3_ofs;
    uint16_t type = r->ether_type;

    /* Check the payload before the source, so that only frames that could
     * be sent make the caller learn a VIF. */
    struct ipoib_arp_eth eth_arp;
    size_t ip_len = 0;
    drop = tx_check_payload(type, l3, l3_len, &ip_len, &eth_arp);
    if (drop) {
        return drop;
    }
    if (eth_addr_is_multicast(r->src_mac) || eth_addr_is_zero(r->src_mac)) {
        return IPOIB_DROP_MALFORMED;
    }

    struct ipoib_vif *vif = ipoib_vif_find(x->vifs, r->src_mac, x->vlan);
    r->vif = vif;
    if (!vif || !vif->qpn) {
        return IPOIB_DROP_VIF_MISS;
    }

    drop = tx_resolve_dst(x, l3, now_ms, r);
    if (drop) {
        return drop;
    }

    /* Work out the translated payload and its length without writing. */
    struct ipoib_arp_ib ib_arp;
    /* Only 'n_opts' needs a value: every other field is written before
     * it is read, and zeroing the whole plan cost every packet ~50
     * instructions (tests/perf/bench-codec). */
    struct nd_plan nd;
    nd.n_opts = 0;
    struct ipoib_dhcp_plan dhcp;
    dhcp.rewrite = IPOIB_DHCP_KEEP;
    size_t out_len;
    if (is_arp_type(type)) {
        drop = tx_translate_arp(x, vif, &eth_arp, &ib_arp);
        out_len = IPOIB_ARP_IB_LEN;
    } else {
        drop = tx_plan_ip(x, vif, type, l3, ip_len, &nd, &out_len);
        if (!drop && type == ETH_TYPE_IP) {
            drop = tx_plan_dhcp(l3, ip_len, vif, &dhcp, &out_len);
        }
    }
    if (drop) {
        return drop;
    }
    if (out_len > x->mtu && !buf->tso) {
        return IPOIB_DROP_OVERSIZE;
    }
    if (l3_ofs + out_len > buf->len + buf->tailroom) {
        return IPOIB_DROP_NO_ROOM;
    }

    /* Commit. */
    size_t eth_len = buf->len;
    if (is_arp_type(type)) {
        ipoib_arp_ib_encode(l3, &ib_arp);
    } else if (nd.n_opts) {
        nd_rewrite(l3, &nd, true);
    } else if (dhcp.rewrite) {
        ipoib_dhcp_commit(l3, &dhcp);
        ipoib_dhcp_xids_remember(&x->dhcp_xids, &dhcp, vif->mac, now_ms);
    }
    buf_reframe(buf, l3_ofs - IPOIB_ENCAP_LEN, IPOIB_ENCAP_LEN + out_len);
    ipoib_put_be16(buf->data, type);
    ipoib_put_be16(buf->data + 2, 0);

    vif->last_used_ms = now_ms;
    vif->stats.tx_packets++;
    vif->stats.tx_bytes += eth_len;
    return IPOIB_DROP_NONE;
}

/* The fast path with table lookups, then the general path. */
static enum ipoib_drop NOINLINE
tx_slow(struct ipoib_xlate *x, struct ipoib_buf *buf, long long now_ms,
        struct ipoib_tx_result *r)
{
    if (!x->no_fast_path
        && tx_fast_ipv4(x, buf, now_ms, r, true) == FAST_DONE) {
        return IPOIB_DROP_NONE;
    }
    return tx_general(x, buf, now_ms, r);
}

enum ipoib_drop
ipoib_xlate_tx(struct ipoib_xlate *x, struct ipoib_buf *buf,
               long long now_ms, struct ipoib_tx_result *r)
{
    /* The fast path on cache hits only: without calls, it needs no
     * registers saved.  With 'no_fast_path' the caches stay empty (see
     * cache_put()), so it misses and tx_slow() takes the general path. */
    switch (tx_fast_ipv4(x, buf, now_ms, r, false)) {
    case FAST_DONE:
        return IPOIB_DROP_NONE;
    case FAST_MISS:
        return tx_slow(x, buf, now_ms, r);
    case FAST_NO:
    default:
        return tx_general(x, buf, now_ms, r);
    }
}

/* Receive. */

/* The Ethernet MAC for the IPoIB address 'hw' found inside a received
 * packet as somebody else's address (ARP target): a VIF's MAC, a known
 * neighbor's, or zero. */
static struct eth_addr
rx_lookup_mac(const struct ipoib_xlate *x, const struct ipoib_hwaddr *hw)
{
    if (!ipoib_hwaddr_is_zero(hw)) {
        const struct ipoib_vif *vif = vif_for_hwaddr(x, hw);
        if (vif) {
            return vif->mac;
        }

        const struct ipoib_neigh *neigh;
        neigh = ipoib_neigh_find_by_endpoint(x->neighs, hw);
        if (neigh) {
            return neigh->mac;
        }
    }
    return eth_addr_zero;
}

/* The LID to record for the sender of a packet: its SLID, unless the packet
 * came from another subnet through a router, whose LID the SLID then is. */
static uint16_t
rx_sender_lid(const struct ipoib_xlate *x, const struct ipoib_rx_meta *meta)
{
    if (meta->has_grh && ib_gid_subnet_prefix(&meta->sgid)
                         != ib_gid_subnet_prefix(&x->gid)) {
        return IPOIB_LID_UNKNOWN;
    }
    return meta->slid;
}

/* Finds (learning it if need be) the neighbor that sent a non-ARP packet. */
static struct ipoib_neigh *
rx_find_sender(struct ipoib_xlate *x, const struct ipoib_rx_meta *meta,
               long long now_ms)
{
    struct ipoib_neigh *neigh;

    if (meta->has_grh) {
        struct ipoib_hwaddr hw;

        ipoib_hwaddr_make(&hw, 0, meta->sqpn, &meta->sgid);
        return ipoib_neigh_learn(x->neighs, &hw, rx_sender_lid(x, meta),
                                 now_ms);
    }
    neigh = rx_cached_neigh(x, meta->slid, meta->sqpn, true);
    if (neigh) {
        ipoib_neigh_touch(neigh, now_ms);
    }
    return neigh;
}

/* The IPv6 address that an ND message's own link-layer option speaks for
 * (an advertisement's target, otherwise the source), for listings.  An
 * advertisement with options is long enough to hold its target. */
static struct in6_addr
nd_sender_addr(const uint8_t *ip6, const struct nd_plan *plan)
{
    enum { ND_TARGET_OFS = 8 };
    struct in6_addr addr;

    memcpy(&addr, (plan->icmp_type == ND_NEIGHBOR_ADVERT
                   ? ip6 + IPV6_HDR_LEN + ND_TARGET_OFS
                   : ip6 + IPV6_SRC_OFS), sizeof addr);
    return addr;
}

/* Resolves the IPoIB addresses in the ND options of 'plan'. */
static enum ipoib_drop
rx_resolve_nd(struct ipoib_xlate *x, const struct ipoib_rx_meta *meta,
              struct ipoib_neigh *sender, const uint8_t *ip6,
              long long now_ms, struct nd_plan *plan)
{
    const uint8_t *icmp = ip6 + IPV6_HDR_LEN;

    for (size_t i = 0; i < plan->n_opts; i++) {
        struct ipoib_hwaddr hw;

        memcpy(hw.b, icmp + plan->ofs[i] + ND_OPT_IB_ADDR_OFS,
               IPOIB_HWADDR_LEN);
        if (nd_opt_is_sender(plan, i)) {
            if (!hwaddr_is_sender(&hw, meta)
                || !ipoib_hwaddr_same_endpoint(&hw, &sender->hwaddr)) {
                return IPOIB_DROP_SPOOF;
            }
            ipoib_neigh_set_flags(sender, ipoib_hwaddr_flags(&hw));
            plan->mac[i] = sender->mac;
            struct in6_addr sender_ip6 = nd_sender_addr(ip6, plan);
            ipoib_neigh_add_ipv6(sender, &sender_ip6);
        } else {
            /* A Redirect's next hop: ours, or a neighbor to learn. */
            const struct ipoib_vif *vif = vif_for_hwaddr(x, &hw);
            if (vif) {
                plan->mac[i] = vif->mac;
            } else {
                struct ipoib_neigh *neigh;

                neigh = ipoib_neigh_learn(x->neighs, &hw, IPOIB_LID_UNKNOWN,
                                          now_ms);
                if (!neigh) {
                    return IPOIB_DROP_NEIGH_MISS;
                }
                plan->mac[i] = neigh->mac;
            }
        }
    }
    return IPOIB_DROP_NONE;
}

/* Plans the RFC 4390 rewrite of a DHCP message from 'sender' in the IPv4
 * packet 'l3' ('ip_len' bytes) toward 'vif' (NULL: a group).  Receive never
 * grows a packet. */
static enum ipoib_drop
rx_plan_dhcp(const struct ipoib_xlate *x, const uint8_t *l3, size_t ip_len,
             const struct ipoib_neigh *sender, const struct ipoib_vif *vif,
             long long now_ms, struct ipoib_dhcp_plan *dhcp)
{
    if (!ipoib_dhcp_is_candidate(l3, ip_len)) {
        return IPOIB_DROP_NONE;
    }
    if (ipoib_dhcp_plan_rx(l3, ip_len, sender->mac, vif ? &vif->mac : NULL,
                           &x->dhcp_xids, now_ms, dhcp)) {
        return IPOIB_DROP_MALFORMED;
    }
    ovs_assert(!dhcp->growth);
    return IPOIB_DROP_NONE;
}

/* Learns the sender of the IPoIB ARP 'ib' and builds its Ethernet form. */
static enum ipoib_drop
rx_translate_arp(struct ipoib_xlate *x, const struct ipoib_rx_meta *meta,
                 const struct ipoib_arp_ib *ib, long long now_ms,
                 struct ipoib_neigh **senderp, struct ipoib_arp_eth *eth)
{
    if (!hwaddr_is_sender(&ib->sha, meta)) {
        return IPOIB_DROP_SPOOF;
    }

    struct ipoib_neigh *sender = ipoib_neigh_learn(x->neighs, &ib->sha,
                                                   rx_sender_lid(x, meta),
                                                   now_ms);
    if (!sender) {
        return IPOIB_DROP_NEIGH_MISS;
    }
    ipoib_neigh_set_flags(sender, ipoib_hwaddr_flags(&ib->sha));
    ipoib_neigh_add_ipv4(sender, ib->spa);

    eth->op = ib->op;
    eth->sha = sender->mac;
    eth->spa = ib->spa;
    eth->tha = rx_lookup_mac(x, &ib->tha);
    eth->tpa = ib->tpa;
    *senderp = sender;
    return IPOIB_DROP_NONE;
}

/* Finds the Ethernet destination of a received frame. */
static enum ipoib_drop
rx_resolve_dst(struct ipoib_xlate *x, const struct ipoib_rx_meta *meta,
               struct eth_addr *dst_mac, struct ipoib_vif **vifp)
{
    *vifp = NULL;
    if (meta->multicast) {
        if (!meta->has_grh) {
            return IPOIB_DROP_MALFORMED;
        }
        return (ipoib_xlate_mgid_to_mac(&meta->dgid, dst_mac)
                ? IPOIB_DROP_NONE : IPOIB_DROP_NOT_FOR_US);
    }

    struct ipoib_vif *vif = rx_cached_vif(x, meta->dqpn, true);
    if (!vif || vif->vlan != x->vlan) {
        /* The HCA checked the P_Key against the QP's, so a VIF of another
         * VLAN here means the caller picked the wrong partition. */
        return IPOIB_DROP_NOT_FOR_US;
    }
    *dst_mac = vif->mac;
    *vifp = vif;
    return IPOIB_DROP_NONE;
}

/* True if 'meta' describes a multicast that one of our VIFs sent, which the
 * fabric delivers back to every member, including the sender's port. */
static bool
rx_is_loopback(const struct ipoib_xlate *x, const struct ipoib_rx_meta *meta)
{
    return (meta->multicast
            && (meta->slid == x->lid
                || (meta->has_grh && ib_gid_equals(&meta->sgid, &x->gid)))
            && ipoib_vif_find_by_qpn(x->vifs, meta->sqpn));
}

static void
rx_write_eth_header(uint8_t *p, const struct eth_addr *dst,
                    const struct eth_addr *src, uint16_t vlan, uint16_t type)
{
    memcpy(p + ETH_DST_OFS, dst->ea, ETH_ADDR_LEN);
    memcpy(p + ETH_SRC_OFS, src->ea, ETH_ADDR_LEN);
    if (vlan != IPOIB_VLAN_NONE) {
        ipoib_put_be16(p + ETH_TYPE_OFS, ETH_TYPE_VLAN_8021Q);
        ipoib_put_be16(p + ETH_HDR_LEN, vlan);
        p += ETH_VLAN_HDR_LEN - ETH_HDR_LEN;
    }
    ipoib_put_be16(p + ETH_TYPE_OFS, type);
}

/* Counts a frame delivered to 'vif' (none for a multicast frame) from
 * 'sender' and tells the caller, for both receive paths. */
static inline void
rx_delivered(struct ipoib_vif *vif, struct ipoib_neigh *sender,
             uint16_t ether_type, size_t len, struct ipoib_rx_result *result)
{
    if (vif) {
        vif->stats.rx_packets++;
        vif->stats.rx_bytes += len;
    }
    if (result) {
        result->vif = vif;
        result->neigh = sender;
        result->ether_type = ether_type;
    }
}

/* The common case as one straight line: a unicast IPv4 packet without IP
 * options or DHCP, without a GRH, from a neighbor known by its LID and QPN
 * to a VIF of the context's VLAN.  Looks them up as tx_fast_ipv4() does.
 * For anything else it changes nothing but the caches, and the general
 * path then handles the frame.  Gives the general path's result
 * (tests/test-ipoib-xlate's "fuzz-paths"). */
static inline ALWAYS_INLINE enum fast_result
rx_fast_ipv4(struct ipoib_xlate *x, struct ipoib_buf *buf,
             const struct ipoib_rx_meta *meta, long long now_ms,
             struct ipoib_rx_result *result, bool may_look_up)
{
    const uint8_t *p = buf->data;
    size_t hdr_len = (x->vlan == IPOIB_VLAN_NONE
                      ? ETH_HDR_LEN : ETH_VLAN_HDR_LEN);

    if (meta->multicast || meta->has_grh
        || buf->len < IPOIB_ENCAP_LEN + IPV4_MIN_HDR_LEN
        || ipoib_get_be16(p) != ETH_TYPE_IP
        || hdr_len - IPOIB_ENCAP_LEN > buf->headroom) {
        return FAST_NO;
    }
    /* The lookups before the IP header: a cache miss then costs little. */
    struct ipoib_vif *vif = rx_cached_vif(x, meta->dqpn, may_look_up);
    if (!vif) {
        return may_look_up ? FAST_NO : FAST_MISS;
    } else if (vif->vlan != x->vlan) {
        return FAST_NO;
    }
    struct ipoib_neigh *sender = rx_cached_neigh(x, meta->slid, meta->sqpn,
                                                 may_look_up);
    if (!sender) {
        return may_look_up ? FAST_NO : FAST_MISS;
    }
    const uint8_t *l3 = p + IPOIB_ENCAP_LEN;
    size_t ip_len = ipoib_get_be16(l3 + IPV4_TOT_LEN_OFS);
    if (l3[0] != 0x45 || ip_len < IPV4_MIN_HDR_LEN
        || ip_len > buf->len - IPOIB_ENCAP_LEN
        || ipoib_dhcp_is_candidate(l3, ip_len)) {
        return FAST_NO;
    }

    ipoib_neigh_touch(sender, now_ms);
    buf_reframe(buf, (ptrdiff_t) IPOIB_ENCAP_LEN - (ptrdiff_t) hdr_len,
                hdr_len + ip_len);
    rx_write_eth_header(buf->data, &vif->mac, &sender->mac, x->vlan,
                        ETH_TYPE_IP);
    rx_delivered(vif, sender, ETH_TYPE_IP, buf->len, result);
    return FAST_DONE;
}

static enum ipoib_drop NOINLINE
rx_general(struct ipoib_xlate *x, struct ipoib_buf *buf,
           const struct ipoib_rx_meta *meta, long long now_ms,
           struct ipoib_rx_result *result)
{
    enum ipoib_drop drop;

    if (buf->len < IPOIB_ENCAP_LEN) {
        return IPOIB_DROP_RUNT;
    }
    if (rx_is_loopback(x, meta)) {
        return IPOIB_DROP_LOOPBACK;
    }

    uint16_t type = ipoib_get_be16(buf->data);
    uint8_t *l3 = buf->data + IPOIB_ENCAP_LEN;
    size_t l3_len = buf->len - IPOIB_ENCAP_LEN;
    struct ipoib_arp_ib ib_arp;
    size_t ip_len = 0;
    if (type == ETH_TYPE_IP || type == ETH_TYPE_IPV6) {
        drop = check_ip(type, l3, l3_len, &ip_len);
    } else if (is_arp_type(type)) {
        drop = arp_status_to_drop(ipoib_arp_ib_decode(l3, l3_len, &ib_arp));
        if (!drop && !arp_op_fits_type(type, ib_arp.op)) {
            drop = IPOIB_DROP_MALFORMED;
        }
    } else {
        drop = IPOIB_DROP_PROTO;
    }
    if (drop) {
        return drop;
    }

    struct eth_addr dst_mac;
    struct ipoib_vif *vif;
    drop = rx_resolve_dst(x, meta, &dst_mac, &vif);
    if (drop) {
        return drop;
    }

    /* Find the sender and work out the translated payload. */
    struct ipoib_neigh *sender;
    struct ipoib_arp_eth eth_arp;
    /* Only 'n_opts' needs a value: every other field is written before
     * it is read, and zeroing the whole plan cost every packet ~50
     * instructions (tests/perf/bench-codec). */
    struct nd_plan nd;
    nd.n_opts = 0;
    struct ipoib_dhcp_plan dhcp;
    dhcp.rewrite = IPOIB_DHCP_KEEP;
    size_t out_len;
    if (is_arp_type(type)) {
        drop = rx_translate_arp(x, meta, &ib_arp, now_ms, &sender, &eth_arp);
        out_len = IPOIB_ARP_ETH_LEN;
    } else {
        sender = rx_find_sender(x, meta, now_ms);
        drop = sender ? IPOIB_DROP_NONE : IPOIB_DROP_NEIGH_MISS;
        if (!drop && type == ETH_TYPE_IPV6 && x->rewrite_nd) {
            drop = nd_scan(l3, ip_len, ND_OPT_IB_UNITS, &nd);
            if (!drop) {
                drop = rx_resolve_nd(x, meta, sender, l3, now_ms, &nd);
            }
        }
        if (!drop && type == ETH_TYPE_IP) {
            drop = rx_plan_dhcp(x, l3, ip_len, sender, vif, now_ms, &dhcp);
        }
        out_len = ip_len - nd.n_opts * ND_OPT_GROWTH;
    }
    if (drop) {
        return drop;
    }

    /* Multicast of a partition reaches the bridge tagged too. */
    uint16_t vlan = x->vlan;
    size_t hdr_len = vlan == IPOIB_VLAN_NONE ? ETH_HDR_LEN : ETH_VLAN_HDR_LEN;
    if (hdr_len - IPOIB_ENCAP_LEN > buf->headroom) {
        return IPOIB_DROP_NO_ROOM;
    }

    /* Commit. */
    if (is_arp_type(type)) {
        ipoib_arp_eth_encode(l3, &eth_arp);
    } else if (nd.n_opts) {
        nd_rewrite(l3, &nd, false);
    } else if (dhcp.rewrite) {
        ipoib_dhcp_commit(l3, &dhcp);
    }
    buf_reframe(buf, (ptrdiff_t) IPOIB_ENCAP_LEN - (ptrdiff_t) hdr_len,
                hdr_len + out_len);
    rx_write_eth_header(buf->data, &dst_mac, &sender->mac, vlan, type);
    rx_delivered(vif, sender, type, buf->len, result);
    return IPOIB_DROP_NONE;
}

/* The fast path with table lookups, then the general path. */
static enum ipoib_drop NOINLINE
rx_slow(struct ipoib_xlate *x, struct ipoib_buf *buf,
        const struct ipoib_rx_meta *meta, long long now_ms,
        struct ipoib_rx_result *result)
{
    if (!x->no_fast_path
        && rx_fast_ipv4(x, buf, meta, now_ms, result, true) == FAST_DONE) {
        return IPOIB_DROP_NONE;
    }
    return rx_general(x, buf, meta, now_ms, result);
}

enum ipoib_drop
ipoib_xlate_rx(struct ipoib_xlate *x, struct ipoib_buf *buf,
               const struct ipoib_rx_meta *meta, long long now_ms,
               struct ipoib_rx_result *result)
{
    /* As in ipoib_xlate_tx(). */
    switch (rx_fast_ipv4(x, buf, meta, now_ms, result, false)) {
    case FAST_DONE:
        return IPOIB_DROP_NONE;
    case FAST_MISS:
        return rx_slow(x, buf, meta, now_ms, result);
    case FAST_NO:
    default:
        return rx_general(x, buf, meta, now_ms, result);
    }
}
