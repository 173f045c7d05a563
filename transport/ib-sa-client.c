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
#include "transport/ib-sa-client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/umad.h>
#include <infiniband/umad_types.h>
#include <infiniband/umad_sa.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "transport/ib-sa-mad.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ib_sa_client);

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_MAX_TRIES 4

/* The SA is reached at QP1 with the well-known GSI Q_Key. */
#define GSI_QPN 1

/* A request waiting for its answer. */
struct sa_request {
    struct ovs_list list_node;      /* In ib_sa_client's 'pending'. */
    enum ib_sa_answer_type type;
    uint32_t tid;                   /* Low 32 bits of the transaction ID. */
    uint64_t cookie;
    struct ib_gid mgid;             /* Join and leave: the group. */
    int tries;                      /* Tries made so far. */
    long long int deadline;         /* time_msec() when this try is over. */
    uint8_t mad[IB_SA_MAD_LEN];
};

/* An answer for ib_sa_client_poll(). */
struct sa_answer {
    struct ovs_list list_node;      /* In ib_sa_client's 'answers'. */
    struct ib_sa_answer answer;
};

/* What the client remembers of a joined group, to create groups like it. */
struct sa_group {
    struct hmap_node hmap_node;     /* In ib_sa_client's 'groups'. */
    struct ib_gid mgid;
    uint8_t rate;                   /* Selector and rate code. */
    uint8_t tclass;
};

struct ib_sa_client {
    char *ca_name;
    int port_num;
    int timeout_ms;
    int max_tries;

    int portid;                     /* From umad_open_port(). */
    int agent;                      /* From umad_register(). */
    int fd;                         /* umad_get_fd(), for poll_fd_wait(). */

    uint16_t lid;
    uint16_t sm_lid;
    uint8_t sm_sl;
    int pkey_index;                 /* Default P_Key's index, for SA MADs. */

    /* Transaction IDs: only the low 32 bits come back unchanged. */
    uint32_t tid_high;
    uint32_t next_tid;

    struct ovs_list pending;        /* Contains "struct sa_request"s. */
    int n_pending;
    struct ovs_list answers;        /* Contains "struct sa_answer"s. */
    struct hmap groups;             /* Contains "struct sa_group"s. */

    struct ib_sa_client_stats stats;

    size_t umad_size;               /* Room for the umad header. */
    uint8_t *umad;                  /* 'umad_size' + IB_SA_MAD_LEN bytes. */
};

static void sa_send(struct ib_sa_client *, struct sa_request *);
static void sa_finish(struct ib_sa_client *, struct sa_request *, int status,
                      uint16_t sa_status, const struct ib_sa_mad_hdr *,
                      const uint8_t *mad, size_t len);

/* Reads the port's attributes into 'client'.  Returns 0 or a positive errno
 * value. */
static int
read_port(struct ib_sa_client *client)
{
    umad_port_t port;
    int error;

    memset(&port, 0, sizeof port);
    error = umad_get_port(client->ca_name, client->port_num, &port);
    if (error) {
        return error < 0 ? -error : ENODEV;
    }

    if (client->sm_lid != port.sm_lid) {
        VLOG_INFO("%s:%d: SM LID %u (was %u)", client->ca_name,
                  client->port_num, port.sm_lid, client->sm_lid);
    }
    client->lid = port.base_lid;
    client->sm_lid = port.sm_lid;
    client->sm_sl = port.sm_sl;

    /* SA MADs go out on the default partition, full or limited. */
    client->pkey_index = 0;
    for (unsigned int i = 0; port.pkeys && i < port.pkeys_size; i++) {
        if ((port.pkeys[i] & 0x7fff) == 0x7fff) {
            client->pkey_index = i;
            break;
        }
    }
    umad_release_port(&port);
    return 0;
}

int
ib_sa_client_open(const struct ib_sa_client_config *cfg,
                  struct ib_sa_client **clientp)
{
    struct ib_sa_client *client;
    int error;

    *clientp = NULL;
    if (umad_init() < 0) {
        return ENODEV;
    }

    client = xzalloc(sizeof *client);
    client->ca_name = xstrdup(cfg->ca_name);
    client->port_num = cfg->port_num;
    client->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms
                                             : DEFAULT_TIMEOUT_MS;
    client->max_tries = cfg->max_tries > 0 ? cfg->max_tries
                                           : DEFAULT_MAX_TRIES;
    client->portid = -1;
    client->agent = -1;
    client->fd = -1;
    client->tid_high = random_uint32();
    client->next_tid = random_uint32();
    ovs_list_init(&client->pending);
    ovs_list_init(&client->answers);
    hmap_init(&client->groups);
    /* umad_size() grows when umad_open_port() turns on the P_Key index
     * field, so take the larger layout. */
    client->umad_size = MAX(umad_size(), sizeof(struct ib_user_mad));
    client->umad = xzalloc(client->umad_size + IB_SA_MAD_LEN);

    /* libibumad says EIO or EINVAL for a CA or port that is not there. */
    if (read_port(client)) {
        error = ENODEV;
        goto error;
    }

    client->portid = umad_open_port(client->ca_name, client->port_num);
    if (client->portid < 0) {
        error = ENODEV;
        goto error;
    }
    client->agent = umad_register(client->portid, UMAD_CLASS_SUBN_ADM,
                                  UMAD_SA_CLASS_VERSION, 0, NULL);
    if (client->agent < 0) {
        error = -client->agent;
        VLOG_WARN("%s:%d: cannot register the SA class (%s)",
                  client->ca_name, client->port_num, ovs_strerror(error));
        goto error;
    }
    client->fd = umad_get_fd(client->portid);
    if (client->fd < 0) {
        error = ENODEV;
        goto error;
    }

    *clientp = client;
    return 0;

error:
    ib_sa_client_close(client);
    return error;
}

void
ib_sa_client_close(struct ib_sa_client *client)
{
    struct sa_request *req;
    struct sa_answer *ans;
    struct sa_group *group;

    if (!client) {
        return;
    }
    LIST_FOR_EACH_POP (req, list_node, &client->pending) {
        free(req);
    }
    LIST_FOR_EACH_POP (ans, list_node, &client->answers) {
        free(ans);
    }
    HMAP_FOR_EACH_POP (group, hmap_node, &client->groups) {
        free(group);
    }
    hmap_destroy(&client->groups);
    if (client->agent >= 0) {
        umad_unregister(client->portid, client->agent);
    }
    if (client->portid >= 0) {
        umad_close_port(client->portid);
    }
    free(client->umad);
    free(client->ca_name);
    free(client);
}

int
ib_sa_client_refresh_port(struct ib_sa_client *client)
{
    return read_port(client);
}

uint16_t
ib_sa_client_sm_lid(const struct ib_sa_client *client)
{
    return client->sm_lid;
}

int
ib_sa_client_n_pending(const struct ib_sa_client *client)
{
    return client->n_pending;
}

void
ib_sa_client_get_stats(const struct ib_sa_client *client,
                       struct ib_sa_client_stats *stats)
{
    *stats = client->stats;
}

static struct sa_group *
find_group(const struct ib_sa_client *client, const struct ib_gid *mgid)
{
    struct sa_group *group;

    HMAP_FOR_EACH_WITH_HASH (group, hmap_node,
                             hash_bytes(mgid->b, IB_GID_LEN, 0),
                             &client->groups) {
        if (ib_gid_equals(&group->mgid, mgid)) {
            return group;
        }
    }
    return NULL;
}

static void
remember_group(struct ib_sa_client *client, const struct ib_sa_mcmember *mcm)
{
    struct sa_group *group = find_group(client, &mcm->mgid);

    if (!group) {
        group = xzalloc(sizeof *group);
        group->mgid = mcm->mgid;
        hmap_insert(&client->groups, &group->hmap_node,
                    hash_bytes(mcm->mgid.b, IB_GID_LEN, 0));
    }
    group->rate = mcm->rate;
    group->tclass = mcm->tclass;
}

static void
forget_group(struct ib_sa_client *client, const struct ib_gid *mgid)
{
    struct sa_group *group = find_group(client, mgid);

    if (group) {
        hmap_remove(&client->groups, &group->hmap_node);
        free(group);
    }
}

/* Creates a pending request of 'type' whose MAD the caller then encodes
 * with the returned TID. */
static struct sa_request *
new_request(struct ib_sa_client *client, enum ib_sa_answer_type type,
            uint64_t cookie, uint64_t *tidp)
{
    struct sa_request *req = xzalloc(sizeof *req);

    req->type = type;
    req->cookie = cookie;
    req->tid = client->next_tid++;
    *tidp = ((uint64_t) client->tid_high << 32) | req->tid;
    ovs_list_push_back(&client->pending, &req->list_node);
    client->n_pending++;
    return req;
}

/* Sends one try of 'req' and starts its timer.  A try that cannot be sent
 * (no SM yet, send error) is left to time out like a lost one, so that a
 * request always ends after its tries. */
static void
sa_send(struct ib_sa_client *client, struct sa_request *req)
{
    int error;

    req->tries++;
    req->deadline = time_msec() + client->timeout_ms;

    if (!client->sm_lid) {
        client->stats.send_errors++;
        return;
    }

    memset(client->umad, 0, client->umad_size);
    memcpy(umad_get_mad(client->umad), req->mad, IB_SA_MAD_LEN);
    umad_set_addr(client->umad, client->sm_lid, GSI_QPN, client->sm_sl,
                  UMAD_QKEY);
    umad_set_pkey(client->umad, client->pkey_index);
    error = umad_send(client->portid, client->agent, client->umad,
                      IB_SA_MAD_LEN, 0, 0);
    if (error < 0) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        client->stats.send_errors++;
        VLOG_WARN_RL(&rl, "%s:%d: SA request not sent (%s)",
                     client->ca_name, client->port_num,
                     ovs_strerror(-error));
        return;
    }
    client->stats.sent++;
}

int
ib_sa_query_path(struct ib_sa_client *client, const struct ib_gid *sgid,
                 const struct ib_gid *dgid, uint16_t dlid, uint16_t pkey,
                 uint64_t cookie)
{
    struct ib_sa_path_rec pr;
    struct sa_request *req;
    uint64_t comp_mask;
    uint64_t tid;

    if (!dgid && !dlid) {
        return EINVAL;
    }

    memset(&pr, 0, sizeof pr);
    pr.sgid = *sgid;
    pr.pkey = pkey;
    pr.reversible = true;
    pr.numb_path = 1;
    comp_mask = (IB_SA_PR_COMP_SGID | IB_SA_PR_COMP_PKEY
                 | IB_SA_PR_COMP_REVERSIBLE | IB_SA_PR_COMP_NUMB_PATH);
    if (dgid) {
        pr.dgid = *dgid;
        comp_mask |= IB_SA_PR_COMP_DGID;
    } else {
        pr.dlid = dlid;
        comp_mask |= IB_SA_PR_COMP_DLID;
    }

    req = new_request(client, IB_SA_ANSWER_PATH, cookie, &tid);
    ib_sa_mad_encode_path(req->mad, UMAD_METHOD_GET, tid, comp_mask, &pr);
    sa_send(client, req);
    return 0;
}

int
ib_sa_join_mcast(struct ib_sa_client *client, const struct ib_gid *port_gid,
                 const struct ib_gid *mgid, uint16_t pkey,
                 enum ipoib_join_state join_state,
                 const struct ipoib_mcast_group *create, uint64_t cookie)
{
    struct ib_sa_mcmember mcm;
    struct sa_request *req;
    uint64_t comp_mask;
    uint64_t tid;

    memset(&mcm, 0, sizeof mcm);
    mcm.mgid = *mgid;
    mcm.port_gid = *port_gid;
    mcm.pkey = pkey;
    mcm.join_state = join_state;
    comp_mask = (IB_SA_MCM_COMP_MGID | IB_SA_MCM_COMP_PORT_GID
                 | IB_SA_MCM_COMP_PKEY | IB_SA_MCM_COMP_JOIN_STATE);

    if (create) {
        const struct sa_group *template = find_group(client, &create->mgid);
        uint8_t mtu_code = ib_mtu_bytes_to_code(create->ib_mtu);

        mcm.qkey = create->qkey;
        mcm.pkey = create->pkey;
        mcm.sl = create->sl;
        comp_mask |= (IB_SA_MCM_COMP_QKEY | IB_SA_MCM_COMP_SL
                      | IB_SA_MCM_COMP_TCLASS | IB_SA_MCM_COMP_FLOW_LABEL
                      | IB_SA_MCM_COMP_HOP_LIMIT);
        if (mtu_code) {
            mcm.mtu = (IB_SA_SEL_EXACTLY << IB_SA_SEL_SHIFT) | mtu_code;
            comp_mask |= IB_SA_MCM_COMP_MTU_SEL | IB_SA_MCM_COMP_MTU;
        }
        if (template) {
            mcm.tclass = template->tclass;
            mcm.rate = template->rate;
            comp_mask |= IB_SA_MCM_COMP_RATE_SEL | IB_SA_MCM_COMP_RATE;
        }
    }

    req = new_request(client, IB_SA_ANSWER_JOIN, cookie, &tid);
    req->mgid = *mgid;
    ib_sa_mad_encode_mcmember(req->mad, UMAD_METHOD_SET, tid, comp_mask,
                              &mcm);
    sa_send(client, req);
    return 0;
}

int
ib_sa_leave_mcast(struct ib_sa_client *client, const struct ib_gid *port_gid,
                  const struct ib_gid *mgid, uint16_t pkey,
                  enum ipoib_join_state join_state, uint64_t cookie)
{
    struct ib_sa_mcmember mcm;
    struct sa_request *req;
    uint64_t tid;

    memset(&mcm, 0, sizeof mcm);
    mcm.mgid = *mgid;
    mcm.port_gid = *port_gid;
    mcm.pkey = pkey;
    mcm.join_state = join_state;

    req = new_request(client, IB_SA_ANSWER_LEAVE, cookie, &tid);
    req->mgid = *mgid;
    ib_sa_mad_encode_mcmember(req->mad, UMAD_SA_METHOD_DELETE, tid,
                              (IB_SA_MCM_COMP_MGID | IB_SA_MCM_COMP_PORT_GID
                               | IB_SA_MCM_COMP_JOIN_STATE), &mcm);
    sa_send(client, req);
    return 0;
}

static struct sa_request *
find_request(const struct ib_sa_client *client, uint32_t tid)
{
    struct sa_request *req;

    LIST_FOR_EACH (req, list_node, &client->pending) {
        if (req->tid == tid) {
            return req;
        }
    }
    return NULL;
}

/* Fills in the body of the answer to 'req' from 'mad'.  Returns 0 or
 * EINVAL. */
static int
decode_answer(struct ib_sa_client *client, const struct sa_request *req,
              const struct ib_sa_mad_hdr *hdr, const uint8_t *mad,
              size_t len, struct ib_sa_answer *answer)
{
    struct ib_sa_path_rec pr;
    struct ib_sa_mcmember mcm;
    uint8_t expected_method = (req->type == IB_SA_ANSWER_LEAVE
                               ? UMAD_SA_METHOD_DELETE_RESP
                               : UMAD_METHOD_GET_RESP);

    if (hdr->method != expected_method) {
        return EINVAL;
    }

    switch (req->type) {
    case IB_SA_ANSWER_PATH:
        if (ib_sa_mad_decode_path(mad, len, &pr)) {
            return EINVAL;
        }
        answer->path.dgid = pr.dgid;
        answer->path.dlid = pr.dlid;
        answer->path.sl = pr.sl;
        answer->path.ib_mtu = ib_mtu_code_to_bytes(pr.mtu & IB_SA_VALUE_MASK);
        return 0;

    case IB_SA_ANSWER_JOIN:
    case IB_SA_ANSWER_LEAVE:
        if (ib_sa_mad_decode_mcmember(mad, len, &mcm)
            || !ib_gid_equals(&mcm.mgid, &req->mgid)) {
            return EINVAL;
        }
        answer->group.mgid = mcm.mgid;
        answer->group.mlid = mcm.mlid;
        answer->group.qkey = mcm.qkey;
        answer->group.ib_mtu = ib_mtu_code_to_bytes(mcm.mtu
                                                    & IB_SA_VALUE_MASK);
        answer->group.sl = mcm.sl;
        answer->group.pkey = mcm.pkey;
        if (req->type == IB_SA_ANSWER_JOIN) {
            remember_group(client, &mcm);
        } else {
            forget_group(client, &mcm.mgid);
        }
        return 0;
    }
    return EINVAL;
}

/* Ends 'req' with 'status', or, if it is 0, with the answer in 'mad', and
 * queues the answer for ib_sa_client_poll(). */
static void
sa_finish(struct ib_sa_client *client, struct sa_request *req, int status,
          uint16_t sa_status, const struct ib_sa_mad_hdr *hdr,
          const uint8_t *mad, size_t len)
{
    struct sa_answer *ans = xzalloc(sizeof *ans);

    ans->answer.type = req->type;
    ans->answer.cookie = req->cookie;
    ans->answer.sa_status = sa_status;
    if (req->type != IB_SA_ANSWER_PATH) {
        ans->answer.group.mgid = req->mgid;
    }
    if (!status && mad) {
        status = decode_answer(client, req, hdr, mad, len, &ans->answer);
        if (status) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            client->stats.malformed++;
            VLOG_WARN_RL(&rl, "%s:%d: malformed SA answer (method 0x%02x, "
                         "attribute 0x%04x, %"PRIuSIZE" bytes)",
                         client->ca_name, client->port_num, hdr->method,
                         hdr->attr_id, len);
        }
    }
    ans->answer.status = status;
    ovs_list_push_back(&client->answers, &ans->list_node);

    ovs_list_remove(&req->list_node);
    client->n_pending--;
    free(req);
}

/* Handles one received MAD of 'len' bytes. */
static void
handle_mad(struct ib_sa_client *client, const uint8_t *mad, size_t len)
{
    struct ib_sa_mad_hdr hdr;
    struct sa_request *req;
    int status;

    if (ib_sa_mad_decode_hdr(mad, len, &hdr)) {
        client->stats.malformed++;
        return;
    }
    req = find_request(client, (uint32_t) hdr.tid);
    if (!req) {
        client->stats.unmatched++;
        return;
    }

    status = ib_sa_status_to_errno(hdr.status);
    if (status == EAGAIN) {
        /* The SA is busy: the request's timer retransmits it. */
        client->stats.busy++;
        return;
    }
    client->stats.answers++;
    sa_finish(client, req, status, hdr.status, &hdr, status ? NULL : mad,
              len);
}

static void
receive_answers(struct ib_sa_client *client)
{
    /* Bounded, so that a flood cannot keep the caller here forever. */
    for (int i = 0; i < 64; i++) {
        int len = IB_SA_MAD_LEN;
        int retval;

        /* umad_recv() with timeout 0 should not block, but under
         * libumad2sim it does (a plain read()); ask first. */
        struct pollfd pfd = { .fd = client->fd, .events = POLLIN };
        if (poll(&pfd, 1, 0) <= 0) {
            return;
        }

        memset(client->umad, 0, client->umad_size);
        retval = umad_recv(client->portid, client->umad, &len, 0);
        if (retval < 0) {
            if (retval == -ENOSPC) {
                /* Longer than any MAD: umad_recv() left it queued, so there
                 * is no way past it but to stop reading this time. */
                client->stats.malformed++;
            }
            return;
        }
        if (umad_status(client->umad)) {
            /* A send completion with an error: we do not ask for those,
             * and our own timers handle lost requests. */
            continue;
        }
        handle_mad(client, umad_get_mad(client->umad), len);
    }
}

static void
handle_timeouts(struct ib_sa_client *client)
{
    long long int now = time_msec();
    struct sa_request *req;
    bool refreshed = false;

    LIST_FOR_EACH_SAFE (req, list_node, &client->pending) {
        if (req->deadline > now) {
            continue;
        }
        if (req->tries >= client->max_tries) {
            client->stats.timeouts++;
            sa_finish(client, req, ETIMEDOUT, 0, NULL, NULL, 0);
            continue;
        }
        if (!refreshed) {
            /* The SM may have moved (a standby took over): ask the port
             * again, once for all the requests that time out now. */
            read_port(client);
            refreshed = true;
        }
        client->stats.retries++;
        sa_send(client, req);
    }
}

void
ib_sa_client_run(struct ib_sa_client *client)
{
    receive_answers(client);
    handle_timeouts(client);
}

void
ib_sa_client_wait(struct ib_sa_client *client)
{
    const struct sa_request *req;
    long long int deadline = LLONG_MAX;

    if (!ovs_list_is_empty(&client->answers)) {
        poll_immediate_wake();
    }
    poll_fd_wait(client->fd, POLLIN);
    LIST_FOR_EACH (req, list_node, &client->pending) {
        deadline = MIN(deadline, req->deadline);
    }
    if (deadline != LLONG_MAX) {
        poll_timer_wait_until(deadline);
    }
}

int
ib_sa_client_poll(struct ib_sa_client *client, struct ib_sa_answer *answer)
{
    struct sa_answer *ans;

    if (ovs_list_is_empty(&client->answers)) {
        return EAGAIN;
    }
    ans = CONTAINER_OF(ovs_list_pop_front(&client->answers),
                       struct sa_answer, list_node);
    *answer = ans->answer;
    free(ans);
    return 0;
}
