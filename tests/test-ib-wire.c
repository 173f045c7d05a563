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

/* Tests for the IB wire codec: IPoIB addresses and MGIDs, the ICRC and
 * VCRC, building and parsing UD packets, and the pcap reader and writer.
 * Run "test-ib-wire help" for the subcommands; tests/ipoib-wire.at drives
 * them. */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "lib/ib-crc.h"
#include "lib/ib-packet.h"
#include "lib/ib-pcap.h"
#include "lib/ipoib-addr.h"
#include "timeval.h"
#include "util.h"

/* Big enough for any IB packet in a test (the LRH length field limits
 * packets to 8190 bytes). */
#define PKT_BUF_SIZE 65536

/* IPoIB encapsulation header, EtherTypes, ARP. */
#define IPOIB_HDR_LEN 4
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ARP_HWTYPE_INFINIBAND 32
#define ARP_FIXED_LEN 8

/* RC opcodes whose payload starts right after the BTH and carries the IPoIB
 * header in connected mode. */
#define IB_OPCODE_RC_SEND_FIRST 0x00
#define IB_OPCODE_RC_SEND_ONLY 0x04

static int n_failures;

/* Records a failed check and carries on, so that one run reports every
 * failure; the program exits nonzero at the end. */
#define CHECK(COND)                                                     \
    ((COND) ? (void) 0 : check_failed(__FILE__, __LINE__, #COND))

static void
check_failed(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, cond);
    n_failures++;
}

static const char *
error_name(int error)
{
    switch (error) {
    case 0:
        return "ok";
    case EOF:
        return "EOF";
    case EINVAL:
        return "EINVAL";
    case EPROTONOSUPPORT:
        return "EPROTONOSUPPORT";
    case EMSGSIZE:
        return "EMSGSIZE";
    default:
        return ovs_strerror(error);
    }
}

/* A small deterministic PRNG (xorshift32), so that test output does not
 * depend on the C library's rand(). */
static uint32_t prng_state = 0x12345678;

static uint32_t
prng(void)
{
    prng_state ^= prng_state << 13;
    prng_state ^= prng_state >> 17;
    prng_state ^= prng_state << 5;
    return prng_state;
}

static void
fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = prng();
    }
}

/* Parses up to 'size' bytes of hex digits (whitespace ignored) from 's'.
 * Returns the number of bytes, or SIZE_MAX if 's' is not valid hex. */
static size_t
parse_hex(const char *s, uint8_t *out, size_t size)
{
    size_t n = 0;
    int hi = -1;

    for (; *s; s++) {
        int v;

        if (*s == ' ' || *s == '\n' || *s == ':') {
            continue;
        }
        v = hexit_value(*s);
        if (v < 0) {
            return SIZE_MAX;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= size) {
                return SIZE_MAX;
            }
            out[n++] = (hi << 4) | v;
            hi = -1;
        }
    }
    return hi < 0 ? n : SIZE_MAX;
}

static void
print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

/* "gid STRING...": parses and reformats GIDs. */
static void
cmd_gid(int argc, char *argv[])
{
    for (int i = 2; i < argc; i++) {
        char buf[IB_GID_STRLEN];
        struct ib_gid gid;

        if (!ib_gid_parse(argv[i], &gid)) {
            printf("%s -> invalid\n", argv[i]);
            continue;
        }
        printf("%s -> %s prefix=%016"PRIx64" id=%016"PRIx64"%s\n",
               argv[i], ib_gid_format(&gid, buf),
               ib_gid_subnet_prefix(&gid), ib_gid_interface_id(&gid),
               ib_gid_is_multicast(&gid) ? " multicast" : "");
    }
}

/* "hwaddr STRING...": parses and reformats IPoIB hardware addresses. */
static void
cmd_hwaddr(int argc, char *argv[])
{
    for (int i = 2; i < argc; i++) {
        char buf[IPOIB_HWADDR_STRLEN], gidbuf[IB_GID_STRLEN];
        struct ipoib_hwaddr addr;
        struct ib_gid gid;

        if (!ipoib_hwaddr_parse(argv[i], &addr)) {
            printf("%s -> invalid\n", argv[i]);
            continue;
        }
        ipoib_hwaddr_gid(&addr, &gid);
        printf("%s -> %s flags=0x%02x qpn=0x%06"PRIx32" gid=%s%s\n",
               argv[i], ipoib_hwaddr_format(&addr, buf),
               ipoib_hwaddr_flags(&addr), ipoib_hwaddr_qpn(&addr),
               ib_gid_format(&gid, gidbuf),
               ipoib_hwaddr_is_multicast(&addr) ? " multicast" : "");
    }
}

/* "mgid broadcast|ipv4|ipv6 PKEY SCOPE [GROUP]": prints an IPoIB MGID. */
static void
cmd_mgid(int argc, char *argv[])
{
    const char *kind = argv[2];
    uint16_t pkey = strtoul(argv[3], NULL, 16);
    uint8_t scope = strtoul(argv[4], NULL, 16);
    char buf[IB_GID_STRLEN];
    struct ib_gid mgid;

    if (!strcmp(kind, "broadcast")) {
        ipoib_mgid_broadcast(&mgid, pkey, scope);
    } else if (!strcmp(kind, "ipv4") && argc > 5) {
        struct in_addr group;

        if (inet_pton(AF_INET, argv[5], &group) != 1) {
            ovs_fatal(0, "%s: bad IPv4 address", argv[5]);
        }
        ipoib_mgid_ipv4(&mgid, pkey, scope, group.s_addr);
    } else if (!strcmp(kind, "ipv6") && argc > 5) {
        struct in6_addr group;

        if (inet_pton(AF_INET6, argv[5], &group) != 1) {
            ovs_fatal(0, "%s: bad IPv6 address", argv[5]);
        }
        ipoib_mgid_ipv6(&mgid, pkey, scope, group.s6_addr);
    } else {
        ovs_fatal(0, "usage: mgid broadcast|ipv4|ipv6 PKEY SCOPE [GROUP]");
    }
    printf("%s\n", ib_gid_format(&mgid, buf));
}

/* "addr": checks the address helpers against hand-written expectations. */
static void
cmd_addr(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    static const uint8_t capture_addr[IPOIB_HWADDR_LEN] = {
        0x80, 0x00, 0x04, 0x04, 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
        0x00, 0x02, 0xc9, 0x02, 0x00, 0x20, 0xb4, 0xdd,
    };
    static const uint8_t broadcast[IPOIB_HWADDR_LEN] = {
        0x00, 0xff, 0xff, 0xff, 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
        0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    };
    struct ipoib_hwaddr a, b;
    struct ib_gid gid, gid2;
    char buf[IPOIB_HWADDR_STRLEN];

    /* GID parts. */
    ib_gid_from_parts(&gid, IB_DEFAULT_SUBNET_PREFIX, 0x0002c9020020b4ddULL);
    CHECK(!memcmp(gid.b, capture_addr + 4, IB_GID_LEN));
    CHECK(ib_gid_subnet_prefix(&gid) == IB_DEFAULT_SUBNET_PREFIX);
    CHECK(ib_gid_interface_id(&gid) == 0x0002c9020020b4ddULL);
    CHECK(!ib_gid_is_multicast(&gid));
    CHECK(!ib_gid_is_zero(&gid));
    gid2 = gid;
    CHECK(ib_gid_equals(&gid, &gid2));
    gid2.b[15] ^= 1;
    CHECK(!ib_gid_equals(&gid, &gid2));
    memset(&gid2, 0, sizeof gid2);
    CHECK(ib_gid_is_zero(&gid2));

    /* Hardware address from parts, as in the capture. */
    ipoib_hwaddr_make(&a, IPOIB_HWADDR_F_CM, 0x404, &gid);
    CHECK(!memcmp(a.b, capture_addr, IPOIB_HWADDR_LEN));
    CHECK(ipoib_hwaddr_flags(&a) == IPOIB_HWADDR_F_CM);
    CHECK(ipoib_hwaddr_qpn(&a) == 0x404);
    ipoib_hwaddr_gid(&a, &gid2);
    CHECK(ib_gid_equals(&gid, &gid2));
    CHECK(!ipoib_hwaddr_is_zero(&a));
    CHECK(!ipoib_hwaddr_is_multicast(&a));

    /* The QPN is truncated to 24 bits. */
    ipoib_hwaddr_make(&b, 0, 0xff000404, &gid);
    CHECK(ipoib_hwaddr_qpn(&b) == 0x404);

    /* Same endpoint ignores only the flags. */
    CHECK(!ipoib_hwaddr_equals(&a, &b));
    CHECK(ipoib_hwaddr_same_endpoint(&a, &b));
    ipoib_hwaddr_make(&b, IPOIB_HWADDR_F_CM, 0x405, &gid);
    CHECK(!ipoib_hwaddr_same_endpoint(&a, &b));
    CHECK(!ipoib_hwaddr_equals(&a, &b));
    b = a;
    CHECK(ipoib_hwaddr_equals(&a, &b));
    memset(&b, 0, sizeof b);
    CHECK(ipoib_hwaddr_is_zero(&b));

    /* Formatting and both parse forms round-trip. */
    ipoib_hwaddr_format(&a, buf);
    CHECK(!strcmp(buf, "80:00:04:04:fe:80:00:00:00:00:00:00:00:02:c9:02"
                  ":00:20:b4:dd"));
    CHECK(strlen(buf) == IPOIB_HWADDR_STRLEN - 1);
    CHECK(ipoib_hwaddr_parse(buf, &b) && ipoib_hwaddr_equals(&a, &b));
    CHECK(ipoib_hwaddr_parse("80000404fe800000000000000002c9020020b4dd", &b)
          && ipoib_hwaddr_equals(&a, &b));
    CHECK(ipoib_hwaddr_parse("80000404FE800000000000000002C9020020B4DD", &b)
          && ipoib_hwaddr_equals(&a, &b));

    /* A failed parse leaves the output alone. */
    b = a;
    CHECK(!ipoib_hwaddr_parse("", &b));
    CHECK(!ipoib_hwaddr_parse("80000404fe800000000000000002c9020020b4d", &b));
    CHECK(!ipoib_hwaddr_parse("80000404fe800000000000000002c9020020b4ddd",
                              &b));
    CHECK(!ipoib_hwaddr_parse("80000404fe800000000000000002c9020020b4dg",
                              &b));
    CHECK(!ipoib_hwaddr_parse("80:00:04:04:fe:80:00:00:00:00:00:00:00:02:c9"
                              ":02:00:20:b4-dd", &b));
    CHECK(ipoib_hwaddr_equals(&a, &b));

    /* Broadcast. */
    ipoib_hwaddr_broadcast(&b, IB_DEFAULT_PKEY, IPOIB_SCOPE_LINK_LOCAL);
    CHECK(!memcmp(b.b, broadcast, IPOIB_HWADDR_LEN));
    CHECK(ipoib_hwaddr_is_multicast(&b));
    CHECK(ipoib_hwaddr_qpn(&b) == IB_MULTICAST_QPN);
    ipoib_hwaddr_gid(&b, &gid2);
    CHECK(ib_gid_is_multicast(&gid2));

    /* Scope and P_Key land where RFC 4391 puts them. */
    ipoib_mgid_broadcast(&gid2, 0x8001, IPOIB_SCOPE_SITE_LOCAL);
    CHECK(gid2.b[0] == 0xff && gid2.b[1] == 0x15);
    CHECK(gid2.b[4] == 0x80 && gid2.b[5] == 0x01);
    printf("addr: ok\n");
}

/* Bit-at-a-time references for the table-driven CRCs. */
static uint32_t
ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = UINT32_MAX;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = crc & 1 ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
        }
    }
    return ~crc;
}

/* Runs the CRC-16 in its unreflected form (polynomial 0x100b, MSB first on
 * bit-reversed bytes, result reversed) so that it is an independent check
 * of the reflected table. */
static uint8_t
reverse8(uint8_t b)
{
    uint8_t r = 0;

    for (int i = 0; i < 8; i++) {
        r = (r << 1) | ((b >> i) & 1);
    }
    return r;
}

static uint16_t
reverse16(uint16_t v)
{
    return (reverse8(v & 0xff) << 8) | reverse8(v >> 8);
}

static uint16_t
ref_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xffff;

    for (size_t i = 0; i < n; i++) {
        crc ^= reverse8(p[i]) << 8;
        for (int b = 0; b < 8; b++) {
            crc = crc & 0x8000 ? (crc << 1) ^ 0x100b : crc << 1;
        }
    }
    return reverse16(crc) ^ 0xffff;
}

/* Reference ICRC: masks a copy field by field, then runs ref_crc32(). */
static uint32_t
ref_icrc(const uint8_t *pkt, size_t covered)
{
    uint8_t copy[PKT_BUF_SIZE];
    size_t bth;

    memcpy(copy, pkt, covered);
    if ((copy[1] & 3) == IB_LNH_IBA_GLOBAL) {
        memset(copy, 0xff, IB_LRH_LEN);           /* Whole LRH. */
        copy[8] |= 0x0f;                          /* TClass... */
        memset(copy + 9, 0xff, 3);                /* ...and flow label. */
        copy[15] = 0xff;                          /* Hop limit. */
        bth = IB_LRH_LEN + IB_GRH_LEN;
    } else {
        copy[0] |= 0xf0;                          /* VL. */
        bth = IB_LRH_LEN;
    }
    copy[bth + 4] = 0xff;                         /* resv8a. */
    return ref_crc32(copy, covered);
}

/* "crc": known answers, and the sliced tables against the references. */
static void
cmd_crc(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    static const char check[] = "123456789";
    uint8_t buf[1024];

    printf("crc32(\"%s\") = %08"PRIx32"\n", check,
           ib_crc32(0, check, strlen(check)));
    printf("crc16(\"%s\") = %04"PRIx16"\n", check,
           ib_crc16(0, check, strlen(check)));
    CHECK(ib_crc32(0, check, 9) == 0xcbf43926);
    CHECK(ib_crc16(0, check, 9) == ref_crc16((const uint8_t *) check, 9));

    /* Every length and alignment up to a few slices, then long runs, and
     * incremental computation in two pieces. */
    fill_random(buf, sizeof buf);
    for (size_t ofs = 0; ofs < 8; ofs++) {
        for (size_t n = 0; n + ofs <= 80; n++) {
            CHECK(ib_crc32(0, buf + ofs, n) == ref_crc32(buf + ofs, n));
            CHECK(ib_crc16(0, buf + ofs, n) == ref_crc16(buf + ofs, n));
        }
    }
    CHECK(ib_crc32(0, buf, sizeof buf) == ref_crc32(buf, sizeof buf));
    CHECK(ib_crc16(0, buf, sizeof buf) == ref_crc16(buf, sizeof buf));
    for (size_t split = 0; split <= 100; split += 7) {
        CHECK(ib_crc32(ib_crc32(0, buf, split), buf + split, 300 - split)
              == ref_crc32(buf, 300));
        CHECK(ib_crc16(ib_crc16(0, buf, split), buf + split, 300 - split)
              == ref_crc16(buf, 300));
    }

    /* ICRC and VCRC of random "packets" of both LRH kinds. */
    for (int i = 0; i < 200; i++) {
        size_t covered = IB_LRH_LEN + IB_GRH_LEN + IB_BTH_LEN + prng() % 600;

        fill_random(buf, covered);
        CHECK(ib_icrc_compute(buf, covered) == ref_icrc(buf, covered));
        CHECK(ib_vcrc_compute(buf, covered) == ref_crc16(buf, covered));
    }

    /* Short input reads nothing beyond 'covered'. */
    for (size_t n = 0; n < IB_LRH_LEN + IB_GRH_LEN + IB_BTH_LEN; n++) {
        uint8_t *copy = xmemdup(buf, n ? n : 1);

        ib_icrc_compute(copy, n);
        free(copy);
    }
    printf("crc: ok\n");
}

/* Builds a packet from 'h' and a random 'len'-byte payload, then checks
 * every property of the result and that parsing gives 'h' back. */
static void
check_round_trip(const struct ib_ud_headers *h, size_t len)
{
    uint8_t payload[PKT_BUF_SIZE], pkt[PKT_BUF_SIZE];
    struct ib_ud_headers parsed;
    const uint8_t *p;
    size_t plen;
    bool icrc_ok, vcrc_ok;

    fill_random(payload, len);
    size_t pkt_len = ib_ud_packet_build(h, payload, len, pkt, sizeof pkt);
    size_t hdr_len = IB_LRH_LEN + (h->has_grh ? IB_GRH_LEN : 0) + IB_BTH_LEN
                     + IB_DETH_LEN
                     + (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM
                        ? IB_IMMDT_LEN : 0);
    size_t pad = (4 - len % 4) % 4;

    CHECK(pkt_len == hdr_len + len + pad + IB_ICRC_LEN + IB_VCRC_LEN);
    CHECK(pkt_len == ib_ud_packet_len(h, len));
    CHECK(pkt_len - hdr_len - len <= IB_UD_MAX_OVERHEAD - hdr_len);
    if (!pkt_len) {
        return;
    }

    /* Lengths in the LRH and GRH, pad count and pad bytes. */
    CHECK(((pkt[4] << 8 | pkt[5]) & 0x7ff) * 4 == pkt_len - IB_VCRC_LEN);
    CHECK((pkt[1] & 3) == (h->has_grh ? IB_LNH_IBA_GLOBAL
                                      : IB_LNH_IBA_LOCAL));
    if (h->has_grh) {
        CHECK((size_t) (pkt[12] << 8 | pkt[13])
              == pkt_len - IB_VCRC_LEN - IB_LRH_LEN - IB_GRH_LEN);
        CHECK(pkt[14] == IB_GRH_NXTHDR_IBA);
        CHECK(pkt[8] >> 4 == 6);
    }
    size_t bth = IB_LRH_LEN + (h->has_grh ? IB_GRH_LEN : 0);
    CHECK(((pkt[bth + 1] >> 4) & 3) == pad);
    CHECK(!memcmp(pkt + hdr_len, payload, len));
    for (size_t i = 0; i < pad; i++) {
        CHECK(pkt[hdr_len + len + i] == 0);
    }

    /* CRCs against the bit-at-a-time references. */
    size_t icrc_ofs = pkt_len - IB_VCRC_LEN - IB_ICRC_LEN;
    CHECK(ib_icrc_load(pkt + icrc_ofs) == ref_icrc(pkt, icrc_ofs));
    CHECK(ib_vcrc_load(pkt + pkt_len - IB_VCRC_LEN)
          == ref_crc16(pkt, pkt_len - IB_VCRC_LEN));

    /* Parse gives everything back. */
    CHECK(!ib_ud_packet_parse(pkt, pkt_len, &parsed, &p, &plen,
                              &icrc_ok, &vcrc_ok));
    CHECK(icrc_ok && vcrc_ok);
    CHECK(p == pkt + hdr_len && plen == len);
    CHECK(parsed.vl == (h->vl & 0xf) && parsed.sl == (h->sl & 0xf));
    CHECK(parsed.dlid == h->dlid && parsed.slid == h->slid);
    CHECK(parsed.has_grh == h->has_grh);
    if (h->has_grh) {
        CHECK(ib_gid_equals(&parsed.sgid, &h->sgid));
        CHECK(ib_gid_equals(&parsed.dgid, &h->dgid));
        CHECK(parsed.tclass == h->tclass);
        CHECK(parsed.hop_limit == h->hop_limit);
        CHECK(parsed.flow_label == (h->flow_label & 0xfffff));
    }
    CHECK(parsed.opcode == h->opcode);
    CHECK(parsed.solicited == h->solicited);
    CHECK(parsed.pkey == h->pkey);
    CHECK(parsed.dqpn == (h->dqpn & IB_QPN_MASK));
    CHECK(parsed.psn == (h->psn & 0xffffff));
    CHECK(parsed.qkey == h->qkey);
    CHECK(parsed.sqpn == (h->sqpn & IB_QPN_MASK));
    if (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM) {
        CHECK(parsed.immediate == h->immediate);
    }

    /* The variant fields may change in flight without breaking the ICRC,
     * as long as the VCRC is redone; anything else breaks it. */
    uint8_t copy[PKT_BUF_SIZE];
    memcpy(copy, pkt, pkt_len);
    copy[0] ^= 0x30;                              /* VL. */
    if (h->has_grh) {
        copy[2] ^= 0xff;                          /* DLID. */
        copy[15] ^= 0x3f;                         /* Hop limit. */
        copy[10] ^= 0x55;                         /* Flow label. */
    }
    copy[bth + 4] ^= 0x81;                        /* resv8a. */
    ib_vcrc_store(copy + pkt_len - IB_VCRC_LEN,
                  ib_vcrc_compute(copy, pkt_len - IB_VCRC_LEN));
    CHECK(ib_ud_packet_parse(copy, pkt_len, &parsed, NULL, NULL,
                             &icrc_ok, &vcrc_ok) == 0);
    CHECK(icrc_ok && vcrc_ok);

    memcpy(copy, pkt, pkt_len);
    copy[hdr_len + len / 2] ^= (len ? 0x01 : 0);  /* Payload. */
    copy[bth + 7] ^= 0x01;                        /* Destination QP. */
    CHECK(ib_ud_packet_parse(copy, pkt_len, &parsed, NULL, NULL,
                             &icrc_ok, &vcrc_ok) == 0);
    CHECK(!icrc_ok && !vcrc_ok);

    /* Every truncation and extension is refused as malformed. */
    for (size_t n = 0; n < pkt_len; n++) {
        CHECK(ib_ud_packet_parse(pkt, n, &parsed, &p, &plen, &icrc_ok,
                                 &vcrc_ok) == EINVAL);
        CHECK(p == NULL && plen == 0);
    }
    CHECK(ib_ud_packet_parse(pkt, pkt_len + 1, &parsed, NULL, NULL,
                             NULL, NULL) == EINVAL);

    /* Output buffer one byte short. */
    CHECK(ib_ud_packet_build(h, payload, len, pkt, pkt_len - 1) == 0);
}

/* "build-parse": round trips over header variants and payload lengths, and
 * the limits of ib_ud_packet_build(). */
static void
cmd_build_parse(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    static const uint8_t payload[PKT_BUF_SIZE];
    uint8_t pkt[PKT_BUF_SIZE];
    struct ib_ud_headers h;
    int n_packets = 0;

    ib_ud_headers_init(&h);
    CHECK(h.opcode == IB_OPCODE_UD_SEND_ONLY);
    CHECK(!h.has_grh && h.hop_limit == 1);
    CHECK(h.pkey == IB_DEFAULT_PKEY && h.qkey == IB_IPOIB_DEFAULT_QKEY);

    for (int variant = 0; variant < 8; variant++) {
        ib_ud_headers_init(&h);
        h.has_grh = variant & 1;
        h.opcode = (variant & 2 ? IB_OPCODE_UD_SEND_ONLY_IMM
                    : IB_OPCODE_UD_SEND_ONLY);
        h.solicited = variant & 4;
        h.vl = prng() % 15;
        h.sl = prng() % 16;
        h.dlid = prng();
        h.slid = prng();
        ib_gid_from_parts(&h.sgid, IB_DEFAULT_SUBNET_PREFIX,
                          ((uint64_t) prng() << 32) | prng());
        ipoib_mgid_broadcast(&h.dgid, 0xffff, IPOIB_SCOPE_LINK_LOCAL);
        h.tclass = prng();
        h.hop_limit = prng();
        h.flow_label = prng() & 0xfffff;
        h.pkey = prng();
        h.dqpn = prng() & IB_QPN_MASK;
        h.psn = prng() & 0xffffff;
        h.qkey = prng();
        h.sqpn = prng() & IB_QPN_MASK;
        h.immediate = prng();
        for (size_t len = 0; len <= 70; len++) {
            check_round_trip(&h, len);
            n_packets++;
        }
        for (size_t len = 2044; len <= 4096; len += 1021) {
            check_round_trip(&h, len);
            n_packets++;
        }
    }

    /* The largest payloads: the 11-bit LRH length counts words from the
     * LRH through the ICRC. */
    ib_ud_headers_init(&h);
    size_t max_len = IB_MAX_PKT_LEN - IB_LRH_LEN - IB_BTH_LEN - IB_DETH_LEN
                     - IB_ICRC_LEN;
    CHECK(ib_ud_packet_build(&h, payload, max_len, pkt, sizeof pkt)
          == max_len + IB_UD_MAX_OVERHEAD - IB_GRH_LEN - IB_IMMDT_LEN - 3);
    check_round_trip(&h, max_len);
    CHECK(ib_ud_packet_build(&h, payload, max_len + 1, pkt, sizeof pkt)
          == 0);
    CHECK(ib_ud_packet_len(&h, max_len + 1) == 0);
    CHECK(ib_ud_packet_len(&h, SIZE_MAX) == 0);
    h.has_grh = true;
    CHECK(ib_ud_packet_build(&h, payload, max_len, pkt, sizeof pkt) == 0);
    CHECK(ib_ud_packet_build(&h, payload, max_len - IB_GRH_LEN, pkt,
                             sizeof pkt) != 0);

    /* Only UD SENDs are built. */
    ib_ud_headers_init(&h);
    h.opcode = IB_OPCODE_RC_SEND_ONLY;
    CHECK(ib_ud_packet_build(&h, payload, 10, pkt, sizeof pkt) == 0);

    /* Field values wider than their fields are truncated, not spilled. */
    ib_ud_headers_init(&h);
    h.vl = 0xff;
    h.dqpn = 0xffffffff;
    h.flow_label = 0xffffffff;
    h.has_grh = true;
    check_round_trip(&h, 5);
    n_packets++;

    printf("build-parse: %d packets ok\n", n_packets);
}

/* Finds the payload of an RC SEND First/Only packet (which
 * ib_ud_packet_parse() does not parse), for connected-mode IPoIB. */
static bool
rc_send_payload(const uint8_t *pkt, size_t len,
                const struct ib_ud_headers *h,
                const uint8_t **payload, size_t *payload_len)
{
    size_t bth = IB_LRH_LEN + (h->has_grh ? IB_GRH_LEN : 0);
    size_t hdr_len = bth + IB_BTH_LEN;
    size_t tail = IB_ICRC_LEN + IB_VCRC_LEN;

    if ((h->opcode != IB_OPCODE_RC_SEND_ONLY
         && h->opcode != IB_OPCODE_RC_SEND_FIRST)
        || len < hdr_len + tail) {
        return false;
    }
    size_t pad = (pkt[bth + 1] >> 4) & 3;
    if (len < hdr_len + tail + pad) {
        return false;
    }
    *payload = pkt + hdr_len;
    *payload_len = len - hdr_len - tail - pad;
    return true;
}

/* Prints the IPoIB fields of 'payload' as tab-separated columns: the
 * EtherType, then for ARP the hardware type, length and both hardware
 * addresses (empty columns where there is nothing). */
static void
print_ipoib_fields(const uint8_t *payload, size_t len)
{
    if (!payload || len < IPOIB_HDR_LEN || payload[2] || payload[3]) {
        printf("\t\t\t\t\t");
        return;
    }

    uint16_t ethertype = payload[0] << 8 | payload[1];
    printf("\t0x%04x", ethertype);
    payload += IPOIB_HDR_LEN;
    len -= IPOIB_HDR_LEN;
    if (ethertype != ETHERTYPE_ARP || len < ARP_FIXED_LEN) {
        printf("\t\t\t\t");
        return;
    }

    uint8_t hlen = payload[4], plen = payload[5];
    printf("\t%d\t%d", payload[0] << 8 | payload[1], hlen);
    if (len < ARP_FIXED_LEN + 2 * (size_t) (hlen + plen)) {
        printf("\t\t");
        return;
    }
    const uint8_t *sha = payload + ARP_FIXED_LEN;
    const uint8_t *tha = sha + hlen + plen;
    putchar('\t');
    print_hex(sha, hlen);
    putchar('\t');
    print_hex(tha, hlen);
}

/* Prints one line of tab-separated fields for a packet, in the formats
 * tshark uses for the fields listed in tests/ipoib-wire.at, followed by
 * whether the ICRC and VCRC are right. */
static void
dump_packet(int frame, const uint8_t *pkt, size_t len)
{
    struct ib_ud_headers h;
    const uint8_t *payload;
    size_t payload_len;
    bool icrc_ok, vcrc_ok;
    int error = ib_ud_packet_parse(pkt, len, &h, &payload, &payload_len,
                                   &icrc_ok, &vcrc_ok);

    if (error == EINVAL) {
        printf("%d\tmalformed\n", frame);
        return;
    }

    uint8_t lnh = pkt[1] & 3;
    bool iba = lnh == IB_LNH_IBA_LOCAL || lnh == IB_LNH_IBA_GLOBAL;
    printf("%d\t%"PRIu16"\t%"PRIu16"\t0x%02x", frame, h.slid, h.dlid, lnh);
    if (h.has_grh) {
        char sgid[IB_GID_STRLEN], dgid[IB_GID_STRLEN];

        printf("\t%s\t%s", ib_gid_format(&h.sgid, sgid),
               ib_gid_format(&h.dgid, dgid));
    } else {
        printf("\t\t");
    }
    if (iba) {
        printf("\t%d\t%"PRIu16"\t0x%06"PRIx32, h.opcode, h.pkey, h.dqpn);
    } else {
        printf("\t\t\t");
    }
    if (!error) {
        printf("\t0x%016"PRIx32"\t0x%08"PRIx32, h.qkey, h.sqpn);
    } else {
        printf("\t\t");
    }
    /* tshark shows the CRCs' wire bytes as big-endian numbers, although
     * they are stored little-endian. */
    if (iba) {
        printf("\t0x");
        print_hex(pkt + len - IB_VCRC_LEN - IB_ICRC_LEN, IB_ICRC_LEN);
    } else {
        printf("\t");
    }
    printf("\t0x");
    print_hex(pkt + len - IB_VCRC_LEN, IB_VCRC_LEN);

    /* IPoIB rides on UD QPs other than the management QPs 0 and 1, and in
     * connected mode on RC SENDs. */
    if (error == EPROTONOSUPPORT && iba
        && !rc_send_payload(pkt, len, &h, &payload, &payload_len)) {
        payload = NULL;
    }
    if (!error && h.dqpn <= 1) {
        payload = NULL;
    }
    print_ipoib_fields(payload, payload_len);

    printf("\ticrc=%s\tvcrc=%s\n", icrc_ok ? "ok" : "bad",
           vcrc_ok ? "ok" : "bad");
}

static struct ib_pcap_reader *
open_reader(const char *file_name)
{
    int error;
    struct ib_pcap_reader *r = ib_pcap_reader_open(file_name, &error);

    if (!r) {
        printf("open: %s\n", error_name(error));
        exit(1);
    }
    return r;
}

/* "dump-capture FILE": one line per packet (see dump_packet()). */
static void
cmd_dump_capture(int argc OVS_UNUSED, char *argv[])
{
    struct ib_pcap_reader *r = open_reader(argv[2]);
    uint8_t pkt[PKT_BUF_SIZE];
    size_t len;
    int error;

    for (int frame = 1;
         !(error = ib_pcap_read(r, pkt, sizeof pkt, &len, NULL));
         frame++) {
        dump_packet(frame, pkt, len);
    }
    ib_pcap_reader_close(r);
    if (error != EOF) {
        printf("read: %s\n", error_name(error));
        exit(1);
    }
}

/* "read-pcap FILE [BUFSIZE]": lists packet lengths and times, then how the
 * file ended.  Exits 1 if it ended in an error. */
static void
cmd_read_pcap(int argc, char *argv[])
{
    struct ib_pcap_reader *r = open_reader(argv[2]);
    size_t size = argc > 3 ? atoi(argv[3]) : PKT_BUF_SIZE;
    uint8_t *pkt = xmalloc(MAX(size, 1));
    long long usec;
    size_t len;
    int error;
    int n = 0;

    while (!(error = ib_pcap_read(r, pkt, size, &len, &usec))) {
        printf("%d: len=%"PRIuSIZE" time=%lld.%06lld\n", ++n, len,
               usec / 1000000, usec % 1000000);
    }
    printf("%s\n", error_name(error));
    free(pkt);
    ib_pcap_reader_close(r);
    exit(error == EOF ? 0 : 1);
}

/* "build-hex [grh] PAYLOAD_HEX": builds a UD packet (SLID 1, DLID 2,
 * destination QP 0x48, source QP 0x1234) around the payload and prints it
 * in hex, for tests that then damage it. */
static void
cmd_build_hex(int argc, char *argv[])
{
    uint8_t payload[PKT_BUF_SIZE], pkt[PKT_BUF_SIZE];
    bool grh = argc > 3 && !strcmp(argv[2], "grh");
    const char *hex = argv[grh ? 3 : 2];
    size_t payload_len = parse_hex(hex, payload, sizeof payload);
    struct ib_ud_headers h;

    if (payload_len == SIZE_MAX) {
        ovs_fatal(0, "bad hex");
    }
    ib_ud_headers_init(&h);
    h.slid = 1;
    h.dlid = 2;
    h.dqpn = 0x48;
    h.sqpn = 0x1234;
    if (grh) {
        h.has_grh = true;
        ib_gid_from_parts(&h.sgid, IB_DEFAULT_SUBNET_PREFIX, 1);
        ib_gid_from_parts(&h.dgid, IB_DEFAULT_SUBNET_PREFIX, 2);
    }
    size_t len = ib_ud_packet_build(&h, payload, payload_len, pkt,
                                    sizeof pkt);
    if (!len) {
        ovs_fatal(0, "build failed");
    }
    print_hex(pkt, len);
    putchar('\n');
}

/* "parse-hex HEX": parses one packet given in hex. */
static void
cmd_parse_hex(int argc OVS_UNUSED, char *argv[])
{
    uint8_t pkt[PKT_BUF_SIZE];
    size_t len = parse_hex(argv[2], pkt, sizeof pkt);
    struct ib_ud_headers h;
    const uint8_t *payload;
    size_t payload_len;
    bool icrc_ok, vcrc_ok;

    if (len == SIZE_MAX) {
        ovs_fatal(0, "bad hex");
    }
    int error = ib_ud_packet_parse(pkt, len, &h, &payload, &payload_len,
                                   &icrc_ok, &vcrc_ok);
    printf("%s", error_name(error));
    if (!error) {
        printf(" payload=");
        print_hex(payload, payload_len);
    }
    if (error != EINVAL) {
        printf(" slid=%"PRIu16" dlid=%"PRIu16, h.slid, h.dlid);
    }
    printf(" icrc=%s vcrc=%s\n", icrc_ok ? "ok" : "bad",
           vcrc_ok ? "ok" : "bad");
}

/* Parses 'pkt' and checks that whatever comes back stays inside it. */
static int
fuzz_one(const uint8_t *pkt, size_t len)
{
    struct ib_ud_headers h;
    const uint8_t *payload;
    size_t payload_len;
    bool icrc_ok, vcrc_ok;
    int error = ib_ud_packet_parse(pkt, len, &h, &payload, &payload_len,
                                   &icrc_ok, &vcrc_ok);

    CHECK(error == 0 || error == EINVAL || error == EPROTONOSUPPORT);
    if (!error) {
        CHECK(payload >= pkt + IB_LRH_LEN + IB_BTH_LEN + IB_DETH_LEN);
        CHECK(payload + payload_len + IB_ICRC_LEN + IB_VCRC_LEN
              <= pkt + len);
    } else {
        CHECK(!payload && !payload_len);
    }
    return error;
}

/* "fuzz FILE": feeds the parser every truncation of every packet in FILE
 * and many random mutations of them, plus random garbage.  Meant to be run
 * under the sanitizers too. */
static void
cmd_fuzz(int argc OVS_UNUSED, char *argv[])
{
    struct ib_pcap_reader *r = open_reader(argv[2]);
    uint8_t pkt[PKT_BUF_SIZE], copy[PKT_BUF_SIZE];
    size_t len;
    int n_inputs = 0;

    while (!ib_pcap_read(r, pkt, sizeof pkt, &len, NULL)) {
        for (size_t n = 0; n <= len; n++) {
            /* Exact-size heap copies let the sanitizers see overreads. */
            uint8_t *exact = xmemdup(pkt, n ? n : 1);
            fuzz_one(exact, n);
            free(exact);
            n_inputs++;
        }
        for (int i = 0; i < 500; i++) {
            memcpy(copy, pkt, len);
            for (int j = prng() % 4; j >= 0; j--) {
                copy[prng() % MIN(len, 64)] = prng();
            }
            fuzz_one(copy, len);
            n_inputs++;
        }
    }
    ib_pcap_reader_close(r);

    for (int i = 0; i < 2000; i++) {
        size_t n = prng() % 200;
        uint8_t *garbage = xmalloc(n ? n : 1);

        fill_random(garbage, n);
        if (n >= 6 && i % 2) {
            /* Make the LRH length agree with the buffer, so that parsing
             * gets past the first check. */
            garbage[4] = ((n - 2) / 4) >> 8;
            garbage[5] = (n - 2) / 4;
        }
        fuzz_one(garbage, n);
        free(garbage);
        n_inputs++;
    }
    printf("fuzz: %d inputs\n", n_inputs);
}

/* Appends an IPoIB encapsulation header to 'p'; returns the next byte. */
static uint8_t *
put_ipoib_hdr(uint8_t *p, uint16_t ethertype)
{
    p[0] = ethertype >> 8;
    p[1] = ethertype;
    p[2] = p[3] = 0;
    return p + IPOIB_HDR_LEN;
}

static uint8_t *
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
    return p + 2;
}

/* Builds an IPoIB ARP payload; returns its length. */
static size_t
make_arp(uint8_t *buf, uint16_t op,
         const struct ipoib_hwaddr *sha, const char *spa,
         const struct ipoib_hwaddr *tha, const char *tpa)
{
    uint8_t *p = put_ipoib_hdr(buf, ETHERTYPE_ARP);

    p = put_be16(p, ARP_HWTYPE_INFINIBAND);
    p = put_be16(p, ETHERTYPE_IPV4);
    *p++ = IPOIB_HWADDR_LEN;
    *p++ = 4;
    p = put_be16(p, op);
    memcpy(p, sha->b, IPOIB_HWADDR_LEN);
    p += IPOIB_HWADDR_LEN;
    inet_pton(AF_INET, spa, p);
    p += 4;
    memcpy(p, tha->b, IPOIB_HWADDR_LEN);
    p += IPOIB_HWADDR_LEN;
    inet_pton(AF_INET, tpa, p);
    p += 4;
    return p - buf;
}

/* Builds an IPoIB IPv4/UDP payload with 'data_len' bytes of data. */
static size_t
make_udp4(uint8_t *buf, const char *src, const char *dst, size_t data_len)
{
    uint8_t *ip = put_ipoib_hdr(buf, ETHERTYPE_IPV4);
    uint8_t *udp = ip + 20;
    size_t udp_len = 8 + data_len;

    memset(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, 20 + udp_len);
    ip[8] = 64;                                   /* TTL. */
    ip[9] = 17;                                   /* UDP. */
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    ovs_be16 ip_csum = csum(ip, 20);
    memcpy(ip + 10, &ip_csum, 2);

    put_be16(udp, 49501);
    put_be16(udp + 2, 49501);
    put_be16(udp + 4, udp_len);
    put_be16(udp + 6, 0);                         /* No checksum. */
    for (size_t i = 0; i < data_len; i++) {
        udp[8 + i] = 'a' + i % 26;
    }
    return IPOIB_HDR_LEN + 20 + udp_len;
}

/* Builds an IPoIB IPv6 Neighbor Solicitation for 'target', with the
 * 20-byte source link-layer address option. */
static size_t
make_ns(uint8_t *buf, const char *src, const char *dst, const char *target,
        const struct ipoib_hwaddr *sll)
{
    uint8_t *ip6 = put_ipoib_hdr(buf, ETHERTYPE_IPV6);
    uint8_t *icmp = ip6 + 40;
    size_t icmp_len = 8 + 16 + 24;

    memset(ip6, 0, 40 + icmp_len);
    ip6[0] = 0x60;
    put_be16(ip6 + 4, icmp_len);
    ip6[6] = 58;                                  /* ICMPv6. */
    ip6[7] = 255;                                 /* Hop limit. */
    inet_pton(AF_INET6, src, ip6 + 8);
    inet_pton(AF_INET6, dst, ip6 + 24);

    icmp[0] = 135;                                /* Neighbor Solicit. */
    inet_pton(AF_INET6, target, icmp + 8);
    icmp[24] = 1;                                 /* Source LL address. */
    icmp[25] = 3;                                 /* 3 units of 8 bytes. */
    memcpy(icmp + 28, sll->b, IPOIB_HWADDR_LEN);

    /* Checksum over the pseudo-header and the message. */
    uint8_t pseudo[40];
    memcpy(pseudo, ip6 + 8, 32);
    memset(pseudo + 32, 0, 8);
    pseudo[35] = icmp_len;
    pseudo[39] = 58;
    ovs_be16 sum = csum_finish(csum_continue(csum_continue(0, pseudo, 40),
                                             icmp, icmp_len));
    memcpy(icmp + 2, &sum, 2);
    return IPOIB_HDR_LEN + 40 + icmp_len;
}

/* "pcap-round-trip FILE": writes packets of many lengths and times, some
 * at the edges of a second, and checks that reading gives them back. */
static void
cmd_pcap_round_trip(int argc OVS_UNUSED, char *argv[])
{
    static const long long times[] = {
        0, 1, 999999, 1000000, 1000001, 1700000000999999LL,
        4294967295999980LL,
    };
    uint8_t pkt[PKT_BUF_SIZE], back[PKT_BUF_SIZE];
    int n_packets = 0;
    int error;

    struct ib_pcap_writer *w = ib_pcap_writer_open(argv[2], &error);
    if (!w) {
        ovs_fatal(error, "%s: open failed", argv[2]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        for (size_t len = 0; len < 20; len++) {
            fill_random(pkt, len);
            CHECK(!ib_pcap_write(w, times[i] + len, pkt, len));
        }
    }
    fill_random(pkt, IB_PCAP_MAX_PACKET);
    CHECK(!ib_pcap_write(w, 5, pkt, IB_PCAP_MAX_PACKET));
    CHECK(ib_pcap_write(w, 5, pkt, IB_PCAP_MAX_PACKET + 1) == EINVAL);
    CHECK(ib_pcap_write(w, -1, pkt, 10) == EINVAL);
    CHECK(ib_pcap_write(w, 4294967296000000LL, pkt, 10) == EINVAL);
    ib_pcap_writer_close(w);

    prng_state = 0x12345678;
    struct ib_pcap_reader *r = open_reader(argv[2]);
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        for (size_t len = 0; len < 20; len++) {
            long long usec;
            size_t n;

            fill_random(pkt, len);
            CHECK(!ib_pcap_read(r, back, sizeof back, &n, &usec));
            CHECK(n == len && !memcmp(back, pkt, len));
            CHECK(usec == times[i] + (long long) len);
            n_packets++;
        }
    }
    size_t n;
    fill_random(pkt, IB_PCAP_MAX_PACKET);
    CHECK(!ib_pcap_read(r, back, sizeof back, &n, NULL));
    CHECK(n == IB_PCAP_MAX_PACKET && !memcmp(back, pkt, n));
    CHECK(ib_pcap_read(r, back, sizeof back, &n, NULL) == EOF);
    CHECK(ib_pcap_read(r, back, sizeof back, &n, NULL) == EOF);
    ib_pcap_reader_close(r);
    printf("pcap-round-trip: %d packets ok\n", n_packets + 1);
}

/* "bench [N]": times N builds and N parses (CRCs checked) of a 2044-byte
 * IPoIB payload, the largest with a 2 KiB path MTU.  For humans: the
 * output depends on the machine. */
static void
cmd_bench(int argc, char *argv[])
{
    static uint8_t payload[2044];
    uint8_t pkt[PKT_BUF_SIZE];
    int n = argc > 2 ? atoi(argv[2]) : 1000000;
    struct ib_ud_headers h;
    uint64_t sum = 0;
    size_t len = 0;

    ib_ud_headers_init(&h);
    h.has_grh = true;
    fill_random(payload, sizeof payload);

    long long start = time_usec();
    for (int i = 0; i < n; i++) {
        h.psn = i;
        len = ib_ud_packet_build(&h, payload, sizeof payload, pkt,
                                 sizeof pkt);
        sum += len;
    }
    long long built = time_usec();
    for (int i = 0; i < n; i++) {
        struct ib_ud_headers parsed;
        size_t payload_len;
        bool icrc_ok, vcrc_ok;

        ib_ud_packet_parse(pkt, len, &parsed, NULL, &payload_len,
                           &icrc_ok, &vcrc_ok);
        sum += payload_len + icrc_ok + vcrc_ok;
    }
    long long parsed = time_usec();

    double build_s = MAX(built - start, 1) / 1e6;
    double parse_s = MAX(parsed - built, 1) / 1e6;
    printf("build: %.0f packets/s, %.0f MB/s\n", n / build_s,
           n * (double) len / build_s / 1e6);
    printf("parse: %.0f packets/s, %.0f MB/s\n", n / parse_s,
           n * (double) len / parse_s / 1e6);
    CHECK(sum == (uint64_t) n * (len + sizeof payload + 2));
}

/* "write-pcap FILE": writes a handful of IPoIB packets built with
 * ib_ud_packet_build(), for tshark to decode (see tests/ipoib-wire.at for
 * what each should look like). */
static void
cmd_write_pcap(int argc OVS_UNUSED, char *argv[])
{
    static const long long base_usec = 1700000000123456LL;
    struct ib_gid gid_a, gid_b, mgid;
    struct ipoib_hwaddr hw_a, hw_b, zero;
    uint8_t payload[PKT_BUF_SIZE], pkt[PKT_BUF_SIZE];
    struct ib_ud_headers h;
    size_t payload_len, len;
    int error;

    ib_gid_from_parts(&gid_a, IB_DEFAULT_SUBNET_PREFIX, 0x0002c90300001111);
    ib_gid_from_parts(&gid_b, IB_DEFAULT_SUBNET_PREFIX, 0x0002c90300002222);
    ipoib_hwaddr_make(&hw_a, 0, 0x48, &gid_a);
    ipoib_hwaddr_make(&hw_b, IPOIB_HWADDR_F_CM, 0x1234, &gid_b);
    memset(&zero, 0, sizeof zero);

    struct ib_pcap_writer *w = ib_pcap_writer_open(argv[2], &error);
    if (!w) {
        ovs_fatal(error, "%s: open failed", argv[2]);
    }

    /* 1: ARP request to the broadcast group, with a GRH. */
    ib_ud_headers_init(&h);
    h.has_grh = true;
    h.slid = 5;
    h.dlid = 0xc000;
    h.sgid = gid_a;
    ipoib_mgid_broadcast(&h.dgid, IB_DEFAULT_PKEY, IPOIB_SCOPE_LINK_LOCAL);
    h.dqpn = IB_MULTICAST_QPN;
    h.sqpn = 0x48;
    h.psn = 1;
    payload_len = make_arp(payload, 1, &hw_a, "10.0.0.1", &zero, "10.0.0.2");
    len = ib_ud_packet_build(&h, payload, payload_len, pkt, sizeof pkt);
    CHECK(len && !ib_pcap_write(w, base_usec, pkt, len));

    /* 2: the unicast ARP reply, without a GRH. */
    ib_ud_headers_init(&h);
    h.slid = 6;
    h.dlid = 5;
    h.dqpn = 0x48;
    h.sqpn = 0x1234;
    h.psn = 2;
    payload_len = make_arp(payload, 2, &hw_b, "10.0.0.2", &hw_a, "10.0.0.1");
    len = ib_ud_packet_build(&h, payload, payload_len, pkt, sizeof pkt);
    CHECK(len && !ib_pcap_write(w, base_usec + 1, pkt, len));

    /* 3-5: IPv4 UDP with payloads that need 3, 2 and 1 pad bytes, the
     * last one in partition 0x8001 with a nondefault SL and VL. */
    for (int i = 0; i < 3; i++) {
        ib_ud_headers_init(&h);
        h.slid = 5;
        h.dlid = 6;
        h.dqpn = 0x1234;
        h.sqpn = 0x48;
        h.psn = 3 + i;
        if (i == 2) {
            h.pkey = 0x8001;
            h.sl = 3;
            h.vl = 2;
        }
        payload_len = make_udp4(payload, "10.0.0.1", "10.0.0.2", 5 + i);
        len = ib_ud_packet_build(&h, payload, payload_len, pkt, sizeof pkt);
        CHECK(len && !ib_pcap_write(w, base_usec + 1000000 + i, pkt, len));
    }

    /* 6: IPv6 Neighbor Solicitation to the solicited-node group. */
    struct in6_addr group;
    inet_pton(AF_INET6, "ff02::1:ff00:2222", &group);
    ipoib_mgid_ipv6(&mgid, IB_DEFAULT_PKEY, IPOIB_SCOPE_LINK_LOCAL,
                    group.s6_addr);
    ib_ud_headers_init(&h);
    h.has_grh = true;
    h.slid = 5;
    h.dlid = 0xc001;
    h.sgid = gid_a;
    h.dgid = mgid;
    h.dqpn = IB_MULTICAST_QPN;
    h.sqpn = 0x48;
    h.psn = 6;
    payload_len = make_ns(payload, "fe80::202:c903:0:1111",
                          "ff02::1:ff00:2222", "fe80::202:c903:0:2222",
                          &hw_a);
    len = ib_ud_packet_build(&h, payload, payload_len, pkt, sizeof pkt);
    CHECK(len && !ib_pcap_write(w, base_usec + 2000000, pkt, len));

    /* 7: UD SEND with immediate data. */
    ib_ud_headers_init(&h);
    h.opcode = IB_OPCODE_UD_SEND_ONLY_IMM;
    h.immediate = 0xdeadbeef;
    h.slid = 6;
    h.dlid = 5;
    h.dqpn = 0x48;
    h.sqpn = 0x1234;
    h.psn = 7;
    payload_len = make_udp4(payload, "10.0.0.2", "10.0.0.1", 8);
    len = ib_ud_packet_build(&h, payload, payload_len, pkt, sizeof pkt);
    CHECK(len && !ib_pcap_write(w, base_usec + 3000000, pkt, len));

    CHECK(!ib_pcap_flush(w));
    ib_pcap_writer_close(w);

    /* Refused writes. */
    w = ib_pcap_writer_open("/nonexistent/dir/file.pcap", &error);
    CHECK(!w && error == ENOENT);
}

struct command {
    const char *name;
    int min_args;
    const char *usage;
    void (*handler)(int argc, char *argv[]);
};

static const struct command commands[] = {
    { "gid", 0, "gid STRING...", cmd_gid },
    { "hwaddr", 0, "hwaddr STRING...", cmd_hwaddr },
    { "mgid", 3, "mgid broadcast|ipv4|ipv6 PKEY SCOPE [GROUP]", cmd_mgid },
    { "addr", 0, "addr", cmd_addr },
    { "crc", 0, "crc", cmd_crc },
    { "build-parse", 0, "build-parse", cmd_build_parse },
    { "dump-capture", 1, "dump-capture FILE", cmd_dump_capture },
    { "read-pcap", 1, "read-pcap FILE [BUFSIZE]", cmd_read_pcap },
    { "build-hex", 1, "build-hex [grh] PAYLOAD_HEX", cmd_build_hex },
    { "parse-hex", 1, "parse-hex HEX", cmd_parse_hex },
    { "fuzz", 1, "fuzz FILE", cmd_fuzz },
    { "write-pcap", 1, "write-pcap FILE", cmd_write_pcap },
    { "bench", 0, "bench [N]", cmd_bench },
    { "pcap-round-trip", 1, "pcap-round-trip FILE", cmd_pcap_round_trip },
};

static void
usage(void)
{
    printf("usage: %s COMMAND [ARG...]\ncommands:\n", program_name);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        printf("  %s\n", commands[i].usage);
    }
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2 || !strcmp(argv[1], "help")) {
        usage();
        return argc < 2;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        const struct command *c = &commands[i];

        if (!strcmp(argv[1], c->name)) {
            if (argc - 2 < c->min_args) {
                ovs_fatal(0, "usage: %s", c->usage);
            }
            c->handler(argc, argv);
            if (n_failures) {
                fprintf(stderr, "%d checks failed\n", n_failures);
                return 1;
            }
            return 0;
        }
    }
    ovs_fatal(0, "unknown command \"%s\"; use \"help\"", argv[1]);
}
