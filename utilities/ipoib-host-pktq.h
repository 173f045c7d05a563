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

#ifndef IPOIB_HOST_PKTQ_H
#define IPOIB_HOST_PKTQ_H 1

/* A short queue of packets waiting for something (an address, a path, a
 * multicast join), as the kernel's IPoIB keeps a few per neighbor and per
 * group.  The packets are "struct ofpbuf"s linked through 'list_node'. */

#include <stdbool.h>
#include "openvswitch/list.h"

struct ofpbuf;

#define HOST_PKTQ_MAX 3

struct host_pktq {
    struct ovs_list packets;
    int n;
};

void host_pktq_init(struct host_pktq *);
/* Takes 'packet'.  Returns false, and frees it, if the queue is full. */
bool host_pktq_push(struct host_pktq *, struct ofpbuf *packet);
/* Returns the oldest packet (the caller owns it), or NULL. */
struct ofpbuf *host_pktq_pop(struct host_pktq *);
/* Frees every packet; returns how many there were. */
int host_pktq_clear(struct host_pktq *);

#endif /* ipoib-host-pktq.h */
