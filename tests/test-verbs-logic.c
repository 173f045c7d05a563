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

#include <infiniband/verbs.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "openvswitch/ofpbuf.h"
#include "transport/verbs-ah-cache.h"
#include "transport/verbs-offload.h"
#include "transport/verbs-rx-ring.h"
#include "util.h"

/* test-verbs-logic COMMAND [ARG...]
 *
 * Drives the parts of the "verbs" transport that make no verbs calls, and
 * prints what they did, for tests/ipoib-verbs.at:
 *
 *   ah-cache            an AH cache of 3 entries with fake handles
 *   rx-ring             a receive ring of 8 buffers, batches of 3
 *   lso HEX...          LSO header length of each IPoIB packet
 *   offloads            offload flags for sample device capabilities
 *   grh                 GIDs from a GRH area */

/* AH cache: handles are numbered, creations and releases printed. */

static int next_ah = 1;
static bool fail_create;

static void *
fake_create(const struct verbs_ah_key *key, void *aux OVS_UNUSED)
{
    if (fail_create) {
        printf("create lid %d: fails\n", key->dlid);
        return NULL;
    }
    printf("create lid %d sl %d%s -> ah%d\n", key->dlid, key->sl,
           key->global ? " global" : "", next_ah);
    return (void *) (uintptr_t) next_ah++;
}

static void
fake_release(void *ah, void *aux OVS_UNUSED)
{
    printf("release ah%d\n", (int) (uintptr_t) ah);
}

static void
get(struct verbs_ah_cache *cache, uint16_t dlid, uint8_t sl, bool global,
    uint8_t gid_last)
{
    struct ib_gid gid;
    struct verbs_ah_key key;

    memset(&gid, 0, sizeof gid);
    gid.b[0] = 0xfe;
    gid.b[15] = gid_last;
    verbs_ah_key_init(&key, dlid, sl, global, &gid);
    void *ah = verbs_ah_cache_get(cache, &key);
    printf("get lid %d: %s%d\n", dlid, ah ? "ah" : "none",
           (int) (uintptr_t) ah);
}

static void
test_ah_cache(void)
{
    struct verbs_ah_cache cache;

    verbs_ah_cache_init(&cache, 3, fake_create, fake_release, NULL);
    get(&cache, 1, 0, false, 0);
    get(&cache, 1, 0, false, 0);        /* Hit. */
    get(&cache, 1, 1, false, 0);        /* Other SL: miss. */
    get(&cache, 2, 0, true, 7);
    get(&cache, 2, 0, true, 8);         /* Other DGID: full, evicts LRU. */
    get(&cache, 1, 1, false, 0);        /* Still there. */
    get(&cache, 1, 0, false, 0);        /* Was evicted: made again. */
    fail_create = true;
    get(&cache, 9, 0, false, 0);        /* Fails, evicts nothing. */
    fail_create = false;
    printf("count %"PRIuSIZE" hits %"PRIu64" misses %"PRIu64" evictions %"
           PRIu64" failures %"PRIu64"\n", verbs_ah_cache_count(&cache),
           cache.n_hits, cache.n_misses, cache.n_evictions,
           cache.n_failures);
    verbs_ah_cache_flush(&cache);
    printf("flushed: count %"PRIuSIZE"\n", verbs_ah_cache_count(&cache));
    get(&cache, 3, 0, false, 0);
    verbs_ah_cache_destroy(&cache);
}

/* Receive ring: posts printed; the fake queue takes at most 'room'. */

static int room = 1000;

static int
fake_post(void *aux OVS_UNUSED, const uint32_t *idx, int n)
{
    int posted = MIN(n, room);

    printf("post");
    for (int i = 0; i < n; i++) {
        printf(" %"PRIu32"%s", idx[i], i < posted ? "" : "(refused)");
    }
    printf("\n");
    room -= posted;
    return posted;
}

static void
show_ring(const struct verbs_rx_ring *ring)
{
    printf("posted %"PRIu32" idle %"PRIu32"\n", verbs_rx_ring_n_posted(ring),
           ring->n_idle);
}

static void
test_rx_ring(void)
{
    struct verbs_rx_ring ring;

    if (verbs_rx_ring_init(&ring, 8, 2048, 3, fake_post, NULL)) {
        ovs_fatal(0, "init failed");
    }
    printf("stride %"PRIuSIZE" size %"PRIuSIZE"\n", ring.stride,
           verbs_rx_ring_size(&ring));
    printf("init: ");
    show_ring(&ring);
    verbs_rx_ring_refill(&ring, true);
    show_ring(&ring);

    /* Two come back: fewer than a batch and enough posted: wait. */
    printf("complete 4: %d\n", verbs_rx_ring_complete(&ring, 4));
    printf("complete 4 again: %d\n", verbs_rx_ring_complete(&ring, 4));
    printf("complete 99: %d\n", verbs_rx_ring_complete(&ring, 99));
    printf("complete 0: %d\n", verbs_rx_ring_complete(&ring, 0));
    printf("refill: %d\n", verbs_rx_ring_refill(&ring, false));
    show_ring(&ring);

    /* A third makes a batch. */
    verbs_rx_ring_complete(&ring, 7);
    printf("refill: %d\n", verbs_rx_ring_refill(&ring, false));
    show_ring(&ring);

    /* Most come back: below low water, all posted, in batches then the
     * rest; the queue refuses some, which stay idle. */
    for (uint32_t i = 1; i <= 6; i++) {
        verbs_rx_ring_complete(&ring, i == 4 ? 0 : i);
    }
    show_ring(&ring);
    room = 4;
    printf("refill: %d\n", verbs_rx_ring_refill(&ring, false));
    show_ring(&ring);
    room = 1000;
    printf("refill: %d\n", verbs_rx_ring_refill(&ring, false));
    show_ring(&ring);
    printf("posts %"PRIu64" failures %"PRIu64"\n", ring.n_posts,
           ring.n_post_failures);
    verbs_rx_ring_reset(&ring);
    printf("reset: ");
    show_ring(&ring);
    verbs_rx_ring_destroy(&ring);

    printf("bad init: %d\n",
           verbs_rx_ring_init(&ring, 0, 2048, 3, fake_post, NULL));
}

static void
test_lso(int argc, char *argv[])
{
    for (int i = 0; i < argc; i++) {
        struct ofpbuf buf;

        ofpbuf_init(&buf, 0);
        if (*ofpbuf_put_hex(&buf, argv[i], NULL)) {
            ovs_fatal(0, "%s: not hex", argv[i]);
        }
        printf("%"PRIuSIZE"\n", verbs_lso_header_len(buf.data, buf.size));
        ofpbuf_uninit(&buf);
    }
}

static void
show_offloads(const char *what, const struct ibv_device_attr_ex *attr,
              bool extended)
{
    struct verbs_offloads o;

    verbs_offloads_from_device(attr, extended, &o);
    printf("%s: rx_csum %d tx_csum %d max_lso %"PRIu32"\n", what, o.rx_csum,
           o.tx_csum, o.max_lso);
}

static void
test_offloads(void)
{
    struct ibv_device_attr_ex attr;

    /* ConnectX-3 (mlx4): UD checksums, LSO on UD. */
    memset(&attr, 0, sizeof attr);
    attr.orig_attr.device_cap_flags = IBV_DEVICE_UD_IP_CSUM;
    attr.tso_caps.max_tso = 65536;
    attr.tso_caps.supported_qpts = 1u << IBV_QPT_UD;
    show_offloads("ud csum+lso", &attr, true);
    show_offloads("same, basic query", &attr, false);

    /* ConnectX-4+ (mlx5) from user space: raw-packet offloads only. */
    memset(&attr, 0, sizeof attr);
    attr.raw_packet_caps = IBV_RAW_PACKET_CAP_IP_CSUM;
    attr.tso_caps.max_tso = 262144;
    attr.tso_caps.supported_qpts = 1u << IBV_QPT_RAW_PACKET;
    show_offloads("raw only", &attr, true);

    memset(&attr, 0, sizeof attr);
    show_offloads("none", &attr, true);
}

static void
test_grh(void)
{
    uint8_t grh[VERBS_GRH_LEN];
    struct ib_gid sgid, dgid;
    char s[IB_GID_STRLEN], d[IB_GID_STRLEN];

    for (int i = 0; i < VERBS_GRH_LEN; i++) {
        grh[i] = i;
    }
    verbs_grh_parse(grh, &sgid, &dgid);
    printf("sgid %s dgid %s\n", ib_gid_format(&sgid, s),
           ib_gid_format(&dgid, d));
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        ovs_fatal(0, "usage: %s ah-cache|rx-ring|lso HEX...|offloads|grh",
                  argv[0]);
    }
    if (!strcmp(argv[1], "ah-cache")) {
        test_ah_cache();
    } else if (!strcmp(argv[1], "rx-ring")) {
        test_rx_ring();
    } else if (!strcmp(argv[1], "lso")) {
        test_lso(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "offloads")) {
        test_offloads();
    } else if (!strcmp(argv[1], "grh")) {
        test_grh();
    } else {
        ovs_fatal(0, "%s: unknown command", argv[1]);
    }
    return 0;
}
