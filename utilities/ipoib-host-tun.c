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
#include "utilities/ipoib-host-tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "openvswitch/poll-loop.h"
#include "socket-util.h"
#include "util.h"

/* The argument of SIOCSIFADDR on an AF_INET6 socket (struct in6_ifreq of
 * <linux/ipv6.h>, which does not mix well with <netinet/in.h>). */
struct host_in6_ifreq {
    struct in6_addr addr;
    uint32_t prefixlen;
    int ifindex;
};

int
host_tun_open(const char *name, struct host_tun *tun)
{
    struct ifreq ifr;
    int fd;

    if (strlen(name) >= IFNAMSIZ) {
        return ENAMETOOLONG;
    }
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    int error = set_nonblocking(fd);
    if (error) {
        close(fd);
        return error;
    }
    tun->fd = fd;
    ovs_strlcpy(tun->name, ifr.ifr_name, sizeof tun->name);
    tun->ifindex = if_nametoindex(tun->name);
    return 0;
}

void
host_tun_close(struct host_tun *tun)
{
    if (tun->fd >= 0) {
        close(tun->fd);
        tun->fd = -1;
    }
}

/* Runs 'request' on 'ifr' (named after 'tun') over a socket of 'family'. */
static int
tun_ioctl(const struct host_tun *tun, int family, unsigned long request,
          struct ifreq *ifr)
{
    int sock = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = 0;

    if (sock < 0) {
        return errno;
    }
    ovs_strlcpy(ifr->ifr_name, tun->name, sizeof ifr->ifr_name);
    if (ioctl(sock, request, ifr) < 0) {
        error = errno;
    }
    close(sock);
    return error;
}

int
host_tun_set_mtu(const struct host_tun *tun, int mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = mtu;
    return tun_ioctl(tun, AF_INET, SIOCSIFMTU, &ifr);
}

int
host_tun_set_up(const struct host_tun *tun)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    int error = tun_ioctl(tun, AF_INET, SIOCGIFFLAGS, &ifr);
    if (!error && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        error = tun_ioctl(tun, AF_INET, SIOCSIFFLAGS, &ifr);
    }
    return error;
}

int
host_tun_no_addr_gen(const struct host_tun *tun)
{
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/addr_gen_mode",
                           tun->name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int error = 0;

    free(path);
    if (fd < 0) {
        return errno;
    }
    /* 1 is IN6_ADDR_GEN_MODE_NONE. */
    if (write(fd, "1\n", 2) != 2) {
        error = errno;
    }
    close(fd);
    return error;
}

int
host_tun_add_ipv6(const struct host_tun *tun, const struct in6_addr *ip,
                  int plen)
{
    /* As large as a struct ifreq, and all zeros, since checkers such as
     * valgrind take SIOCSIFADDR's argument for one. */
    union {
        struct host_in6_ifreq in6;
        struct ifreq ifr;
    } req;
    memset(&req, 0, sizeof req);
    req.in6.addr = *ip;
    req.in6.prefixlen = plen;
    req.in6.ifindex = tun->ifindex;

    int sock = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = 0;

    if (sock < 0) {
        return errno;
    }
    if (ioctl(sock, SIOCSIFADDR, &req) < 0 && errno != EEXIST) {
        error = errno;
    }
    close(sock);
    return error;
}

ssize_t
host_tun_read(const struct host_tun *tun, void *buf, size_t size)
{
    ssize_t n;

    do {
        n = read(tun->fd, buf, size);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int
host_tun_write(const struct host_tun *tun, const void *data, size_t len)
{
    ssize_t n;

    do {
        n = write(tun->fd, data, len);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? errno : 0;
}

void
host_tun_wait(const struct host_tun *tun)
{
    poll_fd_wait(tun->fd, POLLIN);
}
