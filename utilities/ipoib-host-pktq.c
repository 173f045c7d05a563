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
#include "utilities/ipoib-host-pktq.h"

#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"

void
host_pktq_init(struct host_pktq *q)
{
    ovs_list_init(&q->packets);
    q->n = 0;
}

bool
host_pktq_push(struct host_pktq *q, struct ofpbuf *packet)
{
    if (q->n >= HOST_PKTQ_MAX) {
        ofpbuf_delete(packet);
        return false;
    }
    ovs_list_push_back(&q->packets, &packet->list_node);
    q->n++;
    return true;
}

struct ofpbuf *
host_pktq_pop(struct host_pktq *q)
{
    if (ovs_list_is_empty(&q->packets)) {
        return NULL;
    }
    q->n--;
    return CONTAINER_OF(ovs_list_pop_front(&q->packets), struct ofpbuf,
                        list_node);
}

int
host_pktq_clear(struct host_pktq *q)
{
    int n_freed = q->n;
    struct ofpbuf *packet;

    while ((packet = host_pktq_pop(q)) != NULL) {
        ofpbuf_delete(packet);
    }
    return n_freed;
}
