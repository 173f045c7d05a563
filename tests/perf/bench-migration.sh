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

# Live migration outage: VM a (on hv3) pings VM b every INTERVAL seconds,
# IPv4 and IPv6 at once, while b moves from hv1 to hv2 with
# "ovs-ipoib-sandbox migrate-vm"; the outage is lost pings x INTERVAL.
# Repeats ROUNDS times, moving b back and forth.  Needs root and a build
# tree (default ./_build).
#
#   env ROUNDS=5 INTERVAL=0.05 BUILD=/tmp/b tests/perf/bench-migration.sh
#   env MODE=--no-addresses DURATION=60 ROUNDS=1 ...   (no announcement:
#   the control case)
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-5}
INTERVAL=${INTERVAL:-0.05}
BUILD=${BUILD:-$top/_build}
MODE=${MODE:-}
DURATION=${DURATION:-4}          # seconds of pinging per round
COUNT=$(awk -v d="$DURATION" -v i="$INTERVAL" 'BEGIN { printf "%d", d / i }')

if test "$(id -u)" != 0; then
    echo "$0: needs root (network namespaces)" >&2
    exit 1
fi
ovs=$(sed -n 's/^OVS_BUILDDIR = //p' "$BUILD/Makefile")
export PATH=$BUILD/vswitchd:$BUILD/utilities:$ovs/utilities:$ovs/ovsdb:$PATH
export IPOIB_NS_PREFIX=oimig$$-
sb=$(mktemp -d /tmp/ovs-ipoib-mig.XXXXXX)
trap 'ovs-ipoib-sandbox stop "$sb"; rm -rf "$sb"' EXIT

sbx() {
    ovs-ipoib-sandbox "$1" "$sb" "${@:2}"
}

lost() {
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' \
        "$1" | { read -r tx rx; echo $((tx - rx)); }
}

sbx start-fabric >/dev/null
for h in 1 2 3; do
    sbx add-hv hv$h
done
sbx add-vm hv3 a 10.0.0.1/24
sbx add-vm hv1 b 10.0.0.2/24
sbx vm a ip addr add fd00::1/64 dev eth0 nodad
sbx vm b ip addr add fd00::2/64 dev eth0 nodad
for h in 1 2 3; do
    until test "$(sbx hv hv$h ovs-vsctl get Interface ib0 status:link)" \
              = up; do
        sleep 0.1
    done
done
sbx vm a ping -c 1 -W 2 10.0.0.2 >/dev/null
sbx vm a ping -6 -c 1 -W 2 fd00::2 >/dev/null

printf 'round\tfrom\tto\tlost4\tlost6\toutage4_ms\toutage6_ms\n'
from=hv1 to=hv2
for round in $(seq "$ROUNDS"); do
    sbx vm a ping -i "$INTERVAL" -c "$COUNT" -W 1 10.0.0.2 >"$sb/p4" 2>&1 &
    p4=$!
    sbx vm a ping -6 -i "$INTERVAL" -c "$COUNT" -W 1 fd00::2 >"$sb/p6" 2>&1 &
    p6=$!
    sleep 1
    sbx migrate-vm b $to $MODE
    wait $p4 $p6
    l4=$(lost "$sb/p4")
    l6=$(lost "$sb/p6")
    printf '%s\t%s\t%s\t%s\t%s\t%.0f\t%.0f\n' "$round" $from $to "$l4" "$l6" \
        "$(echo "$l4 * $INTERVAL * 1000" | bc)" \
        "$(echo "$l6 * $INTERVAL * 1000" | bc)"
    tmp=$from from=$to to=$tmp
done
