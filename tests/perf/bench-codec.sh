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

# Runs the codec micro-benchmark (issue 6) built in a build tree; builds
# nothing ("make tests/perf/bench-codec" does).
#
#   tests/perf/bench-codec.sh [--callgrind] [BUILDDIR] [-- BENCH-OPTIONS]
#
# Prints the wall-clock table (minimum of N runs, ns/packet).  With
# --callgrind it then also counts instructions per packet under valgrind,
# which, unlike wall-clock time on a shared machine, repeat exactly.

set -e

callgrind=false
builddir=.
while test $# -gt 0; do
    case $1 in
        --callgrind) callgrind=true ;;
        --) shift; break ;;
        -h|--help) sed -n '/^# Runs/,/^# which/p' "$0" | sed 's/^# \{0,1\}//'
                   exit 0 ;;
        *) builddir=$1 ;;
    esac
    shift
done

bench=${BENCH_CODEC:-$builddir/tests/perf/bench-codec}
if test ! -x "$bench"; then
    echo "$0: $bench not found; run 'make tests/perf/bench-codec' in the" \
         "build tree first, or give the build tree" >&2
    exit 1
fi

echo "== wall clock"
"$bench" "$@"

$callgrind || exit 0
if ! command -v valgrind >/dev/null; then
    echo "$0: valgrind not installed, no instruction counts" >&2
    exit 1
fi

# Instructions per packet executed inside the benchmark's k_* loops.
packets=100000
irs () {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
             --toggle-collect='k_*' "$bench" --case="$1" --kernel="$2" \
             --packets=$packets 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo
echo "== instructions per packet (callgrind, $packets packets)"
printf '%-14s %7s %7s %7s %7s %7s %7s\n' \
       case memcpy encap decap enc+dec vlan /vlan
for case in ipv4-tcp-64 ipv4-tcp-1500 ipv4-tcp-4092 arp-request arp-reply \
            ipv6-nd-ns; do
    copy_eth=$(irs $case copy-eth)
    copy_ib=$(irs $case copy-ib)
    encap=$(irs $case encap)
    decap=$(irs $case decap)
    vlan=$(irs $case vlan)
    case $case in
        ipv4-*) both=$(irs $case round-trip) ;;
        *) both=$((encap - copy_eth + decap - copy_ib)) ;;
    esac
    awk -v c=$case -v n=$packets -v ce=$copy_eth -v ci=$copy_ib \
        -v e=$encap -v d=$decap -v b=$both -v v=$vlan 'BEGIN {
        printf "%-14s %7.0f %7.0f %7.0f %7.0f %7.0f %7.2f\n", c, ce / n,
               (e - ce) / n, (d - ci) / n, b / n, v / n, b / v
    }'
done
echo "(enc+dec: the copy-free round trip for IPv4, including its 12-byte" \
     "MAC swap; otherwise encap + decap)"
