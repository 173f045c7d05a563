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

#ifndef IB_SA_CLIENT_H
#define IB_SA_CLIENT_H 1

/* A client of the InfiniBand subnet administrator (SA), over libibumad MADs.
 *
 * It does what an IPoIB port needs of the SA, asynchronously:
 *
 *   - PathRecord Get: the path (DLID, SL, MTU) to a GID or LID in a
 *     partition;
 *   - MCMemberRecord Set/Delete: full or send-only join and leave of a
 *     multicast group, creating it like a template group when it does not
 *     exist yet (IPoIB creates IPv4/IPv6 groups with the broadcast group's
 *     Q_Key, MTU, SL, rate and traffic class).
 *
 * Requests are sent at once; ib_sa_client_run() receives the answers,
 * retransmits after a timeout (re-reading the SM's LID from the port first,
 * since a timeout is how a client notices that a standby SM took over) and
 * gives up after the last retry with ETIMEDOUT.  Answers, including failures,
 * are taken with ib_sa_client_poll(), each carrying the caller's cookie.
 *
 * One thread uses a client at a time.  No function blocks. */

#include <stdbool.h>
#include <stdint.h>
#include "lib/ipoib-addr.h"
#include "transport/ipoib-transport.h"

struct ib_sa_client;

struct ib_sa_client_config {
    const char *ca_name;        /* libibumad CA name, e.g. "mlx5_0". */
    int port_num;               /* 1-based. */
    int timeout_ms;             /* Per try; 0 for the default (1000). */
    int max_tries;              /* 0 for the default (4). */
};

/* Opens the umad port of 'cfg->ca_name'/'cfg->port_num' and registers the
 * SA management class.  Returns 0 or a positive errno value (ENODEV: no
 * such CA or port). */
int ib_sa_client_open(const struct ib_sa_client_config *cfg,
                      struct ib_sa_client **clientp);
void ib_sa_client_close(struct ib_sa_client *);

/* Re-reads the port's LID, SM LID and SM SL (after a port event).  Returns
 * 0 or a positive errno value. */
int ib_sa_client_refresh_port(struct ib_sa_client *);

/* The SM LID currently used, 0 if the port has none (no SM). */
uint16_t ib_sa_client_sm_lid(const struct ib_sa_client *);

/* Receives answers and handles timeouts; 'wait' wakes poll_block() when
 * there is an answer to read or a timeout to handle. */
void ib_sa_client_run(struct ib_sa_client *);
void ib_sa_client_wait(struct ib_sa_client *);

/* PathRecord Get from 'sgid' to 'dgid' (or, if 'dgid' is NULL, to 'dlid')
 * in partition 'pkey', one path, reversible.  Returns 0 if the request was
 * sent or queued, else a positive errno value. */
int ib_sa_query_path(struct ib_sa_client *, const struct ib_gid *sgid,
                     const struct ib_gid *dgid, uint16_t dlid,
                     uint16_t pkey, uint64_t cookie);

/* MCMemberRecord Set for 'port_gid' on 'mgid' with 'join_state'.  If
 * 'create' is nonnull, its Q_Key, MTU, SL, P_Key (and the rate and traffic
 * class the client keeps from the last answer for it) are sent too, so that
 * the SA creates the group if it does not exist; otherwise only an existing
 * group can be joined (the SA answers an error, given as ENOENT). */
int ib_sa_join_mcast(struct ib_sa_client *, const struct ib_gid *port_gid,
                     const struct ib_gid *mgid, uint16_t pkey,
                     enum ipoib_join_state join_state,
                     const struct ipoib_mcast_group *create,
                     uint64_t cookie);

/* MCMemberRecord Delete of 'join_state' for 'port_gid' on 'mgid'. */
int ib_sa_leave_mcast(struct ib_sa_client *, const struct ib_gid *port_gid,
                      const struct ib_gid *mgid, uint16_t pkey,
                      enum ipoib_join_state join_state, uint64_t cookie);

enum ib_sa_answer_type {
    IB_SA_ANSWER_PATH,
    IB_SA_ANSWER_JOIN,
    IB_SA_ANSWER_LEAVE,
};

/* The answer to one request.  'status' is 0, ETIMEDOUT (no answer after the
 * last try), ENOENT (the SA has no such record or refused the request),
 * EINVAL (malformed answer) or another positive errno value. */
struct ib_sa_answer {
    enum ib_sa_answer_type type;
    int status;
    uint16_t sa_status;         /* The MAD status field, if answered. */
    uint64_t cookie;
    union {
        struct ipoib_path path;             /* IB_SA_ANSWER_PATH. */
        struct ipoib_mcast_group group;     /* IB_SA_ANSWER_JOIN. */
    };
};

/* Returns 0 and an answer, or EAGAIN if there is none. */
int ib_sa_client_poll(struct ib_sa_client *, struct ib_sa_answer *);

/* How many requests are waiting for an answer. */
int ib_sa_client_n_pending(const struct ib_sa_client *);

/* Counters, for logs and tests. */
struct ib_sa_client_stats {
    uint64_t sent;              /* MADs sent, retransmissions included. */
    uint64_t retries;           /* Retransmissions after a timeout. */
    uint64_t timeouts;          /* Requests that ended with ETIMEDOUT. */
    uint64_t answers;           /* Answers matched to a request. */
    uint64_t malformed;         /* Received MADs that were not valid SA
                                 * answers (dropped, or EINVAL answers). */
    uint64_t unmatched;         /* Answers to no pending request (late
                                 * answers to a retransmitted request). */
    uint64_t busy;              /* "Busy" answers (retried later). */
    uint64_t send_errors;       /* umad_send() failures or no SM LID. */
};
void ib_sa_client_get_stats(const struct ib_sa_client *,
                            struct ib_sa_client_stats *);

#endif /* ib-sa-client.h */
