#!/usr/bin/python3
"""How fast one hub drains the JetStream stream of sighting, beacon or
telescope reports (issue 19; README, "Running at national scale").

The set-up (bench/cluster.py): one hub on SQLite or on PostgreSQL, a
nats-server -js, one member organization. The hub makes the stream and its
consumers, then stops; N sighting bundles of --per sightings each are
published into the stream as the member (each counts once its PubAck
came); the hub starts again and the clock runs from its first
acknowledgement to the moment the consumer holds nothing pending or
unacknowledged. Then the hub must have counted exactly N x per sightings.

--kind beacons: N beacon reports of --per beacons each, every beacon from a
host of its own (the hub must then hold N x per hosts); --kind darknet: N
telescope windows (50 sensors, consecutive minutes), each with one port of
--per packets and --per sources (the port's series must then sum to
N x per packets).

Prints, per store: messages/s, sightings/s, the hub's CPU use during the
drain (cores), and the load average (the
machine is shared: a number without its load says little).

  bench/nats_drain.py [--kind sightings|beacons|darknet] [--messages 1000] [--per 10]
                      [--stores sqlite,postgresql]
                      [--build build] [--json FILE] [--hub-args '--nats-handlers 8']
"""
import argparse
import datetime
import json
import os
import pathlib
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import cluster  # noqa: E402
import darknetgen as dg  # noqa: E402
import natsfixture  # noqa: E402

JSON = "application/json"
TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def consumer(ns, kind="sightings"):
    c = ns.client("hub", ns.hub_password)
    try:
        return c.request(f"$JS.API.CONSUMER.INFO.YAGURA.hubs-{kind}") or {}
    finally:
        c.close()


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def count(hub, token, ind_id):
    r = hub.get(f"/api/v1/indicators/{ind_id}/sightings", token, accept=JSON)
    return r.json()["count"] if r.status_code == 200 else -1


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def beacons_body(i, per):
    """per beacons, each from a host of its own (10.x.y.z from i and k)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    bs = []
    for k in range(per):
        n = i * per + k
        bs.append({"host": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
                   "dest": "192.0.2.10", "dst_port": 443, "proto": "tcp", "interval_s": 60.0,
                   "count": 24, "score": 0.95,
                   "first_seen": iso(now - datetime.timedelta(hours=1)),
                   "last_seen": iso(now - datetime.timedelta(seconds=10))})
    return json.dumps({"sensor": "edge-drain", "beacons": bs}).encode()


SENSORS = 50


def window_body(i, per, now):
    """Telescope i % SENSORS's window of minute i // SENSORS back from now."""
    start = now - datetime.timedelta(minutes=1 + i // SENSORS)
    srcs = [dg.source(f"198.18.{(i * per + k) >> 8 & 255}.{(i * per + k) & 255}", 1, [23])
            for k in range(per)]
    return json.dumps(dg.window(f"tele-{i % SENSORS}", start, [dg.port("tcp", 23, per, per, 0)],
                                srcs)).encode()


def counted(kind, hub, token, ind_id, now):
    if kind == "sightings":
        return count(hub, token, ind_id)
    if kind == "beacons":
        r = hub.get("/api/v1/hosts/stats", token, accept=JSON)
        return r.json()["total"] if r.status_code == 200 else -1
    r = hub.get("/api/v1/darknet/ports", token, accept=JSON,
                params={"proto": "tcp", "port": "23", "step": "minute",
                        "from": dg.minute_str(now - datetime.timedelta(days=1)),
                        "to": dg.minute_str(now)})
    return sum(p["packets"] for p in r.json()["series"]) if r.status_code == 200 else -1


def run(store, yagura, n_msgs, per, root, hub_args=(), kind="sightings"):
    t = cluster.Topology(root, yagura, hubs=1, store=store, nats=True, orgs=1,
                         hub_args=hub_args)
    t.start()
    try:
        o = t.orgs[0]
        h0 = t.hubs[0]
        ind = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
               "pattern": "[domain-name:value = 'drain.example']", "pattern_type": "stix",
               "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [GREEN]}
        r = h0.post_objects(t.coll, o["analyst"], [ind])
        assert r.status_code == 202, r.text
        # The stream and the consumer exist (wait_stream, and the consumer
        # once the hub asked for it); then the hub goes.
        end = time.time() + 30
        while "error" in consumer(t.ns, kind) or not consumer(t.ns, kind):
            assert time.time() < end, "the hub made no consumer"
            time.sleep(0.1)
        rc, log = h0.stop()
        assert rc == 0, log[-2000:]
        a = t.ns.client(f"org{o['id']}", o["nats_password"])
        now = dg.now_minute()
        try:
            for i in range(n_msgs):
                if kind == "sightings":
                    body = natsfixture.sighting_bundle(ind["id"], per, o["identity"])
                elif kind == "beacons":
                    body = beacons_body(i, per)
                else:
                    body = window_body(i, per, now)
                ack = a.js_publish(f"yagura.{kind}.{o['id']}", body)
                assert ack and ack.get("stream") == "YAGURA", ack
        finally:
            a.close()
        info = consumer(t.ns, kind)
        assert info["num_pending"] == n_msgs, info
        load0 = os.getloadavg()[0]
        h = t._start_hub(1)
        t0 = None
        end = time.time() + 600
        while time.time() < end:
            info = consumer(t.ns, kind)
            acked = n_msgs - info["num_pending"] - info["num_ack_pending"]
            if t0 is None and acked > 0:
                t0, a0, c0 = time.time(), acked, cpu_seconds(h.proc.pid)
            if info["num_pending"] == 0 and info["num_ack_pending"] == 0:
                t1, c1 = time.time(), cpu_seconds(h.proc.pid)
                break
            time.sleep(0.02)
        else:
            raise AssertionError(f"not drained: {info}")
        load1 = os.getloadavg()[0]
        got = counted(kind, h, o["analyst"], ind["id"], now)
        rc, log = h.stop()
        assert rc == 0, log[-2000:]
        dt = max(t1 - t0, 1e-3)
        return {"kind": kind, "store": store, "messages": n_msgs, "per": per, "seconds": round(dt, 2),
                "msgs_per_s": round((n_msgs - a0) / dt, 1),
                "sightings_per_s": round((n_msgs - a0) * per / dt, 1),
                "hub_cpu_s": round(c1 - c0, 2),
                "cpu_ms_per_msg": round((c1 - c0) * 1000 / max(n_msgs - a0, 1), 2),
                "hub_cpu_cores": round((c1 - c0) / dt, 2), "counted": got, "lost_or_doubled": got - n_msgs * per,
                "load_avg_1min": [round(load0, 2), round(load1, 2)]}
    finally:
        t.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("sightings", "beacons", "darknet"), default="sightings")
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--per", type=int, default=10)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--build", default="build")
    ap.add_argument("--dir")
    ap.add_argument("--json")
    ap.add_argument("--hub-args", default="",
                    help="more hub options, e.g. '--nats-handlers 8'")
    a = ap.parse_args()
    if not natsfixture.nats_server_bin():
        sys.exit("nats-server is not installed (scripts/setup.sh installs it)")
    yagura = os.environ.get("YG_BIN") or str(ROOT / a.build / "yagura")
    root = pathlib.Path(a.dir or tempfile.mkdtemp(prefix="yg-drain-"))
    # The PostgreSQL cluster below runs as `nobody` when we are root, and
    # must be able to reach its folder inside this one.
    root.chmod(0o755)
    rows = []
    for store in a.stores.split(","):
        rows.append(run(store, yagura, a.messages, a.per, root / store, a.hub_args.split(),
                        a.kind))
    unit = {"sightings": "sightings/s", "beacons": "beacons/s", "darknet": "packets/s"}[a.kind]
    print(f"{'store':<11} {'messages':>8} {'seconds':>8} {'msgs/s':>8} {unit:>11} "
          f"{'hub CPU':>7} {'CPU ms/msg':>10} {'counted':>8} {'load avg (before, after)':>25}")
    for r in rows:
        print(f"{r['store']:<11} {r['messages']:>8} {r['seconds']:>8} {r['msgs_per_s']:>8} "
              f"{r['sightings_per_s']:>11} {r['hub_cpu_cores']:>7} {r['cpu_ms_per_msg']:>10} "
              f"{r['counted']:>8} {str(r['load_avg_1min']):>25}")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1))
    if any(r["lost_or_doubled"] for r in rows):
        sys.exit(f"{a.kind} lost or counted twice")


if __name__ == "__main__":
    main()
