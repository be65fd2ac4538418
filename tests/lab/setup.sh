#!/usr/bin/env bash
# Install what the recording lab needs (Debian 12, run as root). Safe to run again.
#   tests/lab/setup.sh              apt packages + os-ken venv
#   OFSC_VENV=DIR                   venv location (default tests/lab/.venv)
#   OFSC_SKIP_APT=1                 skip apt-get (packages already there)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${OFSC_VENV:-$here/.venv}
os_ken_version=4.2.2

packages=(openvswitch-switch openvswitch-testcontroller tcpdump tshark iputils-ping arping
          iproute2 python3 python3-venv procps)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${OFSC_SKIP_APT:-0} != 1 && ${#missing[@]} -gt 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    # tshark's postinst asks whether non-root users may capture: answer up front.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update
    # Service start fails without systemd ("policy-rc.d denied"); the lab runs its
    # own private ovsdb-server/ovs-vswitchd, so that is harmless.
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

# The Debian python3 (not whatever python3 is first on PATH) builds the venv, so
# the controller runs on the interpreter the packages were made for.
if [[ ! -x $venv/bin/python ]]; then
    /usr/bin/python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import os_ken" 2>/dev/null; then
    "$venv/bin/pip" install -q "os-ken==$os_ken_version"
fi
"$venv/bin/python" -c 'import os_ken, sys; print("os-ken ok in", sys.prefix)'
