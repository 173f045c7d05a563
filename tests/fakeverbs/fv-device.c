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

/* The device: list, open/close and the device queries. */

#include "fv-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ibv_device fv_device;
static pthread_once_t device_once = PTHREAD_ONCE_INIT;

static void
device_init(void)
{
    const struct fv_config *cfg = fv_config();

    fv_device.node_type = IBV_NODE_CA;
    fv_device.transport_type = IBV_TRANSPORT_IB;
    snprintf(fv_device.name, sizeof fv_device.name, "%s", cfg->dev_name);
    snprintf(fv_device.dev_name, sizeof fv_device.dev_name, "uverbs0");
    snprintf(fv_device.dev_path, sizeof fv_device.dev_path,
             "/sys/class/infiniband_verbs/uverbs0");
    snprintf(fv_device.ibdev_path, sizeof fv_device.ibdev_path,
             "/sys/class/infiniband/%.64s", cfg->dev_name);
}

FV_EXPORT struct ibv_device **
ibv_get_device_list(int *num_devices)
{
    struct ibv_device **list = calloc(2, sizeof *list);

    pthread_once(&device_once, device_init);
    if (!list) {
        errno = ENOMEM;
        return NULL;
    }
    list[0] = &fv_device;
    if (num_devices) {
        *num_devices = 1;
    }
    return list;
}

FV_EXPORT void
ibv_free_device_list(struct ibv_device **list)
{
    free(list);
}

FV_EXPORT __be64
ibv_get_device_guid(struct ibv_device *device FV_UNUSED)
{
    return htobe64(fv_config()->node_guid);
}

FV_EXPORT int
ibv_get_device_index(struct ibv_device *device FV_UNUSED)
{
    return 0;
}

static int
ensure_fabric_dir(const char *dir)
{
    char mcast[PATH_MAX + 8];

    if (mkdir(dir, 0777) && errno != EEXIST) {
        return -1;
    }
    snprintf(mcast, sizeof mcast, "%s/mcast", dir);
    if (mkdir(mcast, 0777) && errno != EEXIST) {
        return -1;
    }
    return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int fv_query_port_op(struct ibv_context *, uint8_t port_num,
                            struct ibv_port_attr *, size_t len);
static int fv_query_device_ex_op(struct ibv_context *,
                                 const struct ibv_query_device_ex_input *,
                                 struct ibv_device_attr_ex *, size_t size);

static void
context_set_ops(struct fv_context *ctx)
{
    struct ibv_context_ops *ops = &ctx->vctx.context.ops;

    ops->poll_cq = fv_poll_cq;
    ops->req_notify_cq = fv_req_notify_cq;
    ops->post_send = fv_post_send;
    ops->post_recv = fv_post_recv;
    ops->post_srq_recv = fv_post_srq_recv;

    /* Only these extended ops: the other *_ex inlines then report
     * EOPNOTSUPP, as for a provider without them. */
    ctx->vctx.sz = sizeof ctx->vctx;
    ctx->vctx.query_port = fv_query_port_op;
    ctx->vctx.query_device_ex = fv_query_device_ex_op;
    ctx->vctx.create_qp_ex = fv_create_qp_ex_op;
    ctx->vctx.context.abi_compat = __VERBS_ABI_IS_EXTENDED;
}

FV_EXPORT struct ibv_context *
ibv_open_device(struct ibv_device *device)
{
    if (device != &fv_device) {
        errno = ENODEV;
        return NULL;
    }

    struct fv_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&ctx->lock, NULL);
    pthread_cond_init(&ctx->acked, NULL);
    fv_list_init(&ctx->async_queue);
    fv_list_init(&ctx->qps);
    fv_list_init(&ctx->mrs);
    ctx->lid = fv_config()->lid;
    ctx->next_qpn = 0x48;
    ctx->wake_fd = ctx->epoll_fd = ctx->inotify_fd = -1;

    struct ibv_context *context = &ctx->vctx.context;
    context->device = device;
    context->cmd_fd = -1;
    context->num_comp_vectors = 1;
    pthread_mutex_init(&context->mutex, NULL);
    context_set_ops(ctx);

    struct fv_port_ctl ctl;
    ctx->dir_fd = ensure_fabric_dir(fv_config()->dir);
    context->async_fd = fv_eventfd_create();
    if (ctx->dir_fd < 0 || context->async_fd < 0) {
        goto error;
    }
    fv_port_ctl_read(ctx->dir_fd, &ctl);
    ctx->port_state = ctl.state;
    ctx->sm_lid = ctl.sm_lid;
    ctx->lid = ctl.lid;
    if (fv_progress_start(ctx)) {
        goto error;
    }
    return context;

error:
    if (ctx->dir_fd >= 0) {
        close(ctx->dir_fd);
    }
    if (context->async_fd >= 0) {
        close(context->async_fd);
    }
    free(ctx);
    errno = ENODEV;
    return NULL;
}

FV_EXPORT int
ibv_close_device(struct ibv_context *context)
{
    struct fv_context *ctx = fv_ctx(context);
    struct fv_list *node, *next;

    fv_progress_stop(ctx);

    /* QPs the application did not destroy leave the fabric now, as their
     * kernel counterparts would; their memory stays the application's
     * leak. */
    pthread_mutex_lock(&ctx->lock);
    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->qps) {
        fv_wire_close(ctx, FV_CONTAINER_OF(node, struct fv_qp, node));
        fv_list_remove(node);
    }
    pthread_mutex_unlock(&ctx->lock);

    close(ctx->dir_fd);
    close(context->async_fd);
    FV_LIST_FOR_EACH_SAFE (node, next, &ctx->async_queue) {
        fv_list_remove(node);
        free(node);
    }
    pthread_mutex_destroy(&context->mutex);
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->acked);
    free(ctx);
    return 0;
}

static void
fill_device_attr(struct ibv_device_attr *attr)
{
    const struct fv_config *cfg = fv_config();

    memset(attr, 0, sizeof *attr);
    snprintf(attr->fw_ver, sizeof attr->fw_ver, "0.0.0");
    attr->node_guid = htobe64(cfg->node_guid);
    attr->sys_image_guid = htobe64(cfg->node_guid);
    attr->max_mr_size = UINT64_MAX;
    attr->page_size_cap = 0xfffff000;
    attr->max_qp = 65536;
    attr->max_qp_wr = FV_MAX_WR;
    attr->device_cap_flags = (IBV_DEVICE_BAD_PKEY_CNTR
                              | IBV_DEVICE_BAD_QKEY_CNTR
                              | IBV_DEVICE_PORT_ACTIVE_EVENT
                              | IBV_DEVICE_SYS_IMAGE_GUID
                              | IBV_DEVICE_SRQ_RESIZE
                              | IBV_DEVICE_N_NOTIFY_CQ);
    if (cfg->ipcsum) {
        attr->device_cap_flags |= IBV_DEVICE_UD_IP_CSUM;
    }
    attr->max_sge = FV_MAX_SGE;
    attr->max_cq = 65536;
    attr->max_cqe = FV_MAX_CQE;
    attr->max_mr = 1 << 20;
    attr->max_pd = 1 << 16;
    attr->atomic_cap = IBV_ATOMIC_NONE;
    attr->max_mcast_grp = 1 << 12;
    attr->max_mcast_qp_attach = 240;
    attr->max_total_mcast_qp_attach = 1 << 16;
    attr->max_ah = 1 << 20;
    attr->max_srq = 1 << 16;
    attr->max_srq_wr = FV_MAX_WR;
    attr->max_srq_sge = FV_MAX_SGE;
    attr->max_pkeys = cfg->n_pkeys;
    attr->local_ca_ack_delay = 16;
    attr->phys_port_cnt = 1;
}

FV_EXPORT int
ibv_query_device(struct ibv_context *context FV_UNUSED,
                 struct ibv_device_attr *attr)
{
    fill_device_attr(attr);
    return 0;
}

static int
fv_query_device_ex_op(struct ibv_context *context FV_UNUSED,
                      const struct ibv_query_device_ex_input *input,
                      struct ibv_device_attr_ex *attr, size_t size)
{
    struct ibv_device_attr_ex full;

    if (input && input->comp_mask) {
        return EINVAL;
    }
    memset(&full, 0, sizeof full);
    fill_device_attr(&full.orig_attr);
    full.device_cap_flags_ex = full.orig_attr.device_cap_flags;
    if (fv_config()->lso_max) {
        full.tso_caps.max_tso = fv_config()->lso_max;
        full.tso_caps.supported_qpts = 1u << IBV_QPT_UD;
    }
    full.phys_port_cnt_ex = 1;
    memcpy(attr, &full, size < sizeof full ? size : sizeof full);
    return 0;
}

static void
fill_port_attr(struct fv_context *ctx, struct ibv_port_attr *attr)
{
    const struct fv_config *cfg = fv_config();
    bool up = ctx->port_state == IBV_PORT_ACTIVE;

    memset(attr, 0, sizeof *attr);
    pthread_mutex_lock(&ctx->lock);
    attr->state = ctx->port_state;
    attr->lid = ctx->lid;
    attr->sm_lid = ctx->sm_lid;
    attr->qkey_viol_cntr = ctx->qkey_viol_cntr;
    attr->bad_pkey_cntr = ctx->bad_pkey_cntr;
    pthread_mutex_unlock(&ctx->lock);
    attr->max_mtu = IBV_MTU_4096;
    attr->active_mtu = cfg->mtu;
    attr->gid_tbl_len = 1;
    attr->port_cap_flags = (IBV_PORT_SYS_IMAGE_GUID_SUP | IBV_PORT_CM_SUP
                            | IBV_PORT_TRAP_SUP | IBV_PORT_NOTICE_SUP);
    attr->max_msg_sz = fv_mtu_bytes(cfg->mtu);
    attr->pkey_tbl_len = cfg->n_pkeys;
    attr->max_vl_num = 1;
    attr->subnet_timeout = 18;
    attr->active_width = 2;         /* 4X */
    attr->active_speed = 32;        /* EDR */
    attr->phys_state = up ? 5 : 3;  /* LinkUp : Disabled */
    attr->link_layer = IBV_LINK_LAYER_INFINIBAND;
}

static int
fv_query_port_op(struct ibv_context *context, uint8_t port_num,
                 struct ibv_port_attr *attr, size_t len)
{
    struct ibv_port_attr full;

    if (port_num != 1) {
        return EINVAL;
    }
    struct fv_context *ctx = fv_ctx(context);
    pthread_mutex_lock(&ctx->lock);
    bool dead = ctx->dead;
    pthread_mutex_unlock(&ctx->lock);
    if (dead) {
        return EIO;             /* As the kernel answers after a fatal. */
    }
    fill_port_attr(ctx, &full);
    memcpy(attr, &full, len < sizeof full ? len : sizeof full);
    return 0;
}

/* The exported symbol is the old ABI: its struct ends with 'flags'. */
#undef ibv_query_port
FV_EXPORT int
ibv_query_port(struct ibv_context *context, uint8_t port_num,
               struct _compat_ibv_port_attr *attr)
{
    return fv_query_port_op(context, port_num, (struct ibv_port_attr *) attr,
                            offsetof(struct ibv_port_attr, port_cap_flags2));
}

void
fv_port_gid(const struct fv_context *ctx FV_UNUSED, union ibv_gid *gid)
{
    gid->global.subnet_prefix = htobe64(fv_config()->gid_prefix);
    gid->global.interface_id = htobe64(fv_config()->port_guid);
}

FV_EXPORT int
ibv_query_gid(struct ibv_context *context, uint8_t port_num, int index,
              union ibv_gid *gid)
{
    if (port_num != 1 || index != 0) {
        errno = EINVAL;
        return -1;
    }
    fv_port_gid(fv_ctx(context), gid);
    return 0;
}

FV_EXPORT int
_ibv_query_gid_ex(struct ibv_context *context, uint32_t port_num,
                  uint32_t gid_index, struct ibv_gid_entry *entry,
                  uint32_t flags, size_t entry_size)
{
    if (flags || entry_size < sizeof *entry) {
        return EINVAL;
    }
    if (port_num != 1 || gid_index != 0) {
        return ENODATA;
    }
    memset(entry, 0, sizeof *entry);
    fv_port_gid(fv_ctx(context), &entry->gid);
    entry->port_num = 1;
    entry->gid_type = IBV_GID_TYPE_IB;
    return 0;
}

FV_EXPORT ssize_t
_ibv_query_gid_table(struct ibv_context *context,
                     struct ibv_gid_entry *entries, size_t max_entries,
                     uint32_t flags, size_t entry_size)
{
    if (flags || entry_size < sizeof *entries) {
        return -EINVAL;
    }
    if (!max_entries) {
        return -EINVAL;
    }
    return _ibv_query_gid_ex(context, 1, 0, entries, 0, entry_size)
           ? -EINVAL : 1;
}

/* Private in libibverbs, but ibv_devinfo calls it. */
FV_EXPORT int ibv_query_gid_type(struct ibv_context *, uint8_t port_num,
                                 unsigned int index, uint32_t *type);
int
ibv_query_gid_type(struct ibv_context *context FV_UNUSED, uint8_t port_num,
                   unsigned int index, uint32_t *type)
{
    if (port_num != 1 || index != 0) {
        errno = EINVAL;
        return -1;
    }
    *type = 0;                      /* IB / RoCE v1 */
    return 0;
}

uint16_t
fv_pkey_at(int index)
{
    const struct fv_config *cfg = fv_config();

    return index >= 0 && index < cfg->n_pkeys ? cfg->pkeys[index] : 0;
}

FV_EXPORT int
ibv_query_pkey(struct ibv_context *context FV_UNUSED, uint8_t port_num,
               int index, __be16 *pkey)
{
    if (port_num != 1 || index < 0 || index >= fv_config()->n_pkeys) {
        errno = EINVAL;
        return -1;
    }
    *pkey = htobe16(fv_pkey_at(index));
    return 0;
}

FV_EXPORT int
ibv_get_pkey_index(struct ibv_context *context FV_UNUSED, uint8_t port_num,
                   __be16 pkey)
{
    if (port_num == 1) {
        for (int i = 0; i < fv_config()->n_pkeys; i++) {
            if (fv_pkey_at(i) == be16toh(pkey)) {
                return i;
            }
        }
    }
    errno = ENOENT;
    return -1;
}
