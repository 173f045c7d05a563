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

/* Unit tests of the SA MAD codec (transport/ib-sa-mad.c) with byte
 * vectors: encodes requests and prints their bytes, decodes answers given
 * in hex and prints their fields.  Run "test-sa-mad help"; tests/ipoib-sa.at
 * drives it. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/umad_types.h>
#include <infiniband/umad_sa.h>

#include "lib/ipoib-addr.h"
#include "transport/ib-sa-mad.h"
#include "util.h"

static void
usage(void)
{
    printf("usage: %s COMMAND ARGS\n"
           "  encode-path SGID DGID|lid:LID PKEY TID\n"
           "  encode-join SGID MGID PKEY JOIN-STATE TID [QKEY]\n"
           "  encode-leave SGID MGID JOIN-STATE TID\n"
           "      print the request MAD, 8 bytes a line, up to its last\n"
           "      nonzero byte\n"
           "  decode path|mcmember HEX...\n"
           "      decode an answer given as hex digits (spaces allowed)\n"
           "  status STATUS\n"
           "      print the errno value a MAD status maps to\n",
           program_name);
}

static void
parse_gid(const char *s, struct ib_gid *gid)
{
    if (!ib_gid_parse(s, gid)) {
        ovs_fatal(0, "%s: bad GID", s);
    }
}

static uint64_t
parse_u64(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);

    if (*end || end == s) {
        ovs_fatal(0, "%s: bad number", s);
    }
    return v;
}

static void
print_mad(const uint8_t *mad)
{
    int last = IB_SA_MAD_LEN - 1;

    while (last > 0 && !mad[last]) {
        last--;
    }
    for (int i = 0; i <= last; i++) {
        if (i % 8 == 0) {
            printf("%s%02x:", i ? "\n" : "", i);
        }
        printf(" %02x", mad[i]);
    }
    putchar('\n');
}

static void
encode_path(char *argv[], int argc)
{
    uint8_t mad[IB_SA_MAD_LEN];
    struct ib_sa_path_rec pr;
    uint64_t comp_mask;

    if (argc != 6) {
        ovs_fatal(0, "encode-path needs SGID DGID|lid:LID PKEY TID");
    }
    memset(&pr, 0, sizeof pr);
    parse_gid(argv[2], &pr.sgid);
    comp_mask = IB_SA_PR_COMP_SGID | IB_SA_PR_COMP_PKEY;
    if (!strncmp(argv[3], "lid:", 4)) {
        pr.dlid = parse_u64(argv[3] + 4);
        comp_mask |= IB_SA_PR_COMP_DLID;
    } else {
        parse_gid(argv[3], &pr.dgid);
        comp_mask |= IB_SA_PR_COMP_DGID;
    }
    pr.pkey = parse_u64(argv[4]);
    pr.reversible = true;
    pr.numb_path = 1;
    comp_mask |= IB_SA_PR_COMP_REVERSIBLE | IB_SA_PR_COMP_NUMB_PATH;
    ib_sa_mad_encode_path(mad, UMAD_METHOD_GET, parse_u64(argv[5]),
                          comp_mask, &pr);
    print_mad(mad);
}

static void
encode_mcmember(char *argv[], int argc, bool join)
{
    uint8_t mad[IB_SA_MAD_LEN];
    struct ib_sa_mcmember mcm;
    uint64_t comp_mask;
    int i = 2;

    if (join ? argc != 7 && argc != 8 : argc != 6) {
        ovs_fatal(0, "wrong number of arguments");
    }
    memset(&mcm, 0, sizeof mcm);
    parse_gid(argv[i++], &mcm.port_gid);
    parse_gid(argv[i++], &mcm.mgid);
    comp_mask = (IB_SA_MCM_COMP_MGID | IB_SA_MCM_COMP_PORT_GID
                 | IB_SA_MCM_COMP_JOIN_STATE);
    if (join) {
        mcm.pkey = parse_u64(argv[i++]);
        comp_mask |= IB_SA_MCM_COMP_PKEY;
    }
    mcm.join_state = parse_u64(argv[i++]);
    if (join && argc == 8) {
        /* Creation: Q_Key, SL 0, MTU exactly 2048. */
        mcm.qkey = parse_u64(argv[7]);
        mcm.mtu = (IB_SA_SEL_EXACTLY << IB_SA_SEL_SHIFT)
                  | ib_mtu_bytes_to_code(2048);
        comp_mask |= (IB_SA_MCM_COMP_QKEY | IB_SA_MCM_COMP_SL
                      | IB_SA_MCM_COMP_TCLASS | IB_SA_MCM_COMP_FLOW_LABEL
                      | IB_SA_MCM_COMP_HOP_LIMIT | IB_SA_MCM_COMP_MTU_SEL
                      | IB_SA_MCM_COMP_MTU);
    }
    ib_sa_mad_encode_mcmember(mad, join ? UMAD_METHOD_SET
                                        : UMAD_SA_METHOD_DELETE,
                              parse_u64(argv[i]), comp_mask, &mcm);
    print_mad(mad);
}

/* Parses hex digits from 'argv', skipping white space, into 'buf'.
 * Returns the number of bytes. */
static size_t
parse_hex(char *argv[], int argc, uint8_t *buf, size_t size)
{
    size_t n = 0;
    int nibble = -1;

    for (int i = 0; i < argc; i++) {
        for (const char *p = argv[i]; *p; p++) {
            int digit;

            if (isspace((unsigned char) *p)) {
                continue;
            } else if (!isxdigit((unsigned char) *p)) {
                ovs_fatal(0, "'%c': not a hex digit", *p);
            }
            digit = isdigit((unsigned char) *p) ? *p - '0'
                                                : tolower(*p) - 'a' + 10;
            if (nibble < 0) {
                nibble = digit;
            } else {
                if (n >= size) {
                    ovs_fatal(0, "more than %"PRIuSIZE" bytes", size);
                }
                buf[n++] = (nibble << 4) | digit;
                nibble = -1;
            }
        }
    }
    if (nibble >= 0) {
        ovs_fatal(0, "odd number of hex digits");
    }
    return n;
}

static void
decode(char *argv[], int argc)
{
    uint8_t mad[IB_SA_MAD_LEN + 16];
    struct ib_sa_mad_hdr hdr;
    char gid_s[IB_GID_STRLEN], gid2_s[IB_GID_STRLEN];
    size_t len;

    if (argc < 3) {
        ovs_fatal(0, "decode needs path|mcmember HEX...");
    }
    /* The vector is copied to a buffer of its own length, so that a
     * decoder reading past it shows up under valgrind or ASan. */
    len = parse_hex(argv + 3, argc - 3, mad, sizeof mad);
    uint8_t *copy = xmemdup(mad, len ? len : 1);

    if (ib_sa_mad_decode_hdr(copy, len, &hdr)) {
        printf("hdr: EINVAL\n");
        free(copy);
        return;
    }
    printf("hdr: method=0x%02x status=0x%04"PRIx16" tid=0x%016"PRIx64
           " attr=0x%04"PRIx16" attr_offset=%"PRIu16"\n",
           hdr.method, hdr.status, hdr.tid, hdr.attr_id, hdr.attr_offset);

    if (!strcmp(argv[2], "path")) {
        struct ib_sa_path_rec pr;

        if (ib_sa_mad_decode_path(copy, len, &pr)) {
            printf("path: EINVAL\n");
        } else {
            printf("path: dgid=%s sgid=%s dlid=%"PRIu16" slid=%"PRIu16
                   " pkey=0x%04"PRIx16" sl=%u mtu=%"PRIu32" rate=0x%02x"
                   " reversible=%d numb_path=%u hop_limit=%u\n",
                   ib_gid_format(&pr.dgid, gid_s),
                   ib_gid_format(&pr.sgid, gid2_s), pr.dlid, pr.slid,
                   pr.pkey, pr.sl,
                   ib_mtu_code_to_bytes(pr.mtu & IB_SA_VALUE_MASK), pr.rate,
                   pr.reversible, pr.numb_path, pr.hop_limit);
        }
    } else if (!strcmp(argv[2], "mcmember")) {
        struct ib_sa_mcmember mcm;

        if (ib_sa_mad_decode_mcmember(copy, len, &mcm)) {
            printf("mcmember: EINVAL\n");
        } else {
            printf("mcmember: mgid=%s port_gid=%s qkey=0x%08"PRIx32
                   " mlid=0x%04"PRIx16" mtu=%"PRIu32" pkey=0x%04"PRIx16
                   " sl=%u scope=%u join_state=0x%x\n",
                   ib_gid_format(&mcm.mgid, gid_s),
                   ib_gid_format(&mcm.port_gid, gid2_s), mcm.qkey, mcm.mlid,
                   ib_mtu_code_to_bytes(mcm.mtu & IB_SA_VALUE_MASK),
                   mcm.pkey, mcm.sl, mcm.scope, mcm.join_state);
        }
    } else {
        ovs_fatal(0, "%s: path or mcmember expected", argv[2]);
    }
    free(copy);
}

static const char *
errno_name(int error)
{
    switch (error) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case ENOENT: return "ENOENT";
    case ENOSPC: return "ENOSPC";
    case E2BIG: return "E2BIG";
    case EPROTO: return "EPROTO";
    default: return "other";
    }
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2 || !strcmp(argv[1], "help")) {
        usage();
    } else if (!strcmp(argv[1], "encode-path")) {
        encode_path(argv, argc);
    } else if (!strcmp(argv[1], "encode-join")) {
        encode_mcmember(argv, argc, true);
    } else if (!strcmp(argv[1], "encode-leave")) {
        encode_mcmember(argv, argc, false);
    } else if (!strcmp(argv[1], "decode")) {
        decode(argv, argc);
    } else if (!strcmp(argv[1], "status") && argc == 3) {
        printf("%s\n", errno_name(ib_sa_status_to_errno(parse_u64(argv[2]))));
    } else {
        ovs_fatal(0, "unknown command; try \"help\"");
    }
    return 0;
}
