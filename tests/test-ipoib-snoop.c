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
#include "util.h"

/* test-ipoib-snoop HEX...
 *
 * Parses each argument, an Ethernet frame in hex, as ipoib-mcast-snoop
 * does for frames a VM sends, and prints what it found: "none",
 * "malformed", or the reporter and one line per group record. */

static size_t
parse_hex(const char *s, uint8_t *buf, size_t size)
{
    size_t n = 0;

    while (s[0] && s[1] && n < size) {
        unsigned int byte;
        if (sscanf(s, "%2x", &byte) != 1) {
            ovs_fatal(0, "%s: not hex", s);
        }
        buf[n++] = byte;
        s += 2;
    }
    return n;
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
    static uint8_t frame[9000];

    set_program_name(argv[0]);
    for (int i = 1; i < argc; i++) {
        struct ipoib_snoop_report report;
        size_t len = parse_hex(argv[i], frame, sizeof frame);

        switch (ipoib_mcast_snoop_parse(frame, len, &report)) {
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
    }
    return 0;
}
