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


# fabric/libfabric.a: the simulated InfiniBand subnet shared by
# ipoib-fabricd and the "sim" transport (shared memory layout, rings,
# control protocol, partitions, subnet manager, switch, capture).
noinst_LIBRARIES += fabric/libfabric.a
fabric_libfabric_a_SOURCES = \
	fabric/fabric-capture.c \
	fabric/fabric-capture.h \
	fabric/fabric-deliver.c \
	fabric/fabric-deliver.h \
	fabric/fabric-lso.c \
	fabric/fabric-lso.h \
	fabric/fabric-partitions.c \
	fabric/fabric-partitions.h \
	fabric/fabric-proto.c \
	fabric/fabric-proto.h \
	fabric/fabric-ring.c \
	fabric/fabric-ring.h \
	fabric/fabric-shm.c \
	fabric/fabric-shm.h \
	fabric/fabric-sm.c \
	fabric/fabric-sm.h

# Fabric and "sim" transport tests (tests/ipoib-fabric.at).
check_PROGRAMS += tests/test-fabric
tests_test_fabric_SOURCES = tests/test-fabric.c
tests_test_fabric_LDADD = \
	transport/libtransport.a \
	fabric/libfabric.a \
	lib/libipoib.a \
	$(OVS_LIBS) $(RDMA_LIBS)
