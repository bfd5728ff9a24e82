#!/usr/bin/python3
"""Incremental sync of N indicator changes (default 100,000) from a real hub
to a running sensor, over the change feed.

Prints:
  sync_changes_per_s   N / (time from the first POST at the hub to the
                       sensor's set holding all N), end to end: the hub's
                       ingest, the feed, and the sensor's rebuilds.
  sync_pps_ratio       the sensor's packet rate (--workers 1, replay of a
                       generated capture) while the N changes stream in,
                       against its rate over the same capture with an idle
                       hub (target >= 0.9). The capture is replayed in a
                       loop (one sensor run per pass) until the sync ends.

With two or more CPUs the sensor runs on CPU 0 and the hub (and this
script, which posts the changes) on the others, as if the hub were another
machine: the ratio then shows what the sync costs the sensor itself.

usage: sync_bench.py BUILD_DIR [CHANGES] [CAPTURE]
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
POST_BATCH = 1000
TIMEOUT = float(os.environ.get("SYNC_TIMEOUT", "600"))


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def indicator(i, run):
    t = now_iso()
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
            "created": t, "modified": t,
            "pattern": f"[domain-name:value = 's{run}-{i}.sync.example']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [GREEN]}


class Hub:
    def __init__(self, yg, tmp):
        self.yg, self.tmp = yg, tmp
        self.log = open(os.path.join(tmp, "hub.log"), "w+")
        self.proc = subprocess.Popen([yg, "hub", "--listen", "127.0.0.1:0", "--data", tmp],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        port = None
        for _ in range(400):
            m = re.search(r"port (\d+)", open(os.path.join(tmp, "hub.log")).read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.05)
        if not port:
            sys.exit("sync_bench: the hub did not start")
        self.url = f"http://127.0.0.1:{port}"

    def admin(self, *args):
        return subprocess.run([self.yg, "hub", "admin", "--data", self.tmp, *args], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


SENSOR_CPUS = None


def pin_sensor():
    if SENSOR_CPUS:
        os.sched_setaffinity(0, SENSOR_CPUS)


class Sensor:
    """A sensor whose stderr lines are kept with their arrival time."""

    def __init__(self, yg, args):
        self.lines = []
        self.proc = subprocess.Popen([yg, "sensor", *args], stderr=subprocess.PIPE, text=True,
                                     preexec_fn=pin_sensor)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line))

    def wait_live(self, n, timeout):
        """Time at which the set first held >= n indicators (None on timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for t, line in list(self.lines):
                m = re.search(r"indicator set updated: (\d+) indicators", line)
                if m and int(m.group(1)) >= n:
                    return t
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return None

    def pps(self):
        for _, line in self.lines:
            m = re.match(r"sensor: (\d+) packets, \d+ bytes in ([0-9.]+) s;", line)
            if m and float(m.group(2)) > 0:
                return int(m.group(1)) / float(m.group(2))
        return None


def post_all(hub_url, h, coll, n, run, ret):
    t0 = time.monotonic()
    s = requests.Session()
    for k in range(0, n, POST_BATCH):
        objs = [indicator(i, run) for i in range(k, min(n, k + POST_BATCH))]
        r = s.post(f"{hub_url}/taxii2/api/collections/{coll}/objects/", headers=h,
                   data=json.dumps({"objects": objs}), timeout=120)
        r.raise_for_status()
    ret["t0"] = t0
    ret["t1"] = time.monotonic()


def replay(yg, cap, url, tok, eve, extra=()):
    s = Sensor(yg, ["-r", cap, "--workers", "1", "--hub", url, "--token-file", tok,
                    "--eve", eve, "--eve-types", "none", *extra])
    s.proc.wait()
    s.reader.join(timeout=10)
    return s.pps()


def main():
    global SENSOR_CPUS
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2:
        SENSOR_CPUS = {cpus[0]}
        os.sched_setaffinity(0, set(cpus[1:]))  # the hub inherits this
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    yg = os.path.join(build, "yagura")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out, exist_ok=True)
    cap = sys.argv[3] if len(sys.argv) > 3 else os.path.join(out, "sync-2000000-50000.pcap")
    if not os.path.exists(cap):
        subprocess.run([os.path.join(build, "tool_gencap"), cap, "2000000", "50000", "1"],
                       check=True, stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="yg-sync-")
    hub = Hub(yg, tmp)
    try:
        hub.admin("org", "add", "A", "--sector", "government")
        hub.admin("org", "add", "B", "--sector", "energy")
        ta = hub.admin("token", "create", "--org", "A", "--role", "analyst")
        tb = hub.admin("token", "create", "--org", "B", "--role", "sensor")
        tok = os.path.join(tmp, "b.token")
        with open(tok, "w") as f:
            f.write(tb)
        h = {"Authorization": f"Bearer {ta}", "Accept": TAXII, "Content-Type": TAXII}
        coll = requests.get(f"{hub.url}/taxii2/api/collections/", headers=h).json()[
            "collections"][0]["id"]
        eve = os.path.join(tmp, "eve.json")

        # 1. Changes/s: a running sensor (idle capture on lo) follows N new indicators.
        live = Sensor(yg, ["-i", "lo", "--bpf", "udp and port 9", "--hub", hub.url,
                           "--token-file", tok, "--eve", eve, "--eve-types", "none"])
        if live.wait_live(0, 20) is None:
            sys.exit("sync_bench: the sensor did not take the hub's set")
        posted = {}
        poster = threading.Thread(target=post_all, args=(hub.url, h, coll, n, "a", posted))
        poster.start()
        t_live = live.wait_live(n, TIMEOUT)
        poster.join()
        live.proc.send_signal(signal.SIGTERM)
        live.proc.wait(timeout=60)
        if t_live is None:
            tail = "".join(line for _, line in live.lines[-5:])
            sys.exit(f"sync_bench: the sensor never held all changes; it said:\n{tail}")
        sync_s = t_live - posted["t0"]
        ingest_s = posted["t1"] - posted["t0"]
        print(f"sync_changes={n} (sensor on CPU {sorted(SENSOR_CPUS) if SENSOR_CPUS else 'any'})")
        print(f"sync_hub_ingest_s={ingest_s:.2f}")
        print(f"sync_to_sensor_s={sync_s:.2f}")
        mode = "poll" if any("polling /api/v1/indicators" in ln for _, ln in live.lines) \
            else "changes"
        print(f"sync_mode={mode}")
        print(f"sync_changes_per_s={n / sync_s:.0f}")

        # 2. Packet rate without and during a sync of N more changes.
        base = [replay(yg, cap, hub.url, tok, eve) for _ in range(2)]
        best = max(p for p in base if p)
        posted = {}
        poster = threading.Thread(target=post_all, args=(hub.url, h, coll, n, "b", posted))
        t_start = time.monotonic()
        poster.start()
        during = []
        # Replays overlap the sync from its first POST until the last change
        # is at the hub; each pass re-syncs its set from the hub as it goes.
        while poster.is_alive() or not during:
            p = replay(yg, cap, hub.url, tok, eve)
            if p:
                during.append(p)
        poster.join()
        span = time.monotonic() - t_start
        rate = sum(during) / len(during)
        print(f"sync_pps_without={best:.0f}")
        print(f"sync_pps_during={rate:.0f} ({len(during)} passes over {span:.1f} s)")
        print(f"sync_pps_ratio={rate / best:.3f} (target >= 0.9)")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
