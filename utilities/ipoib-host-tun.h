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

#ifndef IPOIB_HOST_TUN_H
#define IPOIB_HOST_TUN_H 1

/* The kernel side of the native host: a tun device (IFF_TUN | IFF_NO_PI,
 * so ARPHRD_NONE: the kernel hands us bare IP packets and does no neighbor
 * resolution of its own) in the current network namespace. */

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

struct host_tun {
    int fd;                         /* Nonblocking. */
    char name[IFNAMSIZ];
    int ifindex;
};

/* Creates (or attaches to) tun device 'name'.  Returns 0 or an errno
 * value. */
int host_tun_open(const char *name, struct host_tun *);
void host_tun_close(struct host_tun *);

int host_tun_set_mtu(const struct host_tun *, int mtu);
int host_tun_set_up(const struct host_tun *);
/* Stops the kernel from making IPv6 link-local addresses of its own on the
 * device: the host gives it the one IPoIB prescribes. */
int host_tun_no_addr_gen(const struct host_tun *);
/* Adds IPv6 address 'ip'/'plen' to the device (EEXIST is success). */
int host_tun_add_ipv6(const struct host_tun *, const struct in6_addr *ip,
                      int plen);

/* Reads one IP packet into 'buf'.  Returns its length, or a negative errno
 * value (-EAGAIN if there is none). */
ssize_t host_tun_read(const struct host_tun *, void *buf, size_t size);
/* Hands one IP packet to the kernel.  Returns 0 or an errno value. */
int host_tun_write(const struct host_tun *, const void *data, size_t len);
void host_tun_wait(const struct host_tun *);

#endif /* ipoib-host-tun.h */
