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

#ifndef IPOIB_DHCP_H
#define IPOIB_DHCP_H 1

/* DHCPv4 messages between Ethernet VMs and an IPoIB subnet (RFC 4390).
 *
 * An IPoIB link address (20 bytes) does not fit BOOTP's 16-byte 'chaddr',
 * so on IPoIB a DHCP message has htype 32, hlen 0, a zero 'chaddr', and the
 * client is known by its client identifier (option 61) alone; a client sets
 * the BROADCAST flag, since it cannot receive unicast before it has an
 * address.  A VM speaks Ethernet DHCP (htype 1, hlen 6, chaddr = its MAC).
 *
 * Toward the fabric (a VM's frame):
 *   - a request (op 1) with htype 1 gets htype 32, hlen 0, a zero chaddr and
 *     the BROADCAST flag; if it has no client identifier, the VM's own is
 *     added (see ipoib_dhcp_client_id()), in the padding after the END
 *     option when there is room, else by growing the message;
 *   - a reply (op 2, from a DHCP server in a VM) with htype 1 gets htype 32,
 *     hlen 0, a zero chaddr; its flags and options are kept.
 * From the fabric (toward the VMs):
 *   - a request with htype 32 gets htype 1, hlen 6 and chaddr = the MAC
 *     this hypervisor shows for its sender (the derived neighbor MAC), so
 *     that a DHCP server in a VM sees an ordinary Ethernet client; its
 *     client identifier is kept (the lease is bound to it);
 *   - a reply with htype 32 gets htype 1, hlen 6 and chaddr = the client
 *     VM's MAC: the VIF it was sent to (unicast), else the MAC inside the
 *     client identifier (ours, "01" + MAC, or an RFC 4361 identifier whose
 *     DUID is a DUID-LL or DUID-LLT with an Ethernet address), else the VM
 *     whose recent request had the reply's 'xid' (servers need not echo the
 *     client identifier: dnsmasq 2.90 does not); a reply for which no MAC
 *     is found is left as it is.  A client identifier that we added is
 *     removed (overwritten, the message keeps its length): the VM sent
 *     none, and RFC 6842 clients drop a reply whose echoed identifier is
 *     not the one they sent, while they accept one without it.
 *
 * Left alone: relayed messages (giaddr set: the relay speaks for its own
 * link), messages without the DHCP magic cookie (plain BOOTP), IP fragments,
 * other hardware types.  Errors, for which the caller drops the frame: in
 * any UDP datagram between ports 67 and 68 (or 67 and 67), a UDP length
 * disagreeing with the IP length, a message shorter than the BOOTP header,
 * a bad op, an Ethernet htype with hlen != 6 or any hlen > 16; in a
 * message to be rewritten, options running past their field or without an
 * END option, a bad overload option, a client identifier shorter than 2
 * bytes.
 *
 * Lengths and checksums: the IPv4 total length, header checksum and UDP
 * length follow any growth; the UDP checksum is updated by the difference of
 * the sums (RFC 1624), so a correct one stays correct and a wrong one stays
 * wrong; a zero UDP checksum (none) stays zero.
 *
 * Use: ipoib_dhcp_plan_tx() or ipoib_dhcp_plan_rx() read the packet and
 * write nothing; ipoib_dhcp_commit() then rewrites it in place, after the
 * caller has made sure there are 'growth' bytes of room after the IP
 * packet.  Every byte read is bounds-checked.  No allocation; the only
 * state is the caller's table of recent request xids (struct
 * ipoib_dhcp_xids), which ipoib_dhcp_xids_remember() fills after a commit. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

/* The client identifier made for a VM that sends none, 15 bytes (RFC 4361
 * form: type 255, IAID, DUID):
 *
 *     ff  00 00 00 00  00 03  00 01  m0 m1 m2 m3 m4 m5
 *     |   IAID 0       DUID-LL type 3, hardware type 1 (Ethernet), the MAC
 *
 * It depends on the VM's MAC only, so a VM keeps its lease across restarts
 * of its client and across live migration (which changes its QPN, not its
 * MAC).  An operator names it in a server's configuration, e.g. dnsmasq
 * "dhcp-host=id:ff:00:00:00:00:00:03:00:01:52:54:00:12:34:56,10.0.0.50". */
#define IPOIB_DHCP_CLIENT_ID_LEN 15
#define IPOIB_DHCP_CLIENT_ID_OPT_LEN (2 + IPOIB_DHCP_CLIENT_ID_LEN)

/* Why a DHCP message could not be rewritten. */
enum ipoib_dhcp_error {
    IPOIB_DHCP_OK = 0,
    IPOIB_DHCP_BAD_UDP,         /* UDP length or header disagree with IP. */
    IPOIB_DHCP_TRUNCATED,       /* Shorter than the BOOTP header. */
    IPOIB_DHCP_BAD_OP,          /* op is neither 1 nor 2. */
    IPOIB_DHCP_BAD_HLEN,        /* Ethernet htype with hlen != 6. */
    IPOIB_DHCP_BAD_OPTION,      /* An option overruns its field, no END. */
    IPOIB_DHCP_BAD_OVERLOAD,    /* Option 52 with a bad length or value. */
    IPOIB_DHCP_BAD_CLIENT_ID,   /* Option 61 shorter than 2 bytes. */
    IPOIB_DHCP_N_ERRORS
};

/* "ok", "bad_udp", "truncated", "bad_op", "bad_hlen", "bad_option",
 * "bad_overload", "bad_client_id". */
const char *ipoib_dhcp_error_name(enum ipoib_dhcp_error);

enum ipoib_dhcp_rewrite {
    IPOIB_DHCP_KEEP = 0,        /* Not DHCP, or not to be changed. */
    IPOIB_DHCP_TO_IB,           /* Ethernet form -> RFC 4390 form. */
    IPOIB_DHCP_TO_ETH,          /* RFC 4390 form -> Ethernet form. */
};

/* The xids of recent requests from VMs, to name the VM a broadcast reply is
 * for when the reply does not carry its client identifier.  A small ring:
 * a DHCP exchange lasts seconds, and a VM that lost its entry retries with
 * a new xid.  Zero-initialized means empty. */
#define IPOIB_DHCP_N_XIDS 32
#define IPOIB_DHCP_XID_TTL_MS (120 * 1000)
struct ipoib_dhcp_xid {
    uint32_t xid;
    struct eth_addr mac;
    long long used_ms;          /* 0: unused. */
};
struct ipoib_dhcp_xids {
    struct ipoib_dhcp_xid entries[IPOIB_DHCP_N_XIDS];
    unsigned int next;          /* Entry to reuse next. */
};

/* A rewrite worked out by a plan function, for ipoib_dhcp_commit().  Only
 * 'rewrite' and 'growth' are for the caller to read. */
struct ipoib_dhcp_plan {
    enum ipoib_dhcp_rewrite rewrite;
    size_t growth;              /* Bytes the IP packet grows by. */

    size_t ip_len;              /* IP packet length before the rewrite. */
    size_t udp_ofs;             /* IP header length. */
    size_t dhcp_len;            /* DHCP message length (UDP payload). */
    bool set_broadcast;         /* Set the BROADCAST flag. */
    struct eth_addr chaddr;     /* TO_ETH: the Ethernet chaddr. */
    uint32_t xid;               /* Transaction id. */
    bool is_request;            /* op 1 (BOOTREQUEST). */
    size_t end_ofs;             /* END option in the 'options' field (from
                                 * the start of the DHCP message). */
    bool add_client_id;         /* TO_IB: add 'client_id_mac''s. */
    struct eth_addr client_id_mac;
    size_t remove_ofs;          /* TO_ETH: our option 61 to remove, or 0. */
    bool remove_in_options;     /* It is in the 'options' field (not in
                                 * 'file' or 'sname'). */
    uint32_t old_sum;           /* UDP sum before, checksum field as 0. */
};

/* True if the IPv4 packet 'ip' ('ip_len' bytes, header already checked)
 * may be DHCP: UDP between ports 67 and 68 (or 67 and 67, relays).  A cheap
 * test for every IPv4 packet. */
static inline bool
ipoib_dhcp_is_candidate(const uint8_t *ip, size_t ip_len)
{
    size_t ihl = (ip[0] & 0x0f) * 4;

    if (ip[9] != 17 || ip_len < ihl + 4) {
        return false;
    }
    const uint8_t *udp = ip + ihl;
    if (udp[0] || udp[2] || (udp[1] != 67 && udp[1] != 68)
        || (udp[3] != 67 && udp[3] != 68)) {
        return false;
    }
    return udp[1] == 67 || udp[3] == 67;
}

/* Plans the rewrite of the IPv4 packet 'ip' ('ip_len' bytes: its total
 * length, header already checked) that the VM with MAC 'vif_mac' sends
 * toward the fabric. */
enum ipoib_dhcp_error ipoib_dhcp_plan_tx(const uint8_t *ip, size_t ip_len,
                                         struct eth_addr vif_mac,
                                         struct ipoib_dhcp_plan *);

/* Plans the rewrite of the IPv4 packet 'ip' received from the fabric, sent
 * by the endpoint this hypervisor shows as 'sender_mac', to the VIF with
 * MAC '*vif_mac' (unicast) or to a group ('vif_mac' NULL).  'xids' (may be
 * NULL) are the recent requests' at 'now_ms'.  Never grows the packet. */
enum ipoib_dhcp_error ipoib_dhcp_plan_rx(const uint8_t *ip, size_t ip_len,
                                         struct eth_addr sender_mac,
                                         const struct eth_addr *vif_mac,
                                         const struct ipoib_dhcp_xids *xids,
                                         long long now_ms,
                                         struct ipoib_dhcp_plan *);

/* Rewrites the packet as planned.  'ip' must be the packet the plan was
 * made from, with 'plan->growth' writable bytes after it. */
void ipoib_dhcp_commit(uint8_t *ip, const struct ipoib_dhcp_plan *);

/* After ipoib_dhcp_commit() of a request from the VM with MAC 'vif_mac'
 * toward the fabric ('plan' from ipoib_dhcp_plan_tx()), remembers its xid
 * in 'xids'.  Does nothing for other plans. */
void ipoib_dhcp_xids_remember(struct ipoib_dhcp_xids *,
                              const struct ipoib_dhcp_plan *,
                              struct eth_addr vif_mac, long long now_ms);

/* Finds the MAC of the VM that sent a request with 'xid' less than
 * IPOIB_DHCP_XID_TTL_MS before 'now_ms'. */
bool ipoib_dhcp_xids_find(const struct ipoib_dhcp_xids *, uint32_t xid,
                          long long now_ms, struct eth_addr *mac);

/* Writes the client identifier (option 61's value, without code and
 * length) of the VM with MAC 'mac'. */
void ipoib_dhcp_client_id(struct eth_addr mac,
                          uint8_t id[IPOIB_DHCP_CLIENT_ID_LEN]);

/* If the client identifier 'id' ('len' bytes) names an Ethernet MAC (ours,
 * type 1 + MAC, or type 255 + IAID + DUID-LL/DUID-LLT of hardware type 1),
 * stores it in '*mac' and returns true. */
bool ipoib_dhcp_client_id_mac(const uint8_t *id, size_t len,
                              struct eth_addr *mac);

/* True if 'id' ('len' bytes) is the identifier ipoib_dhcp_client_id()
 * makes (for any MAC). */
bool ipoib_dhcp_client_id_is_ours(const uint8_t *id, size_t len);

#endif /* ipoib-dhcp.h */
