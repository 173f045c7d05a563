#! /bin/sh
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

# Every benchmark of issue 6, in one command from a fresh clone (needs
# root, like the test suite):
#
#   tests/perf/bench-all.sh
#
# Builds ovs-ipoib in _build/ (build-aux/build.sh installs what it needs)
# and the benchmark programs, then runs, in order, printing each one's
# table: the codec (bench-codec.sh), the simulated fabric's own capacity
# (test-fabric bench), the scale benchmark untagged and over 128
# partitions (bench-scale.sh, VLANS=127), and end to end against OVS
# VXLAN and veth-joined bridges (bench-e2e.sh; it needs the workplace's
# ../shared/bench/ovs-baselines.sh, or BASELINES=).  Environment:
# IPOIB_BUILD (an existing build instead of _build/), SKIP_E2E=1, and
# whatever the scripts above take (ROUNDS, DUR, ...).  Run it on a quiet
# machine: the results are ratios of side-by-side measurements, and other
# jobs move them.
set -e

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${IPOIB_BUILD:-$top/_build}
if test -z "${IPOIB_BUILD:-}"; then
    "$top/build-aux/build.sh"
fi
make -C "$build" tests/perf/bench-codec tests/perf/bench-scale \
    tests/test-fabric utilities/ipoib-fabricd >/dev/null

section() {
    printf '\n== %s (%s, load %s)\n\n' "$1" "$(date -u +%H:%M:%S)" \
        "$(cut -d' ' -f1 /proc/loadavg)"
}

section "codec: ns per packet, encap + decap against VLAN push + pop"
"$top/tests/perf/bench-codec.sh" "$build"

section "simulated fabric: packets/s of one sender to one receiver"
dir=$(mktemp -d /tmp/bench-all.XXXXXX)
trap 'test -f "$dir/fabricd.pid" && kill "$(cat "$dir/fabricd.pid")"; rm -rf "$dir"' EXIT
"$build/utilities/ipoib-fabricd" --detach --no-chdir \
    --pidfile="$dir/fabricd.pid" --log-file="$dir/fabricd.log" \
    --unixctl="$dir/fabricd.ctl" --socket="$dir/fabric.sock"
"$build/tests/test-fabric" bench "$dir/fabric.sock" 1000000 64 1500
kill "$(cat "$dir/fabricd.pid")"
rm -f "$dir/fabricd.pid"

section "scale: one port, 1 to 4096 VIFs, untagged"
"$top/tests/perf/bench-scale.sh" "$build"
section "scale: the same over 128 partitions (127 VLANs + the default)"
VLANS=127 "$top/tests/perf/bench-scale.sh" "$build"

if test "${SKIP_E2E:-}" != 1; then
    section "end to end: ovs-ipoib (a) against OVS VXLAN (b) and veth (c)"
    IPOIB_BUILD=$build "$top/tests/perf/bench-e2e.sh"
fi
