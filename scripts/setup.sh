#!/bin/sh
# Installs what the project needs from Debian, only when missing, so a warm
# machine starts in seconds and a bare one (CI) gets everything.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev \
libpcap-dev libjansson-dev liburcu-dev libidn2-dev libssl-dev libcmocka-dev \
python3-pytest tshark libmicrohttpd-dev libsqlite3-dev sqlite3 python3-requests"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
