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

#include "lib/ib-packet.h"

#include <errno.h>
#include <string.h>

#include "lib/ib-crc.h"
#include "lib/ipoib-bytes.h"

/* Fixed values of fields that ib_ud_headers does not carry. */
#define LRH_LVER 0              /* Link version. */
#define GRH_IPVER 6             /* GRH IP version. */
#define BTH_TVER 0              /* Transport header version. */

/* BTH byte 1 bits. */
#define BTH_SE 0x80             /* Solicited event. */
#define BTH_MIGREQ 0x40         /* Set by QPs in the "migrated" state, which
                                 * is every QP not using automatic path
                                 * migration (real HCAs send it set). */
#define BTH_PADCNT_SHIFT 4

static inline void
put24(uint8_t *p, uint32_t v)
{
    p[0] = v >> 16;
    p[1] = v >> 8;
    p[2] = v;
}

static inline uint32_t
get24(const uint8_t *p)
{
    return (p[0] << 16) | (p[1] << 8) | p[2];
}

void
ib_ud_headers_init(struct ib_ud_headers *h)
{
    memset(h, 0, sizeof *h);
    h->opcode = IB_OPCODE_UD_SEND_ONLY;
    h->hop_limit = 1;
    h->pkey = IB_DEFAULT_PKEY;
    h->qkey = IB_IPOIB_DEFAULT_QKEY;
}

static bool
is_ud_send(uint8_t opcode)
{
    return opcode == IB_OPCODE_UD_SEND_ONLY
           || opcode == IB_OPCODE_UD_SEND_ONLY_IMM;
}

/* Bytes from the LRH through the end of the DETH (or ImmDt). */
static size_t
ud_headers_len(const struct ib_ud_headers *h)
{
    return (IB_LRH_LEN + (h->has_grh ? IB_GRH_LEN : 0) + IB_BTH_LEN
            + IB_DETH_LEN
            + (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM ? IB_IMMDT_LEN : 0));
}

static size_t
pad_len(size_t payload_len)
{
    return (4 - (payload_len & 3)) & 3;
}

size_t
ib_ud_packet_len(const struct ib_ud_headers *h, size_t len)
{
    size_t hdr_len = ud_headers_len(h);

    if (len > IB_MAX_PKT_LEN
        || hdr_len + len + pad_len(len) + IB_ICRC_LEN > IB_MAX_PKT_LEN) {
        return 0;
    }
    return hdr_len + len + pad_len(len) + IB_ICRC_LEN + IB_VCRC_LEN;
}

static uint8_t *
put_lrh(uint8_t *p, const struct ib_ud_headers *h, size_t icrc_end)
{
    p[0] = ((h->vl & 0xf) << 4) | LRH_LVER;
    p[1] = ((h->sl & 0xf) << 4)
           | (h->has_grh ? IB_LNH_IBA_GLOBAL : IB_LNH_IBA_LOCAL);
    ipoib_put_be16(p + 2, h->dlid);
    ipoib_put_be16(p + 4, icrc_end / 4);     /* The 5 reserved bits stay zero. */
    ipoib_put_be16(p + 6, h->slid);
    return p + IB_LRH_LEN;
}

static uint8_t *
put_grh(uint8_t *p, const struct ib_ud_headers *h, size_t icrc_end)
{
    ipoib_put_be32(p, ((uint32_t) GRH_IPVER << 28) | ((uint32_t) h->tclass << 20)
             | (h->flow_label & 0xfffff));
    /* Payload length counts from the end of the GRH through the ICRC. */
    ipoib_put_be16(p + 4, icrc_end - IB_LRH_LEN - IB_GRH_LEN);
    p[6] = IB_GRH_NXTHDR_IBA;
    p[7] = h->hop_limit;
    memcpy(p + 8, h->sgid.b, IB_GID_LEN);
    memcpy(p + 24, h->dgid.b, IB_GID_LEN);
    return p + IB_GRH_LEN;
}

static uint8_t *
put_bth(uint8_t *p, const struct ib_ud_headers *h, size_t pad)
{
    p[0] = h->opcode;
    p[1] = (h->solicited ? BTH_SE : 0) | BTH_MIGREQ
           | (pad << BTH_PADCNT_SHIFT) | BTH_TVER;
    ipoib_put_be16(p + 2, h->pkey);
    p[4] = 0;                       /* resv8a. */
    put24(p + 5, h->dqpn);
    p[8] = 0;                       /* AckReq (never for UD), resv7. */
    put24(p + 9, h->psn);
    return p + IB_BTH_LEN;
}

static uint8_t *
put_deth(uint8_t *p, const struct ib_ud_headers *h)
{
    ipoib_put_be32(p, h->qkey);
    p[4] = 0;
    put24(p + 5, h->sqpn);
    p += IB_DETH_LEN;
    if (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM) {
        ipoib_put_be32(p, h->immediate);
        p += IB_IMMDT_LEN;
    }
    return p;
}

size_t
ib_ud_packet_build(const struct ib_ud_headers *h,
                   const void *payload, size_t len,
                   uint8_t *out, size_t out_size)
{
    size_t total = ib_ud_packet_len(h, len);

    if (!total || total > out_size || !is_ud_send(h->opcode)) {
        return 0;
    }

    size_t pad = pad_len(len);
    size_t icrc_end = total - IB_VCRC_LEN;
    size_t icrc_ofs = icrc_end - IB_ICRC_LEN;
    uint8_t *p = out;

    p = put_lrh(p, h, icrc_end);
    if (h->has_grh) {
        p = put_grh(p, h, icrc_end);
    }
    p = put_bth(p, h, pad);
    p = put_deth(p, h);
    if (len) {
        memcpy(p, payload, len);
    }
    memset(p + len, 0, pad);

    ib_icrc_store(out + icrc_ofs, ib_icrc_compute(out, icrc_ofs));
    ib_vcrc_store(out + icrc_end, ib_vcrc_compute(out, icrc_end));
    return total;
}

/* Parsing.
 *
 * The parser walks the packet with a cursor that never passes 'end', the
 * start of the ICRC (or of the VCRC, for raw packets). */

static void
clear_outputs(struct ib_ud_headers *h, const uint8_t **payload,
              size_t *payload_len, bool *icrc_ok, bool *vcrc_ok)
{
    memset(h, 0, sizeof *h);
    if (payload) {
        *payload = NULL;
    }
    if (payload_len) {
        *payload_len = 0;
    }
    if (icrc_ok) {
        *icrc_ok = false;
    }
    if (vcrc_ok) {
        *vcrc_ok = false;
    }
}

static void
get_lrh(const uint8_t *p, struct ib_ud_headers *h)
{
    h->vl = p[0] >> 4;
    h->sl = p[1] >> 4;
    h->dlid = ipoib_get_be16(p + 2);
    h->slid = ipoib_get_be16(p + 6);
}

/* Returns 0, EINVAL, or EPROTONOSUPPORT if no IBA transport follows. */
static int
get_grh(const uint8_t *p, size_t icrc_end, struct ib_ud_headers *h)
{
    uint32_t word0 = ipoib_get_be32(p);

    if (word0 >> 28 != GRH_IPVER
        || ipoib_get_be16(p + 4) != icrc_end - IB_LRH_LEN - IB_GRH_LEN) {
        return EINVAL;
    }
    h->has_grh = true;
    h->tclass = (word0 >> 20) & 0xff;
    h->flow_label = word0 & 0xfffff;
    h->hop_limit = p[7];
    memcpy(h->sgid.b, p + 8, IB_GID_LEN);
    memcpy(h->dgid.b, p + 24, IB_GID_LEN);
    return p[6] == IB_GRH_NXTHDR_IBA ? 0 : EPROTONOSUPPORT;
}

/* Returns the BTH pad count. */
static size_t
get_bth(const uint8_t *p, struct ib_ud_headers *h)
{
    h->opcode = p[0];
    h->solicited = (p[1] & BTH_SE) != 0;
    h->pkey = ipoib_get_be16(p + 2);
    h->dqpn = get24(p + 5);
    h->psn = get24(p + 9);
    return (p[1] >> BTH_PADCNT_SHIFT) & 3;
}

int
ib_ud_packet_parse(const uint8_t *pkt, size_t len, struct ib_ud_headers *h,
                   const uint8_t **payload, size_t *payload_len,
                   bool *icrc_ok, bool *vcrc_ok)
{
    clear_outputs(h, payload, payload_len, icrc_ok, vcrc_ok);
    if (len < IB_LRH_LEN + IB_VCRC_LEN) {
        return EINVAL;
    }

    /* The LRH's Packet Length must account for exactly 'len' bytes. */
    size_t vcrc_ofs = (ipoib_get_be16(pkt + 4) & 0x7ff) * 4;
    if (vcrc_ofs + IB_VCRC_LEN != len || vcrc_ofs < IB_LRH_LEN) {
        return EINVAL;
    }
    get_lrh(pkt, h);
    if (vcrc_ok) {
        *vcrc_ok = (ib_vcrc_compute(pkt, vcrc_ofs)
                    == ib_vcrc_load(pkt + vcrc_ofs));
    }

    uint8_t lnh = pkt[1] & 0x3;
    if (lnh == IB_LNH_RAW || lnh == IB_LNH_IP_NON_IBA) {
        return EPROTONOSUPPORT;
    }

    /* From here on there is an ICRC. */
    if (vcrc_ofs < IB_LRH_LEN + IB_ICRC_LEN) {
        return EINVAL;
    }
    size_t icrc_ofs = vcrc_ofs - IB_ICRC_LEN;
    const uint8_t *p = pkt + IB_LRH_LEN;
    const uint8_t *end = pkt + icrc_ofs;

    if (lnh == IB_LNH_IBA_GLOBAL) {
        if (end - p < IB_GRH_LEN) {
            return EINVAL;
        }
        int error = get_grh(p, vcrc_ofs, h);
        if (error) {
            return error;
        }
        p += IB_GRH_LEN;
    }

    if (end - p < IB_BTH_LEN) {
        return EINVAL;
    }
    size_t pad = get_bth(p, h);
    p += IB_BTH_LEN;
    if (icrc_ok) {
        *icrc_ok = (ib_icrc_compute(pkt, icrc_ofs)
                    == ib_icrc_load(pkt + icrc_ofs));
    }
    if (!is_ud_send(h->opcode)) {
        return EPROTONOSUPPORT;
    }

    size_t ext_len = IB_DETH_LEN
        + (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM ? IB_IMMDT_LEN : 0);
    if ((size_t) (end - p) < ext_len + pad) {
        return EINVAL;
    }
    h->qkey = ipoib_get_be32(p);
    h->sqpn = get24(p + 5);
    if (h->opcode == IB_OPCODE_UD_SEND_ONLY_IMM) {
        h->immediate = ipoib_get_be32(p + IB_DETH_LEN);
    }
    p += ext_len;

    if (payload) {
        *payload = p;
    }
    if (payload_len) {
        *payload_len = (end - p) - pad;
    }
    return 0;
}
