#!/bin/sh
# Installs what the project needs from Debian, only when missing, so a warm
# machine starts in seconds and a bare one (CI) gets everything.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev \
libpcap-dev libjansson-dev liburcu-dev libidn2-dev libssl-dev libcmocka-dev \
python3-pytest tshark libmicrohttpd-dev libsqlite3-dev sqlite3 python3-requests curl \
libgmime-3.0-dev libarchive-dev libfuzzy-dev libyara-dev libpsl-dev libcurl4-openssl-dev nftables bind9-utils \
python3-jsonschema python3-yaml clang-tools cppcheck valgrind"
# `scripts/setup.sh bench` also installs what only the benchmarks use: wrk
# (HTTP load) and nginx (the static-file baseline of bench/hub_bench.sh,
# which runs its own nginx on loopback; the system service is kept off).
BENCH_PKGS="wrk nginx-light"
[ "${1:-}" = bench ] && PKGS="$PKGS $BENCH_PKGS"
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
# Debian starts nginx as a service on install; the benchmark needs none.
case "$missing" in
*nginx*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
	elif [ -f /run/nginx.pid ]; then
		$SUDO kill "$(cat /run/nginx.pid)" 2>/dev/null || true
	fi
	;;
esac
