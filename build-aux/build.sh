#! /bin/sh
# Installs dependencies, prepares OVS, and builds ovs-ipoib in _build/.
# Prints nothing but errors and progress lines.  Used by the demo and by
# the test command; safe to run again (it only redoes what changed).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build-aux/install-deps.sh
ovs=$(build-aux/prepare-ovs.sh)

if ! test -f configure || test configure.ac -nt configure; then
    echo "build: bootstrapping" >&2
    ./boot.sh >/dev/null 2>&1 || { ./boot.sh; exit 1; }
fi
mkdir -p _build
cd _build
if ! test -f Makefile || test ../configure -nt Makefile; then
    echo "build: configuring" >&2
    ../configure --with-ovs-source="$ovs" $IPOIB_CONFIGURE_FLAGS \
        >configure.log 2>&1 || { tail -30 configure.log; exit 1; }
fi
echo "build: compiling" >&2
make -j"$(nproc)" >make.log 2>&1 || { grep -E "error|Error|\*\*\*" make.log | head -30; exit 1; }
