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

/* ipoib-fabricd: the subnet manager and switch of a simulated InfiniBand
 * subnet.  See fabric/fabric-shm.h for the design. */

#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fabric/fabric-capture.h"
#include "fabric/fabric-deliver.h"
#include "fabric/fabric-partitions.h"
#include "fabric/fabric-proto.h"
#include "fabric/fabric-ring.h"
#include "fabric/fabric-shm.h"
#include "fabric/fabric-sm.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_fabricd);

#define MAX_CONNS 1024
#define MSGS_PER_CONN_RUN 64
#define CAPTURE_BATCH 1024
#define RATE_INTERVAL_MSEC 1000

/* Options. */
static char *socket_path;
static char *partitions_file;
static char *pcap_file;
static char *unixctl_path;
static uint64_t subnet_prefix = IB_DEFAULT_SUBNET_PREFIX;
static uint32_t max_mtu = 4096;
static uint32_t max_ports = FABRIC_DEFAULT_PORTS;
static uint32_t ring_slots = FABRIC_DEFAULT_RING_SLOTS;
static uint32_t hca_offloads;       /* FABRIC_HCA_*. */

/* One client connection. */
struct conn {
    struct ovs_list node;       /* In 'conns'. */
    int fd;
    int port;                   /* Directory slot, -1 before attach. */
};

/* Counters the daemon keeps itself. */
struct fabricd_counters {
    uint64_t captured;
    uint64_t drop_no_dest;      /* Of packets it delivered after capture. */
    uint64_t drop_mtu;
    uint64_t drop_full;
    uint64_t malformed;         /* Bad messages on the socket. */
    struct fabric_shm_counters gone;    /* Of ports that left... */
    uint64_t gone_overruns;             /* ...and of their rings. */
};

static struct fabric_shm shm;
static struct fabric_sm sm;
static struct ovs_list conns = OVS_LIST_INITIALIZER(&conns);
static int n_conns;
static int listen_fd = -1;
static int wake_rx_sock = -1;   /* Wakes us for our own ring. */
static int wake_tx_sock = -1;   /* To wake others from. */
static struct fabric_capture *capture;
static char *wake_dir;          /* Where wake-up sockets live. */
static struct fabricd_counters counters;
static bool exiting;

/* Packets per second, sampled every RATE_INTERVAL_MSEC. */
static long long int rate_time;
static uint64_t rate_packets;
static double packets_per_sec;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);

/* Statistics. */

static uint64_t
load64(atomic_uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

static void
add_counters(struct fabric_shm_counters *sum, struct fabric_shm_counters *c)
{
#define ADD(FIELD) \
    atomic_store_relaxed(&sum->FIELD, load64(&sum->FIELD) + load64(&c->FIELD))
    ADD(rx_packets);
    ADD(rx_bytes);
    ADD(tx_packets);
    ADD(tx_bytes);
    ADD(rx_dropped_no_qp);
    ADD(rx_dropped_pkey);
    ADD(rx_dropped_qkey);
    ADD(rx_dropped_mtu);
    ADD(tx_dropped);
#undef ADD
}

/* Sums the counters of every port, present and gone, into 'sum', and
 * their receive ring overruns into '*overruns'. */
static void
total_counters(struct fabric_shm_counters *sum, uint64_t *overruns)
{
    memset(sum, 0, sizeof *sum);
    add_counters(sum, &counters.gone);
    *overruns = counters.gone_overruns;
    for (uint32_t i = 0; i < sm.n_ports; i++) {
        if (sm.ports[i].in_use) {
            add_counters(sum, fabric_shm_counters(&shm, i));
            *overruns += load64(&fabric_shm_ring(&shm, i)->overruns);
        }
    }
}

static uint64_t
total_packets(void)
{
    struct fabric_shm_counters sum;
    uint64_t overruns;

    total_counters(&sum, &overruns);
    return load64(&sum.tx_packets);
}

static void
update_rate(void)
{
    long long int now = time_msec();

    if (now >= rate_time + RATE_INTERVAL_MSEC) {
        uint64_t packets = total_packets();

        if (rate_time) {
            packets_per_sec = (packets - rate_packets) * 1000.0
                              / (now - rate_time);
        }
        rate_time = now;
        rate_packets = packets;
    }
}

/* Connections. */

static void
conn_send_port_info(struct conn *conn, uint32_t type, uint32_t xid,
                    int status, int fd_to_pass)
{
    struct fabric_msg_port_info info;
    int error;

    fabric_msg_init(&info.hdr, type, xid);
    info.status = status;
    if (!status && conn->port >= 0) {
        fabric_sm_port_info(&sm, conn->port, &info);
    }
    error = fabric_msg_send(conn->fd, &info.hdr, fd_to_pass);
    if (error) {
        VLOG_WARN("client %d: send failed (%s)", conn->fd,
                  ovs_strerror(error));
    }
}

static struct conn *
conn_for_port(uint32_t idx)
{
    struct conn *conn;

    LIST_FOR_EACH (conn, node, &conns) {
        if (conn->port == (int) idx) {
            return conn;
        }
    }
    return NULL;
}

static void
conn_destroy(struct conn *conn)
{
    if (conn->port >= 0) {
        const struct fabric_sm_port *port = &sm.ports[conn->port];

        VLOG_INFO("port %s (LID %"PRIu16") detached", port->name, port->lid);
        add_counters(&counters.gone, fabric_shm_counters(&shm, conn->port));
        counters.gone_overruns
            += load64(&fabric_shm_ring(&shm, conn->port)->overruns);
        fabric_sm_detach(&sm, conn->port);
    }
    close(conn->fd);
    ovs_list_remove(&conn->node);
    n_conns--;
    free(conn);
}

static bool
handle_attach(struct conn *conn, const struct fabric_msg_attach *msg)
{
    uint32_t idx;
    int error;
    char name[FABRIC_NAME_LEN];

    if (conn->port >= 0) {
        return false;           /* Attached already. */
    }
    if (msg->version != FABRIC_PROTO_VERSION) {
        conn_send_port_info(conn, FABRIC_MSG_ATTACH_REPLY, msg->hdr.xid,
                            EPROTONOSUPPORT, -1);
        return false;
    }
    memcpy(name, msg->name, sizeof name);
    name[sizeof name - 1] = '\0';

    error = fabric_sm_attach(&sm, msg->guid, name, &idx);
    if (error) {
        VLOG_WARN("attach of %s (GUID 0x%016"PRIx64") refused (%s)",
                  name, msg->guid, ovs_strerror(error));
        conn_send_port_info(conn, FABRIC_MSG_ATTACH_REPLY, msg->hdr.xid,
                            error, -1);
        return true;            /* The client may try another GUID. */
    }
    conn->port = idx;
    VLOG_INFO("port %s attached: GUID 0x%016"PRIx64", LID %"PRIu16,
              sm.ports[idx].name, sm.ports[idx].guid, sm.ports[idx].lid);
    conn_send_port_info(conn, FABRIC_MSG_ATTACH_REPLY, msg->hdr.xid, 0,
                        shm.fd);
    return true;
}

static void
handle_join(struct conn *conn, const struct fabric_msg_join *msg)
{
    struct fabric_msg_join_reply reply;

    fabric_msg_init(&reply.hdr, FABRIC_MSG_JOIN_REPLY, msg->hdr.xid);
    reply.status = fabric_sm_join(&sm, conn->port, &msg->mgid, msg->pkey,
                                  msg->qkey, msg->join_state, &reply.group);
    reply.group.mgid = msg->mgid;
    fabric_msg_send(conn->fd, &reply.hdr, -1);
}

static void
handle_path(struct conn *conn, const struct fabric_msg_path *msg)
{
    struct fabric_msg_path_reply reply;

    fabric_msg_init(&reply.hdr, FABRIC_MSG_PATH_REPLY, msg->hdr.xid);
    reply.query_dgid = msg->dgid;
    reply.query_dlid = msg->dlid;
    reply.status = fabric_sm_path(&sm, conn->port,
                                  msg->by_gid ? &msg->dgid : NULL,
                                  msg->dlid, msg->pkey, &reply.path);
    fabric_msg_send(conn->fd, &reply.hdr, -1);
}

/* Handles one message from 'conn'.  Returns false if the client broke the
 * protocol and must go. */
static bool
conn_handle(struct conn *conn, const void *buf)
{
    const struct fabric_msg_hdr *hdr = buf;

    if (hdr->type == FABRIC_MSG_ATTACH) {
        return handle_attach(conn, buf);
    }
    if (conn->port < 0) {
        return false;           /* Everything else needs a port. */
    }
    switch (hdr->type) {
    case FABRIC_MSG_JOIN:
        handle_join(conn, buf);
        return true;
    case FABRIC_MSG_LEAVE: {
        const struct fabric_msg_join *msg = buf;
        fabric_sm_leave(&sm, conn->port, &msg->mgid, msg->pkey,
                        msg->join_state);
        return true;
    }
    case FABRIC_MSG_PATH:
        handle_path(conn, buf);
        return true;
    default:
        return false;           /* Only the daemon sends the others. */
    }
}

/* Returns false if 'conn' must be destroyed. */
static bool
conn_run(struct conn *conn)
{
    for (int i = 0; i < MSGS_PER_CONN_RUN; i++) {
        uint64_t buf[FABRIC_MSG_MAX / 8 + 1];
        int fd, error;

        error = fabric_msg_recv(conn->fd, buf, &fd);
        if (fd >= 0) {
            close(fd);          /* Clients have nothing to pass us. */
        }
        if (error == EAGAIN) {
            return true;
        }
        if (error == EOF) {
            return false;
        }
        if (error || !conn_handle(conn, buf)) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            counters.malformed++;
            VLOG_WARN_RL(&rl, "client %d: %s, disconnecting", conn->fd,
                         error ? ovs_strerror(error)
                         : "unexpected message");
            return false;
        }
    }
    poll_immediate_wake();      /* More may be waiting. */
    return true;
}

static void
accept_connections(void)
{
    while (n_conns < MAX_CONNS) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct conn *conn;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "accept failed (%s)", ovs_strerror(errno));
            }
            return;
        }
        conn = xzalloc(sizeof *conn);
        conn->fd = fd;
        conn->port = -1;
        ovs_list_push_back(&conns, &conn->node);
        n_conns++;
    }
}

/* The daemon's ring: packets sent while capture is on. */

static void
count_delivery(enum fabric_deliver_result result)
{
    switch (result) {
    case FABRIC_DELIVERED:
        break;
    case FABRIC_DROP_NO_DEST:
        counters.drop_no_dest++;
        break;
    case FABRIC_DROP_MTU:
        counters.drop_mtu++;
        break;
    case FABRIC_DROP_FULL:
        counters.drop_full++;
        break;
    }
}

static struct fabric_ring_ref
daemon_ring(void)
{
    return fabric_ring_ref(&shm, fabric_shm_daemon_ring(&shm));
}

static long long int daemon_stall_start;

static void
drain_daemon_ring(void)
{
    struct fabric_ring_ref ring = daemon_ring();
    int n;

    fabric_ring_disarm(&ring);
    fabric_wake_drain(wake_rx_sock);
    for (n = 0; n < CAPTURE_BATCH; n++) {
        struct fabric_ring_slot *slot;
        struct fabric_pkt_meta meta;

        slot = fabric_ring_peek(&ring, &daemon_stall_start);
        if (!slot) {
            break;
        }
        meta = slot->meta;
        if (meta.len > FABRIC_SLOT_DATA) {
            counters.drop_mtu++;
        } else {
            if (capture) {
                int error = fabric_capture_packet(capture, &meta, slot->data);
                if (error) {
                    static struct vlog_rate_limit rl
                        = VLOG_RATE_LIMIT_INIT(1, 5);
                    VLOG_WARN_RL(&rl, "capture write failed (%s)",
                                 ovs_strerror(error));
                } else {
                    counters.captured++;
                }
            }
            count_delivery(fabric_deliver(&shm, wake_tx_sock, &meta,
                                          slot->data, UINT32_MAX));
        }
        fabric_ring_release(&ring, slot);
    }
    if (n && capture) {
        fabric_capture_flush(capture);
    }
    if (n == CAPTURE_BATCH) {
        poll_immediate_wake();
    }
}

static void
daemon_ring_wait(void)
{
    struct fabric_ring_ref ring = daemon_ring();

    if (daemon_stall_start) {
        poll_timer_wait_until(daemon_stall_start + FABRIC_RING_STALL_MS);
    }
    if (fabric_ring_prepare_sleep(&ring)) {
        poll_fd_wait(wake_rx_sock, POLLIN);
    } else {
        poll_immediate_wake();
    }
}

static int
start_capture(const char *file_name)
{
    int error = 0;
    struct fabric_capture *cap = fabric_capture_open(file_name, &error);

    if (!cap) {
        return error ? error : EIO;
    }
    fabric_capture_close(capture);
    capture = cap;
    atomic_store_explicit(&fabric_shm_hdr(&shm)->capture, 1,
                          memory_order_release);
    VLOG_INFO("capturing to %s", file_name);
    return 0;
}

static void
stop_capture(void)
{
    /* Senders that saw the flag a moment ago may still use our ring;
     * whatever arrives later is delivered without capture. */
    atomic_store_explicit(&fabric_shm_hdr(&shm)->capture, 0,
                          memory_order_release);
    drain_daemon_ring();
    if (capture) {
        VLOG_INFO("capture to %s stopped", fabric_capture_file_name(capture));
    }
    fabric_capture_close(capture);
    capture = NULL;
}

/* unixctl commands. */

static const char *
state_name(enum ipoib_port_state state)
{
    return (state == IPOIB_PORT_ACTIVE ? "ACTIVE"
            : state == IPOIB_PORT_INIT ? "INIT" : "DOWN");
}

static void
format_port(struct ds *s, uint32_t idx)
{
    const struct fabric_sm_port *port = &sm.ports[idx];
    struct fabric_shm_counters *c = fabric_shm_counters(&shm, idx);
    struct fabric_ring *ring = fabric_shm_ring(&shm, idx);
    char gid[IB_GID_STRLEN];

    ds_put_format(s, "%s: lid=%"PRIu16" guid=0x%016"PRIx64" gid=%s "
                  "state=%s mtu=%"PRIu32"\n",
                  port->name, port->lid, port->guid,
                  ib_gid_format(&port->gid, gid),
                  state_name(fabric_sm_port_state(&sm, idx)), port->mtu);
    ds_put_cstr(s, "  pkeys=");
    for (int i = 0; i < port->n_pkeys; i++) {
        ds_put_format(s, "%s0x%04"PRIx16, i ? "," : "", port->pkeys[i]);
    }
    ds_put_format(s, "\n  qps=%"PRIu32" rx_packets=%"PRIu64
                  " rx_bytes=%"PRIu64" tx_packets=%"PRIu64
                  " tx_bytes=%"PRIu64"\n",
                  atomic_load_explicit(&c->n_qps, memory_order_relaxed),
                  load64(&c->rx_packets), load64(&c->rx_bytes),
                  load64(&c->tx_packets), load64(&c->tx_bytes));
    ds_put_format(s, "  drops: no_qp=%"PRIu64" pkey=%"PRIu64" qkey=%"PRIu64
                  " mtu=%"PRIu64" overrun=%"PRIu64" tx=%"PRIu64"\n",
                  load64(&c->rx_dropped_no_qp), load64(&c->rx_dropped_pkey),
                  load64(&c->rx_dropped_qkey), load64(&c->rx_dropped_mtu),
                  load64(&ring->overruns), load64(&c->tx_dropped));
}

static void
fabric_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ib_gid prefix;
    char buf[IB_GID_STRLEN];

    ib_gid_from_parts(&prefix, subnet_prefix, 0);
    ds_put_format(&s, "fabric: socket=%s subnet-prefix=%s sm-lid=%d "
                  "max-ports=%"PRIu32" ring-slots=%"PRIu32" capture=%s\n",
                  socket_path, ib_gid_format(&prefix, buf), FABRIC_SM_LID,
                  shm.layout.max_ports, shm.layout.ring_slots,
                  capture ? fabric_capture_file_name(capture) : "off");
    if (hca_offloads) {
        ds_put_cstr(&s, "hca-offloads: csum lso\n");
    }
    for (uint32_t i = 0; i < sm.n_ports; i++) {
        if (sm.ports[i].in_use) {
            format_port(&s, i);
        }
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
fabric_groups(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (uint32_t g = 0; g < sm.n_groups; g++) {
        const struct fabric_sm_group *group = &sm.groups[g];
        char mgid[IB_GID_STRLEN];

        if (!group->in_use) {
            continue;
        }
        ds_put_format(&s, "%s: mlid=0x%04"PRIx16" qkey=0x%08"PRIx32
                      " pkey=0x%04"PRIx16" mtu=%"PRIu32" sl=%d\n",
                      ib_gid_format(&group->mgid, mgid), group->mlid,
                      group->qkey, group->pkey, group->mtu, group->sl);
        ds_put_cstr(&s, "  members:");
        for (uint32_t i = 0; i < sm.n_ports; i++) {
            uint8_t js = group->join_state[i];

            if (!js) {
                continue;
            }
            ds_put_format(&s, " %s(%s%s%s)", sm.ports[i].name,
                          js & IPOIB_JOIN_FULL ? "full" : "",
                          (js & IPOIB_JOIN_FULL
                           && js & IPOIB_JOIN_SEND_ONLY) ? "," : "",
                          js & IPOIB_JOIN_SEND_ONLY ? "send-only" : "");
        }
        ds_put_char(&s, '\n');
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
fabric_port_state(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[], void *aux OVS_UNUSED)
{
    struct conn *client;
    uint32_t idx;
    bool up;

    if (!strcmp(argv[2], "up")) {
        up = true;
    } else if (!strcmp(argv[2], "down")) {
        up = false;
    } else {
        unixctl_command_reply_error(conn, "state must be \"up\" or \"down\"");
        return;
    }
    if (!fabric_sm_find_port(&sm, argv[1], &idx)) {
        unixctl_command_reply_error(conn, "no such port (give a LID or a "
                                    "port name)");
        return;
    }
    fabric_sm_set_link(&sm, idx, up);
    client = conn_for_port(idx);
    if (client) {
        conn_send_port_info(client, FABRIC_MSG_PORT_INFO, 0, 0, -1);
    }
    VLOG_INFO("port %s link %s", sm.ports[idx].name, up ? "up" : "down");
    unixctl_command_reply(conn, NULL);
}

static void
fabric_capture_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[], void *aux OVS_UNUSED)
{
    if (!strcmp(argv[1], "off")) {
        stop_capture();
    } else {
        int error = start_capture(argv[1]);
        if (error) {
            char *msg = xasprintf("%s: cannot open (%s)", argv[1],
                                  ovs_strerror(error));
            unixctl_command_reply_error(conn, msg);
            free(msg);
            return;
        }
    }
    unixctl_command_reply(conn, NULL);
}

static void
fabric_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct fabric_shm_counters sum;
    uint64_t overruns;
    int n_ports = 0;

    for (uint32_t i = 0; i < sm.n_ports; i++) {
        n_ports += sm.ports[i].in_use;
    }
    total_counters(&sum, &overruns);
    ds_put_format(&s, "ports: %d\n", n_ports);
    ds_put_format(&s, "packets carried: %"PRIu64"\n", load64(&sum.tx_packets));
    ds_put_format(&s, "bytes carried: %"PRIu64"\n", load64(&sum.tx_bytes));
    ds_put_format(&s, "packets received: %"PRIu64"\n",
                  load64(&sum.rx_packets));
    ds_put_format(&s, "packets/s: %.0f\n", packets_per_sec);
    ds_put_format(&s, "drops: no_qp=%"PRIu64" pkey=%"PRIu64" qkey=%"PRIu64
                  " mtu=%"PRIu64" overrun=%"PRIu64" tx=%"PRIu64"\n",
                  load64(&sum.rx_dropped_no_qp), load64(&sum.rx_dropped_pkey),
                  load64(&sum.rx_dropped_qkey), load64(&sum.rx_dropped_mtu),
                  overruns, load64(&sum.tx_dropped));
    ds_put_format(&s, "capture: packets=%"PRIu64" no_dest=%"PRIu64
                  " mtu=%"PRIu64" full=%"PRIu64"\n", counters.captured,
                  counters.drop_no_dest, counters.drop_mtu,
                  counters.drop_full);
    ds_put_format(&s, "malformed client messages: %"PRIu64"\n",
                  counters.malformed);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
fabricd_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exitingp = exiting_;

    *exitingp = true;
    unixctl_command_reply(conn, NULL);
}

/* Setup. */

/* Opens the listening socket at 'path'.  A stale socket file is replaced;
 * one that a live daemon answers on is not. */
static int
open_listener(const char *path)
{
    struct sockaddr_un sun;
    int fd, error;

    if (strlen(path) >= sizeof sun.sun_path) {
        ovs_fatal(0, "%s: socket path too long (at most %zu bytes)", path,
                  sizeof sun.sun_path - 1);
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);

    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ovs_fatal(errno, "socket");
    }
    if (!connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        ovs_fatal(0, "%s: another ipoib-fabricd is listening there", path);
    }
    close(fd);
    unlink(path);

    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ovs_fatal(errno, "socket");
    }
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        error = errno;
        ovs_fatal(error, "%s: bind failed", path);
    }
    fatal_signal_add_file_to_unlink(path);
    if (listen(fd, 64) < 0) {
        ovs_fatal(errno, "%s: listen failed", path);
    }
    return fd;
}

static void
read_partitions(struct fabric_partitions *parts)
{
    char *error;

    if (partitions_file) {
        error = fabric_partitions_read(partitions_file, parts);
    } else {
        error = fabric_partitions_parse(FABRIC_DEFAULT_PARTITIONS,
                                        "(default partitions)", parts);
    }
    if (error) {
        ovs_fatal(0, "%s", error);
    }
}

/* The directory for wake-up sockets: beside the fabric socket if its name
 * is short enough, else in /tmp. */
static char *
choose_wake_dir(void)
{
    char *dir = xasprintf("%s.wake", socket_path);

    if (strlen(dir) >= FABRIC_WAKE_DIR_LEN) {
        free(dir);
        dir = xasprintf("/tmp/ipoib-fabric-%d.wake", (int) getpid());
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        ovs_fatal(errno, "%s: cannot create directory", dir);
    }
    return dir;
}

/* Removes the sockets in the wake-up directory whose names start with
 * our instance's prefix ('ours') or with any other. */
static void
remove_wake_sockets(bool ours)
{
    char prefix[16];
    struct dirent *de;
    DIR *dir;

    fabric_shm_wake_prefix(&shm, prefix);
    dir = opendir(wake_dir);
    if (!dir) {
        return;
    }
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] != '.'
            && !strncmp(de->d_name, prefix, strlen(prefix)) == ours) {
            char *path = xasprintf("%s/%s", wake_dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    closedir(dir);
}

/* At exit: removes our wake-up sockets (clients remove theirs, but may
 * have died) and the directory, unless another daemon uses it too. */
static void
remove_wake_dir(void *aux OVS_UNUSED)
{
    if (wake_dir) {
        if (shm.base) {
            remove_wake_sockets(true);
        }
        rmdir(wake_dir);
    }
}

static void
setup_fabric(void)
{
    struct fabric_partitions parts;
    int error;

    read_partitions(&parts);
    wake_dir = choose_wake_dir();
    error = fabric_shm_create(&shm, max_ports, FABRIC_DEFAULT_GROUPS,
                              ring_slots, subnet_prefix, wake_dir);
    if (error) {
        ovs_fatal(error, "cannot create shared memory");
    }
    fatal_signal_add_hook(remove_wake_dir, NULL, NULL, true);
    fabric_shm_hdr(&shm)->hca_offloads = hca_offloads;
    fabric_sm_init(&sm, &shm, &parts, subnet_prefix, max_mtu);

    wake_tx_sock = fabric_wake_socket_open();
    wake_rx_sock = fabric_wake_socket_bind(&shm, fabric_shm_daemon_ring(&shm),
                                           0);
    if (wake_tx_sock < 0 || wake_rx_sock < 0) {
        ovs_fatal(-MIN(wake_tx_sock, wake_rx_sock),
                  "cannot open wake-up sockets");
    }
    listen_fd = open_listener(socket_path);

    /* The socket is ours, so whatever an earlier daemon on it left in the
     * wake-up directory is stale. */
    remove_wake_sockets(false);
}

/* After daemonize_start(): a stdio buffer filled before the fork would be
 * written by both processes. */
static void
setup_capture(void)
{
    if (pcap_file) {
        int error = start_capture(pcap_file);
        if (error) {
            ovs_fatal(error, "%s: cannot open capture file", pcap_file);
        }
    }
}

static void
register_commands(void)
{
    unixctl_command_register("exit", "", 0, 0, fabricd_exit, &exiting);
    unixctl_command_register("fabric/show", "", 0, 0, fabric_show, NULL);
    unixctl_command_register("fabric/groups", "", 0, 0, fabric_groups, NULL);
    unixctl_command_register("fabric/port-state", "LID|NAME up|down", 2, 2,
                             fabric_port_state, NULL);
    unixctl_command_register("fabric/capture", "FILE|off", 1, 1,
                             fabric_capture_cmd, NULL);
    unixctl_command_register("fabric/stats", "", 0, 0, fabric_stats, NULL);
}

static void
run_conns(void)
{
    struct conn *conn;

    LIST_FOR_EACH_SAFE (conn, node, &conns) {
        if (!conn_run(conn)) {
            conn_destroy(conn);
        }
    }
}

static void
wait_conns(void)
{
    struct conn *conn;

    LIST_FOR_EACH (conn, node, &conns) {
        poll_fd_wait(conn->fd, POLLIN);
    }
    if (n_conns < MAX_CONNS) {
        poll_fd_wait(listen_fd, POLLIN);
    }
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    int retval;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemon_become_new_user(false);
    setup_fabric();
    daemonize_start(false);
    setup_capture();

    retval = unixctl_server_create(unixctl_path, &unixctl);
    if (retval) {
        exit(EXIT_FAILURE);
    }
    register_commands();
    daemonize_complete();
    VLOG_INFO("fabric listening on %s", socket_path);

    while (!exiting) {
        unixctl_server_run(unixctl);
        accept_connections();
        run_conns();
        drain_daemon_ring();
        update_rate();
        if (exiting) {
            break;
        }

        unixctl_server_wait(unixctl);
        wait_conns();
        daemon_ring_wait();
        poll_timer_wait_until(rate_time + RATE_INTERVAL_MSEC);
        poll_block();
    }

    while (!ovs_list_is_empty(&conns)) {
        conn_destroy(CONTAINER_OF(ovs_list_front(&conns), struct conn,
                                  node));
    }
    stop_capture();
    unixctl_server_destroy(unixctl);
    close(listen_fd);
    fabric_sm_destroy(&sm);
    remove_wake_dir(NULL);
    fabric_shm_unmap(&shm);
    service_stop();
    return 0;
}

/* Options. */

static uint64_t
parse_subnet_prefix(const char *s)
{
    struct ib_gid gid;
    unsigned long long int value;
    char *tail;

    if (ib_gid_parse(s, &gid)) {
        if (ib_gid_interface_id(&gid)) {
            ovs_fatal(0, "--subnet-prefix=%s: the low 64 bits must be zero",
                      s);
        }
        return ib_gid_subnet_prefix(&gid);
    }
    errno = 0;
    value = strtoull(s, &tail, 0);
    if (errno || *tail || !*s) {
        ovs_fatal(0, "--subnet-prefix=%s: expected a GID prefix such as "
                  "fe80:: or a 64-bit number", s);
    }
    return value;
}

static uint32_t
parse_uint(const char *option, const char *s, uint32_t min, uint32_t max)
{
    unsigned long int value;
    char *tail;

    errno = 0;
    value = strtoul(s, &tail, 0);
    if (errno || *tail || !*s || value < min || value > max) {
        ovs_fatal(0, "--%s=%s: expected a number from %"PRIu32" to %"PRIu32,
                  option, s, min, max);
    }
    return value;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_SOCKET = UCHAR_MAX + 1,
        OPT_PARTITIONS,
        OPT_PCAP,
        OPT_SUBNET_PREFIX,
        OPT_MAX_MTU,
        OPT_MAX_PORTS,
        OPT_RING_SLOTS,
        OPT_UNIXCTL,
        OPT_HCA_OFFLOADS,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"pcap", required_argument, NULL, OPT_PCAP},
        {"subnet-prefix", required_argument, NULL, OPT_SUBNET_PREFIX},
        {"max-mtu", required_argument, NULL, OPT_MAX_MTU},
        {"max-ports", required_argument, NULL, OPT_MAX_PORTS},
        {"ring-slots", required_argument, NULL, OPT_RING_SLOTS},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"hca-offloads", no_argument, NULL, OPT_HCA_OFFLOADS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    /* Static, so that it is still reachable (not a leak) when a bad option
     * makes us exit in the middle of the loop. */
    static char *short_options;

    short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_SOCKET:
            socket_path = xstrdup(optarg);
            break;

        case OPT_PARTITIONS:
            partitions_file = xstrdup(optarg);
            break;

        case OPT_PCAP:
            pcap_file = xstrdup(optarg);
            break;

        case OPT_SUBNET_PREFIX:
            subnet_prefix = parse_subnet_prefix(optarg);
            break;

        case OPT_MAX_MTU:
            max_mtu = parse_uint("max-mtu", optarg, 256, 4096);
            if (fabric_mtu_from_code(fabric_mtu_to_code(max_mtu))
                != max_mtu) {
                ovs_fatal(0, "--max-mtu=%s: expected 256, 512, 1024, 2048 "
                          "or 4096", optarg);
            }
            break;

        case OPT_MAX_PORTS:
            max_ports = parse_uint("max-ports", optarg, 1, FABRIC_MAX_PORTS);
            break;

        case OPT_RING_SLOTS:
            ring_slots = parse_uint("ring-slots", optarg,
                                    FABRIC_MIN_RING_SLOTS,
                                    FABRIC_MAX_RING_SLOTS);
            if (ring_slots & (ring_slots - 1)) {
                ovs_fatal(0, "--ring-slots=%s: must be a power of 2",
                          optarg);
            }
            break;

        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;

        case OPT_HCA_OFFLOADS:
            hca_offloads = FABRIC_HCA_CSUM | FABRIC_HCA_LSO;
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);
    short_options = NULL;

    if (optind < argc) {
        ovs_fatal(0, "too many arguments (\"%s\"); use --help for usage",
                  argv[optind]);
    }
    if (!socket_path) {
        socket_path = xasprintf("%s/ipoib-fabric.sock", ovs_rundir());
    } else if (socket_path[0] != '/') {
        /* Clients and the wake-up directory need it absolute. */
        char *abs = abs_file_name(NULL, socket_path);
        free(socket_path);
        socket_path = abs;
    }
}

static void
usage(void)
{
    printf("%s: simulated InfiniBand subnet (subnet manager and switch)\n"
           "usage: %s [OPTIONS]\n"
           "\nFabric options:\n"
           "  --socket=PATH           unix socket clients attach to\n"
           "                          (default: %s/ipoib-fabric.sock)\n"
           "  --partitions=FILE       partitions in OpenSM partitions.conf "
           "syntax\n"
           "                          (default: \"%s\")\n"
           "  --pcap=FILE             capture all packets from the start\n"
           "  --subnet-prefix=PREFIX  GID subnet prefix (default fe80::)\n"
           "  --max-mtu=BYTES         port MTU, 256...4096 (default 4096)\n"
           "  --max-ports=N           ports at most (default %d, max %d)\n"
           "  --ring-slots=N          receive ring slots per port (default "
           "%d)\n"
           "  --hca-offloads          HCAs fill and verify checksums and do "
           "LSO\n",
           program_name, program_name, ovs_rundir(),
           FABRIC_DEFAULT_PARTITIONS, FABRIC_DEFAULT_PORTS, FABRIC_MAX_PORTS,
           FABRIC_DEFAULT_RING_SLOTS);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
