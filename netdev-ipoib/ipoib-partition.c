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

#include "netdev-ipoib/ipoib-partition.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "hash.h"
#include "netdev-ipoib/ipoib-announce.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipoib_partition);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* A partition with no VIF for this long is forgotten (and left). */
#define IPOIB_PARTITION_IDLE_MS (60 * 1000)

/* Remote endpoints one partition remembers. */
#define IPOIB_PARTITION_MAX_NEIGHBORS 65536

static const char *
partition_state_name(enum ipoib_partition_state state)
{
    switch (state) {
    case IPOIB_PART_REFUSED:
        return "refused";
    case IPOIB_PART_DOWN:
        return "down";
    case IPOIB_PART_JOINING:
        return "joining";
    case IPOIB_PART_UP:
        return "up";
    }
    return "?";
}

void
ipoib_partitions_init(struct netdev_ipoib *dev)
{
    hmap_init(&dev->partitions);
    ipoib_index_init(&dev->partition_by_vlan);
}

static void
partition_free(struct ipoib_partition *part)
{
    ipoib_neigh_table_destroy(&part->neighs);
    ipoib_listen_table_destroy(&part->listen);
    free(part->refusal);
    free_cacheline(part);
}

void
ipoib_partitions_destroy(struct netdev_ipoib *dev)
{
    struct ipoib_partition *part;

    HMAP_FOR_EACH_POP (part, node, &dev->partitions) {
        partition_free(part);
    }
    hmap_destroy(&dev->partitions);
    ipoib_index_destroy(&dev->partition_by_vlan);
}

struct ipoib_partition *
ipoib_partition_find(const struct netdev_ipoib *dev, uint16_t vlan)
{
    return ipoib_index_find(&dev->partition_by_vlan, vlan);
}

static void
partition_index(struct netdev_ipoib *dev, struct ipoib_partition *part)
{
    hmap_insert(&dev->partitions, &part->node, hash_int(part->vlan, 0));
    ipoib_index_insert(&dev->partition_by_vlan, part->vlan, part);
}

static void
partition_unindex(struct netdev_ipoib *dev, struct ipoib_partition *part)
{
    hmap_remove(&dev->partitions, &part->node);
    ipoib_index_remove(&dev->partition_by_vlan, part->vlan);
}

struct ipoib_partition *
ipoib_partition_find_by_pkey(const struct netdev_ipoib *dev, uint16_t pkey)
{
    /* VLAN N is P_Key 0x8000 | N, so the low 15 bits are the VLAN. */
    uint16_t vlan = ib_pkey_partition(pkey);

    if (!vlan || vlan >= 4095
        || vlan == ib_pkey_partition(dev->port_pkey)) {
        return NULL;
    }
    return ipoib_partition_find(dev, vlan);
}

static void
partition_set_refused(struct netdev_ipoib *dev, struct ipoib_partition *part,
                      char *why)
{
    if (part->state != IPOIB_PART_REFUSED
        || !part->refusal || strcmp(part->refusal, why)) {
        VLOG_WARN("%s: VLAN %"PRIu16" refused: %s",
                  netdev_get_name(&dev->up), part->vlan, why);
        netdev_change_seq_changed(&dev->up);
    }
    free(part->refusal);
    part->refusal = why;
    part->state = IPOIB_PART_REFUSED;
    part->pkey = 0;
}

/* Looks the partition's P_Key up in the port's table.  Returns the entry,
 * or 0 after marking the partition refused. */
static uint16_t
partition_check_pkey(struct netdev_ipoib *dev, struct ipoib_partition *part)
{
    uint16_t want = ipoib_partition_vlan_pkey(part->vlan);

    if (!ib_pkey_same_partition(want, dev->port_pkey)) {
        int idx = ib_pkey_table_find(dev->attr.pkeys, dev->attr.n_pkeys,
                                     want);
        if (idx >= 0) {
            return dev->attr.pkeys[idx];
        }
        partition_set_refused(dev, part, xasprintf(
                                  "P_Key 0x%04"PRIx16" is not in the P_Key "
                                  "table of %s port %d", want, dev->device,
                                  dev->port_num));
    } else {
        partition_set_refused(dev, part, xasprintf(
                                  "P_Key 0x%04"PRIx16" is the port's own "
                                  "(options:pkey), carried untagged",
                                  want));
    }
    return 0;
}

/* Sends the partition's broadcast join, if the port is up and a member. */
static void
partition_start_join(struct netdev_ipoib *dev, struct ipoib_partition *part,
                     long long int now)
{
    if (dev->link != IPOIB_LINK_UP) {
        part->state = IPOIB_PART_DOWN;
        return;
    }
    uint16_t pkey = partition_check_pkey(dev, part);
    if (!pkey) {
        return;
    }
    if (part->state == IPOIB_PART_REFUSED) {
        VLOG_INFO("%s: VLAN %"PRIu16" accepted: P_Key 0x%04"PRIx16" is in "
                  "the P_Key table", netdev_get_name(&dev->up), part->vlan,
                  pkey);
        free(part->refusal);
        part->refusal = NULL;
        netdev_change_seq_changed(&dev->up);
    }

    struct ipoib_xlate *x = &part->xlate;
    part->pkey = pkey;
    x->pkey = pkey | IB_PKEY_FULL_MEMBER;
    x->gid = dev->attr.gid;
    x->lid = dev->attr.lid;
    x->scope = dev->mcast_scope;
    ipoib_mgid_broadcast(&part->bcast.mgid, x->pkey, dev->mcast_scope);
    part->state = IPOIB_PART_DOWN;
    part->join_sent = now;
    if (!dev->tclass->join_mcast(dev->port, &part->bcast.mgid, pkey, 0,
                                 IPOIB_JOIN_FULL)) {
        part->state = IPOIB_PART_JOINING;
    }
}

struct ipoib_partition *
ipoib_partition_get(struct netdev_ipoib *dev, uint16_t vlan)
{
    struct ipoib_partition *part = ipoib_partition_find(dev, vlan);

    if (part) {
        return part;
    }
    if (hmap_count(&dev->partitions) >= IPOIB_MAX_PARTITIONS
        || !vlan || vlan >= 4095) {
        return NULL;
    }

    long long int now = time_msec();
    part = xzalloc_cacheline(sizeof *part);
    part->vlan = vlan;
    part->state = IPOIB_PART_DOWN;
    part->last_used = now;
    part->mtu = dev->mtu;
    ipoib_neigh_table_init(&part->neighs, IPOIB_PARTITION_MAX_NEIGHBORS,
                           ipoib_vif_table_has_mac, &dev->vifs);
    ipoib_xlate_init(&part->xlate, &dev->vifs, &part->neighs);
    part->xlate.vlan = vlan;
    ipoib_listen_table_init(&part->listen, IPOIB_MAX_LISTEN_GROUPS);
    part->xlate.mtu = part->mtu;
    partition_index(dev, part);
    VLOG_INFO("%s: VLAN %"PRIu16" maps to P_Key 0x%04"PRIx16,
              netdev_get_name(&dev->up), vlan,
              ipoib_partition_vlan_pkey(vlan));
    partition_start_join(dev, part, now);
    netdev_change_seq_changed(&dev->up);
    return part;
}

void
ipoib_partition_refuse_frame(struct netdev_ipoib *dev, uint16_t vlan,
                             struct ipoib_partition *part)
{
    const char *name = netdev_get_name(&dev->up);

    dev->netdev_drops[IPOIB_NDROP_PKEY]++;
    if (part) {
        part->n_refused++;
        VLOG_WARN_RL(&rl, "%s: dropped a frame of VLAN %"PRIu16": %s", name,
                     vlan, part->refusal ? part->refusal : "refused");
    } else if (vlan == IPOIB_VLAN_INVALID) {
        VLOG_WARN_RL(&rl, "%s: dropped a frame with stacked VLAN tags or "
                     "VID 4095: no partition carries it", name);
    } else {
        VLOG_WARN_RL(&rl, "%s: dropped a frame of VLAN %"PRIu16": already "
                     "%d partitions", name, vlan, IPOIB_MAX_PARTITIONS);
    }
}

struct ipoib_partition *
ipoib_partition_for_tx(struct netdev_ipoib *dev, uint16_t vlan,
                       long long int now)
{
    struct ipoib_partition *part = NULL;

    if (vlan != IPOIB_VLAN_INVALID) {
        /* A trunk VM's first frame of a VLAN makes its partition. */
        part = ipoib_partition_get(dev, vlan);
    }
    if (!part || part->state == IPOIB_PART_REFUSED) {
        ipoib_partition_refuse_frame(dev, vlan, part);
        return NULL;
    }
    if (part->last_used != now) {
        /* Written once a millisecond, not once a frame. */
        part->last_used = now;
    }
    if (part->state != IPOIB_PART_UP) {
        dev->netdev_drops[IPOIB_NDROP_LINK_DOWN]++;
        return NULL;
    }
    return part;
}

int
ipoib_partition_vif_make_qp(struct netdev_ipoib *dev, struct ipoib_vif *vif)
{
    struct ipoib_partition *part = ipoib_partition_get(dev, vif->vlan);
    uint32_t qpn;

    if (!part) {
        dev->netdev_drops[IPOIB_NDROP_QP_FAILED]++;
        return ENOSPC;
    }
    part->last_used = time_msec();
    if (part->state != IPOIB_PART_UP || vif->qpn) {
        /* Made when the partition comes up. */
        return 0;
    }
    /* The MAC is the VM's now, not a remote endpoint's. */
    ipoib_neigh_evict_mac(&part->neighs, vif->mac);
    int error = dev->tclass->create_qp(dev->port, part->pkey,
                                       part->bcast.qkey, &qpn);
    if (error) {
        dev->netdev_drops[IPOIB_NDROP_QP_FAILED]++;
        VLOG_WARN_RL(&rl, "%s: cannot create a QP for VIF "ETH_ADDR_FMT" on "
                     "VLAN %"PRIu16" (%s)", netdev_get_name(&dev->up),
                     ETH_ADDR_ARGS(vif->mac), vif->vlan,
                     ovs_strerror(error));
        return error;
    }
    return ipoib_vif_set_qp(&dev->vifs, vif, qpn, part->pkey);
}

void
ipoib_partition_fix_desc(const struct netdev_ipoib *dev,
                         const struct ipoib_vif *vif,
                         struct ipoib_tx_desc *d)
{
    if (!vif) {
        vif = ipoib_vif_find_by_qpn(&dev->vifs, d->src_qpn);
    }
    if (!vif || vif->vlan == IPOIB_VLAN_NONE) {
        return;
    }
    const struct ipoib_partition *part = ipoib_partition_find(dev,
                                                              vif->vlan);
    if (part) {
        ipoib_partition_set_desc(part, d);
    }
}

void
ipoib_partition_set_desc(const struct ipoib_partition *part,
                         struct ipoib_tx_desc *d)
{
    d->pkey = part->pkey;
    if (d->dqpn != IB_MULTICAST_QPN) {
        d->qkey = part->bcast.qkey;
    }
}

static void
partition_down(struct netdev_ipoib *dev, struct ipoib_partition *part)
{
    if (part->state == IPOIB_PART_UP) {
        netdev_ipoib_listen_partition_down(dev, part);
    }
    if (part->host_qpn) {
        dev->tclass->detach_mcast(dev->port, part->host_qpn,
                                  &part->bcast.mgid, part->bcast.mlid);
        dev->tclass->destroy_qp(dev->port, part->host_qpn);
        part->host_qpn = 0;
    }
    if (part->state == IPOIB_PART_UP) {
        dev->tclass->leave_mcast(dev->port, &part->bcast.mgid, part->pkey,
                                 IPOIB_JOIN_FULL);
    }
    if (part->state != IPOIB_PART_REFUSED) {
        part->state = IPOIB_PART_DOWN;
    }
}

void
ipoib_partitions_link_up(struct netdev_ipoib *dev)
{
    long long int now = time_msec();
    struct ipoib_partition *part;

    HMAP_FOR_EACH (part, node, &dev->partitions) {
        partition_start_join(dev, part, now);
    }
}

/* Called after the VIFs' QPs were destroyed, while the port is open. */
void
ipoib_partitions_link_down(struct netdev_ipoib *dev)
{
    struct ipoib_partition *part;

    HMAP_FOR_EACH (part, node, &dev->partitions) {
        partition_down(dev, part);
    }
}

static void
partition_up(struct netdev_ipoib *dev, struct ipoib_partition *part,
             const struct ipoib_mcast_group *group)
{
    const char *name = netdev_get_name(&dev->up);
    struct ipoib_vif *vif;
    int error;

    part->bcast = *group;
    error = dev->tclass->create_qp(dev->port, part->pkey, group->qkey,
                                   &part->host_qpn);
    if (!error) {
        error = dev->tclass->attach_mcast(dev->port, part->host_qpn,
                                          &group->mgid, group->mlid);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "%s: VLAN %"PRIu16": cannot set up the broadcast "
                     "QP (%s), will retry", name, part->vlan,
                     ovs_strerror(error));
        part->state = IPOIB_PART_UP;
        partition_down(dev, part);
        return;
    }

    /* The partition's MTU is its broadcast group's (partitions.conf),
     * within the port's. */
    part->mtu = MIN(group->ib_mtu, dev->attr.ib_mtu) - IPOIB_ENCAP_LEN;
    part->xlate.mtu = part->mtu;
    part->state = IPOIB_PART_UP;
    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        if (vif->vlan == part->vlan
            && !ipoib_partition_vif_make_qp(dev, vif)) {
            /* A new QP: tell the partition where the VM is now. */
            netdev_ipoib_announce_vif_qp(dev, vif, time_msec());
        }
    }
    netdev_ipoib_listen_partition_up(dev, part);
    VLOG_INFO("%s: VLAN %"PRIu16" up: pkey 0x%04"PRIx16" qpn 0x%06"PRIx32
              " qkey 0x%"PRIx32" mtu %d", name, part->vlan, part->pkey,
              part->host_qpn, group->qkey, part->mtu);
    netdev_change_seq_changed(&dev->up);
}

bool
ipoib_partitions_join_done(struct netdev_ipoib *dev,
                           const struct ipoib_event *ev)
{
    struct ipoib_partition *part;

    HMAP_FOR_EACH (part, node, &dev->partitions) {
        if (part->state == IPOIB_PART_JOINING
            && ib_gid_equals(&part->bcast.mgid, &ev->join.mgid)) {
            if (ev->status) {
                VLOG_WARN_RL(&rl, "%s: VLAN %"PRIu16": broadcast join "
                             "failed (%s), will retry",
                             netdev_get_name(&dev->up), part->vlan,
                             ovs_strerror(ev->status));
                part->state = IPOIB_PART_DOWN;
            } else {
                partition_up(dev, part, &ev->join);
            }
            return true;
        }
    }
    return false;
}

void
ipoib_partitions_housekeeping(struct netdev_ipoib *dev, long long int now)
{
    struct ipoib_partition *part;
    struct ipoib_vif *vif;

    /* A partition is in use while it has a VIF. */
    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        if (vif->vlan != IPOIB_VLAN_NONE) {
            part = ipoib_partition_find(dev, vif->vlan);
            if (part) {
                part->last_used = now;
            }
        }
    }

    HMAP_FOR_EACH_SAFE (part, node, &dev->partitions) {
        if (now - part->last_used >= IPOIB_PARTITION_IDLE_MS) {
            VLOG_INFO("%s: VLAN %"PRIu16" has no VIF any more, leaving "
                      "its partition", netdev_get_name(&dev->up),
                      part->vlan);
            partition_down(dev, part);
            partition_unindex(dev, part);
            partition_free(part);
            netdev_change_seq_changed(&dev->up);
            continue;
        }
        if (part->state == IPOIB_PART_JOINING
            && now - part->join_sent >= IPOIB_SA_RETRY_MS) {
            /* No answer: ask again. */
            part->state = IPOIB_PART_DOWN;
        }
        if (part->state == IPOIB_PART_DOWN
            || part->state == IPOIB_PART_REFUSED) {
            /* The SM may have changed the P_Key table meanwhile. */
            partition_start_join(dev, part, now);
        }
        ipoib_neigh_expire(&part->neighs, now, dev->neigh_idle_ms);
    }
}

void
ipoib_partitions_evict_mac(struct netdev_ipoib *dev, struct eth_addr mac)
{
    struct ipoib_partition *part;

    HMAP_FOR_EACH (part, node, &dev->partitions) {
        ipoib_neigh_evict_mac(&part->neighs, mac);
    }
}

/* Listings, in VLAN order. */

static int
compare_partitions(const void *a_, const void *b_)
{
    const struct ipoib_partition *const *a = a_;
    const struct ipoib_partition *const *b = b_;

    return (int) (*a)->vlan - (int) (*b)->vlan;
}

static const struct ipoib_partition **
sorted_partitions(const struct netdev_ipoib *dev, size_t *n)
{
    const struct ipoib_partition **parts;
    const struct ipoib_partition *part;
    size_t i = 0;

    *n = hmap_count(&dev->partitions);
    parts = xmalloc((*n ? *n : 1) * sizeof *parts);
    HMAP_FOR_EACH (part, node, &dev->partitions) {
        parts[i++] = part;
    }
    qsort(parts, *n, sizeof *parts, compare_partitions);
    return parts;
}

static size_t
count_vifs(const struct netdev_ipoib *dev, uint16_t vlan)
{
    const struct ipoib_vif *vif;
    size_t n = 0;

    IPOIB_VIF_FOR_EACH (vif, &dev->vifs) {
        n += vif->vlan == vlan;
    }
    return n;
}

void
ipoib_partitions_get_status(const struct netdev_ipoib *dev, struct smap *smap)
{
    size_t n;
    const struct ipoib_partition **parts = sorted_partitions(dev, &n);
    struct ds vlans = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < n; i++) {
        const struct ipoib_partition *part = parts[i];
        char *key = xasprintf("vlan%"PRIu16, part->vlan);

        ds_put_format(&vlans, "%s%"PRIu16, i ? "," : "", part->vlan);
        if (part->state == IPOIB_PART_REFUSED) {
            smap_add_format(smap, key, "pkey=0x%04"PRIx16" state=refused "
                            "dropped=%"PRIu64" reason=%s",
                            ipoib_partition_vlan_pkey(part->vlan),
                            part->n_refused, part->refusal);
        } else {
            smap_add_format(smap, key, "pkey=0x%04"PRIx16" state=%s "
                            "qpn=0x%06"PRIx32" mtu=%d vifs=%"PRIuSIZE
                            " neighbors=%"PRIuSIZE,
                            part->pkey ? part->pkey
                            : ipoib_partition_vlan_pkey(part->vlan),
                            partition_state_name(part->state),
                            part->host_qpn, part->mtu,
                            count_vifs(dev, part->vlan),
                            ipoib_neigh_table_count(&part->neighs));
        }
        free(key);
    }
    if (n) {
        smap_add(smap, "vlans", ds_cstr(&vlans));
    }
    ds_destroy(&vlans);
    free(parts);
}

void
ipoib_partitions_show(struct ds *out, const struct netdev_ipoib *dev)
{
    size_t n;
    const struct ipoib_partition **parts = sorted_partitions(dev, &n);

    for (size_t i = 0; i < n; i++) {
        const struct ipoib_partition *part = parts[i];

        ds_put_format(out, "  VLAN=%"PRIu16" PKEY=0x%04"PRIx16" STATE=%s",
                      part->vlan,
                      part->pkey ? part->pkey
                      : ipoib_partition_vlan_pkey(part->vlan),
                      partition_state_name(part->state));
        if (part->state == IPOIB_PART_UP) {
            ds_put_format(out, " QPN=0x%06"PRIx32" QKEY=0x%"PRIx32
                          " MLID=0x%04"PRIx16, part->host_qpn,
                          part->bcast.qkey, part->bcast.mlid);
        }
        ds_put_format(out, " MTU=%d VIFS=%"PRIuSIZE" NEIGHBORS=%"PRIuSIZE,
                      part->mtu, count_vifs(dev, part->vlan),
                      ipoib_neigh_table_count(&part->neighs));
        if (part->state == IPOIB_PART_REFUSED) {
            ds_put_format(out, " DROPPED=%"PRIu64" REASON=%s",
                          part->n_refused, part->refusal);
        }
        ds_put_char(out, '\n');
    }
    free(parts);
}

void
ipoib_partitions_show_neighbors(struct ds *out, const struct netdev_ipoib *dev,
                                long long int now)
{
    size_t n;
    const struct ipoib_partition **parts = sorted_partitions(dev, &n);

    for (size_t i = 0; i < n; i++) {
        const struct ipoib_neigh *neigh;

        IPOIB_NEIGH_FOR_EACH (neigh, &parts[i]->neighs) {
            char hw_s[IPOIB_HWADDR_STRLEN];

            ds_put_format(out, "  VLAN=%"PRIu16" MAC="ETH_ADDR_FMT
                          " HWADDR=%s", parts[i]->vlan,
                          ETH_ADDR_ARGS(neigh->mac),
                          ipoib_hwaddr_format(&neigh->hwaddr, hw_s));
            if (neigh->lid != IPOIB_LID_UNKNOWN) {
                ds_put_format(out, " LID=%"PRIu16, neigh->lid);
            } else {
                ds_put_cstr(out, " LID=?");
            }
            ipoib_neigh_format_addrs(neigh, out);
            ds_put_format(out, " AGE=%llds\n",
                          (now - neigh->last_used_ms) / 1000);
        }
    }
    free(parts);
}
