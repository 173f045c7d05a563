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

/* Address handles and multicast attachment. */

#include "fv-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

FV_EXPORT struct ibv_ah *
ibv_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
    struct fv_context *ctx = fv_ctx(pd->context);

    if (attr->port_num != 1
        || (attr->is_global && attr->grh.sgid_index != 0)) {
        errno = EINVAL;
        return NULL;
    }
    struct fv_ah *ah = calloc(1, sizeof *ah);
    if (!ah) {
        errno = ENOMEM;
        return NULL;
    }
    ah->ah.context = pd->context;
    ah->ah.pd = pd;
    ah->attr = *attr;

    pthread_mutex_lock(&ctx->lock);
    ah->ah.handle = ctx->next_handle++;
    fv_pd_ref(pd, 1);
    pthread_mutex_unlock(&ctx->lock);
    return &ah->ah;
}

FV_EXPORT int
ibv_destroy_ah(struct ibv_ah *ah)
{
    struct fv_context *ctx = fv_ctx(ah->context);

    pthread_mutex_lock(&ctx->lock);
    fv_pd_ref(ah->pd, -1);
    pthread_mutex_unlock(&ctx->lock);
    free(FV_CONTAINER_OF(ah, struct fv_ah, ah));
    return 0;
}

FV_EXPORT int
ibv_init_ah_from_wc(struct ibv_context *context FV_UNUSED, uint8_t port_num,
                    struct ibv_wc *wc, struct ibv_grh *grh,
                    struct ibv_ah_attr *attr)
{
    memset(attr, 0, sizeof *attr);
    attr->dlid = wc->slid;
    attr->sl = wc->sl;
    attr->src_path_bits = wc->dlid_path_bits;
    attr->port_num = port_num;
    if (wc->wc_flags & IBV_WC_GRH) {
        uint32_t vtf = be32toh(grh->version_tclass_flow);

        attr->is_global = 1;
        attr->grh.dgid = grh->sgid;
        attr->grh.flow_label = vtf & 0xfffff;
        attr->grh.traffic_class = (vtf >> 20) & 0xff;
        attr->grh.hop_limit = 0xff;
        attr->grh.sgid_index = 0;
    }
    return 0;
}

FV_EXPORT struct ibv_ah *
ibv_create_ah_from_wc(struct ibv_pd *pd, struct ibv_wc *wc,
                      struct ibv_grh *grh, uint8_t port_num)
{
    struct ibv_ah_attr attr;

    ibv_init_ah_from_wc(pd->context, port_num, wc, grh, &attr);
    return ibv_create_ah(pd, &attr);
}

static struct fv_mcast *
find_mcast(struct fv_qp *qp, const union ibv_gid *gid, uint16_t lid)
{
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &qp->mcast) {
        struct fv_mcast *m = FV_CONTAINER_OF(node, struct fv_mcast, node);
        if (m->lid == lid && !memcmp(&m->gid, gid, sizeof *gid)) {
            return m;
        }
    }
    return NULL;
}

FV_EXPORT int
ibv_attach_mcast(struct ibv_qp *qp_, const union ibv_gid *gid, uint16_t lid)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = FV_CONTAINER_OF(qp_, struct fv_qp, qp);
    int error = 0;

    if (gid->raw[0] != 0xff || lid < 0xc000 || lid == 0xffff) {
        return EINVAL;
    }
    pthread_mutex_lock(&ctx->lock);
    if (!find_mcast(qp, gid, lid)) {
        struct fv_mcast *m = calloc(1, sizeof *m);
        if (!m) {
            error = ENOMEM;
        } else {
            m->gid = *gid;
            m->lid = lid;
            error = fv_wire_mcast_join(ctx, qp, lid);
            if (error) {
                free(m);
            } else {
                fv_list_push_back(&qp->mcast, &m->node);
            }
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}

/* Whether another attachment of 'qp' still needs the MLID's group. */
static bool
mlid_still_used(struct fv_qp *qp, uint16_t lid)
{
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &qp->mcast) {
        if (FV_CONTAINER_OF(node, struct fv_mcast, node)->lid == lid) {
            return true;
        }
    }
    return false;
}

FV_EXPORT int
ibv_detach_mcast(struct ibv_qp *qp_, const union ibv_gid *gid, uint16_t lid)
{
    struct fv_context *ctx = fv_ctx(qp_->context);
    struct fv_qp *qp = FV_CONTAINER_OF(qp_, struct fv_qp, qp);
    int error = 0;

    pthread_mutex_lock(&ctx->lock);
    struct fv_mcast *m = find_mcast(qp, gid, lid);
    if (!m) {
        error = EINVAL;
    } else {
        fv_list_remove(&m->node);
        free(m);
        if (!mlid_still_used(qp, lid)) {
            fv_wire_mcast_leave(ctx, qp, lid);
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return error;
}
