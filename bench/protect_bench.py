#!/usr/bin/python3
"""Time to protect: from the POST of a new indicator at the hub to the
first alert on matching live traffic at another member's sensor on the
same machine. Prints median and 99th percentile over TRIALS trials.

usage: protect_bench.py BUILD_DIR [TRIALS]   (needs root for capture on lo)
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def main():
    import requests
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    yg = os.path.join(build, "yagura")
    tmp = tempfile.mkdtemp(prefix="yg-protect-")
    hub_log = open(os.path.join(tmp, "hub.log"), "w+")
    hub = subprocess.Popen([yg, "hub", "--listen", "127.0.0.1:0", "--data", tmp],
                           stdout=subprocess.DEVNULL, stderr=hub_log)
    port = None
    for _ in range(200):
        text = open(os.path.join(tmp, "hub.log")).read()
        if "port " in text:
            port = int(text.split("port ")[1].split()[0])
            break
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"

    def admin(*args):
        return subprocess.run([yg, "hub", "admin", "--data", tmp, *args], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    admin("org", "add", "A", "--sector", "government")
    admin("org", "add", "B", "--sector", "energy")
    ta = admin("token", "create", "--org", "A", "--role", "analyst")
    tb = admin("token", "create", "--org", "B", "--role", "sensor")
    tok = os.path.join(tmp, "b.token")
    with open(tok, "w") as f:
        f.write(tb)
    h = {"Authorization": f"Bearer {ta}", "Accept": TAXII, "Content-Type": TAXII}
    coll = requests.get(f"{url}/taxii2/api/collections/", headers=h).json()["collections"][0]["id"]
    eve = os.path.join(tmp, "eve.json")
    sensor = subprocess.Popen([yg, "sensor", "-i", "lo", "--bpf", "udp and dst port 53 and host 127.0.0.1",
                               "--hub", url, "--token-file", tok, "--hub-interval", "100",
                               "--eve", eve, "--eve-types", "none"],
                              stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seen = 0
    results = []
    try:
        for i in range(trials):
            name = f"t{i}-{uuid.uuid4().hex[:8]}.example"
            ind = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
                   "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                   "pattern": f"[domain-name:value = '{name}']", "pattern_type": "stix",
                   "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [GREEN]}
            t0 = time.monotonic()
            r = requests.post(f"{url}/taxii2/api/collections/{coll}/objects/", headers=h,
                              data=json.dumps({"objects": [ind]}))
            r.raise_for_status()
            q = g.dns_query(f"www.{name}", ident=i & 0xFFFF)
            done = None
            while done is None and time.monotonic() - t0 < 30:
                sock.sendto(q, ("127.0.0.1", 53))
                time.sleep(0.005)
                if os.path.exists(eve):
                    with open(eve) as f:
                        lines = f.read().splitlines()
                    for line in lines[seen:]:
                        if name in line:
                            done = time.monotonic() - t0
                    seen = max(seen, len(lines) - 1)
            results.append(done if done is not None else 30.0)
    finally:
        sensor.send_signal(signal.SIGTERM)
        sensor.wait(timeout=30)
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=30)
    results.sort()
    p99 = results[min(len(results) - 1, int(round(0.99 * (len(results) - 1))))]
    print(f"protect_trials={len(results)}")
    print(f"protect_median_s={statistics.median(results):.3f} (target < 1)")
    print(f"protect_p99_s={p99:.3f}")


if __name__ == "__main__":
    main()
