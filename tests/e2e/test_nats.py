"""NATS JetStream between sensors and hubs (issue 19), against a real
`nats-server -js` this module starts on a free port with a configuration
of per-member users (tests/e2e/natsfixture.py):

- a sensor's sightings reach the hub through the stream and are counted
  exactly (never POSTed);
- a member's credentials cannot subscribe to another member's subject, nor
  publish on it, nor make a consumer of the stream, nor read another's
  reply inboxes (_INBOX.<user>.*: PubAcks); the hubs' user reads all;
- two hubs consume the stream and one is killed with SIGKILL mid-batch:
  every message acknowledged to the publisher is counted once, none twice;
- nats-server stopped: the sensor keeps its batches in its spool and
  delivers them, nothing lost, once the server is back;
- an indicator posted at the hub reaches a sensor that follows with
  --hub-feed nats, woken by the hub's notice on yagura.changes;
- beacon and telescope reports, each published twice (as a redelivery
  would bring it), are counted once, whether the copy comes in the same
  batch or a later one;
- a batch whose write waits on a store held locked past the consumer's
  AckWait is told "in progress" to the server meanwhile, and counted once.

Skipped when nats-server is not installed (scripts/setup.sh installs it)."""
import datetime
import json
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from types import SimpleNamespace

import pytest

import darknetgen as dg
import hubfixture
import pcapgen as g
from fakehub import domain_indicator
from hubfixture import TLP, Hub, check_clean_exit
from natsfixture import (NatsServer, RefusedError, nats_server_bin, sighting_bundle, wait_stream,
                         write_creds)

pytestmark = pytest.mark.skipif(
    not nats_server_bin(), reason="nats-server is not installed (scripts/setup.sh installs it)")

JSON = "application/json"
T0 = g.DEFAULT_START


def wait_for(pred, timeout=30.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def green(ind):
    ind["object_marking_refs"] = [TLP["green"]]
    return ind


def hub_args(w):
    return ["--nats", w.ns.url, "--nats-creds", str(w.hub_creds), "--nats-ack-wait", "1000"]


@pytest.fixture(scope="module")
def w(tmp_path_factory, request):
    if hubfixture.STORE == "postgresql" and hubfixture.PG is None:
        hubfixture.PG = request.getfixturevalue("pg_server")
    d = tmp_path_factory.mktemp("nats")
    ns = NatsServer(d / "nats")
    w = SimpleNamespace(dir=d, ns=ns, hubs=[])
    w.hub_creds = ns.hub_creds(d / "hub.creds")
    w.data = d / "hub"
    w.data.mkdir()
    # The hub first: it waits for NATS in the background.
    h = Hub(w.data, args=hub_args(w), log_name="hub1.log")
    w.hubs.append(h)
    w.hub = h
    try:
        h.org("A")
        h.org("B")
        w.tok = {"A": h.token("A"), "As": h.token("A", "sensor"), "B": h.token("B")}
        who = {n: h.get("/api/v1/whoami", w.tok[n], accept=JSON).json() for n in ("A", "B")}
        w.org = {n: who[n]["org_id"] for n in who}
        w.ident = {n: who[n]["identity"] for n in who}
        w.pw = {n: uuid.uuid4().hex for n in ("A", "B")}
        ns.members = {f"org{n}": (w.org[n], w.pw[n]) for n in ("A", "B")}
        ns.start()
        wait_stream(ns)
        w.creds = {n: write_creds(d / f"org{n}.creds", f"org{n}", w.pw[n], w.org[n])
                   for n in ("A", "B")}
        w.coll = h.get("/taxii2/api/collections/", w.tok["A"]).json()["collections"][0]["id"]
        yield w
    finally:
        for x in w.hubs:
            if x.proc.poll() is None:
                check_clean_exit(x)
        ns.stop()


def publish_indicator(w, name):
    ind = green(domain_indicator(name))
    r = w.hub.post_objects(w.coll, w.tok["A"], [ind])
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    return ind


def count(w, ind_id):
    r = w.hub.get(f"/api/v1/indicators/{ind_id}/sightings", w.tok["A"], accept=JSON)
    assert r.status_code == 200, r.text
    return r.json()["count"]


def consumer(w, kind="sightings"):
    c = w.ns.client("hub", w.ns.hub_password)
    try:
        return c.request(f"$JS.API.CONSUMER.INFO.YAGURA.hubs-{kind}")
    finally:
        c.close()


def capture(path, lookups):
    frames = []
    for k, (client, qname) in enumerate(lookups):
        frames += g.dns_lookup((client, 41000 + k), ("192.0.2.53", 53), qname,
                               [("A", "192.0.2.99")], ident=k + 1, start=T0 + k)
    g.write_pcap(str(path), frames)
    return path


def nats_sensor(w, run_sensor, pcap, *args, interval="100"):
    """A pcap run publishing its sightings over NATS. interval is the flush
    period (ms); a pcap run flushes once more at its end, so with a period
    longer than the run (e.g. "60000") that end is its only flush."""
    return run_sensor(pcap, args=["--hub", w.hub.base, "--token", w.tok["As"],
                                  "--nats", w.ns.url, "--nats-creds", str(w.creds["A"]),
                                  "--sightings-interval", interval, *args])


def test_sightings_reach_the_hub_through_jetstream(w, run_sensor, tmp_path):
    inds = [publish_indicator(w, f"n{i}-nats.example") for i in range(5)]
    before = (consumer(w) or {}).get("delivered", {}).get("stream_seq", 0)
    lookups = [("10.0.0.5", f"n{i}-nats.example") for i in range(5) for _ in range(i + 1)]
    run = nats_sensor(w, run_sensor, capture(tmp_path / "a.pcap", lookups),
                      "--sightings-batch", "2")
    assert run.rc == 0, run.stderr
    st = run.stats["sightings"]
    # Sightings (at least one per indicator) in batches of at most two, each
    # unspooled after its PubAck. The 100 ms flush period may send a batch
    # before it is full, so the number of messages lies between the two.
    assert st["made"] >= 5 and st["posted"] == st["made"], st
    assert st["post_failures"] == 0 and st["spool_batches"] == 0, st
    assert wait_for(lambda: [count(w, i["id"]) for i in inds] == [1, 2, 3, 4, 5], 30), \
        [count(w, i["id"]) for i in inds]
    info = consumer(w)
    messages = info["delivered"]["stream_seq"] - before
    assert (st["made"] + 1) // 2 <= messages <= st["made"], info
    assert wait_for(lambda: consumer(w)["num_ack_pending"] == 0, 30)
    # Counted exactly: nothing more arrives later.
    time.sleep(0.3)
    assert [count(w, i["id"]) for i in inds] == [1, 2, 3, 4, 5]


def test_a_member_cannot_use_another_members_subjects(w):
    a = w.ns.client("orgA", w.pw["A"])
    try:
        other = f"yagura.sightings.{w.org['B']}"
        for subject in (other, "yagura.>", "yagura.*.*", f"yagura.beacons.{w.org['B']}"):
            with pytest.raises(RefusedError, match="Permissions Violation for Subscription"):
                a.sub(subject)
        with pytest.raises(RefusedError, match="Permissions Violation for Publish"):
            a.pub(other, sighting_bundle("indicator--" + str(uuid.uuid4()), 1, w.ident["B"]))
        # Nor a consumer of the stream of its own making, to read it all.
        with pytest.raises(RefusedError, match="Permissions Violation for Publish"):
            a.pub("$JS.API.CONSUMER.CREATE.YAGURA", b"{}")
        # Nor another member's replies (B's PubAcks come to _INBOX.orgB.*),
        # nor every inbox, nor an inbox outside its own prefix; nor can it
        # answer into B's inbox.
        for subject in ("_INBOX.>", "_INBOX.*.>", "_INBOX.orgB.>",
                        f"_INBOX.orgB.{uuid.uuid4().hex}.*", f"_INBOX.{uuid.uuid4().hex}.*"):
            with pytest.raises(RefusedError, match="Permissions Violation for Subscription"):
                a.sub(subject)
        with pytest.raises(RefusedError, match="Permissions Violation for Publish"):
            a.pub(f"_INBOX.orgB.{uuid.uuid4().hex}.x", b"{}")
        # Its own subject works, and its own inbox gets the PubAck.
        ind = publish_indicator(w, "own-subject.example")
        ack = a.js_publish(f"yagura.sightings.{w.org['A']}",
                           sighting_bundle(ind["id"], 2, w.ident["A"]))
        assert ack and ack.get("stream") == "YAGURA", ack
        assert wait_for(lambda: count(w, ind["id"]) == 2, 20)
        # The change notices are readable by every member.
        a.sub("yagura.changes")
    finally:
        a.close()
    # B's own prefix carries B's PubAck (the server lets B read only it).
    b = w.ns.client("orgB", w.pw["B"])
    try:
        assert b.inbox.startswith("_INBOX.orgB.")
        ind = publish_indicator(w, "other-member-ack.example")
        ack = b.js_publish(f"yagura.sightings.{w.org['B']}",
                           sighting_bundle(ind["id"], 1, w.ident["B"]))
        assert ack and ack.get("stream") == "YAGURA", ack
        assert wait_for(lambda: count(w, ind["id"]) == 1, 20)
    finally:
        b.close()
    # The hubs' user reads everything.
    h = w.ns.client("hub", w.ns.hub_password)
    try:
        h.sub("yagura.>")
    finally:
        h.close()


def test_change_reaches_a_sensor_following_over_nats(w, yagura, tmp_path):
    proc = subprocess.Popen(
        [yagura, "sensor", "-i", "lo", "--bpf", "udp and dst port 9 and host 127.0.0.2",
         "--eve", str(tmp_path / "eve.json"), "--hub", w.hub.base, "--token", w.tok["As"],
         "--hub-feed", "nats", "--nats", w.ns.url, "--nats-creds", str(w.creds["A"])],
        stderr=subprocess.PIPE, text=True)
    lines = []

    def seen(pat):
        return any(re.search(pat, ln) for ln in lines)

    import threading
    t = threading.Thread(target=lambda: [lines.append(ln) for ln in proc.stderr], daemon=True)
    t.start()
    try:
        if not wait_for(lambda: seen("capturing on lo") or proc.poll() is not None, 20) or \
                proc.poll() is not None:
            pytest.skip("cannot capture on the loopback interface here: " + "".join(lines)[-300:])
        assert wait_for(lambda: seen(r"indicators live"), 20), lines
        m = [re.search(r"(\d+) indicators live", ln) for ln in lines]
        n0 = [int(x.group(1)) for x in m if x][-1]
        publish_indicator(w, "fresh-nats.example")
        assert wait_for(lambda: seen(rf"\b{n0 + 1} indicators live"), 30), lines[-5:]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        t.join(5)
    out = "".join(lines)
    assert "AddressSanitizer" not in out and "runtime error" not in out, out[-3000:]
    m = re.search(r"mode nats\), .* nats wake-ups (\d+)", out)
    assert m and int(m.group(1)) >= 1, out[-2000:]


def test_nats_server_down_sensor_spools_then_delivers(w, run_sensor, tmp_path):
    ind = publish_indicator(w, "spooled-nats.example")
    spool = tmp_path / "spool"
    w.ns.stop()
    # Each run flushes once, at its end (a 60 s period): its alerts are one
    # sighting in one batch. With a short period a flush between two alerts
    # (a worker descheduled under ASan) would split them.
    try:
        run1 = nats_sensor(w, run_sensor, capture(tmp_path / "a.pcap", [
            ("10.0.0.5", "spooled-nats.example")] * 3), "--spool", str(spool),
            interval="60000")
        assert run1.rc == 0, run1.stderr
        st = run1.stats["sightings"]
        # One sighting, unless the 100 ms flush split the lookups (a slow
        # machine): each made batch waits in the spool, none was posted.
        assert 1 <= st["made"] <= 3 and st["posted"] == 0, st
        assert 1 <= st["spool_batches"] == len(list(spool.glob("sightings-*.json"))), st
    finally:
        w.ns.start()
    wait_stream(w.ns)
    run2 = nats_sensor(w, run_sensor, capture(tmp_path / "b.pcap", [
        ("10.0.0.6", "spooled-nats.example")] * 2), "--spool", str(spool), interval="60000")
    assert run2.rc == 0, run2.stderr
    st = run2.stats["sightings"]
    # The old batch first (replayed), then this run's: both in the stream.
    assert st["posted"] >= 2 and st["replayed"] >= 1 and st["spool_batches"] == 0, st
    assert not list(spool.glob("sightings-*.json"))
    assert wait_for(lambda: count(w, ind["id"]) == 5, 30), count(w, ind["id"])


def iso(delta_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def beacons_body(sensor, pairs):
    return json.dumps({"sensor": sensor, "beacons": [
        {"host": host, "dest": dest, "dst_port": 443, "proto": "tcp", "interval_s": 60.0,
         "count": 24, "score": 0.95, "first_seen": iso(-3600), "last_seen": last}
        for host, dest, last in pairs]}).encode()


def hosts_evidence(w, prefix):
    r = w.hub.get("/api/v1/hosts", w.tok["A"], accept=JSON, params={"limit": "1000"})
    assert r.status_code == 200, r.text
    return {h["host"]: h["evidence_count"] for h in r.json()["hosts"]
            if h.get("host", "").startswith(prefix)}


def drained(w, kinds):
    def ok():
        cs = [consumer(w, k) or {} for k in kinds]
        return all(c.get("num_pending") == 0 and c.get("num_ack_pending") == 0 for c in cs)
    return ok


def publish_all(w, msgs):
    a = w.ns.client("orgA", w.pw["A"])
    try:
        for subject, body in msgs:
            ack = a.js_publish(subject, body)
            assert ack and ack.get("stream") == "YAGURA", ack
    finally:
        a.close()


def test_beacons_and_windows_published_twice_count_once(w):
    org = w.org["A"]
    last = iso(-10)
    b1 = beacons_body("edge-nats", [("10.77.0.1", "192.0.2.71", last),
                                    ("10.77.0.2", "192.0.2.72", last)])
    b2 = beacons_body("edge-nats", [("10.77.0.3", "192.0.2.73", last)])
    # The same evidence in another report: held already, adds nothing.
    b3 = beacons_body("edge-nats", [("10.77.0.1", "192.0.2.71", last)])
    now = dg.now_minute()
    wins = [json.dumps(dg.window("tele-nats", now - datetime.timedelta(minutes=5 - i),
                                 [dg.port("tcp", 2323, p, 1, 1)])).encode()
            for i, p in enumerate((7, 11, 13))]
    bs, ds = f"yagura.beacons.{org}", f"yagura.darknet.{org}"
    # Copies next to each other (one fetch's batch) and far apart (a later
    # batch, as a redelivery comes).
    publish_all(w, [(bs, b1), (bs, b1), (ds, wins[0]), (ds, wins[0]), (bs, b2), (ds, wins[1]),
                    (bs, b3), (ds, wins[2]), (bs, b2), (ds, wins[1]), (bs, b1), (ds, wins[0])])
    assert wait_for(drained(w, ("beacons", "darknet")), 30), \
        (consumer(w, "beacons"), consumer(w, "darknet"))
    assert hosts_evidence(w, "10.77.0.") == {"10.77.0.1": 1, "10.77.0.2": 1, "10.77.0.3": 1}
    r = w.hub.get("/api/v1/darknet/sensors", w.tok["A"], accept=JSON, params={"limit": "1000"})
    assert r.status_code == 200, r.text
    mine = [x for x in r.json()["windows"] if x["sensor"] == "tele-nats"]
    assert len(mine) == 3, mine
    r = w.hub.get("/api/v1/darknet/ports", w.tok["A"], accept=JSON,
                  params={"proto": "tcp", "port": "2323",
                          "from": dg.minute_str(now - datetime.timedelta(minutes=10)),
                          "to": dg.minute_str(now)})
    assert r.status_code == 200, r.text
    assert sum(p["packets"] for p in r.json()["series"]) == 7 + 11 + 13, r.json()["series"]


def test_slow_batch_write_is_told_in_progress(w):
    """The module's hub (AckWait 1 s) waits on a store the test holds
    locked for three AckWaits; it is then stopped for its count of "in
    progress" and a new one takes its place."""
    if hubfixture.STORE == "postgresql":
        pytest.skip("holds the SQLite store's write lock")
    org = w.org["A"]
    body = beacons_body("edge-slow", [("10.78.0.1", "192.0.2.81", iso(-10))])
    db = sqlite3.connect(str(w.data / "hub.db"), timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        publish_all(w, [(f"yagura.beacons.{org}", body)])
        assert wait_for(lambda: (consumer(w, "beacons") or {}).get("num_ack_pending") == 1, 10)
        time.sleep(3.0)  # the write waits on the lock meanwhile; nothing asserted on time
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert wait_for(drained(w, ("beacons",)), 30), consumer(w, "beacons")
    assert hosts_evidence(w, "10.78.0.") == {"10.78.0.1": 1}
    rc, log = w.hub.stop()
    assert rc == 0, log[-3000:]
    m = re.search(r"nats: .* (\d+) in progress", log)
    assert m and int(m.group(1)) >= 1, log[-2000:]
    h = Hub(w.data, args=hub_args(w), log_name="hub1b.log")
    w.hubs.append(h)
    w.hub = h


def test_hub_killed_mid_batch_nothing_lost_nothing_doubled(w):
    """Last: it kills the module's first hub (a new one takes its place)."""
    h2 = Hub(w.data, args=hub_args(w), log_name="hub2.log")
    w.hubs.append(h2)
    ind = publish_indicator(w, "killed-hub.example")
    n_msgs, per = 150, 10
    acks, errors = [], []

    def publish():
        a = w.ns.client("orgA", w.pw["A"])
        try:
            for _ in range(n_msgs):
                acks.append(a.js_publish(f"yagura.sightings.{w.org['A']}",
                                         sighting_bundle(ind["id"], per, w.ident["A"])))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            a.close()

    import threading
    t = threading.Thread(target=publish)
    t.start()
    # Both hubs are taking batches while more come: kill one in the middle.
    assert wait_for(lambda: count(w, ind["id"]) >= 20 * per, 30)
    w.hub.proc.kill()
    w.hub.proc.wait()
    w.hub.stop()
    w.hub = h2
    t.join(60)
    assert not errors and len(acks) == n_msgs, errors
    assert all(a and a.get("stream") == "YAGURA" for a in acks), [a for a in acks if not a][:3]
    # What the dead hub held unacknowledged comes again to the other.
    assert wait_for(lambda: count(w, ind["id"]) >= n_msgs * per, 60), count(w, ind["id"])
    assert wait_for(lambda: (lambda c: c["num_ack_pending"] == 0 and c["num_pending"] == 0)(
        consumer(w)), 30), consumer(w)
    assert count(w, ind["id"]) == n_msgs * per
    rc, log = h2.stop()
    assert rc == 0, log[-3000:]
    m = re.search(r"nats: (\d+) messages taken, (\d+) acknowledged, (\d+) refused", log)
    assert m and int(m.group(3)) == 0, log[-2000:]
