#!/bin/sh
# Installs what the project needs from Debian, only when missing, so a warm
# machine starts in seconds and a bare one (CI) gets everything.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev \
libpcap-dev libjansson-dev liburcu-dev libidn2-dev libssl-dev libcmocka-dev \
python3-pytest tshark libmicrohttpd-dev libsqlite3-dev sqlite3 python3-requests curl \
libgmime-3.0-dev libarchive-dev libfuzzy-dev libyara-dev libpsl-dev libcurl4-openssl-dev nftables bind9-utils \
python3-jsonschema python3-yaml python3-aiosmtpd clang-tools cppcheck valgrind libmaxminddb-dev mmdb-bin \
libpq-dev postgresql nats-server libnats-dev chromium fonts-ipafont-gothic openssl ieee-data libgnutls28-dev libnghttp2-dev"
# libnghttp2-dev: HPACK header decoding of HTTP/2 (src/app/http2.c).
# libgnutls28-dev: the hub checks TLS client certificates on the GnuTLS
# session libmicrohttpd runs (src/hub/tls_peer.c).
# nats-server, libnats-dev: NATS JetStream between sensors and hubs at
# national scale (README, "Running at national scale"); the tests start
# their own `nats-server -js`, Debian's service is kept off.
# ieee-data: the IEEE OUI list the device inventory's MAC vendor table is
# generated from at build time (scripts/gen_oui.py).
# npm for the dashboard's libraries: Debian's, unless a node with npm is
# already there (a NodeSource nodejs conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
# `scripts/setup.sh bench` also installs what only the benchmarks use: wrk
# (HTTP load) and nginx (the static-file baseline of bench/hub_bench.sh,
# which runs its own nginx on loopback; the system service is kept off).
BENCH_PKGS="wrk nginx-light"
[ "${1:-}" = bench ] && PKGS="$PKGS $BENCH_PKGS"
# The darknet telescope's country database (README, "Darknet telescope"):
# @ip-location-db/geo-whois-asn-country-mmdb from the npm registry, CC0-1.0,
# built from the RIRs' whois data and ASN assignments. Only the .mmdb is
# kept, where `yagura sensor` looks by default (--geoip-dir overrides).
GEOIP_DIR=/usr/local/share/yagura/geoip
GEOIP_PKG=@ip-location-db/geo-whois-asn-country-mmdb
geoip() {
	[ -f "$GEOIP_DIR/geo-whois-asn-country.mmdb" ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	echo "setup: installing $GEOIP_PKG into $GEOIP_DIR" >&2
	tmp=$(mktemp -d)
	if (cd "$tmp" && npm install --no-save --no-audit --no-fund --silent "$GEOIP_PKG" >/dev/null); then
		$SUDO mkdir -p "$GEOIP_DIR"
		$SUDO cp "$tmp/node_modules/$GEOIP_PKG/geo-whois-asn-country.mmdb" "$GEOIP_DIR/"
	else
		echo "setup: $GEOIP_PKG could not be installed; darknet events will have no geo" >&2
	fi
	rm -rf "$tmp"
}
# AS numbers (darknet events' geo.asn, the hub's fallback owner of an
# infected host): @ip-location-db/asn, CC BY 4.0 by RouteViews, DB-IP and
# the NRO; published as CSV ranges only, read by src/darknet/asn_csv.c.
# Its licence files go beside the data.
ASN_PKG=@ip-location-db/asn
asndata() {
	[ -f "$GEOIP_DIR/asn-ipv4.csv" ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	echo "setup: installing $ASN_PKG into $GEOIP_DIR" >&2
	tmp=$(mktemp -d)
	if (cd "$tmp" && npm install --no-save --no-audit --no-fund --silent "$ASN_PKG" >/dev/null); then
		$SUDO mkdir -p "$GEOIP_DIR/asn-license"
		for f in ROUTEVIEWS-LICENSE DBIP-LICENSE NRO_LICENSE MODIFICATIONS; do
			[ -f "$tmp/node_modules/$ASN_PKG/$f" ] &&
				$SUDO cp "$tmp/node_modules/$ASN_PKG/$f" "$GEOIP_DIR/asn-license/"
		done
		$SUDO cp "$tmp/node_modules/$ASN_PKG/asn-ipv6.csv" "$GEOIP_DIR/"
		# The IPv4 file last: its presence says the install finished.
		$SUDO cp "$tmp/node_modules/$ASN_PKG/asn-ipv4.csv" "$GEOIP_DIR/"
	else
		echo "setup: $ASN_PKG could not be installed; no AS numbers" >&2
	fi
	rm -rf "$tmp"
}
# The dashboard's libraries and the browser tests' driver (web/package.json
# with its lock): installed into web/node_modules, where the hub serves the
# listed dependencies from (/static/vendor/NAME/, --web-dir overrides).
# npm writes node_modules/.package-lock.json at each install, so one newer
# than the lock means nothing changed since: a warm machine skips npm.
WEB_DIR=$(dirname "$0")/../web
webdeps() {
	[ -f "$WEB_DIR/package-lock.json" ] || return 0
	lock="$WEB_DIR/node_modules/.package-lock.json"
	[ -f "$lock" ] && [ "$lock" -nt "$WEB_DIR/package-lock.json" ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	echo "setup: installing the dashboard's npm packages into web/node_modules" >&2
	(cd "$WEB_DIR" && npm ci --no-audit --no-fund --silent >/dev/null) ||
		echo "setup: npm ci failed in web/; the dashboard will lack its libraries" >&2
}
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -z "$missing" ]; then
	geoip
	asndata
	webdeps
	exit 0
fi
echo "setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian starts nginx as a service on install; the benchmark needs none.
# Nor do the tests need Debian's own PostgreSQL cluster: they start a
# private one (tests/e2e/pgcluster.py) on a free port.
case "$missing" in
*postgresql*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
	elif command -v pg_lsclusters >/dev/null 2>&1; then
		pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
			$SUDO pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
		done
	fi
	;;
esac
case "$missing" in
*nats-server*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now nats-server >/dev/null 2>&1 || true
	fi
	;;
esac
case "$missing" in
*nginx*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
	elif [ -f /run/nginx.pid ]; then
		$SUDO kill "$(cat /run/nginx.pid)" 2>/dev/null || true
	fi
	;;
esac
geoip
asndata
webdeps
