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
#include "fabric/fabric-proto.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util.h"

size_t
fabric_msg_size(uint32_t type)
{
    switch (type) {
    case FABRIC_MSG_ATTACH:
        return sizeof(struct fabric_msg_attach);
    case FABRIC_MSG_ATTACH_REPLY:
    case FABRIC_MSG_PORT_INFO:
        return sizeof(struct fabric_msg_port_info);
    case FABRIC_MSG_JOIN:
    case FABRIC_MSG_LEAVE:
        return sizeof(struct fabric_msg_join);
    case FABRIC_MSG_JOIN_REPLY:
        return sizeof(struct fabric_msg_join_reply);
    case FABRIC_MSG_PATH:
        return sizeof(struct fabric_msg_path);
    case FABRIC_MSG_PATH_REPLY:
        return sizeof(struct fabric_msg_path_reply);
    default:
        return 0;
    }
}

void
fabric_msg_init(struct fabric_msg_hdr *hdr, uint32_t type, uint32_t xid)
{
    size_t size = fabric_msg_size(type);

    memset(hdr, 0, size);
    hdr->type = type;
    hdr->len = size;
    hdr->xid = xid;
}

int
fabric_msg_send(int sock, const struct fabric_msg_hdr *msg, int fd_to_pass)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {
        .iov_base = CONST_CAST(struct fabric_msg_hdr *, msg),
        .iov_len = msg->len,
    };
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
    };
    ssize_t n;

    if (fd_to_pass >= 0) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd_to_pass, sizeof(int));
    }

    do {
        n = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    }
    return n == msg->len ? 0 : EMSGSIZE;
}

/* Takes the descriptors out of 'mh': the first into '*fdp', closing any
 * others, since a peer may pass any number. */
static void
collect_fds(struct msghdr *mh, int *fdp)
{
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(mh); cmsg;
         cmsg = CMSG_NXTHDR(mh, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET
            || cmsg->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
            if (*fdp < 0) {
                *fdp = fd;
            } else {
                close(fd);
            }
        }
    }
}

int
fabric_msg_recv(int sock, void *buf, int *fdp)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } control;
    struct iovec iov = {
        .iov_base = buf,
        .iov_len = FABRIC_MSG_MAX,
    };
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    const struct fabric_msg_hdr *hdr = buf;
    ssize_t n;

    *fdp = -1;
    do {
        n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    if (n == 0) {
        return EOF;
    }
    collect_fds(&mh, fdp);

    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)
        || n < (ssize_t) sizeof *hdr
        || hdr->len != n
        || fabric_msg_size(hdr->type) != n
        || (*fdp >= 0 && hdr->type != FABRIC_MSG_ATTACH_REPLY)) {
        if (*fdp >= 0) {
            close(*fdp);
            *fdp = -1;
        }
        return EPROTO;
    }
    return 0;
}
