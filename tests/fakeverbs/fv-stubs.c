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

/* The rest of libibverbs' exported symbols.  Each must be defined here:
 * one left to the real library would run its code on our objects.  The
 * provider-facing ones (ibv_cmd_*, verbs_*) are never reached, since no
 * provider is loaded; they fail cleanly if they are. */

#include "fv-private.h"

#include <errno.h>
#include <stdio.h>

#define FV_STUB_INT(NAME) \
    FV_EXPORT int NAME(void); \
    int NAME(void) { return EOPNOTSUPP; }
#define FV_STUB_PTR(NAME) \
    FV_EXPORT void *NAME(void); \
    void *NAME(void) { errno = EOPNOTSUPP; return NULL; }
#define FV_STUB_VOID(NAME) \
    FV_EXPORT void NAME(void); \
    void NAME(void) { }

FV_STUB_INT(ibv_cmd_advise_mr)
FV_STUB_INT(ibv_cmd_alloc_dm)
FV_STUB_INT(ibv_cmd_alloc_mw)
FV_STUB_INT(ibv_cmd_alloc_pd)
FV_STUB_INT(ibv_cmd_attach_mcast)
FV_STUB_INT(ibv_cmd_close_xrcd)
FV_STUB_INT(ibv_cmd_create_ah)
FV_STUB_INT(ibv_cmd_create_counters)
FV_STUB_INT(ibv_cmd_create_cq)
FV_STUB_INT(ibv_cmd_create_cq_ex)
FV_STUB_INT(ibv_cmd_create_flow)
FV_STUB_INT(ibv_cmd_create_flow_action_esp)
FV_STUB_INT(ibv_cmd_create_qp)
FV_STUB_INT(ibv_cmd_create_qp_ex)
FV_STUB_INT(ibv_cmd_create_qp_ex2)
FV_STUB_INT(ibv_cmd_create_rwq_ind_table)
FV_STUB_INT(ibv_cmd_create_srq)
FV_STUB_INT(ibv_cmd_create_srq_ex)
FV_STUB_INT(ibv_cmd_create_wq)
FV_STUB_INT(ibv_cmd_dealloc_mw)
FV_STUB_INT(ibv_cmd_dealloc_pd)
FV_STUB_INT(ibv_cmd_dereg_mr)
FV_STUB_INT(ibv_cmd_destroy_ah)
FV_STUB_INT(ibv_cmd_destroy_counters)
FV_STUB_INT(ibv_cmd_destroy_cq)
FV_STUB_INT(ibv_cmd_destroy_flow)
FV_STUB_INT(ibv_cmd_destroy_flow_action)
FV_STUB_INT(ibv_cmd_destroy_qp)
FV_STUB_INT(ibv_cmd_destroy_rwq_ind_table)
FV_STUB_INT(ibv_cmd_destroy_srq)
FV_STUB_INT(ibv_cmd_destroy_wq)
FV_STUB_INT(ibv_cmd_detach_mcast)
FV_STUB_INT(ibv_cmd_free_dm)
FV_STUB_INT(ibv_cmd_get_context)
FV_STUB_INT(ibv_cmd_modify_cq)
FV_STUB_INT(ibv_cmd_modify_flow_action_esp)
FV_STUB_INT(ibv_cmd_modify_qp)
FV_STUB_INT(ibv_cmd_modify_qp_ex)
FV_STUB_INT(ibv_cmd_modify_srq)
FV_STUB_INT(ibv_cmd_modify_wq)
FV_STUB_INT(ibv_cmd_open_qp)
FV_STUB_INT(ibv_cmd_open_xrcd)
FV_STUB_INT(ibv_cmd_poll_cq)
FV_STUB_INT(ibv_cmd_post_recv)
FV_STUB_INT(ibv_cmd_post_send)
FV_STUB_INT(ibv_cmd_post_srq_recv)
FV_STUB_INT(ibv_cmd_query_context)
FV_STUB_INT(ibv_cmd_query_device_any)
FV_STUB_INT(ibv_cmd_query_mr)
FV_STUB_INT(ibv_cmd_query_port)
FV_STUB_INT(ibv_cmd_query_qp)
FV_STUB_INT(ibv_cmd_query_srq)
FV_STUB_INT(ibv_cmd_read_counters)
FV_STUB_INT(ibv_cmd_reg_dm_mr)
FV_STUB_INT(ibv_cmd_reg_dmabuf_mr)
FV_STUB_INT(ibv_cmd_reg_mr)
FV_STUB_INT(ibv_cmd_req_notify_cq)
FV_STUB_INT(ibv_cmd_rereg_mr)
FV_STUB_INT(ibv_cmd_resize_cq)

FV_STUB_INT(__ioctl_final_num_attrs)
FV_STUB_INT(execute_ioctl)
FV_STUB_INT(verbs_init_cq)
FV_STUB_INT(ibv_read_ibdev_sysfs_file)
FV_STUB_PTR(_verbs_init_and_alloc_context)
FV_STUB_PTR(verbs_open_device)
FV_STUB_VOID(__verbs_log)
FV_STUB_VOID(verbs_register_driver_34)
FV_STUB_VOID(verbs_set_ops)
FV_STUB_VOID(verbs_uninit_context)
FV_STUB_VOID(ibv_register_driver)

FV_EXPORT extern bool verbs_allow_disassociate_destroy;
bool verbs_allow_disassociate_destroy;

FV_EXPORT const char *ibv_get_sysfs_path(void);
const char *
ibv_get_sysfs_path(void)
{
    return "/sys";
}

FV_EXPORT int ibv_read_sysfs_file(const char *dir, const char *file,
                                  char *buf, size_t size);
int
ibv_read_sysfs_file(const char *dir FV_UNUSED, const char *file FV_UNUSED,
                    char *buf FV_UNUSED, size_t size FV_UNUSED)
{
    errno = ENOENT;
    return -1;
}

FV_EXPORT struct ibv_context *
ibv_import_device(int cmd_fd FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return NULL;
}

FV_EXPORT struct ibv_pd *
ibv_import_pd(struct ibv_context *context FV_UNUSED,
              uint32_t pd_handle FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return NULL;
}

FV_EXPORT void
ibv_unimport_pd(struct ibv_pd *pd FV_UNUSED)
{
}

FV_EXPORT struct ibv_mr *
ibv_import_mr(struct ibv_pd *pd FV_UNUSED, uint32_t mr_handle FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return NULL;
}

FV_EXPORT void
ibv_unimport_mr(struct ibv_mr *mr FV_UNUSED)
{
}

FV_EXPORT struct ibv_dm *
ibv_import_dm(struct ibv_context *context FV_UNUSED,
              uint32_t dm_handle FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return NULL;
}

FV_EXPORT void
ibv_unimport_dm(struct ibv_dm *dm FV_UNUSED)
{
}

FV_EXPORT struct ibv_mr *
ibv_reg_dmabuf_mr(struct ibv_pd *pd FV_UNUSED, uint64_t offset FV_UNUSED,
                  size_t length FV_UNUSED, uint64_t iova FV_UNUSED,
                  int fd FV_UNUSED, int access FV_UNUSED)
{
    errno = EOPNOTSUPP;
    return NULL;
}

FV_EXPORT struct ibv_qp_ex *
ibv_qp_to_qp_ex(struct ibv_qp *qp FV_UNUSED)
{
    return NULL;
}

FV_EXPORT int
ibv_query_qp_data_in_order(struct ibv_qp *qp FV_UNUSED,
                           enum ibv_wr_opcode op FV_UNUSED,
                           uint32_t flags FV_UNUSED)
{
    return 0;
}

FV_EXPORT int
ibv_set_ece(struct ibv_qp *qp FV_UNUSED, struct ibv_ece *ece FV_UNUSED)
{
    return EOPNOTSUPP;
}

FV_EXPORT int
ibv_query_ece(struct ibv_qp *qp FV_UNUSED, struct ibv_ece *ece FV_UNUSED)
{
    return EOPNOTSUPP;
}

FV_EXPORT int
ibv_resolve_eth_l2_from_gid(struct ibv_context *context FV_UNUSED,
                            struct ibv_ah_attr *attr FV_UNUSED,
                            uint8_t eth_mac[ETHERNET_LL_SIZE] FV_UNUSED,
                            uint16_t *vid FV_UNUSED)
{
    return EINVAL;
}
