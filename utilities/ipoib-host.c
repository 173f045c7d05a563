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

/* ipoib-host: a native IPoIB host on the simulated subnet, whose kernel
 * side is a tun device.  See ipoib-host(8). */

#include <config.h>
#include "utilities/ipoib-host.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_host);

/* How often the tun's addresses and groups are read again. */
#define ADDRS_READ_MS 500

#define DEFAULT_NEIGH_MAX_AGE_MS (300 * 1000)
#define MAX_NEIGHS 1024
#define MAX_PATHS 1024
#define MAX_GROUPS 256

static char *unixctl_path;
static char *netns_name;
static char *tun_name;
static bool exiting;

static void parse_options(int argc, char *argv[], struct ipoib_host *);
static void usage(void) OVS_NO_RETURN;

static void
enter_netns(const char *name)
{
    char *path = (name[0] == '/' ? xstrdup(name)
                  : xasprintf("/run/netns/%s", name));
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        ovs_fatal(errno, "%s: cannot open network namespace", path);
    }
    if (setns(fd, CLONE_NEWNET)) {
        ovs_fatal(errno, "%s: cannot enter network namespace", path);
    }
    close(fd);
    free(path);
}

static void
refresh_addrs(struct ipoib_host *h)
{
    struct host_addrs old = h->addrs;
    int error = host_addrs_read(h->tun.name, &h->addrs);

    h->next_addrs_read = time_msec() + ADDRS_READ_MS;
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: cannot read addresses (%s)", h->name,
                     ovs_strerror(error));
        h->addrs = old;
        return;
    }
    if (!host_addrs_equal(&old, &h->addrs)) {
        host_link_addrs_changed(h, &old);
    }
}

/* host/show. */

static void
format_port(struct ds *s, const struct ipoib_host *h)
{
    char gid_s[IB_GID_STRLEN], hw_s[IPOIB_HWADDR_STRLEN];

    ds_put_format(s, "host %s: link %s\n", h->name,
                  host_link_state_name(h->link));
    ds_put_format(s, "  port: LID=%"PRIu16" GID=%s QPN=0x%06"PRIx32
                  " PKEY=0x%04"PRIx16" QKEY=0x%"PRIx32" MTU=%d\n",
                  h->attr.lid, ib_gid_format(&h->attr.gid, gid_s), h->qpn,
                  h->port_pkey, h->bcast.qkey, h->mtu);
    ds_put_format(s, "  hwaddr: %s\n",
                  ipoib_hwaddr_format(&h->hwaddr, hw_s));
    ds_put_format(s, "  tun: %s\n", h->tun.name);
}

static void
format_addrs(struct ds *s, const struct ipoib_host *h)
{
    ds_put_cstr(s, "  addresses:\n");
    for (size_t i = 0; i < h->addrs.n; i++) {
        const struct host_addr *a = &h->addrs.addrs[i];
        char ip_s[INET6_ADDRSTRLEN];

        ds_put_format(s, "    %s/%d\n", host_neigh_ip_format(&a->ip, ip_s),
                      a->plen);
    }
}

static void
format_groups(struct ds *s, const struct ipoib_host *h)
{
    const struct host_group *g;
    char mgid_s[IB_GID_STRLEN];

    ds_put_cstr(s, "  groups:\n");
    ds_put_format(s, "    MGID=%s STATE=%s JOIN=full (broadcast)\n",
                  ib_gid_format(&h->bcast_mgid, mgid_s),
                  (h->link == HOST_LINK_UP ? "joined"
                   : h->link == HOST_LINK_JOINING ? "joining" : "idle"));
    HOST_GROUP_FOR_EACH (g, &h->groups) {
        ds_put_format(s, "    MGID=%s STATE=%s JOIN=%s%s\n",
                      ib_gid_format(&g->mgid, mgid_s),
                      host_group_state_name(g->state),
                      g->join_state == IPOIB_JOIN_FULL ? "full" : "send-only",
                      g->attached ? " ATTACHED" : "");
    }
}

static void
format_neighs(struct ds *s, const struct ipoib_host *h)
{
    const struct host_neigh *n;

    ds_put_cstr(s, "  neighbors:\n");
    HOST_NEIGH_FOR_EACH (n, &h->neighs) {
        char ip_s[INET6_ADDRSTRLEN], hw_s[IPOIB_HWADDR_STRLEN];
        char gid_s[IB_GID_STRLEN];
        struct ib_gid gid;

        ipoib_hwaddr_gid(&n->hwaddr, &gid);
        ds_put_format(s, "    IP=%s STATE=%s HWADDR=%s QPN=0x%06"PRIx32
                      " GID=%s\n", host_neigh_ip_format(&n->ip, ip_s),
                      host_neigh_state_name(n->state),
                      ipoib_hwaddr_format(&n->hwaddr, hw_s),
                      ipoib_hwaddr_qpn(&n->hwaddr),
                      ib_gid_format(&gid, gid_s));
    }
}

static void
format_paths(struct ds *s, const struct ipoib_host *h)
{
    const struct host_path *p;

    ds_put_cstr(s, "  paths:\n");
    HOST_PATH_FOR_EACH (p, &h->paths) {
        char gid_s[IB_GID_STRLEN];

        ds_put_format(s, "    GID=%s STATE=%s LID=%"PRIu16" SL=%d MTU=%"
                      PRIu32"\n", ib_gid_format(&p->dgid, gid_s),
                      host_path_state_name(p->state), p->path.dlid,
                      p->path.sl, p->path.ib_mtu);
    }
}

static void
format_counters(struct ds *s, const struct ipoib_host *h)
{
    ds_put_cstr(s, "  counters:\n");
    for (int i = 0; i < HOST_N_COUNTERS; i++) {
        ds_put_format(s, "    %s=%"PRIu64"\n", host_counter_name(i),
                      h->counters[i]);
    }
}

static void
host_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *h_)
{
    const struct ipoib_host *h = h_;
    struct ds s = DS_EMPTY_INITIALIZER;

    format_port(&s, h);
    format_addrs(&s, h);
    format_groups(&s, h);
    format_neighs(&s, h);
    format_paths(&s, h);
    format_counters(&s, h);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
host_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
host_init(struct ipoib_host *h)
{
    h->port_cfg.device = "host";
    h->port_cfg.port_num = 1;
    h->pkey = IB_DEFAULT_PKEY;
    h->scope = IPOIB_SCOPE_LINK_LOCAL;
    h->neigh_max_age_ms = DEFAULT_NEIGH_MAX_AGE_MS;
    h->tc = &ipoib_transport_sim;
    h->tun.fd = -1;
    host_neigh_table_init(&h->neighs, MAX_NEIGHS);
    host_path_table_init(&h->paths, MAX_PATHS);
    host_group_table_init(&h->groups, MAX_GROUPS);
    host_route_cache_init(&h->routes);
}

static void
host_destroy(struct ipoib_host *h)
{
    if (h->port) {
        h->tc->close(h->port);
    }
    host_tun_close(&h->tun);
    host_neigh_table_destroy(&h->neighs);
    host_path_table_destroy(&h->paths);
    host_group_table_destroy(&h->groups);
    host_route_cache_destroy(&h->routes);
    free(h->name);
}

int
main(int argc, char *argv[])
{
    static struct ipoib_host host;
    struct ipoib_host *h = &host;
    struct unixctl_server *unixctl;
    int error;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    host_init(h);
    parse_options(argc, argv, h);
    fatal_ignore_sigpipe();
    if (netns_name) {
        enter_netns(netns_name);
    }

    error = host_tun_open(tun_name, &h->tun);
    if (error) {
        ovs_fatal(error, "%s: cannot create tun device", tun_name);
    }
    daemonize_start(false);

    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("host/show", "", 0, 0, host_unixctl_show, h);
    unixctl_command_register("exit", "", 0, 0, host_unixctl_exit, NULL);

    error = h->tc->open(&h->port_cfg, &h->port);
    if (error) {
        ovs_fatal(error, "cannot open the IB port");
    }
    daemonize_complete();
    VLOG_INFO("%s: started on %s port %s with tun %s", h->name, h->tc->type,
              h->port_cfg.fabric ? h->port_cfg.fabric : h->port_cfg.device,
              h->tun.name);

    while (!exiting) {
        unixctl_server_run(unixctl);
        host_link_run(h);
        host_datapath_run(h);
        if (time_msec() >= h->next_addrs_read) {
            refresh_addrs(h);
        }
        if (exiting) {
            break;
        }
        unixctl_server_wait(unixctl);
        host_link_wait(h);
        host_datapath_wait(h);
        poll_timer_wait_until(h->next_addrs_read);
        poll_block();
    }
    unixctl_server_destroy(unixctl);
    host_destroy(h);
    return 0;
}

/* Options. */

static uint64_t
parse_number(const char *option, const char *s, uint64_t max)
{
    unsigned long long int value;
    char *tail;

    errno = 0;
    value = strtoull(s, &tail, 0);
    if (errno || *tail || !*s || value > max) {
        ovs_fatal(0, "--%s=%s: expected a number up to %"PRIu64, option, s,
                  max);
    }
    return value;
}

static void
parse_options(int argc, char *argv[], struct ipoib_host *h)
{
    enum {
        OPT_FABRIC = UCHAR_MAX + 1,
        OPT_BACKEND,
        OPT_DEVICE,
        OPT_PORT,
        OPT_TUN,
        OPT_NETNS,
        OPT_GUID,
        OPT_PKEY,
        OPT_NAME,
        OPT_NEIGH_TIMEOUT,
        OPT_UNIXCTL,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"fabric", required_argument, NULL, OPT_FABRIC},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"port", required_argument, NULL, OPT_PORT},
        {"tun", required_argument, NULL, OPT_TUN},
        {"netns", required_argument, NULL, OPT_NETNS},
        {"guid", required_argument, NULL, OPT_GUID},
        {"pkey", required_argument, NULL, OPT_PKEY},
        {"name", required_argument, NULL, OPT_NAME},
        {"neigh-timeout", required_argument, NULL, OPT_NEIGH_TIMEOUT},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
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
        case OPT_FABRIC:
            h->port_cfg.fabric = optarg;
            break;

        case OPT_BACKEND:
            h->tc = ipoib_transport_find(optarg);
            if (!h->tc) {
                ovs_fatal(0, "--backend=%s: this build has no such backend",
                          optarg);
            }
            break;

        case OPT_DEVICE:
            h->port_cfg.device = optarg;
            break;

        case OPT_PORT:
            h->port_cfg.port_num = parse_number("port", optarg, 255);
            break;

        case OPT_TUN:
            tun_name = optarg;
            break;

        case OPT_NETNS:
            netns_name = optarg;
            break;

        case OPT_GUID:
            h->port_cfg.guid = parse_number("guid", optarg, UINT64_MAX);
            break;

        case OPT_PKEY:
            h->pkey = parse_number("pkey", optarg, UINT16_MAX);
            if (!(h->pkey & 0x7fff)) {
                ovs_fatal(0, "--pkey=%s: not a valid P_Key", optarg);
            }
            /* MGIDs carry the P_Key with the full-member bit. */
            h->pkey |= IB_PKEY_FULL_MEMBER;
            break;

        case OPT_NAME:
            free(h->name);
            h->name = xstrdup(optarg);
            break;

        case OPT_NEIGH_TIMEOUT:
            h->neigh_max_age_ms = 1000 * parse_number("neigh-timeout",
                                                      optarg, 86400);
            break;

        case OPT_UNIXCTL:
            unixctl_path = optarg;
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
    if (!h->port_cfg.fabric && !strcmp(h->tc->type, "sim")) {
        ovs_fatal(0, "--fabric is required; use --help for usage");
    }
    if (!tun_name) {
        tun_name = "ib0";
    }
    if (!h->name) {
        h->name = xstrdup(tun_name);
    }
    h->port_cfg.name = h->name;
}

static void
usage(void)
{
    printf("%s: a native IPoIB host (datagram mode) on the simulated IB "
           "subnet,\nwith a tun device as its kernel side\n"
           "usage: %s [OPTIONS]\n"
           "\nHost options:\n"
           "  --fabric=SOCKET         ipoib-fabricd's socket (\"sim\")\n"
           "  --backend=TYPE          transport: sim (default), verbs\n"
           "  --device=NAME           HCA (\"verbs\"), e.g. mlx5_0\n"
           "  --port=N                HCA port number (default 1)\n"
           "  --tun=NAME              tun device to create (default ib0)\n"
           "  --netns=NAME            enter network namespace NAME first\n"
           "  --guid=GUID             port GUID to claim (default: given)\n"
           "  --pkey=PKEY             partition (default 0xffff)\n"
           "  --name=NAME             name for logs and the fabric\n"
           "  --neigh-timeout=SECS    forget neighbors after SECS "
           "(default 300)\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
