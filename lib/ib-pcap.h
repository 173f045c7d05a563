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

#ifndef IB_PCAP_H
#define IB_PCAP_H 1

/* Reading and writing whole InfiniBand packets (LRH through VCRC) in pcap
 * files that Wireshark/tshark decode.
 *
 * The writer uses pcap link type 197 (LINKTYPE_ERF) with every packet in an
 * ERF record of type 21 (INFINIBAND), as real IB capture hardware produces
 * it: tshark 4.0 does not accept link type 247 (LINKTYPE_INFINIBAND).  The
 * reader accepts link type 197 (skipping ERF records of other types) and
 * link type 247, in either byte order, with microsecond or nanosecond
 * timestamps.
 *
 * Neither object is thread-safe: callers that share one serialize access. */

#include <stddef.h>
#include <stdint.h>

/* Pcap link types. */
#define IB_PCAP_LINKTYPE_ERF 197
#define IB_PCAP_LINKTYPE_INFINIBAND 247

/* ERF record type of whole InfiniBand packets. */
#define IB_ERF_TYPE_INFINIBAND 21

/* The largest packet either side handles (the ERF wire length field is 16
 * bits; real IB packets are at most about 4.2 kB). */
#define IB_PCAP_MAX_PACKET (65535 - 16)

/* Writer. */

/* Creates (or truncates) 'file_name' and writes the pcap file header.
 * Returns the writer, or NULL with a positive errno in '*errorp'. */
struct ib_pcap_writer *ib_pcap_writer_open(const char *file_name,
                                           int *errorp);

/* Appends the 'len'-byte IB packet 'pkt', stamped 'time_usec' microseconds
 * after the Unix epoch.  Returns 0 or a positive errno (EINVAL for a time
 * before 1970 or after 2106, or a packet longer than IB_PCAP_MAX_PACKET).
 * Output is buffered; see ib_pcap_flush(). */
int ib_pcap_write(struct ib_pcap_writer *, long long time_usec,
                  const uint8_t *pkt, size_t len);

/* Pushes buffered packets to the file, so that a reader sees them.
 * Returns 0 or a positive errno. */
int ib_pcap_flush(struct ib_pcap_writer *);

/* Flushes and closes.  Accepts NULL. */
void ib_pcap_writer_close(struct ib_pcap_writer *);

/* Reader. */

/* Opens 'file_name' and checks its pcap header.  Returns the reader, or NULL
 * with a positive errno in '*errorp': EINVAL if it is not a pcap file (or is
 * truncated), EPROTONOSUPPORT if its link type is neither 197 nor 247. */
struct ib_pcap_reader *ib_pcap_reader_open(const char *file_name,
                                           int *errorp);

/* Returns 0 and the next IB packet (ERF header stripped; non-IB ERF records
 * are skipped) in 'buf', its length in '*len' and its time in microseconds
 * since the epoch in '*usec'; EOF at the end of the file; or a positive
 * errno: EINVAL for a truncated or corrupt record, EMSGSIZE if the packet
 * does not fit in 'size' bytes (the packet is skipped), or an I/O error.
 * 'usec' may be NULL. */
int ib_pcap_read(struct ib_pcap_reader *, uint8_t *buf, size_t size,
                 size_t *len, long long *usec);

/* Closes.  Accepts NULL. */
void ib_pcap_reader_close(struct ib_pcap_reader *);

#endif /* ib-pcap.h */
