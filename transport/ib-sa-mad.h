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

#ifndef IB_SA_MAD_H
#define IB_SA_MAD_H 1

/* Encoding and decoding of subnet administration (SA) MADs: the PathRecord
 * and MCMemberRecord requests ib-sa-client sends and the answers it reads.
 *
 * Pure functions on byte buffers, no I/O, so that they can be tested with
 * byte vectors.  Layouts are those of the InfiniBand Architecture
 * Specification, volume 1: the common MAD header (13.4.3), the SA header
 * (15.2.1.1), PathRecord (15.2.5.16) and MCMemberRecord (15.2.5.17).
 * Integers in the structures below are in host byte order; GIDs are byte
 * strings in network order, as everywhere in ovs-ipoib. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"

/* Every MAD is 256 bytes; the SA header takes the first 56, the attribute
 * (one record, without RMPP) follows. */
#define IB_SA_MAD_LEN 256
#define IB_SA_MAD_HDR_LEN 56
#define IB_SA_PATH_REC_LEN 64
#define IB_SA_MCMEMBER_REC_LEN 52

/* Component mask bits of a PathRecord: bit N says that field N of the
 * record (in the order of the specification's table) is to be matched. */
#define IB_SA_PR_COMP_SERVICE_ID  (UINT64_C(3) << 0)
#define IB_SA_PR_COMP_DGID        (UINT64_C(1) << 2)
#define IB_SA_PR_COMP_SGID        (UINT64_C(1) << 3)
#define IB_SA_PR_COMP_DLID        (UINT64_C(1) << 4)
#define IB_SA_PR_COMP_SLID        (UINT64_C(1) << 5)
#define IB_SA_PR_COMP_TCLASS      (UINT64_C(1) << 10)
#define IB_SA_PR_COMP_REVERSIBLE  (UINT64_C(1) << 11)
#define IB_SA_PR_COMP_NUMB_PATH   (UINT64_C(1) << 12)
#define IB_SA_PR_COMP_PKEY        (UINT64_C(1) << 13)
#define IB_SA_PR_COMP_SL          (UINT64_C(1) << 15)
#define IB_SA_PR_COMP_MTU_SEL     (UINT64_C(1) << 16)
#define IB_SA_PR_COMP_MTU         (UINT64_C(1) << 17)

/* Component mask bits of an MCMemberRecord. */
#define IB_SA_MCM_COMP_MGID       (UINT64_C(1) << 0)
#define IB_SA_MCM_COMP_PORT_GID   (UINT64_C(1) << 1)
#define IB_SA_MCM_COMP_QKEY       (UINT64_C(1) << 2)
#define IB_SA_MCM_COMP_MLID       (UINT64_C(1) << 3)
#define IB_SA_MCM_COMP_MTU_SEL    (UINT64_C(1) << 4)
#define IB_SA_MCM_COMP_MTU        (UINT64_C(1) << 5)
#define IB_SA_MCM_COMP_TCLASS     (UINT64_C(1) << 6)
#define IB_SA_MCM_COMP_PKEY       (UINT64_C(1) << 7)
#define IB_SA_MCM_COMP_RATE_SEL   (UINT64_C(1) << 8)
#define IB_SA_MCM_COMP_RATE       (UINT64_C(1) << 9)
#define IB_SA_MCM_COMP_SL         (UINT64_C(1) << 12)
#define IB_SA_MCM_COMP_FLOW_LABEL (UINT64_C(1) << 13)
#define IB_SA_MCM_COMP_HOP_LIMIT  (UINT64_C(1) << 14)
#define IB_SA_MCM_COMP_SCOPE      (UINT64_C(1) << 15)
#define IB_SA_MCM_COMP_JOIN_STATE (UINT64_C(1) << 16)

/* Selectors in the top two bits of the MTU and rate fields. */
#define IB_SA_SEL_EXACTLY 2
#define IB_SA_SEL_SHIFT 6
#define IB_SA_VALUE_MASK 0x3f

/* The fields of the common and SA headers that a client looks at. */
struct ib_sa_mad_hdr {
    uint8_t method;
    uint16_t status;            /* MAD status (class status in bits 8-15). */
    uint64_t tid;
    uint16_t attr_id;
    uint16_t attr_offset;       /* In units of 8 bytes. */
    uint64_t comp_mask;
};

struct ib_sa_path_rec {
    struct ib_gid dgid;
    struct ib_gid sgid;
    uint16_t dlid;
    uint16_t slid;
    uint32_t flow_label;
    uint8_t hop_limit;
    uint8_t tclass;
    bool reversible;
    uint8_t numb_path;
    uint16_t pkey;
    uint8_t sl;
    uint8_t mtu;                /* Selector (top 2 bits) and MTU code. */
    uint8_t rate;               /* Selector and rate code. */
    uint8_t pkt_life;           /* Selector and packet life time. */
};

struct ib_sa_mcmember {
    struct ib_gid mgid;
    struct ib_gid port_gid;
    uint32_t qkey;
    uint16_t mlid;
    uint8_t mtu;                /* Selector (top 2 bits) and MTU code. */
    uint8_t tclass;
    uint16_t pkey;
    uint8_t rate;               /* Selector and rate code. */
    uint8_t pkt_life;           /* Selector and packet life time. */
    uint8_t sl;
    uint32_t flow_label;
    uint8_t hop_limit;
    uint8_t scope;
    uint8_t join_state;         /* IB_SA_JOIN_* bits. */
    bool proxy_join;
};

/* MCMemberRecord JoinState bits. */
#define IB_SA_JOIN_FULL 0x1
#define IB_SA_JOIN_NON_MEMBER 0x2
#define IB_SA_JOIN_SEND_ONLY_NON_MEMBER 0x4
#define IB_SA_JOIN_SEND_ONLY_FULL 0x8

/* Writes a complete SA request MAD for one record into 'mad', with method
 * 'method' (UMAD_METHOD_GET, UMAD_METHOD_SET or UMAD_SA_METHOD_DELETE),
 * transaction ID 'tid' and component mask 'comp_mask'. */
void ib_sa_mad_encode_path(uint8_t mad[IB_SA_MAD_LEN], uint8_t method,
                           uint64_t tid, uint64_t comp_mask,
                           const struct ib_sa_path_rec *);
void ib_sa_mad_encode_mcmember(uint8_t mad[IB_SA_MAD_LEN], uint8_t method,
                               uint64_t tid, uint64_t comp_mask,
                               const struct ib_sa_mcmember *);

/* Reads the headers of the 'len' bytes in 'mad'.  Returns 0, or EINVAL if
 * it is not an SA (class 3, version 2) response MAD of at least the header's
 * length. */
int ib_sa_mad_decode_hdr(const uint8_t *mad, size_t len,
                         struct ib_sa_mad_hdr *);

/* Reads the record of an answer whose header ib_sa_mad_decode_hdr()
 * accepted.  Return 0, or EINVAL if the attribute is not of the expected
 * kind or the MAD is too short to hold it. */
int ib_sa_mad_decode_path(const uint8_t *mad, size_t len,
                          struct ib_sa_path_rec *);
int ib_sa_mad_decode_mcmember(const uint8_t *mad, size_t len,
                              struct ib_sa_mcmember *);

/* Maps a MAD status to what ib-sa-client.h promises: 0 for success,
 * EAGAIN for "busy" (try again later), ENOENT for an SA that has no such
 * record or refuses the request, ENOSPC for "no resources", E2BIG for "too
 * many records", EPROTO for everything else (redirection, unsupported
 * version, method or attribute). */
int ib_sa_status_to_errno(uint16_t status);

/* Converts between IB MTU codes (1 = 256 ... 5 = 4096) and bytes; 0 for an
 * invalid code or size. */
uint32_t ib_mtu_code_to_bytes(uint8_t code);
uint8_t ib_mtu_bytes_to_code(uint32_t bytes);

#endif /* ib-sa-mad.h */
