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
#ifndef TESTS_FUZZ_TARGET_H
#define TESTS_FUZZ_TARGET_H 1

/* The entry point of a fuzz target, as libFuzzer calls it.  Each
 * tests/fuzz/fuzz-*.c defines it; it runs one input through the code under
 * test and aborts (ovs_assert()) if an invariant breaks.  Linked with
 * libFuzzer (build-aux/fuzz.sh) it is fuzzed; linked with fuzz-replay.c
 * (the ordinary build) it replays the inputs kept in tests/fuzz/corpus/,
 * which the test suite does. */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* tests/fuzz/fuzz-target.h */
