#!/bin/sh
# Hub benchmarks, printed as ratios against baselines measured in the same run:
#   ingest   POSTing a 20,000-object ATT&CK-like bundle to a real hub vs
#            parsing the same JSON with jansson in a loop (target >= 0.3)
#   serving  GET objects pages of 100 with filters, wrk at 64 connections,
#            vs nginx serving a static file of the same size (target >= 0.25)
#   memory   RSS of a hub serving a 100,000-object collection page by page
# Usage: bench/hub_bench.sh [BUILD_DIR]   (needs `scripts/setup.sh bench` for
# wrk and nginx; without them the serving part is skipped with a message).
#   HUB_BENCH_OBJECTS (20000), HUB_BENCH_SERVE_OBJECTS (20000),
#   HUB_BENCH_MEMORY_OBJECTS (100000), HUB_BENCH_SECONDS (10).
set -eu
build=${1:-build}
n_ingest=${HUB_BENCH_OBJECTS:-20000}
n_serve=${HUB_BENCH_SERVE_OBJECTS:-20000}
n_mem=${HUB_BENCH_MEMORY_OBJECTS:-100000}
secs=${HUB_BENCH_SECONDS:-10}

echo "== hub ingest ($n_ingest objects)"
"$build/bench_hub" ingest "$n_ingest"

echo "== hub memory ($n_mem objects, pages of 1000)"
"$build/bench_hub" memory "$n_mem"

echo "== hub serving (pages of 100 with filters, wrk -c64)"
if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
	echo "hub serving: skipped (wrk or nginx missing: run scripts/setup.sh bench)"
	exit 0
fi
tmp=$(mktemp -d /tmp/yg-hub-bench-XXXXXX)
hub_pid=""
nginx_pid=""
cleanup() {
	[ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/data" "$tmp/www" "$tmp/nginx"
set -- $("$build/bench_hub" prepare "$tmp/data" "$n_serve" "$tmp/www/page.json")
token=$1
path=$2
size=$(wc -c <"$tmp/www/page.json")

# A free loopback port: bind 0, read it back (python3 is a test dependency).
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

hub_port=$(free_port)
"$build/yagura" hub --listen "127.0.0.1:$hub_port" --data "$tmp/data" --threads "$(nproc)" \
	2>"$tmp/hub.log" &
hub_pid=$!

nginx_port=$(free_port)
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	server {
		listen 127.0.0.1:$nginx_port;
		root $tmp/www;
		location / { default_type application/taxii+json; }
	}
}
EOF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
nginx_pid=$!

for _ in $(seq 100); do
	grep -q "listening on" "$tmp/hub.log" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5

rps_of() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
hub_url="http://127.0.0.1:$hub_port$path"
# The hub's answer must be a full page before we time it.
first=$(wrk -c1 -t1 -d1s -H "Authorization: Bearer $token" \
	-H "Accept: application/taxii+json;version=2.1" "$hub_url" | grep -c "Non-2xx" || true)
if [ "$first" != 0 ]; then
	echo "hub serving: the hub does not answer 200 for $path" >&2
	cat "$tmp/hub.log" | tail -5 >&2
	exit 1
fi
hub_rps=$(wrk -c64 -t4 -d"${secs}s" -H "Authorization: Bearer $token" \
	-H "Accept: application/taxii+json;version=2.1" "$hub_url" | rps_of)
nginx_rps=$(wrk -c64 -t4 -d"${secs}s" "http://127.0.0.1:$nginx_port/page.json" | rps_of)
echo "serving_page_bytes=$size serving_collection_objects=$n_serve"
echo "serving_hub_rps=$hub_rps"
echo "serving_nginx_static_rps=$nginx_rps"
awk -v h="$hub_rps" -v n="$nginx_rps" \
	'BEGIN { printf "ratio_hub_serving_vs_nginx=%.3f (target >= 0.25)\n", h / n }'
