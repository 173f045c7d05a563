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
#ifndef IPOIB_PARTITION_H
#define IPOIB_PARTITION_H 1

/* VLANs as IB partitions (VST), as eIPoIB's "vconfig add eth4 N" did: the
 * ipoib port is a trunk, and VLAN N of the bridge is the partition with
 * P_Key 0x8000 | N on the same IB port.  Untagged frames stay in the port's
 * own partition (options:pkey), whose state lives in struct netdev_ipoib
 * itself; this file keeps one context per VLAN:
 *
 *   - the P_Key table entry (the SM decides full or limited membership),
 *   - the partition's broadcast group (join, Q_Key, MLID, MTU) and a host
 *     QP attached to it, which receives its broadcasts,
 *   - its own neighbor table and translation context (struct ipoib_xlate
 *     with 'vlan' = N), so remote endpoints of one partition never show up
 *     in another,
 *   - the multicast groups its VMs listen on (MLD/IGMP reports tagged N,
 *     see ipoib-membership.c), joined in its P_Key.
 *
 * A partition is made when the first VIF of its VLAN appears (from the
 * database's access tag, or learned from a trunk VM's tagged frame) and is
 * forgotten when it has had no VIF for a while.  A VLAN whose P_Key is not
 * in the port's P_Key table is refused: frames of it are dropped and
 * counted (drop_pkey), with a rate-limited log line, and the status says
 * so; the table is checked again as the SM changes it.
 *
 * VIFs of VLAN N get their UD QP in the partition's P_Key, so the receiving
 * HCA enforces the partition (and that limited members do not talk).
 * Received datagrams carry their BTH P_Key, which selects the context.
 *
 * All functions need dev->mutex. */

#include <stdbool.h>
#include <stdint.h>
#include "netdev-ipoib/netdev-ipoib-private.h"

struct ds;
struct smap;

/* VLANs (partitions) one port may serve, beyond its own P_Key. */
#define IPOIB_MAX_PARTITIONS 256

enum ipoib_partition_state {
    IPOIB_PART_REFUSED,         /* P_Key not usable on this port. */
    IPOIB_PART_DOWN,            /* Waiting for the port's link. */
    IPOIB_PART_JOINING,         /* Broadcast join sent. */
    IPOIB_PART_UP,              /* Joined, host QP attached. */
};

struct ipoib_partition {
    /* Read or written for every frame: these fill the first cache line
     * (the struct is cache-line aligned). */
    struct hmap_node node;      /* In netdev_ipoib's 'partitions'. */
    uint16_t vlan;              /* 1...4094. */
    uint16_t pkey;              /* P_Key table entry, 0 if refused. */
    enum ipoib_partition_state state;
    long long int last_used;    /* Last frame or VIF seen. */
    struct ipoib_mcast_group bcast;     /* Its Q_Key is unicast's too. */

    char *refusal;              /* Why, while IPOIB_PART_REFUSED. */
    uint32_t host_qpn;          /* Receives the partition's broadcasts. */
    int mtu;                    /* IPoIB MTU of the partition. */
    long long int join_sent;
    uint64_t n_refused;         /* Frames dropped while refused. */
    uint64_t bcast_tx_packets;  /* Sent to 'bcast', for show-groups. */
    uint64_t bcast_rx_packets;  /* Received from 'bcast'. */
    struct ipoib_neigh_table neighs;
    struct ipoib_xlate xlate;
    struct ipoib_listen_table listen;   /* Full member, for the VMs. */
};

/* The P_Key that stands for VLAN 'vlan'. */
static inline uint16_t
ipoib_partition_vlan_pkey(uint16_t vlan)
{
    return IB_PKEY_FULL_MEMBER | vlan;
}

void ipoib_partitions_init(struct netdev_ipoib *);
void ipoib_partitions_destroy(struct netdev_ipoib *);

struct ipoib_partition *ipoib_partition_find(const struct netdev_ipoib *,
                                             uint16_t vlan);
/* The partition that a datagram with BTH P_Key 'pkey' belongs to, or NULL
 * (also for the port's own P_Key). */
struct ipoib_partition *ipoib_partition_find_by_pkey(
    const struct netdev_ipoib *, uint16_t pkey);
/* Finds or makes the partition of 'vlan' (1...4094).  NULL if the port
 * already has IPOIB_MAX_PARTITIONS. */
struct ipoib_partition *ipoib_partition_get(struct netdev_ipoib *,
                                            uint16_t vlan);

/* The partition that frames of 'vlan' (from ipoib_xlate_frame_vlan())
 * go out in, made if need be, if it can carry them now.  Otherwise NULL,
 * the frame counted as dropped: drop_pkey (and a log line) if the port may
 * not use the partition, drop_link_down while it is being joined. */
struct ipoib_partition *ipoib_partition_for_tx(struct netdev_ipoib *,
                                               uint16_t vlan,
                                               long long int now);

/* Counts and logs (rate-limited) a frame of 'vlan' that no usable
 * partition carries. */
void ipoib_partition_refuse_frame(struct netdev_ipoib *, uint16_t vlan,
                                  struct ipoib_partition *);

/* Gives 'vif' (of a VLAN) its QP in its partition, making the partition if
 * need be.  Returns 0 also when that has to wait for the partition. */
int ipoib_partition_vif_make_qp(struct netdev_ipoib *, struct ipoib_vif *);

/* Sets the P_Key (and, for unicast, the Q_Key) of 'd', filled in for the
 * port's own partition, to those of the partition of the VIF that sends
 * it, if that VIF has a VLAN.  'vif' may be NULL: found by d->src_qpn. */
void ipoib_partition_fix_desc(const struct netdev_ipoib *,
                              const struct ipoib_vif *,
                              struct ipoib_tx_desc *d);
/* The same, for a sender already known to be in 'part'. */
void ipoib_partition_set_desc(const struct ipoib_partition *part,
                              struct ipoib_tx_desc *d);

/* Port life cycle, called by netdev-ipoib.c. */
void ipoib_partitions_link_up(struct netdev_ipoib *);
void ipoib_partitions_link_down(struct netdev_ipoib *);
/* Returns true if 'ev' answered a partition's broadcast join. */
bool ipoib_partitions_join_done(struct netdev_ipoib *,
                                const struct ipoib_event *);
void ipoib_partitions_housekeeping(struct netdev_ipoib *, long long int now);
/* Removes 'mac' from the neighbors of every partition (it is a VIF's). */
void ipoib_partitions_evict_mac(struct netdev_ipoib *, struct eth_addr);

/* ipoib-membership.c: joins the groups the partition's VMs listen on,
 * once its host QP is up; leaves them while that QP still exists. */
void netdev_ipoib_listen_partition_up(struct netdev_ipoib *,
                                      struct ipoib_partition *);
void netdev_ipoib_listen_partition_down(struct netdev_ipoib *,
                                        struct ipoib_partition *);

/* Status and listings. */
void ipoib_partitions_get_status(const struct netdev_ipoib *, struct smap *);
void ipoib_partitions_show(struct ds *, const struct netdev_ipoib *);
void ipoib_partitions_show_neighbors(struct ds *, const struct netdev_ipoib *,
                                     long long int now);

#endif /* ipoib-partition.h */
