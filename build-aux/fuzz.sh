#! /bin/sh
# Fuzzes ovs-ipoib's parsers and translation with libFuzzer.
#
#   build-aux/fuzz.sh [SECONDS-PER-TARGET] [TARGET...]
#
# Builds the fuzz targets (tests/fuzz/fuzz-*.c) with clang, libFuzzer,
# AddressSanitizer and UBSan in _fuzz/ (configure --enable-libfuzzer), then
# runs each target (default: all; "xlate", "parsers", "sa-mad") for
# SECONDS-PER-TARGET (default 60) on a work corpus in _fuzz/corpus/TARGET,
# which starts from the checked-in corpus (tests/fuzz/corpus/TARGET) and the
# seeds of tests/fuzz/make-seeds.py.  A crash stops that target and leaves
# its input in _fuzz/ (crash-*); replay it with the ordinary build's
# tests/fuzz/fuzz-TARGET FILE.  At the end, new inputs that reach new code
# are merged (minimized) into tests/fuzz/corpus/TARGET, for the test suite
# to replay: commit them.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

seconds=${1:-60}
test $# -gt 0 && shift
targets=${*:-xlate parsers sa-mad}
captures=${IPOIB_CAPTURES:-$top/../shared/captures}

build-aux/install-deps.sh clang
ovs=$(build-aux/prepare-ovs.sh)
if ! test -f configure || test configure.ac -nt configure; then
    ./boot.sh >/dev/null 2>&1 || { ./boot.sh; exit 1; }
fi
mkdir -p _fuzz
cd _fuzz
if ! test -f Makefile || test ../configure -nt Makefile; then
    echo "fuzz: configuring with clang and libFuzzer" >&2
    ../configure CC=clang --with-ovs-source="$ovs" --enable-libfuzzer \
        >configure.log 2>&1 || { tail -30 configure.log; exit 1; }
fi
echo "fuzz: compiling" >&2
programs=
for t in $targets; do
    programs="$programs tests/fuzz/fuzz-$t"
done
# shellcheck disable=SC2086
make -j"$(nproc)" $programs >make.log 2>&1 \
    || { grep -E "error|Error|\*\*\*" make.log | head -30; exit 1; }

rm -rf seeds
if test -f "$captures/wireshark-infiniband-sample.pcap"; then
    python3 ../tests/fuzz/make-seeds.py \
        "$captures/wireshark-infiniband-sample.pcap" seeds
else
    echo "fuzz: no capture at $captures, seeds without it" >&2
    python3 ../tests/fuzz/make-seeds.py /dev/null seeds
fi

status=0
for t in $targets; do
    work=corpus/$t
    kept=../tests/fuzz/corpus/$t
    mkdir -p "$work" "$kept"
    echo "fuzz: $t for $seconds s" >&2
    if ! "tests/fuzz/fuzz-$t" -max_total_time="$seconds" -max_len=8192 \
           -print_final_stats=1 "$work" "$kept" "seeds/$t" \
           >"fuzz-$t.log" 2>&1; then
        echo "fuzz: $t FAILED, see _fuzz/fuzz-$t.log and _fuzz/crash-*" >&2
        grep -E "ERROR|SUMMARY|==[0-9]+==|Assertion|assertion" \
            "fuzz-$t.log" | head -10 >&2
        status=1
        continue
    fi
    grep -E "stat::number_of_executed_units|cov:.*DONE|^Done" \
        "fuzz-$t.log" | tail -2 >&2
    before=$(find "$kept" -type f | wc -l)
    "tests/fuzz/fuzz-$t" -merge=1 "$kept" "$work" "seeds/$t" \
        >"merge-$t.log" 2>&1
    after=$(find "$kept" -type f | wc -l)
    echo "fuzz: $t: corpus $before -> $after inputs" >&2
done
exit $status
