#! /bin/bash
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

# End-to-end benchmark, VM to VM across two hypervisors, in one run:
#   a     ovs-ipoib over the simulated subnet (our ovs-vswitchd, type=ipoib);
#         with userspace TSO, the fabric's HCAs model LSO and checksum
#         offload (ipoib-fabricd --hca-offloads)
#   a-sw  the same with TSO but HCAs without offloads: the netdev segments
#         and fills checksums in software (TSO cases only)
#   b     the same two bridges joined by an OVS userspace VXLAN tunnel
#   c     the same two bridges joined by a plain veth pair (the ceiling)
# b and c come from the workplace's shared baseline script (stock Debian
# OVS); rounds interleave the set-ups so that machine noise hits all.
# Prints, per case (userspace TSO setting and VM MTU), medians and the
# ratios a/b and a/c.  Needs root.
#
#   env ROUNDS=3 DUR=10 BASELINES=../shared/bench/ovs-baselines.sh
#       CASES="false:1500 true:1500 true:4092"   (tso:vm-mtu)
#       RING_SLOTS=2048                          (fabric receive rings)
#       IPOIB_BUILD=DIR                          (an existing build)
#
# VM MTU 4092 runs the fabric with a 4K partition (mtu=5 in
# partitions.conf); 1500 keeps the fabric's default partition (IPoIB MTU
# 2044).  With TSO on, a's VMs keep their veth offloads (as c's do in the
# baseline script; it turns b's off: OVS 3.1's VXLAN cannot carry them);
# with TSO off, VMs compute checksums themselves ("ethtool -K eth0 tx off").
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
CASES=${CASES:-"false:1500 true:1500 true:4092"}
RING_SLOTS=${RING_SLOTS:-2048}
BASELINES=${BASELINES:-$top/../shared/bench/ovs-baselines.sh}
work=$(mktemp -d /tmp/ovs-ipoib-bench.XXXXXX)
results=$work/results.tsv   # round  case  setup  test  value

if test "$(id -u)" != 0; then
    echo "$0: needs root (network namespaces)" >&2
    exit 1
fi
if ! test -f "$BASELINES"; then
    echo "$0: $BASELINES not found (set BASELINES)" >&2
    exit 1
fi

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

# IPOIB_BUILD=DIR uses an existing build directory instead of building in
# _build (what a fresh clone does).
build=${IPOIB_BUILD:-$top/_build}
if test -z "${IPOIB_BUILD:-}"; then
    "$top/build-aux/build.sh"
fi
# b and c run Debian's own Open vSwitch.
if ! dpkg-query -W -f='${Status}' openvswitch-switch 2>/dev/null \
        | grep -q " installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        openvswitch-switch >/dev/null
fi
ovs=$(sed -n 's/^OVS_BUILDDIR = //p' "$build/Makefile")
our_path=$build/vswitchd:$build/utilities:$ovs/utilities:$ovs/ovsdb

sb=$work/sandbox
cleanup() {
    PATH=$our_path:$PATH IPOIB_NS_PREFIX=bench- \
        ovs-ipoib-sandbox stop "$sb" 2>/dev/null
}
trap cleanup EXIT

# Prints one iperf3 JSON result as a number: Gbit/s received for TCP,
# packets/s received for 64-byte UDP (as the baseline script counts them).
parse_iperf() {
    python3 - "$1" "$2" <<'PY'
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    if sys.argv[2] == "tcp":
        print("%.3f" % (e["sum_received"]["bits_per_second"] / 1e9))
    else:
        r = e["sum_received"]
        print("%.0f" % (r["bytes"] / 64.0 / (r["seconds"] or 1)))
except Exception:
    print("FAIL")
PY
}

sandbox() {
    PATH=$our_path:$PATH IPOIB_NS_PREFIX=bench- ovs-ipoib-sandbox "$@"
}

# Runs one iperf3 test from vm1 to vm2 of the ovs-ipoib sandbox and
# records it for set-up $3 of case $2.
ours_test() {
    local round=$1 case=$2 setup=$3 test=$4
    shift 4
    local json=$work/$setup-$case-$round-$test.json
    sandbox vm "$sb" vm2 iperf3 -s -1 -D --pidfile "$work/srv.pid"
    for i in $(seq 40); do
        sandbox vm "$sb" vm2 ss -ltnH | grep -q ':5201 ' && break
        sleep 0.05
    done
    sandbox vm "$sb" vm1 timeout $((DUR + 20)) iperf3 -c 10.10.0.2 \
        -t "$DUR" --connect-timeout 3000 -J "$@" >"$json" 2>&1
    kill "$(cat "$work/srv.pid" 2>/dev/null)" 2>/dev/null
    sleep 0.5
    local kind=tcp
    test "$test" = udp64 && kind=udp
    printf "%s\t%s\t%s\t%s\t%s\n" "$round" "$case" "$setup" "$test" \
        "$(parse_iperf "$json" $kind)" >>"$results"
}

# One round of set-up a for case TSO:MTU; MODE "hca": the fabric's HCAs
# do LSO and checksums, "sw": they do not (a-sw).
ours_round() {
    local round=$1 tso=$2 mtu=$3 mode=$4
    local case=$tso:$mtu setup=a fabricd_opts="--ring-slots=$RING_SLOTS"
    if test "$mode" = sw; then
        setup=a-sw
    else
        fabricd_opts="$fabricd_opts --hca-offloads"
    fi
    log "round $round, tso=$tso mtu=$mtu: $setup (ovs-ipoib)"
    rm -rf "$sb"
    mkdir -p "$sb"
    if test "$mtu" -gt 2044; then
        echo "Default=0x7fff, ipoib, mtu=5 : ALL=full;" >"$sb/partitions.conf"
        fabricd_opts="$fabricd_opts --partitions=$sb/partitions.conf"
    fi
    export IPOIB_SANDBOX_TSO=$tso
    sandbox start-fabric "$sb" $fabricd_opts
    sandbox add-hv "$sb" hv1
    sandbox add-hv "$sb" hv2
    sandbox add-vm "$sb" hv1 vm1 10.10.0.1/24
    sandbox add-vm "$sb" hv2 vm2 10.10.0.2/24
    for vm in vm1 vm2; do
        sandbox vm "$sb" $vm sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
    ip -n bench-hv1 link set vm1 mtu "$mtu"
    ip -n bench-hv2 link set vm2 mtu "$mtu"
    sandbox vm "$sb" vm1 ip link set eth0 mtu "$mtu"
    sandbox vm "$sb" vm2 ip link set eth0 mtu "$mtu"
    for hv in hv1 hv2; do
        for i in $(seq 100); do
            test "$(sandbox hv "$sb" $hv ovs-vsctl get Interface ib0 \
                    status:link)" = up && break
            sleep 0.1
        done
    done
    sandbox vm "$sb" vm1 ping -c 3 -i 0.2 -W 1 10.10.0.2 >/dev/null \
        || log "WARN: $setup: no ping"
    ours_test "$round" "$case" $setup tcp1
    ours_test "$round" "$case" $setup tcp4 -P 4
    if test "$tso" = false && test "$mtu" = 1500; then
        ours_test "$round" "$case" $setup udp64 -u -l 64 -b 0
    fi
    # The port counters show which offload path carried the traffic.
    for hv in hv1 hv2; do
        sandbox hv "$sb" $hv ovs-vsctl get Interface ib0 statistics \
            >"$work/$setup-$tso-$mtu-$round-$hv.stats"
        # The "d" of a VM port's packet socket counts frames the kernel
        # dropped because the vswitchd did not read them in time: the
        # losses behind TCP's retransmissions (a 64 KiB TSO frame each).
        ip netns exec bench-$hv ss -0 -m \
            >"$work/$setup-$tso-$mtu-$round-$hv.sockets" 2>&1
    done
    sandbox stop "$sb"
    unset IPOIB_SANDBOX_TSO
}

baseline_round() {
    local round=$1 tso=$2 mtu=$3
    local base=$work/base-$round-$tso-$mtu
    log "round $round, tso=$tso mtu=$mtu: b, c (stock OVS, $BASELINES)"
    BASE=$base ROUNDS=1 DUR=$DUR SETTINGS=$tso MTUS=$mtu TOPOS="b c" \
        DO_PROBE=0 bash "$BASELINES" run >"$base.log" 2>&1
    local tsv=$base/raw/results.tsv
    if ! test -f "$tsv"; then
        log "WARN: baseline round $round made no results"
        return
    fi
    # round tso mtu topo test txoff value ...
    awk -F'\t' -v r="$round" -v t="$tso" -v m="$mtu" '
        $2 == t && $3 == m {
            printf "%s\t%s:%s\t%s\t%s\t%s\n", r, t, m, $4, $5, $7 }' \
        "$tsv" >>"$results"
}

for round in $(seq "$ROUNDS"); do
    for case in $CASES; do
        tso=${case%:*}
        mtu=${case#*:}
        ours_round "$round" "$tso" "$mtu" hca
        if test "$tso" = true; then
            ours_round "$round" "$tso" "$mtu" sw
        fi
        baseline_round "$round" "$tso" "$mtu"
    done
done

python3 - "$results" "$ROUNDS" "$DUR" "$CASES" "$work" <<'PY'
import glob, json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
vals = {}
for r, case, setup, test, v in rows:
    try:
        vals.setdefault((case, setup, test), []).append(float(v))
    except ValueError:
        pass
def med(case, setup, test):
    v = vals.get((case, setup, test))
    return statistics.median(v) if v else None
def fmt(x, unit):
    if x is None:
        return "-"
    return "%.3f" % x if unit == "Gbit/s" else "%.0f" % x
def ratio(x, y):
    return "-" if not x or not y else "%.2f" % (x / y)
print("ovs-ipoib end to end: medians of %s rounds, %s s each"
      % (sys.argv[2], sys.argv[3]))
for case in sys.argv[4].split():
    tso, mtu = case.split(":")
    print()
    print("userspace TSO %s, VM MTU %s:" % ("on" if tso == "true" else "off",
                                           mtu))
    print()
    print("| test | unit | a ovs-ipoib | a-sw | b VXLAN | c veth "
          "| a/b | a/c | a-sw/c |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for test, unit in (("tcp1", "Gbit/s"), ("tcp4", "Gbit/s"),
                       ("udp64", "pkt/s")):
        a, asw = med(case, "a", test), med(case, "a-sw", test)
        b, c = med(case, "b", test), med(case, "c", test)
        if a is None and b is None and c is None:
            continue
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            test, unit, fmt(a, unit), fmt(asw, unit), fmt(b, unit),
            fmt(c, unit), ratio(a, b), ratio(a, c), ratio(asw, c)))
    # TCP retransmissions (iperf3's sender count, per second): losses on
    # the way, mostly frames dropped at a full packet socket.
    work = sys.argv[5]
    def retr(pattern):
        v = []
        for f in glob.glob(work + "/" + pattern):
            try:
                e = json.load(open(f))["end"]["sum_sent"]
                v.append(e["retransmits"] / (e["seconds"] or 1))
            except Exception:
                pass
        return "%.0f" % statistics.median(v) if v else "-"
    cells = []
    for test in ("tcp1", "tcp4"):
        ours = ["%s %s" % (s, retr("%s-%s-*-%s.json" % (s, case, test)))
                for s in ("a", "a-sw")]
        base = ["%s %s" % (t, retr("base-*-%s-%s/raw/r*-%s-%s.cli.json"
                                   % (tso, mtu, t, test)))
                for t in ("b", "c")]
        cells.append("%s: %s" % (test, ", ".join(ours + base)))
    print()
    print("TCP retransmissions/s (medians): " + "; ".join(cells))
PY
echo
echo "raw results: $results (port statistics of each a run: $work/*.stats)"
