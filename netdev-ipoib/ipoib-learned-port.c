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

#include "netdev-ipoib/ipoib-learned-port.h"

#include "hash.h"
#include "netdev-ipoib/netdev-ipoib-private.h"
#include "odp-util.h"
#include "packets.h"
#include "util.h"

static uint32_t
mac_hash(struct eth_addr mac)
{
    return hash_bytes(&mac, sizeof mac, 0);
}

static struct ipoib_learned_port *
find_binding(const struct netdev_ipoib *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_learned_port *lp;

    HMAP_FOR_EACH_WITH_HASH (lp, node, mac_hash(mac), &dev->learned_ports) {
        if (eth_addr_equals(lp->mac, mac)) {
            return lp;
        }
    }
    return NULL;
}

void
ipoib_learned_port_bind(struct netdev_ipoib *dev, struct eth_addr mac,
                        odp_port_t port)
    OVS_REQUIRES(dev->mutex)
{
    if (port == ODPP_NONE || find_binding(dev, mac)) {
        return;
    }
    struct ipoib_learned_port *lp = xmalloc(sizeof *lp);
    lp->mac = mac;
    lp->port = port;
    hmap_insert(&dev->learned_ports, &lp->node, mac_hash(mac));
}

void
ipoib_learned_port_unbind(struct netdev_ipoib *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_learned_port *lp = find_binding(dev, mac);

    if (lp) {
        hmap_remove(&dev->learned_ports, &lp->node);
        free(lp);
    }
}

void
ipoib_learned_port_clear(struct netdev_ipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct ipoib_learned_port *lp;

    HMAP_FOR_EACH_POP (lp, node, &dev->learned_ports) {
        free(lp);
    }
}

bool
ipoib_learned_port_allows(const struct netdev_ipoib *dev, odp_port_t in_port,
                          struct eth_addr src)
    OVS_REQUIRES(dev->mutex)
{
    const struct ipoib_learned_port *lp;

    if (hmap_is_empty(&dev->learned_ports)) {
        return true;
    }
    lp = find_binding(dev, src);
    return !lp || in_port == ODPP_NONE || lp->port == in_port;
}
