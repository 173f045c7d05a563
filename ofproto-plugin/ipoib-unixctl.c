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

#include "ofproto-plugin/ipoib-unixctl.h"

#include "netdev-ipoib/netdev-ipoib.h"
#include "openvswitch/dynamic-string.h"
#include "unixctl.h"
#include "util.h"

/* Each command prints one port's table, or every port's without an
 * argument.  Formatting lives with the data, in netdev-ipoib; this file
 * only maps commands to it. */

struct ipoib_show_command {
    bool (*show)(struct ds *, const char *port_name);
};

static const struct ipoib_show_command show_vifs = {
    netdev_ipoib_show_vifs
};
static const struct ipoib_show_command show_neighbors = {
    netdev_ipoib_show_neighbors
};
static const struct ipoib_show_command show_interfaces = {
    netdev_ipoib_show_interfaces
};
static const struct ipoib_show_command show_groups = {
    netdev_ipoib_show_groups
};

static void
ipoib_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                   void *command_)
{
    const struct ipoib_show_command *command = command_;
    struct ds s = DS_EMPTY_INITIALIZER;
    const char *port_name = argc > 1 ? argv[1] : NULL;

    if (command->show(&s, port_name)) {
        unixctl_command_reply(conn, ds_cstr(&s));
    } else {
        ds_clear(&s);
        ds_put_format(&s, "%s: no such ipoib port", port_name);
        unixctl_command_reply_error(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

void
ipoib_unixctl_register(void)
{
    unixctl_command_register("ipoib/show-vifs", "[port]", 0, 1,
                             ipoib_unixctl_show,
                             CONST_CAST(struct ipoib_show_command *,
                                        &show_vifs));
    unixctl_command_register("ipoib/show-neighbors", "[port]", 0, 1,
                             ipoib_unixctl_show,
                             CONST_CAST(struct ipoib_show_command *,
                                        &show_neighbors));
    unixctl_command_register("ipoib/show-interfaces", "[port]", 0, 1,
                             ipoib_unixctl_show,
                             CONST_CAST(struct ipoib_show_command *,
                                        &show_interfaces));
    unixctl_command_register("ipoib/show-groups", "[port]", 0, 1,
                             ipoib_unixctl_show,
                             CONST_CAST(struct ipoib_show_command *,
                                        &show_groups));
}
