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

/* Tests of the simulated subnet (ipoib-fabricd) and the "sim" transport.
 *
 *   test-fabric partitions FILE       parse a partitions file, print it
 *   test-fabric script SOCKET FILE    run a script of port operations
 *   test-fabric hold SOCKET NAME[:GUID]...
 *                                     attach ports, log their state
 *                                     changes until killed
 *   test-fabric garbage SOCKET        send malformed messages
 *   test-fabric ring                  ring and shared memory unit tests
 *   test-fabric bench SOCKET N SIZE...
 *                                     packets/s of the data path: two
 *                                     threads send N packets of each SIZE
 *                                     on one port, another port receives
 *
 * Script commands, one a line ('#' starts a comment):
 *   open PORT [GUID]                  attach and wait until ACTIVE
 *   close PORT
 *   qp PORT QP PKEY QKEY              create a QP, named QP
 *   destroy-qp PORT QP
 *   join PORT MGID PKEY QKEY full|send-only
 *   leave PORT MGID PKEY full|send-only
 *   attach PORT QP MGID               attach QP to a joined group
 *   path PORT gid|lid DESTPORT PKEY
 *   send PORT QP DESTPORT DESTQP PKEY QKEY LEN [grh]
 *   msend PORT QP MGID PKEY QKEY LEN
 *   recv PORT                         print what arrives within 200 ms
 *   stats PORT                        print the port's nonzero counters
 *   wait-state PORT up|down           wait for a PORT_STATE event
 *   sleep MSEC
 *   shell COMMAND...                  run a shell command (e.g. ovs-appctl)
 */

#include <config.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "fabric/fabric-partitions.h"
#include "fabric/fabric-proto.h"
#include "fabric/fabric-ring.h"
#include "fabric/fabric-shm.h"
#include "lib/ipoib-addr.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "random.h"
#include "timeval.h"
#include "transport/ipoib-transport.h"
#include "util.h"

#define MAX_PORTS 16
#define MAX_QPS 64
#define WAIT_MSEC 5000

static const struct ipoib_transport_class *tc;

struct test_port {
    char *name;
    struct ipoib_port *port;
    struct ipoib_port_attr attr;
    struct ipoib_event events[64];
    int n_events;
};

struct test_qp {
    char *name;
    struct test_port *port;
    uint32_t qpn;
};

struct test_group {
    struct ib_gid mgid;
    uint16_t mlid;
};

static struct test_port ports[MAX_PORTS];
static int n_ports;
static struct test_qp qps[MAX_QPS];
static int n_qps;
static struct test_group groups[MAX_QPS];
static int n_groups;
static const char *socket_path;

/* Helpers. */

static struct test_port *
find_port(const char *name)
{
    for (int i = 0; i < n_ports; i++) {
        if (ports[i].name && !strcmp(ports[i].name, name)) {
            return &ports[i];
        }
    }
    ovs_fatal(0, "no port %s", name);
}

static struct test_qp *
find_qp(const char *name)
{
    for (int i = 0; i < n_qps; i++) {
        if (!strcmp(qps[i].name, name)) {
            return &qps[i];
        }
    }
    ovs_fatal(0, "no QP %s", name);
}

static uint64_t
parse_num(const char *s)
{
    char *tail;
    unsigned long long int n = strtoull(s, &tail, 0);

    if (*tail || !*s) {
        ovs_fatal(0, "%s: not a number", s);
    }
    return n;
}

static struct ib_gid
parse_gid(const char *s)
{
    struct ib_gid gid;

    if (!ib_gid_parse(s, &gid)) {
        ovs_fatal(0, "%s: not a GID", s);
    }
    return gid;
}

static const char *
state_name(enum ipoib_port_state state)
{
    return (state == IPOIB_PORT_ACTIVE ? "ACTIVE"
            : state == IPOIB_PORT_INIT ? "INIT" : "DOWN");
}

/* Runs every port's control path and collects its events. */
static void
run_ports(void)
{
    for (int i = 0; i < n_ports; i++) {
        struct test_port *p = &ports[i];
        struct ipoib_event ev;

        if (!p->port) {
            continue;
        }
        tc->run(p->port);
        while (p->n_events < ARRAY_SIZE(p->events)
               && !tc->poll_event(p->port, &ev)) {
            p->events[p->n_events++] = ev;
        }
        tc->query_port(p->port, &p->attr);
    }
}

static void
wait_ports(long long int deadline)
{
    for (int i = 0; i < n_ports; i++) {
        if (ports[i].port) {
            tc->wait(ports[i].port);
        }
    }
    poll_timer_wait_until(deadline);
    poll_block();
}

/* Takes the first event of 'type' from 'p', waiting for it up to
 * WAIT_MSEC.  Returns false on timeout. */
static bool
take_event(struct test_port *p, enum ipoib_event_type type,
           struct ipoib_event *ev)
{
    long long int deadline = time_msec() + WAIT_MSEC;

    for (;;) {
        run_ports();
        for (int i = 0; i < p->n_events; i++) {
            if (p->events[i].type == type) {
                *ev = p->events[i];
                memmove(&p->events[i], &p->events[i + 1],
                        (p->n_events - i - 1) * sizeof p->events[0]);
                p->n_events--;
                return true;
            }
        }
        if (time_msec() >= deadline) {
            return false;
        }
        wait_ports(deadline);
    }
}

static bool
wait_for_state(struct test_port *p, enum ipoib_port_state state)
{
    long long int deadline = time_msec() + WAIT_MSEC;

    for (;;) {
        run_ports();
        if (p->attr.state == state) {
            return true;
        }
        if (time_msec() >= deadline) {
            return false;
        }
        wait_ports(deadline);
    }
}

static void
print_pkeys(const struct ipoib_port_attr *attr)
{
    for (int i = 0; i < attr->n_pkeys; i++) {
        printf("%s0x%04"PRIx16, i ? "," : "", attr->pkeys[i]);
    }
}

static struct test_port *
open_port(const char *name, uint64_t guid)
{
    struct ipoib_port_config cfg = {
        .device = "sim",
        .port_num = 1,
        .fabric = socket_path,
        .guid = guid,
        .name = name,
    };
    struct test_port *p;
    int error;

    if (n_ports >= MAX_PORTS) {
        ovs_fatal(0, "too many ports");
    }
    p = &ports[n_ports++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    error = tc->open(&cfg, &p->port);
    if (error) {
        ovs_fatal(error, "%s: open failed", name);
    }
    return p;
}

/* Script commands. */

static void
cmd_open(char *argv[], int argc)
{
    struct test_port *p = open_port(argv[1],
                                    argc > 2 ? parse_num(argv[2]) : 0);
    char gid[IB_GID_STRLEN];

    if (!wait_for_state(p, IPOIB_PORT_ACTIVE)) {
        printf("%s: not ACTIVE\n", p->name);
        return;
    }
    p->n_events = 0;            /* The attach's own PORT_STATE. */
    printf("%s: state=%s lid=%"PRIu16" sm_lid=%"PRIu16" gid=%s mtu=%"PRIu32
           " pkeys=", p->name, state_name(p->attr.state), p->attr.lid,
           p->attr.sm_lid, ib_gid_format(&p->attr.gid, gid),
           p->attr.ib_mtu);
    print_pkeys(&p->attr);
    printf("\n");
}

static void
cmd_close(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);

    tc->close(p->port);
    p->port = NULL;
    free(p->name);
    p->name = NULL;
}

static void
cmd_qp(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    uint32_t qpn;
    int error;

    error = tc->create_qp(p->port, parse_num(argv[3]), parse_num(argv[4]),
                          &qpn);
    if (error) {
        printf("%s: create_qp %s failed (%s)\n", p->name, argv[2],
               ovs_strerror(error));
        return;
    }
    if (n_qps >= MAX_QPS) {
        ovs_fatal(0, "too many QPs");
    }
    qps[n_qps].name = xstrdup(argv[2]);
    qps[n_qps].port = p;
    qps[n_qps].qpn = qpn;
    n_qps++;
    printf("%s: qp %s=0x%"PRIx32"\n", p->name, argv[2], qpn);
}

static void
cmd_destroy_qp(char *argv[], int argc OVS_UNUSED)
{
    struct test_qp *qp = find_qp(argv[2]);

    tc->destroy_qp(find_port(argv[1])->port, qp->qpn);
}

static enum ipoib_join_state
parse_join_state(const char *s)
{
    return !strcmp(s, "full") ? IPOIB_JOIN_FULL : IPOIB_JOIN_SEND_ONLY;
}

static void
remember_group(const struct ib_gid *mgid, uint16_t mlid)
{
    for (int i = 0; i < n_groups; i++) {
        if (ib_gid_equals(&groups[i].mgid, mgid)) {
            groups[i].mlid = mlid;
            return;
        }
    }
    if (n_groups < ARRAY_SIZE(groups)) {
        groups[n_groups].mgid = *mgid;
        groups[n_groups].mlid = mlid;
        n_groups++;
    }
}

static uint16_t
group_mlid(const struct ib_gid *mgid)
{
    for (int i = 0; i < n_groups; i++) {
        if (ib_gid_equals(&groups[i].mgid, mgid)) {
            return groups[i].mlid;
        }
    }
    ovs_fatal(0, "group not joined yet");
}

static void
cmd_join(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct ib_gid mgid = parse_gid(argv[2]);
    struct ipoib_event ev;
    char buf[IB_GID_STRLEN];
    int error;

    error = tc->join_mcast(p->port, &mgid, parse_num(argv[3]),
                           parse_num(argv[4]), parse_join_state(argv[5]));
    if (error) {
        printf("%s: join failed at once (%s)\n", p->name,
               ovs_strerror(error));
        return;
    }
    if (!take_event(p, IPOIB_EV_JOIN_DONE, &ev)) {
        printf("%s: no join answer\n", p->name);
        return;
    }
    if (ev.status) {
        printf("%s: join %s failed (%s)\n", p->name,
               ib_gid_format(&ev.join.mgid, buf), ovs_strerror(ev.status));
        return;
    }
    remember_group(&ev.join.mgid, ev.join.mlid);
    printf("%s: joined %s mlid=0x%04"PRIx16" qkey=0x%"PRIx32" mtu=%"PRIu32
           " sl=%d pkey=0x%04"PRIx16"\n", p->name,
           ib_gid_format(&ev.join.mgid, buf), ev.join.mlid, ev.join.qkey,
           ev.join.ib_mtu, ev.join.sl, ev.join.pkey);
}

static void
cmd_leave(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct ib_gid mgid = parse_gid(argv[2]);

    tc->leave_mcast(p->port, &mgid, parse_num(argv[3]),
                    parse_join_state(argv[4]));
}

static void
cmd_attach(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct ib_gid mgid = parse_gid(argv[3]);
    int error;

    error = tc->attach_mcast(p->port, find_qp(argv[2])->qpn, &mgid,
                             group_mlid(&mgid));
    if (error) {
        printf("%s: attach failed (%s)\n", p->name, ovs_strerror(error));
    }
}

static void
cmd_path(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct test_port *dst = find_port(argv[3]);
    bool by_gid = !strcmp(argv[2], "gid");
    struct ipoib_event ev;
    char buf[IB_GID_STRLEN];
    int error;

    error = tc->query_path(p->port, by_gid ? &dst->attr.gid : NULL,
                           by_gid ? 0 : dst->attr.lid, parse_num(argv[4]));
    if (error) {
        printf("%s: path query failed at once (%s)\n", p->name,
               ovs_strerror(error));
        return;
    }
    if (!take_event(p, IPOIB_EV_PATH_DONE, &ev)) {
        printf("%s: no path answer\n", p->name);
        return;
    }
    if (ev.status) {
        printf("%s: path to %s failed (%s)\n", p->name, dst->name,
               ovs_strerror(ev.status));
        return;
    }
    printf("%s: path to %s by %s: query_dlid=%"PRIu16" dlid=%"PRIu16
           " dgid=%s sl=%d mtu=%"PRIu32"\n", p->name, dst->name, argv[2],
           ev.path.query_dlid, ev.path.path.dlid,
           ib_gid_format(&ev.path.path.dgid, buf), ev.path.path.sl,
           ev.path.path.ib_mtu);
}

static void
fill_payload(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = i & 0xff;
    }
}

static void
send_one(struct test_port *p, struct ipoib_tx_desc *desc)
{
    static uint8_t buf[8192];
    int n;

    if (desc->len > sizeof buf) {
        ovs_fatal(0, "too long");
    }
    fill_payload(buf, desc->len);
    desc->data = buf;
    n = tc->send(p->port, desc, 1);
    printf("%s: sent %d\n", p->name, n);
}

static void
cmd_send(char *argv[], int argc)
{
    struct test_port *p = find_port(argv[1]);
    struct test_port *dst = find_port(argv[3]);
    struct ipoib_tx_desc desc;

    memset(&desc, 0, sizeof desc);
    desc.src_qpn = find_qp(argv[2])->qpn;
    desc.dlid = dst->attr.lid;
    desc.dqpn = find_qp(argv[4])->qpn;
    desc.pkey = parse_num(argv[5]);
    desc.qkey = parse_num(argv[6]);
    desc.len = parse_num(argv[7]);
    if (argc > 8 && !strcmp(argv[8], "grh")) {
        desc.global = true;
        desc.dgid = dst->attr.gid;
    }
    send_one(p, &desc);
}

static void
cmd_msend(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct ipoib_tx_desc desc;

    memset(&desc, 0, sizeof desc);
    desc.src_qpn = find_qp(argv[2])->qpn;
    desc.dgid = parse_gid(argv[3]);
    desc.dlid = group_mlid(&desc.dgid);
    desc.dqpn = IB_MULTICAST_QPN;
    desc.global = true;
    desc.pkey = parse_num(argv[4]);
    desc.qkey = parse_num(argv[5]);
    desc.len = parse_num(argv[6]);
    send_one(p, &desc);
}

static const char *
qp_name(const struct test_port *p, uint32_t qpn)
{
    for (int i = 0; i < n_qps; i++) {
        if (qps[i].port == p && qps[i].qpn == qpn) {
            return qps[i].name;
        }
    }
    return "?";
}

static bool
payload_ok(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != (i & 0xff)) {
            return false;
        }
    }
    return true;
}

static void
print_rx(const struct test_port *p, const struct ipoib_rx_desc *d)
{
    char sgid[IB_GID_STRLEN], dgid[IB_GID_STRLEN];

    printf("%s: rx qp=%s sqpn=0x%"PRIx32" slid=%"PRIu16" pkey=0x%04"PRIx16
           " len=%zu%s%s", p->name, qp_name(p, d->dqpn), d->sqpn, d->slid,
           d->pkey, d->len, d->multicast ? " mcast" : "",
           payload_ok(d->buf, d->len) ? "" : " BAD-PAYLOAD");
    if (d->has_grh) {
        printf(" sgid=%s dgid=%s", ib_gid_format(&d->sgid, sgid),
               ib_gid_format(&d->dgid, dgid));
    }
    printf("\n");
}

static void
cmd_recv(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    long long int deadline = time_msec() + 200;
    static uint8_t bufs[4][8192];
    struct ipoib_rx_desc descs[4];

    for (;;) {
        int n;

        for (int i = 0; i < ARRAY_SIZE(descs); i++) {
            descs[i].buf = bufs[i];
            descs[i].buf_size = sizeof bufs[i];
        }
        n = tc->recv(p->port, descs, ARRAY_SIZE(descs));
        for (int i = 0; i < n; i++) {
            print_rx(p, &descs[i]);
        }
        if (n) {
            continue;
        }
        if (time_msec() >= deadline) {
            break;
        }
        tc->recv_wait(p->port);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static void
cmd_stats(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    struct ipoib_port_stats s;

    run_ports();
    tc->get_stats(p->port, &s);
    printf("%s: stats", p->name);
#define PRINT(FIELD)                                \
    if (s.FIELD) {                                  \
        printf(" " #FIELD "=%"PRIu64, s.FIELD);     \
    }
    PRINT(rx_packets);
    PRINT(rx_bytes);
    PRINT(tx_packets);
    PRINT(tx_bytes);
    PRINT(rx_dropped_no_qp);
    PRINT(rx_dropped_pkey);
    PRINT(rx_dropped_qkey);
    PRINT(rx_dropped_mtu);
    PRINT(rx_dropped_overrun);
    PRINT(tx_dropped);
#undef PRINT
    printf("\n");
}

static void
cmd_wait_state(char *argv[], int argc OVS_UNUSED)
{
    struct test_port *p = find_port(argv[1]);
    enum ipoib_port_state want = (!strcmp(argv[2], "up")
                                  ? IPOIB_PORT_ACTIVE : IPOIB_PORT_DOWN);
    long long int deadline = time_msec() + 3 * WAIT_MSEC;

    /* Daemon restarts take a while: allow more than one wait. */
    while (time_msec() < deadline) {
        struct ipoib_event ev;

        if (take_event(p, IPOIB_EV_PORT_STATE, &ev)) {
            run_ports();
            if (p->attr.state == want) {
                printf("%s: PORT_STATE %s lid=%"PRIu16"\n", p->name,
                       state_name(p->attr.state), p->attr.lid);
                return;
            }
        }
    }
    printf("%s: no PORT_STATE %s\n", p->name, argv[2]);
}

static void
cmd_sleep(char *argv[], int argc OVS_UNUSED)
{
    long long int deadline = time_msec() + parse_num(argv[1]);

    while (time_msec() < deadline) {
        run_ports();
        wait_ports(deadline);
    }
}

static void
cmd_shell(char *argv[], int argc)
{
    struct ds cmd = DS_EMPTY_INITIALIZER;

    /* Let the daemon see our latest counters first. */
    run_ports();
    for (int i = 1; i < argc; i++) {
        ds_put_format(&cmd, "%s ", argv[i]);
    }
    fflush(stdout);
    if (system(ds_cstr(&cmd))) {
        printf("shell: %s failed\n", ds_cstr(&cmd));
    }
    ds_destroy(&cmd);
}

struct command {
    const char *name;
    int min_args, max_args;
    void (*handler)(char *argv[], int argc);
};

static const struct command commands[] = {
    { "open", 1, 2, cmd_open },
    { "close", 1, 1, cmd_close },
    { "qp", 4, 4, cmd_qp },
    { "destroy-qp", 2, 2, cmd_destroy_qp },
    { "join", 5, 5, cmd_join },
    { "leave", 4, 4, cmd_leave },
    { "attach", 3, 3, cmd_attach },
    { "path", 4, 4, cmd_path },
    { "send", 7, 8, cmd_send },
    { "msend", 6, 6, cmd_msend },
    { "recv", 1, 1, cmd_recv },
    { "stats", 1, 1, cmd_stats },
    { "wait-state", 2, 2, cmd_wait_state },
    { "sleep", 1, 1, cmd_sleep },
    { "shell", 1, 15, cmd_shell },
};

static void
run_line(char *line, int line_no)
{
    char *argv[16];
    int argc = 0;
    char *save_ptr = NULL;
    char *comment = strchr(line, '#');

    if (comment) {
        *comment = '\0';
    }
    for (char *tok = strtok_r(line, " \t\n", &save_ptr); tok;
         tok = strtok_r(NULL, " \t\n", &save_ptr)) {
        if (argc >= ARRAY_SIZE(argv)) {
            ovs_fatal(0, "line %d: too many words", line_no);
        }
        argv[argc++] = tok;
    }
    if (!argc) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        const struct command *c = &commands[i];

        if (!strcmp(c->name, argv[0])) {
            if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
                ovs_fatal(0, "line %d: %s takes %d to %d arguments",
                          line_no, c->name, c->min_args, c->max_args);
            }
            c->handler(argv, argc);
            fflush(stdout);
            return;
        }
    }
    ovs_fatal(0, "line %d: unknown command %s", line_no, argv[0]);
}

static int
do_script(int argc, char *argv[])
{
    char line[1024];
    int line_no = 0;
    FILE *file;

    if (argc != 4) {
        ovs_fatal(0, "usage: script SOCKET FILE");
    }
    socket_path = argv[2];
    file = fopen(argv[3], "r");
    if (!file) {
        ovs_fatal(errno, "%s", argv[3]);
    }
    while (fgets(line, sizeof line, file)) {
        run_line(line, ++line_no);
    }
    fclose(file);
    for (int i = 0; i < n_ports; i++) {
        if (ports[i].port) {
            tc->close(ports[i].port);
        }
    }
    return 0;
}

/* partitions FILE */

static const char *
membership_name(unsigned int m)
{
    return (m == FABRIC_MEMBER_BOTH ? "both"
            : m == FABRIC_MEMBER_FULL ? "full" : "limited");
}

static int
do_partitions(int argc, char *argv[])
{
    static const char *kinds[] = {
        [FABRIC_MEMBER_ALL] = "ALL",
        [FABRIC_MEMBER_ALL_CAS] = "ALL_CAS",
        [FABRIC_MEMBER_ALL_SWITCHES] = "ALL_SWITCHES",
        [FABRIC_MEMBER_ALL_ROUTERS] = "ALL_ROUTERS",
        [FABRIC_MEMBER_SELF] = "SELF",
    };
    struct fabric_partitions parts;
    char *error;

    if (argc != 3) {
        ovs_fatal(0, "usage: partitions FILE");
    }
    error = fabric_partitions_read(argv[2], &parts);
    if (error) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return 1;
    }
    for (size_t i = 0; i < parts.n; i++) {
        const struct fabric_partition *p = &parts.parts[i];

        printf("%s: pkey=0x%04"PRIx16"%s mtu=%"PRIu32" rate=%d sl=%d "
               "scope=%d defmember=%s line=%d\n", p->name, p->pkey,
               p->ipoib ? " ipoib" : "", p->mtu, p->rate, p->sl, p->scope,
               membership_name(p->defmember), p->line);
        for (size_t j = 0; j < p->n_members; j++) {
            const struct fabric_partition_member *m = &p->members[j];

            if (m->kind == FABRIC_MEMBER_GUID) {
                printf("  0x%016"PRIx64"=%s\n", m->guid,
                       membership_name(m->membership));
            } else {
                printf("  %s=%s\n", kinds[m->kind],
                       membership_name(m->membership));
            }
        }
    }
    fabric_partitions_destroy(&parts);
    return 0;
}

/* hold SOCKET NAME[:GUID]... */

static volatile sig_atomic_t stop;

static void
on_signal(int sig OVS_UNUSED)
{
    stop = 1;
}

static int
do_hold(int argc, char *argv[])
{
    enum ipoib_port_state states[MAX_PORTS];

    if (argc < 4) {
        ovs_fatal(0, "usage: hold SOCKET NAME[:GUID]...");
    }
    socket_path = argv[2];
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    for (int i = 3; i < argc; i++) {
        char *name = xstrdup(argv[i]);
        char *colon = strchr(name, ':');

        if (colon) {
            *colon = '\0';
        }
        open_port(name, colon ? parse_num(colon + 1) : 0);
        states[n_ports - 1] = IPOIB_PORT_DOWN;
        free(name);
    }
    while (!stop) {
        run_ports();
        for (int i = 0; i < n_ports; i++) {
            struct test_port *p = &ports[i];

            p->n_events = 0;
            if (p->attr.state != states[i]) {
                char gid[IB_GID_STRLEN];

                states[i] = p->attr.state;
                printf("%s: %s lid=%"PRIu16" gid=%s\n", p->name,
                       state_name(p->attr.state), p->attr.lid,
                       ib_gid_format(&p->attr.gid, gid));
                fflush(stdout);
            }
        }
        wait_ports(time_msec() + 100);
    }
    for (int i = 0; i < n_ports; i++) {
        tc->close(ports[i].port);
    }
    return 0;
}

/* garbage SOCKET */

static int
connect_raw(int type)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, type, 0);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    ovs_strlcpy(sun.sun_path, socket_path, sizeof sun.sun_path);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        return -1;
    }
    return fd;
}

/* Sends 'len' bytes of 'msg' on a new connection and waits until the
 * daemon closes it or 300 ms pass.  Returns true if it closed it. */
static bool
send_garbage(const void *msg, size_t len, int fd_to_pass)
{
    int fd = connect_raw(SOCK_SEQPACKET);
    struct pollfd pfd;
    bool closed = false;
    char buf[FABRIC_MSG_MAX * 2];

    if (fd < 0) {
        ovs_fatal(errno, "connect");
    }
    if (fd_to_pass >= 0) {
        char control[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = CONST_CAST(void *, msg),
                             .iov_len = len };
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control, .msg_controllen = sizeof control,
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd_to_pass, sizeof(int));
        ignore(sendmsg(fd, &mh, 0));
    } else {
        ignore(send(fd, msg, len, 0));
    }

    pfd.fd = fd;
    pfd.events = POLLIN;
    while (poll(&pfd, 1, 300) > 0) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) {
            closed = true;
            break;
        } else if (n < 0) {
            break;
        }
    }
    close(fd);
    return closed;
}

static int
do_garbage(int argc, char *argv[])
{
    struct fabric_msg_attach attach;
    struct fabric_msg_join join;
    uint8_t junk[FABRIC_MSG_MAX + 100];
    int fd;

    if (argc != 3) {
        ovs_fatal(0, "usage: garbage SOCKET");
    }
    socket_path = argv[2];

    /* Random bytes of many sizes. */
    for (size_t len = 1; len < sizeof junk; len += 37) {
        for (size_t i = 0; i < len; i++) {
            junk[i] = random_uint32();
        }
        send_garbage(junk, len, -1);
    }
    printf("random: done\n");

    /* A valid header with a length that lies. */
    fabric_msg_init(&attach.hdr, FABRIC_MSG_ATTACH, 1);
    attach.version = FABRIC_PROTO_VERSION;
    attach.hdr.len = 12345;
    printf("bad length: %s\n",
           send_garbage(&attach, sizeof attach, -1) ? "closed" : "open");

    /* Truncated. */
    attach.hdr.len = sizeof attach;
    printf("truncated: %s\n",
           send_garbage(&attach, sizeof attach - 8, -1) ? "closed" : "open");

    /* Unknown type. */
    attach.hdr.type = 99;
    printf("unknown type: %s\n",
           send_garbage(&attach, sizeof attach, -1) ? "closed" : "open");

    /* A request before attaching. */
    fabric_msg_init(&join.hdr, FABRIC_MSG_JOIN, 1);
    printf("join before attach: %s\n",
           send_garbage(&join, sizeof join, -1) ? "closed" : "open");

    /* A message only the daemon sends. */
    fabric_msg_init(&attach.hdr, FABRIC_MSG_PATH_REPLY, 1);
    attach.hdr.len = fabric_msg_size(FABRIC_MSG_PATH_REPLY);
    printf("reply from client: %s\n",
           send_garbage(&attach, attach.hdr.len, -1) ? "closed" : "open");

    /* A file descriptor pushed at the daemon. */
    fabric_msg_init(&attach.hdr, FABRIC_MSG_ATTACH, 1);
    attach.version = FABRIC_PROTO_VERSION;
    attach.guid = 0;
    memset(attach.name, 'x', sizeof attach.name);   /* No NUL either. */
    printf("passed fd: %s\n",
           send_garbage(&attach, sizeof attach, STDIN_FILENO)
           ? "closed" : "open");

    /* Wrong version. */
    attach.version = 77;
    printf("bad version: %s\n",
           send_garbage(&attach, sizeof attach, -1) ? "closed" : "open");

    /* A stream socket cannot even connect to a seqpacket one. */
    fd = connect_raw(SOCK_STREAM);
    printf("stream connect: %s\n", fd < 0 ? "refused" : "accepted");
    if (fd >= 0) {
        close(fd);
    }
    return 0;
}

/* ring: unit tests of the ring and the shared memory checks. */

static void
check(bool ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) {
        exit(1);
    }
}

static int
do_ring(int argc OVS_UNUSED, char *argv[] OVS_UNUSED)
{
    struct fabric_shm shm, map;
    struct fabric_ring_ref ring;
    struct fabric_pkt_meta meta;
    struct fabric_ring_slot *slot;
    long long int stall = 0;
    uint8_t data[FABRIC_SLOT_DATA];
    bool wake, ok;
    int error, n;

    error = fabric_shm_create(&shm, 4, 4, 16, IB_DEFAULT_SUBNET_PREFIX,
                              "/nonexistent");
    check(!error, "create");
    ring.ring = fabric_shm_ring(&shm, 0);
    ring.n_slots = 16;
    ring.slot_size = shm.layout.slot_size;

    memset(&meta, 0, sizeof meta);
    memset(data, 0xab, sizeof data);
    for (n = 0; n < 20; n++) {
        meta.psn = n;
        meta.len = n;
        if (fabric_ring_enqueue(&ring, &meta, data, &wake)) {
            break;
        }
    }
    check(n == 16, "fills at 16 slots");
    check(atomic_load(&ring.ring->overruns) == 1, "counts the overrun");
    meta.len = FABRIC_SLOT_DATA + 1;
    check(fabric_ring_enqueue(&ring, &meta, data, &wake) == EINVAL,
          "rejects an oversized packet");

    ok = true;
    for (n = 0; n < 16; n++) {
        slot = fabric_ring_peek(&ring, &stall);
        ok = ok && slot && slot->meta.psn == n;
        if (slot) {
            fabric_ring_release(&ring, slot);
        }
    }
    check(ok, "dequeues in order");
    check(!fabric_ring_peek(&ring, &stall) && fabric_ring_is_empty(&ring),
          "empty after");

    /* Wake-up protocol. */
    check(fabric_ring_prepare_sleep(&ring), "may sleep when empty");
    meta.len = 10;
    fabric_ring_enqueue(&ring, &meta, data, &wake);
    check(wake, "producer wakes a sleeper");
    fabric_ring_enqueue(&ring, &meta, data, &wake);
    check(!wake, "only once");
    check(!fabric_ring_prepare_sleep(&ring), "no sleep with packets");
    fabric_ring_disarm(&ring);
    while ((slot = fabric_ring_peek(&ring, &stall))) {
        fabric_ring_release(&ring, slot);
    }

    /* A producer that claimed a slot and died: skipped after a while. */
    atomic_store(&ring.ring->head, atomic_load(&ring.ring->head) + 1);
    meta.psn = 77;
    fabric_ring_enqueue(&ring, &meta, data, &wake);
    check(!fabric_ring_peek(&ring, &stall) && stall, "stalled slot waits");
    stall -= FABRIC_RING_STALL_MS + 1;
    slot = fabric_ring_peek(&ring, &stall);
    check(slot && slot->meta.psn == 77, "stalled slot skipped");
    fabric_ring_release(&ring, slot);
    check(atomic_load(&ring.ring->stalls) == 1, "stall counted");

    /* Mapping checks: good, then corrupted headers. */
    check(!fabric_shm_map(&map, dup(shm.fd)), "maps a good header");
    fabric_shm_unmap(&map);
    struct fabric_shm_header *hdr = fabric_shm_hdr(&shm);
    hdr->ring_slots = 1u << 20;
    check(fabric_shm_map(&map, dup(shm.fd)) == EPROTO,
          "refuses too many ring slots");
    hdr->ring_slots = 16;
    hdr->rings_ofs += 4096;
    check(fabric_shm_map(&map, dup(shm.fd)) == EPROTO,
          "refuses a wrong offset");
    hdr->rings_ofs -= 4096;
    hdr->magic = 0;
    check(fabric_shm_map(&map, dup(shm.fd)) == EPROTO, "refuses bad magic");
    hdr->magic = FABRIC_SHM_MAGIC;
    memset(hdr->wake_dir, 'x', sizeof hdr->wake_dir);
    check(fabric_shm_map(&map, dup(shm.fd)) == EPROTO,
          "refuses an unterminated wake-up directory");
    ovs_strlcpy(hdr->wake_dir, "/nonexistent", sizeof hdr->wake_dir);
    ignore(ftruncate(shm.fd, 4096));
    check(fabric_shm_map(&map, dup(shm.fd)) == EPROTO,
          "refuses a short file");
    fabric_shm_unmap(&shm);
    return 0;
}

/* bench SOCKET N SIZE... */

#define BENCH_THREADS 2

struct bench_sender {
    struct ipoib_port *port;
    struct ipoib_tx_desc desc;
    int n;
    uint64_t n_sent;
};

static void *
bench_send_thread(void *sender_)
{
    struct bench_sender *s = sender_;
    struct ipoib_tx_desc batch[32];
    int left = s->n;

    for (int i = 0; i < ARRAY_SIZE(batch); i++) {
        batch[i] = s->desc;
    }
    while (left > 0) {
        int n = MIN(left, ARRAY_SIZE(batch));
        int sent = tc->send(s->port, batch, n);

        s->n_sent += sent;
        left -= n;
        if (sent < n) {
            /* The receiver is behind: let it catch up. */
            sched_yield();
        }
    }
    return NULL;
}

static void
bench_one(struct test_port *tx, struct test_port *rx, uint32_t tx_qpn,
          uint32_t rx_qpn, int n, size_t size)
{
    static uint8_t payload[FABRIC_SLOT_DATA];
    static uint8_t bufs[32][FABRIC_SLOT_DATA];
    struct ipoib_rx_desc descs[32];
    struct bench_sender senders[BENCH_THREADS];
    struct ipoib_port_stats before, after;
    uint64_t n_received = 0, n_sent = 0;
    long long int start, end, idle_since;
    pthread_t threads[BENCH_THREADS];

    /* Several threads send on one port at once, as PMD threads would. */
    for (int t = 0; t < BENCH_THREADS; t++) {
        struct bench_sender *sender = &senders[t];

        memset(sender, 0, sizeof *sender);
        sender->port = tx->port;
        sender->n = n / BENCH_THREADS;
        sender->desc.src_qpn = tx_qpn;
        sender->desc.dlid = rx->attr.lid;
        sender->desc.dqpn = rx_qpn;
        sender->desc.pkey = 0xffff;
        sender->desc.qkey = 0x0b1b;
        sender->desc.data = payload;
        sender->desc.len = size;
    }
    for (int i = 0; i < ARRAY_SIZE(descs); i++) {
        descs[i].buf = bufs[i];
        descs[i].buf_size = sizeof bufs[i];
    }

    tc->get_stats(rx->port, &before);
    start = time_msec();
    idle_since = 0;
    for (int t = 0; t < BENCH_THREADS; t++) {
        threads[t] = ovs_thread_create("bench-send", bench_send_thread,
                                       &senders[t]);
    }
    for (;;) {
        int got = tc->recv(rx->port, descs, ARRAY_SIZE(descs));

        n_received += got;
        if (got) {
            idle_since = 0;
            continue;
        }
        if (n_received >= (uint64_t) n / BENCH_THREADS * BENCH_THREADS) {
            break;
        }
        /* The sender may have finished with drops: stop when idle. */
        if (!idle_since) {
            idle_since = time_msec();
        } else if (time_msec() - idle_since > 200) {
            break;
        }
        tc->recv_wait(rx->port);
        poll_timer_wait(10);
        poll_block();
    }
    for (int t = 0; t < BENCH_THREADS; t++) {
        xpthread_join(threads[t], NULL);
        n_sent += senders[t].n_sent;
    }
    end = time_msec() - (idle_since ? time_msec() - idle_since : 0);
    tc->get_stats(rx->port, &after);
    if (end <= start) {
        end = start + 1;
    }
    printf("size %4zu: sent %"PRIu64" received %"PRIu64" in %lld ms: "
           "%.0f pps, %.1f Gbit/s payload (overruns %"PRIu64")\n",
           size, n_sent, n_received, end - start,
           n_received * 1000.0 / (end - start),
           n_received * size * 8.0 / ((end - start) * 1e6),
           after.rx_dropped_overrun - before.rx_dropped_overrun);
}

static int
do_bench(int argc, char *argv[])
{
    struct test_port *tx, *rx;
    uint32_t tx_qpn, rx_qpn;
    int n;

    if (argc < 5) {
        ovs_fatal(0, "usage: bench SOCKET N SIZE...");
    }
    socket_path = argv[2];
    n = parse_num(argv[3]);
    tx = open_port("bench-tx", 0);
    rx = open_port("bench-rx", 0);
    if (!wait_for_state(tx, IPOIB_PORT_ACTIVE)
        || !wait_for_state(rx, IPOIB_PORT_ACTIVE)) {
        ovs_fatal(0, "ports did not come up");
    }
    if (tc->create_qp(tx->port, 0xffff, 0x0b1b, &tx_qpn)
        || tc->create_qp(rx->port, 0xffff, 0x0b1b, &rx_qpn)) {
        ovs_fatal(0, "create_qp failed");
    }
    for (int i = 4; i < argc; i++) {
        bench_one(tx, rx, tx_qpn, rx_qpn, n, parse_num(argv[i]));
    }
    tc->close(tx->port);
    tc->close(rx->port);
    return 0;
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    vlog_set_levels_from_string_assert("transport_sim:console:warn");
    tc = ipoib_transport_find("sim");
    ovs_assert(tc);
    if (ipoib_transport_find("nonexistent")) {
        ovs_fatal(0, "ipoib_transport_find() found a bogus type");
    }

    if (argc < 2) {
        ovs_fatal(0, "usage: %s partitions|script|hold|garbage|ring|bench "
                  "...", argv[0]);
    }
    if (!strcmp(argv[1], "partitions")) {
        return do_partitions(argc, argv);
    } else if (!strcmp(argv[1], "script")) {
        return do_script(argc, argv);
    } else if (!strcmp(argv[1], "hold")) {
        return do_hold(argc, argv);
    } else if (!strcmp(argv[1], "garbage")) {
        return do_garbage(argc, argv);
    } else if (!strcmp(argv[1], "ring")) {
        return do_ring(argc, argv);
    } else if (!strcmp(argv[1], "bench")) {
        return do_bench(argc, argv);
    }
    ovs_fatal(0, "unknown command %s", argv[1]);
}
