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
	transport/ipoib-transport.c \
	transport/ipoib-transport.h \
	transport/transport-sim.c
