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

#ifndef IPOIB_HOST_PATH_H
#define IPOIB_HOST_PATH_H 1

/* The native host's paths: remote port GID -> LID, SL and MTU, from SA
 * PathRecord queries, as the kernel's IPoIB driver keeps them per GID.
 * Packets waiting for a path wait on their neighbor entry, not here. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "openvswitch/hmap.h"
#include "transport/ipoib-transport.h"

#define HOST_PATH_RETRY_MS 2000     /* Before a failed query is retried. */

enum host_path_state {
    HOST_PATH_QUERYING,
    HOST_PATH_VALID,
    HOST_PATH_FAILED,
};

struct host_path {
    struct hmap_node node;          /* In host_path_table's 'map'. */
    struct ib_gid dgid;
    enum host_path_state state;
    struct ipoib_path path;         /* With HOST_PATH_VALID. */
    long long int queried;          /* When the last query went out. */
};

struct host_path_table {
    struct hmap map;
    size_t max_entries;
};

void host_path_table_init(struct host_path_table *, size_t max_entries);
void host_path_table_destroy(struct host_path_table *);
void host_path_table_flush(struct host_path_table *);

struct host_path *host_path_find(const struct host_path_table *,
                                 const struct ib_gid *);
/* Returns the entry for 'dgid', creating it in QUERYING state ('*query'
 * true: the caller sends the query) or turning a failed one old enough back
 * to QUERYING (the same).  Returns NULL if the table is full. */
struct host_path *host_path_get(struct host_path_table *,
                                const struct ib_gid *dgid,
                                long long int now, bool *query);
/* Records a query's answer; returns the entry, or NULL if it was not
 * asked for. */
struct host_path *host_path_resolve(struct host_path_table *,
                                    const struct ib_gid *dgid, int status,
                                    const struct ipoib_path *);

const char *host_path_state_name(enum host_path_state);

#define HOST_PATH_FOR_EACH(PATH, TABLE) \
    HMAP_FOR_EACH (PATH, node, &(TABLE)->map)

#endif /* ipoib-host-path.h */
