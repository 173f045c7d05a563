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
#   tests/perf/bench-codec.sh [--callgrind] [--cachegrind] [BUILDDIR]
#                             [-- BENCH-OPTIONS]
#
# Prints the wall-clock tables (minimum of N runs, ns/packet): one flow,
# then 1, 64 and 4096 flows taken in turn.  With --callgrind it then also
# counts instructions per packet under valgrind, which, unlike wall-clock
# time on a shared machine, repeat exactly.  With --cachegrind it counts,
# for 1, 64 and 4096 flows, instructions and data cache misses per packet
# (valgrind's cache simulation: 32 KiB L1, a 512 KiB last level the size
# of an L2), likewise repeatable.

set -e

callgrind=false
cachegrind=false
builddir=.
while test $# -gt 0; do
    case $1 in
        --callgrind) callgrind=true ;;
        --cachegrind) cachegrind=true ;;
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

$callgrind || $cachegrind || exit 0
if ! command -v valgrind >/dev/null; then
    echo "$0: valgrind not installed, no instruction counts" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cache_misses KERNEL FLOWS: Ir, D1mr, D1mw, LLmr, LLmw per packet of
# KERNEL over FLOWS flows: cachegrind counts the whole program, so it runs
# twice, with N and 2N packets, and the difference is N packets' worth.
cache_misses () {
    n=50000
    for m in $n $((2 * n)); do
        valgrind --tool=cachegrind --cache-sim=yes --D1=32768,8,64 \
                 --LL=524288,8,64 --cachegrind-out-file="$tmp/cache.$m" \
                 "$bench" --case=ipv4-tcp-64 --kernel=$1 --packets=$m \
                 --flows=$2 >/dev/null 2>&1
    done
    awk -v n=$n '
        /^events:/ { for (i = 2; i <= NF; i++) { ev[i - 1] = $i } }
        /^summary:/ { nf++
                      for (i = 2; i <= NF; i++) { v[nf, ev[i - 1]] = $i } }
        END {
            split("Ir D1mr D1mw DLmr DLmw", want, " ")
            for (w = 1; w <= 5; w++) {
                d = (v[2, want[w]] - v[1, want[w]]) / n
                printf " %7.2f", d < 0.005 ? 0 : d
            }
        }' "$tmp/cache.$n" "$tmp/cache.$((2 * n))"
}

if $cachegrind; then
    echo
    echo "== ipv4-tcp-64 over F flows in turn: per packet (cachegrind," \
         "D1 32 KiB, LL 512 KiB)"
    printf '%6s %-16s %7s %7s %7s %7s %7s\n' flows kernel Ir D1mr D1mw \
           LLmr LLmw
    for flows in 1 64 4096; do
        for k in round-trip-flows vlan-flows; do
            printf '%6d %-16s' $flows $k
            cache_misses $k $flows
            echo
        done
    done
    echo "(round-trip-flows: encap + decap of one flow's packet, then the"
    echo "next flow's; vlan-flows: VLAN push + pop likewise; both include"
    echo "the benchmark's own loop)"
fi
$callgrind || exit 0

# Instructions per packet executed inside the benchmark's k_* loops; the
# profile stays in $tmp/cg.KERNEL for incl().
packets=100000
irs () {
    c=$1 k=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$k" \
             --toggle-collect='k_*' "$bench" --case="$c" --kernel="$k" \
             --packets=$packets "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# incl KERNEL FUNCTION...: instructions inside calls of the functions
# (inclusive) in the last profile of KERNEL, per packet.
incl () {
    k=$1
    shift
    total=0
    for f in "$@"; do
        n=$(callgrind_annotate --inclusive=yes "$tmp/cg.$k" 2>/dev/null \
            | awk -v f=":$f " 'index($0, f) { gsub(",", "", $1); print $1;
                                              exit }')
        total=$((total + ${n:-0}))
    done
    echo $((total / packets))
}

echo
echo "== instructions per packet (callgrind, $packets packets)"
printf '%-14s %7s %7s %7s %7s %7s %7s %9s %9s %7s\n' \
       case memcpy encap decap enc+dec vlan /vlan in-xlate in-vlan /vlan
for case in ipv4-tcp-64 ipv4-tcp-1500 ipv4-tcp-4092 arp-request arp-reply \
            ipv6-nd-ns; do
    copy_eth=$(irs $case copy-eth)
    copy_ib=$(irs $case copy-ib)
    encap=$(irs $case encap)
    decap=$(irs $case decap)
    vlan=$(irs $case vlan)
    in_vlan=$(incl vlan eth_push_vlan eth_pop_vlan)
    case $case in
        ipv4-*) both=$(irs $case round-trip)
                in_xlate=$(incl round-trip ipoib_xlate_tx ipoib_xlate_rx) ;;
        *) both=$((encap - copy_eth + decap - copy_ib))
           in_xlate=- ;;
    esac
    awk -v c=$case -v n=$packets -v ce=$copy_eth -v ci=$copy_ib \
        -v e=$encap -v d=$decap -v b=$both -v v=$vlan -v ix=$in_xlate \
        -v iv=$in_vlan 'BEGIN {
        printf "%-14s %7.0f %7.0f %7.0f %7.0f %7.0f %7.2f %9s %9s %7s\n",
               c, ce / n, (e - ce) / n, (d - ci) / n, b / n, v / n, b / v,
               ix, iv, ix == "-" ? "-" : sprintf("%.2f", ix / iv)
    }'
done
echo "(enc+dec: the copy-free round trip for IPv4, including its buffer set-up"
echo "and 12-byte MAC swap; otherwise encap + decap.  in-xlate: inside the"
echo "calls of ipoib_xlate_tx and ipoib_xlate_rx only; in-vlan: inside"
echo "eth_push_vlan and eth_pop_vlan only)"

echo
echo "== ipv4-tcp-64 round trip over F flows in turn (callgrind)"
printf '%6s %7s %7s %7s %9s %9s %7s\n' flows enc+dec vlan /vlan in-xlate \
       in-vlan /vlan
for flows in 1 64 4096; do
    both=$(irs ipv4-tcp-64 round-trip-flows --flows=$flows)
    in_xlate=$(incl round-trip-flows ipoib_xlate_tx ipoib_xlate_rx)
    vlan=$(irs ipv4-tcp-64 vlan-flows --flows=$flows)
    in_vlan=$(incl vlan-flows eth_push_vlan eth_pop_vlan)
    awk -v f=$flows -v n=$packets -v b=$both -v v=$vlan -v ix=$in_xlate \
        -v iv=$in_vlan 'BEGIN {
        printf "%6d %7.0f %7.0f %7.2f %9d %9d %7.2f\n", f, b / n, v / n,
               b / v, ix, iv, ix / iv
    }'
done
