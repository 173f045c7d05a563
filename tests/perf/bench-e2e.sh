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
#   a  ovs-ipoib over the simulated subnet (our ovs-vswitchd, type=ipoib)
#   b  the same two bridges joined by an OVS userspace VXLAN tunnel
#   c  the same two bridges joined by a plain veth pair (the ceiling)
# b and c come from the workplace's shared baseline script (stock Debian
# OVS); rounds interleave a, b and c so that machine noise hits all three.
# Prints medians and the ratios a/b and a/c.  Needs root.
#
#   env ROUNDS=3 DUR=10 BASELINES=../shared/bench/ovs-baselines.sh
#
# Only userspace TSO off and VM MTU 1500 for now: ovs-ipoib does not yet
# advertise TSO (issue 6), so with TSO on OVS would drop offloaded packets
# at the ipoib port.
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
BASELINES=${BASELINES:-$top/../shared/bench/ovs-baselines.sh}
work=$(mktemp -d /tmp/ovs-ipoib-bench.XXXXXX)
results=$work/results.tsv   # round  setup  test  value

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

"$top/build-aux/build.sh"
# b and c run Debian's own Open vSwitch.
if ! dpkg-query -W -f='${Status}' openvswitch-switch 2>/dev/null \
        | grep -q " installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        openvswitch-switch >/dev/null
fi
ovs=$(sed -n 's/^OVS_BUILDDIR = //p' "$top/_build/Makefile")
our_path=$top/_build/vswitchd:$top/_build/utilities:$ovs/utilities:$ovs/ovsdb

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

# Runs one iperf3 test from vm1 to vm2 of the ovs-ipoib sandbox.
ours_test() {
    local round=$1 test=$2
    shift 2
    local json=$work/a-$round-$test.json
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
    printf "%s\ta\t%s\t%s\n" "$round" "$test" \
        "$(parse_iperf "$json" $kind)" >>"$results"
}

sandbox() {
    PATH=$our_path:$PATH IPOIB_NS_PREFIX=bench- ovs-ipoib-sandbox "$@"
}

ours_round() {
    local round=$1
    log "round $round: a (ovs-ipoib)"
    rm -rf "$sb"
    sandbox start-fabric "$sb"
    sandbox add-hv "$sb" hv1
    sandbox add-hv "$sb" hv2
    sandbox add-vm "$sb" hv1 vm1 10.10.0.1/24
    sandbox add-vm "$sb" hv2 vm2 10.10.0.2/24
    for vm in vm1 vm2; do
        sandbox vm "$sb" $vm sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
    for hv in hv1 hv2; do
        for i in $(seq 100); do
            test "$(sandbox hv "$sb" $hv ovs-vsctl get Interface ib0 \
                    status:link)" = up && break
            sleep 0.1
        done
    done
    sandbox vm "$sb" vm1 ping -c 3 -i 0.2 -W 1 10.10.0.2 >/dev/null \
        || log "WARN: a: no ping"
    ours_test "$round" tcp1
    ours_test "$round" tcp4 -P 4
    ours_test "$round" udp64 -u -l 64 -b 0
    sandbox stop "$sb"
}

baseline_round() {
    local round=$1
    log "round $round: b, c (stock OVS, $BASELINES)"
    BASE=$work/base-$round ROUNDS=1 DUR=$DUR SETTINGS=false MTUS=1500 \
        TOPOS="b c" DO_PROBE=0 bash "$BASELINES" run >"$work/base-$round.log" 2>&1
    local tsv=$work/base-$round/raw/results.tsv
    test -f "$tsv" || { log "WARN: baseline round $round made no results"; return; }
    # round tso mtu topo test txoff value ...
    awk -F'\t' -v r="$round" '$2 == "false" && $3 == 1500 {
        printf "%s\t%s\t%s\t%s\n", r, $4, $5, $7 }' "$tsv" >>"$results"
}

for round in $(seq "$ROUNDS"); do
    ours_round "$round"
    baseline_round "$round"
done

python3 - "$results" "$ROUNDS" "$DUR" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
vals = {}
for r, setup, test, v in rows:
    try:
        vals.setdefault((setup, test), []).append(float(v))
    except ValueError:
        pass
def med(setup, test):
    v = vals.get((setup, test))
    return statistics.median(v) if v else None
print("ovs-ipoib end to end: medians of %s rounds, %s s each, VM MTU 1500, "
      "userspace TSO off" % (sys.argv[2], sys.argv[3]))
print()
print("| test | unit | a ovs-ipoib | b VXLAN | c veth | a/b | a/c |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for test, unit in (("tcp1", "Gbit/s"), ("tcp4", "Gbit/s"), ("udp64", "pkt/s")):
    a, b, c = med("a", test), med("b", test), med("c", test)
    f = (lambda x: "-" if x is None else ("%.3f" % x if unit == "Gbit/s" else "%.0f" % x))
    ratio = lambda x, y: "-" if not x or not y else "%.2f" % (x / y)
    print("| %s | %s | %s | %s | %s | %s | %s |" % (test, unit, f(a), f(b), f(c),
                                                 ratio(a, b), ratio(a, c)))
PY
echo
echo "raw results: $results"
