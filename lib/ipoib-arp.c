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
#include "lib/ipoib-arp.h"

#include <string.h>
#include "lib/ipoib-bytes.h"

/* Both link layers share this layout:
 *
 *     0  hardware type (2)     2  protocol type (2)
 *     4  hardware length (1)   5  protocol length (1)
 *     6  opcode (2)            8  sender hw, sender IPv4, target hw,
 *                                 target IPv4
 */
#define ARP_FIXED_LEN 8
#define ARP_IPV4_LEN 4
#define ARP_ETH_HLEN 6

/* Checks the fixed header for 'htype' and 'hlen' and returns the opcode in
 * '*op'.  'len' must already cover the whole body. */
static enum ipoib_arp_status
check_fixed_header(const uint8_t *p, uint16_t htype, uint8_t hlen,
                   uint16_t *op)
{
    if (ipoib_get_be16(p) != htype
        || ipoib_get_be16(p + 2) != IPOIB_ARP_PTYPE_IPV4
        || p[4] != hlen
        || p[5] != ARP_IPV4_LEN) {
        return IPOIB_ARP_BAD_FORMAT;
    }
    *op = ipoib_get_be16(p + 6);
    if (*op < IPOIB_ARP_OP_REQUEST || *op > IPOIB_ARP_OP_RARP_REPLY) {
        return IPOIB_ARP_BAD_OP;
    }
    return IPOIB_ARP_OK;
}

static void
put_fixed_header(uint8_t *p, uint16_t htype, uint8_t hlen, uint16_t op)
{
    ipoib_put_be16(p, htype);
    ipoib_put_be16(p + 2, IPOIB_ARP_PTYPE_IPV4);
    p[4] = hlen;
    p[5] = ARP_IPV4_LEN;
    ipoib_put_be16(p + 6, op);
}

const char *
ipoib_arp_status_name(enum ipoib_arp_status status)
{
    switch (status) {
    case IPOIB_ARP_OK:
        return "ok";
    case IPOIB_ARP_TRUNCATED:
        return "truncated";
    case IPOIB_ARP_BAD_FORMAT:
        return "bad_format";
    case IPOIB_ARP_BAD_OP:
        return "bad_op";
    }
    return "unknown";
}

enum ipoib_arp_status
ipoib_arp_eth_decode(const void *data, size_t len, struct ipoib_arp_eth *arp)
{
    const uint8_t *p = data;

    if (len < IPOIB_ARP_ETH_LEN) {
        return IPOIB_ARP_TRUNCATED;
    }
    enum ipoib_arp_status status
        = check_fixed_header(p, IPOIB_ARP_HTYPE_ETHERNET, ARP_ETH_HLEN,
                             &arp->op);
    if (status != IPOIB_ARP_OK) {
        return status;
    }
    p += ARP_FIXED_LEN;
    memcpy(arp->sha.ea, p, ARP_ETH_HLEN);
    memcpy(&arp->spa, p + 6, ARP_IPV4_LEN);
    memcpy(arp->tha.ea, p + 10, ARP_ETH_HLEN);
    memcpy(&arp->tpa, p + 16, ARP_IPV4_LEN);
    return IPOIB_ARP_OK;
}

enum ipoib_arp_status
ipoib_arp_ib_decode(const void *data, size_t len, struct ipoib_arp_ib *arp)
{
    const uint8_t *p = data;

    if (len < IPOIB_ARP_IB_LEN) {
        return IPOIB_ARP_TRUNCATED;
    }
    enum ipoib_arp_status status
        = check_fixed_header(p, IPOIB_ARP_HTYPE_INFINIBAND,
                             IPOIB_HWADDR_LEN, &arp->op);
    if (status != IPOIB_ARP_OK) {
        return status;
    }
    p += ARP_FIXED_LEN;
    memcpy(arp->sha.b, p, IPOIB_HWADDR_LEN);
    memcpy(&arp->spa, p + 20, ARP_IPV4_LEN);
    memcpy(arp->tha.b, p + 24, IPOIB_HWADDR_LEN);
    memcpy(&arp->tpa, p + 44, ARP_IPV4_LEN);
    return IPOIB_ARP_OK;
}

void
ipoib_arp_eth_encode(void *data, const struct ipoib_arp_eth *arp)
{
    uint8_t *p = data;

    put_fixed_header(p, IPOIB_ARP_HTYPE_ETHERNET, ARP_ETH_HLEN, arp->op);
    p += ARP_FIXED_LEN;
    memcpy(p, arp->sha.ea, ARP_ETH_HLEN);
    memcpy(p + 6, &arp->spa, ARP_IPV4_LEN);
    memcpy(p + 10, arp->tha.ea, ARP_ETH_HLEN);
    memcpy(p + 16, &arp->tpa, ARP_IPV4_LEN);
}

void
ipoib_arp_ib_encode(void *data, const struct ipoib_arp_ib *arp)
{
    uint8_t *p = data;

    put_fixed_header(p, IPOIB_ARP_HTYPE_INFINIBAND, IPOIB_HWADDR_LEN,
                     arp->op);
    p += ARP_FIXED_LEN;
    memcpy(p, arp->sha.b, IPOIB_HWADDR_LEN);
    memcpy(p + 20, &arp->spa, ARP_IPV4_LEN);
    memcpy(p + 24, arp->tha.b, IPOIB_HWADDR_LEN);
    memcpy(p + 44, &arp->tpa, ARP_IPV4_LEN);
}
