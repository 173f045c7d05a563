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
#include "netdev-ipoib/ipoib-offload.h"
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "dp-packet.h"
#include "fabric/fabric-shm.h"
#include "lib/ipoib-gro.h"
#include "lib/ipoib-tso.h"
#include "lib/ipoib-xlate.h"
#include "netdev-provider.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "transport/ipoib-transport.h"
#include "userspace-tso.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_offload);

/* Software segments are made this many at a time, each in a scratch slot
 * of the largest IB MTU. */
#define SCRATCH_SEGS 64
#define SCRATCH_SLOT FABRIC_SLOT_DATA

/* A coalesced packet: headroom for the virtio-net header netdev-linux
 * prepends, then the frame.  A dp_packet of OVS 3.1 holds at most 64 KiB - 1
 * bytes in all (its 'allocated_' is 16 bits), headroom included. */
#define GRO_HEADROOM 64
#define GRO_CAP (UINT16_MAX - GRO_HEADROOM)
BUILD_ASSERT_DECL(GRO_CAP <= IPOIB_GRO_MAX_LEN);

/* Indexes into 'counters', in the order of ipoib_offload_counters. */
enum {
    C_TX_LSO, C_TX_SW_SEGS, C_TX_SW_CSUM, C_TX_MALFORMED,
    C_RX_GRO_PACKETS, C_RX_GRO_MERGED, C_RX_CSUM_GOOD, C_RX_CSUM_BAD,
    N_COUNTERS
};
BUILD_ASSERT_DECL(N_COUNTERS * sizeof(uint64_t)
                  == sizeof(struct ipoib_offload_counters));

static void
count(struct ipoib_offload *o, int counter, uint64_t n)
{
    if (n) {
        uint64_t orig;
        atomic_add_relaxed(&o->counters[counter], n, &orig);
    }
}

/* Coalesced packets are allocated here, 64 KiB each, and freed by OVS once
 * sent, hundreds of times a second per flow.  glibc gives the top of its
 * heap back to the kernel whenever more than M_TRIM_THRESHOLD (128 KiB by
 * default) of it is free, so that every few packets it shrank the heap and
 * the next allocation grew it again, touching fresh zeroed pages: about 8000
 * page faults and 400 brk() calls a second in a receiving vswitchd at
 * 1 Gbit/s (perf stat; tests/perf/RESULTS.md).  A larger threshold keeps
 * those pages in the heap.  The setting is the process's: an administrator's
 * own MALLOC_TRIM_THRESHOLD_ wins. */
#define GRO_TRIM_THRESHOLD (64 * 1024 * 1024)

static void
keep_heap_for_gro(void)
{
#ifdef __GLIBC__
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        if (!getenv("MALLOC_TRIM_THRESHOLD_")
            && mallopt(M_TRIM_THRESHOLD, GRO_TRIM_THRESHOLD)) {
            VLOG_INFO("userspace TSO: keeping up to %d MiB of freed heap "
                      "for coalesced packets (M_TRIM_THRESHOLD)",
                      GRO_TRIM_THRESHOLD / (1024 * 1024));
        }
        ovsthread_once_done(&once);
    }
#endif
}

void
ipoib_offload_init(struct ipoib_offload *o, struct netdev *netdev)
{
    memset(o, 0, sizeof *o);
    ovs_mutex_init(&o->scratch_mutex);
    for (int i = 0; i < N_COUNTERS; i++) {
        atomic_init(&o->counters[i], 0);
    }
    o->enabled = userspace_tso_enabled();
    if (o->enabled) {
        netdev->ol_flags |= (NETDEV_TX_OFFLOAD_TCP_TSO
                             | NETDEV_TX_OFFLOAD_TCP_CKSUM
                             | NETDEV_TX_OFFLOAD_UDP_CKSUM
                             | NETDEV_TX_OFFLOAD_IPV4_CKSUM);
        keep_heap_for_gro();
    }
}

void
ipoib_offload_destroy(struct ipoib_offload *o)
{
    free(o->scratch);
    o->scratch = NULL;
    ovs_mutex_destroy(&o->scratch_mutex);
}

void
ipoib_offload_get_counters(const struct ipoib_offload *o,
                           struct ipoib_offload_counters *c)
{
    uint64_t values[N_COUNTERS];

    for (int i = 0; i < N_COUNTERS; i++) {
        atomic_read_relaxed(&CONST_CAST(struct ipoib_offload *, o)
                            ->counters[i], &values[i]);
    }
    memcpy(c, values, sizeof *c);
}

/* Transmit. */

bool
ipoib_offload_fits_mtu(const struct dp_packet *p, uint32_t ib_mtu)
{
    return dp_packet_size(p) <= ib_mtu || dp_packet_hwol_is_tso(p);
}

/* The length of the IP and TCP headers of IPoIB frame 'f', or 0. */
static size_t
ip_tcp_hdr_len(const uint8_t *f, size_t len)
{
    const size_t l3 = IPOIB_ENCAP_LEN;
    size_t ip_hlen;

    if (len < l3 + 20) {
        return 0;
    }
    ip_hlen = (f[l3] >> 4) == 6 ? 40 : (f[l3] & 0x0f) * 4;
    if (len < l3 + ip_hlen + 20) {
        return 0;
    }
    return ip_hlen + (f[l3 + ip_hlen + 12] >> 4) * 4;
}

void
ipoib_offload_tx_prepare(const struct dp_packet *p, uint32_t ip_mtu,
                         struct ipoib_tx_desc *d)
{
    uint32_t ol = *dp_packet_ol_flags_ptr(p);

    if (ol & DP_PACKET_OL_TX_TCP_SEG
        && d->len > IPOIB_ENCAP_LEN + ip_mtu) {
        size_t hdr = ip_tcp_hdr_len(d->data, d->len);

        d->flags = IPOIB_TX_F_LSO | IPOIB_TX_F_CSUM;
        /* 0 for headers we cannot read: segmentation refuses it. */
        d->mss = hdr && hdr < ip_mtu ? ip_mtu - hdr : 0;
    } else if (ol & (DP_PACKET_OL_TX_L4_MASK | DP_PACKET_OL_TX_TCP_SEG)) {
        d->flags = IPOIB_TX_F_CSUM;
    }
}

/* Descriptors on their way to the transport, with the packet each came
 * from. */
struct tx_out {
    struct ipoib_tx_desc descs[SCRATCH_SEGS];
    int owner[SCRATCH_SEGS];
    int n;
    int n_scratch;              /* Scratch slots in use. */
};

/* Sends what 'out' holds; marks the packets whose segments did not all go
 * in 'failed'.  A transport queues a prefix of what it is given. */
static void
tx_flush(const struct ipoib_transport_class *tclass, struct ipoib_port *port,
         struct tx_out *out, bool *failed)
{
    if (out->n) {
        int sent = tclass->send(port, out->descs, out->n);
        for (int i = MAX(sent, 0); i < out->n; i++) {
            failed[out->owner[i]] = true;
        }
    }
    out->n = 0;
    out->n_scratch = 0;
}

static void
tx_add(const struct ipoib_transport_class *tclass, struct ipoib_port *port,
       struct tx_out *out, bool *failed, const struct ipoib_tx_desc *d,
       int owner)
{
    if (out->n >= SCRATCH_SEGS) {
        tx_flush(tclass, port, out, failed);
    }
    out->descs[out->n] = *d;
    out->owner[out->n++] = owner;
}

/* Segments the packet of 'd' into scratch slots and queues the segments. */
static bool
tx_segment(struct ipoib_offload *o, const struct ipoib_transport_class *tc,
           struct ipoib_port *port, struct tx_out *out, bool *failed,
           const struct ipoib_tx_desc *d, int owner)
    OVS_REQUIRES(o->scratch_mutex)
{
    struct ipoib_tso_plan plan;

    if (ipoib_tso_plan(d->data, d->len, IPOIB_ENCAP_LEN, d->mss, &plan)
        != IPOIB_TSO_OK || ipoib_tso_max_seg_len(&plan) > SCRATCH_SLOT) {
        return false;
    }
    for (int i = 0; i < plan.n_segs; i++) {
        if (out->n_scratch >= SCRATCH_SEGS || out->n >= SCRATCH_SEGS) {
            tx_flush(tc, port, out, failed);
        }
        uint8_t *slot = o->scratch + out->n_scratch++ * SCRATCH_SLOT;
        struct ipoib_tx_desc seg = *d;

        seg.data = slot;
        seg.len = ipoib_tso_segment(&plan, d->data, i, slot);
        seg.flags = 0;
        seg.mss = 0;
        tx_add(tc, port, out, failed, &seg, owner);
    }
    count(o, C_TX_SW_SEGS, plan.n_segs);
    return true;
}

/* Does what the HCA cannot for 'd' in place: returns false if 'd' needs
 * segmentation in software, true when it may go as it is now. */
static bool
tx_fixup(struct ipoib_offload *o, const struct ipoib_offload_caps *caps,
         struct ipoib_tx_desc *d, bool *malformed)
{
    *malformed = false;
    if (d->flags & IPOIB_TX_F_LSO) {
        if (caps->max_lso && caps->tx_csum && d->mss
            && d->len <= caps->max_lso) {
            count(o, C_TX_LSO, 1);
            return true;
        }
        return false;
    }
    if (d->flags & IPOIB_TX_F_CSUM && !caps->tx_csum) {
        /* The descriptor points into the packet, which is ours. */
        uint8_t *frame = CONST_CAST(void *, d->data);
        enum ipoib_tso_status s = ipoib_tso_fill_csum(frame, d->len,
                                                      IPOIB_ENCAP_LEN);
        if (s == IPOIB_TSO_MALFORMED) {
            *malformed = true;
            count(o, C_TX_MALFORMED, 1);
        } else {
            count(o, C_TX_SW_CSUM, 1);
        }
        d->flags = 0;
    }
    return true;
}

int
ipoib_offload_send(struct ipoib_offload *o,
                   const struct ipoib_transport_class *tclass,
                   struct ipoib_port *port,
                   const struct ipoib_offload_caps *caps,
                   struct ipoib_tx_desc *descs, int n, uint64_t *bytes)
{
    bool failed[NETDEV_MAX_BURST * 2];
    bool need_segmentation = false;
    int n_sent = 0;

    *bytes = 0;
    ovs_assert(n <= ARRAY_SIZE(failed));
    for (int i = 0; i < n; i++) {
        bool malformed = false;

        if (descs[i].flags && !tx_fixup(o, caps, &descs[i], &malformed)) {
            need_segmentation = true;
        }
        failed[i] = malformed;
    }

    if (!need_segmentation) {
        /* Common case: straight to the transport. */
        int sent = n ? tclass->send(port, descs, n) : 0;
        for (int i = MAX(sent, 0); i < n; i++) {
            failed[i] = true;
        }
    } else {
        struct tx_out out = { .n = 0 };

        ovs_mutex_lock(&o->scratch_mutex);
        if (!o->scratch) {
            o->scratch = xmalloc(SCRATCH_SEGS * SCRATCH_SLOT);
        }
        for (int i = 0; i < n; i++) {
            struct ipoib_tx_desc *d = &descs[i];

            if (failed[i]) {
                continue;
            } else if (d->flags & IPOIB_TX_F_LSO
                       && !(caps->max_lso && caps->tx_csum && d->mss
                            && d->len <= caps->max_lso)) {
                if (!tx_segment(o, tclass, port, &out, failed, d, i)) {
                    count(o, C_TX_MALFORMED, 1);
                    failed[i] = true;
                }
            } else {
                tx_add(tclass, port, &out, failed, d, i);
            }
        }
        tx_flush(tclass, port, &out, failed);
        ovs_mutex_unlock(&o->scratch_mutex);
    }

    for (int i = 0; i < n; i++) {
        if (!failed[i]) {
            n_sent++;
            *bytes += descs[i].len;
        }
    }
    return n_sent;
}

/* Receive. */

void
ipoib_offload_rx_mark(struct ipoib_offload *o, struct dp_packet *p,
                      bool csum_ok)
{
    if (csum_ok) {
        *dp_packet_ol_flags_ptr(p) |= (DP_PACKET_OL_RX_L4_CKSUM_GOOD
                                       | DP_PACKET_OL_RX_IP_CKSUM_GOOD);
        count(o, C_RX_CSUM_GOOD, 1);
    }
}

static bool
rx_csum_known_good(const struct dp_packet *p)
{
    return dp_packet_l4_checksum_valid(p);
}

/* Marks 'p' (TCP segment 'seg', checksum verified, its checksum field
 * holding the pseudo-header sum) for checksum offload, as netdev-linux
 * marks what a VM sends, and for segmentation if it is longer than the
 * smallest VM MTU we serve (1500).
 *
 * Not every packet is marked for segmentation because of how a Linux VM
 * side takes it: OVS 3.1's netdev-linux gives a virtio-net header whose
 * gso_size is the egress MTU minus the headers without TCP options, and
 * the kernel counts the options as payload when it decides whether a packet
 * is "really" GSO; a packet 2 to 13 bytes under the VM's MTU is then GSO
 * with a payload no larger than gso_size, which tcp_gso_segment() refuses
 * (the veth drops it in validate_xmit_skb()).  A packet that fits a 1500-byte
 * MTU needs no segmentation; a larger one, toward a VM whose MTU is larger
 * still, may fall in that window (see tests/perf/RESULTS.md). */
static void
mark_for_tso(struct dp_packet *p, const struct ipoib_gro_seg *seg)
{
    uint32_t *ol = dp_packet_ol_flags_ptr(p);
    size_t ip_len = seg->hdr_len - seg->l3_ofs + seg->payload_len;

    *ol |= (DP_PACKET_OL_TX_TCP_CKSUM
            | (seg->ipv6 ? DP_PACKET_OL_TX_IPV6 : DP_PACKET_OL_TX_IPV4));
    if (ip_len > ETH_PAYLOAD_MAX) {
        *ol |= DP_PACKET_OL_TX_TCP_SEG;
    }
}

/* Verifies the checksum of 'p' unless the HCA did; returns the result. */
static bool
rx_verify(struct ipoib_offload *o, struct dp_packet *p,
          const struct ipoib_gro_seg *seg)
{
    if (rx_csum_known_good(p)) {
        return true;
    }
    if (ipoib_gro_csum_ok(dp_packet_data(p), seg)) {
        count(o, C_RX_CSUM_GOOD, 1);
        return true;
    }
    count(o, C_RX_CSUM_BAD, 1);
    return false;
}

static void
recycle(struct dp_packet *p, struct dp_packet **spare, int *n_spare,
        int max_spare, size_t headroom)
{
    if (*n_spare < max_spare) {
        dp_packet_reset_offload(p);
        dp_packet_set_data(p, (char *) dp_packet_base(p) + headroom);
        dp_packet_set_size(p, 0);
        spare[(*n_spare)++] = p;
    } else {
        dp_packet_delete(p);
    }
}

void
ipoib_offload_rx_begin(struct ipoib_offload_rx *rx, struct ipoib_offload *o,
                       struct dp_packet_batch *batch,
                       struct dp_packet **spare, int *n_spare, int max_spare,
                       size_t headroom)
{
    rx->o = o;
    rx->batch = batch;
    rx->spare = spare;
    rx->n_spare = n_spare;
    rx->max_spare = max_spare;
    rx->headroom = headroom;
    rx->n_flows = 0;
    dp_packet_batch_init(batch);
}

int
ipoib_offload_rx_room(const struct ipoib_offload_rx *rx)
{
    return (NETDEV_MAX_BURST - dp_packet_batch_size(rx->batch)
            - rx->n_flows);
}

/* Delivers the merge of 'f' (which then no longer exists) to the batch. */
static void
rx_flow_emit(struct ipoib_offload_rx *rx, struct ipoib_offload_rx_flow *f)
{
    struct ipoib_offload *o = rx->o;
    struct ipoib_gro_seg whole = f->m.first;

    if (f->big) {
        /* Offsets are those of the head. */
        dp_packet_set_size(f->big, ipoib_gro_finish(&f->m));
        whole.payload_len = dp_packet_size(f->big) - whole.hdr_len;
        mark_for_tso(f->big, &whole);
        dp_packet_batch_add(rx->batch, f->big);
        count(o, C_RX_GRO_PACKETS, 1);
        count(o, C_RX_GRO_MERGED, f->m.n_segs);
        recycle(f->head, rx->spare, rx->n_spare, rx->max_spare,
                rx->headroom);
    } else {
        /* Nothing joined: the segment goes alone, marked like a merge. */
        struct dp_packet *p = f->head;

        dp_packet_set_size(p, whole.hdr_len + whole.payload_len);
        ipoib_gro_set_partial_csum(dp_packet_data(p), &whole);
        mark_for_tso(p, &whole);
        dp_packet_batch_add(rx->batch, p);
    }
}

/* Closes and delivers open merge 'idx'. */
static void
rx_flow_close(struct ipoib_offload_rx *rx, int idx)
{
    rx_flow_emit(rx, &rx->flows[idx]);
    rx->n_flows--;
    memmove(&rx->flows[idx], &rx->flows[idx + 1],
            (rx->n_flows - idx) * sizeof rx->flows[0]);
}

/* Appends segment 'p' (parse 'seg', which ipoib_gro_fits() accepted) to
 * open merge 'idx'.  Returns false if its checksum, verified in the copy,
 * is wrong: then nothing was appended. */
static bool
rx_flow_append(struct ipoib_offload_rx *rx, int idx, struct dp_packet *p,
               const struct ipoib_gro_seg *seg)
{
    struct ipoib_offload_rx_flow *f = &rx->flows[idx];
    bool verified = rx_csum_known_good(p);

    if (!f->big) {
        /* The second segment: now the merge needs room of its own. */
        f->big = dp_packet_new_with_headroom(GRO_CAP, GRO_HEADROOM);
        ipoib_gro_move(&f->m, dp_packet_data(f->big));
    }
    /* A checksum the HCA did not verify is verified in the pass that
     * copies the payload. */
    if (!ipoib_gro_append(&f->m, dp_packet_data(p), seg, !verified)) {
        count(rx->o, C_RX_CSUM_BAD, 1);
        return false;
    }
    if (!verified) {
        count(rx->o, C_RX_CSUM_GOOD, 1);
    }
    recycle(p, rx->spare, rx->n_spare, rx->max_spare, rx->headroom);
    if (f->m.closed) {
        rx_flow_close(rx, idx);
    }
    return true;
}

/* Starts a merge with verified TCP segment 'p', or delivers it alone if
 * nothing may join it. */
static void
rx_flow_start(struct ipoib_offload_rx *rx, struct dp_packet *p,
              const struct ipoib_gro_seg *seg)
{
    struct ipoib_offload_rx_flow *f;

    if (rx->n_flows >= IPOIB_OFFLOAD_RX_FLOWS) {
        rx_flow_close(rx, 0);
    }
    f = &rx->flows[rx->n_flows];
    f->head = p;
    f->big = NULL;
    /* The merge starts on the head's own buffer; the large one is
     * allocated only once a second segment fits. */
    ipoib_gro_start(&f->m, dp_packet_data(p), GRO_CAP, dp_packet_data(p),
                    seg);
    if (f->m.closed) {
        rx_flow_emit(rx, f);
    } else {
        rx->n_flows++;
    }
}

/* Returns the index of the open merge of the flow of 'p', or -1. */
static int
rx_flow_find(const struct ipoib_offload_rx *rx, const struct dp_packet *p,
             const struct ipoib_gro_seg *seg)
{
    for (int i = 0; i < rx->n_flows; i++) {
        if (ipoib_gro_same_flow(&rx->flows[i].m, dp_packet_data(p), seg)) {
            return i;
        }
    }
    return -1;
}

void
ipoib_offload_rx_add(struct ipoib_offload_rx *rx, struct dp_packet *p)
{
    struct ipoib_gro_seg seg;

    if (!rx->o->enabled
        || !ipoib_gro_parse(dp_packet_data(p), dp_packet_size(p), &seg)) {
        dp_packet_batch_add(rx->batch, p);
        return;
    }
    int idx = rx_flow_find(rx, p, &seg);
    if (idx >= 0) {
        if (ipoib_gro_fits(&rx->flows[idx].m, dp_packet_data(p), &seg)) {
            if (rx_flow_append(rx, idx, p, &seg)) {
                return;
            }
            /* A bad checksum: the merge ends before it, and the segment
             * goes to OVS as it came. */
            rx_flow_close(rx, idx);
            dp_packet_batch_add(rx->batch, p);
            return;
        }
        /* Out of order, or flags or a size that end the merge: what came
         * before goes first. */
        rx_flow_close(rx, idx);
    }
    if (!rx_verify(rx->o, p, &seg)) {
        /* A bad checksum: to OVS as it came. */
        dp_packet_batch_add(rx->batch, p);
        return;
    }
    rx_flow_start(rx, p, &seg);
}

void
ipoib_offload_rx_end(struct ipoib_offload_rx *rx)
{
    for (int i = 0; i < rx->n_flows; i++) {
        rx_flow_emit(rx, &rx->flows[i]);
    }
    rx->n_flows = 0;
}
