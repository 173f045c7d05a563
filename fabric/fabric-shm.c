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
#include "fabric/fabric-shm.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fabric/fabric-ring.h"
#include "util.h"
#include "random.h"

/* How often a reader retries an entry that changes under it. */
#define SEQLOCK_TRIES 64

static uint64_t
align_up(uint64_t n, uint64_t align)
{
    return (n + align - 1) / align * align;
}

/* Fills in the layout numbers of 'hdr' from its limits. */
static void
compute_layout(struct fabric_shm_header *hdr)
{
    uint64_t ofs = align_up(sizeof *hdr, 4096);

    hdr->header_size = sizeof *hdr;
    hdr->slot_size = fabric_ring_slot_size();
    hdr->ports_ofs = ofs;
    ofs += align_up((uint64_t) hdr->max_ports * sizeof(struct fabric_shm_port),
                    FABRIC_CACHE_LINE);
    hdr->counters_ofs = ofs;
    ofs += align_up((uint64_t) hdr->max_ports
                    * sizeof(struct fabric_shm_counters), FABRIC_CACHE_LINE);
    hdr->groups_ofs = ofs;
    ofs += align_up((uint64_t) hdr->max_groups
                    * sizeof(struct fabric_shm_group), FABRIC_CACHE_LINE);
    hdr->rings_ofs = align_up(ofs, 4096);
    hdr->ring_size = align_up(fabric_ring_bytes(hdr->ring_slots), 4096);
    hdr->total_size = hdr->rings_ofs
                      + (hdr->max_ports + 1) * hdr->ring_size;
}

static bool
is_power_of_2(uint32_t n)
{
    return n && !(n & (n - 1));
}

static bool
limits_ok(uint32_t max_ports, uint32_t max_groups, uint32_t ring_slots)
{
    return (max_ports >= 1 && max_ports <= FABRIC_MAX_PORTS
            && max_groups >= 1 && max_groups <= FABRIC_MAX_GROUPS
            && ring_slots >= FABRIC_MIN_RING_SLOTS
            && ring_slots <= FABRIC_MAX_RING_SLOTS
            && is_power_of_2(ring_slots));
}

int
fabric_shm_create(struct fabric_shm *shm, uint32_t max_ports,
                  uint32_t max_groups, uint32_t ring_slots,
                  uint64_t subnet_prefix, const char *wake_dir)
{
    struct fabric_shm_header hdr;
    void *base;
    int fd;

    memset(shm, 0, sizeof *shm);
    shm->fd = -1;
    if (!limits_ok(max_ports, max_groups, ring_slots)
        || wake_dir[0] != '/' || strlen(wake_dir) >= FABRIC_WAKE_DIR_LEN) {
        return EINVAL;
    }

    memset(&hdr, 0, sizeof hdr);
    hdr.magic = FABRIC_SHM_MAGIC;
    hdr.version = FABRIC_SHM_VERSION;
    hdr.max_ports = max_ports;
    hdr.max_groups = max_groups;
    hdr.ring_slots = ring_slots;
    hdr.instance = random_uint64();
    hdr.subnet_prefix = subnet_prefix;
    ovs_strlcpy(hdr.wake_dir, wake_dir, sizeof hdr.wake_dir);
    compute_layout(&hdr);

    fd = memfd_create("ipoib-fabric", MFD_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    if (ftruncate(fd, hdr.total_size) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    base = mmap(NULL, hdr.total_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                fd, 0);
    if (base == MAP_FAILED) {
        int error = errno;
        close(fd);
        return error;
    }

    /* A fresh memfd reads as zeros: every port FREE, every group unused,
     * which is what zeroed rings need except their slot numbers. */
    memcpy(base, &hdr, sizeof hdr);
    shm->fd = fd;
    shm->base = base;
    shm->size = hdr.total_size;
    shm->hdr = base;
    shm->layout = hdr;
    for (uint32_t i = 0; i <= max_ports; i++) {
        struct fabric_ring_ref ref = {
            .ring = fabric_shm_ring(shm, i),
            .n_slots = ring_slots,
            .slot_size = hdr.slot_size,
        };
        fabric_ring_init(&ref);
    }
    return 0;
}

/* Checks a header found in a mapping of 'size' bytes: everything a client
 * computes offsets from must be what this code would compute itself. */
static bool
header_ok(const struct fabric_shm_header *found, size_t size)
{
    struct fabric_shm_header expect;

    if (found->magic != FABRIC_SHM_MAGIC
        || found->version != FABRIC_SHM_VERSION
        || found->header_size != sizeof *found
        || found->wake_dir[0] != '/'
        || !memchr(found->wake_dir, '\0', sizeof found->wake_dir)
        || !limits_ok(found->max_ports, found->max_groups,
                      found->ring_slots)) {
        return false;
    }
    memset(&expect, 0, sizeof expect);
    expect.max_ports = found->max_ports;
    expect.max_groups = found->max_groups;
    expect.ring_slots = found->ring_slots;
    compute_layout(&expect);
    return (expect.slot_size == found->slot_size
            && expect.ports_ofs == found->ports_ofs
            && expect.counters_ofs == found->counters_ofs
            && expect.groups_ofs == found->groups_ofs
            && expect.rings_ofs == found->rings_ofs
            && expect.ring_size == found->ring_size
            && expect.total_size == found->total_size
            && expect.total_size <= size);
}

int
fabric_shm_map(struct fabric_shm *shm, int fd)
{
    struct fabric_shm_header hdr;
    struct stat st;
    void *base;

    memset(shm, 0, sizeof *shm);
    shm->fd = -1;
    if (fstat(fd, &st) < 0) {
        return errno;
    }
    if (st.st_size < (off_t) sizeof hdr) {
        return EPROTO;
    }
    base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        return errno;
    }
    memcpy(&hdr, base, sizeof hdr);
    if (!header_ok(&hdr, st.st_size)) {
        munmap(base, st.st_size);
        return EPROTO;
    }
    shm->fd = fd;
    shm->base = base;
    shm->size = st.st_size;
    shm->hdr = base;
    shm->layout = hdr;
    return 0;
}

void
fabric_shm_unmap(struct fabric_shm *shm)
{
    if (shm->base) {
        munmap(shm->base, shm->size);
        shm->base = NULL;
    }
    if (shm->fd >= 0) {
        close(shm->fd);
        shm->fd = -1;
    }
}

struct fabric_shm_port *
fabric_shm_port(const struct fabric_shm *shm, uint32_t idx)
{
    ovs_assert(idx < shm->layout.max_ports);
    return ALIGNED_CAST(struct fabric_shm_port *,
                        (uint8_t *) shm->base + shm->layout.ports_ofs) + idx;
}

struct fabric_shm_counters *
fabric_shm_counters(const struct fabric_shm *shm, uint32_t idx)
{
    ovs_assert(idx < shm->layout.max_ports);
    uint8_t *counters = (uint8_t *) shm->base + shm->layout.counters_ofs;

    return ALIGNED_CAST(struct fabric_shm_counters *, counters) + idx;
}

struct fabric_shm_group *
fabric_shm_group(const struct fabric_shm *shm, uint32_t idx)
{
    ovs_assert(idx < shm->layout.max_groups);
    return ALIGNED_CAST(struct fabric_shm_group *,
                        (uint8_t *) shm->base + shm->layout.groups_ofs) + idx;
}

struct fabric_ring *
fabric_shm_ring(const struct fabric_shm *shm, uint32_t idx)
{
    ovs_assert(idx <= shm->layout.max_ports);
    return ALIGNED_CAST(struct fabric_ring *,
                        (uint8_t *) shm->base + shm->layout.rings_ofs
                        + idx * shm->layout.ring_size);
}

/* Copies 'size' bytes of the entry at 'src', whose first member is its
 * sequence lock, into 'dst'. */
static bool
seqlock_read(atomic_uint32_t *seqp, const void *src, void *dst, size_t size)
{
    for (int i = 0; i < SEQLOCK_TRIES; i++) {
        uint32_t before, after;

        before = atomic_load_explicit(seqp, memory_order_acquire);
        if (before & 1) {
            continue;
        }
        memcpy(dst, src, size);
        atomic_thread_fence(memory_order_acquire);
        after = atomic_load_explicit(seqp, memory_order_relaxed);
        if (before == after) {
            return true;
        }
    }
    return false;
}

static void
seqlock_write(atomic_uint32_t *seqp, void *dst, const void *src,
              size_t size)
{
    uint32_t seq = atomic_load_explicit(seqp, memory_order_relaxed);

    /* Copy everything after the lock word itself. */
    atomic_store_explicit(seqp, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memcpy((uint8_t *) dst + sizeof *seqp,
           (const uint8_t *) src + sizeof *seqp, size - sizeof *seqp);
    atomic_store_explicit(seqp, seq + 2, memory_order_release);
}

bool
fabric_shm_read_port(const struct fabric_shm *shm, uint32_t idx,
                     struct fabric_shm_port *port)
{
    struct fabric_shm_port *src;

    if (idx >= shm->layout.max_ports) {
        return false;
    }
    src = fabric_shm_port(shm, idx);
    if (!seqlock_read(&src->seq, src, port, sizeof *port)) {
        return false;
    }
    /* Clamp what a reader would index with. */
    if (port->n_pkeys > IPOIB_MAX_PKEYS) {
        port->n_pkeys = IPOIB_MAX_PKEYS;
    }
    port->name[sizeof port->name - 1] = '\0';
    return true;
}

bool
fabric_shm_read_group(const struct fabric_shm *shm, uint32_t idx,
                      struct fabric_shm_group *group)
{
    struct fabric_shm_group *src;

    if (idx >= shm->layout.max_groups) {
        return false;
    }
    src = fabric_shm_group(shm, idx);
    return seqlock_read(&src->seq, src, group, sizeof *group);
}

void
fabric_shm_write_port(struct fabric_shm *shm, uint32_t idx,
                      const struct fabric_shm_port *port)
{
    struct fabric_shm_port *dst = fabric_shm_port(shm, idx);

    seqlock_write(&dst->seq, dst, port, sizeof *port);
}

void
fabric_shm_write_group(struct fabric_shm *shm, uint32_t idx,
                       const struct fabric_shm_group *group)
{
    struct fabric_shm_group *dst = fabric_shm_group(shm, idx);

    seqlock_write(&dst->seq, dst, group, sizeof *group);
}

bool
fabric_lid_to_port(const struct fabric_shm *shm, uint16_t lid,
                   uint32_t *idx)
{
    if (lid < FABRIC_FIRST_LID
        || lid - FABRIC_FIRST_LID >= shm->layout.max_ports) {
        return false;
    }
    *idx = lid - FABRIC_FIRST_LID;
    return true;
}

bool
fabric_mlid_to_group(const struct fabric_shm *shm, uint16_t mlid,
                     uint32_t *idx)
{
    if (mlid < FABRIC_FIRST_MLID
        || mlid - FABRIC_FIRST_MLID >= shm->layout.max_groups) {
        return false;
    }
    *idx = mlid - FABRIC_FIRST_MLID;
    return true;
}

void
fabric_shm_wake_prefix(const struct fabric_shm *shm, char prefix[16])
{
    snprintf(prefix, 16, "%08"PRIx32"-", (uint32_t) shm->layout.instance);
}

size_t
fabric_shm_wake_name(const struct fabric_shm *shm, uint32_t idx,
                     uint32_t generation, char *sun_path)
{
    char prefix[16];
    int n;

    /* The header was checked at map time: 'wake_dir' is short enough and
     * ends in a NUL. */
    fabric_shm_wake_prefix(shm, prefix);
    n = snprintf(sun_path, FABRIC_WAKE_NAME_LEN, "%s/%s%"PRIu32"-%"PRIu32,
                 shm->layout.wake_dir, prefix, idx, generation);
    return MIN(n + 1, FABRIC_WAKE_NAME_LEN);
}
