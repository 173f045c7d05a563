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

#include "ofproto-plugin/ipoib-vif-monitor.h"

#include "dpif.h"
#include "odp-util.h"
#include "netdev-ipoib/netdev-ipoib.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ipoib_vif_monitor);

/* Our own read-only connection to the database.  bridge.c keeps its IDL to
 * itself, so we monitor only the few columns we need. */
static struct ovsdb_idl *idl;
static unsigned int last_seqno;

/* The userspace datapath that every datapath_type=netdev bridge shares:
 * VIFs are bound to their datapath ports, so that a VM cannot send with
 * another VIF's MAC (and so from its QPN). */
static struct dpif *netdev_dpif;

/* True while some VIF's datapath port is not known: the bridge may add the
 * port after this module has seen the database change. */
static bool ports_unresolved;

void
ipoib_vif_monitor_init(const char *remote)
{
    idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_tag);
    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_external_ids);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_mac_in_use);
    last_seqno = ovsdb_idl_get_seqno(idl);
}

/* Parses 'list', external_ids:ipoib-addresses ("10.0.0.5 fd00::5", blanks
 * or commas between addresses), into 'spec'.  Words that are not addresses
 * and addresses past the limit are logged and left out. */
static void
parse_vif_addresses(const char *iface_name, const char *list,
                    struct netdev_ipoib_vif_spec *spec)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    char *copy = xstrdup(list);
    char *save_ptr = NULL;

    spec->n_addrs = 0;
    for (char *word = strtok_r(copy, " \t,", &save_ptr); word;
         word = strtok_r(NULL, " \t,", &save_ptr)) {
        struct in6_addr addr;
        ovs_be32 ip4;

        if (ip_parse(word, &ip4)) {
            in6_addr_set_mapped_ipv4(&addr, ip4);
        } else if (!ipv6_parse(word, &addr)) {
            VLOG_WARN_RL(&rl, "%s: ipoib-addresses: \"%s\" is not an IPv4 "
                         "or IPv6 address", iface_name, word);
            continue;
        }
        if (spec->n_addrs >= NETDEV_IPOIB_SPEC_MAX_ADDRS) {
            VLOG_WARN_RL(&rl, "%s: ipoib-addresses: more than %d addresses, "
                         "ignoring \"%s\"", iface_name,
                         NETDEV_IPOIB_SPEC_MAX_ADDRS, word);
            continue;
        }
        spec->addrs[spec->n_addrs++] = addr;
    }
    free(copy);
}

/* Returns true and the VIF that 'iface' on 'port' stands for, false if it is
 * not one. */
static bool
vif_spec_from_iface(const struct ovsrec_port *port,
                    const struct ovsrec_interface *iface,
                    struct netdev_ipoib_vif_spec *spec)
{
    const char *mac_s = smap_get(&iface->external_ids, "attached-mac");
    bool host = false;

    if (!mac_s && !strcmp(iface->type, "internal")) {
        mac_s = iface->mac_in_use;
        host = true;
    }
    if (!mac_s || !eth_addr_from_string(mac_s, &spec->mac)
        || eth_addr_is_multicast(spec->mac) || eth_addr_is_zero(spec->mac)) {
        return false;
    }
    spec->vlan = port->n_tag ? *port->tag : -1;
    spec->host = host;
    ovs_strlcpy(spec->iface, iface->name, sizeof spec->iface);
    spec->odp_port = ODPP_NONE;
    parse_vif_addresses(iface->name,
                        smap_get_def(&iface->external_ids, "ipoib-addresses",
                                     ""), spec);

    struct dpif_port dpif_port;
    if (!netdev_dpif) {
        dpif_open("ovs-netdev", "netdev", &netdev_dpif);
    }
    if (netdev_dpif
        && !dpif_port_query_by_name(netdev_dpif, iface->name, &dpif_port)) {
        spec->odp_port = dpif_port.port_no;
        dpif_port_destroy(&dpif_port);
    } else {
        ports_unresolved = true;
    }
    return true;
}

/* Collects the VIFs of 'br' and hands them to each ipoib port on it. */
static void
update_bridge(const struct ovsrec_bridge *br)
{
    struct netdev_ipoib_vif_spec *specs = NULL;
    size_t n_specs = 0, allocated = 0;

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            struct netdev_ipoib_vif_spec spec;

            if (strcmp(iface->type, "ipoib")
                && vif_spec_from_iface(port, iface, &spec)) {
                if (n_specs >= allocated) {
                    specs = x2nrealloc(specs, &allocated, sizeof *specs);
                }
                specs[n_specs++] = spec;
            }
        }
    }

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            if (!strcmp(iface->type, "ipoib")) {
                netdev_ipoib_set_vif_specs(iface->name, specs, n_specs);
            }
        }
    }
    free(specs);
}

void
ipoib_vif_monitor_run(void)
{
    if (!idl) {
        return;
    }
    ovsdb_idl_run(idl);
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    if (seqno == last_seqno && !ports_unresolved) {
        return;
    }
    last_seqno = seqno;
    ports_unresolved = false;

    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        update_bridge(br);
    }
}

void
ipoib_vif_monitor_wait(void)
{
    if (idl) {
        ovsdb_idl_wait(idl);
    }
}
