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
#ifndef NETDEV_IPOIB_PRIVATE_H
#define NETDEV_IPOIB_PRIVATE_H 1

/* The state of one ipoib netdev, shared by the files of netdev-ipoib/:
 * netdev-ipoib.c (the OVS netdev class: configuration, port life cycle,
 * statistics), ipoib-datapath.c (send and receive), ipoib-show.c
 * (listings). */

#include <stdint.h>
#include "lib/ipoib-index.h"
#include "lib/ipoib-neigh.h"
#include "lib/ipoib-vif.h"
#include "lib/ipoib-vif-addrs.h"
#include "lib/ipoib-xlate.h"
#include "netdev-ipoib/ipoib-mcast-listen.h"
#include "netdev-ipoib/ipoib-mcast-table.h"
#include "netdev-ipoib/ipoib-offload.h"
#include "netdev-ipoib/ipoib-path-cache.h"
#include "dp-packet.h"
#include "netdev-provider.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"
#include "transport/ipoib-transport.h"

/* Where a port is in its life: it carries traffic only when UP. */
enum ipoib_link_state {
    IPOIB_LINK_DOWN,            /* Port down, fabric gone, or bad config. */
    IPOIB_LINK_JOINING,         /* Port ACTIVE, broadcast join sent. */
    IPOIB_LINK_UP,              /* Broadcast group joined, QPs made. */
};

/* How long an SA request may stay unanswered before it is sent again. */
#define IPOIB_SA_RETRY_MS 2000

/* Groups a port may be a full member of for its VMs. */
#define IPOIB_MAX_LISTEN_GROUPS 256

/* Drop reasons counted by the netdev itself, beyond the translator's. */
enum ipoib_netdev_drop {
    IPOIB_NDROP_LINK_DOWN,      /* Sent while the link was not UP. */
    IPOIB_NDROP_NO_PATH,        /* Path query failed or queue full. */
    IPOIB_NDROP_MCAST_PENDING,  /* Multicast group not joined yet. */
    IPOIB_NDROP_QP_FAILED,      /* Could not make a QP for a VIF. */
    IPOIB_NDROP_TX_FULL,        /* The transport refused the send. */
    IPOIB_NDROP_PATH_MTU,       /* Longer than the path MTU. */
    IPOIB_NDROP_PKEY,           /* VLAN whose partition the port may not
                                 * use (ipoib-partition.h). */
    IPOIB_N_NDROPS
};

struct netdev_ipoib {
    struct netdev up;
    struct ovs_list list_node;  /* In 'ipoib_netdevs'. */

    struct ovs_mutex mutex;

    /* Configuration, from Interface options. */
    char *backend OVS_GUARDED;          /* "sim" or "verbs". */
    char *device OVS_GUARDED;
    int port_num OVS_GUARDED;
    uint16_t pkey OVS_GUARDED;          /* With the full-member bit. */
    char *fabric OVS_GUARDED;
    uint64_t guid OVS_GUARDED;
    bool vif_learning OVS_GUARDED;
    long long int vif_idle_ms OVS_GUARDED;
    long long int neigh_idle_ms OVS_GUARDED;
    size_t max_vifs OVS_GUARDED;
    uint8_t mcast_scope OVS_GUARDED;
    char *config_error OVS_GUARDED;     /* Shown in get_status. */

    /* The IB port. */
    const struct ipoib_transport_class *tclass OVS_GUARDED;
    struct ipoib_port *port OVS_GUARDED;
    struct ipoib_port_attr attr OVS_GUARDED;
    enum ipoib_link_state link OVS_GUARDED;
    uint16_t port_pkey OVS_GUARDED;     /* The P_Key table's entry. */
    struct ipoib_mcast_group bcast OVS_GUARDED;
    uint32_t host_qpn OVS_GUARDED;      /* Receives broadcast/multicast. */
    long long int carrier_resets OVS_GUARDED;
    long long int next_housekeeping OVS_GUARDED;

    /* The datapath port of each database VIF (struct ipoib_vif_port), to
     * refuse frames from that port with another source MAC. */
    struct hmap vif_ports OVS_GUARDED;

    /* Translation state. */
    struct ipoib_vif_table vifs OVS_GUARDED;
    struct ipoib_neigh_table neighs OVS_GUARDED;
    struct ipoib_xlate xlate OVS_GUARDED;
    struct ipoib_path_cache paths OVS_GUARDED;
    struct ipoib_mcast_table mcast OVS_GUARDED;     /* Send-only. */
    struct ipoib_listen_table listen OVS_GUARDED;   /* Full member. */
    /* The partitions of tagged VIFs, struct ipoib_partition by VLAN
     * (ipoib-partition.h); the fields above serve the port's own P_Key. */
    struct hmap partitions OVS_GUARDED;
    /* The same partitions by VLAN, for the data path: one line of index
     * slots instead of an hmap chain through 128 cold structs. */
    struct ipoib_index partition_by_vlan OVS_GUARDED;

    /* What the Ethernet side sees. */
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;                /* IPoIB MTU in use. */
    int requested_mtu OVS_GUARDED;      /* 0: follow the partition. */
    enum netdev_flags flags OVS_GUARDED;

    /* Statistics. */
    struct netdev_stats stats OVS_GUARDED;
    uint64_t xlate_drops[IPOIB_N_DROPS] OVS_GUARDED;
    uint64_t netdev_drops[IPOIB_N_NDROPS] OVS_GUARDED;
    uint64_t snoop_reports OVS_GUARDED;     /* MLD/IGMP reports seen. */
    uint64_t snoop_malformed OVS_GUARDED;   /* Bad reports, ignored. */
    uint64_t snoop_refused OVS_GUARDED;     /* Groups not taken: full. */

    /* Live migration (ipoib-announce.c): each VIF's addresses, announced
     * from its QP when the QP is new to them. */
    struct ipoib_vif_addrs_table vif_addrs OVS_GUARDED;
    long long int next_announce_sweep OVS_GUARDED;
    uint64_t n_announcements OVS_GUARDED;   /* ARPs and NAs sent. */
    uint64_t bcast_tx_packets OVS_GUARDED;  /* Sent to the broadcast group,
                                             * for ipoib/show-groups. */
    uint64_t bcast_rx_packets OVS_GUARDED;  /* Received from it. */

    /* The datapath port each learned VIF was first seen on (struct
     * ipoib_learned_port): its MAC is refused from any other port. */
    struct hmap learned_ports OVS_GUARDED;

    /* TSO and checksum offloads (ipoib-offload.h): not under 'mutex'. */
    struct ipoib_offload offload;
};

/* A VIF's datapath port and the only source MAC allowed from it. */
struct ipoib_vif_port {
    struct hmap_node node;      /* In netdev_ipoib's 'vif_ports'. */
    odp_port_t port;
    struct eth_addr mac;
};

struct netdev_rxq_ipoib {
    struct netdev_rxq up;
    /* Packets allocated for receive but not handed to OVS (nothing came,
     * or they were dropped): kept for the next call, so that polling an
     * idle port allocates nothing. */
    int n_spare;
    struct dp_packet *spare[NETDEV_MAX_BURST];
};

static inline struct netdev_ipoib *
netdev_ipoib_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_ipoib, up);
}

/* ipoib-datapath.c. */
int netdev_ipoib_send(struct netdev *, int qid, struct dp_packet_batch *,
                      bool concurrent_txq);
int netdev_ipoib_rxq_recv(struct netdev_rxq *, struct dp_packet_batch *,
                          int *qfill);
void netdev_ipoib_rxq_wait(struct netdev_rxq *);
void netdev_ipoib_path_done(struct netdev_ipoib *dev,
                            const struct ipoib_event *)
    OVS_REQUIRES(dev->mutex);
/* Sends the packets that waited for 'e''s send-only join, or drops them. */
void netdev_ipoib_mcast_done(struct netdev_ipoib *dev,
                             struct ipoib_mcast_entry *e)
    OVS_REQUIRES(dev->mutex);
const char *netdev_ipoib_drop_name(enum ipoib_netdev_drop);

/* ipoib-membership.c: the groups received for the VMs. */
void netdev_ipoib_snoop(struct netdev_ipoib *, const struct dp_packet *,
                        long long int now)
    OVS_REQUIRES(dev->mutex);
void netdev_ipoib_listen_forget_mac(struct netdev_ipoib *, struct eth_addr)
    OVS_REQUIRES(dev->mutex);
void netdev_ipoib_listen_link_up(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);
void netdev_ipoib_listen_link_down(struct netdev_ipoib *)
    OVS_REQUIRES(dev->mutex);
/* Returns true if 'ev' answered one of the port's full joins. */
bool netdev_ipoib_listen_join_done(struct netdev_ipoib *,
                                   const struct ipoib_event *)
    OVS_REQUIRES(dev->mutex);
/* Sends the full joins that are due: only for 'mgid' if nonnull. */
void netdev_ipoib_listen_retry(struct netdev_ipoib *, const struct ib_gid *,
                               long long int now)
    OVS_REQUIRES(dev->mutex);

/* netdev-ipoib.c. */
/* Returns false if a frame from datapath port 'in_port' may not carry
 * source MAC 'src': the port belongs to a database VIF with another MAC. */
bool netdev_ipoib_source_allowed(const struct netdev_ipoib *dev,
                                 odp_port_t in_port, struct eth_addr src)
    OVS_REQUIRES(dev->mutex);
/* Sends 'p', a frame the netdev made on a VIF's behalf, like a frame from
 * the bridge; frees it.  (ipoib-datapath.c.) */
void netdev_ipoib_send_own(struct netdev_ipoib *dev, struct dp_packet *p)
    OVS_REQUIRES(dev->mutex);
int netdev_ipoib_vif_make_qp(struct netdev_ipoib *dev, struct ipoib_vif *)
    OVS_REQUIRES(dev->mutex);
extern struct ovs_mutex ipoib_netdevs_mutex;
extern struct ovs_list ipoib_netdevs OVS_GUARDED_BY(ipoib_netdevs_mutex);

#endif /* netdev-ipoib-private.h */
