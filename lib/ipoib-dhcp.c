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
#include "lib/ipoib-dhcp.h"

#include <string.h>
#include "lib/ipoib-bytes.h"
#include "packets.h"
#include "util.h"

/* IPv4 and UDP. */
#define IPV4_TOT_LEN_OFS 2
#define IPV4_FRAG_OFS 6
#define IPV4_FRAG_MASK 0x3fff           /* MF flag + fragment offset. */
#define IPV4_CSUM_OFS 10
#define IPV4_SRC_OFS 12
#define IPV4_MAX_LEN 65535
#define IP_PROTO_UDP 17
#define UDP_HDR_LEN 8
#define UDP_LEN_OFS 4
#define UDP_CSUM_OFS 6

/* BOOTP/DHCP message layout (RFC 2131 section 2). */
#define BOOTP_OP_OFS 0
#define BOOTP_HTYPE_OFS 1
#define BOOTP_HLEN_OFS 2
#define BOOTP_XID_OFS 4
#define BOOTP_FLAGS_OFS 10
#define BOOTP_GIADDR_OFS 24
#define BOOTP_CHADDR_OFS 28
#define BOOTP_CHADDR_LEN 16
#define BOOTP_SNAME_OFS 44
#define BOOTP_FILE_OFS 108
#define BOOTP_HDR_LEN 236               /* Up to the options. */
#define DHCP_COOKIE_OFS 236
#define DHCP_OPTIONS_OFS 240
#define BOOTP_OP_REQUEST 1
#define BOOTP_OP_REPLY 2
#define BOOTP_FLAG_BROADCAST 0x80       /* Top bit of the flags field. */
#define HTYPE_ETHERNET 1
#define HTYPE_INFINIBAND 32             /* RFC 4390. */

/* DHCP options (RFC 2132). */
#define DHCP_OPT_PAD 0
#define DHCP_OPT_END 255
#define DHCP_OPT_OVERLOAD 52
#define DHCP_OPT_CLIENT_ID 61
#define OVERLOAD_FILE 1
#define OVERLOAD_SNAME 2
#define CLIENT_ID_MIN_LEN 2

/* Client identifier forms (RFC 2132 9.14, RFC 4361, RFC 3315 9.2/9.4). */
#define CLIENT_ID_TYPE_DUID 255
#define DUID_LLT 1
#define DUID_LL 3
#define CLIENT_ID_DUID_OFS 5            /* After type and the 4-byte IAID. */

static const uint8_t dhcp_cookie[4] = { 99, 130, 83, 99 };

const char *
ipoib_dhcp_error_name(enum ipoib_dhcp_error error)
{
    switch (error) {
    case IPOIB_DHCP_OK:
        return "ok";
    case IPOIB_DHCP_BAD_UDP:
        return "bad_udp";
    case IPOIB_DHCP_TRUNCATED:
        return "truncated";
    case IPOIB_DHCP_BAD_OP:
        return "bad_op";
    case IPOIB_DHCP_BAD_HLEN:
        return "bad_hlen";
    case IPOIB_DHCP_BAD_OPTION:
        return "bad_option";
    case IPOIB_DHCP_BAD_OVERLOAD:
        return "bad_overload";
    case IPOIB_DHCP_BAD_CLIENT_ID:
        return "bad_client_id";
    case IPOIB_DHCP_N_ERRORS:
        break;
    }
    return "unknown";
}

/* Client identifiers. */

void
ipoib_dhcp_client_id(struct eth_addr mac,
                     uint8_t id[IPOIB_DHCP_CLIENT_ID_LEN])
{
    memset(id, 0, IPOIB_DHCP_CLIENT_ID_LEN);
    id[0] = CLIENT_ID_TYPE_DUID;
    /* IAID (bytes 1-4) is zero: one identity per VM. */
    ipoib_put_be16(id + CLIENT_ID_DUID_OFS, DUID_LL);
    ipoib_put_be16(id + CLIENT_ID_DUID_OFS + 2, HTYPE_ETHERNET);
    memcpy(id + CLIENT_ID_DUID_OFS + 4, mac.ea, ETH_ADDR_LEN);
}

bool
ipoib_dhcp_client_id_is_ours(const uint8_t *id, size_t len)
{
    static const uint8_t zero_mac[ETH_ADDR_LEN];
    uint8_t ours[IPOIB_DHCP_CLIENT_ID_LEN];

    if (len != IPOIB_DHCP_CLIENT_ID_LEN) {
        return false;
    }
    /* Compare everything but the MAC. */
    ipoib_dhcp_client_id(eth_addr_zero, ours);
    return (!memcmp(id, ours, IPOIB_DHCP_CLIENT_ID_LEN - ETH_ADDR_LEN)
            && memcmp(id + IPOIB_DHCP_CLIENT_ID_LEN - ETH_ADDR_LEN, zero_mac,
                      ETH_ADDR_LEN));
}

bool
ipoib_dhcp_client_id_mac(const uint8_t *id, size_t len, struct eth_addr *mac)
{
    const uint8_t *found = NULL;

    if (len == 1 + ETH_ADDR_LEN && id[0] == HTYPE_ETHERNET) {
        found = id + 1;
    } else if (len > CLIENT_ID_DUID_OFS + 4 && id[0] == CLIENT_ID_TYPE_DUID) {
        const uint8_t *duid = id + CLIENT_ID_DUID_OFS;
        size_t duid_len = len - CLIENT_ID_DUID_OFS;
        uint16_t type = ipoib_get_be16(duid);
        uint16_t htype = ipoib_get_be16(duid + 2);

        /* DUID-LL: type, htype, address; DUID-LLT: type, htype, 4-byte
         * time, address. */
        if (htype == HTYPE_ETHERNET
            && ((type == DUID_LL && duid_len == 4 + ETH_ADDR_LEN)
                || (type == DUID_LLT && duid_len == 8 + ETH_ADDR_LEN))) {
            found = duid + duid_len - ETH_ADDR_LEN;
        }
    }
    if (!found) {
        return false;
    }
    memcpy(mac->ea, found, ETH_ADDR_LEN);
    return !eth_addr_is_zero(*mac) && !eth_addr_is_multicast(*mac);
}

/* Checksums. */

/* One's complement sum of 'a' and 'b', folded to 16 bits. */
static uint32_t
ones_add(uint32_t a, uint32_t b)
{
    uint32_t sum = a + b;

    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* The folded sum of the UDP pseudo-header and the 'udp_len' bytes of UDP
 * header and data at 'ip + udp_ofs', with the checksum field counted as
 * zero. */
static uint32_t
udp_sum(const uint8_t *ip, size_t udp_ofs, size_t udp_len)
{
    const uint8_t *udp = ip + udp_ofs;
    uint32_t sum = 0;

    for (size_t i = IPV4_SRC_OFS; i < IPV4_SRC_OFS + 8; i += 2) {
        sum += ipoib_get_be16(ip + i);
    }
    sum += IP_PROTO_UDP + udp_len;
    for (size_t i = 0; i + 1 < udp_len; i += 2) {
        if (i != UDP_CSUM_OFS) {
            sum += ipoib_get_be16(udp + i);
        }
    }
    if (udp_len & 1) {
        sum += udp[udp_len - 1] << 8;
    }
    return ones_add(sum, 0);
}

/* RFC 1624 equation 3 for a checksum over data whose sum went from
 * 'old_sum' to 'new_sum'.  A checksum that was wrong stays wrong by as
 * much. */
static uint16_t
csum_update(uint16_t old_csum, uint32_t old_sum, uint32_t new_sum)
{
    uint32_t sum = ones_add(ones_add((uint16_t) ~old_csum, new_sum),
                            (uint16_t) ~old_sum);
    return ~sum;
}

/* Parsing. */

/* Where the options of one DHCP message are. */
struct dhcp_options {
    size_t end_ofs;             /* END in the 'options' field. */
    size_t client_id_ofs;       /* First option 61 (its code), 0 if none. */
    size_t client_id_len;       /* Its value's length. */
    bool client_id_in_options;  /* In 'options', not 'file' or 'sname'. */
    uint8_t overload;           /* Option 52's value, 0 if none. */
};

/* Walks the options in msg[start, end): each is PAD, END, or code + length
 * + value inside the field; the field must hold an END.  'in_options' is
 * true for the 'options' field, where option 52 counts. */
static enum ipoib_dhcp_error
scan_field(const uint8_t *msg, size_t start, size_t end, bool in_options,
           struct dhcp_options *opts, size_t *end_ofs)
{
    size_t i = start;

    while (i < end) {
        uint8_t code = msg[i];
        if (code == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END) {
            *end_ofs = i;
            return IPOIB_DHCP_OK;
        }
        if (end - i < 2 || msg[i + 1] > end - i - 2) {
            return IPOIB_DHCP_BAD_OPTION;
        }
        size_t len = msg[i + 1];
        if (code == DHCP_OPT_OVERLOAD && in_options) {
            uint8_t value = len == 1 ? msg[i + 2] : 0;
            if (opts->overload
                || !(value & (OVERLOAD_FILE | OVERLOAD_SNAME))
                || value & ~(OVERLOAD_FILE | OVERLOAD_SNAME)) {
                return IPOIB_DHCP_BAD_OVERLOAD;
            }
            opts->overload = value;
        } else if (code == DHCP_OPT_CLIENT_ID && !opts->client_id_ofs) {
            if (len < CLIENT_ID_MIN_LEN) {
                return IPOIB_DHCP_BAD_CLIENT_ID;
            }
            opts->client_id_ofs = i;
            opts->client_id_len = len;
            opts->client_id_in_options = in_options;
        }
        i += 2 + len;
    }
    return IPOIB_DHCP_BAD_OPTION;
}

/* Walks the 'options' field, then 'file' and 'sname' if option 52 says
 * they hold options too (RFC 2131 section 4.1 gives that order). */
static enum ipoib_dhcp_error
scan_options(const uint8_t *msg, size_t dhcp_len, struct dhcp_options *opts)
{
    enum ipoib_dhcp_error error;
    size_t ignored;

    memset(opts, 0, sizeof *opts);
    error = scan_field(msg, DHCP_OPTIONS_OFS, dhcp_len, true, opts,
                       &opts->end_ofs);
    if (!error && opts->overload & OVERLOAD_FILE) {
        error = scan_field(msg, BOOTP_FILE_OFS, BOOTP_HDR_LEN, false, opts,
                           &ignored);
    }
    if (!error && opts->overload & OVERLOAD_SNAME) {
        error = scan_field(msg, BOOTP_SNAME_OFS, BOOTP_FILE_OFS, false, opts,
                           &ignored);
    }
    return error;
}

/* The DHCP message in the IPv4 packet 'ip', as far as both directions
 * agree. */
struct dhcp_msg {
    size_t udp_ofs;
    size_t dhcp_len;
    const uint8_t *msg;
    struct dhcp_options opts;
};

/* Finds and checks the DHCP message in 'ip'.  Returns IPOIB_DHCP_OK with
 * '*keep' false if it is one to rewrite in a direction where requests and
 * replies of hardware type 'from_htype' are rewritten. */
static enum ipoib_dhcp_error
parse(const uint8_t *ip, size_t ip_len, uint8_t from_htype,
      struct dhcp_msg *m, bool *keep)
{
    *keep = true;
    if (!ipoib_dhcp_is_candidate(ip, ip_len)
        || ipoib_get_be16(ip + IPV4_FRAG_OFS) & IPV4_FRAG_MASK) {
        return IPOIB_DHCP_OK;
    }

    size_t ihl = (ip[0] & 0x0f) * 4;
    if (ip_len < ihl + UDP_HDR_LEN) {
        return IPOIB_DHCP_BAD_UDP;
    }
    size_t udp_len = ipoib_get_be16(ip + ihl + UDP_LEN_OFS);
    if (udp_len != ip_len - ihl) {
        return IPOIB_DHCP_BAD_UDP;
    }
    m->udp_ofs = ihl;
    m->dhcp_len = udp_len - UDP_HDR_LEN;
    m->msg = ip + ihl + UDP_HDR_LEN;

    const uint8_t *msg = m->msg;
    if (m->dhcp_len < BOOTP_HDR_LEN) {
        return IPOIB_DHCP_TRUNCATED;
    }
    uint8_t op = msg[BOOTP_OP_OFS];
    if (op != BOOTP_OP_REQUEST && op != BOOTP_OP_REPLY) {
        return IPOIB_DHCP_BAD_OP;
    }
    uint8_t htype = msg[BOOTP_HTYPE_OFS];
    uint8_t hlen = msg[BOOTP_HLEN_OFS];
    if ((htype == HTYPE_ETHERNET && hlen != ETH_ADDR_LEN)
        || hlen > BOOTP_CHADDR_LEN) {
        return IPOIB_DHCP_BAD_HLEN;
    }
    if (htype != from_htype
        || ipoib_get_be16(msg + BOOTP_GIADDR_OFS)
        || ipoib_get_be16(msg + BOOTP_GIADDR_OFS + 2)
        || m->dhcp_len < DHCP_OPTIONS_OFS
        || memcmp(msg + DHCP_COOKIE_OFS, dhcp_cookie, sizeof dhcp_cookie)) {
        /* Another link type, relayed, or plain BOOTP. */
        return IPOIB_DHCP_OK;
    }

    enum ipoib_dhcp_error error = scan_options(msg, m->dhcp_len, &m->opts);
    if (!error) {
        *keep = false;
    }
    return error;
}

static uint32_t
msg_xid(const struct dhcp_msg *m)
{
    return ((uint32_t) ipoib_get_be16(m->msg + BOOTP_XID_OFS) << 16
            | ipoib_get_be16(m->msg + BOOTP_XID_OFS + 2));
}

static void
plan_init(struct ipoib_dhcp_plan *plan, const uint8_t *ip, size_t ip_len,
          const struct dhcp_msg *m, enum ipoib_dhcp_rewrite rewrite)
{
    plan->rewrite = rewrite;
    plan->ip_len = ip_len;
    plan->udp_ofs = m->udp_ofs;
    plan->dhcp_len = m->dhcp_len;
    plan->end_ofs = m->opts.end_ofs;
    plan->xid = msg_xid(m);
    plan->is_request = m->msg[BOOTP_OP_OFS] == BOOTP_OP_REQUEST;
    plan->old_sum = udp_sum(ip, m->udp_ofs, ip_len - m->udp_ofs);
}

enum ipoib_dhcp_error
ipoib_dhcp_plan_tx(const uint8_t *ip, size_t ip_len, struct eth_addr vif_mac,
                   struct ipoib_dhcp_plan *plan)
{
    struct dhcp_msg m;
    bool keep;

    memset(plan, 0, sizeof *plan);
    enum ipoib_dhcp_error error = parse(ip, ip_len, HTYPE_ETHERNET, &m,
                                        &keep);
    if (error || keep) {
        return error;
    }

    plan_init(plan, ip, ip_len, &m, IPOIB_DHCP_TO_IB);
    if (m.msg[BOOTP_OP_OFS] == BOOTP_OP_REQUEST) {
        plan->set_broadcast = true;
        if (!m.opts.client_id_ofs) {
            /* The option and a new END go where END is, over the padding
             * that follows it if there is enough. */
            size_t need = IPOIB_DHCP_CLIENT_ID_OPT_LEN + 1;
            size_t have = m.dhcp_len - m.opts.end_ofs;

            plan->add_client_id = true;
            plan->client_id_mac = vif_mac;
            plan->growth = have < need ? need - have : 0;
            if (ip_len + plan->growth > IPV4_MAX_LEN) {
                memset(plan, 0, sizeof *plan);
                return IPOIB_DHCP_BAD_UDP;
            }
        }
    }
    return IPOIB_DHCP_OK;
}

enum ipoib_dhcp_error
ipoib_dhcp_plan_rx(const uint8_t *ip, size_t ip_len,
                   struct eth_addr sender_mac, const struct eth_addr *vif_mac,
                   const struct ipoib_dhcp_xids *xids, long long now_ms,
                   struct ipoib_dhcp_plan *plan)
{
    struct dhcp_msg m;
    bool keep;

    memset(plan, 0, sizeof *plan);
    enum ipoib_dhcp_error error = parse(ip, ip_len, HTYPE_INFINIBAND, &m,
                                        &keep);
    if (error || keep) {
        return error;
    }

    const uint8_t *id = NULL;
    if (m.opts.client_id_ofs) {
        id = m.msg + m.opts.client_id_ofs + 2;
    }
    struct eth_addr chaddr;
    if (m.msg[BOOTP_OP_OFS] == BOOTP_OP_REQUEST) {
        /* To a server among the VMs: the client as this hypervisor shows
         * it. */
        chaddr = sender_mac;
    } else if (vif_mac) {
        chaddr = *vif_mac;
    } else if (!(id && ipoib_dhcp_client_id_mac(id, m.opts.client_id_len,
                                                &chaddr))
               && !(xids && ipoib_dhcp_xids_find(xids, msg_xid(&m), now_ms,
                                                 &chaddr))) {
        /* A reply to a client we cannot name (a native IPoIB host's). */
        return IPOIB_DHCP_OK;
    }

    plan_init(plan, ip, ip_len, &m, IPOIB_DHCP_TO_ETH);
    plan->chaddr = chaddr;
    if (m.msg[BOOTP_OP_OFS] == BOOTP_OP_REPLY && id
        && ipoib_dhcp_client_id_is_ours(id, m.opts.client_id_len)) {
        plan->remove_ofs = m.opts.client_id_ofs;
        plan->remove_in_options = m.opts.client_id_in_options;
    }
    return IPOIB_DHCP_OK;
}

/* Rewriting. */

static void
commit_to_ib(uint8_t *msg, const struct ipoib_dhcp_plan *plan)
{
    msg[BOOTP_HTYPE_OFS] = HTYPE_INFINIBAND;
    msg[BOOTP_HLEN_OFS] = 0;
    memset(msg + BOOTP_CHADDR_OFS, 0, BOOTP_CHADDR_LEN);
    if (plan->set_broadcast) {
        msg[BOOTP_FLAGS_OFS] |= BOOTP_FLAG_BROADCAST;
    }
    if (plan->add_client_id) {
        uint8_t *opt = msg + plan->end_ofs;

        opt[0] = DHCP_OPT_CLIENT_ID;
        opt[1] = IPOIB_DHCP_CLIENT_ID_LEN;
        ipoib_dhcp_client_id(plan->client_id_mac, opt + 2);
        opt[IPOIB_DHCP_CLIENT_ID_OPT_LEN] = DHCP_OPT_END;
    }
}

static void
commit_to_eth(uint8_t *msg, const struct ipoib_dhcp_plan *plan)
{
    msg[BOOTP_HTYPE_OFS] = HTYPE_ETHERNET;
    msg[BOOTP_HLEN_OFS] = ETH_ADDR_LEN;
    memset(msg + BOOTP_CHADDR_OFS, 0, BOOTP_CHADDR_LEN);
    memcpy(msg + BOOTP_CHADDR_OFS, plan->chaddr.ea, ETH_ADDR_LEN);
    if (plan->remove_ofs) {
        size_t ofs = plan->remove_ofs;
        size_t len = IPOIB_DHCP_CLIENT_ID_OPT_LEN;

        if (plan->remove_in_options) {
            /* Close the gap; the freed bytes at the end become padding. */
            memmove(msg + ofs, msg + ofs + len, plan->dhcp_len - ofs - len);
            memset(msg + plan->dhcp_len - len, DHCP_OPT_PAD, len);
        } else {
            /* 'file' and 'sname' keep their size: PAD options. */
            memset(msg + ofs, DHCP_OPT_PAD, len);
        }
    }
}

void
ipoib_dhcp_commit(uint8_t *ip, const struct ipoib_dhcp_plan *plan)
{
    if (plan->rewrite == IPOIB_DHCP_KEEP) {
        return;
    }

    uint8_t *udp = ip + plan->udp_ofs;
    uint8_t *msg = udp + UDP_HDR_LEN;
    if (plan->rewrite == IPOIB_DHCP_TO_IB) {
        commit_to_ib(msg, plan);
    } else {
        commit_to_eth(msg, plan);
    }

    size_t new_ip_len = plan->ip_len + plan->growth;
    size_t new_udp_len = new_ip_len - plan->udp_ofs;
    if (plan->growth) {
        uint16_t old_tot_len = ipoib_get_be16(ip + IPV4_TOT_LEN_OFS);
        uint16_t ip_csum = ipoib_get_be16(ip + IPV4_CSUM_OFS);

        ipoib_put_be16(ip + IPV4_TOT_LEN_OFS, new_ip_len);
        ipoib_put_be16(ip + IPV4_CSUM_OFS,
                 csum_update(ip_csum, old_tot_len, new_ip_len));
        ipoib_put_be16(udp + UDP_LEN_OFS, new_udp_len);
    }

    uint16_t udp_csum = ipoib_get_be16(udp + UDP_CSUM_OFS);
    if (udp_csum) {
        uint32_t new_sum = udp_sum(ip, plan->udp_ofs, new_udp_len);

        udp_csum = csum_update(udp_csum, plan->old_sum, new_sum);
        /* RFC 768: a computed zero is sent as all ones. */
        ipoib_put_be16(udp + UDP_CSUM_OFS, udp_csum ? udp_csum : 0xffff);
    }
}

/* Recent requests. */

void
ipoib_dhcp_xids_remember(struct ipoib_dhcp_xids *xids,
                         const struct ipoib_dhcp_plan *plan,
                         struct eth_addr vif_mac, long long now_ms)
{
    if (plan->rewrite != IPOIB_DHCP_TO_IB || !plan->is_request) {
        return;
    }

    /* A client retransmits with the same xid: refresh its entry. */
    struct ipoib_dhcp_xid *e = NULL;
    for (size_t i = 0; i < IPOIB_DHCP_N_XIDS; i++) {
        struct ipoib_dhcp_xid *cand = &xids->entries[i];
        if (cand->used_ms && cand->xid == plan->xid
            && eth_addr_equals(cand->mac, vif_mac)) {
            e = cand;
            break;
        }
    }
    if (!e) {
        e = &xids->entries[xids->next];
        xids->next = (xids->next + 1) % IPOIB_DHCP_N_XIDS;
    }
    e->xid = plan->xid;
    e->mac = vif_mac;
    /* 0 means unused, and a test clock may start at 0. */
    e->used_ms = now_ms ? now_ms : 1;
}

bool
ipoib_dhcp_xids_find(const struct ipoib_dhcp_xids *xids, uint32_t xid,
                     long long now_ms, struct eth_addr *mac)
{
    const struct ipoib_dhcp_xid *best = NULL;

    for (size_t i = 0; i < IPOIB_DHCP_N_XIDS; i++) {
        const struct ipoib_dhcp_xid *e = &xids->entries[i];
        if (e->used_ms && e->xid == xid
            && now_ms - e->used_ms < IPOIB_DHCP_XID_TTL_MS
            && (!best || e->used_ms > best->used_ms)) {
            best = e;
        }
    }
    if (best) {
        *mac = best->mac;
    }
    return best != NULL;
}
