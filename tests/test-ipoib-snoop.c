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
#include <string.h>

#include "netdev-ipoib/ipoib-mcast-snoop.h"
#include "packets.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* test-ipoib-snoop HEX...
 *
 * Parses each argument, an Ethernet frame in hex, as ipoib-mcast-snoop
 * does for frames a VM sends, and prints what it found: "none",
 * "malformed", or the reporter and one line per group record. */

/* Parses the hex string 's' into 'buf' (OVS's own hex parser), dying on
 * anything that is not hex. */
static void
parse_hex(const char *s, struct ofpbuf *buf)
{
    const char *end = ofpbuf_put_hex(buf, s, NULL);
    if (*end) {
        ovs_fatal(0, "%s: not hex", s);
    }
}

static void
print_record(const struct ipoib_snoop_record *r)
{
    char s[INET6_ADDRSTRLEN];

    if (r->ipv6) {
        inet_ntop(AF_INET6, r->group, s, sizeof s);
    } else {
        inet_ntop(AF_INET, r->group, s, sizeof s);
    }
    printf("  %s %s\n", r->join ? "join" : "leave", s);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    for (int i = 1; i < argc; i++) {
        struct ipoib_snoop_report report;
        struct ofpbuf frame;

        ofpbuf_init(&frame, 0);
        parse_hex(argv[i], &frame);
        switch (ipoib_mcast_snoop_parse(frame.data, frame.size, &report)) {
        case IPOIB_SNOOP_NONE:
            printf("none\n");
            break;
        case IPOIB_SNOOP_MALFORMED:
            printf("malformed\n");
            break;
        case IPOIB_SNOOP_REPORT:
            printf("report from "ETH_ADDR_FMT"%s\n",
                   ETH_ADDR_ARGS(report.reporter),
                   report.truncated ? " (truncated)" : "");
            for (size_t j = 0; j < report.n; j++) {
                print_record(&report.records[j]);
            }
            break;
        }
        ofpbuf_uninit(&frame);
    }
    return 0;
}
