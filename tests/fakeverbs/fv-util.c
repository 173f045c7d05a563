#include <config.h>
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

/* Small containers: a linked list and the ring of posted receives. */

#include "fv-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
fv_list_init(struct fv_list *list)
{
    list->prev = list->next = list;
}

void
fv_list_push_back(struct fv_list *list, struct fv_list *node)
{
    node->prev = list->prev;
    node->next = list;
    list->prev->next = node;
    list->prev = node;
}

void
fv_list_remove(struct fv_list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = node;
}

bool
fv_list_is_empty(const struct fv_list *list)
{
    return list->next == list;
}

int
fv_wqe_ring_init(struct fv_wqe_ring *ring, uint32_t size, uint32_t max_sge)
{
    memset(ring, 0, sizeof *ring);
    ring->size = size ? size : 1;
    ring->max_sge = max_sge ? max_sge : 1;
    ring->slots = calloc(ring->size, sizeof *ring->slots);
    ring->sges = calloc((size_t) ring->size * ring->max_sge,
                        sizeof *ring->sges);
    if (!ring->slots || !ring->sges) {
        fv_wqe_ring_destroy(ring);
        return ENOMEM;
    }
    for (uint32_t i = 0; i < ring->size; i++) {
        ring->slots[i].sge = &ring->sges[(size_t) i * ring->max_sge];
    }
    return 0;
}

void
fv_wqe_ring_destroy(struct fv_wqe_ring *ring)
{
    free(ring->slots);
    free(ring->sges);
    ring->slots = NULL;
    ring->sges = NULL;
}

/* Copies 'wr' (not its chain) into the ring.  The caller checked num_sge
 * against max_sge. */
int
fv_wqe_ring_push(struct fv_wqe_ring *ring, const struct ibv_recv_wr *wr)
{
    if (ring->count >= ring->size) {
        return ENOMEM;
    }
    if (wr->num_sge < 0 || (uint32_t) wr->num_sge > ring->max_sge) {
        return EINVAL;
    }
    struct fv_wqe *slot = &ring->slots[(ring->head + ring->count)
                                       % ring->size];
    slot->wr_id = wr->wr_id;
    slot->num_sge = wr->num_sge;
    memcpy(slot->sge, wr->sg_list, wr->num_sge * sizeof *wr->sg_list);
    ring->count++;
    return 0;
}

/* Pops the oldest receive into 'out', whose 'sge' must hold max_sge. */
bool
fv_wqe_ring_pop(struct fv_wqe_ring *ring, struct fv_wqe *out)
{
    if (!ring->count) {
        return false;
    }
    struct fv_wqe *slot = &ring->slots[ring->head];
    out->wr_id = slot->wr_id;
    out->num_sge = slot->num_sge;
    memcpy(out->sge, slot->sge, slot->num_sge * sizeof *slot->sge);
    ring->head = (ring->head + 1) % ring->size;
    ring->count--;
    return true;
}

/* Grows (or shrinks, down to what is posted) the ring, keeping order. */
int
fv_wqe_ring_resize(struct fv_wqe_ring *ring, uint32_t size)
{
    struct fv_wqe_ring bigger;
    struct ibv_sge sge[FV_MAX_SGE];
    struct fv_wqe wqe = { .sge = sge };

    if (size < ring->count) {
        return EINVAL;
    }
    int error = fv_wqe_ring_init(&bigger, size, ring->max_sge);
    if (error) {
        return error;
    }
    while (fv_wqe_ring_pop(ring, &wqe)) {
        struct ibv_recv_wr wr = {
            .wr_id = wqe.wr_id, .sg_list = wqe.sge, .num_sge = wqe.num_sge,
        };
        fv_wqe_ring_push(&bigger, &wr);
    }
    fv_wqe_ring_destroy(ring);
    *ring = bigger;
    return 0;
}

bool
fv_read_ctl_file(int dir_fd, const char *name, char *text, size_t size)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = read(fd, text, size - 1);
    close(fd);
    if (n <= 0) {
        return false;
    }
    text[n] = '\0';
    return true;
}
