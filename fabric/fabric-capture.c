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
#include "fabric/fabric-capture.h"
#include <errno.h>
#include <stdlib.h>
#include "fabric/fabric-shm.h"
#include "lib/ib-packet.h"
#include "lib/ib-pcap.h"
#include "timeval.h"
#include "util.h"

struct fabric_capture {
    struct ib_pcap_writer *writer;
    char *file_name;
    uint32_t next_psn;          /* UD senders still number packets. */
    uint64_t n_packets;
    uint8_t buf[IB_UD_MAX_OVERHEAD + FABRIC_SLOT_DATA];
};

struct fabric_capture *
fabric_capture_open(const char *file_name, int *errorp)
{
    struct ib_pcap_writer *writer = ib_pcap_writer_open(file_name, errorp);
    struct fabric_capture *cap;

    if (!writer) {
        return NULL;
    }
    cap = xzalloc(sizeof *cap);
    cap->writer = writer;
    cap->file_name = xstrdup(file_name);
    return cap;
}

int
fabric_capture_packet(struct fabric_capture *cap,
                      const struct fabric_pkt_meta *meta, const void *data)
{
    struct ib_ud_headers h;
    size_t len;

    if (meta->len > FABRIC_SLOT_DATA) {
        return EINVAL;
    }
    ib_ud_headers_init(&h);
    h.sl = meta->sl & 0xf;
    h.dlid = meta->dlid;
    h.slid = meta->slid;
    h.has_grh = (meta->flags & FABRIC_PKT_F_GRH) != 0;
    if (h.has_grh) {
        h.sgid = meta->sgid;
        h.dgid = meta->dgid;
        h.hop_limit = 0;        /* Never leaves the subnet. */
    }
    h.pkey = meta->pkey;
    h.dqpn = meta->dqpn & IB_QPN_MASK;
    h.psn = cap->next_psn++ & 0xffffff;
    h.qkey = meta->qkey;
    h.sqpn = meta->sqpn & IB_QPN_MASK;

    len = ib_ud_packet_build(&h, data, meta->len, cap->buf, sizeof cap->buf);
    if (!len) {
        return EINVAL;
    }
    cap->n_packets++;
    return ib_pcap_write(cap->writer, time_wall_usec(), cap->buf, len);
}

void
fabric_capture_flush(struct fabric_capture *cap)
{
    ib_pcap_flush(cap->writer);
}

void
fabric_capture_close(struct fabric_capture *cap)
{
    if (cap) {
        ib_pcap_writer_close(cap->writer);
        free(cap->file_name);
        free(cap);
    }
}

const char *
fabric_capture_file_name(const struct fabric_capture *cap)
{
    return cap->file_name;
}

uint64_t
fabric_capture_count(const struct fabric_capture *cap)
{
    return cap->n_packets;
}
