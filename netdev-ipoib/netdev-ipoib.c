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

#include "netdev-ipoib/netdev-ipoib.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "dirs.h"
#include "hash.h"
#include "odp-util.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "netdev-ipoib/ipoib-announce.h"
#include "netdev-ipoib/ipoib-learned-port.h"
#include "netdev-ipoib/ipoib-partition.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_ipoib);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Defaults of the Interface options (see the options table in README.md). */
#define IPOIB_DEFAULT_BACKEND "sim"
#define IPOIB_DEFAULT_VIF_IDLE_S 300
#define IPOIB_DEFAULT_NEIGH_IDLE_S 300
#define IPOIB_DEFAULT_MAX_VIFS 4096
#define IPOIB_MAX_NEIGHBORS 65536
#define IPOIB_MAX_PATHS 16384
#define IPOIB_MAX_MCAST_GROUPS 1024

/* How often housekeeping runs (ageing, retries). */
#define IPOIB_HOUSEKEEPING_MS 1000
#define IPOIB_PATH_IDLE_MS (10 * 60 * 1000)
#define IPOIB_MCAST_IDLE_MS (5 * 60 * 1000)

struct ovs_mutex ipoib_netdevs_mutex = OVS_MUTEX_INITIALIZER;
struct ovs_list ipoib_netdevs OVS_GUARDED_BY(ipoib_netdevs_mutex)
    = OVS_LIST_INITIALIZER(&ipoib_netdevs);

/* The database's VIFs for each ipoib port, by port name: kept here, and not
 * only in the netdev, because the database may name them before the bridge
 * has opened the port. */
struct vif_spec_list {
    struct netdev_ipoib_vif_spec *specs;
    size_t n;
};
static struct shash vif_specs OVS_GUARDED_BY(ipoib_netdevs_mutex)
    = SHASH_INITIALIZER(&vif_specs);

static void netdev_ipoib_apply_vif_specs(struct netdev_ipoib *,
                                         const struct vif_spec_list *)
    OVS_REQUIRES(dev->mutex);
static void netdev_ipoib_link_down(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);
static void netdev_ipoib_close_port(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);
static void netdev_ipoib_clear_vif_ports(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);

static struct netdev *
netdev_ipoib_alloc(void)
{
    struct netdev_ipoib *dev = xzalloc(sizeof *dev);
    return &dev->up;
}

static void
netdev_ipoib_dealloc(struct netdev *netdev)
{
    free(netdev_ipoib_cast(netdev));
}

static int
netdev_ipoib_construct(struct netdev *netdev)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_init(&dev->mutex);
    ovs_mutex_lock(&dev->mutex);
    dev->backend = xstrdup(IPOIB_DEFAULT_BACKEND);
    dev->device = xstrdup(netdev_get_name(netdev));
    dev->port_num = 1;
    dev->pkey = IB_DEFAULT_PKEY;
    dev->fabric = xasprintf("%s/ipoib-fabric.sock", ovs_rundir());
    dev->vif_learning = true;
    dev->vif_idle_ms = IPOIB_DEFAULT_VIF_IDLE_S * 1000LL;
    dev->neigh_idle_ms = IPOIB_DEFAULT_NEIGH_IDLE_S * 1000LL;
    dev->max_vifs = IPOIB_DEFAULT_MAX_VIFS;
    dev->mcast_scope = IPOIB_SCOPE_LINK_LOCAL;
    dev->link = IPOIB_LINK_DOWN;
    dev->mtu = 2044;
    dev->flags = NETDEV_UP;
    eth_addr_random(&dev->hwaddr);

    ipoib_vif_table_init(&dev->vifs, dev->max_vifs);
    ipoib_neigh_table_init(&dev->neighs, IPOIB_MAX_NEIGHBORS,
                           ipoib_vif_table_has_mac, &dev->vifs);
    ipoib_xlate_init(&dev->xlate, &dev->vifs, &dev->neighs);
    dev->xlate.pkey = dev->pkey;
    dev->xlate.scope = dev->mcast_scope;
    dev->xlate.mtu = dev->mtu;
    hmap_init(&dev->vif_ports);
    ipoib_path_cache_init(&dev->paths, IPOIB_MAX_PATHS);
    ipoib_mcast_table_init(&dev->mcast, IPOIB_MAX_MCAST_GROUPS);
    ipoib_listen_table_init(&dev->listen, IPOIB_MAX_LISTEN_GROUPS);
    ipoib_offload_init(&dev->offload, netdev);
    ipoib_vif_addrs_init(&dev->vif_addrs, IPOIB_ANNOUNCE_MAX_VIFS);
    hmap_init(&dev->learned_ports);
    ipoib_partitions_init(dev);
    ovs_mutex_unlock(&dev->mutex);

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    ovs_list_push_back(&ipoib_netdevs, &dev->list_node);
    const struct vif_spec_list *list = shash_find_data(&vif_specs,
                                                       netdev->name);
    if (list) {
        ovs_mutex_lock(&dev->mutex);
        netdev_ipoib_apply_vif_specs(dev, list);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&ipoib_netdevs_mutex);
    return 0;
}

static void
vif_destroy_qp(struct ipoib_vif *vif, void *dev_)
{
    struct netdev_ipoib *dev = dev_;

    if (vif->qpn && dev->port) {
        dev->tclass->destroy_qp(dev->port, vif->qpn);
    }
}

static void
netdev_ipoib_destruct(struct netdev *netdev)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_unlock(&ipoib_netdevs_mutex);

    ovs_mutex_lock(&dev->mutex);
    netdev_ipoib_close_port(dev);
    ipoib_partitions_destroy(dev);
    ipoib_vif_table_destroy(&dev->vifs, NULL, NULL);
    ipoib_neigh_table_destroy(&dev->neighs);
    netdev_ipoib_clear_vif_ports(dev);
    hmap_destroy(&dev->vif_ports);
    ipoib_path_cache_destroy(&dev->paths);
    ipoib_mcast_table_destroy(&dev->mcast);
    ipoib_listen_table_destroy(&dev->listen);
    ipoib_offload_destroy(&dev->offload);
    ipoib_vif_addrs_destroy(&dev->vif_addrs);
    ipoib_learned_port_clear(dev);
    hmap_destroy(&dev->learned_ports);
    free(dev->backend);
    free(dev->device);
    free(dev->fabric);
    free(dev->config_error);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
}

/* Configuration. */

/* The options an ipoib Interface takes, for the "unknown option" check. */
static const char *const ipoib_options[] = {
    "backend", "device", "port", "pkey", "fabric", "guid", "vif-learning",
    "vif-idle-timeout", "neighbor-idle-timeout", "max-vifs", "mcast-scope",
};

static bool
is_known_option(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(ipoib_options); i++) {
        if (!strcmp(name, ipoib_options[i])) {
            return true;
        }
    }
    return false;
}

/* Parses 's' as an unsigned number (decimal or 0x hex) in [min, max]. */
static bool
parse_uint(const char *s, unsigned long long int min,
           unsigned long long int max, unsigned long long int *valuep)
{
    char *end;

    if (!s[0] || s[0] == '-') {
        return false;
    }
    errno = 0;
    *valuep = strtoull(s, &end, 0);
    return !errno && !*end && *valuep >= min && *valuep <= max;
}

/* A port's whole configuration, parsed and checked before any of it is
 * applied, so that a bad option leaves the running port alone. */
struct ipoib_config {
    const char *backend;
    const char *device;
    int port_num;
    uint16_t pkey;
    const char *fabric;
    uint64_t guid;
    bool vif_learning;
    long long int vif_idle_ms;
    long long int neigh_idle_ms;
    size_t max_vifs;
    uint8_t mcast_scope;
};

static int
parse_config(const struct netdev_ipoib *dev, const struct smap *args,
             struct ipoib_config *c, char **errp)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    unsigned long long int v;
    const struct smap_node *node;
    const char *s;

    SMAP_FOR_EACH (node, args) {
        if (!is_known_option(node->key)) {
            *errp = xasprintf("%s: unknown option \"%s\" (known: backend, "
                              "device, port, pkey, fabric, guid, "
                              "vif-learning, vif-idle-timeout, "
                              "neighbor-idle-timeout, max-vifs, "
                              "mcast-scope)", name, node->key);
            return EINVAL;
        }
    }

    /* A fabric socket means the simulator; otherwise the port is an HCA
     * ("device=mlx5_0"), if this build has the verbs backend. */
    bool have_verbs = ipoib_transport_find("verbs") != NULL;
    c->backend = smap_get_def(args, "backend",
                              smap_get(args, "fabric") || !have_verbs
                              ? "sim" : "verbs");
    if (!ipoib_transport_find(c->backend)) {
        *errp = xasprintf("%s: backend \"%s\" is not available (this build "
                          "has: sim%s; without options:backend it is \"sim\" "
                          "if options:fabric is set, else %s)", name,
                          c->backend, have_verbs ? ", verbs" : "",
                          have_verbs ? "\"verbs\"" : "\"sim\"");
        return EINVAL;
    }
    c->device = smap_get_def(args, "device", name);

    s = smap_get_def(args, "port", "1");
    if (!parse_uint(s, 1, 254, &v)) {
        *errp = xasprintf("%s: port \"%s\" is not an HCA port number "
                          "(1-254)", name, s);
        return EINVAL;
    }
    c->port_num = v;

    s = smap_get_def(args, "pkey", "0xffff");
    if (!parse_uint(s, 1, 0xffff, &v) || !(v & 0x7fff)) {
        *errp = xasprintf("%s: pkey \"%s\" is not a valid P_Key (0x0001 to "
                          "0xffff, low 15 bits not zero)", name, s);
        return EINVAL;
    }
    c->pkey = v;

    c->fabric = smap_get(args, "fabric");

    s = smap_get_def(args, "guid", "0");
    if (!parse_uint(s, 0, UINT64_MAX, &v)) {
        *errp = xasprintf("%s: guid \"%s\" is not a 64-bit number",
                          name, s);
        return EINVAL;
    }
    c->guid = v;

    c->vif_learning = smap_get_bool(args, "vif-learning", true);

    s = smap_get_def(args, "vif-idle-timeout", "300");
    if (!parse_uint(s, 1, 86400 * 365, &v)) {
        *errp = xasprintf("%s: vif-idle-timeout \"%s\" is not a number of "
                          "seconds", name, s);
        return EINVAL;
    }
    c->vif_idle_ms = v * 1000;

    s = smap_get_def(args, "neighbor-idle-timeout", "300");
    if (!parse_uint(s, 1, 86400 * 365, &v)) {
        *errp = xasprintf("%s: neighbor-idle-timeout \"%s\" is not a number "
                          "of seconds", name, s);
        return EINVAL;
    }
    c->neigh_idle_ms = v * 1000;

    s = smap_get_def(args, "max-vifs", "4096");
    if (!parse_uint(s, 1, 65536, &v)) {
        *errp = xasprintf("%s: max-vifs \"%s\" is not in 1-65536", name, s);
        return EINVAL;
    }
    c->max_vifs = v;

    s = smap_get_def(args, "mcast-scope", "2");
    if (!parse_uint(s, 1, 15, &v)) {
        *errp = xasprintf("%s: mcast-scope \"%s\" is not a multicast scope "
                          "(1-15)", name, s);
        return EINVAL;
    }
    c->mcast_scope = v;
    return 0;
}

static bool
port_config_changed(const struct netdev_ipoib *dev,
                    const struct ipoib_config *c)
    OVS_REQUIRES(dev->mutex)
{
    return (!dev->port
            || strcmp(dev->backend, c->backend)
            || strcmp(dev->device, c->device)
            || dev->port_num != c->port_num
            || dev->pkey != c->pkey
            || strcmp(dev->fabric, c->fabric)
            || dev->guid != c->guid
            || dev->mcast_scope != c->mcast_scope);
}

static void
replace_string(char **dst, const char *src)
{
    if (*dst != src) {
        char *copy = xstrdup(src);
        free(*dst);
        *dst = copy;
    }
}

static void
netdev_ipoib_set_error(struct netdev_ipoib *dev, const char *error)
    OVS_REQUIRES(dev->mutex)
{
    if (nullable_string_is_equal(error, dev->config_error)) {
        return;
    }
    free(dev->config_error);
    dev->config_error = nullable_xstrdup(error);
    /* The bridge copies get_status() to the database only when the
     * netdev says something changed. */
    netdev_change_seq_changed(&dev->up);
}

static void
netdev_ipoib_close_port(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->port) {
        netdev_ipoib_link_down(dev);
        dev->tclass->close(dev->port);
        dev->port = NULL;
    }
    memset(&dev->attr, 0, sizeof dev->attr);
}

static int
netdev_ipoib_open_port(struct netdev_ipoib *dev, char **errp)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_port_config pc = {
        .device = dev->device,
        .port_num = dev->port_num,
        .fabric = dev->fabric,
        .guid = dev->guid,
        .name = netdev_get_name(&dev->up),
    };
    int error;

    dev->tclass = ipoib_transport_find(dev->backend);
    error = dev->tclass->open(&pc, &dev->port);
    if (error) {
        *errp = xasprintf("%s: cannot open %s port %s:%d (%s)",
                          netdev_get_name(&dev->up), dev->backend,
                          dev->device, dev->port_num, ovs_strerror(error));
        dev->port = NULL;
        return error;
    }
    dev->tclass->query_port(dev->port, &dev->attr);
    return 0;
}

static int
netdev_ipoib_set_config(struct netdev *netdev, const struct smap *args,
                        char **errp)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    struct ipoib_config c;
    int error;

    ovs_mutex_lock(&dev->mutex);
    error = parse_config(dev, args, &c, errp);
    if (error) {
        netdev_ipoib_set_error(dev, *errp);
        goto out;
    }

    dev->vif_learning = c.vif_learning;
    dev->vif_idle_ms = c.vif_idle_ms;
    dev->neigh_idle_ms = c.neigh_idle_ms;
    dev->max_vifs = c.max_vifs;
    dev->vifs.max_vifs = c.max_vifs;

    char *default_fabric = xasprintf("%s/ipoib-fabric.sock", ovs_rundir());
    if (!c.fabric) {
        c.fabric = default_fabric;
    }
    if (port_config_changed(dev, &c)) {
        netdev_ipoib_close_port(dev);
        replace_string(&dev->backend, c.backend);
        replace_string(&dev->device, c.device);
        replace_string(&dev->fabric, c.fabric);
        dev->port_num = c.port_num;
        dev->pkey = c.pkey;
        dev->guid = c.guid;
        dev->mcast_scope = c.mcast_scope;
        dev->xlate.scope = c.mcast_scope;
        error = netdev_ipoib_open_port(dev, errp);
        netdev_ipoib_set_error(dev, error ? *errp : NULL);
        netdev_change_seq_changed(netdev);
    }
    free(default_fabric);

out:
    ovs_mutex_unlock(&dev->mutex);
    return error;
}

static int
netdev_ipoib_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_add(args, "backend", dev->backend);
    smap_add(args, "device", dev->device);
    smap_add_format(args, "port", "%d", dev->port_num);
    smap_add_format(args, "pkey", "0x%04"PRIx16, dev->pkey);
    if (!strcmp(dev->backend, "sim")) {
        smap_add(args, "fabric", dev->fabric);
    }
    if (dev->guid) {
        smap_add_format(args, "guid", "0x%016"PRIx64, dev->guid);
    }
    smap_add(args, "vif-learning", dev->vif_learning ? "true" : "false");
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Port life cycle: DOWN -> (port ACTIVE) JOINING -> (broadcast group
 * joined) UP, and back to DOWN when the port or the fabric goes away. */

static void
bcast_mgid(const struct netdev_ipoib *dev, struct ib_gid *mgid)
    OVS_REQUIRES(dev->mutex)
{
    ipoib_mgid_broadcast(mgid, dev->xlate.pkey, dev->mcast_scope);
}

/* Returns the entry of the port's P_Key table for the configured P_Key's
 * partition (low 15 bits), or 0 if the port is not a member.  The
 * membership bit comes from the table: the SM decides it, not us. */
static uint16_t
find_port_pkey(const struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    int idx = ib_pkey_table_find(dev->attr.pkeys, dev->attr.n_pkeys,
                                 dev->pkey);
    return idx < 0 ? 0 : dev->attr.pkeys[idx];
}

static void
netdev_ipoib_start_join(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    uint16_t pkey = find_port_pkey(dev);
    struct ib_gid mgid;

    if (!pkey) {
        char *msg = xasprintf("%s: P_Key 0x%04"PRIx16" is not in the P_Key "
                              "table of %s port %d", name, dev->pkey,
                              dev->device, dev->port_num);
        if (!dev->config_error || strcmp(dev->config_error, msg)) {
            VLOG_WARN("%s", msg);
        }
        netdev_ipoib_set_error(dev, msg);
        free(msg);
        return;
    }
    netdev_ipoib_set_error(dev, NULL);

    /* IPoIB puts the P_Key with the full-member bit in MGIDs, whatever
     * our own membership; packets and QPs carry the table's entry. */
    dev->port_pkey = pkey;
    dev->xlate.pkey = pkey | IB_PKEY_FULL_MEMBER;
    dev->xlate.gid = dev->attr.gid;
    dev->xlate.lid = dev->attr.lid;
    bcast_mgid(dev, &mgid);
    int error = dev->tclass->join_mcast(dev->port, &mgid, pkey, 0,
                                        IPOIB_JOIN_FULL);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: broadcast group join failed to start (%s)",
                     name, ovs_strerror(error));
        return;
    }
    dev->link = IPOIB_LINK_JOINING;
    dev->bcast.mgid = mgid;
    dev->next_housekeeping = time_msec() + IPOIB_SA_RETRY_MS;
}

int
netdev_ipoib_vif_make_qp(struct netdev_ipoib *dev, struct ipoib_vif *vif)
    OVS_REQUIRES(dev->mutex)
{
    uint32_t qpn;
    int error;

    if (vif->vlan != IPOIB_VLAN_NONE) {
        /* VST: the QP goes in the VLAN's partition. */
        error = ipoib_partition_vif_make_qp(dev, vif);
        netdev_ipoib_announce_vif_qp(dev, vif, time_msec());
        return error;
    }
    if (dev->link != IPOIB_LINK_UP || vif->qpn) {
        return 0;
    }
    error = dev->tclass->create_qp(dev->port, dev->port_pkey,
                                   dev->bcast.qkey, &qpn);
    if (error) {
        dev->netdev_drops[IPOIB_NDROP_QP_FAILED]++;
        VLOG_WARN_RL(&rl, "%s: cannot create a QP for VIF "ETH_ADDR_FMT" "
                     "(%s)", netdev_get_name(&dev->up),
                     ETH_ADDR_ARGS(vif->mac), ovs_strerror(error));
        return error;
    }
    error = ipoib_vif_set_qp(&dev->vifs, vif, qpn, dev->port_pkey);
    netdev_ipoib_announce_vif_qp(dev, vif, time_msec());
    return error;
}

static void
netdev_ipoib_link_up(struct netdev_ipoib *dev,
                     const struct ipoib_mcast_group *group)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    uint32_t ib_mtu = MIN(group->ib_mtu, dev->attr.ib_mtu);
    struct ipoib_vif *vif;
    int error;

    dev->bcast = *group;
    error = dev->tclass->create_qp(dev->port, dev->port_pkey, group->qkey,
                                   &dev->host_qpn);
    if (!error) {
        error = dev->tclass->attach_mcast(dev->port, dev->host_qpn,
                                          &group->mgid, group->mlid);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot set up the broadcast QP (%s)",
                     name, ovs_strerror(error));
        return;
    }

    dev->mtu = ib_mtu - IPOIB_ENCAP_LEN;
    if (dev->requested_mtu && dev->requested_mtu < dev->mtu) {
        dev->mtu = dev->requested_mtu;
    }
    dev->xlate.mtu = dev->mtu;
    dev->link = IPOIB_LINK_UP;

    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        netdev_ipoib_vif_make_qp(dev, vif);
    }
    netdev_ipoib_listen_link_up(dev);
    ipoib_partitions_link_up(dev);
    char gid_s[IB_GID_STRLEN];
    VLOG_INFO("%s: link up: lid %"PRIu16" gid %s qpn 0x%06"PRIx32" pkey "
              "0x%04"PRIx16" qkey 0x%"PRIx32" mtu %d", name, dev->attr.lid,
              ib_gid_format(&dev->attr.gid, gid_s), dev->host_qpn,
              dev->port_pkey, group->qkey, dev->mtu);
    netdev_change_seq_changed(&dev->up);
}

static void
netdev_ipoib_link_down(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif *vif;

    if (dev->link == IPOIB_LINK_DOWN) {
        return;
    }
    if (dev->link == IPOIB_LINK_UP) {
        dev->carrier_resets++;
        VLOG_INFO("%s: link down", netdev_get_name(&dev->up));
    }
    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        vif_destroy_qp(vif, dev);
        ipoib_vif_set_qp(&dev->vifs, vif, 0, vif->pkey);
    }
    netdev_ipoib_listen_link_down(dev);
    ipoib_partitions_link_down(dev);
    if (dev->host_qpn) {
        dev->tclass->detach_mcast(dev->port, dev->host_qpn, &dev->bcast.mgid,
                                  dev->bcast.mlid);
        dev->tclass->destroy_qp(dev->port, dev->host_qpn);
        dev->host_qpn = 0;
    }
    ipoib_path_cache_flush(&dev->paths);
    dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]
        += ipoib_mcast_table_flush(&dev->mcast);
    dev->link = IPOIB_LINK_DOWN;
    netdev_change_seq_changed(&dev->up);
}

static void
netdev_ipoib_port_state_changed(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    dev->tclass->query_port(dev->port, &dev->attr);
    if (dev->attr.state == IPOIB_PORT_ACTIVE) {
        if (dev->link == IPOIB_LINK_DOWN) {
            netdev_ipoib_start_join(dev);
        } else if (dev->attr.lid != dev->xlate.lid
                   || !ib_gid_equals(&dev->attr.gid, &dev->xlate.gid)) {
            /* New address: every peer's view of us is stale. */
            netdev_ipoib_link_down(dev);
            netdev_ipoib_start_join(dev);
        }
    } else {
        netdev_ipoib_link_down(dev);
    }
}

static void
netdev_ipoib_join_done(struct netdev_ipoib *dev, const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_mcast_group *group = &ev->join;

    if (ipoib_partitions_join_done(dev, ev)) {
        return;
    }
    if (ib_gid_equals(&group->mgid, &dev->bcast.mgid)) {
        if (dev->link != IPOIB_LINK_JOINING) {
            return;
        }
        if (ev->status) {
            VLOG_WARN_RL(&rl, "%s: broadcast group join failed (%s), will "
                         "retry", netdev_get_name(&dev->up),
                         ovs_strerror(ev->status));
            return;
        }
        netdev_ipoib_link_up(dev, group);
        return;
    }

    if (netdev_ipoib_listen_join_done(dev, ev)) {
        return;
    }
    struct ipoib_mcast_entry *e = ipoib_mcast_table_find(&dev->mcast,
                                                         &group->mgid);
    if (e && e->state == IPOIB_MCAST_JOINING) {
        e->state = ev->status ? IPOIB_MCAST_FAILED : IPOIB_MCAST_JOINED;
        if (!ev->status) {
            e->group = *group;
        }
        netdev_ipoib_mcast_done(dev, e);
        /* A full join of the group may have waited for this answer. */
        netdev_ipoib_listen_retry(dev, &group->mgid, time_msec());
    }
}

static void
netdev_ipoib_handle_event(struct netdev_ipoib *dev,
                          const struct ipoib_event *ev)
    OVS_REQUIRES(dev->mutex)
{
    switch (ev->type) {
    case IPOIB_EV_PORT_STATE:
        netdev_ipoib_port_state_changed(dev);
        /* The backend's error (status:error) may have changed. */
        netdev_change_seq_changed(&dev->up);
        break;
    case IPOIB_EV_JOIN_DONE:
        netdev_ipoib_join_done(dev, ev);
        break;
    case IPOIB_EV_PATH_DONE:
        netdev_ipoib_path_done(dev, ev);
        break;
    case IPOIB_EV_SM_CHANGE:
        /* Client reregister: our joins may be gone from the new SM. */
        netdev_ipoib_link_down(dev);
        netdev_ipoib_port_state_changed(dev);
        break;
    }
}

static void
leave_mcast_group(const struct ipoib_mcast_entry *e, void *dev_)
{
    struct netdev_ipoib *dev = dev_;
    /* The MGID carries the P_Key of the partition it was joined in. */
    const struct ipoib_partition *part = ipoib_partition_find_by_pkey(
        dev, (e->mgid.b[4] << 8) | e->mgid.b[5]);

    dev->tclass->leave_mcast(dev->port, &e->mgid,
                             part ? part->pkey : dev->port_pkey,
                             IPOIB_JOIN_SEND_ONLY);
}

static void
expire_vif(struct ipoib_vif *vif, void *dev_)
{
    struct netdev_ipoib *dev = dev_;

    VLOG_INFO("%s: learned VIF "ETH_ADDR_FMT" idle, freeing QP 0x%06"PRIx32,
              netdev_get_name(&dev->up), ETH_ADDR_ARGS(vif->mac), vif->qpn);
    vif_destroy_qp(vif, dev);
    netdev_ipoib_listen_forget_mac(dev, vif->mac);
    ipoib_learned_port_unbind(dev, vif->mac);
}

static void
netdev_ipoib_housekeeping(struct netdev_ipoib *dev, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    dev->next_housekeeping = now + IPOIB_HOUSEKEEPING_MS;

    if (dev->link == IPOIB_LINK_JOINING) {
        /* No answer (or a failure) yet: ask again. */
        dev->link = IPOIB_LINK_DOWN;
        netdev_ipoib_port_state_changed(dev);
    } else if (dev->link == IPOIB_LINK_DOWN && dev->port) {
        netdev_ipoib_port_state_changed(dev);
    }

    ipoib_vif_table_expire_learned(&dev->vifs, now, dev->vif_idle_ms,
                                   expire_vif, dev);
    ipoib_neigh_expire(&dev->neighs, now, dev->neigh_idle_ms);
    ipoib_partitions_housekeeping(dev, now);
    ipoib_path_cache_expire(&dev->paths, now, IPOIB_PATH_IDLE_MS,
                            IPOIB_SA_RETRY_MS);
    if (dev->port) {
        dev->netdev_drops[IPOIB_NDROP_MCAST_PENDING]
            += ipoib_mcast_table_expire(&dev->mcast, now,
                                        IPOIB_MCAST_IDLE_MS,
                                        IPOIB_SA_RETRY_MS,
                                        leave_mcast_group, dev);
        netdev_ipoib_listen_retry(dev, NULL, now);
    }
}

static void
netdev_ipoib_run_one(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_event ev;
    long long int now = time_msec();

    if (dev->port) {
        dev->tclass->run(dev->port);
        for (int i = 0; i < 64; i++) {
            if (dev->tclass->poll_event(dev->port, &ev)) {
                break;
            }
            netdev_ipoib_handle_event(dev, &ev);
        }
    }
    if (now >= dev->next_housekeeping) {
        netdev_ipoib_housekeeping(dev, now);
    }
    netdev_ipoib_announce_run(dev, now);
}

static void
netdev_ipoib_run(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_ipoib *dev;

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    LIST_FOR_EACH (dev, list_node, &ipoib_netdevs) {
        ovs_mutex_lock(&dev->mutex);
        netdev_ipoib_run_one(dev);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&ipoib_netdevs_mutex);
}

static void
netdev_ipoib_wait(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_ipoib *dev;

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    LIST_FOR_EACH (dev, list_node, &ipoib_netdevs) {
        ovs_mutex_lock(&dev->mutex);
        if (dev->port) {
            dev->tclass->wait(dev->port);
        }
        poll_timer_wait_until(dev->next_housekeeping);
        poll_timer_wait_until(netdev_ipoib_announce_next(dev));
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&ipoib_netdevs_mutex);
}

/* VIFs from the database. */

static void
netdev_ipoib_clear_vif_ports(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_vif_port *vp;

    HMAP_FOR_EACH_POP (vp, node, &dev->vif_ports) {
        free(vp);
    }
}

/* Binds each database VIF with a known datapath port to that port. */
static void
netdev_ipoib_set_vif_ports(struct netdev_ipoib *dev,
                           const struct vif_spec_list *list)
    OVS_REQUIRES(dev->mutex)
{
    netdev_ipoib_clear_vif_ports(dev);
    for (size_t i = 0; i < list->n; i++) {
        const struct netdev_ipoib_vif_spec *spec = &list->specs[i];

        if (spec->odp_port != ODPP_NONE) {
            struct ipoib_vif_port *vp = xmalloc(sizeof *vp);
            vp->port = spec->odp_port;
            vp->mac = spec->mac;
            hmap_insert(&dev->vif_ports, &vp->node,
                        hash_int(odp_to_u32(spec->odp_port), 0));
        }
    }
}

bool
netdev_ipoib_source_allowed(const struct netdev_ipoib *dev,
                            odp_port_t in_port, struct eth_addr src)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_vif_port *vp;

    HMAP_FOR_EACH_WITH_HASH (vp, node, hash_int(odp_to_u32(in_port), 0),
                             &dev->vif_ports) {
        if (vp->port == in_port) {
            return eth_addr_equals(vp->mac, src);
        }
    }
    return ipoib_learned_port_allows(dev, in_port, src);
}

static bool
spec_list_has(const struct vif_spec_list *list, const struct ipoib_vif *vif)
{
    for (size_t i = 0; i < list->n; i++) {
        const struct netdev_ipoib_vif_spec *spec = &list->specs[i];
        uint16_t vlan = spec->vlan < 0 ? IPOIB_VLAN_NONE : spec->vlan;
        if (eth_addr_equals(spec->mac, vif->mac) && vlan == vif->vlan) {
            return true;
        }
    }
    return false;
}

static void
netdev_ipoib_apply_vif_specs(struct netdev_ipoib *dev,
                             const struct vif_spec_list *list)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    struct ipoib_vif *vif;

    netdev_ipoib_set_vif_ports(dev, list);

    /* Database VIFs that are gone. */
    IPOIB_VIF_FOR_EACH_SAFE (vif, &dev->vifs) {
        if (vif->origin != IPOIB_VIF_LEARNED && !spec_list_has(list, vif)) {
            VLOG_INFO("%s: VIF "ETH_ADDR_FMT" (%s) removed", name,
                      ETH_ADDR_ARGS(vif->mac), vif->iface);
            vif_destroy_qp(vif, dev);
            netdev_ipoib_listen_forget_mac(dev, vif->mac);
            ipoib_vif_remove(&dev->vifs, vif);
        }
    }

    for (size_t i = 0; i < list->n; i++) {
        const struct netdev_ipoib_vif_spec *spec = &list->specs[i];
        uint16_t vlan = spec->vlan < 0 ? IPOIB_VLAN_NONE : spec->vlan;
        enum ipoib_vif_origin origin = (spec->host ? IPOIB_VIF_HOST
                                        : IPOIB_VIF_OVSDB);

        vif = ipoib_vif_find(&dev->vifs, spec->mac, vlan);
        if (vif) {
            /* A learned VIF that the database now names stops ageing. */
            vif->origin = origin;
            ipoib_vif_set_iface(vif, spec->iface);
            ipoib_learned_port_unbind(dev, vif->mac);
            netdev_ipoib_announce_configure(dev, vif, spec, time_msec());
            continue;
        }
        int error = ipoib_vif_insert(&dev->vifs, spec->mac, vlan, origin,
                                     spec->iface, time_msec(), &vif);
        if (error) {
            VLOG_WARN_RL(&rl, "%s: cannot add VIF "ETH_ADDR_FMT" (%s)",
                         name, ETH_ADDR_ARGS(spec->mac),
                         ovs_strerror(error));
            continue;
        }
        /* A remote endpoint whose derived MAC is this VIF's must get
         * another one: the MAC now belongs to the VM. */
        ipoib_neigh_evict_mac(&dev->neighs, spec->mac);
        VLOG_INFO("%s: VIF "ETH_ADDR_FMT" (%s) added", name,
                  ETH_ADDR_ARGS(spec->mac), spec->iface);
        netdev_ipoib_announce_configure(dev, vif, spec, time_msec());
        netdev_ipoib_vif_make_qp(dev, vif);
    }
}

void
netdev_ipoib_set_vif_specs(const char *netdev_name,
                           const struct netdev_ipoib_vif_spec *specs,
                           size_t n)
{
    struct vif_spec_list *list = xmalloc(sizeof *list);
    struct netdev_ipoib *dev;

    list->specs = xmemdup(specs, n * sizeof *specs);
    list->n = n;

    ovs_mutex_lock(&ipoib_netdevs_mutex);
    struct vif_spec_list *old = shash_replace(&vif_specs, netdev_name, list);
    if (old) {
        free(old->specs);
        free(old);
    }
    LIST_FOR_EACH (dev, list_node, &ipoib_netdevs) {
        if (!strcmp(netdev_get_name(&dev->up), netdev_name)) {
            ovs_mutex_lock(&dev->mutex);
            netdev_ipoib_apply_vif_specs(dev, list);
            ovs_mutex_unlock(&dev->mutex);
        }
    }
    ovs_mutex_unlock(&ipoib_netdevs_mutex);
}

/* Ethernet-side properties. */

static int
netdev_ipoib_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ipoib_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ipoib_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* The MTU follows the partition: it may be lowered, never raised past what
 * the broadcast group allows. */
static int
netdev_ipoib_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    int error = 0;

    ovs_mutex_lock(&dev->mutex);
    int max = (dev->link == IPOIB_LINK_UP
               ? (int) MIN(dev->bcast.ib_mtu, dev->attr.ib_mtu)
                 - IPOIB_ENCAP_LEN
               : 65520);
    if (mtu < 68 || mtu > max) {
        VLOG_WARN_RL(&rl, "%s: MTU %d is outside 68-%d (the partition's "
                     "IPoIB MTU)", netdev_get_name(netdev), mtu, max);
        error = EINVAL;
    } else {
        dev->requested_mtu = mtu;
        if (dev->link == IPOIB_LINK_UP) {
            dev->mtu = mtu;
            dev->xlate.mtu = mtu;
        }
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return error;
}

static int
netdev_ipoib_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *carrier = dev->link == IPOIB_LINK_UP;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static long long int
netdev_ipoib_get_carrier_resets(const struct netdev *netdev)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    long long int resets;

    ovs_mutex_lock(&dev->mutex);
    resets = dev->carrier_resets;
    ovs_mutex_unlock(&dev->mutex);
    return resets;
}

static int
netdev_ipoib_update_flags(struct netdev *netdev, enum netdev_flags off,
                          enum netdev_flags on, enum netdev_flags *old_flags)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    *old_flags = dev->flags;
    dev->flags = (dev->flags | on) & ~off;
    if (*old_flags != dev->flags) {
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Statistics and status. */

static int
netdev_ipoib_get_stats(const struct netdev *netdev,
                       struct netdev_stats *stats)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *stats = dev->stats;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
add_custom_counter(struct netdev_custom_stats *cs, size_t *allocated,
                   const char *prefix, const char *name, uint64_t value)
{
    if (cs->size >= *allocated) {
        cs->counters = x2nrealloc(cs->counters, allocated,
                                  sizeof *cs->counters);
    }
    snprintf(cs->counters[cs->size].name, NETDEV_CUSTOM_STATS_NAME_SIZE,
             "%s%s", prefix, name);
    cs->counters[cs->size].value = value;
    cs->size++;
}

/* A uint64_t counter of a statistics struct, by name. */
struct named_counter {
    const char *name;
    size_t offset;
};

#define OFFLOAD_COUNTER(FIELD) \
    { #FIELD, offsetof(struct ipoib_offload_counters, FIELD) }
static const struct named_counter offload_counters[] = {
    OFFLOAD_COUNTER(tx_lso_packets),
    OFFLOAD_COUNTER(tx_sw_segments),
    OFFLOAD_COUNTER(tx_sw_csum),
    OFFLOAD_COUNTER(tx_offload_malformed),
    OFFLOAD_COUNTER(rx_gro_packets),
    OFFLOAD_COUNTER(rx_gro_merged),
    OFFLOAD_COUNTER(rx_csum_good),
    OFFLOAD_COUNTER(rx_csum_bad),
};

/* The port's own totals (rx/tx packets and bytes) are apart from the
 * netdev's: they include datagrams that the translation then drops, and
 * not frames that never reached the port. */
#define PORT_COUNTER(FIELD) \
    { #FIELD, offsetof(struct ipoib_port_stats, FIELD) }
static const struct named_counter port_counters[] = {
    PORT_COUNTER(rx_dropped_no_qp),
    PORT_COUNTER(rx_dropped_pkey),
    PORT_COUNTER(rx_dropped_qkey),
    PORT_COUNTER(rx_dropped_mtu),
    PORT_COUNTER(rx_dropped_overrun),
    PORT_COUNTER(tx_dropped),
    PORT_COUNTER(rx_errors),
    PORT_COUNTER(tx_errors),
    PORT_COUNTER(ah_hits),
    PORT_COUNTER(ah_misses),
    PORT_COUNTER(ah_evictions),
    PORT_COUNTER(ah_failures),
    PORT_COUNTER(rx_packets),
    PORT_COUNTER(rx_bytes),
    PORT_COUNTER(tx_packets),
    PORT_COUNTER(tx_bytes),
};

/* Adds the 'n' counters of 'stats' that 'counters' names, in that order. */
static void
add_custom_counters(struct netdev_custom_stats *cs, size_t *allocated,
                    const char *prefix, const void *stats,
                    const struct named_counter *counters, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t value;

        memcpy(&value, (const char *) stats + counters[i].offset,
               sizeof value);
        add_custom_counter(cs, allocated, prefix, counters[i].name, value);
    }
}

static int
netdev_ipoib_get_custom_stats(const struct netdev *netdev,
                              struct netdev_custom_stats *cs)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    struct ipoib_port_stats ps;
    size_t allocated = 0;

    cs->size = 0;
    cs->counters = NULL;

    ovs_mutex_lock(&dev->mutex);
    /* The drop counters by reason, like eIPoIB's "ethtool -S" list. */
    for (int i = 1; i < IPOIB_N_DROPS; i++) {
        add_custom_counter(cs, &allocated, "drop_", ipoib_drop_name(i),
                           dev->xlate_drops[i]);
    }
    for (int i = 0; i < IPOIB_N_NDROPS; i++) {
        add_custom_counter(cs, &allocated, "drop_",
                           netdev_ipoib_drop_name(i), dev->netdev_drops[i]);
    }
    add_custom_counter(cs, &allocated, "", "vifs",
                       ipoib_vif_table_count(&dev->vifs));
    add_custom_counter(cs, &allocated, "", "neighbors",
                       ipoib_neigh_table_count(&dev->neighs));
    add_custom_counter(cs, &allocated, "", "neighbor_mac_collisions",
                       dev->neighs.n_collisions);
    add_custom_counter(cs, &allocated, "", "paths",
                       ipoib_path_cache_count(&dev->paths));
    add_custom_counter(cs, &allocated, "", "mcast_groups",
                       ipoib_listen_table_count(&dev->listen));
    add_custom_counter(cs, &allocated, "", "mcast_snoop_reports",
                       dev->snoop_reports);
    add_custom_counter(cs, &allocated, "", "mcast_snoop_malformed",
                       dev->snoop_malformed);
    add_custom_counter(cs, &allocated, "", "mcast_snoop_refused",
                       dev->snoop_refused);
    struct ipoib_offload_counters oc;
    ipoib_offload_get_counters(&dev->offload, &oc);
    add_custom_counters(cs, &allocated, "", &oc, offload_counters,
                        ARRAY_SIZE(offload_counters));
    add_custom_counter(cs, &allocated, "", "vif_announcements",
                       dev->n_announcements);
    if (dev->port) {
        dev->tclass->get_stats(dev->port, &ps);
        add_custom_counters(cs, &allocated, "port_", &ps, port_counters,
                            ARRAY_SIZE(port_counters));
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static const char *
link_state_name(enum ipoib_link_state link)
{
    switch (link) {
    case IPOIB_LINK_DOWN:
        return "down";
    case IPOIB_LINK_JOINING:
        return "joining";
    case IPOIB_LINK_UP:
        return "up";
    }
    return "?";
}

static int
netdev_ipoib_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_ipoib *dev = netdev_ipoib_cast(netdev);
    char gid_s[IB_GID_STRLEN];

    ovs_mutex_lock(&dev->mutex);
    smap_add(smap, "backend", dev->backend);
    smap_add_format(smap, "device", "%s:%d", dev->device, dev->port_num);
    smap_add(smap, "link", link_state_name(dev->link));
    smap_add(smap, "mode", "datagram");
    if (dev->attr.state == IPOIB_PORT_ACTIVE) {
        smap_add_format(smap, "lid", "%"PRIu16, dev->attr.lid);
        smap_add_format(smap, "sm_lid", "%"PRIu16, dev->attr.sm_lid);
        smap_add(smap, "gid", ib_gid_format(&dev->attr.gid, gid_s));
    }
    smap_add_format(smap, "pkey", "0x%04"PRIx16,
                    dev->link == IPOIB_LINK_DOWN ? dev->pkey
                    : dev->port_pkey);
    if (dev->link == IPOIB_LINK_UP) {
        smap_add_format(smap, "qpn", "0x%06"PRIx32, dev->host_qpn);
        smap_add_format(smap, "qkey", "0x%08"PRIx32, dev->bcast.qkey);
        smap_add_format(smap, "mlid", "0x%04"PRIx16, dev->bcast.mlid);
    }
    smap_add_format(smap, "mtu", "%d", dev->mtu);
    smap_add_format(smap, "vifs", "%"PRIuSIZE,
                    ipoib_vif_table_count(&dev->vifs));
    smap_add_format(smap, "neighbors", "%"PRIuSIZE,
                    ipoib_neigh_table_count(&dev->neighs));
    ipoib_partitions_get_status(dev, smap);
    if (dev->config_error) {
        smap_add(smap, "error", dev->config_error);
    } else if (dev->port && dev->tclass->get_error
               && dev->tclass->get_error(dev->port)) {
        /* Why the backend's port is down (no device, no SM...). */
        smap_add_format(smap, "error", "%s: %s", netdev_get_name(netdev),
                        dev->tclass->get_error(dev->port));
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Receive queues: one per port, polled by the main thread. */

static struct netdev_rxq *
netdev_ipoib_rxq_alloc(void)
{
    struct netdev_rxq_ipoib *rx = xzalloc(sizeof *rx);
    return &rx->up;
}

static int
netdev_ipoib_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

static void
netdev_ipoib_rxq_destruct(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_ipoib *rx = CONTAINER_OF(rxq_, struct netdev_rxq_ipoib,
                                               up);

    for (int i = 0; i < rx->n_spare; i++) {
        dp_packet_delete(rx->spare[i]);
    }
    rx->n_spare = 0;
}

static void
netdev_ipoib_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(CONTAINER_OF(rxq, struct netdev_rxq_ipoib, up));
}

static const struct netdev_class netdev_ipoib_class = {
    .type = "ipoib",
    .is_pmd = false,
    .run = netdev_ipoib_run,
    .wait = netdev_ipoib_wait,
    .alloc = netdev_ipoib_alloc,
    .construct = netdev_ipoib_construct,
    .destruct = netdev_ipoib_destruct,
    .dealloc = netdev_ipoib_dealloc,
    .get_config = netdev_ipoib_get_config,
    .set_config = netdev_ipoib_set_config,
    .send = netdev_ipoib_send,
    .set_etheraddr = netdev_ipoib_set_etheraddr,
    .get_etheraddr = netdev_ipoib_get_etheraddr,
    .get_mtu = netdev_ipoib_get_mtu,
    .set_mtu = netdev_ipoib_set_mtu,
    .get_carrier = netdev_ipoib_get_carrier,
    .get_carrier_resets = netdev_ipoib_get_carrier_resets,
    .get_stats = netdev_ipoib_get_stats,
    .get_custom_stats = netdev_ipoib_get_custom_stats,
    .get_status = netdev_ipoib_get_status,
    .update_flags = netdev_ipoib_update_flags,
    .rxq_alloc = netdev_ipoib_rxq_alloc,
    .rxq_construct = netdev_ipoib_rxq_construct,
    .rxq_destruct = netdev_ipoib_rxq_destruct,
    .rxq_dealloc = netdev_ipoib_rxq_dealloc,
    .rxq_recv = netdev_ipoib_rxq_recv,
    .rxq_wait = netdev_ipoib_rxq_wait,
};

void
netdev_ipoib_register(void)
{
    int error = netdev_register_provider(&netdev_ipoib_class);
    if (error) {
        VLOG_ERR("cannot register the ipoib netdev class (%s)",
                 ovs_strerror(error));
    }
}
