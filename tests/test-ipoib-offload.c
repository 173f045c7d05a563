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

/* Unit tests of the software offloads (tests/ipoib-offload.at): TCP
 * segmentation and checksum filling (lib/ipoib-tso) and receive coalescing
 * (lib/ipoib-gro).  Checksums are checked with OVS's own checksum code
 * (lib/csum.c), an implementation independent of lib/ipoib-csum. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "lib/ipoib-csum.h"
#include "lib/ipoib-gro.h"
#include "lib/ipoib-tso.h"
#include "packets.h"
#include "util.h"

#define MAX_FRAME 70000

static int n_failures;

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,      \
                    __LINE__, #COND);                                   \
            n_failures++;                                               \
        }                                                               \
    } while (0)

static uint32_t rng = 12345;

static uint8_t
rand_byte(void)
{
    rng = rng * 1103515245 + 12345;
    return rng >> 16;
}

static uint16_t
rd16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static uint32_t
rd32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* Options used in the TCP headers: NOP NOP timestamp (12 bytes). */
static const uint8_t ts_opts[12] = {
    1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
};

/* Builds at 'f' a frame: 'l2_len' bytes of link header ending in
 * 'ether_type' (4 = IPoIB, 14 = Ethernet), then IPv4 or IPv6, TCP with
 * timestamps, 'payload_len' random bytes.  Returns its length. */
static size_t
build_tcp(uint8_t *f, size_t l2_len, bool ipv6, size_t payload_len,
          uint8_t flags, uint32_t seq, uint16_t sport)
{
    size_t l3 = l2_len;
    size_t ip_hlen = ipv6 ? 40 : 20;
    size_t l4 = l3 + ip_hlen;
    size_t tcp_hlen = 32;
    size_t len = l4 + tcp_hlen + payload_len;

    memset(f, 0, l4 + tcp_hlen);
    if (l2_len == 14) {
        memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    }
    wr16(f + l2_len - (l2_len == 4 ? 4 : 2), ipv6 ? 0x86dd : 0x0800);
    if (ipv6) {
        f[l3] = 0x60;
        wr16(f + l3 + 4, len - l3 - 40);
        f[l3 + 6] = 6;
        f[l3 + 7] = 64;
        memcpy(f + l3 + 8, "\xfd\x00\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
        memcpy(f + l3 + 24, "\xfd\x00\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
    } else {
        f[l3] = 0x45;
        wr16(f + l3 + 2, len - l3);
        wr16(f + l3 + 4, 0xfff0);   /* Wraps during segmentation. */
        wr16(f + l3 + 6, 0x4000);   /* DF. */
        f[l3 + 8] = 64;
        f[l3 + 9] = 6;
        memcpy(f + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    }
    wr16(f + l4, sport);
    wr16(f + l4 + 2, 5201);
    f[l4 + 4] = seq >> 24;
    f[l4 + 5] = seq >> 16;
    f[l4 + 6] = seq >> 8;
    f[l4 + 7] = seq;
    memcpy(f + l4 + 8, "\x00\x00\x10\x00", 4);
    f[l4 + 12] = (tcp_hlen / 4) << 4;
    f[l4 + 13] = flags;
    wr16(f + l4 + 14, 512);
    /* A guest leaves garbage (or the pseudo-header sum) here. */
    wr16(f + l4 + 16, 0xbeef);
    memcpy(f + l4 + 20, ts_opts, sizeof ts_opts);
    for (size_t i = 0; i < payload_len; i++) {
        f[l4 + tcp_hlen + i] = rand_byte();
    }
    return len;
}

/* Independent check of the TCP (or UDP) checksum of the IP packet at 'ip',
 * with OVS's lib/csum.c. */
static bool
l4_csum_valid(const uint8_t *ip, bool ipv6)
{
    uint32_t partial;
    size_t l4_ofs, l4_len;

    if (ipv6) {
        partial = packet_csum_pseudoheader6(
            ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, ip));
        l4_ofs = 40;
        l4_len = rd16(ip + 4);
    } else {
        partial = packet_csum_pseudoheader(
            ALIGNED_CAST(const struct ip_header *, ip));
        l4_ofs = (ip[0] & 0xf) * 4;
        l4_len = rd16(ip + 2) - l4_ofs;
    }
    partial = csum_continue(partial, ip + l4_ofs, l4_len);
    return csum_finish(partial) == 0;
}

static bool
ipv4_csum_valid(const uint8_t *ip)
{
    return csum(ip, (ip[0] & 0xf) * 4) == 0;
}

/* Segments a frame and checks every segment against the original. */
static void
check_segmentation(bool ipv6, size_t payload_len, uint16_t mss,
                   uint8_t flags)
{
    static uint8_t frame[MAX_FRAME], seg[MAX_FRAME], joined[MAX_FRAME];
    struct ipoib_tso_plan plan;
    const size_t l2 = 4;
    size_t len = build_tcp(frame, l2, ipv6, payload_len, flags, 0xfffff000,
                           40000);
    size_t l4 = l2 + (ipv6 ? 40 : 20);
    size_t hdr = l4 + 32;
    size_t joined_len = 0;

    CHECK(ipoib_tso_plan(frame, len, l2, mss, &plan) == IPOIB_TSO_OK);
    int want_segs = payload_len ? (payload_len + mss - 1) / mss : 1;
    CHECK(plan.n_segs == want_segs);
    for (int i = 0; i < plan.n_segs; i++) {
        size_t n = ipoib_tso_segment(&plan, frame, i, seg);
        const uint8_t *ip = seg + l2;
        const uint8_t *tcp = seg + l4;
        bool last = i == plan.n_segs - 1;

        CHECK(n <= ipoib_tso_max_seg_len(&plan));
        CHECK(last || n == hdr + mss);
        CHECK(!memcmp(seg, frame, l2));
        if (ipv6) {
            CHECK(rd16(ip + 4) == n - l2 - 40);
        } else {
            CHECK(rd16(ip + 2) == n - l2);
            CHECK(rd16(ip + 4) == (uint16_t) (0xfff0 + i));
            CHECK(ipv4_csum_valid(ip));
        }
        CHECK(rd32(tcp + 4) == (uint32_t) (0xfffff000 + i * mss));
        uint8_t want = flags;
        if (!last) {
            want &= ~(TCP_FIN | TCP_PSH);
        }
        if (i) {
            want &= ~TCP_CWR;
        }
        CHECK(tcp[13] == want);
        CHECK(!memcmp(tcp + 20, ts_opts, sizeof ts_opts));
        CHECK(l4_csum_valid(ip, ipv6));
        memcpy(joined + joined_len, seg + hdr, n - hdr);
        joined_len += n - hdr;
    }
    CHECK(joined_len == payload_len);
    CHECK(!memcmp(joined, frame + hdr, payload_len));
}

static void
test_tso(void)
{
    static const size_t sizes[] = { 0, 1, 2, 3, 999, 1000, 1001, 1999,
                                    2000, 2001, 2003, 63000, 65443 };
    static const uint16_t msss[] = { 1, 7, 1000, 1001, 1448, 1992, 4040 };
    const uint8_t flags_sets[] = {
        TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_PSH | TCP_FIN,
        TCP_ACK | TCP_CWR | TCP_ECE, TCP_ACK | TCP_CWR | TCP_PSH | TCP_FIN,
    };
    int n = 0;

    for (int v6 = 0; v6 < 2; v6++) {
        for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
            for (size_t m = 0; m < ARRAY_SIZE(msss); m++) {
                if (msss[m] < 100 && sizes[s] > 5000) {
                    continue;
                }
                size_t ip_len = (v6 ? 40 : 20) + 32 + sizes[s];
                if (ip_len > 65535) {
                    continue;
                }
                for (size_t f = 0; f < ARRAY_SIZE(flags_sets); f++) {
                    check_segmentation(v6, sizes[s], msss[m], flags_sets[f]);
                    n++;
                }
            }
        }
    }
    printf("segmentation: %d cases\n", n);
}

/* Checks that planning the frame at 'f' gives 'want'; returns 1. */
static int
expect_plan(const uint8_t *f, size_t len, enum ipoib_tso_status want,
            int line)
{
    struct ipoib_tso_plan plan;
    enum ipoib_tso_status got = ipoib_tso_plan(f, len, 4, 1000, &plan);

    if (got != want) {
        fprintf(stderr, "line %d: status %d, expected %d\n", line, got, want);
        n_failures++;
    }
    return 1;
}

static void
test_tso_malformed(void)
{
    static uint8_t f[MAX_FRAME];
    struct ipoib_tso_plan plan;
    size_t len;
    int n = 0;

    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    n += expect_plan(f, len, IPOIB_TSO_OK, __LINE__);
    CHECK(ipoib_tso_plan(f, len, 4, 0, &plan) == IPOIB_TSO_BAD_MSS);
    n++;
    len = 4 + 19;                                   /* Truncated IP. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    wr16(f + 4 + 2, 4000);                          /* Longer than frame. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    wr16(f + 4 + 6, 0x2000);                        /* MF: a fragment. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    f[4] = 0x44;                                    /* IHL 16 bytes. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    f[4 + 20 + 12] = 0xf0;                          /* TCP header 60... */
    len = 4 + 20 + 40;                              /* ...past the end. */
    wr16(f + 4 + 2, 60);
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    f[4 + 20 + 12] = 0x40;                          /* TCP header 16. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    f[4 + 9] = 17;                                  /* UDP. */
    n += expect_plan(f, len, IPOIB_TSO_NOT_TCP, __LINE__);
    len = build_tcp(f, 4, true, 3000, TCP_ACK, 1, 1);
    f[4 + 6] = 0;                                   /* Hop-by-hop ext. */
    n += expect_plan(f, len, IPOIB_TSO_NOT_TCP, __LINE__);
    len = build_tcp(f, 4, true, 3000, TCP_ACK, 1, 1);
    wr16(f + 4 + 4, 0);                             /* Jumbogram. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    len = build_tcp(f, 4, false, 3000, TCP_ACK, 1, 1);
    f[4] = 0x75;                                    /* IP version 7. */
    n += expect_plan(f, len, IPOIB_TSO_MALFORMED, __LINE__);
    printf("malformed: %d cases\n", n);
}

static void
test_fill_csum(void)
{
    static uint8_t f[MAX_FRAME];
    int n = 0;

    for (int v6 = 0; v6 < 2; v6++) {
        for (size_t payload = 0; payload < 70; payload += 7) {
            size_t len = build_tcp(f, 4, v6, payload, TCP_ACK, 9, 9);
            /* The checker sees the guest's placeholder as wrong. */
            CHECK(!l4_csum_valid(f + 4, v6));
            CHECK(ipoib_tso_fill_csum(f, len, 4) == IPOIB_TSO_OK);
            CHECK(l4_csum_valid(f + 4, v6));
            CHECK(v6 || ipv4_csum_valid(f + 4));

            /* The same bytes as UDP. */
            len = build_tcp(f, 4, v6, payload, TCP_ACK, 9, 9);
            size_t l4 = 4 + (v6 ? 40 : 20);
            f[v6 ? 4 + 6 : 4 + 9] = 17;
            wr16(f + l4 + 4, len - l4);
            CHECK(ipoib_tso_fill_csum(f, len, 4) == IPOIB_TSO_OK);
            CHECK(l4_csum_valid(f + 4, v6));
            CHECK(rd16(f + l4 + 6) != 0);
            n += 2;
        }
    }
    size_t len = build_tcp(f, 4, false, 10, TCP_ACK, 9, 9);
    f[4 + 9] = 1;                                   /* ICMP. */
    CHECK(ipoib_tso_fill_csum(f, len, 4) == IPOIB_TSO_NOT_TCP);
    CHECK(ipoib_tso_fill_csum(f, 10, 4) == IPOIB_TSO_MALFORMED);
    printf("checksum fill: %d cases\n", n + 2);
}

/* GRO. */

/* Segments an Ethernet frame into 'segs' (each MAX_FRAME/64 bytes). */
static int
make_segments(const uint8_t *frame, size_t len, uint16_t mss,
              uint8_t segs[][2048 + 128], size_t *lens)
{
    struct ipoib_tso_plan plan;

    CHECK(ipoib_tso_plan(frame, len, 14, mss, &plan) == IPOIB_TSO_OK);
    for (int i = 0; i < plan.n_segs; i++) {
        lens[i] = ipoib_tso_segment(&plan, frame, i, segs[i]);
    }
    return plan.n_segs;
}

static uint8_t segs[64][2048 + 128];
static size_t seg_lens[64];
static uint8_t merged[MAX_FRAME];

/* Feeds segments 'order' into one merge; returns how many joined. */
static int
merge_run(const int *order, int n, bool verify, size_t *merged_len)
{
    struct ipoib_gro_merge m;
    struct ipoib_gro_seg seg;
    int joined = 1;

    CHECK(ipoib_gro_parse(segs[order[0]], seg_lens[order[0]], &seg));
    ipoib_gro_start(&m, merged, sizeof merged, segs[order[0]], &seg);
    for (int i = 1; i < n; i++) {
        const uint8_t *f = segs[order[i]];
        if (!ipoib_gro_parse(f, seg_lens[order[i]], &seg)
            || !ipoib_gro_fits(&m, f, &seg)
            || !ipoib_gro_append(&m, f, &seg, verify)) {
            break;
        }
        joined++;
    }
    *merged_len = ipoib_gro_finish(&m);
    return joined;
}

/* The merge of 'frame''s segments is 'frame' itself, but for the checksum
 * field, which holds the pseudo-header sum. */
static void
check_merge_equals(const uint8_t *frame, size_t len, bool ipv6)
{
    static uint8_t copy[MAX_FRAME];
    size_t l4 = 14 + (ipv6 ? 40 : 20);
    uint16_t partial;

    memcpy(copy, frame, len);
    if (!ipv6) {
        ipoib_csum_fill_ipv4(copy + 14, 20);
    }
    uint32_t pseudo = (ipv6
                       ? packet_csum_pseudoheader6(ALIGNED_CAST(
                           const struct ovs_16aligned_ip6_hdr *, copy + 14))
                       : packet_csum_pseudoheader(ALIGNED_CAST(
                           const struct ip_header *, copy + 14)));
    /* csum_finish() complements; the partial sum is the folded sum. */
    partial = ~csum_finish(pseudo);
    memcpy(copy + l4 + 16, &partial, 2);
    CHECK(!memcmp(copy, merged, len));
}

static void
test_gro(void)
{
    static uint8_t frame[MAX_FRAME];
    int order[64];
    size_t mlen;
    int n, cases = 0;

    for (int v6 = 0; v6 < 2; v6++) {
        /* In order: all 30 join and give the original back. */
        size_t len = build_tcp(frame, 14, v6, 30 * 1448 - 5,
                               TCP_ACK | TCP_PSH, 77, 1000);
        n = make_segments(frame, len, 1448, segs, seg_lens);
        CHECK(n == 30);
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        CHECK(merge_run(order, n, true, &mlen) == 30);
        CHECK(mlen == len);
        check_merge_equals(frame, len, v6);
        cases++;

        /* Without verification (the HCA checked), the same. */
        CHECK(merge_run(order, n, false, &mlen) == 30);
        cases++;

        /* Out of order: 0 1 3 -> stops before 3. */
        int ooo[] = { 0, 1, 3, 2 };
        CHECK(merge_run(ooo, 4, true, &mlen) == 2);
        cases++;

        /* A retransmission of 0 after 1 does not join. */
        int dup[] = { 0, 1, 0 };
        CHECK(merge_run(dup, 3, true, &mlen) == 2);
        cases++;

        /* A bad checksum in 2 stops the merge there. */
        segs[2][seg_lens[2] - 1] ^= 0x55;
        CHECK(merge_run(order, n, true, &mlen) == 2);
        CHECK(merge_run(order, n, false, &mlen) == 30);
        segs[2][seg_lens[2] - 1] ^= 0x55;
        cases += 2;

        /* PSH (and the short last segment) end a merge after it. */
        len = build_tcp(frame, 14, v6, 4 * 1000, TCP_ACK | TCP_PSH, 5, 1000);
        n = make_segments(frame, len, 1000, segs, seg_lens);
        size_t lens2 = build_tcp(segs[n], 14, v6, 1000, TCP_ACK, 5 + 4000,
                                 1000);
        seg_lens[n] = lens2;
        ipoib_tso_fill_csum(segs[n], lens2, 14);
        for (int i = 0; i <= n; i++) {
            order[i] = i;
        }
        CHECK(merge_run(order, n + 1, true, &mlen) == n);
        cases++;

        /* Flags other than ACK and PSH stop merging: SYN, FIN, RST, URG,
         * CWR, ECE. */
        static const uint8_t stoppers[] = { TCP_SYN, TCP_FIN, TCP_RST,
                                            TCP_URG, TCP_CWR, TCP_ECE };
        for (size_t s = 0; s < ARRAY_SIZE(stoppers); s++) {
            len = build_tcp(frame, 14, v6, 3 * 1000, TCP_ACK, 5, 1000);
            n = make_segments(frame, len, 1000, segs, seg_lens);
            segs[1][14 + (v6 ? 40 : 20) + 13] |= stoppers[s];
            ipoib_tso_fill_csum(segs[1], seg_lens[1], 14);
            int o[] = { 0, 1, 2 };
            CHECK(merge_run(o, 3, true, &mlen) == 1);
            cases++;
        }

        /* Another flow (source port) does not join. */
        len = build_tcp(frame, 14, v6, 2 * 1000, TCP_ACK, 5, 1000);
        n = make_segments(frame, len, 1000, segs, seg_lens);
        size_t l4 = 14 + (v6 ? 40 : 20);
        wr16(segs[1] + l4, 1001);
        ipoib_tso_fill_csum(segs[1], seg_lens[1], 14);
        int o2[] = { 0, 1 };
        CHECK(merge_run(o2, 2, true, &mlen) == 1);
        cases++;

        /* Another destination MAC does not join. */
        n = make_segments(frame, len, 1000, segs, seg_lens);
        segs[1][5] ^= 1;
        CHECK(merge_run(o2, 2, true, &mlen) == 1);
        cases++;

        /* A different acknowledgment number does not join. */
        n = make_segments(frame, len, 1000, segs, seg_lens);
        segs[1][l4 + 11] ^= 1;
        ipoib_tso_fill_csum(segs[1], seg_lens[1], 14);
        CHECK(merge_run(o2, 2, true, &mlen) == 1);
        cases++;

        /* Different timestamps (options) do not join. */
        n = make_segments(frame, len, 1000, segs, seg_lens);
        segs[1][l4 + 31] ^= 1;
        ipoib_tso_fill_csum(segs[1], seg_lens[1], 14);
        CHECK(merge_run(o2, 2, true, &mlen) == 1);
        cases++;
    }

    /* Not TCP, or not IP: not parsed. */
    struct ipoib_gro_seg seg;
    size_t len = build_tcp(frame, 14, false, 100, TCP_ACK, 1, 1);
    frame[14 + 9] = 17;
    CHECK(!ipoib_gro_parse(frame, len, &seg));
    len = build_tcp(frame, 14, false, 100, TCP_ACK, 1, 1);
    CHECK(!ipoib_gro_parse(frame, 14 + 30, &seg));
    frame[12] = 0x08;
    frame[13] = 0x06;
    CHECK(!ipoib_gro_parse(frame, len, &seg));
    cases += 3;

    /* The 64 KiB limit: 50 segments of 1448 would pass it. */
    len = build_tcp(frame, 14, false, 40 * 1448, TCP_ACK, 1, 1);
    n = make_segments(frame, len, 1448, segs, seg_lens);
    len = build_tcp(frame, 14, false, 10 * 1448, TCP_ACK, 1 + 40 * 1448, 1);
    n += make_segments(frame, len, 1448, segs + n, seg_lens + n);
    CHECK(n == 50);
    for (int i = 0; i < n; i++) {
        order[i] = i;
    }
    int joined = merge_run(order, n, true, &mlen);
    CHECK(joined == (65535 - 14 - 20 - 32) / 1448);
    CHECK(mlen <= 65535);
    cases++;
    printf("gro: %d cases\n", cases);
}

int
main(int argc, char *argv[])
{
    const char *what = argc > 1 ? argv[1] : "all";

    set_program_name(argv[0]);
    if (!strcmp(what, "tso") || !strcmp(what, "all")) {
        test_tso();
        test_tso_malformed();
        test_fill_csum();
    }
    if (!strcmp(what, "gro") || !strcmp(what, "all")) {
        test_gro();
    }
    if (n_failures) {
        printf("%d checks failed\n", n_failures);
        return 1;
    }
    return 0;
}
