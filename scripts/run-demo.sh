#!/bin/sh
# The main job until the hub exists: generate a sample capture and indicator
# list with the project's own generator, run the sensor over them, and show
# what it found.
set -eu
build=${1:-build}
out=demo
py=/usr/bin/python3
mkdir -p "$out"
$py tests/e2e/pcapgen.py demo "$out/demo.pcap" --intel "$out/intel.txt" >/dev/null
echo "== yagura sensor -r $out/demo.pcap --intel $out/intel.txt --eve $out/eve.json"
set +e
"$build/yagura" sensor -r "$out/demo.pcap" --intel "$out/intel.txt" --eve "$out/eve.json" \
	--home-net 10.0.0.0/8,192.168.0.0/16,fd00::/8
rc=$?
set -e
echo
$py - "$out/eve.json" <<'PYEOF'
import json, sys, collections
events = [json.loads(l) for l in open(sys.argv[1])]
kinds = collections.Counter(e["event_type"] for e in events)
print("events: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
print()
for e in events:
    if e["event_type"] != "alert":
        continue
    a, m = e["alert"], e["alert"]["metadata"]
    print(f"ALERT {e['timestamp']}  {e['src_ip']} -> {e['dest_ip']}:{e.get('dest_port', '')}"
          f"  [{m['direction'][0]}]  {a['signature']}")
    print(f"      matched {m['matched_on'][0]} = {m['matched_value'][0]}"
          f"  (from {m['source'][0]}:{m.get('source_line', ['-'])[0]})")
print()
for e in events:
    t = e["event_type"]
    if t == "dns" and e["dns"]["type"] == "query":
        print(f"dns   {e['src_ip']} asks {e['dns']['rrname']} {e['dns']['rrtype']}")
    elif t == "http":
        print(f"http  {e['src_ip']} {e['http']['http_method']} {e['http'].get('hostname', '')}{e['http']['url']}")
    elif t == "tls":
        print(f"tls   {e['src_ip']} -> {e['tls'].get('sni', '(no SNI)')}  ja3 {e['tls']['ja3']['hash']}  ja4 {e['tls']['ja4']}")
PYEOF
echo
echo "EVE JSON (Suricata-compatible, one event a line): $out/eve.json"
exit $rc
