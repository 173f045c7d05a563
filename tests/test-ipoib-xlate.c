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

/* Tests for the Ethernet <-> IPoIB translator and its tables (lib/ipoib-arp,
 * ipoib-mac, ipoib-neigh, ipoib-vif, ipoib-xlate).  Each subcommand prints
 * what it finds; tests/ipoib-xlate.at compares the output byte for byte.
 * Internal consistency (buffers left unchanged on drops, room conserved)
 * is checked here with ovs_assert(). */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "lib/ipoib-addr.h"
#include "lib/ipoib-arp.h"
#include "lib/ipoib-index.h"
#include "lib/ipoib-mac.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "lib/ipoib-xlate.h"
#include "packets.h"
#include "svec.h"
#include "util.h"

/* IPoIB payloads (from the 4-byte IPoIB header on, IB headers and CRCs
 * left out) of frames of the real capture
 * /work/shared/captures/wireshark-infiniband-sample.pcap, read with
 * "tshark -r wireshark-infiniband-sample.pcap -x":
 *
 *   frame 5: ARP request, UD multicast to ff12:401b:ffff::ffff:ffff from
 *            SLID 0x0004, SQPN 0x405, SGID fe80::2:c902:24:f636 (bytes
 *            0x44..0x7f of the frame);
 *   frame 6: ARP reply, UD unicast without GRH, SLID 0x0001 -> DLID 0x0004,
 *            SQPN 0x404 -> DQPN 0x405 (bytes 0x1c..0x57). */
static const char capture_frame5[] =
    "08060000"
    "0020080014040001"
    "80000405fe800000000000000002c9020024f636" "0a000122"
    "0000000000000000000000000000000000000000" "0a00003a";
static const char capture_frame6[] =
    "08060000"
    "0020080014040002"
    "80000404fe800000000000000002c9020020b4dd" "0a00003a"
    "80000405fe800000000000000002c9020024f636" "0a000122";

/* Two endpoints whose MACs for salt 0 are the same, 0a:66:a6:1e:8c:64,
 * found by a birthday search over 2**25 endpoints. */
static const char colliding_a[] = "00000941fe800000000000000002c9030000140c";
static const char colliding_b[] = "000011a8fe800000000000000002c90300001bcf";

/* Helpers. */

static size_t
parse_hex(const char *s, uint8_t **datap)
{
    uint8_t *data = xmalloc(strlen(s) / 2 + 1);
    size_t n = 0;
    int hi = -1;

    for (; *s; s++) {
        int c = (unsigned char) *s;
        int v;

        if (c == ' ' || c == ':' || c == '\n' || c == '\t') {
            continue;
        } else if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            ovs_fatal(0, "bad hex digit '%c'", c);
        }
        if (hi < 0) {
            hi = v;
        } else {
            data[n++] = (hi << 4) | v;
            hi = -1;
        }
    }
    if (hi >= 0) {
        ovs_fatal(0, "odd number of hex digits");
    }
    *datap = data;
    return n;
}

static void
print_hex(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 16) {
        printf("%04"PRIxSIZE" ", i);
        for (size_t j = i; j < len && j < i + 16; j++) {
            printf(" %02x", p[j]);
        }
        putchar('\n');
    }
}

static struct ipoib_hwaddr
hwaddr_arg(const char *s)
{
    struct ipoib_hwaddr hw;

    if (!ipoib_hwaddr_parse(s, &hw)) {
        ovs_fatal(0, "%s: bad IPoIB hardware address", s);
    }
    return hw;
}

static struct ib_gid
gid_arg(const char *s)
{
    struct ib_gid gid;

    if (!ib_gid_parse(s, &gid)) {
        ovs_fatal(0, "%s: bad GID", s);
    }
    return gid;
}

static struct eth_addr
mac_arg(const char *s)
{
    struct eth_addr mac;

    if (!eth_addr_from_string(s, &mac)) {
        ovs_fatal(0, "%s: bad MAC", s);
    }
    return mac;
}

static unsigned long long
num_arg(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end) {
        ovs_fatal(0, "%s: bad number", s);
    }
    return v;
}

static const char *
hw_str(const struct ipoib_hwaddr *hw)
{
    static char buf[IPOIB_HWADDR_STRLEN];

    return ipoib_hwaddr_format(hw, buf);
}

static const char *
vlan_str(uint16_t vlan)
{
    static char buf[8];

    if (vlan == IPOIB_VLAN_NONE) {
        return "none";
    }
    snprintf(buf, sizeof buf, "%u", vlan);
    return buf;
}

/* A deterministic PRNG (xorshift64*), so that fuzz runs repeat. */
static uint64_t rng_state;

static uint32_t
rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

/* A buffer with room on both sides, as the netdev provides. */
struct test_buf {
    uint8_t *base;
    size_t size;
    struct ipoib_buf buf;
};

static void
test_buf_init(struct test_buf *tb, const uint8_t *data, size_t len,
              size_t headroom, size_t tailroom)
{
    tb->size = headroom + len + tailroom;
    tb->base = xmalloc(tb->size ? tb->size : 1);
    memset(tb->base, 0xa5, tb->size);
    memcpy(tb->base + headroom, data, len);
    tb->buf = (struct ipoib_buf) {
        .data = tb->base + headroom, .len = len,
        .headroom = headroom, .tailroom = tailroom,
    };
}

/* Checks that 'tb' is consistent and, after a drop, unchanged from
 * 'orig' ('orig_len' bytes at 'headroom'). */
static void
test_buf_check(const struct test_buf *tb, enum ipoib_drop drop,
               const uint8_t *orig, size_t orig_len, size_t headroom)
{
    const struct ipoib_buf *b = &tb->buf;

    ovs_assert(b->data == tb->base + b->headroom);
    ovs_assert(b->headroom + b->len + b->tailroom == tb->size);
    if (drop != IPOIB_DROP_NONE) {
        ovs_assert(b->headroom == headroom && b->len == orig_len);
        ovs_assert(!memcmp(b->data, orig, orig_len));
    }
}

/* The standard port, as on the host fe80::2:c902:24:f636 of the capture. */
struct fixture {
    struct ipoib_vif_table vifs;
    struct ipoib_neigh_table neighs;
    struct ipoib_xlate x;
    long long now;
    size_t headroom, tailroom;
};

static struct ipoib_vif *
fixture_add_vif(struct fixture *f, const char *mac, uint16_t vlan,
                uint32_t qpn, enum ipoib_vif_origin origin,
                const char *iface)
{
    struct ipoib_vif *vif;

    ovs_assert(!ipoib_vif_insert(&f->vifs, mac_arg(mac), vlan, origin,
                                 iface, f->now, &vif));
    if (qpn) {
        ovs_assert(!ipoib_vif_set_qp(&f->vifs, vif, qpn, f->x.pkey));
    }
    return vif;
}

static void
fixture_add_neigh(struct fixture *f, const char *hw, uint16_t lid)
{
    struct ipoib_hwaddr addr = hwaddr_arg(hw);

    ovs_assert(ipoib_neigh_learn(&f->neighs, &addr, lid, f->now));
}

static void
fixture_init_empty(struct fixture *f, const char *gid, uint16_t lid)
{
    memset(f, 0, sizeof *f);
    ipoib_vif_table_init(&f->vifs, 16);
    ipoib_neigh_table_init(&f->neighs, 1000, ipoib_vif_table_has_mac,
                           &f->vifs);
    ipoib_xlate_init(&f->x, &f->vifs, &f->neighs);
    f->x.gid = gid_arg(gid);
    f->x.lid = lid;
    f->headroom = IPOIB_XLATE_HEADROOM;
    f->tailroom = IPOIB_XLATE_TAILROOM;
}

static void
fixture_init(struct fixture *f)
{
    fixture_init_empty(f, "fe80::2:c902:24:f636", 4);
    fixture_add_vif(f, "52:54:00:00:00:01", IPOIB_VLAN_NONE, 0x405,
                    IPOIB_VIF_OVSDB, "vnet0");
    fixture_add_vif(f, "52:54:00:00:00:02", IPOIB_VLAN_NONE, 0x406,
                    IPOIB_VIF_LEARNED, NULL);
    fixture_add_vif(f, "52:54:00:00:00:03", IPOIB_VLAN_NONE, 0,
                    IPOIB_VIF_OVSDB, "vnet2");
    fixture_add_vif(f, "52:54:00:00:00:04", 10, 0x407, IPOIB_VIF_OVSDB,
                    "vnet3");
    fixture_add_neigh(f, "80000404fe800000000000000002c9020020b4dd", 1);
    fixture_add_neigh(f, "00000048fe800000000000000002c90300001895", 2);
    fixture_add_neigh(f, "00000500fe800000000000000002c9030000aaaa", 0);
}

static void
fixture_destroy(struct fixture *f)
{
    ipoib_neigh_table_destroy(&f->neighs);
    ipoib_vif_table_destroy(&f->vifs, NULL, NULL);
}

static int
compare_neighs(const void *a_, const void *b_)
{
    const struct ipoib_neigh *const *a = a_;
    const struct ipoib_neigh *const *b = b_;

    return memcmp((*a)->mac.ea, (*b)->mac.ea, ETH_ADDR_LEN);
}

/* Prints the neighbor table sorted by MAC, as "ipoib/show-neighbors"
 * might. */
static void
print_neighs(const struct ipoib_neigh_table *t, long long now)
{
    size_t n = ipoib_neigh_table_count(t);
    const struct ipoib_neigh **v = xmalloc((n ? n : 1) * sizeof *v);
    const struct ipoib_neigh *neigh;
    size_t i = 0;

    IPOIB_NEIGH_FOR_EACH (neigh, t) {
        v[i++] = neigh;
    }
    ovs_assert(i == n);
    qsort(v, n, sizeof *v, compare_neighs);
    for (i = 0; i < n; i++) {
        neigh = v[i];
        printf(ETH_ADDR_FMT" %s lid %u salt %"PRIu32" age %lld ipv4",
               ETH_ADDR_ARGS(neigh->mac), hw_str(&neigh->hwaddr),
               neigh->lid, neigh->salt, now - neigh->last_used_ms);
        if (!neigh->n_ipv4) {
            printf(" -");
        }
        for (size_t j = 0; j < neigh->n_ipv4; j++) {
            printf("%c"IP_FMT, j ? ',' : ' ', IP_ARGS(neigh->ipv4[j]));
        }
        putchar('\n');
    }
    printf("neighbors %"PRIuSIZE" learned %"PRIu64" expired %"PRIu64
           " refused %"PRIu64" collisions %"PRIu64" unresolvable %"PRIu64
           "\n", n, t->n_learned, t->n_expired, t->n_refused,
           t->n_collisions, t->n_unresolvable);
    free(v);
}

static int
compare_vifs(const void *a_, const void *b_)
{
    const struct ipoib_vif *const *a = a_;
    const struct ipoib_vif *const *b = b_;
    int cmp = memcmp((*a)->mac.ea, (*b)->mac.ea, ETH_ADDR_LEN);

    return cmp ? cmp : (int) (*a)->vlan - (int) (*b)->vlan;
}

static void
print_vifs(const struct ipoib_vif_table *t, long long now)
{
    size_t n = ipoib_vif_table_count(t);
    const struct ipoib_vif **v = xmalloc((n ? n : 1) * sizeof *v);
    const struct ipoib_vif *vif;
    size_t i = 0;

    IPOIB_VIF_FOR_EACH (vif, t) {
        v[i++] = vif;
    }
    ovs_assert(i == n);
    qsort(v, n, sizeof *v, compare_vifs);
    for (i = 0; i < n; i++) {
        vif = v[i];
        printf(ETH_ADDR_FMT" vlan %s qpn %#"PRIx32" pkey %#x %s iface '%s'"
               " idle %lld rx %"PRIu64"/%"PRIu64" tx %"PRIu64"/%"PRIu64"\n",
               ETH_ADDR_ARGS(vif->mac), vlan_str(vif->vlan), vif->qpn,
               vif->pkey, ipoib_vif_origin_name(vif->origin), vif->iface,
               now - vif->last_used_ms, vif->stats.rx_packets,
               vif->stats.rx_bytes, vif->stats.tx_packets,
               vif->stats.tx_bytes);
    }
    printf("vifs %"PRIuSIZE" refused %"PRIu64"\n", n, t->n_refused);
    free(v);
}

static void
report_free(struct ipoib_vif *vif, void *aux)
{
    int *n = aux;

    (*n)++;
    printf("free "ETH_ADDR_FMT" vlan %s qpn %#"PRIx32" aux %s\n",
           ETH_ADDR_ARGS(vif->mac), vlan_str(vif->vlan), vif->qpn,
           vif->aux ? (const char *) vif->aux : "-");
}

/* Like report_free(), for a table's destruction, whose callbacks come in
 * hash order: collects the lines in 'lines_' (a struct svec) so that the
 * caller can print them sorted. */
static void
collect_free(struct ipoib_vif *vif, void *lines_)
{
    struct svec *lines = lines_;

    svec_add_nocopy(lines,
                    xasprintf("free "ETH_ADDR_FMT" vlan %s qpn %#"PRIx32
                              " aux %s", ETH_ADDR_ARGS(vif->mac),
                              vlan_str(vif->vlan), vif->qpn,
                              vif->aux ? (const char *) vif->aux : "-"));
}

/* "xlate" script steps. */

static void
do_tx(struct fixture *f, const char *hex)
{
    struct ipoib_tx_result r;
    struct test_buf tb;
    uint8_t *frame;
    size_t len = parse_hex(hex, &frame);

    test_buf_init(&tb, frame, len, f->headroom, f->tailroom);
    enum ipoib_drop drop = ipoib_xlate_tx(&f->x, &tb.buf, f->now, &r);
    test_buf_check(&tb, drop, frame, len, f->headroom);

    printf("tx: %s\n", ipoib_drop_name(drop));
    if (len >= 14) {
        printf("  src "ETH_ADDR_FMT" dst "ETH_ADDR_FMT" vlan %s type %#06x\n",
               ETH_ADDR_ARGS(r.src_mac), ETH_ADDR_ARGS(r.dst_mac),
               vlan_str(r.vlan), r.ether_type);
    }
    if (drop == IPOIB_DROP_NONE) {
        printf("  vif qpn %#"PRIx32" to %s %s\n", r.vif->qpn,
               r.multicast ? "group" : "neigh", hw_str(&r.dst));
        ovs_assert(r.multicast == !r.neigh);
        ovs_assert(r.neigh || ipoib_hwaddr_is_multicast(&r.dst));
        print_hex(tb.buf.data, tb.buf.len);
    }
    free(tb.base);
    free(frame);
}

struct rx_args {
    struct ipoib_rx_meta meta;
    const char *hex;
};

static void
parse_rx_args(int argc, char *argv[], struct rx_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        char *value = strchr(arg, '=');

        if (value) {
            *value++ = '\0';
        }
        if (!strcmp(arg, "mc")) {
            a->meta.multicast = true;
        } else if (value && !strcmp(arg, "sgid")) {
            a->meta.has_grh = true;
            a->meta.sgid = gid_arg(value);
        } else if (value && !strcmp(arg, "dgid")) {
            a->meta.has_grh = true;
            a->meta.dgid = gid_arg(value);
        } else if (value && !strcmp(arg, "slid")) {
            a->meta.slid = num_arg(value);
        } else if (value && !strcmp(arg, "sqpn")) {
            a->meta.sqpn = num_arg(value);
        } else if (value && !strcmp(arg, "dqpn")) {
            a->meta.dqpn = num_arg(value);
        } else if (!value && i == argc - 1) {
            a->hex = arg;
        } else {
            ovs_fatal(0, "rx: bad argument %s", arg);
        }
    }
    if (!a->hex) {
        ovs_fatal(0, "rx: missing frame");
    }
}

static void
do_rx(struct fixture *f, int argc, char *argv[])
{
    struct ipoib_rx_result r;
    struct rx_args a;
    struct test_buf tb;
    uint8_t *frame;

    parse_rx_args(argc, argv, &a);
    size_t len = parse_hex(a.hex, &frame);
    test_buf_init(&tb, frame, len, f->headroom, f->tailroom);
    enum ipoib_drop drop = ipoib_xlate_rx(&f->x, &tb.buf, &a.meta, f->now,
                                          &r);
    test_buf_check(&tb, drop, frame, len, f->headroom);

    printf("rx: %s\n", ipoib_drop_name(drop));
    if (drop == IPOIB_DROP_NONE) {
        printf("  from %s", hw_str(&r.neigh->hwaddr));
        if (r.vif) {
            printf(" to vif qpn %#"PRIx32"\n", r.vif->qpn);
        } else {
            printf(" to group\n");
        }
        print_hex(tb.buf.data, tb.buf.len);
    }
    free(tb.base);
    free(frame);
}

static size_t
split_words(char *s, char *words[], size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *w = strtok_r(s, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        if (n >= max) {
            ovs_fatal(0, "too many words");
        }
        words[n++] = w;
    }
    return n;
}

static void
run_step(struct fixture *f, char *step)
{
    char *w[16];
    size_t n = split_words(step, w, ARRAY_SIZE(w));

    if (!n) {
        return;
    } else if (!strcmp(w[0], "tx") && n == 2) {
        do_tx(f, w[1]);
    } else if (!strcmp(w[0], "rx") && n >= 2) {
        do_rx(f, n - 1, w + 1);
    } else if (!strcmp(w[0], "time") && n == 2) {
        f->now = num_arg(w[1]);
    } else if (!strcmp(w[0], "room") && n == 3) {
        f->headroom = num_arg(w[1]);
        f->tailroom = num_arg(w[2]);
    } else if (!strcmp(w[0], "mtu") && n == 2) {
        f->x.mtu = num_arg(w[1]);
    } else if (!strcmp(w[0], "vlan") && n == 2) {
        /* The partition context of VLAN w[1] ("none": untagged), P_Key
         * 0x8000 | VLAN as VST maps it. */
        f->x.vlan = (!strcmp(w[1], "none") ? IPOIB_VLAN_NONE
                     : num_arg(w[1]));
        f->x.pkey = (f->x.vlan == IPOIB_VLAN_NONE ? IB_DEFAULT_PKEY
                     : IB_PKEY_FULL_MEMBER | f->x.vlan);
    } else if (!strcmp(w[0], "frame-vlan") && n == 2) {
        uint8_t *frame;
        size_t len = parse_hex(w[1], &frame);
        uint16_t vlan = ipoib_xlate_frame_vlan(frame, len);

        printf("frame vlan: %s\n", (vlan == IPOIB_VLAN_INVALID ? "invalid"
                                    : vlan_str(vlan)));
        free(frame);
    } else if (!strcmp(w[0], "nd") && n == 2) {
        f->x.rewrite_nd = !strcmp(w[1], "on");
    } else if (!strcmp(w[0], "port") && n == 3) {
        f->x.gid = gid_arg(w[1]);
        f->x.lid = num_arg(w[2]);
    } else if (!strcmp(w[0], "add-vif") && n == 3) {
        fixture_add_vif(f, w[1], IPOIB_VLAN_NONE, num_arg(w[2]),
                        IPOIB_VIF_LEARNED, NULL);
    } else if (!strcmp(w[0], "paths") && n == 2) {
        /* "general": no fast paths, no last-hit caches (emptied, as
         * ipoib-xlate.h asks). */
        f->x.no_fast_path = !strcmp(w[1], "general");
        memset(&f->x.cache, 0, sizeof f->x.cache);
    } else if (!strcmp(w[0], "remove-vif") && n == 2) {
        struct ipoib_vif *vif = ipoib_vif_find(&f->vifs, mac_arg(w[1]),
                                               IPOIB_VLAN_NONE);
        ovs_assert(vif);
        ipoib_vif_remove(&f->vifs, vif);
    } else if (!strcmp(w[0], "set-qp") && n == 3) {
        struct ipoib_vif *vif = ipoib_vif_find(&f->vifs, mac_arg(w[1]),
                                               IPOIB_VLAN_NONE);
        ovs_assert(vif);
        int error = ipoib_vif_set_qp(&f->vifs, vif, num_arg(w[2]),
                                     vif->pkey);
        printf("set-qp: %s\n", error ? ovs_strerror(error) : "ok");
    } else if (!strcmp(w[0], "learn") && n == 3) {
        fixture_add_neigh(f, w[1], num_arg(w[2]));
    } else if (!strcmp(w[0], "remove-neigh") && n == 2) {
        struct ipoib_hwaddr hw = hwaddr_arg(w[1]);
        struct ipoib_neigh *neigh = ipoib_neigh_find_by_endpoint(&f->neighs,
                                                                 &hw);
        ovs_assert(neigh);
        ipoib_neigh_remove(&f->neighs, neigh);
    } else if (!strcmp(w[0], "neighbors") && n == 1) {
        print_neighs(&f->neighs, f->now);
    } else if (!strcmp(w[0], "vifs") && n == 1) {
        print_vifs(&f->vifs, f->now);
    } else if (!strcmp(w[0], "expire-vifs") && n == 2) {
        int n_freed = 0;
        size_t n_expired = ipoib_vif_table_expire_learned(
            &f->vifs, f->now, num_arg(w[1]), report_free, &n_freed);
        ovs_assert(n_expired == n_freed);
        printf("expired %"PRIuSIZE" vifs\n", n_expired);
    } else if (!strcmp(w[0], "expire-neighbors") && n == 2) {
        printf("expired %"PRIuSIZE" neighbors\n",
               ipoib_neigh_expire(&f->neighs, f->now, num_arg(w[1])));
    } else {
        ovs_fatal(0, "unknown step '%s'", w[0]);
    }
}

/* xlate STEP...: runs the steps on the standard port. */
static void
test_xlate(struct ovs_cmdl_context *ctx)
{
    struct fixture f;

    fixture_init(&f);
    for (int i = 1; i < ctx->argc; i++) {
        run_step(&f, ctx->argv[i]);
    }
    fixture_destroy(&f);
}

/* fixture: shows the standard port's tables. */
static void
test_fixture(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fixture f;

    fixture_init(&f);
    print_vifs(&f.vifs, f.now);
    print_neighs(&f.neighs, f.now);
    fixture_destroy(&f);
}

/* MAC derivation. */

/* mac HWADDR [SALT]: prints the derived MAC. */
static void
test_mac(struct ovs_cmdl_context *ctx)
{
    struct ipoib_hwaddr hw = hwaddr_arg(ctx->argv[1]);
    uint32_t salt = ctx->argc > 2 ? num_arg(ctx->argv[2]) : 0;
    struct eth_addr mac = ipoib_mac_derive(&hw, salt);

    ovs_assert(ipoib_mac_is_local_unicast(mac));
    printf(ETH_ADDR_FMT"\n", ETH_ADDR_ARGS(mac));
}

static int
compare_u64(const void *a_, const void *b_)
{
    const uint64_t *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* mac-spread N: derives MACs for N endpoints (consecutive QPNs on a few
 * GIDs) and reports duplicates and how the form bits came out. */
static void
test_mac_spread(struct ovs_cmdl_context *ctx)
{
    size_t n = num_arg(ctx->argv[1]);
    uint64_t *macs = xmalloc(n * sizeof *macs);
    size_t bad_form = 0, flag_sensitive = 0, salt_insensitive = 0;
    size_t bit_counts[48] = { 0 };

    for (size_t i = 0; i < n; i++) {
        struct ipoib_hwaddr hw;
        struct ib_gid gid;

        ib_gid_from_parts(&gid, IB_DEFAULT_SUBNET_PREFIX,
                          0x0002c90300000000ULL + i / 4096);
        ipoib_hwaddr_make(&hw, 0, 0x48 + i % 4096, &gid);
        struct eth_addr mac = ipoib_mac_derive(&hw, 0);

        hw.b[0] = IPOIB_HWADDR_F_CM;
        if (!eth_addr_equals(mac, ipoib_mac_derive(&hw, 0))) {
            flag_sensitive++;
        }
        if (eth_addr_equals(mac, ipoib_mac_derive(&hw, 1))) {
            salt_insensitive++;
        }
        if (!ipoib_mac_is_local_unicast(mac)) {
            bad_form++;
        }
        macs[i] = eth_addr_to_uint64(mac);
        for (int b = 0; b < 48; b++) {
            bit_counts[b] += (macs[i] >> b) & 1;
        }
    }
    qsort(macs, n, sizeof *macs, compare_u64);
    size_t dups = 0;
    for (size_t i = 1; i < n; i++) {
        dups += macs[i] == macs[i - 1];
    }

    /* Every bit except the two fixed ones should be set about half the
     * time. */
    size_t skewed = 0;
    for (int b = 0; b < 48; b++) {
        if (b == 40 || b == 41) {
            continue;
        }
        if (bit_counts[b] < n * 45 / 100 || bit_counts[b] > n * 55 / 100) {
            skewed++;
        }
    }
    printf("endpoints %"PRIuSIZE" duplicates %"PRIuSIZE" bad-form %"PRIuSIZE
           " flag-sensitive %"PRIuSIZE" salt-insensitive %"PRIuSIZE
           " skewed-bits %"PRIuSIZE"\n", n, dups, bad_form, flag_sensitive,
           salt_insensitive, skewed);
    printf("bit 40 (multicast) set %"PRIuSIZE", bit 41 (local) set %"PRIuSIZE
           "\n", bit_counts[40], bit_counts[41]);
    free(macs);
}

/* Neighbor table. */

static bool
reserve_listed(const struct eth_addr *mac, void *aux)
{
    const struct eth_addr *list = aux;

    for (; !eth_addr_is_zero(*list); list++) {
        if (eth_addr_equals(*list, *mac)) {
            return true;
        }
    }
    return false;
}

static bool
reserve_all(const struct eth_addr *mac OVS_UNUSED, void *aux OVS_UNUSED)
{
    return true;
}

static void
print_lookup(const char *what, const struct ipoib_neigh *neigh)
{
    if (neigh) {
        printf("%s -> "ETH_ADDR_FMT"\n", what, ETH_ADDR_ARGS(neigh->mac));
    } else {
        printf("%s -> none\n", what);
    }
}

/* neigh-collision: the derived MAC taken by another neighbor and by a
 * reserved address. */
static void
test_neigh_collision(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct ipoib_hwaddr a = hwaddr_arg(colliding_a);
    struct ipoib_hwaddr b = hwaddr_arg(colliding_b);
    struct ipoib_neigh_table t;
    struct ipoib_neigh *na, *nb;

    printf("a salt 0 "ETH_ADDR_FMT"\n",
           ETH_ADDR_ARGS(ipoib_mac_derive(&a, 0)));
    printf("b salt 0 "ETH_ADDR_FMT"\n",
           ETH_ADDR_ARGS(ipoib_mac_derive(&b, 0)));
    printf("b salt 1 "ETH_ADDR_FMT"\n",
           ETH_ADDR_ARGS(ipoib_mac_derive(&b, 1)));

    /* Another neighbor has the MAC. */
    ipoib_neigh_table_init(&t, 10, NULL, NULL);
    na = ipoib_neigh_learn(&t, &a, 0, 0);
    nb = ipoib_neigh_learn(&t, &b, 0, 0);
    print_neighs(&t, 0);
    print_lookup("find a's mac", ipoib_neigh_find_by_mac(&t, na->mac));
    print_lookup("find b's mac", ipoib_neigh_find_by_mac(&t, nb->mac));
    /* Learning b again finds it, with its salt: no new collision. */
    ovs_assert(ipoib_neigh_learn(&t, &b, 0, 0) == nb);
    printf("relearn: collisions %"PRIu64"\n", t.n_collisions);
    ipoib_neigh_table_destroy(&t);

    /* In the other order, a is the one moved. */
    ipoib_neigh_table_init(&t, 10, NULL, NULL);
    ipoib_neigh_learn(&t, &b, 0, 0);
    ipoib_neigh_learn(&t, &a, 0, 0);
    print_neighs(&t, 0);
    ipoib_neigh_table_destroy(&t);

    /* A reserved MAC (a local VIF's) is skipped too, and a VIF added
     * later with a neighbor's MAC evicts the neighbor. */
    struct eth_addr reserved[3] = { ipoib_mac_derive(&a, 0),
                                    ipoib_mac_derive(&a, 1) };
    ipoib_neigh_table_init(&t, 10, reserve_listed, reserved);
    na = ipoib_neigh_learn(&t, &a, 0, 0);
    print_neighs(&t, 0);
    struct eth_addr given = na->mac;
    printf("evict "ETH_ADDR_FMT": %s\n", ETH_ADDR_ARGS(given),
           ipoib_neigh_evict_mac(&t, given) ? "yes" : "no");
    printf("evict again: %s\n",
           ipoib_neigh_evict_mac(&t, reserved[0]) ? "yes" : "no");
    ipoib_neigh_table_destroy(&t);

    /* Every salt reserved: refused. */
    ipoib_neigh_table_init(&t, 10, reserve_all, NULL);
    print_lookup("learn with all reserved", ipoib_neigh_learn(&t, &a, 0, 0));
    print_neighs(&t, 0);
    ipoib_neigh_table_destroy(&t);
}

/* neigh-table: lookups, LIDs, IPv4 list, ageing, bound, bad addresses. */
static void
test_neigh_table(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct ipoib_hwaddr h1 = hwaddr_arg(
        "80000404fe800000000000000002c9020020b4dd");
    struct ipoib_hwaddr h1_nocm = hwaddr_arg(
        "00000404fe800000000000000002c9020020b4dd");
    struct ipoib_hwaddr h2 = hwaddr_arg(
        "00000405fe800000000000000002c9020024f636");
    struct ipoib_hwaddr h3 = hwaddr_arg(
        "00000048fe800000000000000002c90300001895");
    struct ipoib_hwaddr h4 = hwaddr_arg(
        "00000049fe800000000000000002c90300001895");
    struct ipoib_hwaddr h5 = hwaddr_arg(
        "00000404fe800000000000000002c90200009999");
    struct ipoib_neigh_table t;
    struct ipoib_neigh *n1;

    ipoib_neigh_table_init(&t, 4, NULL, NULL);
    n1 = ipoib_neigh_learn(&t, &h1, 1, 1000);
    ipoib_neigh_learn(&t, &h2, IPOIB_LID_UNKNOWN, 2000);
    ipoib_neigh_learn(&t, &h3, 2, 3000);
    print_neighs(&t, 3000);

    printf("-- lookups\n");
    print_lookup("endpoint h1 without CM flag",
                 ipoib_neigh_find_by_endpoint(&t, &h1_nocm));
    print_lookup("endpoint h4", ipoib_neigh_find_by_endpoint(&t, &h4));
    print_lookup("lid 1 qpn 0x404", ipoib_neigh_find_by_lid_qpn(&t, 1,
                                                                0x404));
    print_lookup("lid 1 qpn 0x405", ipoib_neigh_find_by_lid_qpn(&t, 1,
                                                                0x405));
    print_lookup("lid 0 qpn 0x405", ipoib_neigh_find_by_lid_qpn(&t, 0,
                                                                0x405));
    print_lookup("mac of h1", ipoib_neigh_find_by_mac(&t, n1->mac));
    print_lookup("mac 02:00:00:00:00:01",
                 ipoib_neigh_find_by_mac(&t, mac_arg("02:00:00:00:00:01")));

    printf("-- bound: a fifth is refused, bad addresses too\n");
    print_lookup("learn h4", ipoib_neigh_learn(&t, &h4, 2, 3000));
    print_lookup("learn h5", ipoib_neigh_learn(&t, &h5, 2, 3000));
    struct ipoib_hwaddr bad;
    ipoib_hwaddr_broadcast(&bad, 0xffff, 2);
    print_lookup("learn broadcast", ipoib_neigh_learn(&t, &bad, 0, 3000));
    bad = hwaddr_arg("00000000fe800000000000000002c90300001895");
    print_lookup("learn qpn 0", ipoib_neigh_learn(&t, &bad, 0, 3000));
    bad = hwaddr_arg("00000001fe800000000000000002c90300001895");
    print_lookup("learn qpn 1", ipoib_neigh_learn(&t, &bad, 0, 3000));
    bad = hwaddr_arg("00ffffffff800000000000000002c90300001895");
    print_lookup("learn qpn 0xffffff", ipoib_neigh_learn(&t, &bad, 0, 3000));
    bad = hwaddr_arg("0000004800000000000000000000000000000000");
    print_lookup("learn zero gid", ipoib_neigh_learn(&t, &bad, 0, 3000));
    print_neighs(&t, 3000);

    printf("-- flags, LID moves, IPv4 list\n");
    ipoib_neigh_learn(&t, &h1_nocm, 7, 4000);
    printf("flags kept by learn: %#x\n", ipoib_hwaddr_flags(&n1->hwaddr));
    ipoib_neigh_set_flags(n1, 0);
    printf("flags after set: %#x\n", ipoib_hwaddr_flags(&n1->hwaddr));
    print_lookup("lid 1 qpn 0x404", ipoib_neigh_find_by_lid_qpn(&t, 1,
                                                                0x404));
    print_lookup("lid 7 qpn 0x404", ipoib_neigh_find_by_lid_qpn(&t, 7,
                                                                0x404));
    /* h4 has the same LID and another QPN: no clash.  Then the LID
     * moves, with QPN 0x404, to another port (after a subnet re-sweep):
     * the newest sender owns (LID, QPN). */
    ipoib_neigh_learn(&t, &h4, 7, 4000);
    print_lookup("lid 7 qpn 0x49", ipoib_neigh_find_by_lid_qpn(&t, 7, 0x49));
    print_lookup("lid 2 qpn 0x49", ipoib_neigh_find_by_lid_qpn(&t, 2, 0x49));
    ipoib_neigh_remove(&t, ipoib_neigh_find_by_endpoint(&t, &h3));
    struct ipoib_neigh *n5 = ipoib_neigh_learn(&t, &h5, 7, 4000);
    print_lookup("lid 7 qpn 0x404", ipoib_neigh_find_by_lid_qpn(&t, 7,
                                                                0x404));
    printf("h5 is it: %s; h1's lid now %u\n",
           ipoib_neigh_find_by_lid_qpn(&t, 7, 0x404) == n5 ? "yes" : "no",
           n1->lid);
    for (int i = 1; i <= 6; i++) {
        ipoib_neigh_add_ipv4(n1, htonl(0x0a000000 + i));
    }
    ipoib_neigh_add_ipv4(n1, htonl(0x0a000004));
    ipoib_neigh_add_ipv4(n1, 0);
    print_neighs(&t, 4000);

    printf("-- ageing\n");
    printf("expire idle 2500 at 4500: %"PRIuSIZE"\n",
           ipoib_neigh_expire(&t, 4500, 2500));
    ipoib_neigh_touch(n1, 4300);
    printf("expire idle 500 at 4500: %"PRIuSIZE"\n",
           ipoib_neigh_expire(&t, 4500, 500));
    print_neighs(&t, 4500);
    print_lookup("lid 7 qpn 0x404", ipoib_neigh_find_by_lid_qpn(&t, 7,
                                                                0x404));
    printf("expire idle 0 at 4000: %"PRIuSIZE"\n",
           ipoib_neigh_expire(&t, 4000, 0));
    printf("expire idle 200 at 4500: %"PRIuSIZE"\n",
           ipoib_neigh_expire(&t, 4500, 200));
    print_neighs(&t, 4500);
    ipoib_neigh_table_destroy(&t);
}

/* VIF table. */

static void
print_insert(struct ipoib_vif_table *t, const char *mac, uint16_t vlan,
             enum ipoib_vif_origin origin, long long now)
{
    struct ipoib_vif *vif;
    int error = ipoib_vif_insert(t, mac_arg(mac), vlan, origin, NULL, now,
                                 &vif);

    printf("insert %s vlan %s: %s%s\n", mac, vlan_str(vlan),
           error ? ovs_strerror(error) : "ok",
           error == EEXIST && vif ? " (existing returned)" : "");
}

/* vif-table: insert, QPs, lookups, expiry of learned VIFs, destroy. */
static void
test_vif_table(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct ipoib_vif_table t;
    struct ipoib_vif *v1, *v2, *v3;
    int n_freed = 0;

    ipoib_vif_table_init(&t, 4);
    ovs_assert(!ipoib_vif_insert(&t, mac_arg("52:54:00:00:00:01"),
                                 IPOIB_VLAN_NONE, IPOIB_VIF_OVSDB, "vnet0",
                                 0, &v1));
    ovs_assert(!ipoib_vif_insert(&t, mac_arg("52:54:00:00:00:01"), 10,
                                 IPOIB_VIF_OVSDB, "vnet1", 0, &v2));
    ovs_assert(!ipoib_vif_insert(&t, mac_arg("52:54:00:00:00:02"),
                                 IPOIB_VLAN_NONE, IPOIB_VIF_LEARNED, NULL,
                                 1000, &v3));
    print_insert(&t, "52:54:00:00:00:01", IPOIB_VLAN_NONE,
                 IPOIB_VIF_LEARNED, 0);
    print_insert(&t, "01:00:5e:00:00:01", IPOIB_VLAN_NONE,
                 IPOIB_VIF_LEARNED, 0);
    print_insert(&t, "52:54:00:00:00:09", 4096, IPOIB_VIF_LEARNED, 0);
    print_insert(&t, "52:54:00:00:00:03", IPOIB_VLAN_NONE, IPOIB_VIF_HOST,
                 2000);
    print_insert(&t, "52:54:00:00:00:04", IPOIB_VLAN_NONE,
                 IPOIB_VIF_LEARNED, 0);

    printf("set qp v1 0x405: %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v1, 0x405, 0xffff)));
    printf("set qp v2 0x405: %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v2, 0x405, 0xffff)));
    printf("set qp v2 0x1000000: %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v2, 0x1000000, 0xffff)));
    printf("set qp v2 0x406: %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v2, 0x406, 0x800a)));
    printf("set qp v3 0x407: %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v3, 0x407, 0xffff)));
    printf("set qp v1 0x408 (move): %s\n",
           ovs_strerror(ipoib_vif_set_qp(&t, v1, 0x408, 0xffff)));
    ipoib_vif_set_iface(v3, "tap3");
    v3->aux = "qp-of-v3";

    struct ipoib_vif *found;
    found = ipoib_vif_find(&t, mac_arg("52:54:00:00:00:01"), 10);
    printf("find 52:54:00:00:00:01 vlan 10: %s\n", found == v2 ? "v2" : "?");
    found = ipoib_vif_find(&t, mac_arg("52:54:00:00:00:01"), 11);
    printf("find 52:54:00:00:00:01 vlan 11: %s\n", found ? "?" : "none");
    printf("by qpn 0x405: %s\n", ipoib_vif_find_by_qpn(&t, 0x405) ? "?"
                                                                   : "none");
    printf("by qpn 0x408: %s\n", ipoib_vif_find_by_qpn(&t, 0x408) == v1
                                 ? "v1" : "?");
    printf("by qpn 0: %s\n", ipoib_vif_find_by_qpn(&t, 0) ? "?" : "none");
    struct eth_addr m = mac_arg("52:54:00:00:00:02");
    printf("has 52:54:00:00:00:02: %d\n", ipoib_vif_table_has_mac(&m, &t));
    m = mac_arg("52:54:00:00:00:05");
    printf("has 52:54:00:00:00:05: %d\n", ipoib_vif_table_has_mac(&m, &t));
    print_vifs(&t, 2000);

    printf("-- expire learned idle 1500 at 2000\n");
    printf("expired %"PRIuSIZE"\n",
           ipoib_vif_table_expire_learned(&t, 2000, 1500, report_free,
                                          &n_freed));
    printf("-- expire learned idle 1000 at 2000\n");
    printf("expired %"PRIuSIZE"\n",
           ipoib_vif_table_expire_learned(&t, 2000, 1000, report_free,
                                          &n_freed));
    printf("by qpn 0x407: %s\n", ipoib_vif_find_by_qpn(&t, 0x407) ? "?"
                                                                   : "none");
    print_vifs(&t, 2000);

    printf("-- remove v1, destroy\n");
    ipoib_vif_remove(&t, v1);
    printf("by qpn 0x408: %s\n", ipoib_vif_find_by_qpn(&t, 0x408) ? "?"
                                                                   : "none");
    struct svec freed = SVEC_EMPTY_INITIALIZER;
    ipoib_vif_table_destroy(&t, collect_free, &freed);
    svec_sort(&freed);
    for (size_t i = 0; i < freed.n; i++) {
        printf("%s\n", freed.names[i]);
    }
    printf("callbacks %d\n", n_freed + (int) freed.n);
    svec_destroy(&freed);
}

/* ARP codec. */

static void
print_arp_ib(const struct ipoib_arp_ib *arp)
{
    printf("op %u\n", arp->op);
    printf("sha %s spa "IP_FMT"\n", hw_str(&arp->sha), IP_ARGS(arp->spa));
    printf("tha %s tpa "IP_FMT"\n", hw_str(&arp->tha), IP_ARGS(arp->tpa));
}

static void
print_arp_eth(const struct ipoib_arp_eth *arp)
{
    printf("op %u sha "ETH_ADDR_FMT" spa "IP_FMT" tha "ETH_ADDR_FMT
           " tpa "IP_FMT"\n", arp->op, ETH_ADDR_ARGS(arp->sha),
           IP_ARGS(arp->spa), ETH_ADDR_ARGS(arp->tha), IP_ARGS(arp->tpa));
}

static void
print_arp_status(const char *what, enum ipoib_arp_status status)
{
    printf("%s: %s\n", what, ipoib_arp_status_name(status));
}

/* arp-capture: decodes the ARP frames of the real capture and re-encodes
 * them byte for byte. */
static void
test_arp_capture(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    const char *frames[2] = { capture_frame5, capture_frame6 };

    for (int i = 0; i < 2; i++) {
        struct ipoib_arp_ib arp;
        uint8_t out[IPOIB_ARP_IB_LEN];
        uint8_t *p;
        size_t len = parse_hex(frames[i], &p);
        const uint8_t *body = p + IPOIB_ENCAP_LEN;
        size_t body_len = len - IPOIB_ENCAP_LEN;

        printf("frame %d: %s\n", i + 5,
               ipoib_arp_status_name(ipoib_arp_ib_decode(body, body_len,
                                                         &arp)));
        print_arp_ib(&arp);
        ipoib_arp_ib_encode(out, &arp);
        printf("re-encoded identical: %s\n",
               body_len == sizeof out && !memcmp(out, body, sizeof out)
               ? "yes" : "no");
        free(p);
    }
}

static void
print_hwaddr_hex(const struct ipoib_hwaddr *hw)
{
    for (int i = 0; i < IPOIB_HWADDR_LEN; i++) {
        printf("%02x", hw->b[i]);
    }
}

/* arp-capture-fields: the same, in the form of tshark's fields frame.number,
 * arp.opcode, arp.src.hw, arp.src.proto_ipv4, arp.dst.hw,
 * arp.dst.proto_ipv4, so that the test can compare with the file. */
static void
test_arp_capture_fields(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    const char *frames[2] = { capture_frame5, capture_frame6 };

    for (int i = 0; i < 2; i++) {
        struct ipoib_arp_ib arp;
        uint8_t *p;
        size_t len = parse_hex(frames[i], &p);

        ovs_assert(!ipoib_arp_ib_decode(p + IPOIB_ENCAP_LEN,
                                        len - IPOIB_ENCAP_LEN, &arp));
        printf("%d\t%u\t", i + 5, arp.op);
        print_hwaddr_hex(&arp.sha);
        printf("\t"IP_FMT"\t", IP_ARGS(arp.spa));
        print_hwaddr_hex(&arp.tha);
        printf("\t"IP_FMT"\n", IP_ARGS(arp.tpa));
        free(p);
    }
}

/* arp-codec: validation of both forms. */
static void
test_arp_codec(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct ipoib_arp_eth eth = {
        .op = IPOIB_ARP_OP_REPLY,
        .sha = ETH_ADDR_C(52, 54, 00, 00, 00, 01),
        .spa = htonl(0x0a000122),
        .tha = ETH_ADDR_C(52, 54, 00, 00, 00, 02),
        .tpa = htonl(0x0a00003a),
    };
    uint8_t buf[IPOIB_ARP_IB_LEN + 4];
    struct ipoib_arp_eth eth2;
    struct ipoib_arp_ib ib;

    memset(buf, 0, sizeof buf);
    ipoib_arp_eth_encode(buf, &eth);
    print_hex(buf, IPOIB_ARP_ETH_LEN);
    print_arp_status("eth decode", ipoib_arp_eth_decode(buf, 28, &eth2));
    print_arp_eth(&eth2);
    print_arp_status("eth decode with padding",
                     ipoib_arp_eth_decode(buf, 46, &eth2));
    print_arp_status("eth decode 27 bytes",
                     ipoib_arp_eth_decode(buf, 27, &eth2));
    print_arp_status("eth decode as ib",
                     ipoib_arp_ib_decode(buf, sizeof buf, &ib));

    static const struct {
        size_t ofs;
        uint8_t value;
        const char *what;
    } bad[] = {
        { 1, 6, "htype 6" },
        { 2, 0x86, "ptype 0x86dd" },
        { 4, 20, "hlen 20" },
        { 5, 16, "plen 16" },
        { 7, 0, "op 0" },
        { 7, 5, "op 5" },
        { 7, 3, "op 3 (rarp)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint8_t copy[IPOIB_ARP_ETH_LEN];

        memcpy(copy, buf, sizeof copy);
        copy[bad[i].ofs] = bad[i].value;
        print_arp_status(bad[i].what,
                         ipoib_arp_eth_decode(copy, sizeof copy, &eth2));
    }

    uint8_t *p;
    size_t len = parse_hex(capture_frame5, &p);
    uint8_t *body = p + IPOIB_ENCAP_LEN;
    size_t body_len = len - IPOIB_ENCAP_LEN;
    print_arp_status("ib decode 55 bytes",
                     ipoib_arp_ib_decode(body, body_len - 1, &ib));
    body[4] = 6;
    print_arp_status("ib hlen 6", ipoib_arp_ib_decode(body, body_len, &ib));
    body[4] = 20;
    body[1] = 1;
    print_arp_status("ib htype 1", ipoib_arp_ib_decode(body, body_len, &ib));
    print_arp_status("ib as eth", ipoib_arp_eth_decode(body, body_len,
                                                       &eth2));
    free(p);
}

/* mgid: the multicast GID -> MAC mapping of receive. */
static void
test_mgid(struct ovs_cmdl_context *ctx)
{
    for (int i = 1; i < ctx->argc; i++) {
        struct ib_gid gid = gid_arg(ctx->argv[i]);
        struct eth_addr mac;

        if (ipoib_xlate_mgid_to_mac(&gid, &mac)) {
            printf("%s "ETH_ADDR_FMT"\n", ctx->argv[i], ETH_ADDR_ARGS(mac));
        } else {
            printf("%s none\n", ctx->argv[i]);
        }
    }
}

/* drop-names: every reason's name. */
static void
test_drop_names(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    for (int i = 0; i <= IPOIB_N_DROPS; i++) {
        printf("%d %s\n", i, ipoib_drop_name(i));
    }
}

/* ARP round trip between two hypervisors. */

static void
decode_eth_frame_arp(const struct ipoib_buf *b)
{
    struct ipoib_arp_eth arp;
    struct eth_addr dst, src;

    ovs_assert(b->len >= 14);
    memcpy(dst.ea, b->data, ETH_ADDR_LEN);
    memcpy(src.ea, b->data + ETH_ADDR_LEN, ETH_ADDR_LEN);
    printf("  eth dst "ETH_ADDR_FMT" src "ETH_ADDR_FMT"\n",
           ETH_ADDR_ARGS(dst), ETH_ADDR_ARGS(src));
    ovs_assert(!ipoib_arp_eth_decode(b->data + 14, b->len - 14, &arp));
    printf("  ");
    print_arp_eth(&arp);
}

/* Compares an IPoIB frame with a capture frame, ignoring the flags bytes
 * of the two hardware addresses (we send flags 0: no connected mode). */
static void
compare_with_capture(const struct ipoib_buf *b, const char *hex,
                     const char *name)
{
    uint8_t *p;
    size_t len = parse_hex(hex, &p);
    size_t diffs = 0;

    for (size_t i = 0; i < len && i < b->len; i++) {
        if (p[i] != b->data[i] && i != 4 + 8 && i != 4 + 32) {
            diffs++;
        }
    }
    printf("  same as capture %s except flags: %s\n", name,
           len == b->len && !diffs ? "yes" : "no");
    free(p);
}

static enum ipoib_drop
tx_frame(struct fixture *f, struct test_buf *tb, const uint8_t *frame,
         size_t len, struct ipoib_tx_result *r)
{
    test_buf_init(tb, frame, len, IPOIB_XLATE_HEADROOM,
                  IPOIB_XLATE_TAILROOM);
    enum ipoib_drop drop = ipoib_xlate_tx(&f->x, &tb->buf, f->now, r);
    test_buf_check(tb, drop, frame, len, IPOIB_XLATE_HEADROOM);
    return drop;
}

static enum ipoib_drop
rx_frame(struct fixture *f, struct test_buf *tb, const uint8_t *frame,
         size_t len, const struct ipoib_rx_meta *meta)
{
    test_buf_init(tb, frame, len, IPOIB_XLATE_HEADROOM,
                  IPOIB_XLATE_TAILROOM);
    enum ipoib_drop drop = ipoib_xlate_rx(&f->x, &tb->buf, meta, f->now,
                                          NULL);
    test_buf_check(tb, drop, frame, len, IPOIB_XLATE_HEADROOM);
    return drop;
}

static void
build_eth_arp(uint8_t frame[42], struct eth_addr dst, struct eth_addr src,
              const struct ipoib_arp_eth *arp)
{
    memcpy(frame, dst.ea, 6);
    memcpy(frame + 6, src.ea, 6);
    frame[12] = 0x08;
    frame[13] = 0x06;
    ipoib_arp_eth_encode(frame + 14, arp);
}

/* arp-roundtrip: VM A behind port fe80::2:c902:24:f636 (QPN 0x405) asks
 * for VM B behind port fe80::2:c902:20:b4dd (QPN 0x404), as the hosts of
 * the capture did; both answer through their own translators. */
static void
test_arp_roundtrip(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fixture a, b, c;
    struct eth_addr vm_a = ETH_ADDR_C(52, 54, 00, 00, 00, 0a);
    struct eth_addr vm_b = ETH_ADDR_C(52, 54, 00, 00, 00, 0b);
    struct ipoib_tx_result r;
    struct test_buf tb, tb2;
    uint8_t frame[42];

    fixture_init_empty(&a, "fe80::2:c902:24:f636", 4);
    fixture_add_vif(&a, "52:54:00:00:00:0a", IPOIB_VLAN_NONE, 0x405,
                    IPOIB_VIF_OVSDB, "vnet0");
    fixture_init_empty(&b, "fe80::2:c902:20:b4dd", 1);
    fixture_add_vif(&b, "52:54:00:00:00:0b", IPOIB_VLAN_NONE, 0x404,
                    IPOIB_VIF_OVSDB, "vnet0");

    printf("A: VM A asks who has 10.0.0.58\n");
    struct ipoib_arp_eth req = {
        .op = IPOIB_ARP_OP_REQUEST, .sha = vm_a, .spa = htonl(0x0a000122),
        .tha = eth_addr_zero, .tpa = htonl(0x0a00003a),
    };
    build_eth_arp(frame, eth_addr_broadcast, vm_a, &req);
    ovs_assert(tx_frame(&a, &tb, frame, sizeof frame, &r)
               == IPOIB_DROP_NONE);
    printf("  to %s\n", hw_str(&r.dst));
    compare_with_capture(&tb.buf, capture_frame5, "frame 5");

    printf("B: receives it\n");
    struct ipoib_rx_meta meta = {
        .sqpn = 0x405, .slid = 4, .multicast = true, .has_grh = true,
        .sgid = a.x.gid,
    };
    ipoib_hwaddr_gid(&r.dst, &meta.dgid);
    ovs_assert(rx_frame(&b, &tb2, tb.buf.data, tb.buf.len, &meta)
               == IPOIB_DROP_NONE);
    decode_eth_frame_arp(&tb2.buf);
    struct eth_addr a_seen_by_b;
    memcpy(a_seen_by_b.ea, tb2.buf.data + 6, 6);
    free(tb.base);
    free(tb2.base);

    printf("B: VM B replies\n");
    struct ipoib_arp_eth reply = {
        .op = IPOIB_ARP_OP_REPLY, .sha = vm_b, .spa = htonl(0x0a00003a),
        .tha = a_seen_by_b, .tpa = htonl(0x0a000122),
    };
    build_eth_arp(frame, a_seen_by_b, vm_b, &reply);
    ovs_assert(tx_frame(&b, &tb, frame, sizeof frame, &r)
               == IPOIB_DROP_NONE);
    printf("  to %s\n", hw_str(&r.dst));
    compare_with_capture(&tb.buf, capture_frame6, "frame 6");

    printf("A: receives it\n");
    meta = (struct ipoib_rx_meta) {
        .sqpn = 0x404, .slid = 1, .dqpn = 0x405,
    };
    ovs_assert(rx_frame(&a, &tb2, tb.buf.data, tb.buf.len, &meta)
               == IPOIB_DROP_NONE);
    decode_eth_frame_arp(&tb2.buf);
    struct eth_addr b_seen_by_a;
    memcpy(b_seen_by_a.ea, tb2.buf.data + 6, 6);
    free(tb.base);
    free(tb2.base);

    /* A third hypervisor learns both VMs from their ARPs and must give
     * them the same MACs. */
    fixture_init_empty(&c, "fe80::2:c903:0:1895", 2);
    struct ipoib_hwaddr hw;
    ipoib_hwaddr_make(&hw, 0, 0x405, &a.x.gid);
    struct ipoib_neigh *na = ipoib_neigh_learn(&c.neighs, &hw, 4, 0);
    ipoib_hwaddr_make(&hw, 0, 0x404, &b.x.gid);
    struct ipoib_neigh *nb = ipoib_neigh_learn(&c.neighs, &hw, 1, 0);
    printf("C: sees VM A as "ETH_ADDR_FMT" (%s as B does), VM B as "
           ETH_ADDR_FMT" (%s as A does)\n",
           ETH_ADDR_ARGS(na->mac),
           eth_addr_equals(na->mac, a_seen_by_b) ? "same" : "NOT the same",
           ETH_ADDR_ARGS(nb->mac),
           eth_addr_equals(nb->mac, b_seen_by_a) ? "same" : "NOT the same");

    printf("A's neighbors:\n");
    print_neighs(&a.neighs, 0);
    printf("B's neighbors:\n");
    print_neighs(&b.neighs, 0);
    fixture_destroy(&a);
    fixture_destroy(&b);
    fixture_destroy(&c);
}

/* Fuzzing. */

/* Valid frames the mutator starts from (see tests/ipoib-xlate.at for what
 * they are). */
static const char *const tx_seeds[] = {
    /* IPv4 UDP to neighbor 0x404. */
    "%s525400000001080045000020000100004011000a0001220a00003a"
    "1f901f90000c000061626364",
    /* ARP request, broadcast. */
    "ffffffffffff5254000000010806000108000604000152540000000"
    "10a0001220000000000000a00003a",
    /* IPv6 NS to the solicited-node group with SLLAO. */
    "3333ff001895525400000001" "86dd6000000000203aff"
    "fe800000000000005054 00fffe000001" "ff0200000000000000000001ff001895"
    "8700a5d900000000fe80000000000000020 2c903 00001895"
    "0101525400000001",
};

static const char *const rx_seeds[] = {
    NULL,               /* capture_frame5 */
    NULL,               /* capture_frame6 */
    /* The NS of capture frame 26. */
    "86dd0000" "6000000000303aff" "fe80000000000000 0202c9020024f636"
    "ff0200000000000000000001ff001895" "87007d1500000000"
    "fe800000000000000202c90300001895" "0103000080000405"
    "fe800000000000000002c9020024f636",
    /* IPv4 UDP. */
    "08000000" "45000020000100004011000a0a00003a0a000122"
    "1f901f90000c000061626364",
};

struct seed {
    uint8_t *data;
    size_t len;
};

static void
load_seeds(const char *const hex[], size_t n, struct seed *seeds,
           const char *dst_neigh_mac)
{
    for (size_t i = 0; i < n; i++) {
        const char *h = hex[i];
        char *s = NULL;

        if (!h) {
            h = i == 0 ? capture_frame5 : capture_frame6;
        } else if (strstr(h, "%s")) {
            s = xasprintf(h, dst_neigh_mac);
            h = s;
        }
        seeds[i].len = parse_hex(h, &seeds[i].data);
        free(s);
    }
}

/* Makes a random frame of up to 'max' bytes in 'out': random bytes, or a
 * seed truncated and with a few bytes changed. */
static size_t
make_fuzz_frame(uint8_t *out, size_t max, const struct seed *seeds,
                size_t n_seeds)
{
    size_t len;

    if (rng() % 4 == 0) {
        len = rng() % max;
        for (size_t i = 0; i < len; i++) {
            out[i] = rng();
        }
        return len;
    }

    const struct seed *s = &seeds[rng() % n_seeds];
    len = MIN(s->len, max);
    memcpy(out, s->data, len);
    if (rng() % 3 == 0) {
        len = rng() % (len + 1);
    }
    int n_flips = rng() % 4;
    for (int i = 0; i < n_flips && len; i++) {
        size_t pos = rng() % len;

        if (rng() % 2) {
            out[pos] = rng();
        } else {
            out[pos] ^= 1 << (rng() % 8);
        }
    }
    if (rng() % 8 == 0 && len + 8 <= max) {
        /* Trailing garbage. */
        for (int i = 0; i < 8; i++) {
            out[len++] = rng();
        }
    }
    return len;
}

static void
make_fuzz_meta(struct ipoib_rx_meta *meta, const struct fixture *f)
{
    static const uint32_t qpns[] = { 0x404, 0x405, 0x406, 0x48, 0x500 };
    static const uint16_t lids[] = { 1, 2, 4, 9, 0 };

    memset(meta, 0, sizeof *meta);
    meta->multicast = rng() % 2;
    meta->has_grh = rng() % 4 != 0;
    meta->slid = rng() % 8 ? lids[rng() % ARRAY_SIZE(lids)] : rng();
    meta->sqpn = (rng() % 8 ? qpns[rng() % ARRAY_SIZE(qpns)] : rng())
                 & IB_QPN_MASK;
    meta->dqpn = (rng() % 8 ? qpns[rng() % ARRAY_SIZE(qpns)] : rng())
                 & IB_QPN_MASK;
    switch (rng() % 8) {
    case 0: case 1: case 2: case 3:
        ib_gid_from_parts(&meta->sgid, IB_DEFAULT_SUBNET_PREFIX,
                          0x0002c90300000000ULL + rng() % 2048);
        break;
    case 4: case 5:
        /* The sender of the capture's seed frames. */
        ib_gid_from_parts(&meta->sgid, IB_DEFAULT_SUBNET_PREFIX,
                          0x0002c9020024f636ULL);
        break;
    case 6:
        meta->sgid = f->x.gid;
        break;
    default:
        for (int i = 0; i < IB_GID_LEN; i++) {
            meta->sgid.b[i] = rng();
        }
        break;
    }
    switch (rng() % 4) {
    case 0:
        ipoib_mgid_broadcast(&meta->dgid, 0xffff, 2);
        break;
    case 1:
        ipoib_mgid_ipv4(&meta->dgid, 0xffff, 2, htonl(0xe0000001 + rng()));
        break;
    case 2: {
        uint8_t group[16] = { 0xff, 0x02 };

        for (int i = 2; i < 16; i++) {
            group[i] = rng();
        }
        ipoib_mgid_ipv6(&meta->dgid, 0xffff, 2, group);
        break;
    }
    default:
        for (int i = 0; i < IB_GID_LEN; i++) {
            meta->dgid.b[i] = rng();
        }
        break;
    }
}

static void
print_fuzz_counts(const char *dir, size_t n, const size_t counts[])
{
    size_t sum = 0;

    printf("%s: %"PRIuSIZE" frames;", dir, n);
    for (int i = 0; i < IPOIB_N_DROPS; i++) {
        sum += counts[i];
        if (counts[i]) {
            printf(" %s", ipoib_drop_name(i));
        }
    }
    printf("; counted %"PRIuSIZE"\n", sum);
}

/* fuzz N SEED: N random or mutated frames in each direction. */
static void
test_fuzz(struct ovs_cmdl_context *ctx)
{
    size_t n = num_arg(ctx->argv[1]);
    size_t tx_counts[IPOIB_N_DROPS] = { 0 };
    size_t rx_counts[IPOIB_N_DROPS] = { 0 };
    struct seed txs[ARRAY_SIZE(tx_seeds)], rxs[ARRAY_SIZE(rx_seeds)];
    enum { MAX_FRAME = 200 };
    uint8_t frame[MAX_FRAME];
    struct fixture f;
    char neigh_mac[13];

    rng_state = num_arg(ctx->argv[2]) | 1;
    fixture_init(&f);
    /* Another port than the capture's sender, so that its frames are not
     * loopback; a small neighbor table, so that it fills up. */
    f.x.gid = gid_arg("fe80::2:c902:20:b4dd");
    f.x.lid = 1;
    f.neighs.max_neighs = 64;
    struct ipoib_hwaddr hw = hwaddr_arg(
        "80000404fe800000000000000002c9020020b4dd");
    struct ipoib_neigh *neigh = ipoib_neigh_find_by_endpoint(&f.neighs, &hw);
    snprintf(neigh_mac, sizeof neigh_mac, "%012"PRIx64,
             eth_addr_to_uint64(neigh->mac));
    load_seeds(tx_seeds, ARRAY_SIZE(tx_seeds), txs, neigh_mac);
    load_seeds(rx_seeds, ARRAY_SIZE(rx_seeds), rxs, NULL);

    for (size_t i = 0; i < n; i++) {
        struct ipoib_tx_result r;
        struct ipoib_rx_meta meta;
        struct test_buf tb;
        enum ipoib_drop drop;
        size_t len;

        f.now = i;
        len = make_fuzz_frame(frame, MAX_FRAME, txs, ARRAY_SIZE(txs));
        test_buf_init(&tb, frame, len, rng() % 8 ? 64 : rng() % 64,
                      rng() % 8 ? 64 : rng() % 64);
        size_t headroom = tb.buf.headroom;
        drop = ipoib_xlate_tx(&f.x, &tb.buf, f.now, &r);
        ovs_assert(drop < IPOIB_N_DROPS);
        test_buf_check(&tb, drop, frame, len, headroom);
        if (!drop) {
            ovs_assert(tb.buf.len >= IPOIB_ENCAP_LEN
                       && tb.buf.len - IPOIB_ENCAP_LEN <= f.x.mtu);
        }
        tx_counts[drop]++;
        free(tb.base);

        len = make_fuzz_frame(frame, MAX_FRAME, rxs, ARRAY_SIZE(rxs));
        make_fuzz_meta(&meta, &f);
        test_buf_init(&tb, frame, len, rng() % 8 ? 64 : rng() % 64,
                      rng() % 8 ? 64 : rng() % 64);
        headroom = tb.buf.headroom;
        drop = ipoib_xlate_rx(&f.x, &tb.buf, &meta, f.now, NULL);
        ovs_assert(drop < IPOIB_N_DROPS);
        test_buf_check(&tb, drop, frame, len, headroom);
        if (!drop) {
            ovs_assert(tb.buf.len >= 14);
        }
        rx_counts[drop]++;
        free(tb.base);

        if (i % 1000 == 999) {
            ipoib_neigh_expire(&f.neighs, f.now, 500);
        }
    }
    print_fuzz_counts("tx", n, tx_counts);
    print_fuzz_counts("rx", n, rx_counts);
    printf("neighbors learned: %s; refused: %s\n",
           f.neighs.n_learned > 100 ? "many" : "few",
           f.neighs.n_refused ? "some" : "none");

    for (size_t i = 0; i < ARRAY_SIZE(txs); i++) {
        free(txs[i].data);
    }
    for (size_t i = 0; i < ARRAY_SIZE(rxs); i++) {
        free(rxs[i].data);
    }
    fixture_destroy(&f);
}

/* "fuzz-paths": the fast paths and last-hit caches against the general
 * path, on two identical ports whose tables change under them. */

/* The same change to both ports' tables, chosen by 'choice'. */
static void
mutate_port(struct fixture *f, uint32_t choice)
{
    static const char *const endpoints[] = {
        "80000404fe800000000000000002c9020020b4dd",   /* The usual N1. */
        "00000404fe800000000000000002c903000b0b0b",   /* N1's QPN, other
                                                       * port. */
        "00000048fe800000000000000002c90300001895",   /* N2. */
    };
    static const uint16_t lids[] = { 1, 2, 9 };
    struct eth_addr mac1 = mac_arg("52:54:00:00:00:01");
    struct ipoib_vif *vif;

    switch (choice % 6) {
    case 0:
        /* VM 1 goes away, or comes back with one of two QPs. */
        vif = ipoib_vif_find(&f->vifs, mac1, IPOIB_VLAN_NONE);
        if (vif && choice & 8) {
            ipoib_vif_remove(&f->vifs, vif);
        } else if (!vif) {
            ovs_assert(!ipoib_vif_insert(&f->vifs, mac1, IPOIB_VLAN_NONE,
                                         IPOIB_VIF_OVSDB, NULL, f->now,
                                         &vif));
            ipoib_vif_set_qp(&f->vifs, vif, choice & 16 ? 0x409 : 0x405,
                             f->x.pkey);
        }
        break;
    case 1:
        /* VM 2's QP changes (or cannot: QPN taken). */
        vif = ipoib_vif_find(&f->vifs, mac_arg("52:54:00:00:00:02"),
                             IPOIB_VLAN_NONE);
        ipoib_vif_set_qp(&f->vifs, vif, choice & 8 ? 0x406 : 0x409,
                         f->x.pkey);
        break;
    case 2: {
        /* A neighbor is learned, or its LID moves. */
        struct ipoib_hwaddr hw = hwaddr_arg(
            endpoints[(choice >> 3) % ARRAY_SIZE(endpoints)]);
        ipoib_neigh_learn(&f->neighs, &hw,
                          lids[(choice >> 5) % ARRAY_SIZE(lids)], f->now);
        break;
    }
    case 3: {
        /* A neighbor goes away. */
        struct ipoib_hwaddr hw = hwaddr_arg(
            endpoints[(choice >> 3) % ARRAY_SIZE(endpoints)]);
        struct ipoib_neigh *neigh = ipoib_neigh_find_by_endpoint(&f->neighs,
                                                                 &hw);
        if (neigh && choice & 0x40) {
            ipoib_neigh_remove(&f->neighs, neigh);
        }
        break;
    }
    case 4:
        /* The context becomes another partition's, or the port's own. */
        f->x.vlan = (choice & 0x18 ? IPOIB_VLAN_NONE
                     : choice & 0x20 ? 10 : 20);
        f->x.pkey = (f->x.vlan == IPOIB_VLAN_NONE ? IB_DEFAULT_PKEY
                     : IB_PKEY_FULL_MEMBER | f->x.vlan);
        break;
    default:
        /* The MTU shrinks below some frames, or grows back. */
        f->x.mtu = choice & 0x18 ? 2044 : 40;
        break;
    }
}

static void
check_same_bufs(const struct test_buf *a, const struct test_buf *b)
{
    ovs_assert(a->buf.len == b->buf.len);
    ovs_assert(a->buf.headroom == b->buf.headroom);
    ovs_assert(a->buf.tailroom == b->buf.tailroom);
    ovs_assert(!memcmp(a->base, b->base, a->size));
}

static bool
same_vif(const struct ipoib_vif *a, const struct ipoib_vif *b)
{
    return (!a && !b) || (a && b && a->key == b->key && a->qpn == b->qpn);
}

static bool
same_neigh(const struct ipoib_neigh *a, const struct ipoib_neigh *b)
{
    return ((!a && !b)
            || (a && b && !memcmp(&a->hwaddr, &b->hwaddr, sizeof a->hwaddr)
                && eth_addr_equals(a->mac, b->mac) && a->lid == b->lid));
}

/* Both ports' tables hold the same entries with the same counters. */
static void
check_same_tables(const struct fixture *a, const struct fixture *b)
{
    const struct ipoib_vif *va;
    const struct ipoib_neigh *na;

    ovs_assert(ipoib_vif_table_count(&a->vifs)
               == ipoib_vif_table_count(&b->vifs));
    IPOIB_VIF_FOR_EACH (va, &a->vifs) {
        const struct ipoib_vif *vb = ipoib_vif_find(&b->vifs, va->mac,
                                                    va->vlan);
        ovs_assert(same_vif(va, vb));
        ovs_assert(!memcmp(&va->stats, &vb->stats, sizeof va->stats));
        ovs_assert(va->last_used_ms == vb->last_used_ms);
    }
    ovs_assert(ipoib_neigh_table_count(&a->neighs)
               == ipoib_neigh_table_count(&b->neighs));
    IPOIB_NEIGH_FOR_EACH (na, &a->neighs) {
        const struct ipoib_neigh *nb = ipoib_neigh_find_by_endpoint(
            &b->neighs, &na->hwaddr);
        ovs_assert(same_neigh(na, nb));
        ovs_assert(na->last_used_ms == nb->last_used_ms);
    }
}

/* An IPv4 TCP frame from VM 1 to neighbor N1 (or to N2), unicast, which
 * the fast path takes while both are known: most mutated copies still are
 * such frames, so that the caches see hits, misses and invalidations. */
static const char fuzz_paths_tx_seed[] =
    "%s525400000001" "0800" "4500002800010000400600000a0001220a00003a"
    "1f900050000000010000000050100000" "00000000";

/* The same from VM 4 (VLAN 10) in VLAN 10, and in VLAN 20, where it is
 * no VIF: the last-hit cache must not give the VLAN 10 VIF there. */
static const char fuzz_paths_tx_seed_vlan10[] =
    "%s525400000004" "8100000a0800" "4500002800010000400600000a0001220a00003a"
    "1f900050000000010000000050100000" "00000000";
static const char fuzz_paths_tx_seed_vlan20[] =
    "%s525400000004" "810000140800" "4500002800010000400600000a0001220a00003a"
    "1f900050000000010000000050100000" "00000000";

/* The same from N1 to VM 1 as IPoIB (carried with SLID 1, SQPN 0x404,
 * DQPN 0x405). */
static const char fuzz_paths_rx_seed[] =
    "08000000" "45000028000100004006000a0a00003a0a000122"
    "005000501f9000000000000100000000501000000000";

/* fuzz-paths N SEED */
static void
test_fuzz_paths(struct ovs_cmdl_context *ctx)
{
    size_t n = num_arg(ctx->argv[1]);
    size_t tx_counts[IPOIB_N_DROPS] = { 0 };
    size_t rx_counts[IPOIB_N_DROPS] = { 0 };
    struct seed txs[ARRAY_SIZE(tx_seeds) + 3], rxs[ARRAY_SIZE(rx_seeds) + 1];
    const char *tx_hex[ARRAY_SIZE(txs)], *rx_hex[ARRAY_SIZE(rxs)];
    enum { MAX_FRAME = 200 };
    uint8_t frame[MAX_FRAME];
    struct fixture fast, slow;
    char neigh_mac[13];

    rng_state = num_arg(ctx->argv[2]) | 1;
    fixture_init(&fast);
    fixture_init(&slow);
    slow.x.no_fast_path = true;
    struct fixture *ports[2] = { &fast, &slow };
    for (int i = 0; i < 2; i++) {
        ports[i]->x.gid = gid_arg("fe80::2:c902:20:b4dd");
        ports[i]->x.lid = 1;
    }

    struct ipoib_hwaddr hw = hwaddr_arg(
        "80000404fe800000000000000002c9020020b4dd");
    struct ipoib_neigh *neigh = ipoib_neigh_find_by_endpoint(&fast.neighs,
                                                             &hw);
    snprintf(neigh_mac, sizeof neigh_mac, "%012"PRIx64,
             eth_addr_to_uint64(neigh->mac));
    memcpy(tx_hex, tx_seeds, sizeof tx_seeds);
    tx_hex[ARRAY_SIZE(tx_seeds)] = fuzz_paths_tx_seed_vlan10;
    tx_hex[ARRAY_SIZE(tx_seeds) + 1] = fuzz_paths_tx_seed_vlan20;
    tx_hex[ARRAY_SIZE(tx_seeds) + 2] = fuzz_paths_tx_seed;
    memcpy(rx_hex, rx_seeds, sizeof rx_seeds);
    rx_hex[ARRAY_SIZE(rx_seeds)] = fuzz_paths_rx_seed;
    load_seeds(tx_hex, ARRAY_SIZE(txs), txs, neigh_mac);
    load_seeds(rx_hex, ARRAY_SIZE(rxs), rxs, NULL);

    size_t n_ipv4_tx = 0, n_ipv4_rx = 0, n_mutations = 0;
    for (size_t i = 0; i < n; i++) {
        struct ipoib_tx_result tr[2];
        struct ipoib_rx_result rr[2];
        struct ipoib_rx_meta meta;
        struct test_buf tb[2];
        enum ipoib_drop drop[2];
        size_t len;

        fast.now = slow.now = i;
        if (rng() % 16 == 0) {
            uint32_t choice = rng();

            mutate_port(&fast, choice);
            mutate_port(&slow, choice);
            n_mutations++;
        }

        /* Transmit: the fast path's frame half of the time. */
        len = make_fuzz_frame(frame, MAX_FRAME, txs, ARRAY_SIZE(txs));
        if (rng() % 2) {
            /* The frame of the context's VLAN. */
            size_t k = (fast.x.vlan == IPOIB_VLAN_NONE ? 1
                        : fast.x.vlan == 10 ? 3 : 2);
            len = make_fuzz_frame(frame, MAX_FRAME, &txs[ARRAY_SIZE(txs) - k],
                                  1);
        }
        size_t headroom = rng() % 8 ? 64 : rng() % 64;
        size_t tailroom = rng() % 8 ? 64 : rng() % 64;
        bool tso = rng() % 8 == 0;
        for (int k = 0; k < 2; k++) {
            test_buf_init(&tb[k], frame, len, headroom, tailroom);
            tb[k].buf.tso = tso;
            drop[k] = ipoib_xlate_tx(&ports[k]->x, &tb[k].buf, i, &tr[k]);
            test_buf_check(&tb[k], drop[k], frame, len, headroom);
        }
        ovs_assert(drop[0] == drop[1]);
        check_same_bufs(&tb[0], &tb[1]);
        if (len >= 14) {
            ovs_assert(eth_addr_equals(tr[0].src_mac, tr[1].src_mac));
            ovs_assert(eth_addr_equals(tr[0].dst_mac, tr[1].dst_mac));
            ovs_assert(tr[0].vlan == tr[1].vlan);
            ovs_assert(tr[0].ether_type == tr[1].ether_type);
        }
        if (!drop[0]) {
            ovs_assert(same_vif(tr[0].vif, tr[1].vif));
            ovs_assert(same_neigh(tr[0].neigh, tr[1].neigh));
            ovs_assert(tr[0].multicast == tr[1].multicast);
            ovs_assert(!memcmp(&tr[0].dst, &tr[1].dst, sizeof tr[0].dst));
            /* Never from a QP that no VIF has any longer. */
            ovs_assert(ipoib_vif_find_by_qpn(&fast.vifs, tr[0].vif->qpn)
                       == tr[0].vif);
            n_ipv4_tx += tr[0].ether_type == ETH_TYPE_IP && !tr[0].multicast;
        }
        tx_counts[drop[0]]++;
        free(tb[0].base);
        free(tb[1].base);

        /* Receive. */
        len = make_fuzz_frame(frame, MAX_FRAME, rxs, ARRAY_SIZE(rxs));
        make_fuzz_meta(&meta, &fast);
        if (rng() % 2) {
            /* From N1 (or N2) to VM 1 (or VM 2), mostly. */
            bool n2 = rng() % 4 == 0;
            len = make_fuzz_frame(frame, MAX_FRAME, &rxs[ARRAY_SIZE(rxs) - 1],
                                  1);
            meta.multicast = meta.has_grh = false;
            meta.slid = n2 ? 2 : 1;
            meta.sqpn = n2 ? 0x48 : 0x404;
            meta.dqpn = rng() % 4 ? 0x405 : 0x406;
        }
        headroom = rng() % 8 ? 64 : rng() % 64;
        tailroom = rng() % 8 ? 64 : rng() % 64;
        for (int k = 0; k < 2; k++) {
            test_buf_init(&tb[k], frame, len, headroom, tailroom);
            drop[k] = ipoib_xlate_rx(&ports[k]->x, &tb[k].buf, &meta, i,
                                     &rr[k]);
            test_buf_check(&tb[k], drop[k], frame, len, headroom);
        }
        ovs_assert(drop[0] == drop[1]);
        check_same_bufs(&tb[0], &tb[1]);
        if (!drop[0]) {
            ovs_assert(same_vif(rr[0].vif, rr[1].vif));
            ovs_assert(same_neigh(rr[0].neigh, rr[1].neigh));
            ovs_assert(rr[0].ether_type == rr[1].ether_type);
            /* Never from a neighbor or to a VIF no longer in the tables. */
            ovs_assert(ipoib_neigh_find_by_endpoint(&fast.neighs,
                                                    &rr[0].neigh->hwaddr)
                       == rr[0].neigh);
            ovs_assert(!rr[0].vif
                       || ipoib_vif_find_by_qpn(&fast.vifs, meta.dqpn)
                          == rr[0].vif);
            n_ipv4_rx += (rr[0].ether_type == ETH_TYPE_IP && rr[0].vif
                          && !meta.has_grh);
        }
        rx_counts[drop[0]]++;
        free(tb[0].base);
        free(tb[1].base);

        check_same_tables(&fast, &slow);
    }
    print_fuzz_counts("tx", n, tx_counts);
    print_fuzz_counts("rx", n, rx_counts);
    printf("same results; table changes %s; unicast IPv4 translated: "
           "tx %s, rx %s\n", n_mutations > n / 32 ? "many" : "few",
           n_ipv4_tx > n / 100 ? "many" : "few",
           n_ipv4_rx > n / 100 ? "many" : "few");

    for (size_t i = 0; i < ARRAY_SIZE(txs); i++) {
        free(txs[i].data);
    }
    for (size_t i = 0; i < ARRAY_SIZE(rxs); i++) {
        free(rxs[i].data);
    }
    fixture_destroy(&fast);
    fixture_destroy(&slow);
}

/* The index (ipoib-index.h) against a plain array, over keys that include
 * 0, all ones, runs of consecutive keys and keys that share a home slot in
 * small indexes (so that removals move entries back, across the end of the
 * slot array too).  The index under test has secret 0, so that those keys
 * are known. */
struct index_ref {
    size_t n_keys;
    uint64_t keys[4096];
    bool present[4096];
    size_t n_present;
};

static void
index_ref_init(struct index_ref *ref)
{
    size_t n = 0;

    /* The last of 16 slots is these keys' home. */
    const struct ipoib_index index16 = { .mask = 15 };

    ref->keys[n++] = 0;
    ref->keys[n++] = UINT64_MAX;
    for (uint64_t k = 1; n < 64; k++) {
        if (ipoib_index_home(&index16, k) == 15) {
            ref->keys[n++] = k;
        }
    }
    for (uint64_t k = 0x1000; n < 1024; k++) {
        ref->keys[n++] = k;
    }
    while (n < ARRAY_SIZE(ref->keys)) {
        ref->keys[n++] = ((uint64_t) rng() << 32) | rng();
    }
    ref->n_keys = n;
    memset(ref->present, 0, sizeof ref->present);
    ref->n_present = 0;
}

/* Checks the lookup of key 'i'; returns the number of errors (0 or 1). */
static size_t
index_check_key(const struct ipoib_index *index, const struct index_ref *ref,
                size_t i)
{
    void *want = ref->present[i] ? CONST_CAST(bool *, &ref->present[i])
                                 : NULL;
    void *found = ipoib_index_find(index, ref->keys[i]);

    if (found != want) {
        printf("key %#"PRIx64": %s, found %s\n", ref->keys[i],
               want ? "present" : "absent",
               !found ? "nothing" : found == want ? "it" : "another");
        return 1;
    }
    return 0;
}

static size_t
index_check_all(const struct ipoib_index *index, const struct index_ref *ref)
{
    size_t errors = 0;

    for (size_t i = 0; i < ref->n_keys; i++) {
        errors += index_check_key(index, ref, i);
    }
    if (ipoib_index_count(index) != ref->n_present) {
        printf("count %"PRIuSIZE", expected %"PRIuSIZE"\n",
               ipoib_index_count(index), ref->n_present);
        errors++;
    }
    return errors;
}

/* Inserts key 'i' if absent, else removes it. */
static size_t
index_toggle(struct ipoib_index *index, struct index_ref *ref, size_t i)
{
    if (ref->present[i]) {
        ref->present[i] = false;
        ref->n_present--;
        return !ipoib_index_remove(index, ref->keys[i]);
    }
    ref->present[i] = true;
    ref->n_present++;
    ipoib_index_insert(index, ref->keys[i], &ref->present[i]);
    return 0;
}

static void
test_index(struct ovs_cmdl_context *ctx)
{
    size_t n = num_arg(ctx->argv[1]);
    struct index_ref *ref = xmalloc(sizeof *ref);
    struct ipoib_index index;
    size_t errors = 0, n_emptied = 0, max_present = 0;

    rng_state = num_arg(ctx->argv[2]) | 1;
    index_ref_init(ref);
    ipoib_index_init(&index);
    index.secret = 0;
    errors += index_check_all(&index, ref);
    for (size_t op = 1; op <= n; op++) {
        /* Mostly the small sets of keys, so that the index often shrinks
         * back to few entries and grows again. */
        size_t range = rng() % 4 ? 1024 : ref->n_keys;
        size_t i = rng() % range;

        errors += index_toggle(&index, ref, i);
        errors += index_check_key(&index, ref, rng() % ref->n_keys);
        i = rng() % ref->n_keys;
        if (!ref->present[i] && ipoib_index_remove(&index, ref->keys[i])) {
            printf("removed absent key %#"PRIx64"\n", ref->keys[i]);
            errors++;
        }
        max_present = MAX(max_present, ref->n_present);
        if (op % 1024 == 0) {
            errors += index_check_all(&index, ref);
        }
        if (op % (n / 4 + 1) == 0) {
            /* Empty it: the slots must be freed and lookups still work. */
            for (i = 0; i < ref->n_keys; i++) {
                if (ref->present[i]) {
                    errors += index_toggle(&index, ref, i);
                }
            }
            errors += index_check_all(&index, ref);
            if (index.mask) {
                printf("empty index keeps %"PRIuSIZE" slots\n",
                       index.mask + 1);
                errors++;
            }
            n_emptied++;
        }
    }
    errors += index_check_all(&index, ref);
    printf("%"PRIuSIZE" operations, up to %"PRIuSIZE" keys, emptied %"
           PRIuSIZE" times: %s\n", n, max_present, n_emptied,
           errors ? "ERRORS" : "all lookups as expected");
    ipoib_index_destroy(&index);
    free(ref);
}

static const struct ovs_cmdl_command commands[] = {
    { "xlate", "step...", 0, INT_MAX, test_xlate, OVS_RO },
    { "fixture", NULL, 0, 0, test_fixture, OVS_RO },
    { "mac", "hwaddr [salt]", 1, 2, test_mac, OVS_RO },
    { "mac-spread", "n", 1, 1, test_mac_spread, OVS_RO },
    { "neigh-collision", NULL, 0, 0, test_neigh_collision, OVS_RO },
    { "neigh-table", NULL, 0, 0, test_neigh_table, OVS_RO },
    { "vif-table", NULL, 0, 0, test_vif_table, OVS_RO },
    { "arp-capture", NULL, 0, 0, test_arp_capture, OVS_RO },
    { "arp-capture-fields", NULL, 0, 0, test_arp_capture_fields, OVS_RO },
    { "arp-codec", NULL, 0, 0, test_arp_codec, OVS_RO },
    { "arp-roundtrip", NULL, 0, 0, test_arp_roundtrip, OVS_RO },
    { "mgid", "gid...", 1, INT_MAX, test_mgid, OVS_RO },
    { "drop-names", NULL, 0, 0, test_drop_names, OVS_RO },
    { "fuzz", "n seed", 2, 2, test_fuzz, OVS_RO },
    { "fuzz-paths", "n seed", 2, 2, test_fuzz_paths, OVS_RO },
    { "index", "n seed", 2, 2, test_index, OVS_RO },
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
