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

/* A command-line client of the SA, for tests/ipoib-sa.at: it runs the
 * commands given as arguments, one after another, through one
 * ib_sa_client, and prints each answer.  Run "test-sa-client help". */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <infiniband/umad.h>

#include "lib/ipoib-addr.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "transport/ib-sa-client.h"
#include "util.h"

#define MAX_WORDS 8
#define MAX_GROUPS 16

/* Join answers, to serve as templates for "create=MGID". */
static struct ipoib_mcast_group groups[MAX_GROUPS];
static int n_groups;

static struct ib_gid port_gid;

static void
usage(void)
{
    printf("usage: %s [OPTIONS] CA PORT 'COMMAND ARGS'...\n"
           "Runs each COMMAND in order on one SA client of CA's PORT.\n"
           "Commands:\n"
           "  path DGID|lid:LID PKEY\n"
           "  join MGID PKEY full|sendonly [create[=TEMPLATE-MGID]]"
           " [qkey=QKEY]\n"
           "  leave MGID PKEY full|sendonly\n"
           "  port          (re-read and print the port's LID and SM LID)\n"
           "  sm-lid        (print the SM LID the client uses now)\n"
           "  gid           (print the port's GID)\n"
           "  stats         (print the client's counters)\n"
           "  touch FILE    (write this process's pid into FILE)\n"
           "  wait-file FILE (wait up to 60 s until FILE exists)\n"
           "Options:\n"
           "  --timeout=MS  time per try (default 1000)\n"
           "  --tries=N     tries per request (default 4)\n",
           program_name);
}

static const char *
errno_name(int error)
{
    switch (error) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINVAL: return "EINVAL";
    case EPROTO: return "EPROTO";
    case ENOSPC: return "ENOSPC";
    case E2BIG: return "E2BIG";
    case ENODEV: return "ENODEV";
    default: return ovs_strerror(error);
    }
}

static uint16_t
parse_pkey(const char *s)
{
    unsigned long pkey = strtoul(s, NULL, 0);

    if (!pkey || pkey > 0xffff) {
        ovs_fatal(0, "%s: bad P_Key", s);
    }
    return pkey;
}

static void
parse_gid(const char *s, struct ib_gid *gid)
{
    if (!ib_gid_parse(s, gid)) {
        ovs_fatal(0, "%s: bad GID", s);
    }
}

static enum ipoib_join_state
parse_join_state(const char *s)
{
    if (!strcmp(s, "full")) {
        return IPOIB_JOIN_FULL;
    } else if (!strcmp(s, "sendonly")) {
        return IPOIB_JOIN_SEND_ONLY;
    }
    ovs_fatal(0, "%s: join state must be full or sendonly", s);
}

/* Runs the client until it has an answer. */
static void
wait_answer(struct ib_sa_client *client, struct ib_sa_answer *answer)
{
    for (;;) {
        ib_sa_client_run(client);
        if (!ib_sa_client_poll(client, answer)) {
            return;
        }
        ib_sa_client_wait(client);
        poll_block();
    }
}

static void
print_error(const char *what, const struct ib_sa_answer *answer)
{
    printf("%s: %s", what, errno_name(answer->status));
    if (answer->sa_status) {
        printf(" (MAD status 0x%04"PRIx16")", answer->sa_status);
    }
    putchar('\n');
}

static void
do_path(struct ib_sa_client *client, char *words[], int n)
{
    struct ib_sa_answer answer;
    struct ib_gid dgid;
    char gid_s[IB_GID_STRLEN];
    uint16_t dlid = 0;
    int error;

    if (n != 3) {
        ovs_fatal(0, "path needs DGID|lid:LID PKEY");
    }
    if (!strncmp(words[1], "lid:", 4)) {
        dlid = strtoul(words[1] + 4, NULL, 0);
    } else {
        parse_gid(words[1], &dgid);
    }
    error = ib_sa_query_path(client, &port_gid, dlid ? NULL : &dgid, dlid,
                             parse_pkey(words[2]), 1);
    if (error) {
        printf("path %s: not sent: %s\n", words[1], errno_name(error));
        return;
    }
    wait_answer(client, &answer);
    if (answer.type != IB_SA_ANSWER_PATH || answer.cookie != 1) {
        ovs_fatal(0, "wrong answer type or cookie");
    }
    if (answer.status) {
        print_error("path", &answer);
        return;
    }
    printf("path: dgid=%s dlid=%"PRIu16" sl=%u mtu=%"PRIu32"\n",
           ib_gid_format(&answer.path.dgid, gid_s), answer.path.dlid,
           answer.path.sl, answer.path.ib_mtu);
}

static const struct ipoib_mcast_group *
find_group(const struct ib_gid *mgid)
{
    for (int i = 0; i < n_groups; i++) {
        if (ib_gid_equals(&groups[i].mgid, mgid)) {
            return &groups[i];
        }
    }
    return NULL;
}

static void
remember_group(const struct ipoib_mcast_group *group)
{
    struct ipoib_mcast_group *slot;

    slot = CONST_CAST(struct ipoib_mcast_group *, find_group(&group->mgid));
    if (!slot && n_groups < MAX_GROUPS) {
        slot = &groups[n_groups++];
    }
    if (slot) {
        *slot = *group;
    }
}

static void
do_join(struct ib_sa_client *client, char *words[], int n)
{
    struct ipoib_mcast_group create, *createp = NULL;
    struct ib_sa_answer answer;
    struct ib_gid mgid;
    char gid_s[IB_GID_STRLEN];
    uint16_t pkey;
    int error;

    if (n < 4) {
        ovs_fatal(0, "join needs MGID PKEY full|sendonly");
    }
    parse_gid(words[1], &mgid);
    pkey = parse_pkey(words[2]);

    /* A group of the default kind IPoIB creates: OpenSM's broadcast group
     * Q_Key, 2048-byte MTU, SL 0. */
    memset(&create, 0, sizeof create);
    create.mgid = mgid;
    create.qkey = 0x0b1b;
    create.ib_mtu = 2048;
    create.pkey = pkey | 0x8000;
    for (int i = 4; i < n; i++) {
        if (!strcmp(words[i], "create")) {
            createp = &create;
        } else if (!strncmp(words[i], "create=", 7)) {
            const struct ipoib_mcast_group *template;
            struct ib_gid template_mgid;

            parse_gid(words[i] + 7, &template_mgid);
            template = find_group(&template_mgid);
            if (!template) {
                ovs_fatal(0, "%s: not joined before", words[i] + 7);
            }
            create = *template;
            createp = &create;
        } else if (!strncmp(words[i], "qkey=", 5)) {
            create.qkey = strtoul(words[i] + 5, NULL, 0);
        } else {
            ovs_fatal(0, "%s: unknown join option", words[i]);
        }
    }

    error = ib_sa_join_mcast(client, &port_gid, &mgid, pkey,
                             parse_join_state(words[3]), createp, 2);
    if (error) {
        printf("join: not sent: %s\n", errno_name(error));
        return;
    }
    wait_answer(client, &answer);
    if (answer.type != IB_SA_ANSWER_JOIN || answer.cookie != 2) {
        ovs_fatal(0, "wrong answer type or cookie");
    }
    if (answer.status) {
        print_error("join", &answer);
        return;
    }
    remember_group(&answer.group);
    printf("join: mgid=%s mlid=0x%04"PRIx16" qkey=0x%08"PRIx32
           " mtu=%"PRIu32" sl=%u pkey=0x%04"PRIx16"\n",
           ib_gid_format(&answer.group.mgid, gid_s), answer.group.mlid,
           answer.group.qkey, answer.group.ib_mtu, answer.group.sl,
           answer.group.pkey);
}

static void
do_leave(struct ib_sa_client *client, char *words[], int n)
{
    struct ib_sa_answer answer;
    struct ib_gid mgid;
    char gid_s[IB_GID_STRLEN];
    int error;

    if (n != 4) {
        ovs_fatal(0, "leave needs MGID PKEY full|sendonly");
    }
    parse_gid(words[1], &mgid);
    error = ib_sa_leave_mcast(client, &port_gid, &mgid, parse_pkey(words[2]),
                              parse_join_state(words[3]), 3);
    if (error) {
        printf("leave: not sent: %s\n", errno_name(error));
        return;
    }
    wait_answer(client, &answer);
    if (answer.type != IB_SA_ANSWER_LEAVE || answer.cookie != 3) {
        ovs_fatal(0, "wrong answer type or cookie");
    }
    if (answer.status) {
        print_error("leave", &answer);
        return;
    }
    printf("leave: mgid=%s\n", ib_gid_format(&answer.group.mgid, gid_s));
}

static void
do_stats(const struct ib_sa_client *client)
{
    struct ib_sa_client_stats s;

    ib_sa_client_get_stats(client, &s);
    printf("stats: sent=%"PRIu64" retries=%"PRIu64" timeouts=%"PRIu64
           " answers=%"PRIu64" malformed=%"PRIu64" unmatched=%"PRIu64
           " busy=%"PRIu64" send_errors=%"PRIu64"\n",
           s.sent, s.retries, s.timeouts, s.answers, s.malformed,
           s.unmatched, s.busy, s.send_errors);
}

static void
wait_file(const char *name)
{
    long long int deadline = time_msec() + 60000;
    struct stat st;

    while (stat(name, &st)) {
        if (time_msec() > deadline) {
            ovs_fatal(0, "%s: still absent after 60 s", name);
        }
        poll_timer_wait(50);
        poll_block();
    }
}

static void
run_command(struct ib_sa_client *client, const char *ca, int port_num,
            char *command)
{
    char *words[MAX_WORDS];
    char *save = NULL;
    int n = 0;

    for (char *w = strtok_r(command, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        if (n >= MAX_WORDS) {
            ovs_fatal(0, "too many words in a command");
        }
        words[n++] = w;
    }
    if (!n) {
        return;
    }

    if (!strcmp(words[0], "path")) {
        do_path(client, words, n);
    } else if (!strcmp(words[0], "join")) {
        do_join(client, words, n);
    } else if (!strcmp(words[0], "leave")) {
        do_leave(client, words, n);
    } else if (!strcmp(words[0], "port")) {
        int error = ib_sa_client_refresh_port(client);

        if (error) {
            printf("port: %s\n", errno_name(error));
        } else {
            printf("port: sm_lid=%"PRIu16"\n", ib_sa_client_sm_lid(client));
        }
    } else if (!strcmp(words[0], "sm-lid")) {
        printf("sm-lid: %"PRIu16"\n", ib_sa_client_sm_lid(client));
    } else if (!strcmp(words[0], "gid")) {
        char gid_s[IB_GID_STRLEN];

        printf("gid: %s (%s:%d)\n", ib_gid_format(&port_gid, gid_s), ca,
               port_num);
    } else if (!strcmp(words[0], "stats")) {
        do_stats(client);
    } else if (!strcmp(words[0], "touch") && n == 2) {
        FILE *f = fopen(words[1], "w");

        if (!f) {
            ovs_fatal(errno, "%s", words[1]);
        }
        /* The pid lets a test find this process's umad2sim directory. */
        fprintf(f, "%ld\n", (long) getpid());
        fclose(f);
    } else if (!strcmp(words[0], "wait-file") && n == 2) {
        wait_file(words[1]);
    } else {
        ovs_fatal(0, "%s: unknown command (or wrong arguments)", words[0]);
    }
    fflush(stdout);
}

/* Reads the port's GID, the source GID of every request. */
static void
read_port_gid(const char *ca, int port_num)
{
    umad_port_t port;
    int error;

    memset(&port, 0, sizeof port);
    error = umad_get_port(ca, port_num, &port);
    if (error) {
        ovs_fatal(-error, "%s:%d: cannot read port", ca, port_num);
    }
    memcpy(port_gid.b, &port.gid_prefix, 8);
    memcpy(port_gid.b + 8, &port.port_guid, 8);
    umad_release_port(&port);
}

int
main(int argc, char *argv[])
{
    struct ib_sa_client_config cfg;
    struct ib_sa_client *client;
    int i, error;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    memset(&cfg, 0, sizeof cfg);
    for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strncmp(argv[i], "--timeout=", 10)) {
            cfg.timeout_ms = atoi(argv[i] + 10);
        } else if (!strncmp(argv[i], "--tries=", 8)) {
            cfg.max_tries = atoi(argv[i] + 8);
        } else if (!strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else {
            ovs_fatal(0, "%s: unknown option", argv[i]);
        }
    }
    if (i < argc && !strcmp(argv[i], "help")) {
        usage();
        return 0;
    }
    if (argc - i < 2) {
        usage();
        return 1;
    }
    cfg.ca_name = argv[i];
    cfg.port_num = atoi(argv[i + 1]);
    i += 2;

    error = ib_sa_client_open(&cfg, &client);
    if (error) {
        printf("open: %s\n", errno_name(error));
        return 1;
    }
    read_port_gid(cfg.ca_name, cfg.port_num);
    for (; i < argc; i++) {
        char *command = xstrdup(argv[i]);

        run_command(client, cfg.ca_name, cfg.port_num, command);
        free(command);
    }
    if (ib_sa_client_n_pending(client)) {
        ovs_fatal(0, "requests still pending at exit");
    }
    ib_sa_client_close(client);
    return 0;
}
