#! /bin/sh
# Installs the Debian 12 packages that building, testing and the demo need,
# and any packages named as arguments (build-aux/fuzz.sh adds clang).
# Does nothing for packages that are already installed.  Needs root (or
# sudo) only when something is missing.
set -e

PACKAGES="
    autoconf automake libtool pkg-config make gcc git
    openvswitch-source libssl-dev libcap-ng-dev libunbound-dev
    python3
    libibverbs-dev librdmacm-dev libibumad-dev opensm ibsim-utils
    infiniband-diags ibverbs-utils
    iproute2 iputils-ping ethtool iperf3 procps psmisc tshark
    python3-scapy
    dnsmasq-base isc-dhcp-client udhcpc
    $*
"

missing=
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case $status in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done

if test -z "$missing"; then
    exit 0
fi

echo "install-deps: installing:$missing"
SUDO=
if test "$(id -u)" != 0; then
    SUDO=sudo
fi
# tshark asks whether non-root users may capture; the answer does not matter.
echo "wireshark-common wireshark-common/install-setuid boolean false" \
    | $SUDO debconf-set-selections
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
