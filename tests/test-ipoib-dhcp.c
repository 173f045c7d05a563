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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "lib/ipoib-addr.h"
#include "lib/ipoib-dhcp.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "lib/ipoib-xlate.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "random.h"
#include "util.h"

/* test-ipoib-dhcp COMMAND...: the RFC 4390 rewrite (lib/ipoib-dhcp) on its
 * own and inside the translator.  See tests/ipoib-dhcp.at. */

static void
parse_hex(const char *s, struct ofpbuf *buf)
{
    const char *end = ofpbuf_put_hex(buf, s, NULL);
    if (*end) {
        ovs_fatal(0, "%s: not hex", s);
    }
}

static struct eth_addr
mac_arg(const char *s)
{
    struct eth_addr mac;

    if (!eth_addr_from_string(s, &mac)) {
        ovs_fatal(0, "%s: not a MAC", s);
    }
    return mac;
}

static void
print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static uint16_t
get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

/* One's complement sum of 'n' bytes, folded. */
static uint32_t
sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += get_be16(p + i);
    }
    if (n & 1) {
        sum += p[n - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Checks the IPv4 header checksum and the UDP checksum of the IPv4 packet
 * 'ip' independently of the code under test: "ip-csum ok udp-csum ok". */
static void
print_csums(const uint8_t *ip, size_t len)
{
    size_t ihl = (ip[0] & 0x0f) * 4;

    printf("ip-csum %s", sum_bytes(0, ip, ihl) == 0xffff ? "ok" : "bad");
    if (len < ihl + 8 || ip[9] != 17) {
        printf("\n");
        return;
    }

    const uint8_t *udp = ip + ihl;
    size_t udp_len = get_be16(udp + 4);
    if (!get_be16(udp + 6)) {
        printf(" udp-csum none\n");
        return;
    }
    uint32_t sum = sum_bytes(0, ip + 12, 8);
    sum = sum_bytes(sum + 17 + udp_len, udp, MIN(udp_len, len - ihl));
    printf(" udp-csum %s\n", sum == 0xffff ? "ok" : "bad");
}

static const char *
rewrite_name(enum ipoib_dhcp_rewrite rewrite)
{
    return (rewrite == IPOIB_DHCP_TO_IB ? "to_ib"
            : rewrite == IPOIB_DHCP_TO_ETH ? "to_eth"
            : "keep");
}

/* Runs a plan and its commit on a copy of 'ip' in a buffer with exactly
 * the planned room plus a guard, which must stay untouched.  Prints the
 * outcome, the packet and its checksums. */
static void
run_plan(const struct ofpbuf *ip, enum ipoib_dhcp_error error,
         const struct ipoib_dhcp_plan *plan)
{
    if (error) {
        printf("error %s\n", ipoib_dhcp_error_name(error));
        ovs_assert(plan->rewrite == IPOIB_DHCP_KEEP);
        return;
    }
    printf("%s growth %"PRIuSIZE"\n", rewrite_name(plan->rewrite),
           plan->growth);

    size_t out_len = ip->size + plan->growth;
    uint8_t *buf = xmalloc(out_len + 16);
    memcpy(buf, ip->data, ip->size);
    memset(buf + ip->size, 0xa5, out_len + 16 - ip->size);
    ipoib_dhcp_commit(buf, plan);
    for (size_t i = out_len; i < out_len + 16; i++) {
        ovs_assert(buf[i] == 0xa5);
    }
    print_hex(buf, out_len);
    printf("\n");
    print_csums(buf, out_len);
    free(buf);
}

/* tx VIF-MAC IP-HEX: a VM's IPv4 packet toward the fabric. */
static void
test_tx(struct ovs_cmdl_context *ctx)
{
    struct ipoib_dhcp_plan plan;
    struct ofpbuf ip;

    ofpbuf_init(&ip, 0);
    parse_hex(ctx->argv[2], &ip);
    run_plan(&ip, ipoib_dhcp_plan_tx(ip.data, ip.size, mac_arg(ctx->argv[1]),
                                     &plan), &plan);
    ofpbuf_uninit(&ip);
}

/* rx SENDER-MAC VIF-MAC|- IP-HEX: an IPv4 packet from the fabric, from the
 * endpoint shown as SENDER-MAC, to a VIF or ("-") to a group. */
static void
test_rx(struct ovs_cmdl_context *ctx)
{
    struct ipoib_dhcp_plan plan;
    struct eth_addr vif_mac;
    struct ofpbuf ip;

    ofpbuf_init(&ip, 0);
    parse_hex(ctx->argv[3], &ip);
    if (strcmp(ctx->argv[2], "-")) {
        vif_mac = mac_arg(ctx->argv[2]);
    }
    run_plan(&ip, ipoib_dhcp_plan_rx(ip.data, ip.size, mac_arg(ctx->argv[1]),
                                     strcmp(ctx->argv[2], "-")
                                     ? &vif_mac : NULL, NULL, 0, &plan),
             &plan);
    ofpbuf_uninit(&ip);
}

/* client-id MAC...: the identifier made for each MAC, and what reading it
 * back gives. */
static void
test_client_id(struct ovs_cmdl_context *ctx)
{
    for (int i = 1; i < ctx->argc; i++) {
        uint8_t id[IPOIB_DHCP_CLIENT_ID_LEN];
        struct eth_addr mac;

        ipoib_dhcp_client_id(mac_arg(ctx->argv[i]), id);
        print_hex(id, sizeof id);
        ovs_assert(ipoib_dhcp_client_id_is_ours(id, sizeof id));
        ovs_assert(ipoib_dhcp_client_id_mac(id, sizeof id, &mac));
        printf(" "ETH_ADDR_FMT"\n", ETH_ADDR_ARGS(mac));
    }
}

/* client-id-mac HEX...: the MAC each client identifier names, if any. */
static void
test_client_id_mac(struct ovs_cmdl_context *ctx)
{
    for (int i = 1; i < ctx->argc; i++) {
        struct eth_addr mac;
        struct ofpbuf id;

        ofpbuf_init(&id, 0);
        parse_hex(ctx->argv[i], &id);
        if (ipoib_dhcp_client_id_mac(id.data, id.size, &mac)) {
            printf(ETH_ADDR_FMT"%s\n", ETH_ADDR_ARGS(mac),
                   ipoib_dhcp_client_id_is_ours(id.data, id.size)
                   ? " ours" : "");
        } else {
            printf("none\n");
        }
        ofpbuf_uninit(&id);
    }
}

/* fuzz N SEED IP-HEX...: N random corruptions (byte flips, truncations,
 * garbage lengths) of the given packets through both directions.  Every
 * commit must stay inside the planned room and, when lengths change, leave
 * consistent lengths.  Prints how often each outcome came up. */
static void
fuzz_one(const uint8_t *ip, size_t len, bool tx, size_t counts[])
{
    struct ipoib_dhcp_plan plan;
    struct eth_addr mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
    enum ipoib_dhcp_error error;

    error = (tx ? ipoib_dhcp_plan_tx(ip, len, mac, &plan)
             : ipoib_dhcp_plan_rx(ip, len, mac, random_uint32() & 1
                                  ? &mac : NULL, NULL, 0, &plan));
    ovs_assert(error < IPOIB_DHCP_N_ERRORS);
    counts[error]++;
    if (error || plan.rewrite == IPOIB_DHCP_KEEP) {
        return;
    }
    ovs_assert(tx || !plan.growth);
    ovs_assert(plan.growth <= IPOIB_XLATE_TAILROOM);

    size_t out_len = len + plan.growth;
    uint8_t *buf = xmalloc(out_len + 16);
    memcpy(buf, ip, len);
    memset(buf + len, 0xa5, out_len + 16 - len);
    ipoib_dhcp_commit(buf, &plan);
    for (size_t i = out_len; i < out_len + 16; i++) {
        ovs_assert(buf[i] == 0xa5);
    }
    size_t ihl = (buf[0] & 0x0f) * 4;
    ovs_assert(get_be16(buf + 2) == len + plan.growth
               || !plan.growth);
    ovs_assert(get_be16(buf + ihl + 4) == out_len - ihl);
    ovs_assert(sum_bytes(0, buf, ihl) == sum_bytes(0, ip, ihl)
               || plan.growth);
    free(buf);
}

static void
test_fuzz(struct ovs_cmdl_context *ctx)
{
    int n = atoi(ctx->argv[1]);
    size_t counts[IPOIB_DHCP_N_ERRORS] = { 0 };
    struct ofpbuf *seeds = xcalloc(ctx->argc, sizeof *seeds);
    int n_seeds = ctx->argc - 3;

    random_set_seed(atoi(ctx->argv[2]));
    for (int i = 0; i < n_seeds; i++) {
        ofpbuf_init(&seeds[i], 0);
        parse_hex(ctx->argv[i + 3], &seeds[i]);
    }
    for (int i = 0; i < n; i++) {
        const struct ofpbuf *seed = &seeds[random_range(n_seeds)];
        size_t len = seed->size;
        uint8_t *ip = xmemdup(seed->data, len);

        /* Corrupt some bytes past the IP header, often in the options. */
        int n_flips = random_range(4);
        for (int j = 0; j < n_flips; j++) {
            size_t ofs = 20 + random_range(len - 20);
            ip[ofs] = random_uint8();
        }
        if (random_range(3) == 0) {
            /* Truncate, and make IP agree so that the DHCP parser sees it
             * (UDP may or may not agree). */
            len = 20 + random_range(len - 20 + 1);
            ip[2] = len >> 8;
            ip[3] = len;
            if (random_range(2) && len >= 28) {
                ip[24] = (len - 20) >> 8;
                ip[25] = len - 20;
            }
        }
        /* Keep it DHCP to reach the parser. */
        if (len >= 28 && random_range(4)) {
            ip[20] = 0;
            ip[21] = random_range(2) ? 67 : 68;
            ip[22] = 0;
            ip[23] = ip[21] == 67 ? 68 : 67;
        }
        /* The caller has checked the IP header; so must the fuzz. */
        if (len >= 20 && (ip[0] & 0x0f) == 5) {
            fuzz_one(ip, len, random_range(2), counts);
        }
        free(ip);
    }
    size_t total = 0;
    for (int i = 0; i < IPOIB_DHCP_N_ERRORS; i++) {
        total += counts[i];
    }
    printf("%"PRIuSIZE" parsed:", total);
    for (int i = 0; i < IPOIB_DHCP_N_ERRORS; i++) {
        if (counts[i]) {
            printf(" %s", ipoib_dhcp_error_name(i));
        }
    }
    printf("\n");
    for (int i = 0; i < n_seeds; i++) {
        ofpbuf_uninit(&seeds[i]);
    }
    free(seeds);
}

/* Two hypervisors' translators, for "xlate". */

struct hv {
    struct ipoib_vif_table vifs;
    struct ipoib_neigh_table neighs;
    struct ipoib_xlate x;
};

static void
hv_init(struct hv *hv, const char *gid, uint16_t lid, const char *vif_mac,
        uint32_t qpn)
{
    struct ipoib_vif *vif;

    ipoib_vif_table_init(&hv->vifs, 16);
    ipoib_neigh_table_init(&hv->neighs, 100, ipoib_vif_table_has_mac,
                           &hv->vifs);
    ipoib_xlate_init(&hv->x, &hv->vifs, &hv->neighs);
    ovs_assert(ib_gid_parse(gid, &hv->x.gid));
    hv->x.lid = lid;
    ovs_assert(!ipoib_vif_insert(&hv->vifs, mac_arg(vif_mac),
                                 IPOIB_VLAN_NONE, IPOIB_VIF_OVSDB, "vm",
                                 0, &vif));
    ovs_assert(!ipoib_vif_set_qp(&hv->vifs, vif, qpn, hv->x.pkey));
}

static void
hv_destroy(struct hv *hv)
{
    ipoib_neigh_table_destroy(&hv->neighs);
    ipoib_vif_table_destroy(&hv->vifs, NULL, NULL);
}

/* Sends the Ethernet frame 'hex' from 'from''s VM through its translator,
 * the fabric (unicast to the destination QPN, or multicast with a GRH) and
 * 'to''s translator.  Prints each step's outcome and the frame 'to''s
 * bridge gets. */
static void
xlate_frame(struct hv *from, struct hv *to, const char *hex, long long now)
{
    enum { ROOM = IPOIB_XLATE_HEADROOM };
    struct ipoib_tx_result tx;
    struct ofpbuf frame;

    ofpbuf_init(&frame, 0);
    parse_hex(hex, &frame);
    uint8_t *base = xzalloc(ROOM + frame.size + IPOIB_XLATE_TAILROOM);
    memcpy(base + ROOM, frame.data, frame.size);
    struct ipoib_buf buf = {
        .data = base + ROOM, .len = frame.size,
        .headroom = ROOM, .tailroom = IPOIB_XLATE_TAILROOM,
    };

    enum ipoib_drop drop = ipoib_xlate_tx(&from->x, &buf, now, &tx);
    printf("tx: %s\n", ipoib_drop_name(drop));
    if (!drop) {
        struct ipoib_rx_meta meta = {
            .sqpn = tx.vif->qpn,
            .slid = from->x.lid,
            .multicast = tx.multicast,
            .has_grh = true,
            .sgid = from->x.gid,
        };
        ipoib_hwaddr_gid(&tx.dst, &meta.dgid);
        meta.dqpn = ipoib_hwaddr_qpn(&tx.dst);
        printf("  ipoib %s ", tx.multicast ? "group" : "unicast");
        print_hex(buf.data, buf.len);
        printf("\n");

        drop = ipoib_xlate_rx(&to->x, &buf, &meta, now, NULL);
        printf("rx: %s\n", ipoib_drop_name(drop));
        if (!drop) {
            printf("  eth ");
            print_hex(buf.data, buf.len);
            printf("\n");
        }
    }
    free(base);
    ofpbuf_uninit(&frame);
}

/* xlate: reads lines "hv1 HEX" or "hv2 HEX" from stdin: an Ethernet frame
 * sent by that hypervisor's VM to the other; "time MS" sets the clock
 * (initially 0).  hv1 (fe80::1:1, LID 1) has VM
 * 52:54:00:12:34:56 on QPN 0x48, hv2 (fe80::2:2, LID 2) VM
 * 52:54:00:00:00:99 on QPN 0x50.  Output is flushed after each line, so a
 * driver can build its next frame from the previous answer; a line "."
 * ends each answer. */
static void
test_xlate(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct hv hv1, hv2;
    char line[65536];
    long long now = 0;

    hv_init(&hv1, "fe80::1:1", 1, "52:54:00:12:34:56", 0x48);
    hv_init(&hv2, "fe80::2:2", 2, "52:54:00:00:00:99", 0x50);
    while (fgets(line, sizeof line, stdin)) {
        char *save = NULL;
        char *which = strtok_r(line, " \n", &save);
        char *hex = strtok_r(NULL, " \n", &save);

        if (!which || !hex) {
            continue;
        }
        if (!strcmp(which, "time")) {
            now = atoll(hex);
            continue;
        } else if (!strcmp(which, "hv1")) {
            xlate_frame(&hv1, &hv2, hex, now);
        } else if (!strcmp(which, "hv2")) {
            xlate_frame(&hv2, &hv1, hex, now);
        } else {
            ovs_fatal(0, "%s: not hv1 or hv2", which);
        }
        printf(".\n");
        fflush(stdout);
    }
    hv_destroy(&hv1);
    hv_destroy(&hv2);
}

static const struct ovs_cmdl_command commands[] = {
    { "tx", "VIF-MAC IP-HEX", 2, 2, test_tx, OVS_RO },
    { "rx", "SENDER-MAC VIF-MAC|- IP-HEX", 3, 3, test_rx, OVS_RO },
    { "client-id", "MAC...", 1, INT_MAX, test_client_id, OVS_RO },
    { "client-id-mac", "HEX...", 1, INT_MAX, test_client_id_mac, OVS_RO },
    { "fuzz", "N SEED IP-HEX...", 3, INT_MAX, test_fuzz, OVS_RO },
    { "xlate", "", 0, 0, test_xlate, OVS_RO },
    { NULL, NULL, 0, 0, NULL, OVS_RO },
};

int
main(int argc, char *argv[])
{
    struct ovs_cmdl_context ctx = { .argc = argc - 1, .argv = argv + 1 };

    set_program_name(argv[0]);
    ovs_cmdl_run_command(&ctx, commands);
    return 0;
}
