# Copyright (c) 2026 The ovs-ipoib authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.


# ipoib-fabricd: the simulated InfiniBand subnet (SM and switch).
sbin_PROGRAMS += utilities/ipoib-fabricd
utilities_ipoib_fabricd_SOURCES = utilities/ipoib-fabricd.c
utilities_ipoib_fabricd_LDADD = \
	fabric/libfabric.a \
	lib/libipoib.a \
	$(OVS_LIBS)
dist_man_MANS += utilities/ipoib-fabricd.8

# The sandbox builder (hypervisors and VMs as namespaces) and the demo.
bin_SCRIPTS = utilities/ovs-ipoib-sandbox
CLEANFILES += utilities/ovs-ipoib-sandbox
EXTRA_DIST += utilities/ovs-ipoib-sandbox.in utilities/ovs-ipoib-demo
dist_man_MANS += utilities/ovs-ipoib-sandbox.8 netdev-ipoib/ovs-ipoib.7
utilities/ovs-ipoib-sandbox: utilities/ovs-ipoib-sandbox.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(SED) -e 's|@OVS_SRCDIR[@]|$(OVS_SRCDIR)|g' \
	    $(srcdir)/utilities/ovs-ipoib-sandbox.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# ipoib-host: a native IPoIB host (tun device) on the simulated subnet.
sbin_PROGRAMS += utilities/ipoib-host
utilities_ipoib_host_SOURCES = \
	utilities/ipoib-host.c \
	utilities/ipoib-host.h \
	utilities/ipoib-host-addrs.c \
	utilities/ipoib-host-addrs.h \
	utilities/ipoib-host-datapath.c \
	utilities/ipoib-host-link.c \
	utilities/ipoib-host-mcast.c \
	utilities/ipoib-host-mcast.h \
	utilities/ipoib-host-neigh.c \
	utilities/ipoib-host-neigh.h \
	utilities/ipoib-host-path.c \
	utilities/ipoib-host-path.h \
	utilities/ipoib-host-pktq.c \
	utilities/ipoib-host-pktq.h \
	utilities/ipoib-host-resolve.c \
	utilities/ipoib-host-route.c \
	utilities/ipoib-host-route.h \
	utilities/ipoib-host-tun.c \
	utilities/ipoib-host-tun.h
utilities_ipoib_host_LDADD = \
	transport/libtransport.a \
	fabric/libfabric.a \
	lib/libipoib.a \
	$(RDMA_LIBS) \
	$(OVS_LIBS)
dist_man_MANS += utilities/ipoib-host.8

# Unit tests of its tables and address helpers (tests/ipoib-native.at).
check_PROGRAMS += tests/test-ipoib-host
tests_test_ipoib_host_SOURCES = \
	tests/test-ipoib-host.c \
	utilities/ipoib-host-addrs.c \
	utilities/ipoib-host-mcast.c \
	utilities/ipoib-host-neigh.c \
	utilities/ipoib-host-path.c \
	utilities/ipoib-host-pktq.c \
	utilities/ipoib-host-route.c
tests_test_ipoib_host_LDADD = lib/libipoib.a $(OVS_LIBS)
