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

# libfakeverbs.so: a simulated HCA that tests LD_PRELOAD into unmodified
# libibverbs programs (tests/fakeverbs/README.md), and test-verbs-ud and
# test-verbs-faults, its own checks (tests/ipoib-fakeverbs.at).  A check
# "program" built as a shared object: the project does not use libtool.
# Sanitizer flags stay off the shim, which is preloaded into
# uninstrumented programs.
EXTRA_DIST += tests/fakeverbs/README.md

if HAVE_IBVERBS
check_PROGRAMS += tests/fakeverbs/libfakeverbs.so
tests_fakeverbs_libfakeverbs_so_SOURCES = \
	tests/fakeverbs/fv-private.h \
	tests/fakeverbs/fv-ah.c \
	tests/fakeverbs/fv-async.c \
	tests/fakeverbs/fv-config.c \
	tests/fakeverbs/fv-cq.c \
	tests/fakeverbs/fv-device.c \
	tests/fakeverbs/fv-faults.c \
	tests/fakeverbs/fv-ip.c \
	tests/fakeverbs/fv-pd-mr.c \
	tests/fakeverbs/fv-progress.c \
	tests/fakeverbs/fv-qp.c \
	tests/fakeverbs/fv-recv.c \
	tests/fakeverbs/fv-send.c \
	tests/fakeverbs/fv-srq.c \
	tests/fakeverbs/fv-stubs.c \
	tests/fakeverbs/fv-util.c \
	tests/fakeverbs/fv-wire.c
tests_fakeverbs_libfakeverbs_so_CFLAGS = $(OVS_WARNING_FLAGS) -fPIC \
	-fvisibility=hidden
tests_fakeverbs_libfakeverbs_so_LDFLAGS = -shared -Wl,-z,defs
tests_fakeverbs_libfakeverbs_so_LDADD = -lpthread

check_PROGRAMS += tests/test-verbs-ud
tests_test_verbs_ud_SOURCES = \
	tests/test-verbs-ud.c tests/verbs-test.c tests/verbs-test.h
tests_test_verbs_ud_LDADD = -libverbs -lpthread

check_PROGRAMS += tests/test-verbs-faults
tests_test_verbs_faults_SOURCES = \
	tests/test-verbs-faults.c tests/verbs-test.c tests/verbs-test.h
tests_test_verbs_faults_LDADD = -libverbs
endif
