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

/* Receive coalescing as the netdev drives it (netdev-ipoib/ipoib-offload:
 * ipoib_offload_rx_begin/add/room/end), over more datagrams than one
 * transport batch: what comes out must be each flow's bytes, in order, in
 * as few packets as the rules allow, never more than NETDEV_MAX_BURST. */

#include <config.h>
#include <stdio.h>
#include <string.h>
#include "dp-packet.h"
#include "lib/ipoib-bytes.h"
#include "lib/ipoib-gro.h"
#include "lib/ipoib-tso.h"
#include "netdev-ipoib/ipoib-offload.h"
#include "netdev-provider.h"
#include "util.h"

#define HEADROOM 64
#define ETH_LEN 14
#define MSS 1448
#define MAX_PAYLOAD 65400
#define MAX_FLOWS 10

static int n_failures;

#define CHECK(COND, ...)                                    \
    do {                                                    \
        if (!(COND)) {                                      \
            printf("%s:%d: ", __FILE__, __LINE__);          \
            printf(__VA_ARGS__);                            \
            printf("\n");                                   \
            n_failures++;                                   \
        }                                                   \
    } while (0)

/* One TCP flow: its whole byte stream, as a large Ethernet frame to be
 * cut into segments. */
struct test_flow {
    uint8_t frame[ETH_LEN + 40 + MAX_PAYLOAD];
    size_t len;
    struct ipoib_tso_plan plan;
    uint8_t got[MAX_PAYLOAD];   /* Payload seen coming out, by offset. */
    size_t got_len;             /* In order up to here. */
    bool disorder;
};

static struct test_flow flows[MAX_FLOWS];

static void
flow_init(struct test_flow *f, int idx, size_t payload)
{
    uint8_t *ip = f->frame + ETH_LEN;
    uint8_t *tcp = ip + 20;

    memset(f, 0, sizeof *f);
    memcpy(f->frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    ipoib_put_be16(f->frame + 12, 0x0800);
    ip[0] = 0x45;
    ipoib_put_be16(ip + 2, 40 + payload);
    ipoib_put_be16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    ipoib_put_be16(tcp, 40000 + idx);
    ipoib_put_be16(tcp + 2, 5201);
    memcpy(tcp + 4, "\x10\x00\x00\x00", 4);
    memcpy(tcp + 8, "\x00\x00\x10\x00", 4);
    tcp[12] = 5 << 4;
    tcp[13] = 0x10;             /* ACK. */
    ipoib_put_be16(tcp + 14, 512);
    for (size_t i = 0; i < payload; i++) {
        tcp[20 + i] = (i * 7 + idx * 13) & 0xff;
    }
    f->len = ETH_LEN + 40 + payload;
    ovs_assert(ipoib_tso_plan(f->frame, f->len, ETH_LEN, MSS, &f->plan)
               == IPOIB_TSO_OK);
}

/* Segment 'i' of flow 'f' as a received packet; its checksum is marked
 * verified unless 'corrupt' (then one payload byte is wrong). */
static struct dp_packet *
make_seg(struct ipoib_offload *o, struct test_flow *f, int i, bool corrupt)
{
    struct dp_packet *p = dp_packet_new_with_headroom(ETH_LEN + 40 + MSS,
                                                      HEADROOM);
    uint8_t *data = dp_packet_put_uninit(p, ipoib_tso_seg_len(&f->plan, i));

    ipoib_tso_segment(&f->plan, f->frame, i, data);
    if (corrupt) {
        data[ETH_LEN + 40] ^= 1;
    }
    ipoib_offload_rx_mark(o, p, !corrupt);
    return p;
}

/* Takes what a receive call delivered: every TCP packet's payload must
 * continue its flow; returns the number of packets. */
static int
drain(struct dp_packet_batch *batch, int *n_big)
{
    struct dp_packet *p;
    int n = 0;

    CHECK(dp_packet_batch_size(batch) <= NETDEV_MAX_BURST,
          "batch of %"PRIuSIZE, dp_packet_batch_size(batch));
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        struct ipoib_gro_seg seg;
        const uint8_t *frame = dp_packet_data(p);

        n++;
        CHECK(dp_packet_size(p) <= 65535, "packet of %"PRIu32,
              dp_packet_size(p));
        if (ipoib_gro_parse(frame, dp_packet_size(p), &seg)) {
            int idx = (frame[seg.l4_ofs] << 8 | frame[seg.l4_ofs + 1])
                      - 40000;
            struct test_flow *f = &flows[idx];
            size_t ofs = seg.seq - ipoib_get_be32(f->frame + ETH_LEN + 24);

            if (ofs != f->got_len) {
                f->disorder = true;
            } else {
                memcpy(f->got + ofs, frame + seg.hdr_len, seg.payload_len);
                f->got_len += seg.payload_len;
            }
            *n_big += seg.payload_len > MSS;
        }
        dp_packet_delete(p);
    }
    return n;
}

/* Feeds 'n' packets to coalescing in receive calls that take as many as
 * ipoib_offload_rx_room() allows, up to 'budget' each, as the netdev does.
 * Returns the number of packets delivered. */
static int
run_calls(struct ipoib_offload *o, struct dp_packet **in, int n, int budget,
          int *n_calls, int *n_big)
{
    struct dp_packet *spare[NETDEV_MAX_BURST];
    struct dp_packet_batch batch;
    int n_spare = 0, n_out = 0, next = 0;

    *n_calls = 0;
    while (next < n) {
        struct ipoib_offload_rx rx;

        ipoib_offload_rx_begin(&rx, o, &batch, spare, &n_spare,
                               NETDEV_MAX_BURST, HEADROOM);
        for (int taken = 0; next < n && taken < budget
                            && ipoib_offload_rx_room(&rx) > 0; taken++) {
            ipoib_offload_rx_add(&rx, in[next++]);
        }
        ipoib_offload_rx_end(&rx);
        n_out += drain(&batch, n_big);
        (*n_calls)++;
    }
    for (int i = 0; i < n_spare; i++) {
        dp_packet_delete(spare[i]);
    }
    return n_out;
}

static void
check_flows(int n_flows, const char *what)
{
    for (int i = 0; i < n_flows; i++) {
        struct test_flow *f = &flows[i];

        CHECK(!f->disorder, "%s: flow %d out of order", what, i);
        CHECK(f->got_len == f->plan.payload_len
              && !memcmp(f->got, f->frame + ETH_LEN + 40, f->got_len),
              "%s: flow %d: %"PRIuSIZE" of %"PRIuSIZE" bytes right", what, i,
              f->got_len, f->plan.payload_len);
    }
}

static struct ipoib_offload *
new_offload(void)
{
    static struct ipoib_offload o;
    static struct netdev netdev;

    ipoib_offload_init(&o, &netdev);
    o.enabled = true;
    return &o;
}

/* 'n_flows' flows of 'payload' bytes each, their segments interleaved
 * round-robin, taken 'budget' at most per receive call. */
static void
test_interleaved(int n_flows, size_t payload, int budget, int max_out)
{
    static struct dp_packet *in[MAX_FLOWS * 64];
    struct ipoib_offload *o = new_offload();
    int n = 0, n_calls, n_big = 0;
    char what[64];

    for (int i = 0; i < n_flows; i++) {
        flow_init(&flows[i], i, payload);
    }
    for (int s = 0; s < flows[0].plan.n_segs; s++) {
        for (int i = 0; i < n_flows; i++) {
            in[n++] = make_seg(o, &flows[i], s, false);
        }
    }
    int n_out = run_calls(o, in, n, budget, &n_calls, &n_big);
    snprintf(what, sizeof what, "%d flows, budget %d", n_flows, budget);
    check_flows(n_flows, what);
    CHECK(n_out <= max_out, "%s: %d packets out of %d segments, want <= %d",
          what, n_out, n, max_out);
    ipoib_offload_destroy(o);
}

/* Segments 0 1 3 2 4 of one flow: the merge ends at the gap, and the
 * late segment is not put back in its place. */
static void
test_out_of_order(void)
{
    struct ipoib_offload *o = new_offload();
    static const int order[] = { 0, 1, 3, 2, 4 };
    struct dp_packet *in[5];
    int n_calls, n_big = 0;

    flow_init(&flows[0], 0, 5 * MSS);
    for (int i = 0; i < 5; i++) {
        in[i] = make_seg(o, &flows[0], order[i], false);
    }
    int n_out = run_calls(o, in, 5, 256, &n_calls, &n_big);
    CHECK(n_out == 4, "out of order: %d packets, want 4", n_out);
    CHECK(flows[0].disorder, "out of order: not seen");
    ipoib_offload_destroy(o);
}

/* A segment with a bad checksum in the middle of a flow: the merge ends
 * before it, it goes out unmarked and uncounted as good, the rest follows. */
static void
test_bad_csum(void)
{
    struct ipoib_offload *o = new_offload();
    struct ipoib_offload_counters c;
    struct dp_packet *spare[NETDEV_MAX_BURST];
    struct dp_packet_batch batch;
    struct ipoib_offload_rx rx;
    int n_spare = 0;

    flow_init(&flows[0], 0, 6 * MSS);
    ipoib_offload_rx_begin(&rx, o, &batch, spare, &n_spare,
                           NETDEV_MAX_BURST, HEADROOM);
    for (int i = 0; i < 6; i++) {
        ipoib_offload_rx_add(&rx, make_seg(o, &flows[0], i, i == 2));
    }
    ipoib_offload_rx_end(&rx);
    CHECK(dp_packet_batch_size(&batch) == 3, "bad csum: %"PRIuSIZE
          " packets, want 3", dp_packet_batch_size(&batch));
    if (dp_packet_batch_size(&batch) == 3) {
        struct dp_packet *bad = batch.packets[1];
        CHECK(dp_packet_size(batch.packets[0]) == ETH_LEN + 40 + 2 * MSS,
              "bad csum: first packet %"PRIu32" bytes",
              dp_packet_size(batch.packets[0]));
        CHECK(!dp_packet_hwol_tx_l4_checksum(bad)
              && !dp_packet_hwol_is_tso(bad),
              "bad csum: segment marked for offload");
        CHECK(dp_packet_size(batch.packets[2]) == ETH_LEN + 40 + 3 * MSS,
              "bad csum: last packet %"PRIu32" bytes",
              dp_packet_size(batch.packets[2]));
    }
    ipoib_offload_get_counters(o, &c);
    CHECK(c.rx_csum_bad == 1, "bad csum: rx_csum_bad %"PRIu64,
          c.rx_csum_bad);
    dp_packet_delete_batch(&batch, true);
    for (int i = 0; i < n_spare; i++) {
        dp_packet_delete(spare[i]);
    }
    ipoib_offload_destroy(o);
}

/* Packets that cannot merge (not TCP): room runs out at NETDEV_MAX_BURST. */
static void
test_room(void)
{
    struct ipoib_offload *o = new_offload();
    struct dp_packet *spare[NETDEV_MAX_BURST];
    struct dp_packet_batch batch;
    struct ipoib_offload_rx rx;
    int n_spare = 0, n_added = 0;

    ipoib_offload_rx_begin(&rx, o, &batch, spare, &n_spare,
                           NETDEV_MAX_BURST, HEADROOM);
    while (ipoib_offload_rx_room(&rx) > 0 && n_added < 100) {
        struct dp_packet *p = dp_packet_new_with_headroom(64, HEADROOM);
        uint8_t *f = dp_packet_put_zeros(p, 60);

        ipoib_put_be16(f + 12, 0x0806);   /* ARP. */
        ipoib_offload_rx_add(&rx, p);
        n_added++;
    }
    ipoib_offload_rx_end(&rx);
    CHECK(n_added == NETDEV_MAX_BURST
          && dp_packet_batch_size(&batch) == NETDEV_MAX_BURST,
          "room: %d added, %"PRIuSIZE" delivered", n_added,
          dp_packet_batch_size(&batch));
    dp_packet_delete_batch(&batch, true);
    ipoib_offload_destroy(o);
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    set_program_name(argv[0]);

    /* One 64 KiB send in 45 segments: one packet (two when the receive
     * call takes only one transport batch). */
    test_interleaved(1, 45 * MSS, 256, 1);
    test_interleaved(1, 45 * MSS, 32, 2);
    /* Two and eight flows interleaved: one packet per flow. */
    test_interleaved(2, 40 * MSS, 256, 2);
    test_interleaved(8, 20 * MSS, 256, 8);
    /* Ten flows, more than the open merges kept: the oldest is closed to
     * make room, so more packets, but every flow's bytes in order. */
    test_interleaved(10, 20 * MSS, 256, 10 * 20);
    test_out_of_order();
    test_bad_csum();
    test_room();

    if (n_failures) {
        printf("%d checks failed\n", n_failures);
        return 1;
    }
    printf("rx coalescing: 8 cases\n");
    return 0;
}
