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
#ifndef IPOIB_LEARNED_PORT_H
#define IPOIB_LEARNED_PORT_H 1

/* Anti-spoofing for learned VIFs: a VIF learned from a source MAC is bound
 * to the datapath port it was first seen on (the packet's metadata gives
 * the netdev its input port), and frames with that MAC from any other port
 * are refused (drop_spoof), since they would leave from the VIF's QP.
 * Database VIFs are bound the other way round (a port may send only its
 * VIF's MAC, netdev_ipoib_source_allowed()).
 *
 * The binding lasts as long as the learned VIF: a VM that is plugged into
 * another port of the same bridge is refused until its VIF ages out
 * (vif-idle-timeout) or the database names it (attached-mac), which
 * replaces the binding. */

#include <stdbool.h>
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"
#include "openvswitch/types.h"

struct netdev_ipoib;

/* A learned VIF's MAC and the only datapath port it may come from. */
struct ipoib_learned_port {
    struct hmap_node node;      /* In netdev_ipoib's 'learned_ports'. */
    struct eth_addr mac;
    odp_port_t port;
};

/* Binds 'mac' to 'port' unless it is bound already or 'port' is
 * ODPP_NONE (a frame from no port, e.g. one the controller injected). */
void ipoib_learned_port_bind(struct netdev_ipoib *, struct eth_addr mac,
                             odp_port_t port)
    OVS_REQUIRES(dev->mutex);
void ipoib_learned_port_unbind(struct netdev_ipoib *, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex);
void ipoib_learned_port_clear(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);
/* Returns false if 'src' is bound to a port other than 'in_port'. */
bool ipoib_learned_port_allows(const struct netdev_ipoib *,
                               odp_port_t in_port, struct eth_addr src)
    OVS_REQUIRES(dev->mutex);

#endif /* ipoib-learned-port.h */
