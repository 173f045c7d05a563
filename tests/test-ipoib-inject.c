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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/ipoib-addr.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "timeval.h"
#include "transport/ipoib-transport.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* test-ipoib-inject SOCKET bcast HEX
 *
 * Joins the simulated subnet behind SOCKET as a port of its own and sends
 * the bytes HEX (an IPoIB datagram: header and payload, as they travel) to
 * the default partition's broadcast group.  Tests use it to play a rogue
 * or broken host on the fabric. */

static const struct ipoib_transport_class *tc = &ipoib_transport_sim;

/* Runs the port until an event of 'type' comes, for up to 5 s. */
static void
wait_for_event(struct ipoib_port *port, enum ipoib_event_type type,
               struct ipoib_event *ev)
{
    long long int deadline = time_msec() + 5000;

    for (;;) {
        tc->run(port);
        while (!tc->poll_event(port, ev)) {
            if (ev->type == type) {
                return;
            }
        }
        if (time_msec() > deadline) {
            ovs_fatal(0, "timed out waiting for the fabric");
        }
        tc->wait(port);
        poll_timer_wait(100);
        poll_block();
    }
}

/* Parses the hex string 's' into 'buf' (OVS's own hex parser), dying on
 * anything that is not hex. */
static void
parse_hex(const char *s, struct ofpbuf *buf)
{
    const char *end = ofpbuf_put_hex(buf, s, NULL);
    if (*end) {
        ovs_fatal(0, "%s: not hex", s);
    }
}

int
main(int argc, char *argv[])
{
    struct ipoib_port_config cfg = { .device = "inject", .port_num = 1,
                                     .name = "inject" };
    struct ipoib_port_attr attr;
    struct ipoib_port *port;
    struct ipoib_event ev;
    struct ib_gid mgid;
    struct ofpbuf payload;
    uint32_t qpn;

    set_program_name(argv[0]);
    if (argc != 4 || strcmp(argv[2], "bcast")) {
        ovs_fatal(0, "usage: %s SOCKET bcast HEX", argv[0]);
    }
    cfg.fabric = argv[1];
    ofpbuf_init(&payload, 0);
    parse_hex(argv[3], &payload);
    size_t len = payload.size;

    int error = tc->open(&cfg, &port);
    if (error) {
        ovs_fatal(error, "%s: cannot attach", argv[1]);
    }
    do {
        wait_for_event(port, IPOIB_EV_PORT_STATE, &ev);
        tc->query_port(port, &attr);
    } while (attr.state != IPOIB_PORT_ACTIVE);

    ipoib_mgid_broadcast(&mgid, IB_DEFAULT_PKEY, IPOIB_SCOPE_LINK_LOCAL);
    tc->join_mcast(port, &mgid, IB_DEFAULT_PKEY, 0, IPOIB_JOIN_FULL);
    wait_for_event(port, IPOIB_EV_JOIN_DONE, &ev);
    if (ev.status) {
        ovs_fatal(ev.status, "broadcast join failed");
    }
    error = tc->create_qp(port, IB_DEFAULT_PKEY, ev.join.qkey, &qpn);
    if (error) {
        ovs_fatal(error, "cannot create a QP");
    }

    struct ipoib_tx_desc d = {
        .src_qpn = qpn,
        .dlid = ev.join.mlid,
        .dqpn = IB_MULTICAST_QPN,
        .qkey = ev.join.qkey,
        .pkey = IB_DEFAULT_PKEY,
        .global = true,
        .dgid = mgid,
        .data = payload.data,
        .len = len,
    };
    int sent = tc->send(port, &d, 1);
    printf("sent %d datagram(s) of %"PRIuSIZE" bytes from qpn 0x%06"PRIx32
           "\n", sent, len, qpn);
    tc->close(port);
    ofpbuf_uninit(&payload);
    return sent == 1 ? 0 : 1;
}
