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

# Runs the scale benchmark (issue 6) built in a build tree; builds nothing
# ("make tests/perf/bench-scale utilities/ipoib-fabricd" does).
#
#   tests/perf/bench-scale.sh [BUILDDIR] [-- BENCH-OPTIONS] [VIF-COUNTS]
#
# Starts a private ipoib-fabricd with 128 partitions (the default one and
# P_Keys 0x8001 to 0x807f: an HCA port's P_Key table has 128 entries), runs
# bench-scale on it for 1, 64, 1024 and 4096 VIFs (or the counts given), and
# prints its table.  Environment: SECONDS_PER_RUN (default 1), ROUNDS
# (default 5), VLANS (default 0: all VIFs untagged), BENCH_SCALE (another
# bench-scale binary, to compare two builds side by side).  VLANS=127 spreads
# port A's VIFs over VLANs 1-127 (VST: VLAN N is the partition of P_Key
# 0x8000 | N), and port B gets one VIF per VLAN, so that the ports use all
# 128 partitions.

set -e

builddir=.
if test $# -gt 0 && test "$1" != --; then
    builddir=$1
    shift
fi
test "$1" = -- && shift
counts=${*:-1 64 1024 4096}

bench=${BENCH_SCALE:-$builddir/tests/perf/bench-scale}
fabricd=$builddir/utilities/ipoib-fabricd
for prog in "$bench" "$fabricd"; do
    test -x "$prog" || { echo "$0: $prog: not built" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/bench-scale.XXXXXX)
cleanup() {
    test -f "$dir/fabricd.pid" && kill "$(cat "$dir/fabricd.pid")" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

{
    echo "Default=0x7fff, ipoib, mtu=4 : ALL=full;"
    i=1
    while test $i -le 127; do
        printf 'vlan%d=0x%04x, ipoib, mtu=4 : ALL=full;\n' $i $i
        i=$((i + 1))
    done
} > "$dir/partitions.conf"

"$fabricd" --detach --no-chdir --pidfile="$dir/fabricd.pid" \
    --log-file="$dir/fabricd.log" --unixctl="$dir/fabricd.ctl" \
    --socket="$dir/fabric.sock" --partitions="$dir/partitions.conf"

echo "bench-scale: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "${SECONDS_PER_RUN:-1} s per measurement, ${ROUNDS:-5} interleaved" \
     "rounds (medians), VLANs ${VLANS:-0}"
# shellcheck disable=SC2086
"$bench" --fabric="$dir/fabric.sock" --seconds="${SECONDS_PER_RUN:-1}" \
    --rounds="${ROUNDS:-5}" --vlans="${VLANS:-0}" $counts
