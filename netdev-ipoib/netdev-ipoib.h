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
#ifndef NETDEV_IPOIB_H
#define NETDEV_IPOIB_H 1

/* The "ipoib" netdev class: an InfiniBand port shown to Open vSwitch as an
 * Ethernet port.  See Documentation/architecture.md. */

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include "openvswitch/types.h"

struct ds;

void netdev_ipoib_register(void);

/* Most addresses external_ids:ipoib-addresses may give one VIF. */
#define NETDEV_IPOIB_SPEC_MAX_ADDRS 8

/* A VIF that the database says sits behind an ipoib port. */
struct netdev_ipoib_vif_spec {
    struct eth_addr mac;
    int vlan;                   /* Access tag, or -1 for none. */
    bool host;                  /* The hypervisor's own (internal) port. */
    char iface[64];             /* Interface name, for listings. */
    odp_port_t odp_port;        /* Its datapath port, ODPP_NONE if not
                                 * known (yet): frames from that port must
                                 * carry 'mac' as their source. */
    /* Its addresses (IPv4-mapped or IPv6), from external_ids:
     * ipoib-addresses: announced as soon as the VIF has a QP. */
    size_t n_addrs;
    struct in6_addr addrs[NETDEV_IPOIB_SPEC_MAX_ADDRS];
};

/* Replaces the database VIFs of the ipoib port named 'netdev_name' with the
 * 'n' in 'specs'.  Remembered if the port does not exist yet. */
void netdev_ipoib_set_vif_specs(const char *netdev_name,
                                const struct netdev_ipoib_vif_spec *specs,
                                size_t n);

/* Listings for "ovs-appctl ipoib/...": each appends the table of the port
 * named 'port_name', or of every ipoib port if it is NULL, to 'out'.
 * Returns false if there is no ipoib port called 'port_name'. */
bool netdev_ipoib_show_vifs(struct ds *out, const char *port_name);
bool netdev_ipoib_show_neighbors(struct ds *out, const char *port_name);
bool netdev_ipoib_show_interfaces(struct ds *out, const char *port_name);
bool netdev_ipoib_show_groups(struct ds *out, const char *port_name);

#endif /* netdev-ipoib.h */
