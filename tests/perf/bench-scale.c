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

/* Scale benchmark (issue 6): how an ipoib port behaves as its VIF count
 * grows, measured on the netdev itself (the code ovs-vswitchd runs), in one
 * process, over a running ipoib-fabricd.
 *
 * Two ipoib netdevs are opened on the fabric: "A" gets N database VIFs (the
 * path the OVSDB monitor drives), "B" one VIF, or with --vlans=M one VIF per
 * VLAN 1 to M (A's VIF k is then on VLAN 1 + k % M, that is in the
 * partition of P_Key 0x8000 | VLAN, and its frames carry that tag).  For
 * each N the program reports:
 *
 *   - the time to add the N VIFs (each gets its UD QP) and to remove them,
 *     per VIF;
 *   - heap bytes per VIF while they exist (glibc mallinfo2(), so everything
 *     the netdev, its tables and the transport allocate for a VIF), and the
 *     heap left over after removing them (a leak shows here);
 *   - packets/s from A's N VIFs, round robin, to B's VIF ("tx": A looks up
 *     N source MACs, B N senders), and from B to A's N VIFs ("rx": A
 *     demultiplexes to N QPs), each a send of a 32-packet batch followed by
 *     draining the receiver, 64-byte UDP frames.  Rates are per second of
 *     the benchmark thread's CPU time (the whole data path runs in it), so
 *     that other jobs on the machine do not count; wall-clock ratios are
 *     printed too.
 *
 * Before traffic, each of A's VIFs sends an ARP request, so that B knows it
 * as a neighbor (as it would in real life), and B answers the first VIF of
 * each VLAN, so that A knows B there. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csum.h"
#include "dp-packet.h"
#include "netdev.h"
#include "netdev-ipoib/netdev-ipoib.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

#define BATCH 32
#define FRAME_LEN 64

struct bench_port {
    const char *name;
    struct netdev *netdev;
    struct netdev_rxq *rxq;
};

static const char *fabric_sock;
static double seconds = 1.0;
static int n_vlans;             /* 0: every VIF untagged. */

/* A's VIFs are numbered across all the ports under test, so that no two
 * ports have a VIF with the same MAC or IP address: B hears them all (the
 * gratuitous ARPs a port sends for a new VIF, for example). */
static struct eth_addr
vif_mac(uint32_t k)
{
    return (struct eth_addr) { { { 0x02, 0x5c, k >> 24, k >> 16, k >> 8,
                                   k } } };
}

static ovs_be32
vif_ip(uint32_t k)
{
    return htonl(0x0a000000 | (k + 10));    /* 10.0.0.10 and up. */
}

/* Index among B's VIFs (and B's MACs at A) of the one that talks with A's
 * VIF k: the one on the same VLAN. */
static uint32_t
vlan_index(uint32_t k)
{
    return n_vlans ? k % n_vlans : 0;
}

/* VLAN of B's VIF (or A's VIF) 'idx' (a vlan_index()); 0 if untagged. */
static uint16_t
index_vlan(uint32_t idx)
{
    return n_vlans ? 1 + idx : 0;
}

static const struct eth_addr b_mac = { { { 0x02, 0x5d, 0, 0, 0, 1 } } };
static const ovs_be32 b_ip = CONSTANT_HTONL(0x0a000002);

static void
run_once(void)
{
    netdev_run();
    netdev_wait();
    poll_timer_wait(1);
    poll_block();
}

static const char *
port_link(const struct bench_port *p, struct smap *status)
{
    smap_clear(status);
    netdev_get_status(p->netdev, status);
    return smap_get_def(status, "link", "?");
}

static void
open_port(struct bench_port *p, const char *name)
{
    struct smap args = SMAP_INITIALIZER(&args);
    struct smap status = SMAP_INITIALIZER(&status);
    char *err = NULL;
    int error;

    p->name = name;
    error = netdev_open(name, "ipoib", &p->netdev);
    if (error) {
        ovs_fatal(error, "%s: cannot open ipoib netdev", name);
    }
    smap_add(&args, "fabric", fabric_sock);
    smap_add(&args, "max-vifs", "65536");
    smap_add(&args, "vif-learning", "false");
    if (netdev_set_config(p->netdev, &args, &err)) {
        ovs_fatal(0, "%s: %s", name, err ? err : "bad configuration");
    }
    smap_destroy(&args);

    long long int deadline = time_msec() + 10000;
    while (strcmp(port_link(p, &status), "up")) {
        if (time_msec() > deadline) {
            ovs_fatal(0, "%s: link is \"%s\" after 10 s (is ipoib-fabricd "
                      "running on %s?)", name, port_link(p, &status),
                      fabric_sock);
        }
        run_once();
    }
    smap_destroy(&status);

    error = netdev_rxq_open(p->netdev, &p->rxq, 0);
    if (error) {
        ovs_fatal(error, "%s: cannot open rx queue", name);
    }
}

/* Gives 'p' 'n' VIFs: B's (all with B's MAC, one per VLAN) if 'is_b', else
 * A's VIFs 'first' to 'first' + n - 1. */
static void
set_vifs(const struct bench_port *p, bool is_b, uint32_t first, uint32_t n)
{
    struct netdev_ipoib_vif_spec *specs = xcalloc(n ? n : 1, sizeof *specs);

    for (uint32_t i = 0; i < n; i++) {
        uint16_t vlan = index_vlan(vlan_index(i));

        specs[i].mac = is_b ? b_mac : vif_mac(first + i);
        specs[i].vlan = vlan ? vlan : -1;
        specs[i].odp_port = ODPP_NONE;
        snprintf(specs[i].iface, sizeof specs[i].iface, "%s-vif%"PRIu32,
                 p->name, i);
    }
    netdev_ipoib_set_vif_specs(p->name, specs, n);
    free(specs);
}

static size_t
heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/* Tags 'pkt' with 'vlan', unless it is 0. */
static struct dp_packet *
tag_frame(struct dp_packet *pkt, uint16_t vlan)
{
    if (vlan) {
        eth_push_vlan(pkt, htons(ETH_TYPE_VLAN_8021Q), htons(vlan));
    }
    return pkt;
}

static struct dp_packet *
new_frame(struct eth_addr dst, struct eth_addr src, uint16_t type,
          size_t l3_len)
{
    struct dp_packet *pkt = dp_packet_new_with_headroom(FRAME_LEN + 64, 128);
    struct eth_header *eth = dp_packet_put_zeros(pkt, sizeof *eth);

    eth->eth_dst = dst;
    eth->eth_src = src;
    eth->eth_type = htons(type);
    dp_packet_put_zeros(pkt, l3_len);
    dp_packet_reset_offsets(pkt);
    dp_packet_set_l3(pkt, eth + 1);
    return pkt;
}

static struct dp_packet *
arp_frame(uint16_t op, struct eth_addr dst, struct eth_addr src,
          ovs_be32 sip, ovs_be32 tip, struct eth_addr tha)
{
    struct dp_packet *pkt = new_frame(dst, src, ETH_TYPE_ARP,
                                      sizeof(struct arp_eth_header));
    struct arp_eth_header *arp = dp_packet_l3(pkt);

    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ETH_TYPE_IP);
    arp->ar_hln = ETH_ADDR_LEN;
    arp->ar_pln = 4;
    arp->ar_op = htons(op);
    arp->ar_sha = src;
    put_16aligned_be32(&arp->ar_spa, sip);
    arp->ar_tha = tha;
    put_16aligned_be32(&arp->ar_tpa, tip);
    return pkt;
}

static struct dp_packet *
udp_frame(struct eth_addr dst, struct eth_addr src, ovs_be32 sip,
          ovs_be32 dip)
{
    size_t l3_len = FRAME_LEN - ETH_HEADER_LEN;
    struct dp_packet *pkt = new_frame(dst, src, ETH_TYPE_IP, l3_len);
    struct ip_header *ip = dp_packet_l3(pkt);
    struct udp_header *udp = (struct udp_header *) (ip + 1);

    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(l3_len);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, sip);
    put_16aligned_be32(&ip->ip_dst, dip);
    ip->ip_csum = csum(ip, sizeof *ip);
    udp->udp_src = htons(4000);
    udp->udp_dst = htons(5000);
    udp->udp_len = htons(l3_len - sizeof *ip);
    return pkt;
}

static void
send_one(const struct bench_port *p, struct dp_packet *pkt)
{
    struct dp_packet_batch batch;

    dp_packet_batch_init_packet(&batch, pkt);
    netdev_send(p->netdev, 0, &batch, false);
}

/* Receives what 'p' has; returns how many packets arrived.  If 'fn' is
 * nonnull, calls it on each before freeing it. */
static int
drain(const struct bench_port *p,
      void (*fn)(const struct dp_packet *, void *), void *aux)
{
    struct dp_packet_batch batch;
    int n = 0;

    dp_packet_batch_init(&batch);
    while (!netdev_rxq_recv(p->rxq, &batch, NULL)) {
        struct dp_packet *pkt;

        DP_PACKET_BATCH_FOR_EACH (i, pkt, &batch) {
            if (fn) {
                fn(pkt, aux);
            }
        }
        n += dp_packet_batch_size(&batch);
        dp_packet_delete_batch(&batch, true);
        dp_packet_batch_init(&batch);
    }
    return n;
}

/* Sends copies of 'pkt' from 'from' until 'to' receives something, or
 * fails after 10 s. */
static void
prime(const struct bench_port *from, const struct bench_port *to,
      struct dp_packet *pkt)
{
    long long int deadline = time_msec() + 10000;

    drain(to, NULL, NULL);
    for (;;) {
        send_one(from, dp_packet_clone(pkt));
        for (int i = 0; i < 10; i++) {
            run_once();
            if (drain(to, NULL, NULL)) {
                dp_packet_delete(pkt);
                return;
            }
        }
        if (time_msec() > deadline) {
            ovs_fatal(0, "%s never received unicast from %s", to->name,
                      from->name);
        }
    }
}

/* Lets postponed (RCU) frees and the netdevs' housekeeping run, so that the
 * heap reflects what is really held. */
static void
settle(void)
{
    for (int i = 0; i < 3; i++) {
        run_once();
        ovsrcu_synchronize();
    }
    run_once();
}

/* What the warm-up exchange taught us: the MAC each side shows for the
 * other's VIFs. */
struct learned {
    uint32_t first;             /* A's VIF k is VIF first + k in vif_ip(). */
    struct eth_addr *a_macs;    /* At B, for A's VIF k (by IP). */
    uint32_t n;
    uint32_t n_seen;
    struct eth_addr *b_macs;    /* At A, for B's VIF on each VLAN. */
    uint32_t n_b;               /* B's VIFs that talk with A's. */
    uint32_t n_b_seen;
};

/* Returns the ARP header of 'pkt' and sets '*vlan' (0 if untagged), or
 * returns NULL if 'pkt' is not ARP. */
static const struct arp_eth_header *
arp_of(const struct dp_packet *pkt, uint16_t *vlan)
{
    const struct eth_header *eth = dp_packet_data(pkt);
    const uint8_t *l3 = (const uint8_t *) (eth + 1);
    size_t size = dp_packet_size(pkt);
    ovs_be16 type;

    if (size < sizeof *eth + VLAN_HEADER_LEN) {
        return NULL;
    }
    type = eth->eth_type;
    *vlan = 0;
    if (type == htons(ETH_TYPE_VLAN_8021Q)) {
        const struct vlan_header *vh = (const void *) l3;

        *vlan = vlan_tci_to_vid(vh->vlan_tci);
        type = vh->vlan_next_type;
        l3 += VLAN_HEADER_LEN;
    }
    if (type != htons(ETH_TYPE_ARP)
        || l3 + sizeof(struct arp_eth_header) > (const uint8_t *) eth + size) {
        return NULL;
    }
    return (const void *) l3;
}

static void
learn_arp(const struct dp_packet *pkt, void *learned_)
{
    struct learned *l = learned_;
    const struct eth_header *eth = dp_packet_data(pkt);
    const struct arp_eth_header *arp;
    uint16_t vlan;

    arp = arp_of(pkt, &vlan);
    if (!arp) {
        return;
    }
    uint32_t sip = ntohl(get_16aligned_be32(&arp->ar_spa));
    if (sip == ntohl(b_ip)) {
        uint32_t idx = n_vlans ? vlan - 1 : 0;

        if (idx < l->n_b && index_vlan(idx) == vlan
            && eth_addr_is_zero(l->b_macs[idx])) {
            l->b_macs[idx] = eth->eth_src;
            l->n_b_seen++;
        }
    } else if (sip >= ntohl(vif_ip(l->first))
               && sip - ntohl(vif_ip(l->first)) < l->n) {
        uint32_t k = sip - ntohl(vif_ip(l->first));

        if (index_vlan(vlan_index(k)) == vlan
            && eth_addr_is_zero(l->a_macs[k])) {
            l->a_macs[k] = eth->eth_src;
            l->n_seen++;
        }
    }
}

/* Sends an ARP request from each of A's VIFs that B has not heard yet.
 * (A VLAN's partition is usable only once it joined its broadcast group,
 * so early requests may be dropped.) */
static void
send_arp_requests(const struct bench_port *a, const struct bench_port *b,
                  struct learned *l)
{
    for (uint32_t k = 0; k < l->n; k++) {
        if (!eth_addr_is_zero(l->a_macs[k])) {
            continue;
        }
        send_one(a, tag_frame(arp_frame(ARP_OP_REQUEST, eth_addr_broadcast,
                                        vif_mac(l->first + k),
                                        vif_ip(l->first + k), b_ip,
                                        eth_addr_zero),
                              index_vlan(vlan_index(k))));
        if (k % BATCH == BATCH - 1) {
            drain(b, learn_arp, l);
            drain(a, NULL, NULL);
        }
    }
}

/* Sends B's ARP replies that A has not heard yet, one per VLAN, to the
 * first of A's VIFs on it. */
static void
send_arp_replies(const struct bench_port *b, struct learned *l)
{
    for (uint32_t idx = 0; idx < l->n_b; idx++) {
        if (eth_addr_is_zero(l->b_macs[idx])) {
            send_one(b, tag_frame(arp_frame(ARP_OP_REPLY, l->a_macs[idx],
                                            b_mac, b_ip,
                                            vif_ip(l->first + idx),
                                            l->a_macs[idx]),
                                  index_vlan(idx)));
        }
    }
}

static void
warm_up(const struct bench_port *a, const struct bench_port *b,
        struct learned *l)
{
    long long int deadline = time_msec() + 30000;
    long long int resend = 0;

    while (l->n_seen < l->n && time_msec() < deadline) {
        if (time_msec() >= resend) {
            send_arp_requests(a, b, l);
            resend = time_msec() + 200;
        }
        drain(b, learn_arp, l);
        drain(a, NULL, NULL);
        run_once();
    }
    if (l->n_seen < l->n) {
        int n_shown = 0;
        for (uint32_t k = 0; k < l->n && n_shown < 10; k++) {
            if (eth_addr_is_zero(l->a_macs[k])) {
                fprintf(stderr, "no ARP request from VIF %"PRIu32
                        " (VLAN %"PRIu16")\n", k,
                        index_vlan(vlan_index(k)));
                n_shown++;
            }
        }
        ovs_fatal(0, "B saw %"PRIu32" of %"PRIu32" ARP requests",
                  l->n_seen, l->n);
    }
    /* A's receive ring may overflow with its own looped-back requests
     * while it is not drained, so repeat the replies until A has them. */
    while (l->n_b_seen < l->n_b && time_msec() < deadline) {
        drain(a, NULL, NULL);
        send_arp_replies(b, l);
        for (int i = 0; i < 10 && l->n_b_seen < l->n_b; i++) {
            run_once();
            drain(a, learn_arp, l);
        }
    }
    if (l->n_b_seen < l->n_b) {
        ovs_fatal(0, "A (%"PRIu32" VIFs) saw %"PRIu32" of B's %"PRIu32
                  " ARP replies", l->n, l->n_b_seen, l->n_b);
    }

    /* Unicast waits for an SA path answer: prime both directions, in each
     * partition. */
    for (uint32_t idx = 0; idx < l->n_b; idx++) {
        uint16_t vlan = index_vlan(idx);

        prime(a, b, tag_frame(udp_frame(l->b_macs[idx],
                                        vif_mac(l->first + idx),
                                        vif_ip(l->first + idx), b_ip),
                              vlan));
        prime(b, a, tag_frame(udp_frame(l->a_macs[idx], b_mac, b_ip,
                                        vif_ip(l->first + idx)), vlan));
    }
}

/* Packets received per second of wall-clock time and per second of this
 * thread's CPU time. */
struct rate {
    double wall;
    double cpu;
};

static long long int
thread_cpu_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) {
        ovs_fatal(errno, "clock_gettime");
    }
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sends 32-packet batches from 'from' and drains 'to' for 'seconds';
 * returns the rates received.  'a_to_b' picks the direction. */
static struct rate
measure_pps(const struct bench_port *a, const struct bench_port *b,
            const struct learned *l, bool a_to_b)
{
    const struct bench_port *from = a_to_b ? a : b;
    const struct bench_port *to = a_to_b ? b : a;
    long long int start = time_msec();
    long long int start_cpu = thread_cpu_ns();
    long long int end = start + seconds * 1000;
    uint64_t received = 0;
    uint64_t iterations = 0;
    uint32_t k = 0;

    while (time_msec() < end) {
        struct dp_packet_batch batch;

        dp_packet_batch_init(&batch);
        for (int i = 0; i < BATCH; i++, k = (k + 1) % l->n) {
            uint32_t idx = vlan_index(k);
            struct dp_packet *pkt
                = (a_to_b
                   ? udp_frame(l->b_macs[idx], vif_mac(l->first + k),
                               vif_ip(l->first + k), b_ip)
                   : udp_frame(l->a_macs[k], b_mac, b_ip,
                               vif_ip(l->first + k)));
            dp_packet_batch_add(&batch, tag_frame(pkt, index_vlan(idx)));
        }
        netdev_send(from->netdev, 0, &batch, false);
        received += drain(to, NULL, NULL);
        if (!(++iterations % 64)) {
            netdev_run();       /* Housekeeping, as the main loop would. */
        }
    }
    received += drain(to, NULL, NULL);
    return (struct rate) {
        .wall = received / ((time_msec() - start) / 1000.0),
        .cpu = received / ((thread_cpu_ns() - start_cpu) / 1e9),
    };
}

static void
print_drops(const struct bench_port *p)
{
    struct netdev_custom_stats cs;

    netdev_get_custom_stats(p->netdev, &cs);
    for (size_t i = 0; i < cs.size; i++) {
        if (cs.counters[i].value) {
            fprintf(stderr, "%s: %s=%"PRIu64"\n", p->name,
                    cs.counters[i].name, cs.counters[i].value);
        }
    }
    netdev_free_custom_stats_counters(&cs);
}

static double
elapsed_us(long long int start_us)
{
    return time_usec() - start_us;
}

/* One port under test and what was measured on it. */
struct scale_case {
    struct bench_port port;
    uint32_t n;
    struct learned learned;
    double add_us, del_us;      /* Per VIF. */
    double heap_per_vif;
    double heap_left;           /* After a second add + remove cycle. */
    struct rate *tx, *rx;       /* Per round. */
};

static void
add_vifs(struct scale_case *c)
{
    settle();
    size_t heap0 = heap_in_use();
    long long int t0 = time_usec();

    set_vifs(&c->port, false, c->learned.first, c->n);
    c->add_us = elapsed_us(t0) / c->n;
    settle();
    size_t heap1 = heap_in_use();
    c->heap_per_vif = ((double) heap1 - heap0) / c->n;
}

static void
remove_vifs(struct scale_case *c)
{
    long long int t0 = time_usec();

    set_vifs(&c->port, false, 0, 0);
    c->del_us = elapsed_us(t0) / c->n;

    /* A second add + remove cycle: the first one leaves the tables' grown
     * bucket arrays behind, which a second cycle reuses; anything it does
     * not give back would be a leak. */
    settle();
    size_t heap0 = heap_in_use();
    set_vifs(&c->port, false, c->learned.first, c->n);
    set_vifs(&c->port, false, 0, 0);
    settle();
    size_t heap1 = heap_in_use();
    c->heap_left = (double) heap1 - heap0;
}

static int
compare_doubles(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

static double
median(const double *values, int n)
{
    double *sorted = xmemdup(values, n * sizeof *values);

    qsort(sorted, n, sizeof *sorted, compare_doubles);
    double m = (n % 2 ? sorted[n / 2]
                : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    free(sorted);
    return m;
}

/* The median over 'n' rounds of their CPU-time rates (or wall-clock rates,
 * if 'wall'). */
static double
median_rate(const struct rate *rates, int n, bool wall)
{
    double *values = xmalloc(n * sizeof *values);

    for (int i = 0; i < n; i++) {
        values[i] = wall ? rates[i].wall : rates[i].cpu;
    }
    double m = median(values, n);
    free(values);
    return m;
}

static void
drain_all(struct scale_case *cases, int n_cases, const struct bench_port *b)
{
    for (int i = 0; i < n_cases; i++) {
        drain(&cases[i].port, NULL, NULL);
    }
    drain(b, NULL, NULL);
}

static void
print_results(const struct scale_case *cases, int n_cases, int rounds)
{
    double tx0 = median_rate(cases[0].tx, rounds, false);
    double rx0 = median_rate(cases[0].rx, rounds, false);
    double tx0_wall = median_rate(cases[0].tx, rounds, true);
    double rx0_wall = median_rate(cases[0].rx, rounds, true);

    printf("| VIFs | add us/VIF | remove us/VIF | heap B/VIF | heap kept "
           "after 2nd cycle | tx pkt/s | tx vs %"PRIu32" | rx pkt/s "
           "| rx vs %"PRIu32" | wall: tx vs %"PRIu32" | wall: rx vs "
           "%"PRIu32" |\n"
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
           "| ---: | ---: | ---: |\n",
           cases[0].n, cases[0].n, cases[0].n, cases[0].n);
    for (int i = 0; i < n_cases; i++) {
        const struct scale_case *c = &cases[i];
        double tx = median_rate(c->tx, rounds, false);
        double rx = median_rate(c->rx, rounds, false);

        printf("| %"PRIu32" | %.1f | %.1f | %.0f | %+.0f B | %.0f | %.2f "
               "| %.0f | %.2f | %.2f | %.2f |\n", c->n, c->add_us, c->del_us,
               c->heap_per_vif, c->heap_left, tx, tx / tx0, rx, rx / rx0,
               median_rate(c->tx, rounds, true) / tx0_wall,
               median_rate(c->rx, rounds, true) / rx0_wall);
    }
}

static void
run_cases(struct scale_case *cases, int n_cases, int rounds)
{
    uint32_t n_b = MAX(1, n_vlans);
    struct bench_port b;

    open_port(&b, "scaleB");
    set_vifs(&b, true, 0, n_b);
    uint32_t n_vifs = 0;
    for (int i = 0; i < n_cases; i++) {
        struct scale_case *c = &cases[i];

        c->port.name = xasprintf("scale%"PRIu32, c->n);
        open_port(&c->port, c->port.name);
        c->learned.first = n_vifs;
        n_vifs += c->n;
        c->learned.a_macs = xcalloc(c->n, sizeof *c->learned.a_macs);
        c->learned.n = c->n;
        /* B's VIFs on the VLANs that A's VIFs use. */
        c->learned.n_b = MIN(n_b, c->n);
        c->learned.b_macs = xcalloc(c->learned.n_b,
                                    sizeof *c->learned.b_macs);
        c->tx = xcalloc(rounds, sizeof *c->tx);
        c->rx = xcalloc(rounds, sizeof *c->rx);
        add_vifs(c);
        warm_up(&c->port, &b, &c->learned);
    }
    /* A port announces a VIF's addresses for 500 ms after it first sees
     * them (here, in the warm-up): let that end before measuring. */
    long long int quiet = time_msec() + 1000;
    while (time_msec() < quiet) {
        run_once();
        drain_all(cases, n_cases, &b);
    }

    /* Interleaved rounds, so that load from elsewhere on the machine hits
     * every VIF count alike; medians are reported. */
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n_cases; i++) {
            struct scale_case *c = &cases[i];

            drain_all(cases, n_cases, &b);
            c->tx[r] = measure_pps(&c->port, &b, &c->learned, true);
            drain_all(cases, n_cases, &b);
            c->rx[r] = measure_pps(&c->port, &b, &c->learned, false);
        }
    }

    for (int i = 0; i < n_cases; i++) {
        if (getenv("BENCH_SCALE_DEBUG")) {
            print_drops(&cases[i].port);
        }
        remove_vifs(&cases[i]);
    }
    if (getenv("BENCH_SCALE_DEBUG")) {
        print_drops(&b);
    }
    print_results(cases, n_cases, rounds);

    for (int i = 0; i < n_cases; i++) {
        struct scale_case *c = &cases[i];

        netdev_rxq_close(c->port.rxq);
        netdev_close(c->port.netdev);
        free(CONST_CAST(char *, c->port.name));
        free(c->learned.a_macs);
        free(c->learned.b_macs);
        free(c->tx);
        free(c->rx);
    }
    netdev_rxq_close(b.rxq);
    netdev_close(b.netdev);
}

static void OVS_NO_RETURN
usage(void)
{
    printf("usage: bench-scale --fabric=SOCKET [--seconds=S] [--rounds=R] "
           "[--vlans=M] N...\n"
           "Opens two ipoib ports on the ipoib-fabricd at SOCKET and, for "
           "each N,\nmeasures one port with N VIFs (see the source's "
           "comment).\n");
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"fabric", required_argument, NULL, 'f'},
        {"seconds", required_argument, NULL, 's'},
        {"vlans", required_argument, NULL, 'v'},
        {"rounds", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rounds = 3;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'f':
            fabric_sock = optarg;
            break;
        case 's':
            seconds = atof(optarg);
            break;
        case 'v':
            n_vlans = atoi(optarg);
            if (n_vlans < 0 || n_vlans > 4094) {
                ovs_fatal(0, "--vlans: %s: not a VLAN count (0 to 4094)",
                          optarg);
            }
            break;
        case 'r':
            rounds = MAX(1, atoi(optarg));
            break;
        case 'h':
            usage();
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (!fabric_sock || optind >= argc) {
        ovs_fatal(0, "need --fabric=SOCKET and at least one VIF count "
                  "(--help)");
    }

    netdev_ipoib_register();

    int n_cases = argc - optind;
    struct scale_case *cases = xcalloc(n_cases, sizeof *cases);
    for (int i = 0; i < n_cases; i++) {
        cases[i].n = strtoul(argv[optind + i], NULL, 10);
        if (!cases[i].n) {
            ovs_fatal(0, "%s: not a VIF count", argv[optind + i]);
        }
    }
    run_cases(cases, n_cases, rounds);
    free(cases);
    return 0;
}
