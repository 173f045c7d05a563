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
#ifndef IPOIB_ANNOUNCE_H
#define IPOIB_ANNOUNCE_H 1

/* Live migration: announcing a VIF's addresses from its QP.
 *
 * When a VIF's QP is new to the addresses it uses (a VM arrived here, or
 * the link came back and every QP was made again), the port sends, from
 * that QP, a gratuitous ARP request for each IPv4 address (to the
 * broadcast group) and an unsolicited Neighbor Advertisement with the
 * Override flag for each IPv6 address (to ff02::1), IPOIB_ANNOUNCE_ROUNDS
 * times.  Remote hypervisors learn the new endpoint from them and give
 * their VMs its derived MAC; native IPoIB hosts update their neighbor
 * caches.  The addresses come from the database (external_ids:
 * ipoib-addresses) and from the VIF's own ARP and ND messages
 * (lib/ipoib-vif-addrs.h); a RARP from a VIF (QEMU's announcement after a
 * move) announces its known addresses again. */

#include "openvswitch/thread.h"
#include "openvswitch/types.h"

struct dp_packet;
struct ipoib_vif;
struct netdev_ipoib;
struct netdev_ipoib_vif_spec;

/* Most VIFs whose addresses a port remembers. */
#define IPOIB_ANNOUNCE_MAX_VIFS 65536

/* Reads the addresses in 'p', a frame from the bridge, before it is
 * translated. */
void netdev_ipoib_announce_snoop(struct netdev_ipoib *,
                                 const struct dp_packet *, long long int now)
    OVS_REQUIRES(dev->mutex);
/* 'vif' has a new QP. */
void netdev_ipoib_announce_vif_qp(struct netdev_ipoib *,
                                  const struct ipoib_vif *, long long int now)
    OVS_REQUIRES(dev->mutex);
/* The database lists 'spec''s addresses for 'vif'. */
void netdev_ipoib_announce_configure(struct netdev_ipoib *,
                                     const struct ipoib_vif *,
                                     const struct netdev_ipoib_vif_spec *,
                                     long long int now)
    OVS_REQUIRES(dev->mutex);
/* Sends the announcements that are due and forgets VIFs that are gone. */
void netdev_ipoib_announce_run(struct netdev_ipoib *, long long int now)
    OVS_REQUIRES(dev->mutex);
/* When netdev_ipoib_announce_run() has work next. */
long long int netdev_ipoib_announce_next(const struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);

#endif /* ipoib-announce.h */
