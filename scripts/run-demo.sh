#!/bin/sh
# The main job: a hub on 127.0.0.1 with its embedded store, two member
# organizations, sample intel published by one of them, and the other's
# sensor (fed by the hub, TLP decided there) over a sample capture that the
# project generates itself. Prints the hub URL, the tokens, the alerts and
# the sightings the sensor reported back, as counted at the hub, and leaves
# the hub running for you to explore.
set -eu
build=${1:-build}
out=demo
py=/usr/bin/python3
yg="$build/yagura"
mkdir -p "$out"

# A hub left by an earlier run is stopped; its demo data starts afresh.
if [ -f "$out/hub.pid" ]; then
	kill "$(cat "$out/hub.pid")" 2>/dev/null || true
	sleep 0.5
	rm -f "$out/hub.pid"
fi
rm -rf "$out/hub" "$out/spool"
mkdir -p "$out/hub"

$py tests/e2e/pcapgen.py demo "$out/demo.pcap" --intel "$out/intel.txt" >/dev/null

"$yg" hub --listen 127.0.0.1:0 --data "$out/hub" </dev/null >/dev/null 2>"$out/hub.log" &
echo $! >"$out/hub.pid"
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*listening on [^ ]* port \([0-9]*\).*/\1/p' "$out/hub.log" | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "the hub did not start:"; cat "$out/hub.log"; exit 1; }
url="http://127.0.0.1:$port"

"$yg" hub admin --data "$out/hub" org add ministry --sector government --country JP >/dev/null
"$yg" hub admin --data "$out/hub" org add power-co --sector energy --country JP >/dev/null
"$yg" hub admin --data "$out/hub" token create --org ministry --role analyst | tail -1 >"$out/ministry.token"
"$yg" hub admin --data "$out/hub" token create --org power-co --role sensor | tail -1 >"$out/power-co.token"
# The hub's operators log in to the dashboard (every member's figures,
# confirming the alert level) with an admin token.
"$yg" hub admin --data "$out/hub" org add hub-ops --sector government --country JP >/dev/null
"$yg" hub admin --data "$out/hub" token create --org hub-ops --role admin | tail -1 >"$out/admin.token"
chmod 600 "$out"/*.token

# The ministry shares its list as TLP:GREEN (every member may use it).
"$yg" intel export --format stix --intel "$out/intel.txt" --source ministry -q >"$out/intel.stix.json" || true
$py - "$url" "$out/ministry.token" "$out/intel.stix.json" <<'PYEOF'
import json, sys, requests
url, token, path = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
taxii = "application/taxii+json;version=2.1"
h = {"Authorization": f"Bearer {token}", "Accept": taxii}
coll = requests.get(f"{url}/taxii2/api/collections/", headers=h, timeout=10).json()["collections"][0]["id"]
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
objs = [dict(o, object_marking_refs=[green]) for o in json.load(open(path))["objects"]
        if o["type"] == "indicator"]
r = requests.post(f"{url}/taxii2/api/collections/{coll}/objects/", headers=dict(h, **{"Content-Type": taxii}),
                  data=json.dumps({"objects": objs}), timeout=30)
r.raise_for_status()
print(f"ministry published {r.json()['success_count']} indicators (TLP:GREEN) to collection {coll}")
PYEOF

echo
echo "== power-co's sensor, fed by the hub: yagura sensor -r $out/demo.pcap --hub $url --token-file $out/power-co.token --spool $out/spool"
set +e
"$yg" sensor -r "$out/demo.pcap" --hub "$url" --token-file "$out/power-co.token" --eve "$out/eve.json" \
	--home-net 10.0.0.0/8,192.168.0.0/16,fd00::/8 --spool "$out/spool" --sensor-name power-co-edge
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
          f"  (shared at the hub as {m.get('stix_id', ['-'])[0]})")
print()
for e in events:
    t = e["event_type"]
    if t == "dns" and e["dns"]["type"] == "request":
        for q in e["dns"].get("queries", []):
            print(f"dns   {e['src_ip']} asks {q['rrname']} {q['rrtype']}")
    elif t == "http":
        print(f"http  {e['src_ip']} {e['http']['http_method']} {e['http'].get('hostname', '')}{e['http']['url']}")
    elif t == "tls":
        print(f"tls   {e['src_ip']} -> {e['tls'].get('sni', '(no SNI)')}  ja3 {e['tls']['ja3']['hash']}  ja4 {e['tls']['ja4']}")
PYEOF
echo
# What the hub counted: the sensor sent each alert on a shared indicator
# back as a STIX sighting (no payload; internal hosts only as keyed hashes).
$py - "$url" "$out/power-co.token" "$out/eve.json" <<'PYEOF'
import json, sys, requests
url, token, eve = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
h = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
alerts = {}
for line in open(eve):
    e = json.loads(line)
    m = e.get("alert", {}).get("metadata", {})
    if e["event_type"] == "alert" and m.get("stix_id") and m.get("source") == ["hub"]:
        k = m["stix_id"][0]
        alerts.setdefault(k, [m["indicator"][0], 0])[1] += 1
if not alerts:
    print("sightings: no alert on a hub indicator, so nothing to report back")
for sid, (value, n) in sorted(alerts.items(), key=lambda kv: kv[1][0]):
    r = requests.get(f"{url}/api/v1/indicators/{sid}/sightings", headers=h, timeout=10)
    if r.status_code != 200:
        print(f"SIGHTINGS {value}: the hub answered {r.status_code}")
        continue
    s = r.json()
    print(f"SIGHTINGS {value}: counted at the hub {s['count']} (alerts here {n}), "
          f"{s['organizations']} organization(s), {s['sectors']} sector(s), "
          f"first {s['first_seen']}, last {s['last_seen']}")
PYEOF
echo
# The darknet telescope (issue 13): a generated capture of telescope traffic
# with known truth (tests/e2e/telescopegen.py: two hours of baseline, then a
# worm surge on TCP 37215), read by a sensor watching 198.51.100.0/24 and
# 2001:db8:dead::/48. Top scanners of the busiest minute, with fingerprint
# and country, and the DDoS victims seen by their backscatter.
# The capture ends now, and the sensor sends its minute windows to the hub,
# whose early warning flags the surge (shown last).
$py tests/e2e/pcapgen.py telescope "$out/telescope.pcap" --hours 2 --ending-now \
	--research "$out/research.txt" --truth "$out/telescope-truth.json" >/dev/null
echo "== darknet: yagura sensor -r $out/telescope.pcap --darknet 198.51.100.0/24,2001:db8:dead::/48 --darknet-research $out/research.txt --hub $url"
set +e
"$yg" sensor -r "$out/telescope.pcap" --darknet 198.51.100.0/24,2001:db8:dead::/48 \
	--darknet-research "$out/research.txt" --eve "$out/darknet-eve.json" -q \
	--hub "$url" --token-file "$out/power-co.token" --sensor-name power-co-telescope \
	--sightings-interval 200
set -e
$py - "$out/darknet-eve.json" <<'PYEOF'
import json, sys, collections
ev = [json.loads(l) for l in open(sys.argv[1])]
src = [e for e in ev if e["event_type"] == "darknet"]
if not src:
    print("darknet: no telescope traffic")
    sys.exit(0)
per_win = collections.Counter(e["darknet"]["window_start"] for e in src)
win = max(per_win, key=lambda w: sum(e["darknet"]["packets"] for e in src
                                     if e["darknet"]["window_start"] == w and
                                     e["darknet"]["class"] != "backscatter"))
print(f"top scanners, minute {win}:")
top = sorted((e for e in src if e["darknet"]["window_start"] == win and
              e["darknet"]["class"] != "backscatter"), key=lambda e: -e["darknet"]["packets"])
for e in top[:8]:
    d, g = e["darknet"], e.get("geo", {})
    name = f" ({d['research_name']})" if "research_name" in d else ""
    print(f"  {e['src_ip']:<40} {d['class']:<9} {d['fingerprint'] + name:<17} "
          f"{g.get('country', '--'):<3} {d['packets']:>4} pkts  ports {d['ports'][:4]}")
for e in ev:
    if e["event_type"] == "darknet_victim" and e["darknet_victim"]["packets"] >= 20:
        v = e["darknet_victim"]
        port = f":{v['port']}" if "port" in v else ""
        print(f"DDoS victim {e['src_ip']} {v['proto']}{port}: {v['packets']} backscatter packets "
              f"in {v['window_start']} -> attack of ~{v['est_pps'] / 1e6:.1f} Mpps")
st = [e["darknet_stats"] for e in ev if e["event_type"] == "darknet_stats"]
surge = [(s["window_start"], p) for s in st for p in s["ports"]
         if p["proto"] == "tcp" and p["port"] == 37215]
if surge:
    w, p = surge[-1]
    print(f"tcp/37215 at {w}: {p['packets']} packets from {p['sources']} sources, "
          f"{p['new_sources']} never seen before (the surge; the hub's early warning flags it)")
PYEOF
$py - "$url" "$out/ministry.token" <<'PYEOF'
import sys, requests
url, tok = sys.argv[1], open(sys.argv[2]).read().strip()
r = requests.get(f"{url}/api/v1/darknet/signals", timeout=10,
                 headers={"Authorization": f"Bearer {tok}", "Accept": "application/json"})
if r.status_code != 200:
    print(f"hub early warning: the hub answered {r.status_code}")
    sys.exit(0)
sig = r.json()
for s in sig["signals"]:
    print(f"HUB EARLY WARNING: surge on {s['proto']}/{s['port']} since {s['since']}: "
          f"{s['observed']} packets against {s['expected']:.0f} expected, "
          f"{s['new_sources']} new sources (score {s['score']:.1f}); STIX report {s.get('report', '-')}")
if not sig["signals"]:
    print("hub early warning: no surge flagged")
PYEOF
echo
echo "EVE JSON (Suricata-compatible, one event a line): $out/eve.json"
echo "hub: $url (TAXII 2.1 at $url/taxii2/, REST at $url/api/v1/), data in $out/hub, log $out/hub.log"
echo "tokens: ministry analyst $(cat "$out/ministry.token")"
echo "        power-co sensor  $(cat "$out/power-co.token")"
echo "try:    curl -H \"Authorization: Bearer \$(cat $out/power-co.token)\" $url/api/v1/export/suricata"
echo "        curl -H \"Authorization: Bearer \$(cat $out/power-co.token)\" $url/api/v1/indicators/INDICATOR-ID/sightings"
echo "the hub keeps running (pid $(cat "$out/hub.pid")); stop it with: kill $(cat "$out/hub.pid")"
echo
if grep -q '"dependencies"' web/package.json 2>/dev/null && [ -d web/node_modules ]; then
	echo "dashboard: $url/"
else
	echo "dashboard: $url/ (its libraries are missing: run scripts/setup.sh, which installs web/node_modules)"
fi
echo "log in with the hub-ops admin token: $(cat "$out/admin.token")"
exit $rc
