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
#include "transport/verbs-offload.h"
#include <infiniband/verbs.h>
#include <string.h>
#include "util.h"

#define IPOIB_HDR_LEN 4
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define IPV6_HDR_LEN 40
#define TCP_MIN_HDR_LEN 20

void
verbs_offloads_from_device(const struct ibv_device_attr_ex *attr,
                           bool extended, struct verbs_offloads *offloads)
{
    bool ud_csum = (attr->orig_attr.device_cap_flags
                    & IBV_DEVICE_UD_IP_CSUM) != 0;

    memset(offloads, 0, sizeof *offloads);
    offloads->rx_csum = ud_csum;
    offloads->tx_csum = ud_csum;
    if (extended && attr->tso_caps.max_tso
        && attr->tso_caps.supported_qpts & (1u << IBV_QPT_UD)) {
        offloads->max_lso = attr->tso_caps.max_tso;
    }
}

size_t
verbs_lso_header_len(const uint8_t *data, size_t len)
{
    const uint8_t *ip = data + IPOIB_HDR_LEN;
    size_t ip_len;
    uint8_t proto;

    if (len < IPOIB_HDR_LEN + IPV6_HDR_LEN) {
        return 0;
    }
    switch ((data[0] << 8) | data[1]) {
    case ETHERTYPE_IPV4:
        ip_len = (ip[0] & 0xf) * 4;
        if ((ip[0] >> 4) != 4 || ip_len < 20) {
            return 0;
        }
        proto = ip[9];
        break;
    case ETHERTYPE_IPV6:
        /* Extension headers are not followed: no LSO for such packets. */
        if ((ip[0] >> 4) != 6) {
            return 0;
        }
        ip_len = IPV6_HDR_LEN;
        proto = ip[6];
        break;
    default:
        return 0;
    }
    if (proto != PROTO_TCP || len < IPOIB_HDR_LEN + ip_len + TCP_MIN_HDR_LEN) {
        return 0;
    }

    const uint8_t *tcp = ip + ip_len;
    size_t tcp_len = (tcp[12] >> 4) * 4;
    size_t hdr_len = IPOIB_HDR_LEN + ip_len + tcp_len;
    if (tcp_len < TCP_MIN_HDR_LEN || hdr_len > len
        || hdr_len > VERBS_MAX_LSO_HEADER) {
        return 0;
    }
    return hdr_len;
}
