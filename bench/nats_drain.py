#!/usr/bin/python3
"""How fast one hub drains the JetStream stream of sighting reports
(issue 19; README, "Running at national scale").

The set-up (bench/cluster.py): one hub on SQLite or on PostgreSQL, a
nats-server -js, one member organization. The hub makes the stream and its
consumers, then stops; N sighting bundles of --per sightings each are
published into the stream as the member (each counts once its PubAck
came); the hub starts again and the clock runs from its first
acknowledgement to the moment the consumer holds nothing pending or
unacknowledged. Then the hub must have counted exactly N x per sightings.

Prints, per store: messages/s, sightings/s, the hub's CPU use during the
drain (cores), and the load average (the
machine is shared: a number without its load says little).

  bench/nats_drain.py [--messages 1000] [--per 10] [--stores sqlite,postgresql]
                      [--build build] [--json FILE] [--hub-args '--nats-handlers 8']
"""
import argparse
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
import natsfixture  # noqa: E402

JSON = "application/json"
TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def consumer(ns):
    c = ns.client("hub", ns.hub_password)
    try:
        return c.request("$JS.API.CONSUMER.INFO.YAGURA.hubs-sightings") or {}
    finally:
        c.close()


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def count(hub, token, ind_id):
    r = hub.get(f"/api/v1/indicators/{ind_id}/sightings", token, accept=JSON)
    return r.json()["count"] if r.status_code == 200 else -1


def run(store, yagura, n_msgs, per, root, hub_args=()):
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
        while "error" in consumer(t.ns) or not consumer(t.ns):
            assert time.time() < end, "the hub made no consumer"
            time.sleep(0.1)
        rc, log = h0.stop()
        assert rc == 0, log[-2000:]
        a = t.ns.client(f"org{o['id']}", o["nats_password"])
        try:
            for i in range(n_msgs):
                ack = a.js_publish(f"yagura.sightings.{o['id']}",
                                   natsfixture.sighting_bundle(ind["id"], per, o["identity"]))
                assert ack and ack.get("stream") == "YAGURA", ack
        finally:
            a.close()
        info = consumer(t.ns)
        assert info["num_pending"] == n_msgs, info
        load0 = os.getloadavg()[0]
        h = t._start_hub(1)
        t0 = None
        end = time.time() + 600
        while time.time() < end:
            info = consumer(t.ns)
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
        got = count(h, o["analyst"], ind["id"])
        rc, log = h.stop()
        assert rc == 0, log[-2000:]
        dt = max(t1 - t0, 1e-3)
        return {"store": store, "messages": n_msgs, "per": per, "seconds": round(dt, 2),
                "msgs_per_s": round((n_msgs - a0) / dt, 1),
                "sightings_per_s": round((n_msgs - a0) * per / dt, 1),
                "hub_cpu_cores": round((c1 - c0) / dt, 2), "counted": got, "lost_or_doubled": got - n_msgs * per,
                "load_avg_1min": [round(load0, 2), round(load1, 2)]}
    finally:
        t.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
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
        rows.append(run(store, yagura, a.messages, a.per, root / store, a.hub_args.split()))
    print(f"{'store':<11} {'messages':>8} {'seconds':>8} {'msgs/s':>8} {'sightings/s':>11} "
          f"{'hub CPU':>7} {'counted':>8} {'load avg (before, after)':>25}")
    for r in rows:
        print(f"{r['store']:<11} {r['messages']:>8} {r['seconds']:>8} {r['msgs_per_s']:>8} "
              f"{r['sightings_per_s']:>11} {r['hub_cpu_cores']:>7} {r['counted']:>8} "
              f"{str(r['load_avg_1min']):>25}")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1))
    if any(r["lost_or_doubled"] for r in rows):
        sys.exit("sightings lost or counted twice")


if __name__ == "__main__":
    main()
