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
#ifndef IPOIB_VIF_MONITOR_H
#define IPOIB_VIF_MONITOR_H 1

/* Tells each ipoib port which VIFs sit behind it, from the OVS database.
 *
 * A VIF is an interface on the same bridge as an ipoib port that carries
 * external_ids:attached-mac (as libvirt and OpenStack set it), or the
 * bridge's own internal interfaces (the hypervisor's use of the port, by
 * their mac_in_use).  The VLAN is the Port's access tag, if any.  This
 * takes the place of eIPoIB's ipoibd, which polled the bridge every 2 s:
 * here a change in the database reaches the netdev at once. */

void ipoib_vif_monitor_init(const char *remote);
void ipoib_vif_monitor_run(void);
void ipoib_vif_monitor_wait(void);

#endif /* ipoib-vif-monitor.h */
