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
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/ipoib-vif.h"
#include "lib/ipoib-vif-addrs.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* test-ipoib-vif-addrs parse HEX...
 *   Parses each argument, an Ethernet frame in hex from a VIF, and prints
 *   what lib/ipoib-vif-addrs found in it: "runt", or the source MAC, the
 *   VLAN, "rarp" for a self-announcement and the sender's own address.
 *
 * test-ipoib-vif-addrs table
 *   Drives a table through its bounds and an announcement schedule and
 *   prints each step. */

static void
parse_hex(const char *s, struct ofpbuf *buf)
{
    const char *end = ofpbuf_put_hex(buf, s, NULL);
    if (*end) {
        ovs_fatal(0, "%s: not hex", s);
    }
}

static void
do_parse(int argc, char *argv[])
{
    for (int i = 0; i < argc; i++) {
        struct ofpbuf buf;
        struct ipoib_vif_frame f;

        ofpbuf_init(&buf, 0);
        parse_hex(argv[i], &buf);
        /* An exact-size copy, so that a read past the end is caught by
         * memory checkers. */
        void *frame = xmemdup(buf.data, buf.size);
        if (!ipoib_vif_frame_parse(frame, buf.size, &f)) {
            printf("runt\n");
        } else {
            struct ds s = DS_EMPTY_INITIALIZER;
            ds_put_format(&s, ETH_ADDR_FMT, ETH_ADDR_ARGS(f.src));
            if (f.vlan != IPOIB_VLAN_NONE) {
                ds_put_format(&s, " vlan=%"PRIu16, f.vlan);
            }
            if (f.self_announce) {
                ds_put_cstr(&s, " rarp");
            }
            if (f.has_addr) {
                ds_put_cstr(&s, " addr=");
                ipv6_format_mapped(&f.addr, &s);
            }
            printf("%s\n", ds_cstr(&s));
            ds_destroy(&s);
        }
        free(frame);
        ofpbuf_uninit(&buf);
    }
}

static struct in6_addr
addr(const char *s)
{
    struct in6_addr a;
    ovs_be32 ip4;

    if (ip_parse(s, &ip4)) {
        in6_addr_set_mapped_ipv4(&a, ip4);
    } else if (!ipv6_parse(s, &a)) {
        ovs_fatal(0, "%s: not an address", s);
    }
    return a;
}

static void
print_entry(const char *step, const struct ipoib_vif_addrs *e)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < e->n_addrs; i++) {
        ds_put_char(&s, ' ');
        ipv6_format_mapped(&e->addrs[i], &s);
        if (e->configured[i]) {
            ds_put_char(&s, '*');
        }
    }
    printf("%s:%s\n", step, ds_cstr(&s));
    ds_destroy(&s);
}

static void
do_table(void)
{
    struct ipoib_vif_addrs_table t;
    struct eth_addr mac1 = ETH_ADDR_C(52, 54, 00, 00, 00, 01);
    struct eth_addr mac2 = ETH_ADDR_C(52, 54, 00, 00, 00, 02);
    struct ipoib_vif_addrs *e;

    ipoib_vif_addrs_init(&t, 1);
    e = ipoib_vif_addrs_get(&t, mac1, IPOIB_VLAN_NONE);
    bool made = ipoib_vif_addrs_get(&t, mac2, IPOIB_VLAN_NONE) != NULL;
    printf("second VIF in a table of one: %s, refused %"PRIu64"\n",
           made ? "made" : "NULL", t.n_refused);

    /* Not announceable: ignored. */
    const char *bad[] = { "0.0.0.0", "255.255.255.255", "224.0.0.1", "::",
                          "ff02::1" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct in6_addr a = addr(bad[i]);
        printf("add %s: %s\n", bad[i],
               ipoib_vif_addrs_add(e, &a) ? "new" : "ignored");
    }

    /* Ten snooped addresses: the oldest two make room. */
    for (int i = 1; i <= 10; i++) {
        char s[16];
        snprintf(s, sizeof s, "10.0.0.%d", i);
        struct in6_addr a = addr(s);
        ipoib_vif_addrs_add(e, &a);
    }
    print_entry("ten snooped", e);
    struct in6_addr again = addr("10.0.0.5");
    printf("add 10.0.0.5 again: %s\n",
           ipoib_vif_addrs_add(e, &again) ? "new" : "known");

    /* The database's addresses stay when snooped ones come. */
    struct in6_addr conf[] = { addr("10.0.0.7"), addr("fd00::5") };
    printf("configure: %s\n",
           ipoib_vif_addrs_set_configured(e, conf, 2) ? "changed" : "same");
    print_entry("configured", e);
    for (int i = 20; i < 30; i++) {
        char s[16];
        snprintf(s, sizeof s, "10.0.0.%d", i);
        struct in6_addr a = addr(s);
        ipoib_vif_addrs_add(e, &a);
    }
    print_entry("ten more snooped", e);
    printf("configure none: %s\n",
           ipoib_vif_addrs_set_configured(e, NULL, 0) ? "changed" : "same");
    print_entry("unconfigured", e);

    /* The schedule: rounds at 0, 100 and 500 ms. */
    ipoib_vif_addrs_schedule(&t, e, 0, 1000);
    printf("pending without QPN: %"PRIuSIZE"\n", t.n_pending);
    ipoib_vif_addrs_schedule(&t, e, 0x48, 1000);
    long long int times[] = { 999, 1000, 1000, 1099, 1100, 1599, 1600, 5000 };
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        long long int next = ipoib_vif_addrs_next_due(&t);
        printf("at %lld: %s (next %lld)\n", times[i],
               ipoib_vif_addrs_take_due(&t, e, times[i]) ? "send" : "-",
               next == LLONG_MAX ? -1LL : next);
    }
    printf("pending %"PRIuSIZE", announced qpn 0x%"PRIx32"\n", t.n_pending,
           e->announced_qpn);

    /* While under way, a new trigger does not restart it; a new QPN does. */
    ipoib_vif_addrs_schedule(&t, e, 0x48, 6000);
    ipoib_vif_addrs_take_due(&t, e, 6000);
    ipoib_vif_addrs_schedule(&t, e, 0x48, 6050);
    printf("retrigger at 6050: next %lld\n", ipoib_vif_addrs_next_due(&t));
    ipoib_vif_addrs_schedule(&t, e, 0x4a, 6060);
    printf("new qpn at 6060: next %lld\n", ipoib_vif_addrs_next_due(&t));

    /* Removing a pending entry leaves nothing pending. */
    ipoib_vif_addrs_schedule(&t, e, 0x49, 6000);
    ipoib_vif_addrs_remove(&t, e);
    printf("after remove: %"PRIuSIZE" entries, %"PRIuSIZE" pending\n",
           ipoib_vif_addrs_count(&t), t.n_pending);
    ipoib_vif_addrs_destroy(&t);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc >= 2 && !strcmp(argv[1], "parse")) {
        do_parse(argc - 2, argv + 2);
    } else if (argc == 2 && !strcmp(argv[1], "table")) {
        do_table();
    } else {
        ovs_fatal(0, "usage: %s parse HEX... | table", argv[0]);
    }
    return 0;
}
