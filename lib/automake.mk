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

# lib/libipoib.a: the IPoIB wire codec (addresses, IB packets, CRCs, pcap)
# and the Ethernet <-> IPoIB translation.
noinst_LIBRARIES += lib/libipoib.a
lib_libipoib_a_SOURCES = \
	lib/ib-crc.c \
	lib/ib-crc.h \
	lib/ib-packet.c \
	lib/ib-packet.h \
	lib/ib-pcap.c \
	lib/ib-pcap.h \
	lib/ipoib-addr.c \
	lib/ipoib-addr.h \
	lib/ipoib-arp.c \
	lib/ipoib-arp.h \
	lib/ipoib-bytes.h \
	lib/ipoib-csum.c \
	lib/ipoib-csum.h \
	lib/ipoib-dhcp.c \
	lib/ipoib-dhcp.h \
	lib/ipoib-gro.c \
	lib/ipoib-gro.h \
	lib/ipoib-index.c \
	lib/ipoib-index.h \
	lib/ipoib-mac.c \
	lib/ipoib-mac.h \
	lib/ipoib-neigh.c \
	lib/ipoib-neigh.h \
	lib/ipoib-tso.c \
	lib/ipoib-tso.h \
	lib/ipoib-vif.c \
	lib/ipoib-vif.h \
	lib/ipoib-vif-addrs.c \
	lib/ipoib-vif-addrs.h \
	lib/ipoib-xlate.c \
	lib/ipoib-xlate.h

# Wire codec tests (tests/ipoib-wire.at).
check_PROGRAMS += tests/test-ib-wire
tests_test_ib_wire_SOURCES = tests/test-ib-wire.c
tests_test_ib_wire_LDADD = lib/libipoib.a $(OVS_LIBS)

# The VIF address table of live migration (tests/ipoib-migration.at).
check_PROGRAMS += tests/test-ipoib-vif-addrs
tests_test_ipoib_vif_addrs_SOURCES = tests/test-ipoib-vif-addrs.c
tests_test_ipoib_vif_addrs_LDADD = lib/libipoib.a $(OVS_LIBS)

# Translation tests (tests/ipoib-xlate.at).
check_PROGRAMS += tests/test-ipoib-xlate
tests_test_ipoib_xlate_SOURCES = tests/test-ipoib-xlate.c
tests_test_ipoib_xlate_LDADD = lib/libipoib.a $(OVS_LIBS)

# Software offloads: segmentation, checksums, coalescing
# (tests/ipoib-offload.at).
check_PROGRAMS += tests/test-ipoib-offload
tests_test_ipoib_offload_SOURCES = tests/test-ipoib-offload.c
tests_test_ipoib_offload_LDADD = lib/libipoib.a $(OVS_LIBS)
