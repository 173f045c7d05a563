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

#ifndef VERBS_OFFLOAD_H
#define VERBS_OFFLOAD_H 1

/* Which offloads a "verbs" port reports, and the LSO header of a packet.
 *
 * Only what the device does for UD QPs counts, since IPoIB datagram mode
 * runs on UD QPs:
 *
 *   - Checksums: IBV_DEVICE_UD_IP_CSUM in the device capability flags.
 *     The mlx4 driver (ConnectX-3, ConnectX-3 Pro) sets it: the HCA fills
 *     IPv4 header and TCP/UDP checksums of UD sends with IBV_SEND_IP_CSUM
 *     and flags good receive checksums with IBV_WC_IP_CSUM_OK.  The
 *     raw-packet checksum flags (IBV_RAW_PACKET_CAP_IP_CSUM) are for
 *     Ethernet raw packet QPs and do not count.
 *   - LSO: tso_caps of ibv_query_device_ex, only if its supported_qpts has
 *     IBV_QPT_UD.  The LSO header is the IPoIB header plus the IP and TCP
 *     headers, repeated in front of every segment.
 *
 * ConnectX-4 and later (mlx5) do IPoIB offloads through the "enhanced
 * IPoIB" underlay QP of the kernel's ipoib driver.  A plain user-space UD
 * QP on mlx5 reports neither UD checksums nor UD LSO, so this backend, as
 * it stands, has the netdev compute checksums and segment in software
 * there.  The mlx5 way to get them from user space is a UD QP created with
 * IBV_QP_CREATE_SOURCE_QPN (CAP_NET_RAW), which sends and receives as an
 * existing kernel IPoIB QP with raw-packet offloads; for one QPN per VIF
 * that means one kernel child interface (ibX.Y) per VIF, as eIPoIB had.
 * Not implemented: it cannot be exercised without an mlx5 HCA. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ibv_device_attr_ex;

struct verbs_offloads {
    bool rx_csum;
    bool tx_csum;
    uint32_t max_lso;               /* Largest LSO payload, 0 if none. */
};

/* Fills 'offloads' from 'attr', which must come from ibv_query_device_ex()
 * if 'extended' (else only its 'orig_attr' is valid). */
void verbs_offloads_from_device(const struct ibv_device_attr_ex *attr,
                                bool extended,
                                struct verbs_offloads *offloads);

/* The largest header verbs_lso_header_len() returns: IPoIB header, IPv6
 * header (IPv4 with options is 60) and a TCP header with options. */
#define VERBS_MAX_LSO_HEADER (4 + 60 + 60)

/* Returns the length of the headers that every LSO segment of the IPoIB
 * packet 'data' (of 'len' bytes) repeats: the IPoIB header, the IPv4 or
 * IPv6 header and the TCP header.  Returns 0 if it is not a TCP packet
 * whose headers are all there. */
size_t verbs_lso_header_len(const uint8_t *data, size_t len);

#endif /* verbs-offload.h */
