#! /bin/sh
# Prepares an Open vSwitch 3.1 build tree from Debian's openvswitch-source
# package, once, and reuses it afterwards.  Prints the tree's path.
#
# The tree goes to $OVS_IPOIB_OVS_DIR (default /var/cache/ovs-ipoib/ovs).
# A stamp file records the source tarball's checksum, so a new
# openvswitch-source package gives a fresh build.
set -e

TARBALL=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
DIR=${OVS_IPOIB_OVS_DIR:-/var/cache/ovs-ipoib/ovs}
TREE=$DIR/openvswitch
STAMP=$DIR/build.stamp

if ! test -f "$TARBALL"; then
    echo "prepare-ovs: $TARBALL not found (apt-get install openvswitch-source)" >&2
    exit 1
fi
sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
if test -f "$STAMP" && test "$(cat "$STAMP")" = "$sum" \
        && test -f "$TREE/vswitchd/bridge.o"; then
    echo "$TREE"
    exit 0
fi

echo "prepare-ovs: building Open vSwitch in $TREE (about a minute)" >&2
rm -rf "$TREE" "$STAMP"
mkdir -p "$DIR"
tar -xzf "$TARBALL" -C "$DIR"
log=$DIR/build.log
(
    cd "$TREE"
    ./configure --enable-silent-rules CFLAGS="-g -O2" >"$log" 2>&1
    make -j"$(nproc)" >>"$log" 2>&1
) || {
    echo "prepare-ovs: OVS build failed, see $log" >&2
    tail -20 "$log" >&2
    exit 1
}
echo "$sum" >"$STAMP"
echo "$TREE"
