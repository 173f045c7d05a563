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

/* Protection domains and memory regions. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>

FV_EXPORT struct ibv_pd *
ibv_alloc_pd(struct ibv_context *context)
{
    struct fv_context *ctx = fv_ctx(context);
    struct fv_pd *pd = calloc(1, sizeof *pd);

    if (!pd) {
        errno = ENOMEM;
        return NULL;
    }
    pd->pd.context = context;
    pthread_mutex_lock(&ctx->lock);
    pd->pd.handle = ctx->next_handle++;
    pthread_mutex_unlock(&ctx->lock);
    return &pd->pd;
}

FV_EXPORT int
ibv_dealloc_pd(struct ibv_pd *pd_)
{
    struct fv_context *ctx = fv_ctx(pd_->context);
    struct fv_pd *pd = FV_CONTAINER_OF(pd_, struct fv_pd, pd);

    pthread_mutex_lock(&ctx->lock);
    int refs = pd->refs;
    pthread_mutex_unlock(&ctx->lock);
    if (refs) {
        return EBUSY;
    }
    free(pd);
    return 0;
}

/* Caller holds the context lock, or is the only user. */
void
fv_pd_ref(struct ibv_pd *pd, int delta)
{
    FV_CONTAINER_OF(pd, struct fv_pd, pd)->refs += delta;
}

static struct ibv_mr *
reg_mr(struct ibv_pd *pd, void *addr, size_t length, unsigned int access)
{
    struct fv_context *ctx = fv_ctx(pd->context);

    /* Remote write and atomics need local write, as on hardware. */
    if ((access & (IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC))
        && !(access & IBV_ACCESS_LOCAL_WRITE)) {
        errno = EINVAL;
        return NULL;
    }
    if (!length || (!addr && !(access & IBV_ACCESS_ON_DEMAND))) {
        errno = EINVAL;
        return NULL;
    }

    struct fv_mr *mr = calloc(1, sizeof *mr);
    if (!mr) {
        errno = ENOMEM;
        return NULL;
    }
    mr->mr.context = pd->context;
    mr->mr.pd = pd;
    mr->mr.addr = addr;
    mr->mr.length = length;
    mr->access = access;

    pthread_mutex_lock(&ctx->lock);
    mr->mr.handle = ctx->next_handle++;
    /* Keys look arbitrary but are unique within the context. */
    mr->mr.lkey = (mr->mr.handle << 8) | 0x5a;
    mr->mr.rkey = mr->mr.lkey;
    fv_list_push_back(&ctx->mrs, &mr->node);
    fv_pd_ref(pd, 1);
    pthread_mutex_unlock(&ctx->lock);
    return &mr->mr;
}

#undef ibv_reg_mr
FV_EXPORT struct ibv_mr *
ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length, int access)
{
    return reg_mr(pd, addr, length, access);
}

#undef ibv_reg_mr_iova
FV_EXPORT struct ibv_mr *
ibv_reg_mr_iova(struct ibv_pd *pd, void *addr, size_t length,
                uint64_t iova, int access)
{
    /* Work requests carry virtual addresses: only iova == addr works. */
    if (iova != (uintptr_t) addr) {
        errno = EOPNOTSUPP;
        return NULL;
    }
    return reg_mr(pd, addr, length, access);
}

FV_EXPORT struct ibv_mr *
ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length,
                 uint64_t iova, unsigned int access)
{
    if (iova != (uintptr_t) addr) {
        errno = EOPNOTSUPP;
        return NULL;
    }
    return reg_mr(pd, addr, length, access & ~IBV_ACCESS_OPTIONAL_RANGE);
}

FV_EXPORT int
ibv_dereg_mr(struct ibv_mr *mr_)
{
    struct fv_context *ctx = fv_ctx(mr_->context);
    struct fv_mr *mr = FV_CONTAINER_OF(mr_, struct fv_mr, mr);

    pthread_mutex_lock(&ctx->lock);
    fv_list_remove(&mr->node);
    fv_pd_ref(mr_->pd, -1);
    pthread_mutex_unlock(&ctx->lock);
    free(mr);
    return 0;
}

FV_EXPORT int
ibv_rereg_mr(struct ibv_mr *mr FV_UNUSED, int flags FV_UNUSED,
             struct ibv_pd *pd FV_UNUSED, void *addr FV_UNUSED,
             size_t length FV_UNUSED, int access FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return IBV_REREG_MR_ERR_INPUT;
}

/* Caller holds the context lock. */
struct fv_mr *
fv_mr_find(struct fv_context *ctx, uint32_t lkey)
{
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->mrs) {
        struct fv_mr *mr = FV_CONTAINER_OF(node, struct fv_mr, node);
        if (mr->mr.lkey == lkey) {
            return mr;
        }
    }
    return NULL;
}

/* Whether 'sge' lies inside a region of 'pd' (with local write access if
 * 'write').  Caller holds the context lock. */
bool
fv_sge_ok(struct fv_context *ctx, const struct ibv_pd *pd,
          const struct ibv_sge *sge, bool write)
{
    struct fv_mr *mr = fv_mr_find(ctx, sge->lkey);

    if (!mr || mr->mr.pd != pd) {
        return false;
    }
    if (write && !(mr->access & IBV_ACCESS_LOCAL_WRITE)) {
        return false;
    }
    uintptr_t start = (uintptr_t) mr->mr.addr;
    return sge->addr >= start
           && sge->length <= mr->mr.length
           && sge->addr - start <= mr->mr.length - sge->length;
}
