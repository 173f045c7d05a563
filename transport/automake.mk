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


# transport/libtransport.a: the IB port interface the netdev uses and its
# backends ("sim" on ipoib-fabricd).  Link it before fabric/libfabric.a
# and lib/libipoib.a.
noinst_LIBRARIES += transport/libtransport.a
transport_libtransport_a_SOURCES = \
	transport/ipoib-counter.h \
	transport/ipoib-event-queue.h \
	transport/ipoib-transport.c \
	transport/ipoib-transport.h \
	transport/sim-qp-table.c \
	transport/sim-qp-table.h \
	transport/transport-sim.c

# The SA client (PathRecord, MCMemberRecord over libibumad), for the verbs
# backend; ib-sa-mad is its I/O-free MAD codec.  Users link $(RDMA_LIBS).
if HAVE_RDMA
transport_libtransport_a_SOURCES += \
	transport/ib-sa-client.c \
	transport/ib-sa-client.h \
	transport/ib-sa-mad.c \
	transport/ib-sa-mad.h
endif

# The "verbs" backend (rdma-core, issue 5), when configure found
# libibverbs and libibumad.  Programs that link libtransport.a need
# $(RDMA_LIBS) then.
transport_libtransport_a_CPPFLAGS = $(AM_CPPFLAGS)
if HAVE_RDMA
transport_libtransport_a_CPPFLAGS += -DHAVE_RDMA=1
transport_libtransport_a_SOURCES += \
	transport/transport-verbs.c \
	transport/verbs-ah-cache.c \
	transport/verbs-ah-cache.h \
	transport/verbs-datapath.c \
	transport/verbs-device.c \
	transport/verbs-offload.c \
	transport/verbs-offload.h \
	transport/verbs-private.h \
	transport/verbs-qp.c \
	transport/verbs-rx-ring.c \
	transport/verbs-rx-ring.h
endif

# The verbs backend's logic without verbs calls (tests/ipoib-verbs.at).
if HAVE_RDMA
check_PROGRAMS += tests/test-verbs-logic
tests_test_verbs_logic_SOURCES = tests/test-verbs-logic.c
tests_test_verbs_logic_LDADD = transport/libtransport.a lib/libipoib.a \
	$(OVS_LIBS) $(RDMA_LIBS)
endif

# The simulated HCA's QP table (tests/ipoib-sim-qp-table.at).
check_PROGRAMS += tests/test-sim-qp-table
tests_test_sim_qp_table_SOURCES = tests/test-sim-qp-table.c
tests_test_sim_qp_table_LDADD = transport/libtransport.a $(OVS_LIBS)
