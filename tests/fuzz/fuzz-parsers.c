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

/* Fuzz target: the parsers that read bytes from outside the process,
 * other than the translation itself (fuzz-xlate.c).  The first byte of an
 * input picks the parser, the rest is its input:
 *
 *   0  ib_ud_packet_parse(): a raw IB packet (fabric captures);
 *   1  ipoib_arp_eth_decode() and 2 ipoib_arp_ib_decode();
 *   3  DHCP planned and committed toward the fabric, 4 from it;
 *   5  ipoib_vif_frame_parse(): a VM's frame, snooped for its addresses;
 *   6  TSO: ipoib_tso_plan() and every segment, then checksum filling;
 *   7  GRO: ipoib_gro_parse() and the checksum check;
 *   8  fabric_partitions_parse(): an operator's partitions.conf.
 *
 * Inputs are copied into allocations of exactly their size, so that
 * AddressSanitizer sees a read past the end. */

#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric-partitions.h"
#include "lib/ib-crc.h"
#include "lib/ib-packet.h"
#include "lib/ipoib-arp.h"
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-dhcp.h"
#include "lib/ipoib-gro.h"
#include "lib/ipoib-tso.h"
#include "lib/ipoib-vif-addrs.h"
#include "packets.h"
#include "tests/fuzz/fuzz-target.h"
#include "util.h"

static void
parse_ib_packet(const uint8_t *data, size_t len)
{
    struct ib_ud_headers h;
    const uint8_t *payload;
    size_t payload_len;
    bool icrc_ok, vcrc_ok;

    int error = ib_ud_packet_parse(data, len, &h, &payload, &payload_len,
                                   &icrc_ok, &vcrc_ok);

    /* As tests/test-ib-wire.c's "fuzz" command requires of it. */
    ovs_assert(!error || error == EINVAL || error == EPROTONOSUPPORT);
    if (!error) {
        ovs_assert(payload >= data + IB_LRH_LEN + IB_BTH_LEN + IB_DETH_LEN);
        ovs_assert(payload + payload_len + IB_ICRC_LEN + IB_VCRC_LEN
                   <= data + len);
    } else {
        ovs_assert(!payload && !payload_len);
    }
}

static void
parse_arp(const uint8_t *data, size_t len, bool ib)
{
    if (ib) {
        struct ipoib_arp_ib arp;

        if (ipoib_arp_ib_decode(data, len, &arp) == IPOIB_ARP_OK) {
            ovs_assert(arp.op >= 1 && arp.op <= 4);
        }
    } else {
        struct ipoib_arp_eth arp;

        if (ipoib_arp_eth_decode(data, len, &arp) == IPOIB_ARP_OK) {
            ovs_assert(arp.op >= 1 && arp.op <= 4);
        }
    }
}

/* The IPv4 header checks that callers of the DHCP planners make first:
 * 'len' is the whole packet, as its total length says. */
static bool
ipv4_header_ok(const uint8_t *ip, size_t len)
{
    if (len < IP_HEADER_LEN || ip[0] >> 4 != 4) {
        return false;
    }
    size_t ihl = (ip[0] & 0x0f) * 4;
    return ihl >= IP_HEADER_LEN && ihl <= len
           && ipoib_get_be16(ip + 2) == len;
}

static void
run_dhcp(const uint8_t *data, size_t len, bool toward_fabric)
{
    static const struct eth_addr vm = ETH_ADDR_C(52, 54, 00, 00, 00, 01);
    static const struct eth_addr sender = ETH_ADDR_C(02, 00, 00, 00, 00, 07);
    struct ipoib_dhcp_xids xids;
    struct ipoib_dhcp_plan plan;
    enum ipoib_dhcp_error error;

    if (!ipv4_header_ok(data, len) || !ipoib_dhcp_is_candidate(data, len)) {
        return;
    }
    memset(&xids, 0, sizeof xids);
    error = (toward_fabric
             ? ipoib_dhcp_plan_tx(data, len, vm, &plan)
             : ipoib_dhcp_plan_rx(data, len, sender, &vm, &xids, 0, &plan));
    ovs_assert(error < IPOIB_DHCP_N_ERRORS);
    if (error || plan.rewrite == IPOIB_DHCP_KEEP) {
        return;
    }
    if (!toward_fabric) {
        ovs_assert(!plan.growth);
    }

    uint8_t *ip = xmalloc(len + plan.growth);
    memcpy(ip, data, len);
    ipoib_dhcp_commit(ip, &plan);
    /* The rewrite keeps the IPv4 total length consistent. */
    ovs_assert(ipoib_get_be16(ip + 2) == len + plan.growth);
    free(ip);
}

static void
parse_vif_frame(const uint8_t *data, size_t len)
{
    struct ipoib_vif_frame f;

    if (ipoib_vif_frame_parse(data, len, &f)) {
        ovs_assert(len >= ETH_HEADER_LEN);
    }
}

/* The first byte says where the IP header starts (after an untagged or a
 * tagged Ethernet header) and the next two the MSS. */
static void
run_tso(const uint8_t *data, size_t len)
{
    struct ipoib_tso_plan plan;

    if (len < 3) {
        return;
    }
    size_t l3_ofs = data[0] & 1 ? ETH_HEADER_LEN + VLAN_HEADER_LEN
                                : ETH_HEADER_LEN;
    uint16_t mss = ipoib_get_be16(data + 1);
    data += 3;
    len -= 3;
    if (ipoib_tso_plan(data, len, l3_ofs, mss, &plan) != IPOIB_TSO_OK) {
        return;
    }
    ovs_assert(plan.n_segs >= 1);
    ovs_assert(plan.hdr_len + plan.payload_len <= len);

    size_t seg_room = ipoib_tso_max_seg_len(&plan);
    uint8_t *seg = xmalloc(seg_room);
    size_t payload = 0;
    for (int i = 0; i < plan.n_segs; i++) {
        size_t seg_len = ipoib_tso_segment(&plan, data, i, seg);

        ovs_assert(seg_len == ipoib_tso_seg_len(&plan, i));
        ovs_assert(seg_len <= seg_room);
        payload += seg_len - plan.hdr_len;
    }
    ovs_assert(payload == plan.payload_len);
    free(seg);

    uint8_t *frame = xmemdup(data, len);
    ipoib_tso_fill_csum(frame, len, l3_ofs);
    free(frame);
}

static void
run_gro(const uint8_t *data, size_t len)
{
    struct ipoib_gro_seg seg;

    if (ipoib_gro_parse(data, len, &seg)) {
        ovs_assert(seg.l3_ofs < seg.l4_ofs && seg.l4_ofs < seg.hdr_len);
        ovs_assert((size_t) seg.hdr_len + seg.payload_len <= len);
        ipoib_gro_csum_ok(data, &seg);
    }
}

static void
parse_partitions(const uint8_t *data, size_t len)
{
    struct fabric_partitions parts;
    char *text = xmemdup0((const char *) data, len);
    char *error = fabric_partitions_parse(text, "fuzz.conf", &parts);

    if (!error) {
        for (size_t i = 0; i < parts.n; i++) {
            ovs_assert(fabric_mtu_from_code(parts.parts[i].mtu_code)
                       == parts.parts[i].mtu);
        }
    }
    free(error);
    fabric_partitions_destroy(&parts);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    if (!size) {
        return 0;
    }

    size_t len = size - 1;
    uint8_t *data = xmemdup(input + 1, len);
    switch (input[0] % 9) {
    case 0:
        parse_ib_packet(data, len);
        break;
    case 1:
    case 2:
        parse_arp(data, len, input[0] % 9 == 2);
        break;
    case 3:
    case 4:
        run_dhcp(data, len, input[0] % 9 == 3);
        break;
    case 5:
        parse_vif_frame(data, len);
        break;
    case 6:
        run_tso(data, len);
        break;
    case 7:
        run_gro(data, len);
        break;
    case 8:
    default:
        parse_partitions(data, len);
        break;
    }
    free(data);
    return 0;
}
