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

#ifndef FABRIC_PROTO_H
#define FABRIC_PROTO_H 1

/* Control messages between ipoib-fabricd and its clients.
 *
 * They travel over a unix SOCK_SEQPACKET socket, one message per packet,
 * so there is no framing to get wrong; a message whose size does not match
 * its type is malformed.  Both ends are on one host: integers are in host
 * byte order, GIDs in network byte order.
 *
 *   client                          daemon
 *   ATTACH (guid, name)      ->
 *                            <-     ATTACH_REPLY (port info) + shm fd
 *   JOIN / LEAVE / PATH      ->
 *                            <-     JOIN_REPLY / PATH_REPLY (same xid)
 *                            <-     PORT_INFO (state or attributes changed)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "transport/ipoib-transport.h"

#define FABRIC_PROTO_VERSION 1
#define FABRIC_NAME_LEN 32

enum fabric_msg_type {
    FABRIC_MSG_ATTACH = 1,
    FABRIC_MSG_ATTACH_REPLY,
    FABRIC_MSG_PORT_INFO,
    FABRIC_MSG_JOIN,
    FABRIC_MSG_JOIN_REPLY,
    FABRIC_MSG_LEAVE,
    FABRIC_MSG_PATH,
    FABRIC_MSG_PATH_REPLY,
};

struct fabric_msg_hdr {
    uint32_t type;              /* enum fabric_msg_type. */
    uint32_t len;               /* Whole message, this header included. */
    uint32_t xid;               /* Echoed in replies. */
    uint32_t pad;
};

struct fabric_msg_attach {
    struct fabric_msg_hdr hdr;
    uint32_t version;           /* FABRIC_PROTO_VERSION. */
    uint32_t pad;
    uint64_t guid;              /* 0: assign one. */
    char name[FABRIC_NAME_LEN];
};

/* ATTACH_REPLY and PORT_INFO. */
struct fabric_msg_port_info {
    struct fabric_msg_hdr hdr;
    int32_t status;             /* 0 or a positive errno value. */
    uint32_t idx;               /* Directory slot. */
    uint32_t generation;
    uint32_t state;             /* enum ipoib_port_state. */
    uint16_t lid;
    uint16_t sm_lid;
    uint32_t mtu;               /* Port MTU in bytes. */
    uint64_t guid;
    struct ib_gid gid;
    uint16_t n_pkeys;
    uint16_t pad;
    uint16_t pkeys[IPOIB_MAX_PKEYS];
    uint16_t pkey_mtu[IPOIB_MAX_PKEYS];    /* Partition MTU, bytes. */
    uint8_t pkey_sl[IPOIB_MAX_PKEYS];
};

/* JOIN and LEAVE. */
struct fabric_msg_join {
    struct fabric_msg_hdr hdr;
    struct ib_gid mgid;
    uint32_t qkey;
    uint16_t pkey;
    uint8_t join_state;         /* enum ipoib_join_state. */
    uint8_t pad;
};

struct fabric_msg_join_reply {
    struct fabric_msg_hdr hdr;
    int32_t status;
    uint32_t pad;
    struct ipoib_mcast_group group;     /* mgid always, rest if 0. */
};

struct fabric_msg_path {
    struct fabric_msg_hdr hdr;
    struct ib_gid dgid;
    uint16_t dlid;
    uint16_t pkey;
    uint8_t by_gid;
    uint8_t pad[3];
};

struct fabric_msg_path_reply {
    struct fabric_msg_hdr hdr;
    int32_t status;
    uint16_t query_dlid;
    uint16_t pad;
    struct ib_gid query_dgid;
    struct ipoib_path path;
};

/* The largest message. */
#define FABRIC_MSG_MAX sizeof(struct fabric_msg_port_info)

/* Expected size of a message of 'type', 0 if unknown. */
size_t fabric_msg_size(uint32_t type);
void fabric_msg_init(struct fabric_msg_hdr *, uint32_t type, uint32_t xid);

/* Sends 'msg' (its hdr.len bytes) without blocking, passing 'fd_to_pass'
 * along if it is not negative.  Returns 0 or a positive errno value. */
int fabric_msg_send(int sock, const struct fabric_msg_hdr *msg,
                    int fd_to_pass);

/* Receives one message without blocking into 'buf' (FABRIC_MSG_MAX
 * bytes).  Returns 0 on success, EAGAIN if there is none, EOF at end of
 * stream, EPROTO for a malformed one (dropped; the caller decides whether
 * to go on), or another errno value.  A passed file descriptor is stored
 * in '*fdp' (else -1); descriptors that come with anything but an
 * ATTACH_REPLY are closed. */
int fabric_msg_recv(int sock, void *buf, int *fdp);

#endif /* fabric/fabric-proto.h */
