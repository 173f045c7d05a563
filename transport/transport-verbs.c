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

/* The "verbs" transport: an InfiniBand HCA port through rdma-core's
 * libibverbs, with SA requests through libibumad (ib-sa-client.h).
 *
 * This file holds the class and its control path: opening the device (and
 * retrying while it cannot be opened), the device's asynchronous events,
 * port state, and SA requests mapped to IPOIB_EV_* events.  The data path
 * is in verbs-datapath.c, QPs in verbs-qp.c, the device in verbs-device.c.
 *
 * The port never makes ovs-vswitchd fail: whatever goes wrong (no such
 * device or port, no subnet manager, a port going down, a fatal device
 * error) leaves the port DOWN with a message from get_error(), and run()
 * keeps trying until the cause is gone.
 *
 * Offloads by HCA generation (see verbs-offload.h): ConnectX-3 (mlx4)
 * checksums UD datagrams and may segment them (LSO) when the device says
 * so; ConnectX-4 and later (mlx5) report no offloads for a plain UD QP,
 * so the netdev does checksums and segmentation itself there (their
 * source-QPN underlay path is not implemented, see verbs-offload.h). */

#include <config.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "transport/ib-sa-client.h"
#include "transport/verbs-private.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(transport_verbs);

#define REOPEN_MSEC 2000            /* Retry opening a device this often. */
#define RECOVER_RETRY_MSEC 1000     /* Retry resetting a broken QP. */
#define QUERY_DOWN_MSEC 1000        /* Re-read a port that is not ACTIVE. */
#define QUERY_ACTIVE_MSEC 5000      /* Re-read an ACTIVE port. */
#define ASYNC_EVENTS_PER_RUN 64
#define SA_ANSWERS_PER_RUN 256
#define IPOIB_DEFAULT_QKEY 0x0b1b   /* Q_Key of groups we create. */

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void verbs_port_close_dev(struct ipoib_port *);
static void push_simple_event(struct ipoib_port *, enum ipoib_event_type);

/* Errors shown to the user. */

/* Sets the reason the port is not usable (NULL if it is) and logs it once
 * per change; a change is an IPOIB_EV_PORT_STATE event, so that the netdev
 * shows the new reason. */
static void
set_error(struct ipoib_port *port, char *error)
{
    if (!nullable_string_is_equal(error, port->error)) {
        push_simple_event(port, IPOIB_EV_PORT_STATE);
    }
    if (error && !nullable_string_is_equal(error, port->logged_error)) {
        VLOG_WARN("%s: %s", port->name, error);
        free(port->logged_error);
        port->logged_error = xstrdup(error);
    } else if (!error && port->logged_error) {
        free(port->logged_error);
        port->logged_error = NULL;
    }
    free(port->error);
    port->error = error;
}

/* IBA 1.4 PortPhysicalState values. */
static const char *
phys_state_hint(uint8_t phys_state)
{
    switch (phys_state) {
    case 2:
        return "polling for a peer: check the cable and the switch port";
    case 3:
        return "disabled";
    case 4:
        return "training the link";
    case 6:
        return "in link error recovery";
    case 7:
        return "in PHY test mode";
    default:
        return "no physical link";
    }
}

/* Returns why 'port', open and with attributes 'attr' and physical state
 * 'phys_state', cannot carry traffic, or NULL. */
static char *
port_state_error(const struct ipoib_port *port,
                 const struct ipoib_port_attr *attr, uint8_t phys_state)
{
    switch (attr->state) {
    case IPOIB_PORT_DOWN:
        return xasprintf("port %d of %s is down (%s)", port->port_num,
                         port->device, phys_state_hint(phys_state));
    case IPOIB_PORT_INIT:
        return xasprintf("port %d of %s has link but is %s: no subnet "
                         "manager has configured it (is opensm running on "
                         "the fabric?)", port->port_num, port->device,
                         attr->lid ? "not ACTIVE" : "INIT (no LID)");
    case IPOIB_PORT_ACTIVE:
    default:
        return NULL;
    }
}

/* Events. */

static void
push_event(struct ipoib_port *port, const struct ipoib_event *ev)
{
    if (!ipoib_event_queue_push(&port->events, ev)) {
        VLOG_WARN_RL(&rl, "%s: event queue full, event dropped", port->name);
    }
}

static void
push_simple_event(struct ipoib_port *port, enum ipoib_event_type type)
{
    struct ipoib_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = type;
    push_event(port, &ev);
}

/* Port state. */

static void
set_active(struct ipoib_port *port, bool active)
{
    ovs_mutex_lock(&port->tx_mutex);
    port->active = active;
    port->lid = port->attr.lid;
    port->tx_mtu = port->attr.ib_mtu;
    ovs_mutex_unlock(&port->tx_mutex);
}

/* Re-reads the port.  Pushes IPOIB_EV_PORT_STATE if anything the netdev
 * sees changed; a port that left ACTIVE loses its QPs, as the interface
 * promises. */
static void
refresh_port(struct ipoib_port *port)
{
    struct ipoib_port_attr new = port->attr;
    uint8_t phys_state = port->phys_state;
    int error;

    port->next_query = time_msec() + (port->attr.state == IPOIB_PORT_ACTIVE
                                      ? QUERY_ACTIVE_MSEC
                                      : QUERY_DOWN_MSEC);
    error = verbs_dev_query_port(port->dev, port->port_num, &new,
                                 &phys_state);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot query port %d of %s (%s)", port->name,
                     port->port_num, port->device, ovs_strerror(error));
        return;
    }
    new.rx_csum = port->dev->offloads.rx_csum;
    new.tx_csum = port->dev->offloads.tx_csum;
    new.max_lso = port->dev->offloads.max_lso;
    port->phys_state = phys_state;
    set_error(port, port_state_error(port, &new, phys_state));
    if (!memcmp(&new, &port->attr, sizeof new)) {
        return;
    }

    bool was_active = port->attr.state == IPOIB_PORT_ACTIVE;
    bool address_changed = (new.lid != port->attr.lid
                            || !ib_gid_equals(&new.gid, &port->attr.gid));
    if (was_active
        && (new.state != IPOIB_PORT_ACTIVE || address_changed)) {
        verbs_qp_destroy_all(port);
    }
    if (port->dev && (address_changed || new.sm_lid != port->attr.sm_lid)) {
        ovs_mutex_lock(&port->tx_mutex);
        verbs_tx_poll(port->dev, port);
        verbs_ah_cache_flush(&port->dev->ahs);
        ovs_mutex_unlock(&port->tx_mutex);
    }
    if (port->sa && new.state == IPOIB_PORT_ACTIVE) {
        ib_sa_client_refresh_port(port->sa);
    }
    port->attr = new;
    set_active(port, new.state == IPOIB_PORT_ACTIVE);
    push_simple_event(port, IPOIB_EV_PORT_STATE);
}

/* Opening and closing the device. */

static void
verbs_port_try_open(struct ipoib_port *port)
{
    struct ib_sa_client_config sa_cfg;
    struct verbs_dev *dev;
    char *error_msg;
    int error;

    port->next_open = time_msec() + REOPEN_MSEC;
    error = verbs_dev_open(port->device, port->port_num, &dev, &error_msg);
    if (error) {
        set_error(port, error_msg);
        return;
    }

    memset(&sa_cfg, 0, sizeof sa_cfg);
    sa_cfg.ca_name = verbs_dev_name(dev);
    sa_cfg.port_num = port->port_num;
    error = ib_sa_client_open(&sa_cfg, &port->sa);
    if (error) {
        set_error(port, xasprintf("cannot reach the subnet administrator "
                                  "through umad on %s port %d (%s): is the "
                                  "ib_umad module loaded and are the umad "
                                  "files in /dev/infiniband accessible?",
                                  port->device, port->port_num,
                                  ovs_strerror(error)));
        port->sa = NULL;
        verbs_dev_close(dev);
        return;
    }

    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    port->dev = dev;
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
    memset(&port->attr, 0, sizeof port->attr);
    port->attr.state = IPOIB_PORT_DOWN;
    port->phys_state = 0;
    refresh_port(port);
    if (port->attr.state == IPOIB_PORT_DOWN) {
        /* Nothing changed in refresh_port()'s eyes; say so anyway. */
        push_simple_event(port, IPOIB_EV_PORT_STATE);
    }
}

/* Answers every pending SA request with 'status' (the port went away). */
static void
fail_requests(struct ipoib_port *port, int status)
{
    struct verbs_request *req;

    HMAP_FOR_EACH_POP (req, node, &port->requests) {
        struct ipoib_event ev;

        memset(&ev, 0, sizeof ev);
        ev.status = status;
        if (req->type == VERBS_REQ_JOIN) {
            ev.type = IPOIB_EV_JOIN_DONE;
            ev.join.mgid = req->gid;
            push_event(port, &ev);
        } else if (req->type == VERBS_REQ_PATH) {
            ev.type = IPOIB_EV_PATH_DONE;
            ev.path.dgid = req->gid;
            ev.path.query_dlid = req->dlid;
            ev.path.pkey = req->pkey;
            push_event(port, &ev);
        }
        free(req);
    }
}

static void
verbs_port_close_dev(struct ipoib_port *port)
{
    struct verbs_dev *dev = port->dev;

    if (!dev) {
        return;
    }
    verbs_qp_destroy_all(port);
    ovs_mutex_lock(&port->rx_mutex);
    ovs_mutex_lock(&port->tx_mutex);
    port->ah_closed.hits += dev->ahs.n_hits;
    port->ah_closed.misses += dev->ahs.n_misses;
    port->ah_closed.evictions += dev->ahs.n_evictions;
    port->ah_closed.failures += dev->ahs.n_failures;
    port->dev = NULL;
    port->active = false;
    ovs_mutex_unlock(&port->tx_mutex);
    ovs_mutex_unlock(&port->rx_mutex);
    if (port->sa) {
        ib_sa_client_close(port->sa);
        port->sa = NULL;
    }
    fail_requests(port, ENETDOWN);
    verbs_dev_close(dev);
    free(port->sa_error);
    port->sa_error = NULL;
    port->next_open = time_msec() + REOPEN_MSEC;
}

/* Closes the device after a fatal error and reports the port DOWN; run()
 * opens it again. */
static void
reset_device(struct ipoib_port *port, const char *why)
{
    bool was_up = port->attr.state != IPOIB_PORT_DOWN;

    VLOG_WARN("%s: %s on %s: closing the device, will reopen it",
              port->name, why, port->device);
    verbs_port_close_dev(port);
    memset(&port->attr, 0, sizeof port->attr);
    port->attr.state = IPOIB_PORT_DOWN;
    set_error(port, xasprintf("%s on %s, reopening it", why, port->device));
    if (was_up) {
        push_simple_event(port, IPOIB_EV_PORT_STATE);
    }
}

/* Asynchronous events. */

static void
handle_async_event(struct ipoib_port *port, const struct ibv_async_event *ev)
{
    struct verbs_qp *qp;

    switch (ev->event_type) {
    case IBV_EVENT_PORT_ACTIVE:
    case IBV_EVENT_PORT_ERR:
    case IBV_EVENT_LID_CHANGE:
    case IBV_EVENT_PKEY_CHANGE:
    case IBV_EVENT_GID_CHANGE:
        if (ev->element.port_num == port->port_num) {
            VLOG_INFO("%s: %s", port->name,
                      ibv_event_type_str(ev->event_type));
            port->next_query = 0;
        }
        break;

    case IBV_EVENT_SM_CHANGE:
    case IBV_EVENT_CLIENT_REREGISTER:
        if (ev->element.port_num == port->port_num) {
            VLOG_INFO("%s: %s: joins are made again", port->name,
                      ibv_event_type_str(ev->event_type));
            if (port->sa) {
                ib_sa_client_refresh_port(port->sa);
            }
            port->next_query = 0;
            push_simple_event(port, IPOIB_EV_SM_CHANGE);
        }
        break;

    case IBV_EVENT_QP_FATAL:
    case IBV_EVENT_QP_REQ_ERR:
    case IBV_EVENT_QP_ACCESS_ERR:
        qp = verbs_qp_find_ibv(port, ev->element.qp);
        if (qp) {
            VLOG_WARN("%s: QP 0x%06"PRIx32": %s", port->name, qp->qpn,
                      ibv_event_type_str(ev->event_type));
            ovs_mutex_lock(&port->tx_mutex);
            verbs_qp_mark_broken(qp);
            ovs_mutex_unlock(&port->tx_mutex);
            port->have_broken_qps = true;
            port->next_recover = 0;
        }
        break;

    case IBV_EVENT_QP_LAST_WQE_REACHED:
        qp = verbs_qp_find_ibv(port, ev->element.qp);
        if (qp) {
            verbs_qp_note_last_wqe(port, qp);
        }
        break;

    case IBV_EVENT_SRQ_LIMIT_REACHED:
        break;                  /* Not armed; the ring refills anyway. */

    case IBV_EVENT_SRQ_ERR:
    case IBV_EVENT_CQ_ERR:
    case IBV_EVENT_DEVICE_FATAL:
    case IBV_EVENT_WQ_FATAL:
        /* Handled after the event is acknowledged. */
        break;

    case IBV_EVENT_COMM_EST:
    case IBV_EVENT_SQ_DRAINED:
    case IBV_EVENT_PATH_MIG:
    case IBV_EVENT_PATH_MIG_ERR:
    default:
        break;                  /* Connected-mode events: not for UD. */
    }
}

static void
run_async_events(struct ipoib_port *port)
{
    const char *fatal = NULL;

    for (int i = 0; i < ASYNC_EVENTS_PER_RUN && port->dev; i++) {
        struct ibv_async_event ev;

        if (ibv_get_async_event(port->dev->ctx, &ev)) {
            break;
        }
        handle_async_event(port, &ev);
        if (ev.event_type == IBV_EVENT_DEVICE_FATAL) {
            fatal = "fatal device error";
        } else if (ev.event_type == IBV_EVENT_SRQ_ERR) {
            fatal = "shared receive queue error";
        } else if (ev.event_type == IBV_EVENT_CQ_ERR) {
            fatal = "completion queue overrun";
        }
        /* Every event must be acknowledged before its object goes. */
        ibv_ack_async_event(&ev);
        if (fatal) {
            reset_device(port, fatal);
            return;
        }
    }
}

/* SA requests. */

static struct verbs_request *
find_request(const struct ipoib_port *port, uint64_t cookie)
{
    struct verbs_request *req;

    HMAP_FOR_EACH_WITH_HASH (req, node, hash_uint64(cookie),
                             &port->requests) {
        if (req->cookie == cookie) {
            return req;
        }
    }
    return NULL;
}

static struct verbs_request *
new_request(struct ipoib_port *port, enum verbs_request_type type)
{
    struct verbs_request *req;

    if (hmap_count(&port->requests) >= VERBS_MAX_REQUESTS) {
        return NULL;
    }
    req = xzalloc(sizeof *req);
    req->cookie = ++port->next_cookie;
    req->type = type;
    hmap_insert(&port->requests, &req->node, hash_uint64(req->cookie));
    return req;
}

static void
free_request(struct ipoib_port *port, struct verbs_request *req)
{
    hmap_remove(&port->requests, &req->node);
    free(req);
}

static struct verbs_group_template *
find_template(struct ipoib_port *port, uint16_t pkey, bool create)
{
    struct verbs_group_template *free_slot = NULL;

    for (size_t i = 0; i < VERBS_MAX_TEMPLATES; i++) {
        struct verbs_group_template *t = &port->templates[i];

        if (t->pkey == ib_pkey_partition(pkey)) {
            return t;
        }
        if (!t->pkey && !free_slot) {
            free_slot = t;
        }
    }
    if (create && free_slot) {
        free_slot->pkey = ib_pkey_partition(pkey);
        return free_slot;
    }
    return NULL;
}

/* The group IPoIB creates when a join finds none: like the partition's
 * broadcast group if we have joined one, else the port's MTU and
 * IPoIB's usual Q_Key. */
static void
make_create_template(struct ipoib_port *port, const struct verbs_request *req,
                     struct ipoib_mcast_group *group)
{
    const struct verbs_group_template *t = find_template(port, req->pkey,
                                                         false);

    memset(group, 0, sizeof *group);
    if (t) {
        *group = t->group;
    } else {
        group->qkey = IPOIB_DEFAULT_QKEY;
        group->ib_mtu = port->attr.ib_mtu;
        group->sl = 0;
    }
    group->mgid = req->gid;
    group->pkey = req->pkey | IB_PKEY_FULL_MEMBER;
    if (req->qkey) {
        group->qkey = req->qkey;
    }
}

static int
send_join(struct ipoib_port *port, struct verbs_request *req)
{
    struct ipoib_mcast_group create;

    if (req->with_create) {
        make_create_template(port, req, &create);
    }
    return ib_sa_join_mcast(port->sa, &port->attr.gid, &req->gid, req->pkey,
                            req->join_state,
                            req->with_create ? &create : NULL, req->cookie);
}

static bool
sa_ready(const struct ipoib_port *port)
{
    return port->sa && port->attr.state == IPOIB_PORT_ACTIVE;
}

/* Returns true if 'req' stays pending (resent with a create template). */
static bool
handle_join_answer(struct ipoib_port *port, struct verbs_request *req,
                   const struct ib_sa_answer *answer)
{
    struct ipoib_event ev;

    if (answer->status == ENOENT && !req->with_create) {
        /* No such group yet: create it, as IPoIB does. */
        req->with_create = true;
        if (!send_join(port, req)) {
            return true;
        }
    }
    memset(&ev, 0, sizeof ev);
    ev.type = IPOIB_EV_JOIN_DONE;
    ev.status = answer->status;
    if (!answer->status) {
        struct verbs_group_template *t;

        ev.join = answer->group;
        if (req->join_state == IPOIB_JOIN_FULL) {
            t = find_template(port, req->pkey, true);
            if (t) {
                t->group = answer->group;
            }
        }
    }
    ev.join.mgid = req->gid;
    push_event(port, &ev);
    return false;
}

static void
handle_path_answer(struct ipoib_port *port, const struct verbs_request *req,
                   const struct ib_sa_answer *answer)
{
    struct ipoib_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = IPOIB_EV_PATH_DONE;
    ev.status = answer->status;
    ev.path.dgid = req->gid;
    ev.path.query_dlid = req->dlid;
    ev.path.pkey = req->pkey;
    if (!answer->status) {
        ev.path.path = answer->path;
    }
    push_event(port, &ev);
}

static void
note_sa_status(struct ipoib_port *port, int status)
{
    if (status == ETIMEDOUT) {
        char *msg = xasprintf("the subnet administrator (SM LID %"PRIu16") "
                              "does not answer on %s port %d: is a subnet "
                              "manager running?",
                              ib_sa_client_sm_lid(port->sa), port->device,
                              port->port_num);
        if (!nullable_string_is_equal(msg, port->sa_error)) {
            VLOG_WARN("%s: %s", port->name, msg);
            push_simple_event(port, IPOIB_EV_PORT_STATE);
        }
        free(port->sa_error);
        port->sa_error = msg;
    } else if (port->sa_error) {
        VLOG_INFO("%s: the subnet administrator answers again", port->name);
        free(port->sa_error);
        port->sa_error = NULL;
        push_simple_event(port, IPOIB_EV_PORT_STATE);
    }
}

static void
run_sa(struct ipoib_port *port)
{
    struct ib_sa_answer answer;

    /* Only while requests wait for answers: a MAD that comes with none
     * pending is stale and may wait in the queue until the next request.
     * This also keeps idle loops clear of umad2sim (ibsim's umad shim for
     * tests), whose read() blocks instead of failing with EAGAIN. */
    if (!port->sa || !ib_sa_client_n_pending(port->sa)) {
        return;
    }
    ib_sa_client_run(port->sa);
    for (int i = 0; i < SA_ANSWERS_PER_RUN && port->sa; i++) {
        struct verbs_request *req;

        if (ib_sa_client_poll(port->sa, &answer)) {
            break;
        }
        note_sa_status(port, answer.status);
        req = find_request(port, answer.cookie);
        if (!req) {
            continue;
        }
        if (req->type == VERBS_REQ_JOIN
            && handle_join_answer(port, req, &answer)) {
            continue;
        }
        if (req->type == VERBS_REQ_PATH) {
            handle_path_answer(port, req, &answer);
        }
        free_request(port, req);
    }
}

/* The class. */

static int
verbs_open(const struct ipoib_port_config *cfg, struct ipoib_port **portp)
{
    struct ipoib_port *port;

    *portp = NULL;
    if (!cfg->device || !cfg->device[0] || cfg->port_num < 1
        || cfg->port_num > 254) {
        return EINVAL;
    }
    port = xzalloc(sizeof *port);
    port->name = xstrdup(cfg->name ? cfg->name : cfg->device);
    port->device = xstrdup(cfg->device);
    port->port_num = cfg->port_num;
    port->attr.state = IPOIB_PORT_DOWN;
    hmap_init(&port->requests);
    hmap_init(&port->qps);
    port->qp_error_seq = seq_create();
    port->qp_error_seqno = seq_read(port->qp_error_seq);
    ovs_mutex_init(&port->rx_mutex);
    ovs_mutex_init(&port->tx_mutex);

    /* A device that is missing now may come with its driver later (boot
     * order), so this is not an error for open(): the port stays DOWN,
     * says why, and run() tries again. */
    verbs_port_try_open(port);
    *portp = port;
    return 0;
}

static void
verbs_close(struct ipoib_port *port)
{
    if (!port) {
        return;
    }
    verbs_port_close_dev(port);
    hmap_destroy(&port->requests);
    hmap_destroy(&port->qps);
    seq_destroy(port->qp_error_seq);
    ovs_mutex_destroy(&port->rx_mutex);
    ovs_mutex_destroy(&port->tx_mutex);
    free(port->error);
    free(port->sa_error);
    free(port->logged_error);
    free(port->name);
    free(port->device);
    free(port);
}

/* Resets the QPs that an error event or the data path (a completion
 * error) marked broken; retries later those that cannot be reset yet. */
static void
run_recovery(struct ipoib_port *port, long long int now)
{
    uint64_t seqno = seq_read(port->qp_error_seq);

    if (seqno != port->qp_error_seqno
        || (port->have_broken_qps && now >= port->next_recover)) {
        port->qp_error_seqno = seqno;
        port->have_broken_qps = verbs_qp_recover_broken(port);
        port->next_recover = now + RECOVER_RETRY_MSEC;
    }
}

static void
verbs_run(struct ipoib_port *port)
{
    long long int now = time_msec();

    if (!port->dev) {
        if (now >= port->next_open) {
            verbs_port_try_open(port);
        }
        return;
    }
    run_async_events(port);
    if (!port->dev) {
        return;
    }
    if (now >= port->next_query) {
        refresh_port(port);
    }
    run_recovery(port, now);
    run_sa(port);
}

static void
verbs_wait(struct ipoib_port *port)
{
    if (!ipoib_event_queue_is_empty(&port->events)) {
        poll_immediate_wake();
    }
    if (!port->dev) {
        poll_timer_wait_until(port->next_open);
        return;
    }
    poll_fd_wait(port->dev->ctx->async_fd, POLLIN);
    poll_timer_wait_until(port->next_query);
    if (port->have_broken_qps) {
        poll_timer_wait_until(port->next_recover);
    }
    seq_wait(port->qp_error_seq, port->qp_error_seqno);
    if (port->sa && ib_sa_client_n_pending(port->sa)) {
        ib_sa_client_wait(port->sa);
    }
}

static int
verbs_poll_event(struct ipoib_port *port, struct ipoib_event *ev)
{
    return ipoib_event_queue_pop(&port->events, ev);
}

static void
verbs_query_port(struct ipoib_port *port, struct ipoib_port_attr *attr)
{
    *attr = port->attr;
}

static void
verbs_get_stats(struct ipoib_port *port, struct ipoib_port_stats *stats)
{
    struct verbs_counters *c = &port->counters;

    /* P_Key and Q_Key violations and receive-queue overruns are dropped by
     * the HCA without a completion: they are in the port's PMA counters
     * (perfquery), not visible to verbs, so they read 0 here. */
    memset(stats, 0, sizeof *stats);
    stats->rx_packets = ipoib_counter_get(&c->rx_packets);
    stats->rx_bytes = ipoib_counter_get(&c->rx_bytes);
    stats->tx_packets = ipoib_counter_get(&c->tx_packets);
    stats->tx_bytes = ipoib_counter_get(&c->tx_bytes);
    stats->rx_dropped_no_qp = ipoib_counter_get(&c->rx_dropped_no_qp);
    stats->rx_dropped_mtu = ipoib_counter_get(&c->rx_dropped_mtu);
    stats->rx_errors = ipoib_counter_get(&c->rx_errors);
    stats->tx_dropped = ipoib_counter_get(&c->tx_dropped);
    stats->tx_errors = ipoib_counter_get(&c->tx_errors);

    /* The open device's cache, which senders update under tx_mutex. */
    ovs_mutex_lock(&port->tx_mutex);
    const struct verbs_ah_cache *ahs = port->dev ? &port->dev->ahs : NULL;
    stats->ah_hits = port->ah_closed.hits + (ahs ? ahs->n_hits : 0);
    stats->ah_misses = port->ah_closed.misses + (ahs ? ahs->n_misses : 0);
    stats->ah_evictions = (port->ah_closed.evictions
                           + (ahs ? ahs->n_evictions : 0));
    stats->ah_failures = (port->ah_closed.failures
                          + (ahs ? ahs->n_failures : 0));
    ovs_mutex_unlock(&port->tx_mutex);
}

static int
verbs_create_qp(struct ipoib_port *port, uint16_t pkey, uint32_t qkey,
                uint32_t *qpnp)
{
    return verbs_qp_create(port, pkey, qkey, qpnp);
}

static void
verbs_destroy_qp(struct ipoib_port *port, uint32_t qpn)
{
    verbs_qp_destroy(port, qpn);
}

static int
verbs_attach_mcast(struct ipoib_port *port, uint32_t qpn,
                   const struct ib_gid *mgid, uint16_t mlid)
{
    return port->dev ? verbs_qp_attach_mcast(port, qpn, mgid, mlid)
                     : ENETDOWN;
}

static void
verbs_detach_mcast(struct ipoib_port *port, uint32_t qpn,
                   const struct ib_gid *mgid, uint16_t mlid)
{
    if (port->dev) {
        verbs_qp_detach_mcast(port, qpn, mgid, mlid);
    }
}

static int
verbs_join_mcast(struct ipoib_port *port, const struct ib_gid *mgid,
                 uint16_t pkey, uint32_t qkey, enum ipoib_join_state state)
{
    struct verbs_request *req;
    int error;

    if (!sa_ready(port)) {
        return ENETDOWN;
    }
    req = new_request(port, VERBS_REQ_JOIN);
    if (!req) {
        return ENOBUFS;
    }
    req->gid = *mgid;
    req->pkey = pkey;
    req->qkey = qkey;
    req->join_state = state;
    /* A join that names its Q_Key may create the group at once. */
    req->with_create = qkey != 0;
    error = send_join(port, req);
    if (error) {
        free_request(port, req);
    }
    return error;
}

static void
verbs_leave_mcast(struct ipoib_port *port, const struct ib_gid *mgid,
                  uint16_t pkey, enum ipoib_join_state state)
{
    struct verbs_request *req;

    if (!sa_ready(port)) {
        return;
    }
    req = new_request(port, VERBS_REQ_LEAVE);
    if (!req) {
        return;
    }
    req->gid = *mgid;
    req->pkey = pkey;
    req->join_state = state;
    if (ib_sa_leave_mcast(port->sa, &port->attr.gid, mgid, pkey, state,
                          req->cookie)) {
        free_request(port, req);
    }
}

static int
verbs_query_path(struct ipoib_port *port, const struct ib_gid *dgid,
                 uint16_t dlid, uint16_t pkey)
{
    struct verbs_request *req;
    int error;

    if (!sa_ready(port)) {
        return ENETDOWN;
    }
    req = new_request(port, VERBS_REQ_PATH);
    if (!req) {
        return ENOBUFS;
    }
    if (dgid) {
        req->gid = *dgid;
    } else {
        req->dlid = dlid;
    }
    req->pkey = pkey;
    error = ib_sa_query_path(port->sa, &port->attr.gid, dgid, dlid, pkey,
                             req->cookie);
    if (error) {
        free_request(port, req);
    }
    return error;
}

static const char *
verbs_get_error(struct ipoib_port *port)
{
    return port->error ? port->error : port->sa_error;
}

const struct ipoib_transport_class ipoib_transport_verbs = {
    .type = "verbs",
    .open = verbs_open,
    .close = verbs_close,
    .run = verbs_run,
    .wait = verbs_wait,
    .poll_event = verbs_poll_event,
    .query_port = verbs_query_port,
    .get_stats = verbs_get_stats,
    .create_qp = verbs_create_qp,
    .destroy_qp = verbs_destroy_qp,
    .attach_mcast = verbs_attach_mcast,
    .detach_mcast = verbs_detach_mcast,
    .join_mcast = verbs_join_mcast,
    .leave_mcast = verbs_leave_mcast,
    .query_path = verbs_query_path,
    .send = verbs_send,
    .recv = verbs_recv,
    .recv_wait = verbs_recv_wait,
    .get_error = verbs_get_error,
};
