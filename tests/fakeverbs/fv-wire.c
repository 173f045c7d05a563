#include <config.h>
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

/* The simulated wire: every UD QP is a unix datagram socket
 * "$FAKEVERBS_DIR/<lid>.<qpn>.sock"; a multicast group member is a file
 * "$FAKEVERBS_DIR/mcast/<mlid>/<lid>.<qpn>".  Sends block briefly when
 * the receiver's queue is full, like link-level flow control; a datagram
 * for nobody is lost, as on a fabric. */

#include "fv-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How long a send waits for a full receive queue before the datagram is
 * lost (a congested or stopped receiver). */
#define SEND_TIMEOUT_MS 200

static int
qp_addr(uint16_t lid, uint32_t qpn, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    int n = snprintf(addr->sun_path, sizeof addr->sun_path, "%s/%u.%u.sock",
                     fv_config()->dir, lid, qpn);
    return n > 0 && (size_t) n < sizeof addr->sun_path ? 0 : ENAMETOOLONG;
}

/* Whether a bound name is left over from a process that is gone. */
static bool
addr_is_stale(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool stale = false;

    if (fd >= 0) {
        stale = connect(fd, (const struct sockaddr *) addr, sizeof *addr) < 0
                && errno == ECONNREFUSED;
        close(fd);
    }
    return stale;
}

static int
open_socket(void)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct timeval tv = { 0, SEND_TIMEOUT_MS * 1000 };
    int rcvbuf = 1 << 20;

    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
    }
    return fd;
}

/* Gives 'qp' the first free QPN from the context's counter and binds its
 * socket.  Caller holds the context lock. */
int
fv_wire_bind(struct fv_context *ctx, struct fv_qp *qp)
{
    struct sockaddr_un addr;

    qp->sock = open_socket();
    if (qp->sock < 0) {
        return errno;
    }
    for (int tries = 0; tries < 1 << 16; tries++) {
        uint32_t qpn = ctx->next_qpn;
        ctx->next_qpn = qpn + 1 < FV_MCAST_QPN ? qpn + 1 : 2;

        int error = qp_addr(ctx->lid, qpn, &addr);
        if (error) {
            break;
        }
        if (!bind(qp->sock, (struct sockaddr *) &addr, sizeof addr)) {
            qp->qp.qp_num = qpn;
            qp->sock_lid = ctx->lid;
            return 0;
        }
        if (errno != EADDRINUSE) {
            break;
        }
        if (addr_is_stale(&addr) && !unlink(addr.sun_path)
            && !bind(qp->sock, (struct sockaddr *) &addr, sizeof addr)) {
            qp->qp.qp_num = qpn;
            qp->sock_lid = ctx->lid;
            return 0;
        }
    }
    int error = errno ? errno : EADDRINUSE;
    close(qp->sock);
    qp->sock = -1;
    return error;
}

static void
member_name(char *buf, size_t size, uint16_t mlid, uint16_t lid,
            uint32_t qpn)
{
    snprintf(buf, size, "mcast/%04x/%u.%u", mlid, lid, qpn);
}

int
fv_wire_mcast_join(struct fv_context *ctx, struct fv_qp *qp, uint16_t mlid)
{
    char group[32], member[64];

    snprintf(group, sizeof group, "mcast/%04x", mlid);
    member_name(member, sizeof member, mlid, qp->sock_lid, qp->qp.qp_num);
    /* A leaving member may remove an empty group between our mkdir and
     * our create: retry. */
    for (int tries = 0; tries < 3; tries++) {
        if (mkdirat(ctx->dir_fd, group, 0777) && errno != EEXIST) {
            return errno;
        }
        int fd = openat(ctx->dir_fd, member,
                        O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        if (errno != ENOENT) {
            return errno;
        }
    }
    return EAGAIN;
}

void
fv_wire_mcast_leave(struct fv_context *ctx, struct fv_qp *qp, uint16_t mlid)
{
    char group[32], member[64];

    snprintf(group, sizeof group, "mcast/%04x", mlid);
    member_name(member, sizeof member, mlid, qp->sock_lid, qp->qp.qp_num);
    unlinkat(ctx->dir_fd, member, 0);
    unlinkat(ctx->dir_fd, group, AT_REMOVEDIR);  /* Only if empty. */
}

/* Renames 'qp''s socket and group memberships after a LID change.  A hard
 * link to a unix socket reaches the same socket.  Caller holds the context
 * lock. */
void
fv_wire_move(struct fv_context *ctx, struct fv_qp *qp, uint16_t lid)
{
    struct sockaddr_un old_addr, new_addr;
    struct fv_list *node, *next;

    /* If the new name is taken (the QPN is in use at that LID), the QP
     * stays reachable at its old LID only. */
    if (qp_addr(qp->sock_lid, qp->qp.qp_num, &old_addr)
        || qp_addr(lid, qp->qp.qp_num, &new_addr)
        || link(old_addr.sun_path, new_addr.sun_path)) {
        return;
    }
    unlink(old_addr.sun_path);
    FV_LIST_FOR_EACH_SAFE (node, next, &qp->mcast) {
        struct fv_mcast *m = FV_CONTAINER_OF(node, struct fv_mcast, node);
        char old_name[64], new_name[64];

        member_name(old_name, sizeof old_name, m->lid, qp->sock_lid,
                    qp->qp.qp_num);
        member_name(new_name, sizeof new_name, m->lid, lid, qp->qp.qp_num);
        renameat(ctx->dir_fd, old_name, ctx->dir_fd, new_name);
    }
    qp->sock_lid = lid;
}

/* Caller holds the context lock. */
void
fv_wire_close(struct fv_context *ctx, struct fv_qp *qp)
{
    struct sockaddr_un addr;
    struct fv_list *node, *next;

    FV_LIST_FOR_EACH_SAFE (node, next, &qp->mcast) {
        struct fv_mcast *m = FV_CONTAINER_OF(node, struct fv_mcast, node);
        fv_wire_mcast_leave(ctx, qp, m->lid);
        fv_list_remove(node);
        free(m);
    }
    if (qp->sock >= 0) {
        if (!qp_addr(qp->sock_lid, qp->qp.qp_num, &addr)) {
            unlink(addr.sun_path);
        }
        close(qp->sock);
        qp->sock = -1;
    }
}

/* Returns 0 or the send's errno. */
static int
send_one(int sock, uint16_t lid, uint32_t qpn, struct iovec iov[2])
{
    struct sockaddr_un addr;
    struct msghdr msg = {
        .msg_name = &addr, .msg_namelen = sizeof addr,
        .msg_iov = iov, .msg_iovlen = 2,
    };

    if (qp_addr(lid, qpn, &addr)) {
        return ENAMETOOLONG;
    }
    /* Errors (nobody bound there, receiver too slow) lose the datagram,
     * as the fabric would. */
    while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

static bool
parse_member(const char *name, unsigned int *lid, unsigned int *qpn)
{
    char tail;

    return sscanf(name, "%u.%u%c", lid, qpn, &tail) == 2
           && *lid && *lid < 0xc000 && *qpn < FV_MCAST_QPN;
}

static void
send_mcast(struct fv_context *ctx, struct fv_qp *qp,
           const struct fv_wire_hdr *hdr, struct iovec iov[2])
{
    char group[32];

    snprintf(group, sizeof group, "mcast/%04x", hdr->dlid);
    int fd = openat(ctx->dir_fd, group, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return;
    }
    for (struct dirent *de = readdir(dir); de; de = readdir(dir)) {
        unsigned int lid, qpn;
        if (!parse_member(de->d_name, &lid, &qpn)) {
            continue;
        }
        if (qp->block_self_mcast && lid == hdr->slid) {
            continue;
        }
        int error = send_one(qp->sock, lid, qpn, iov);
        if (error == ECONNREFUSED || error == ENOENT) {
            /* The member's process died without leaving the group. */
            unlinkat(dirfd(dir), de->d_name, 0);
        }
    }
    closedir(dir);
}

/* Sends one datagram.  Called without the context lock: it may wait for a
 * receiver, maybe this process's own progress thread. */
void
fv_wire_send(struct fv_context *ctx, struct fv_qp *qp,
             struct fv_wire_hdr *hdr, const uint8_t *payload)
{
    struct iovec iov[2] = {
        { .iov_base = hdr, .iov_len = sizeof *hdr },
        { .iov_base = (void *) payload, .iov_len = hdr->payload_len },
    };

    if (hdr->dlid >= 0xc000 && hdr->dlid != 0xffff
        && hdr->dst_qpn == FV_MCAST_QPN) {
        send_mcast(ctx, qp, hdr, iov);
    } else if (hdr->dst_qpn != FV_MCAST_QPN) {
        send_one(qp->sock, hdr->dlid, hdr->dst_qpn, iov);
    }
}
