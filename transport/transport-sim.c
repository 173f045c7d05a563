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

/* The "sim" transport: an HCA port on the simulated subnet of
 * ipoib-fabricd.
 *
 * Control traffic (attach, SA requests, port changes) goes over the
 * daemon's unix socket; data goes straight through the shared memory the
 * daemon hands out (see fabric/fabric-shm.h).
 *
 * Threads: the control functions run in one thread and publish what the
 * data path needs through RCU: an immutable "view" of the port (LID, GID,
 * P_Key table and the shared memory mapping), a table of QPs and an
 * immutable table of multicast attachments.  send() may run in several
 * threads at once; recv()/recv_wait() in one at a time. */

#include <config.h>
#include "transport/ipoib-transport.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "fabric/fabric-deliver.h"
#include "fabric/fabric-lso.h"
#include "fabric/fabric-proto.h"
#include "fabric/fabric-ring.h"
#include "fabric/fabric-shm.h"
#include "hash.h"
#include "lib/ipoib-tso.h"
#include "lib/ipoib-xlate.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "transport/ipoib-counter.h"
#include "transport/ipoib-event-queue.h"
#include "transport/sim-qp-table.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(transport_sim);

/* Like a real HCA, the first QPNs are reserved. */
#define FIRST_QPN 0x48
#define MAX_QPS 65536
#define MAX_ATTACHMENTS 4096
#define MAX_PENDING 1024
#define RECONNECT_MSEC 1000
#define MSGS_PER_RUN 64

/* A mapping of the daemon's shared memory and the socket that wakes our
 * receive ring in it.  Shared by views; unmapped with the last one. */
struct sim_map {
    struct fabric_shm shm;
    uint32_t idx;               /* Our slot and its generation, which */
    uint32_t generation;        /* name 'rx_wake_sock'. */
    int rx_wake_sock;
    struct ovs_refcount ref_cnt;
};

/* What the data path needs of the port; never changed once published. */
struct sim_view {
    struct sim_map *map;
    uint32_t idx;               /* Our directory slot = our ring. */
    uint32_t generation;
    uint16_t lid;
    uint32_t mtu;
    struct ib_gid gid;
    int n_pkeys;
    uint16_t pkeys[IPOIB_MAX_PKEYS];
    uint16_t pkey_mtu[IPOIB_MAX_PKEYS];
};

struct sim_attachment {
    uint32_t qpn;
    uint16_t mlid;
    struct ib_gid mgid;
};

/* Immutable once published. */
struct sim_attach_table {
    size_t n;
    struct sim_attachment entries[];
};

/* An SA request waiting for its answer. */
struct sim_request {
    uint32_t xid;
    uint32_t type;              /* FABRIC_MSG_JOIN or FABRIC_MSG_PATH. */
    struct ib_gid gid;          /* MGID, or DGID of a path query. */
    uint16_t dlid;
    uint16_t pkey;              /* Of a path query. */
};

enum sim_conn_state {
    SIM_DISCONNECTED,
    SIM_ATTACHING,              /* ATTACH sent, waiting for the reply. */
    SIM_ATTACHED,
};

struct sim_counters {
    atomic_uint64_t rx_packets, rx_bytes;
    atomic_uint64_t tx_packets, tx_bytes;
    atomic_uint64_t rx_dropped_no_qp;
    atomic_uint64_t rx_dropped_pkey;
    atomic_uint64_t rx_dropped_qkey;
    atomic_uint64_t rx_dropped_mtu;
    atomic_uint64_t tx_dropped;
};

struct ipoib_port {
    char *name;
    char *socket_path;
    uint64_t guid;              /* Claimed, or given by the daemon. */

    /* Control path (one thread). */
    enum sim_conn_state conn_state;
    int sock;
    long long int next_connect;
    uint32_t next_xid;
    struct ipoib_port_attr attr;
    struct sim_map *map;        /* Current mapping, NULL if none. */
    uint32_t idx;               /* Our directory slot in 'map'. */
    struct sim_request pending[MAX_PENDING];
    size_t n_pending;
    struct ipoib_event_queue events;
    uint32_t next_qpn;
    uint64_t overruns_base;     /* Of mappings gone by. */

    /* Shared with the data path. */
    OVSRCU_TYPE(struct sim_view *) view;
    OVSRCU_TYPE(struct sim_attach_table *) attachments;
    struct sim_qp_table qps;
    int tx_wake_sock;
    struct sim_counters counters;

    /* Receive side (one thread at a time). */
    struct sim_view *rx_view;   /* View the state below belongs to. */
    long long int stall_start;
    size_t fanout_pos;          /* Next attachment for a multicast slot. */
    bool fanout_matched;
    bool armed;                 /* need_wakeup set by recv_wait(). */
};

static void sim_disconnect(struct ipoib_port *, bool report);

/* Events. */

static void
push_event(struct ipoib_port *port, const struct ipoib_event *ev)
{
    if (!ipoib_event_queue_push(&port->events, ev)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: event queue full, event dropped",
                     port->name);
    }
}

static void
push_port_state_event(struct ipoib_port *port)
{
    struct ipoib_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = IPOIB_EV_PORT_STATE;
    push_event(port, &ev);
}

/* Mappings and views. */

static void
sim_map_unref(struct sim_map *map)
{
    if (map && ovs_refcount_unref_relaxed(&map->ref_cnt) == 1) {
        fabric_wake_socket_close(&map->shm, map->idx, map->generation,
                                 map->rx_wake_sock);
        fabric_shm_unmap(&map->shm);
        free(map);
    }
}

static void
sim_view_free(struct sim_view *view)
{
    sim_map_unref(view->map);
    free(view);
}

/* Publishes a view built from 'attr' (NULL if the port is not ACTIVE). */
static void
publish_view(struct ipoib_port *port, const struct fabric_msg_port_info *info)
{
    struct sim_view *old = ovsrcu_get_protected(struct sim_view *,
                                                &port->view);
    struct sim_view *view = NULL;

    if (port->map && info && info->state == IPOIB_PORT_ACTIVE) {
        view = xzalloc(sizeof *view);
        view->map = port->map;
        ovs_refcount_ref(&port->map->ref_cnt);
        view->idx = info->idx;
        view->generation = info->generation;
        view->lid = info->lid;
        view->mtu = info->mtu;
        view->gid = info->gid;
        view->n_pkeys = info->n_pkeys;
        memcpy(view->pkeys, info->pkeys, sizeof view->pkeys);
        memcpy(view->pkey_mtu, info->pkey_mtu, sizeof view->pkey_mtu);
    }
    ovsrcu_set(&port->view, view);
    if (old) {
        ovsrcu_postpone(sim_view_free, old);
    }
}

static void
set_attachments(struct ipoib_port *port, struct sim_attach_table *table)
{
    struct sim_attach_table *old
        = ovsrcu_get_protected(struct sim_attach_table *,
                               &port->attachments);

    ovsrcu_set(&port->attachments, table);
    if (old) {
        ovsrcu_postpone(free, old);
    }
}

static struct sim_attach_table *
get_attachments(const struct ipoib_port *port)
{
    return ovsrcu_get(struct sim_attach_table *, &port->attachments);
}

/* QPs. */

static bool
find_qp(const struct ipoib_port *port, uint32_t qpn, struct sim_qp *qp)
{
    return sim_qp_table_find(&port->qps, qpn, qp);
}

/* Destroys every QP and attachment: what a port loses in a DOWN/ACTIVE
 * cycle. */
static void
destroy_all_qps(struct ipoib_port *port)
{
    sim_qp_table_clear(&port->qps);
    set_attachments(port, NULL);
}

/* Applies attributes from the daemon.  Returns true if anything the
 * netdev sees changed. */
static bool
apply_port_info(struct ipoib_port *port,
                const struct fabric_msg_port_info *info)
{
    struct ipoib_port_attr new = port->attr;
    bool changed;

    new.state = info->state;
    new.lid = info->lid;
    new.sm_lid = info->sm_lid;
    new.gid = info->gid;
    new.ib_mtu = info->mtu;
    new.n_pkeys = info->n_pkeys;
    memcpy(new.pkeys, info->pkeys, sizeof new.pkeys);
    changed = memcmp(&new, &port->attr, sizeof new) != 0;

    if (port->attr.state == IPOIB_PORT_ACTIVE
        && new.state != IPOIB_PORT_ACTIVE) {
        destroy_all_qps(port);
    }
    port->attr = new;
    port->guid = info->guid;
    port->idx = info->idx;
    publish_view(port, info);
    return changed;
}

static bool
port_info_valid(const struct ipoib_port *port,
                const struct fabric_msg_port_info *info)
{
    return (info->n_pkeys <= IPOIB_MAX_PKEYS
            && info->state <= IPOIB_PORT_ACTIVE
            && (!port->map || info->idx < port->map->shm.layout.max_ports));
}

/* Connection to the daemon. */

static void
schedule_reconnect(struct ipoib_port *port)
{
    port->next_connect = time_msec() + RECONNECT_MSEC;
}

static void
try_connect(struct ipoib_port *port)
{
    struct fabric_msg_attach msg;
    struct sockaddr_un sun;
    int sock, error;

    if (strlen(port->socket_path) >= sizeof sun.sun_path) {
        schedule_reconnect(port);
        return;
    }
    sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        VLOG_WARN("%s: socket failed (%s)", port->name, ovs_strerror(errno));
        schedule_reconnect(port);
        return;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    ovs_strlcpy(sun.sun_path, port->socket_path, sizeof sun.sun_path);
    /* Connecting a unix socket completes or fails at once; a nonblocking
     * socket turns a full backlog into EAGAIN rather than a wait. */
    if (connect(sock, (struct sockaddr *) &sun, sizeof sun) < 0) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
        VLOG_DBG_RL(&rl, "%s: connect to %s failed (%s)", port->name,
                    port->socket_path, ovs_strerror(errno));
        close(sock);
        schedule_reconnect(port);
        return;
    }

    fabric_msg_init(&msg.hdr, FABRIC_MSG_ATTACH, port->next_xid++);
    msg.version = FABRIC_PROTO_VERSION;
    msg.guid = port->guid;
    ovs_strlcpy(msg.name, port->name, sizeof msg.name);
    error = fabric_msg_send(sock, &msg.hdr, -1);
    if (error) {
        VLOG_WARN("%s: attach request failed (%s)", port->name,
                  ovs_strerror(error));
        close(sock);
        schedule_reconnect(port);
        return;
    }
    port->sock = sock;
    port->conn_state = SIM_ATTACHING;
}

static void
handle_attach_reply(struct ipoib_port *port,
                    const struct fabric_msg_port_info *info, int shm_fd)
{
    struct sim_map *map;
    int error;

    if (info->status) {
        VLOG_WARN("%s: fabric refused attach (%s)", port->name,
                  ovs_strerror(info->status));
        goto fail;
    }
    if (shm_fd < 0) {
        VLOG_WARN("%s: attach reply without shared memory", port->name);
        goto fail;
    }

    map = xzalloc(sizeof *map);
    ovs_refcount_init(&map->ref_cnt);
    map->rx_wake_sock = -1;
    error = fabric_shm_map(&map->shm, shm_fd);
    if (error) {
        VLOG_WARN("%s: bad shared memory from fabric (%s)", port->name,
                  ovs_strerror(error));
        free(map);
        goto fail;
    }
    shm_fd = -1;                /* Owned by the mapping now. */
    if (info->idx >= map->shm.layout.max_ports
        || info->n_pkeys > IPOIB_MAX_PKEYS) {
        VLOG_WARN("%s: bad attach reply from fabric", port->name);
        sim_map_unref(map);
        goto fail;
    }
    map->idx = info->idx;
    map->generation = info->generation;
    map->rx_wake_sock = fabric_wake_socket_bind(&map->shm, info->idx,
                                                info->generation);
    if (map->rx_wake_sock < 0) {
        VLOG_WARN("%s: cannot bind wake-up socket (%s)", port->name,
                  ovs_strerror(-map->rx_wake_sock));
        map->rx_wake_sock = -1;
        sim_map_unref(map);
        goto fail;
    }

    port->map = map;
    port->conn_state = SIM_ATTACHED;
    apply_port_info(port, info);
    VLOG_INFO("%s: attached to fabric %s as LID %"PRIu16, port->name,
              port->socket_path, info->lid);
    push_port_state_event(port);
    return;

fail:
    if (shm_fd >= 0) {
        close(shm_fd);
    }
    sim_disconnect(port, false);
}

static struct sim_request *
find_pending(struct ipoib_port *port, uint32_t xid, uint32_t type)
{
    for (size_t i = 0; i < port->n_pending; i++) {
        if (port->pending[i].xid == xid && port->pending[i].type == type) {
            return &port->pending[i];
        }
    }
    return NULL;
}

static void
remove_pending(struct ipoib_port *port, struct sim_request *req)
{
    *req = port->pending[--port->n_pending];
}

static void
handle_join_reply(struct ipoib_port *port,
                  const struct fabric_msg_join_reply *reply)
{
    struct sim_request *req = find_pending(port, reply->hdr.xid,
                                           FABRIC_MSG_JOIN);
    struct ipoib_event ev;

    if (!req) {
        return;                 /* Not ours (any more). */
    }
    memset(&ev, 0, sizeof ev);
    ev.type = IPOIB_EV_JOIN_DONE;
    ev.status = reply->status;
    if (!reply->status) {
        ev.join = reply->group;
    }
    ev.join.mgid = req->gid;
    remove_pending(port, req);
    push_event(port, &ev);
}

static void
handle_path_reply(struct ipoib_port *port,
                  const struct fabric_msg_path_reply *reply)
{
    struct sim_request *req = find_pending(port, reply->hdr.xid,
                                           FABRIC_MSG_PATH);
    struct ipoib_event ev;

    if (!req) {
        return;
    }
    memset(&ev, 0, sizeof ev);
    ev.type = IPOIB_EV_PATH_DONE;
    ev.status = reply->status;
    ev.path.dgid = req->gid;
    ev.path.query_dlid = req->dlid;
    ev.path.pkey = req->pkey;
    if (!reply->status) {
        ev.path.path = reply->path;
    }
    remove_pending(port, req);
    push_event(port, &ev);
}

static void
handle_port_info(struct ipoib_port *port,
                 const struct fabric_msg_port_info *info)
{
    if (port->conn_state != SIM_ATTACHED || !port_info_valid(port, info)) {
        return;
    }
    if (apply_port_info(port, info)) {
        VLOG_INFO("%s: port is now %s", port->name,
                  info->state == IPOIB_PORT_ACTIVE ? "ACTIVE" : "DOWN");
        push_port_state_event(port);
    }
}

/* Handles one message.  Returns false if the connection must go. */
static bool
handle_message(struct ipoib_port *port, const void *buf, int fd)
{
    const struct fabric_msg_hdr *hdr = buf;

    switch (hdr->type) {
    case FABRIC_MSG_ATTACH_REPLY:
        if (port->conn_state != SIM_ATTACHING) {
            if (fd >= 0) {
                close(fd);
            }
            return false;
        }
        handle_attach_reply(port, buf, fd);
        return port->conn_state == SIM_ATTACHED;

    case FABRIC_MSG_PORT_INFO:
        handle_port_info(port, buf);
        return true;

    case FABRIC_MSG_JOIN_REPLY:
        handle_join_reply(port, buf);
        return true;

    case FABRIC_MSG_PATH_REPLY:
        handle_path_reply(port, buf);
        return true;

    default:
        return false;
    }
}

/* Fails every request still waiting for an answer. */
static void
fail_pending(struct ipoib_port *port)
{
    for (size_t i = 0; i < port->n_pending; i++) {
        const struct sim_request *req = &port->pending[i];
        struct ipoib_event ev;

        memset(&ev, 0, sizeof ev);
        ev.status = ECONNRESET;
        if (req->type == FABRIC_MSG_JOIN) {
            ev.type = IPOIB_EV_JOIN_DONE;
            ev.join.mgid = req->gid;
        } else {
            ev.type = IPOIB_EV_PATH_DONE;
            ev.path.dgid = req->gid;
            ev.path.query_dlid = req->dlid;
            ev.path.pkey = req->pkey;
        }
        push_event(port, &ev);
    }
    port->n_pending = 0;
}

static void
sim_disconnect(struct ipoib_port *port, bool report)
{
    bool was_active = port->attr.state == IPOIB_PORT_ACTIVE;

    if (port->sock >= 0) {
        close(port->sock);
        port->sock = -1;
    }
    port->conn_state = SIM_DISCONNECTED;
    schedule_reconnect(port);

    if (port->map) {
        struct fabric_ring *ring = fabric_shm_ring(&port->map->shm,
                                                   port->idx);

        port->overruns_base += atomic_load_explicit(&ring->overruns,
                                                    memory_order_relaxed);
    }
    destroy_all_qps(port);
    publish_view(port, NULL);
    if (port->map) {
        /* The data path may hold the mapping a while longer, but nobody
         * needs to wake us through it: remove the socket's name now, in
         * case we exit before RCU frees the mapping. */
        fabric_wake_socket_unlink(&port->map->shm, port->map->idx,
                                  port->map->generation);
        sim_map_unref(port->map);
        port->map = NULL;
    }
    port->attr.state = IPOIB_PORT_DOWN;
    fail_pending(port);
    if (report && was_active) {
        VLOG_WARN("%s: lost connection to fabric %s", port->name,
                  port->socket_path);
        push_port_state_event(port);
    }
}

static void
receive_messages(struct ipoib_port *port)
{
    for (int i = 0; i < MSGS_PER_RUN && port->sock >= 0; i++) {
        uint64_t buf[FABRIC_MSG_MAX / 8 + 1];
        int fd, error;

        error = fabric_msg_recv(port->sock, buf, &fd);
        if (error == EAGAIN) {
            return;
        } else if (error == EPROTO) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "%s: malformed message from fabric",
                         port->name);
            continue;
        } else if (error) {
            sim_disconnect(port, true);
            return;
        }
        if (!handle_message(port, buf, fd)) {
            sim_disconnect(port, true);
            return;
        }
    }
}

/* Copies our counters where the daemon shows them. */
static void
publish_counters(struct ipoib_port *port)
{
    struct sim_view *view = ovsrcu_get_protected(struct sim_view *,
                                                 &port->view);
    struct fabric_shm_counters *c;
    struct sim_counters *mine = &port->counters;

    if (!view) {
        return;
    }
    c = fabric_shm_counters(&view->map->shm, view->idx);
    atomic_store_relaxed(&c->generation, view->generation);
    atomic_store_relaxed(&c->n_qps, sim_qp_table_count(&port->qps));
    atomic_store_relaxed(&c->rx_packets, ipoib_counter_get(&mine->rx_packets));
    atomic_store_relaxed(&c->rx_bytes, ipoib_counter_get(&mine->rx_bytes));
    atomic_store_relaxed(&c->tx_packets, ipoib_counter_get(&mine->tx_packets));
    atomic_store_relaxed(&c->tx_bytes, ipoib_counter_get(&mine->tx_bytes));
    atomic_store_relaxed(&c->rx_dropped_no_qp,
                         ipoib_counter_get(&mine->rx_dropped_no_qp));
    atomic_store_relaxed(&c->rx_dropped_pkey,
                         ipoib_counter_get(&mine->rx_dropped_pkey));
    atomic_store_relaxed(&c->rx_dropped_qkey,
                         ipoib_counter_get(&mine->rx_dropped_qkey));
    atomic_store_relaxed(&c->rx_dropped_mtu,
                         ipoib_counter_get(&mine->rx_dropped_mtu));
    atomic_store_relaxed(&c->tx_dropped, ipoib_counter_get(&mine->tx_dropped));
}

/* Class functions: control path. */

static int
sim_open(const struct ipoib_port_config *cfg, struct ipoib_port **portp)
{
    struct ipoib_port *port;
    int sock;

    *portp = NULL;
    if (!cfg->fabric || !cfg->fabric[0]) {
        return EINVAL;
    }
    if (strlen(cfg->fabric) >= sizeof ((struct sockaddr_un *) 0)->sun_path) {
        return ENAMETOOLONG;
    }
    sock = fabric_wake_socket_open();
    if (sock < 0) {
        return -sock;
    }

    port = xzalloc(sizeof *port);
    port->name = xstrdup(cfg->name && cfg->name[0] ? cfg->name : "sim");
    port->socket_path = xstrdup(cfg->fabric);
    port->guid = cfg->guid;
    port->sock = -1;
    port->conn_state = SIM_DISCONNECTED;
    port->next_xid = 1;
    port->next_qpn = FIRST_QPN;
    port->attr.state = IPOIB_PORT_DOWN;
    port->tx_wake_sock = sock;
    ovsrcu_init(&port->view, NULL);
    ovsrcu_init(&port->attachments, NULL);
    sim_qp_table_init(&port->qps);

    /* Try once right away, so that a running fabric is seen at once. */
    try_connect(port);
    receive_messages(port);
    *portp = port;
    return 0;
}

static void
sim_close(struct ipoib_port *port)
{
    if (!port) {
        return;
    }
    publish_counters(port);     /* The daemon keeps totals of ports gone. */
    sim_disconnect(port, false);
    sim_qp_table_destroy(&port->qps);
    close(port->tx_wake_sock);
    free(port->name);
    free(port->socket_path);
    /* The data path is done with this port (the caller stopped using it),
     * but RCU callbacks may still refer to its views, not to it. */
    ovsrcu_postpone(free, port);
}

static void
sim_run(struct ipoib_port *port)
{
    if (port->conn_state == SIM_DISCONNECTED) {
        if (time_msec() >= port->next_connect) {
            try_connect(port);
        }
    }
    if (port->sock >= 0) {
        receive_messages(port);
    }
    publish_counters(port);
}

static void
sim_wait(struct ipoib_port *port)
{
    if (!ipoib_event_queue_is_empty(&port->events)) {
        poll_immediate_wake();
    }
    if (port->sock >= 0) {
        poll_fd_wait(port->sock, POLLIN);
    } else {
        poll_timer_wait_until(port->next_connect);
    }
}

static int
sim_poll_event(struct ipoib_port *port, struct ipoib_event *ev)
{
    return ipoib_event_queue_pop(&port->events, ev);
}

static void
sim_query_port(struct ipoib_port *port, struct ipoib_port_attr *attr)
{
    uint32_t hca = (port->map
                    ? fabric_shm_hdr(&port->map->shm)->hca_offloads : 0);

    *attr = port->attr;
    attr->rx_csum = attr->tx_csum = (hca & FABRIC_HCA_CSUM) != 0;
    attr->max_lso = hca & FABRIC_HCA_LSO ? FABRIC_HCA_MAX_LSO : 0;
}

static void
sim_get_stats(struct ipoib_port *port, struct ipoib_port_stats *stats)
{
    struct sim_counters *c = &port->counters;
    struct sim_view *view = ovsrcu_get(struct sim_view *, &port->view);

    memset(stats, 0, sizeof *stats);
    stats->rx_packets = ipoib_counter_get(&c->rx_packets);
    stats->rx_bytes = ipoib_counter_get(&c->rx_bytes);
    stats->tx_packets = ipoib_counter_get(&c->tx_packets);
    stats->tx_bytes = ipoib_counter_get(&c->tx_bytes);
    stats->rx_dropped_no_qp = ipoib_counter_get(&c->rx_dropped_no_qp);
    stats->rx_dropped_pkey = ipoib_counter_get(&c->rx_dropped_pkey);
    stats->rx_dropped_qkey = ipoib_counter_get(&c->rx_dropped_qkey);
    stats->rx_dropped_mtu = ipoib_counter_get(&c->rx_dropped_mtu);
    stats->tx_dropped = ipoib_counter_get(&c->tx_dropped);
    stats->rx_dropped_overrun = port->overruns_base;
    if (view) {
        struct fabric_ring *ring = fabric_shm_ring(&view->map->shm,
                                                   view->idx);
        stats->rx_dropped_overrun
            += atomic_load_explicit(&ring->overruns, memory_order_relaxed);
    }
}

/* Returns the index in 'view's P_Key table of the entry matching 'pkey'
 * in its low 15 bits, the full member entry if there are two; -1 if
 * none. */
static int
view_find_pkey(const struct sim_view *view, uint16_t pkey)
{
    return ib_pkey_table_find(view->pkeys, view->n_pkeys, pkey);
}

static int
sim_create_qp(struct ipoib_port *port, uint16_t pkey, uint32_t qkey,
              uint32_t *qpnp)
{
    struct sim_view *view = ovsrcu_get_protected(struct sim_view *,
                                                 &port->view);
    int pkey_idx;

    if (!view) {
        return ENETDOWN;
    }
    pkey_idx = view_find_pkey(view, pkey);
    if (pkey_idx < 0) {
        return EINVAL;
    }
    if (sim_qp_table_count(&port->qps) >= MAX_QPS) {
        return ENOSPC;
    }

    /* Numbers are not reused soon, so that a stale one held by a sender
     * finds no QP rather than the wrong one; a number whose table slot is
     * taken is skipped, which keeps lookups a single array access. */
    do {
        *qpnp = port->next_qpn++;
        if (port->next_qpn >= IB_MULTICAST_QPN) {
            port->next_qpn = FIRST_QPN;
        }
    } while (!sim_qp_table_qpn_usable(&port->qps, *qpnp));

    struct sim_qp qp = {
        .qpn = *qpnp,
        .pkey = view->pkeys[pkey_idx],
        .pkey_index = pkey_idx,
        .qkey = qkey,
    };
    sim_qp_table_insert(&port->qps, &qp);
    return 0;
}

/* Publishes 'port's attachments less those matching 'qpn' (and 'mgid' if
 * nonnull), plus 'add' if nonnull. */
static int
rebuild_attachments(struct ipoib_port *port, uint32_t qpn,
                    const struct ib_gid *mgid,
                    const struct sim_attachment *add)
{
    const struct sim_attach_table *old = get_attachments(port);
    size_t n_old = old ? old->n : 0;
    struct sim_attach_table *new;

    new = xmalloc(sizeof *new + (n_old + 1) * sizeof new->entries[0]);
    new->n = 0;
    for (size_t i = 0; i < n_old; i++) {
        const struct sim_attachment *a = &old->entries[i];

        if (a->qpn == qpn && (!mgid || ib_gid_equals(&a->mgid, mgid))) {
            continue;
        }
        new->entries[new->n++] = *a;
    }
    if (add) {
        if (new->n >= MAX_ATTACHMENTS) {
            free(new);
            return ENOSPC;
        }
        new->entries[new->n++] = *add;
    }
    set_attachments(port, new);
    return 0;
}

static void
sim_destroy_qp(struct ipoib_port *port, uint32_t qpn)
{
    if (sim_qp_table_remove(&port->qps, qpn)) {
        rebuild_attachments(port, qpn, NULL, NULL);
    }
}

static bool
is_mlid(uint16_t lid)
{
    return lid >= FABRIC_FIRST_MLID && lid != 0xffff;
}

static int
sim_attach_mcast(struct ipoib_port *port, uint32_t qpn,
                 const struct ib_gid *mgid, uint16_t mlid)
{
    const struct sim_attach_table *table = get_attachments(port);
    struct sim_attachment add;
    struct sim_qp qp;

    if (!find_qp(port, qpn, &qp) || !is_mlid(mlid)
        || !ib_gid_is_multicast(mgid)) {
        return EINVAL;
    }
    for (size_t i = 0; table && i < table->n; i++) {
        const struct sim_attachment *a = &table->entries[i];

        if (a->qpn == qpn && a->mlid == mlid
            && ib_gid_equals(&a->mgid, mgid)) {
            return 0;
        }
    }
    add.qpn = qpn;
    add.mlid = mlid;
    add.mgid = *mgid;
    return rebuild_attachments(port, qpn, mgid, &add);
}

static void
sim_detach_mcast(struct ipoib_port *port, uint32_t qpn,
                 const struct ib_gid *mgid, uint16_t mlid OVS_UNUSED)
{
    rebuild_attachments(port, qpn, mgid, NULL);
}

/* Sends an SA request and remembers it.  'req' has type and GIDs. */
static int
send_request(struct ipoib_port *port, struct fabric_msg_hdr *msg,
             struct sim_request *req)
{
    int error;

    if (port->conn_state != SIM_ATTACHED
        || port->attr.state != IPOIB_PORT_ACTIVE) {
        return ENETDOWN;
    }
    if (req && port->n_pending >= MAX_PENDING) {
        return ENOBUFS;
    }
    msg->xid = port->next_xid++;
    error = fabric_msg_send(port->sock, msg, -1);
    if (error) {
        return error == EAGAIN ? ENOBUFS : error;
    }
    if (req) {
        req->xid = msg->xid;
        port->pending[port->n_pending++] = *req;
    }
    return 0;
}

static int
sim_join_mcast(struct ipoib_port *port, const struct ib_gid *mgid,
               uint16_t pkey, uint32_t qkey, enum ipoib_join_state state)
{
    struct fabric_msg_join msg;
    struct sim_request req;

    fabric_msg_init(&msg.hdr, FABRIC_MSG_JOIN, 0);
    msg.mgid = *mgid;
    msg.pkey = pkey;
    msg.qkey = qkey;
    msg.join_state = state;
    memset(&req, 0, sizeof req);
    req.type = FABRIC_MSG_JOIN;
    req.gid = *mgid;
    return send_request(port, &msg.hdr, &req);
}

static void
sim_leave_mcast(struct ipoib_port *port, const struct ib_gid *mgid,
                uint16_t pkey, enum ipoib_join_state state)
{
    struct fabric_msg_join msg;

    fabric_msg_init(&msg.hdr, FABRIC_MSG_LEAVE, 0);
    msg.mgid = *mgid;
    msg.pkey = pkey;
    msg.join_state = state;
    send_request(port, &msg.hdr, NULL);
}

static int
sim_query_path(struct ipoib_port *port, const struct ib_gid *dgid,
               uint16_t dlid, uint16_t pkey)
{
    struct fabric_msg_path msg;
    struct sim_request req;

    fabric_msg_init(&msg.hdr, FABRIC_MSG_PATH, 0);
    memset(&req, 0, sizeof req);
    req.type = FABRIC_MSG_PATH;
    if (dgid) {
        msg.dgid = *dgid;
        msg.by_gid = 1;
        req.gid = *dgid;
    } else {
        msg.dlid = dlid;
        req.dlid = dlid;
    }
    msg.pkey = pkey;
    req.pkey = pkey;
    return send_request(port, &msg.hdr, &req);
}

/* Data path: send. */

/* Builds the metadata of 'desc'.  Returns false if it cannot be sent;
 * '*max_len' gets the partition MTU of its P_Key. */
static bool
build_meta(const struct ipoib_port *port, const struct sim_view *view,
           const struct ipoib_tx_desc *desc, struct fabric_pkt_meta *meta,
           uint32_t *max_len)
{
    struct sim_qp qp;
    int pkey_idx;

    if (!find_qp(port, desc->src_qpn, &qp) || desc->len > FABRIC_SLOT_DATA
        || !desc->dlid
        || (desc->len && !desc->data)) {
        return false;
    }
    /* The QP's own P_Key, as an HCA sends with the QP's P_Key index,
     * unless the table changed since the QP was made: then the scan
     * (128 entries with VST) decides. */
    pkey_idx = qp.pkey_index;
    if (pkey_idx >= view->n_pkeys || view->pkeys[pkey_idx] != qp.pkey
        || !ib_pkey_same_partition(desc->pkey, qp.pkey)) {
        pkey_idx = view_find_pkey(view, desc->pkey);
        if (pkey_idx < 0) {
            return false;
        }
    }

    memset(meta, 0, sizeof *meta);
    meta->len = desc->len;
    meta->sqpn = qp.qpn;
    meta->dqpn = desc->dqpn & IB_QPN_MASK;
    /* A Q_Key with the high bit set means "use the QP's own". */
    meta->qkey = desc->qkey & 0x80000000 ? qp.qkey : desc->qkey;
    meta->slid = view->lid;
    meta->dlid = desc->dlid;
    meta->pkey = view->pkeys[pkey_idx];
    meta->sl = desc->sl & 0xf;
    meta->src_port = view->idx;
    if (is_mlid(desc->dlid)) {
        meta->flags |= FABRIC_PKT_F_MCAST | FABRIC_PKT_F_GRH;
    } else if (desc->global) {
        meta->flags |= FABRIC_PKT_F_GRH;
    }
    if (meta->flags & FABRIC_PKT_F_GRH) {
        meta->sgid = view->gid;
        meta->dgid = desc->dgid;
    }
    *max_len = view->pkey_mtu[pkey_idx];
    return true;
}

/* Hands a packet to the daemon, which captures it and then delivers it. */
static bool
send_via_daemon(const struct ipoib_port *port, const struct fabric_shm *shm,
                const struct fabric_pkt_meta *meta, const void *data)
{
    uint32_t idx = fabric_shm_daemon_ring(shm);
    struct fabric_ring_ref ring = fabric_ring_ref(shm, idx);
    bool wake;

    if (fabric_ring_enqueue(&ring, meta, data, &wake)) {
        return false;
    }
    if (wake) {
        fabric_wake(shm, port->tx_wake_sock, idx, 0);
    }
    return true;
}

/* Puts one datagram on the wire.  'pkt_flags' adds FABRIC_PKT_F_*. */
static bool
send_datagram(const struct ipoib_port *port, const struct sim_view *view,
              const struct ipoib_tx_desc *desc, bool capture,
              uint8_t pkt_flags)
{
    struct fabric_pkt_meta meta;
    uint32_t max_len;

    if (!build_meta(port, view, desc, &meta, &max_len)) {
        return false;
    }
    meta.flags |= pkt_flags;
    if (capture) {
        return (desc->len <= max_len
                && send_via_daemon(port, &view->map->shm, &meta,
                                   desc->data));
    }
    return fabric_deliver(&view->map->shm, port->tx_wake_sock, &meta,
                          desc->data, max_len) == FABRIC_DELIVERED;
}

/* The simulated HCA's offloads (ipoib-fabricd --hca-offloads), done on the
 * sender's CPU as a real HCA does them in hardware: a large send is cut
 * into MTU-sized datagrams, checksums are filled, and each datagram is
 * marked so that the receiving HCA reports its checksum verified.  Returns
 * the number of datagrams sent, or -1 if 'desc' was not all sent. */
static int
send_offloaded(const struct ipoib_port *port, const struct sim_view *view,
               const struct ipoib_tx_desc *desc, bool capture)
{
    uint8_t buf[FABRIC_SLOT_DATA];
    struct ipoib_tx_desc seg = *desc;
    struct ipoib_tso_plan plan;
    int n_sent = 0;

    seg.data = buf;
    seg.flags = 0;
    if (!(desc->flags & IPOIB_TX_F_LSO)) {
        if (desc->len > sizeof buf) {
            return -1;
        }
        memcpy(buf, desc->data, desc->len);
        ipoib_tso_fill_csum(buf, desc->len, IPOIB_ENCAP_LEN);
        return (send_datagram(port, view, &seg, capture,
                              FABRIC_PKT_F_CSUM_OK) ? 1 : -1);
    }
    if (desc->len > FABRIC_HCA_MAX_LSO
        || ipoib_tso_plan(desc->data, desc->len, IPOIB_ENCAP_LEN, desc->mss,
                          &plan) != IPOIB_TSO_OK
        || ipoib_tso_max_seg_len(&plan) > sizeof buf) {
        return -1;
    }
    if (!capture && !is_mlid(desc->dlid)) {
        /* Each segment is written straight into the receiver's ring. */
        struct fabric_pkt_meta meta;
        uint32_t max_len;

        seg.len = ipoib_tso_seg_len(&plan, 0);
        if (!build_meta(port, view, &seg, &meta, &max_len)) {
            return -1;
        }
        meta.flags |= FABRIC_PKT_F_CSUM_OK;
        n_sent = fabric_lso_deliver(&view->map->shm, port->tx_wake_sock,
                                    &meta, max_len, &plan, desc->data);
        return n_sent == plan.n_segs ? n_sent : -1;
    }
    for (int i = 0; i < plan.n_segs; i++) {
        seg.len = ipoib_tso_segment(&plan, desc->data, i, buf);
        if (!send_datagram(port, view, &seg, capture, FABRIC_PKT_F_CSUM_OK)) {
            return -1;
        }
        n_sent++;
    }
    return n_sent;
}

static int
sim_send(struct ipoib_port *port, const struct ipoib_tx_desc *descs, int n)
{
    struct sim_view *view = ovsrcu_get(struct sim_view *, &port->view);
    struct sim_counters *c = &port->counters;
    uint64_t n_bytes = 0;
    int n_sent = 0;
    bool capture;

    if (!view) {
        ipoib_counter_inc(&c->tx_dropped, n);
        return 0;
    }
    capture = atomic_load_explicit(&fabric_shm_hdr(&view->map->shm)->capture,
                                   memory_order_relaxed) != 0;

    /* A batch's packets come from many VIFs: fetch their QPs together
     * rather than one cache miss after another. */
    for (int i = 0; i < n; i++) {
        sim_qp_table_prefetch(&port->qps, descs[i].src_qpn);
    }

    uint32_t hca = fabric_shm_hdr(&view->map->shm)->hca_offloads;
    int n_datagrams = 0;
    for (int i = 0; i < n; i++) {
        const struct ipoib_tx_desc *desc = &descs[i];
        int sent;

        if (desc->flags & (IPOIB_TX_F_LSO | IPOIB_TX_F_CSUM)
            && hca & FABRIC_HCA_CSUM) {
            sent = send_offloaded(port, view, desc, capture);
        } else {
            sent = send_datagram(port, view, desc, capture, 0) ? 1 : -1;
        }
        if (sent >= 0) {
            n_sent++;
            n_datagrams += sent;
            n_bytes += desc->len;
        }
    }
    ipoib_counter_inc(&c->tx_packets, n_datagrams);
    ipoib_counter_inc(&c->tx_bytes, n_bytes);
    if (n_sent < n) {
        ipoib_counter_inc(&c->tx_dropped, n - n_sent);
    }
    return n_sent;
}

/* Data path: receive. */

/* The checks an HCA makes before it hands a packet to 'qp'.  Returns the
 * counter to increment if the packet must be dropped, else NULL. */
static atomic_uint64_t *
check_rx(struct ipoib_port *port, const struct sim_view *view,
         const struct sim_qp *qp, const struct fabric_pkt_meta *meta,
         const struct ipoib_rx_desc *desc)
{
    struct sim_counters *c = &port->counters;

    if (meta->len > view->mtu || meta->len > desc->buf_size) {
        return &c->rx_dropped_mtu;
    }
    /* Same partition, and not two limited members. */
    if (!ib_pkey_partition(meta->pkey)
        || !ib_pkey_same_partition(meta->pkey, qp->pkey)
        || !((meta->pkey | qp->pkey) & IB_PKEY_FULL_MEMBER)) {
        return &c->rx_dropped_pkey;
    }
    if (meta->qkey != qp->qkey) {
        return &c->rx_dropped_qkey;
    }
    return NULL;
}

static void
fill_rx_desc(struct ipoib_rx_desc *desc, const struct sim_qp *qp,
             const struct fabric_pkt_meta *meta, const uint8_t *data)
{
    memcpy(desc->buf, data, meta->len);
    desc->len = meta->len;
    desc->dqpn = qp->qpn;
    desc->sqpn = meta->sqpn & IB_QPN_MASK;
    desc->slid = meta->slid;
    desc->pkey = meta->pkey;
    desc->multicast = (meta->flags & FABRIC_PKT_F_MCAST) != 0;
    desc->has_grh = (meta->flags & FABRIC_PKT_F_GRH) != 0;
    if (desc->has_grh) {
        desc->sgid = meta->sgid;
        desc->dgid = meta->dgid;
    } else {
        memset(&desc->sgid, 0, sizeof desc->sgid);
        memset(&desc->dgid, 0, sizeof desc->dgid);
    }
    /* A ConnectX completion says "checksum OK" for what it verified; here
     * only datagrams whose checksums a simulated HCA filled are known
     * good.  (All HCAs of a fabric share its offload setting.) */
    desc->csum_ok = (meta->flags & FABRIC_PKT_F_CSUM_OK) != 0;
}

/* Offers the packet to QP 'qpn'.  Returns true if it filled '*desc'
 * (counted by the caller, once per batch: a locked add per packet costs
 * more than the lookup). */
static bool
offer_to_qp(struct ipoib_port *port, const struct sim_view *view,
            uint32_t qpn, const struct fabric_pkt_meta *meta,
            const uint8_t *data, struct ipoib_rx_desc *desc)
{
    struct sim_qp qp;
    atomic_uint64_t *drop;

    if (!find_qp(port, qpn, &qp)) {
        ipoib_counter_inc(&port->counters.rx_dropped_no_qp, 1);
        return false;
    }
    drop = check_rx(port, view, &qp, meta, desc);
    if (drop) {
        ipoib_counter_inc(drop, 1);
        return false;
    }
    fill_rx_desc(desc, &qp, meta, data);
    return true;
}

/* Hands a multicast packet to every attached QP, as many as 'n' descs
 * allow.  Returns the number filled; sets '*done' if every QP has had
 * it. */
static int
fan_out(struct ipoib_port *port, const struct sim_view *view,
        const struct fabric_pkt_meta *meta, const uint8_t *data,
        struct ipoib_rx_desc *descs, int n, bool *done)
{
    const struct sim_attach_table *table = get_attachments(port);
    size_t n_entries = table ? table->n : 0;
    int n_filled = 0;

    *done = false;
    for (; port->fanout_pos < n_entries; port->fanout_pos++) {
        const struct sim_attachment *a = &table->entries[port->fanout_pos];

        if (a->mlid != meta->dlid
            || ((meta->flags & FABRIC_PKT_F_GRH)
                && !ib_gid_equals(&a->mgid, &meta->dgid))) {
            continue;
        }
        if (n_filled >= n) {
            return n_filled;    /* More QPs want it: next call. */
        }
        port->fanout_matched = true;
        n_filled += offer_to_qp(port, view, a->qpn, meta, data,
                                &descs[n_filled]);
    }
    if (!port->fanout_matched) {
        ipoib_counter_inc(&port->counters.rx_dropped_no_qp, 1);
    }
    *done = true;
    return n_filled;
}

/* Counts the 'n' datagrams received into 'descs'. */
static void
count_rx(struct ipoib_port *port, const struct ipoib_rx_desc *descs, int n)
{
    uint64_t n_bytes = 0;

    for (int i = 0; i < n; i++) {
        n_bytes += descs[i].len;
    }
    if (n) {
        ipoib_counter_inc(&port->counters.rx_packets, n);
        ipoib_counter_inc(&port->counters.rx_bytes, n_bytes);
    }
}

static void
reset_rx_state(struct ipoib_port *port, struct sim_view *view)
{
    port->rx_view = view;
    port->stall_start = 0;
    port->fanout_pos = 0;
    port->fanout_matched = false;
    port->armed = false;
}

static int
sim_recv(struct ipoib_port *port, struct ipoib_rx_desc *descs, int n)
{
    struct sim_view *view = ovsrcu_get(struct sim_view *, &port->view);
    struct fabric_ring_ref ring;
    int n_filled = 0;

    if (view != port->rx_view) {
        reset_rx_state(port, view);
    }
    if (!view) {
        return 0;
    }
    ring = fabric_ring_ref(&view->map->shm, view->idx);
    if (port->armed) {
        fabric_ring_disarm(&ring);
        fabric_wake_drain(view->map->rx_wake_sock);
        port->armed = false;
    }

    while (n_filled < n) {
        struct fabric_ring_slot *slot;
        struct fabric_pkt_meta meta;

        slot = fabric_ring_peek(&ring, &port->stall_start);
        if (!slot) {
            break;
        }
        /* Copy the metadata once: another process may still scribble on
         * shared memory, and what we check must be what we use. */
        meta = slot->meta;
        if (meta.len > FABRIC_SLOT_DATA) {
            ipoib_counter_inc(&port->counters.rx_dropped_mtu, 1);
        } else if (meta.flags & FABRIC_PKT_F_MCAST) {
            bool done;

            n_filled += fan_out(port, view, &meta, slot->data,
                                &descs[n_filled], n - n_filled, &done);
            if (!done) {
                break;          /* Keep the slot for the next call. */
            }
        } else {
            n_filled += offer_to_qp(port, view, meta.dqpn, &meta,
                                    slot->data, &descs[n_filled]);
        }
        fabric_ring_release(&ring, slot);
        port->fanout_pos = 0;
        port->fanout_matched = false;
    }
    count_rx(port, descs, n_filled);
    return n_filled;
}

static void
sim_recv_wait(struct ipoib_port *port)
{
    struct sim_view *view = ovsrcu_get(struct sim_view *, &port->view);
    struct fabric_ring_ref ring;

    if (view != port->rx_view) {
        reset_rx_state(port, view);
    }
    if (!view) {
        return;
    }
    ring = fabric_ring_ref(&view->map->shm, view->idx);
    if (port->stall_start) {
        poll_timer_wait_until(port->stall_start + FABRIC_RING_STALL_MS);
    }
    port->armed = true;
    if (fabric_ring_prepare_sleep(&ring)) {
        poll_fd_wait(view->map->rx_wake_sock, POLLIN);
    } else {
        poll_immediate_wake();
    }
}

const struct ipoib_transport_class ipoib_transport_sim = {
    .type = "sim",
    .open = sim_open,
    .close = sim_close,
    .run = sim_run,
    .wait = sim_wait,
    .poll_event = sim_poll_event,
    .query_port = sim_query_port,
    .get_stats = sim_get_stats,
    .create_qp = sim_create_qp,
    .destroy_qp = sim_destroy_qp,
    .attach_mcast = sim_attach_mcast,
    .detach_mcast = sim_detach_mcast,
    .join_mcast = sim_join_mcast,
    .leave_mcast = sim_leave_mcast,
    .query_path = sim_query_path,
    .send = sim_send,
    .recv = sim_recv,
    .recv_wait = sim_recv_wait,
};
