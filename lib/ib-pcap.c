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

#include "lib/ib-pcap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "lib/ipoib-bytes.h"
#include "util.h"

/* Pcap file header magic numbers: microsecond and nanosecond timestamps. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4
#define PCAP_MAGIC_NSEC 0xa1b23c4d
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_FILE_HDR_LEN 24
#define PCAP_REC_HDR_LEN 16

/* The snapshot length the writer announces, and the largest record the
 * reader accepts (libpcap's own limit), so that a corrupt length cannot make
 * it allocate without bound. */
#define PCAP_WRITER_SNAPLEN 65535
#define PCAP_READER_MAX_RECORD 262144

/* ERF record header (all big-endian except the timestamp):
 *
 *     0: timestamp, 64-bit little-endian: seconds in the high 32 bits, a
 *        binary fraction of a second in the low 32 bits
 *     8: type (bit 7: an extension header follows)
 *     9: flags (bits 0-1: interface, bit 2: varying-length record)
 *    10: record length, header included, a multiple of 8
 *    12: loss counter
 *    14: wire length, of the packet only
 *
 * Each extension header is 8 bytes, bit 7 of its first byte saying whether
 * another one follows. */
#define ERF_HDR_LEN 16
#define ERF_EXT_HDR_LEN 8
#define ERF_TYPE_MASK 0x7f
#define ERF_TYPE_EXT_HDR 0x80
#define ERF_FLAG_VLEN 0x04
#define ERF_RLEN_ALIGN 8

#define USEC_PER_SEC 1000000LL
#define NSEC_PER_USEC 1000

struct ib_pcap_writer {
    FILE *file;
};

struct ib_pcap_reader {
    FILE *file;
    bool swapped;               /* File's byte order is not ours. */
    bool nsec;                  /* Timestamps in ns rather than us. */
    uint32_t linktype;
    uint8_t *record;            /* Buffer for one record... */
    size_t record_size;         /* ...of this many bytes. */
};

static void
put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

static uint32_t
get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

static uint64_t
get_le64(const uint8_t *p)
{
    return get_le32(p) | ((uint64_t) get_le32(p + 4) << 32);
}

/* Returns 0 if 'n' bytes were written to 'file', otherwise an errno. */
static int
write_all(FILE *file, const void *data, size_t n)
{
    errno = 0;
    if (fwrite(data, 1, n, file) != n) {
        return errno ? errno : EIO;
    }
    return 0;
}

/* The writer always writes little-endian files with microsecond
 * timestamps, as the real capture in the test suite is. */
struct ib_pcap_writer *
ib_pcap_writer_open(const char *file_name, int *errorp)
{
    uint8_t hdr[PCAP_FILE_HDR_LEN];
    FILE *file = fopen(file_name, "wb");

    if (!file) {
        *errorp = errno;
        return NULL;
    }

    put_le32(hdr, PCAP_MAGIC_USEC);
    put_le16(hdr + 4, PCAP_VERSION_MAJOR);
    put_le16(hdr + 6, PCAP_VERSION_MINOR);
    put_le32(hdr + 8, 0);                  /* Time zone offset. */
    put_le32(hdr + 12, 0);                 /* Timestamp accuracy. */
    put_le32(hdr + 16, PCAP_WRITER_SNAPLEN);
    put_le32(hdr + 20, IB_PCAP_LINKTYPE_ERF);

    int error = write_all(file, hdr, sizeof hdr);
    if (error) {
        fclose(file);
        *errorp = error;
        return NULL;
    }

    struct ib_pcap_writer *w = xmalloc(sizeof *w);
    w->file = file;
    *errorp = 0;
    return w;
}

int
ib_pcap_write(struct ib_pcap_writer *w, long long time_usec,
              const uint8_t *pkt, size_t len)
{
    long long sec = time_usec / USEC_PER_SEC;

    /* Both pcap and ERF keep seconds in 32 unsigned bits. */
    if (time_usec < 0 || sec > UINT32_MAX || len > IB_PCAP_MAX_PACKET) {
        return EINVAL;
    }

    long long usec = time_usec % USEC_PER_SEC;
    /* Rounded up to the next 2**-32 s, so that truncating it back to
     * microseconds (as the reader and capture tools do) gives 'usec'. */
    uint32_t frac = (((uint64_t) usec << 32) + USEC_PER_SEC - 1)
                    / USEC_PER_SEC;
    size_t caplen = ERF_HDR_LEN + len;
    uint8_t hdr[PCAP_REC_HDR_LEN + ERF_HDR_LEN];
    uint8_t *erf = hdr + PCAP_REC_HDR_LEN;

    put_le32(hdr, sec);
    put_le32(hdr + 4, usec);
    put_le32(hdr + 8, caplen);
    put_le32(hdr + 12, caplen);

    put_le32(erf, frac);
    put_le32(erf + 4, sec);
    erf[8] = IB_ERF_TYPE_INFINIBAND;
    erf[9] = ERF_FLAG_VLEN;
    /* Like capture hardware, the record length is rounded up to a multiple
     * of 8 while the pcap record holds only the packet itself. */
    ipoib_put_be16(erf + 10, ROUND_UP(caplen, ERF_RLEN_ALIGN));
    ipoib_put_be16(erf + 12, 0);                 /* Loss counter. */
    ipoib_put_be16(erf + 14, len);

    int error = write_all(w->file, hdr, sizeof hdr);
    return error ? error : write_all(w->file, pkt, len);
}

int
ib_pcap_flush(struct ib_pcap_writer *w)
{
    return fflush(w->file) ? errno : 0;
}

void
ib_pcap_writer_close(struct ib_pcap_writer *w)
{
    if (w) {
        fclose(w->file);
        free(w);
    }
}

/* Reads exactly 'n' bytes.  Returns 0, EOF if the file ends before the
 * first byte (when 'eof_ok'), EINVAL if it ends later, or an I/O errno. */
static int
read_exactly(FILE *file, void *buf, size_t n, bool eof_ok)
{
    size_t got;

    errno = 0;
    got = fread(buf, 1, n, file);

    if (got == n) {
        return 0;
    } else if (ferror(file)) {
        return errno ? errno : EIO;
    } else {
        return got == 0 && eof_ok ? EOF : EINVAL;
    }
}

static uint32_t
reader_get32(const struct ib_pcap_reader *r, const uint8_t *p)
{
    uint32_t v = get_le32(p);

    return r->swapped ? uint32_byteswap(v) : v;
}

/* Parses the pcap file header 'hdr' into 'r'.  Returns 0 or an errno. */
static int
parse_file_header(struct ib_pcap_reader *r, const uint8_t *hdr)
{
    uint32_t magic = get_le32(hdr);

    if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC) {
        r->swapped = false;
    } else if (uint32_byteswap(magic) == PCAP_MAGIC_USEC
               || uint32_byteswap(magic) == PCAP_MAGIC_NSEC) {
        r->swapped = true;
        magic = uint32_byteswap(magic);
    } else {
        return EINVAL;
    }
    r->nsec = magic == PCAP_MAGIC_NSEC;

    /* The link type's upper 16 bits carry FCS information; ignore them. */
    r->linktype = reader_get32(r, hdr + 20) & 0xffff;
    return (r->linktype == IB_PCAP_LINKTYPE_ERF
            || r->linktype == IB_PCAP_LINKTYPE_INFINIBAND
            ? 0 : EPROTONOSUPPORT);
}

struct ib_pcap_reader *
ib_pcap_reader_open(const char *file_name, int *errorp)
{
    uint8_t hdr[PCAP_FILE_HDR_LEN];
    FILE *file = fopen(file_name, "rb");

    if (!file) {
        *errorp = errno;
        return NULL;
    }

    struct ib_pcap_reader *r = xzalloc(sizeof *r);
    r->file = file;
    int error = read_exactly(file, hdr, sizeof hdr, false);
    if (!error) {
        error = parse_file_header(r, hdr);
    }
    if (error) {
        ib_pcap_reader_close(r);
        *errorp = error;
        return NULL;
    }
    *errorp = 0;
    return r;
}

/* Converts an ERF timestamp to microseconds since the epoch, truncating
 * as capture tools do when they fill in the pcap record header (the real
 * capture's headers agree with its ERF timestamps this way). */
static long long
erf_time_to_usec(uint64_t ts)
{
    uint64_t frac = ts & UINT32_MAX;

    return (long long) (ts >> 32) * USEC_PER_SEC
           + (long long) ((frac * USEC_PER_SEC) >> 32);
}

/* Finds the IB packet in the ERF record of 'caplen' bytes in r->record.
 * Returns 0 and sets '*pkt', '*len', '*usec'; EAGAIN for a record of another
 * type, to be skipped; or EINVAL. */
static int
parse_erf_record(const struct ib_pcap_reader *r, size_t caplen,
                 const uint8_t **pkt, size_t *len, long long *usec)
{
    const uint8_t *erf = r->record;

    if (caplen < ERF_HDR_LEN) {
        return EINVAL;
    }

    size_t hdr_len = ERF_HDR_LEN;
    for (bool more = erf[8] & ERF_TYPE_EXT_HDR; more;
         hdr_len += ERF_EXT_HDR_LEN) {
        if (caplen < hdr_len + ERF_EXT_HDR_LEN) {
            return EINVAL;
        }
        more = erf[hdr_len] & ERF_TYPE_EXT_HDR;
    }
    if ((erf[8] & ERF_TYPE_MASK) != IB_ERF_TYPE_INFINIBAND) {
        return EAGAIN;
    }

    /* The wire length excludes the padding that capture hardware may add
     * (and store) to reach the record length. */
    size_t avail = caplen - hdr_len;
    size_t wlen = ipoib_get_be16(erf + 14);
    *pkt = erf + hdr_len;
    *len = MIN(wlen, avail);
    *usec = erf_time_to_usec(get_le64(erf));
    return 0;
}

/* Reads the next record into r->record.  Returns 0 and its captured length
 * in '*caplen' and its pcap timestamp in '*usec', EOF, or an errno. */
static int
read_record(struct ib_pcap_reader *r, size_t *caplen, long long *usec)
{
    uint8_t hdr[PCAP_REC_HDR_LEN];
    int error = read_exactly(r->file, hdr, sizeof hdr, true);

    if (error) {
        return error;
    }

    uint32_t sec = reader_get32(r, hdr);
    uint32_t subsec = reader_get32(r, hdr + 4);
    uint32_t n = reader_get32(r, hdr + 8);
    if (n > PCAP_READER_MAX_RECORD) {
        return EINVAL;
    }
    if (n > r->record_size) {
        r->record = xrealloc(r->record, n);
        r->record_size = n;
    }
    *caplen = n;
    *usec = sec * USEC_PER_SEC + (r->nsec ? subsec / NSEC_PER_USEC : subsec);
    return read_exactly(r->file, r->record, n, false);
}

int
ib_pcap_read(struct ib_pcap_reader *r, uint8_t *buf, size_t size,
             size_t *len, long long *usec)
{
    for (;;) {
        const uint8_t *pkt;
        long long pkt_usec;
        size_t caplen;
        int error = read_record(r, &caplen, &pkt_usec);

        if (error) {
            return error;
        }
        if (r->linktype == IB_PCAP_LINKTYPE_ERF) {
            error = parse_erf_record(r, caplen, &pkt, len, &pkt_usec);
            if (error == EAGAIN) {
                continue;
            } else if (error) {
                return error;
            }
        } else {
            pkt = r->record;
            *len = caplen;
        }

        if (*len > size) {
            return EMSGSIZE;
        }
        memcpy(buf, pkt, *len);
        if (usec) {
            *usec = pkt_usec;
        }
        return 0;
    }
}

void
ib_pcap_reader_close(struct ib_pcap_reader *r)
{
    if (r) {
        fclose(r->file);
        free(r->record);
        free(r);
    }
}
