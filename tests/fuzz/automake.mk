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

# Fuzz targets (tests/fuzz/fuzz-target.h).  The ordinary build links each
# with fuzz-replay.c, and tests/ipoib-fuzz.at replays tests/fuzz/corpus/
# with it; "configure --enable-libfuzzer" (clang; build-aux/fuzz.sh does
# it) links them with libFuzzer instead, to fuzz.
FUZZ_TARGETS = tests/fuzz/fuzz-xlate tests/fuzz/fuzz-parsers
if HAVE_RDMA
FUZZ_TARGETS += tests/fuzz/fuzz-sa-mad
endif
check_PROGRAMS += $(FUZZ_TARGETS)
fuzz: $(FUZZ_TARGETS)
.PHONY: fuzz

if LIBFUZZER
FUZZ_DRIVER =
FUZZ_ENGINE_FLAGS = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/fuzz-replay.c
FUZZ_ENGINE_FLAGS =
endif

tests_fuzz_fuzz_xlate_SOURCES = \
	tests/fuzz/fuzz-target.h tests/fuzz/fuzz-xlate.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_xlate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_ENGINE_FLAGS)
tests_fuzz_fuzz_xlate_LDADD = lib/libipoib.a $(OVS_LIBS)

tests_fuzz_fuzz_parsers_SOURCES = \
	tests/fuzz/fuzz-target.h tests/fuzz/fuzz-parsers.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_parsers_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_ENGINE_FLAGS)
tests_fuzz_fuzz_parsers_LDADD = fabric/libfabric.a lib/libipoib.a $(OVS_LIBS)

tests_fuzz_fuzz_sa_mad_SOURCES = \
	tests/fuzz/fuzz-target.h tests/fuzz/fuzz-sa-mad.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sa_mad_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_ENGINE_FLAGS)
tests_fuzz_fuzz_sa_mad_LDADD = \
	transport/libtransport.a lib/libipoib.a $(OVS_LIBS) $(RDMA_LIBS)

EXTRA_DIST += tests/fuzz/corpus
