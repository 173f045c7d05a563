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

#include "bridge.h"
#include "netdev-ipoib/netdev-ipoib.h"
#include "ofproto-plugin/ipoib-unixctl.h"
#include "ofproto-plugin/ipoib-vif-monitor.h"
#include "openvswitch/vlog.h"

VLOG_DEFINE_THIS_MODULE(ipoib_plugin);

/* ovs-ipoib adds itself to an unmodified ovs-vswitchd at link time: the
 * binary is linked from OVS's own vswitchd objects with
 * -Wl,--wrap=bridge_init,--wrap=bridge_run,--wrap=bridge_wait, so that
 * ovs-vswitchd's main() calls the functions below, which call OVS's real
 * ones.  Registering from a constructor would be simpler, but static
 * libraries drop objects that nothing references, so a constructor in one
 * of them may never run. */

void __real_bridge_init(const char *remote);
void __real_bridge_run(void);
void __real_bridge_wait(void);
void __wrap_bridge_init(const char *remote);
void __wrap_bridge_run(void);
void __wrap_bridge_wait(void);

void
__wrap_bridge_init(const char *remote)
{
    /* The netdev class must exist before the bridge opens its ports. */
    netdev_ipoib_register();
    ipoib_unixctl_register();
    ipoib_vif_monitor_init(remote);
    VLOG_DBG("ovs-ipoib %s: netdev type \"ipoib\" registered",
              PACKAGE_VERSION_IPOIB);
    __real_bridge_init(remote);
}

void
__wrap_bridge_run(void)
{
    __real_bridge_run();
    ipoib_vif_monitor_run();
}

void
__wrap_bridge_wait(void)
{
    __real_bridge_wait();
    ipoib_vif_monitor_wait();
}
