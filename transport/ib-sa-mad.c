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
#include "transport/ib-sa-mad.h"

#include <errno.h>
#include <string.h>
#include <infiniband/umad_types.h>
#include <infiniband/umad_sa.h>
#include "lib/ipoib-bytes.h"

/* Offsets in the MAD (common header, RMPP header, SA header). */
#define OFS_BASE_VERSION 0
#define OFS_MGMT_CLASS 1
#define OFS_CLASS_VERSION 2
#define OFS_METHOD 3
#define OFS_STATUS 4
#define OFS_TID 8
#define OFS_ATTR_ID 16
#define OFS_ATTR_MOD 20
#define OFS_SM_KEY 36
#define OFS_ATTR_OFFSET 44
#define OFS_COMP_MASK 48
#define OFS_DATA IB_SA_MAD_HDR_LEN

/* Offsets in a PathRecord. */
#define PR_DGID 8
#define PR_SGID 24
#define PR_DLID 40
#define PR_SLID 42
#define PR_FLOW_HOP 44          /* RawTraffic:1 rsvd:3 FlowLabel:20 Hop:8. */
#define PR_TCLASS 48
#define PR_REV_NUMB 49          /* Reversible:1 NumbPath:7. */
#define PR_PKEY 50
#define PR_QOS_SL 52            /* QoSClass:12 SL:4. */
#define PR_MTU 54
#define PR_RATE 55
#define PR_PKT_LIFE 56

/* Offsets in an MCMemberRecord. */
#define MCM_MGID 0
#define MCM_PORT_GID 16
#define MCM_QKEY 32
#define MCM_MLID 36
#define MCM_MTU 38
#define MCM_TCLASS 39
#define MCM_PKEY 40
#define MCM_RATE 42
#define MCM_PKT_LIFE 43
#define MCM_SL_FLOW_HOP 44      /* SL:4 FlowLabel:20 HopLimit:8. */
#define MCM_SCOPE_STATE 48      /* Scope:4 JoinState:4. */
#define MCM_PROXY_JOIN 49       /* ProxyJoin:1 reserved:7. */

static void
put_be64(uint8_t *p, uint64_t v)
{
    ipoib_put_be32(p, v >> 32);
    ipoib_put_be32(p + 4, v);
}

static uint64_t
get_be64(const uint8_t *p)
{
    return ((uint64_t) ipoib_get_be32(p) << 32) | ipoib_get_be32(p + 4);
}

/* Fills in the common and SA headers of a request.  'rec_len' is the size
 * of the record, given in the attribute offset (in 8-byte units) even for a
 * single record, as SA requests do. */
static void
encode_hdr(uint8_t *mad, uint8_t method, uint64_t tid, uint16_t attr_id,
           size_t rec_len, uint64_t comp_mask)
{
    memset(mad, 0, IB_SA_MAD_LEN);
    mad[OFS_BASE_VERSION] = UMAD_BASE_VERSION;
    mad[OFS_MGMT_CLASS] = UMAD_CLASS_SUBN_ADM;
    mad[OFS_CLASS_VERSION] = UMAD_SA_CLASS_VERSION;
    mad[OFS_METHOD] = method;
    put_be64(mad + OFS_TID, tid);
    ipoib_put_be16(mad + OFS_ATTR_ID, attr_id);
    ipoib_put_be16(mad + OFS_ATTR_OFFSET, (rec_len + 7) / 8);
    put_be64(mad + OFS_COMP_MASK, comp_mask);
}

void
ib_sa_mad_encode_path(uint8_t mad[IB_SA_MAD_LEN], uint8_t method,
                      uint64_t tid, uint64_t comp_mask,
                      const struct ib_sa_path_rec *pr)
{
    uint8_t *rec = mad + OFS_DATA;

    encode_hdr(mad, method, tid, UMAD_SA_ATTR_PATH_REC, IB_SA_PATH_REC_LEN,
               comp_mask);
    memcpy(rec + PR_DGID, pr->dgid.b, IB_GID_LEN);
    memcpy(rec + PR_SGID, pr->sgid.b, IB_GID_LEN);
    ipoib_put_be16(rec + PR_DLID, pr->dlid);
    ipoib_put_be16(rec + PR_SLID, pr->slid);
    ipoib_put_be32(rec + PR_FLOW_HOP,
             ((pr->flow_label & 0xfffff) << 8) | pr->hop_limit);
    rec[PR_TCLASS] = pr->tclass;
    rec[PR_REV_NUMB] = (pr->reversible ? 0x80 : 0) | (pr->numb_path & 0x7f);
    ipoib_put_be16(rec + PR_PKEY, pr->pkey);
    ipoib_put_be16(rec + PR_QOS_SL, pr->sl & 0xf);
    rec[PR_MTU] = pr->mtu;
    rec[PR_RATE] = pr->rate;
    rec[PR_PKT_LIFE] = pr->pkt_life;
}

void
ib_sa_mad_encode_mcmember(uint8_t mad[IB_SA_MAD_LEN], uint8_t method,
                          uint64_t tid, uint64_t comp_mask,
                          const struct ib_sa_mcmember *mcm)
{
    uint8_t *rec = mad + OFS_DATA;

    encode_hdr(mad, method, tid, UMAD_SA_ATTR_MCMEMBER_REC,
               IB_SA_MCMEMBER_REC_LEN, comp_mask);
    memcpy(rec + MCM_MGID, mcm->mgid.b, IB_GID_LEN);
    memcpy(rec + MCM_PORT_GID, mcm->port_gid.b, IB_GID_LEN);
    ipoib_put_be32(rec + MCM_QKEY, mcm->qkey);
    ipoib_put_be16(rec + MCM_MLID, mcm->mlid);
    rec[MCM_MTU] = mcm->mtu;
    rec[MCM_TCLASS] = mcm->tclass;
    ipoib_put_be16(rec + MCM_PKEY, mcm->pkey);
    rec[MCM_RATE] = mcm->rate;
    rec[MCM_PKT_LIFE] = mcm->pkt_life;
    ipoib_put_be32(rec + MCM_SL_FLOW_HOP,
             ((uint32_t) (mcm->sl & 0xf) << 28)
             | ((mcm->flow_label & 0xfffff) << 8) | mcm->hop_limit);
    rec[MCM_SCOPE_STATE] = ((mcm->scope & 0xf) << 4) | (mcm->join_state & 0xf);
    rec[MCM_PROXY_JOIN] = mcm->proxy_join ? 0x80 : 0;
}

int
ib_sa_mad_decode_hdr(const uint8_t *mad, size_t len,
                     struct ib_sa_mad_hdr *hdr)
{
    if (len < IB_SA_MAD_HDR_LEN
        || mad[OFS_BASE_VERSION] != UMAD_BASE_VERSION
        || mad[OFS_MGMT_CLASS] != UMAD_CLASS_SUBN_ADM
        || mad[OFS_CLASS_VERSION] != UMAD_SA_CLASS_VERSION
        || !(mad[OFS_METHOD] & UMAD_METHOD_RESP_MASK)) {
        return EINVAL;
    }
    hdr->method = mad[OFS_METHOD];
    hdr->status = ipoib_get_be16(mad + OFS_STATUS);
    hdr->tid = get_be64(mad + OFS_TID);
    hdr->attr_id = ipoib_get_be16(mad + OFS_ATTR_ID);
    hdr->attr_offset = ipoib_get_be16(mad + OFS_ATTR_OFFSET);
    hdr->comp_mask = get_be64(mad + OFS_COMP_MASK);
    return 0;
}

/* Checks that 'mad' holds attribute 'attr_id' with at least 'rec_len' bytes
 * of record after the header. */
static bool
has_record(const uint8_t *mad, size_t len, uint16_t attr_id, size_t rec_len)
{
    return (len >= OFS_DATA + rec_len
            && ipoib_get_be16(mad + OFS_ATTR_ID) == attr_id);
}

int
ib_sa_mad_decode_path(const uint8_t *mad, size_t len,
                      struct ib_sa_path_rec *pr)
{
    const uint8_t *rec = mad + OFS_DATA;
    uint32_t flow_hop;

    if (!has_record(mad, len, UMAD_SA_ATTR_PATH_REC, IB_SA_PATH_REC_LEN)) {
        return EINVAL;
    }
    memset(pr, 0, sizeof *pr);
    memcpy(pr->dgid.b, rec + PR_DGID, IB_GID_LEN);
    memcpy(pr->sgid.b, rec + PR_SGID, IB_GID_LEN);
    pr->dlid = ipoib_get_be16(rec + PR_DLID);
    pr->slid = ipoib_get_be16(rec + PR_SLID);
    flow_hop = ipoib_get_be32(rec + PR_FLOW_HOP);
    pr->flow_label = (flow_hop >> 8) & 0xfffff;
    pr->hop_limit = flow_hop;
    pr->tclass = rec[PR_TCLASS];
    pr->reversible = (rec[PR_REV_NUMB] & 0x80) != 0;
    pr->numb_path = rec[PR_REV_NUMB] & 0x7f;
    pr->pkey = ipoib_get_be16(rec + PR_PKEY);
    pr->sl = ipoib_get_be16(rec + PR_QOS_SL) & 0xf;
    pr->mtu = rec[PR_MTU];
    pr->rate = rec[PR_RATE];
    pr->pkt_life = rec[PR_PKT_LIFE];
    return 0;
}

int
ib_sa_mad_decode_mcmember(const uint8_t *mad, size_t len,
                          struct ib_sa_mcmember *mcm)
{
    const uint8_t *rec = mad + OFS_DATA;
    uint32_t sl_flow_hop;

    if (!has_record(mad, len, UMAD_SA_ATTR_MCMEMBER_REC,
                    IB_SA_MCMEMBER_REC_LEN)) {
        return EINVAL;
    }
    memset(mcm, 0, sizeof *mcm);
    memcpy(mcm->mgid.b, rec + MCM_MGID, IB_GID_LEN);
    memcpy(mcm->port_gid.b, rec + MCM_PORT_GID, IB_GID_LEN);
    mcm->qkey = ipoib_get_be32(rec + MCM_QKEY);
    mcm->mlid = ipoib_get_be16(rec + MCM_MLID);
    mcm->mtu = rec[MCM_MTU];
    mcm->tclass = rec[MCM_TCLASS];
    mcm->pkey = ipoib_get_be16(rec + MCM_PKEY);
    mcm->rate = rec[MCM_RATE];
    mcm->pkt_life = rec[MCM_PKT_LIFE];
    sl_flow_hop = ipoib_get_be32(rec + MCM_SL_FLOW_HOP);
    mcm->sl = sl_flow_hop >> 28;
    mcm->flow_label = (sl_flow_hop >> 8) & 0xfffff;
    mcm->hop_limit = sl_flow_hop;
    mcm->scope = rec[MCM_SCOPE_STATE] >> 4;
    mcm->join_state = rec[MCM_SCOPE_STATE] & 0xf;
    mcm->proxy_join = (rec[MCM_PROXY_JOIN] & 0x80) != 0;
    return 0;
}

int
ib_sa_status_to_errno(uint16_t status)
{
    uint8_t sa_status = (status & UMAD_STATUS_CLASS_MASK) >> 8;

    if (status == UMAD_STATUS_SUCCESS) {
        return 0;
    } else if (status == UMAD_STATUS_BUSY) {
        return EAGAIN;
    } else if (status & (UMAD_STATUS_REDIRECT
                         | UMAD_STATUS_INVALID_FIELD_MASK)) {
        return EPROTO;
    }

    switch (sa_status) {
    case UMAD_SA_STATUS_NO_RESOURCES:
        return ENOSPC;
    case UMAD_SA_STATUS_TOO_MANY_RECORDS:
        return E2BIG;
    case UMAD_SA_STATUS_REQ_INVALID:
    case UMAD_SA_STATUS_NO_RECORDS:
    case UMAD_SA_STATUS_INVALID_GID:
    case UMAD_SA_STATUS_INSUF_COMPS:
    case UMAD_SA_STATUS_REQ_DENIED:
    case UMAD_SA_STATUS_PRI_SUGGESTED:
        return ENOENT;
    default:
        return EPROTO;
    }
}

uint32_t
ib_mtu_code_to_bytes(uint8_t code)
{
    return code >= 1 && code <= 5 ? 128u << code : 0;
}

uint8_t
ib_mtu_bytes_to_code(uint32_t bytes)
{
    for (uint8_t code = 1; code <= 5; code++) {
        if (ib_mtu_code_to_bytes(code) == bytes) {
            return code;
        }
    }
    return 0;
}
