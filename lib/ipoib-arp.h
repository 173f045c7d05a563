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

#ifndef IPOIB_ARP_H
#define IPOIB_ARP_H 1

/* ARP and RARP packet bodies for Ethernet and for IPoIB.
 *
 * The two link layers use the same ARP layout (RFC 826) with different
 * hardware types and address lengths:
 *
 *     Ethernet: hardware type 1,  hardware length 6,  28 bytes in all.
 *     IPoIB:    hardware type 32, hardware length 20, 56 bytes in all
 *               (RFC 4391 section 9.1: the 20-byte IPoIB link address).
 *
 * Both carry IPv4 protocol addresses (protocol type 0x0800, length 4).  The
 * decoders check every fixed field and refuse anything else; bytes after the
 * ARP body (Ethernet minimum-frame padding, for example) are ignored.  The
 * encoders always write exactly IPOIB_ARP_ETH_LEN or IPOIB_ARP_IB_LEN bytes.
 *
 * The same bodies are used for RARP (EtherType 0x8035, RFC 903), whose
 * opcodes are 3 and 4. */

#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/types.h"

#define IPOIB_ARP_HTYPE_ETHERNET 1
#define IPOIB_ARP_HTYPE_INFINIBAND 32
#define IPOIB_ARP_PTYPE_IPV4 0x0800

/* Opcodes (host byte order). */
#define IPOIB_ARP_OP_REQUEST 1
#define IPOIB_ARP_OP_REPLY 2
#define IPOIB_ARP_OP_RARP_REQUEST 3
#define IPOIB_ARP_OP_RARP_REPLY 4

/* Body lengths: 8 fixed bytes + 2 * (hardware length + 4). */
#define IPOIB_ARP_ETH_LEN 28
#define IPOIB_ARP_IB_LEN 56

/* Decoded Ethernet ARP.  'op' is in host byte order, addresses are as on the
 * wire. */
struct ipoib_arp_eth {
    uint16_t op;
    struct eth_addr sha;        /* Sender hardware address. */
    ovs_be32 spa;               /* Sender protocol (IPv4) address. */
    struct eth_addr tha;        /* Target hardware address. */
    ovs_be32 tpa;               /* Target protocol (IPv4) address. */
};

/* Decoded IPoIB ARP. */
struct ipoib_arp_ib {
    uint16_t op;
    struct ipoib_hwaddr sha;
    ovs_be32 spa;
    struct ipoib_hwaddr tha;
    ovs_be32 tpa;
};

/* Decoding results. */
enum ipoib_arp_status {
    IPOIB_ARP_OK = 0,
    IPOIB_ARP_TRUNCATED,        /* Shorter than the fixed-size body. */
    IPOIB_ARP_BAD_FORMAT,       /* Wrong htype, ptype, hlen or plen. */
    IPOIB_ARP_BAD_OP,           /* Opcode other than 1 to 4. */
};
const char *ipoib_arp_status_name(enum ipoib_arp_status);

/* Decode the ARP body in the 'len' bytes at 'data' (no link header).  On
 * failure '*arp' is left unspecified. */
enum ipoib_arp_status ipoib_arp_eth_decode(const void *data, size_t len,
                                           struct ipoib_arp_eth *arp);
enum ipoib_arp_status ipoib_arp_ib_decode(const void *data, size_t len,
                                          struct ipoib_arp_ib *arp);

/* Encode 'arp' into 'data', which must have room for IPOIB_ARP_ETH_LEN or
 * IPOIB_ARP_IB_LEN bytes respectively.  'data' need not be aligned. */
void ipoib_arp_eth_encode(void *data, const struct ipoib_arp_eth *arp);
void ipoib_arp_ib_encode(void *data, const struct ipoib_arp_ib *arp);

#endif /* ipoib-arp.h */
