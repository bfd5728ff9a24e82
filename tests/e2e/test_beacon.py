"""Beacon detection in the sensor (issue 14): generated beacons found up
to 20 % jitter (and the exact counts measured at 30 and 40 %), nothing on
a generated benign day full of periodic-looking traffic, the memory bound
under a sweep of many pairs, and the wire format of POST /api/v1/beacons
as the sensor sends it (to tests/e2e/fakehub.py, which can also fail on
demand), and the same reports at a real hub, where strong beacons become
infected-host records of the reporting member.

The inputs come from beacongen.py with fixed seeds, so the counts are
exact: they change only when the generator or the scoring rule does."""
import hashlib
import hmac
import json

import pytest

import beacongen
from fakehub import FakeHub
from hubfixture import Hub, check_clean_exit

BEACON_FIELDS = {"host_hash", "dest", "name", "dst_port", "proto", "interval_s", "count",
                 "score", "first_seen", "last_seen"}


@pytest.fixture(scope="module")
def beacon_capture(tmp_path_factory):
    d = tmp_path_factory.mktemp("beacons")
    cap = beacongen.Capture()
    truth = beacongen.beacons(cap, seed=1, per_level=10)
    cap.write(str(d / "beacons.pcap"))
    return d / "beacons.pcap", truth


@pytest.fixture
def hub():
    h = FakeHub()
    yield h
    h.close()


def test_generated_beacons_detected(beacon_capture, run_sensor):
    pcap, truth = beacon_capture
    run = run_sensor(pcap, args=["--workers", "1"])
    assert run.rc == 0, run.stderr
    events = run.of("beacon")
    found, extra = beacongen.detected(truth, events)
    # Every beacon up to 20 % jitter; 30 and 40 % as measured (the score
    # degrades with jitter by design: README, "Beacon detection").
    assert found == {0.1: (10, 10), 0.2: (10, 10), 0.3: (9, 10), 0.4: (8, 10)}
    assert extra == set()
    st = run.stats["beacon"]
    assert st["beacons"] == 37
    assert st["detections"] == len(events)
    # One pair per beacon: those named by SNI or Host rotate over three
    # addresses and still make one pair each.
    assert sum(len(b["dests"]) for b in truth) == 24 * 3 + 16
    assert st["pairs_created"] == 40 and st["evicted"] == 0
    by_key = {(b["host"], b["name"] or b["dests"][0]): b for b in truth}
    for e in events:
        b = by_key[(e["src_ip"], e["beacon"].get("name") or e["dest_ip"])]
        bc = e["beacon"]
        # The period within 15 % (a median; a single interval can be off
        # by the jitter, and a median of 8 at 40 % by a fifth).
        tol = max(0.15, b["jitter"])
        assert abs(bc["interval_s"] - b["period"]) <= tol * b["period"], (e, b)
        assert 9 <= bc["count"] <= 32
        assert bc["first_seen"] < bc["last_seen"] == e["timestamp"]
        assert e["dest_ip"] in b["dests"] and e["dest_port"] == b["dst_port"]
        assert e["proto"] == b["proto"].upper()
        assert bc["jitter"] <= b["jitter"] / 2 + 0.1
        assert e["community_id"].startswith("1:") and e["flow_id"] > 0


def test_generated_benign_day_has_no_beacon(tmp_path, run_sensor):
    cap = beacongen.Capture()
    made = beacongen.benign(cap, hosts=12, seed=2)
    cap.write(str(tmp_path / "benign.pcap"))
    run = run_sensor(tmp_path / "benign.pcap", args=["--workers", "1"])
    assert run.rc == 0, run.stderr
    assert run.of("beacon") == []
    st = run.stats["beacon"]
    # Every connection but NTP's is a start (NTP is left out by port).
    assert st["observed"] == sum(n for k, n in made.items() if k != "ntp") == 11388
    assert st["pairs_created"] == 436
    assert st["scored"] > 1000  # many pairs had enough beats to be judged
    assert st["beacons"] == 0 and st["detections"] == 0


def test_no_beacon_option(beacon_capture, run_sensor):
    pcap, _ = beacon_capture
    run = run_sensor(pcap, args=["--workers", "1", "--no-beacon"])
    assert run.rc == 0
    assert run.of("beacon") == [] and "beacon" not in run.stats
    # Detection on, events off: counted, not written.
    run = run_sensor(pcap, args=["--workers", "1", "--eve-types", "flow"])
    assert run.of("beacon") == [] and run.stats["beacon"]["beacons"] == 37


def test_memory_bound_under_a_pair_sweep(tmp_path, run_sensor):
    cap = beacongen.Capture()
    info = beacongen.sweep(cap, pairs=30000)
    cap.write(str(tmp_path / "sweep.pcap"))
    run = run_sensor(tmp_path / "sweep.pcap", args=["--workers", "1", "--beacon-memcap", "1"])
    assert run.rc == 0, run.stderr
    st = run.stats["beacon"]
    assert st["memcap"] == 1 << 20
    assert st["memory"] <= st["memcap"]
    assert st["pairs_created"] == info["pairs"] == 30001
    assert st["evicted"] > 20000
    assert st["pairs"] + st["evicted"] + st["expired"] == st["pairs_created"]
    # The beacon kept its history through the evictions: reported at its
    # ninth beat and again an hour later, with every connection counted.
    ev = run.of("beacon")
    assert [(e["src_ip"], e["dest_ip"], e["beacon"]["report"]) for e in ev] == \
        [("10.3.0.1", "203.0.113.200", 1), ("10.3.0.1", "203.0.113.200", 2)]
    assert ev[1]["beacon"]["connections"] == 69
    assert ev[1]["beacon"]["interval_s"] == 60


def posted_beacons(hub):
    out = []
    for ctype, body in hub.beacons:
        assert ctype == "application/json"
        b = json.loads(body)
        assert set(b) == {"beacons"}
        out += b["beacons"]
    return out


def test_beacons_posted_to_the_hub_with_hashed_hosts(tmp_path, beacon_capture, run_sensor, hub):
    pcap, truth = beacon_capture
    key = bytes(range(32))
    (tmp_path / "host.key").write_bytes(key)
    run = run_sensor(pcap, args=["--workers", "1", "--hub", hub.base, "--token", hub.token,
                                 "--sightings-interval", "100",
                                 "--host-key", str(tmp_path / "host.key")])
    assert run.rc == 0, run.stderr
    events = run.of("beacon")
    posted = posted_beacons(hub)
    assert len(posted) == len(events) == run.stats["sightings"]["beacons_posted"]
    assert run.stats["sightings"]["beacons_dropped"] == 0
    assert ("POST", "/api/v1/beacons") in hub.requests
    for raw in (b for _, b in hub.beacons):
        for h in {b["host"] for b in truth}:
            assert h.encode() not in raw  # internal hosts travel hashed only
    hashes = {hmac.new(key, b["host"].encode(), hashlib.sha256).hexdigest(): b for b in truth}
    for p, e in zip(posted, events):
        assert set(p) == BEACON_FIELDS
        b = hashes[p["host_hash"]]
        assert b["host"] == e["src_ip"]
        assert p["dest"] == e["dest_ip"] and p["dst_port"] == e["dest_port"]
        assert p["name"] == b["name"]  # null for pairs keyed by address
        assert p["proto"] == b["proto"]
        assert p["count"] == e["beacon"]["count"]
        assert abs(p["interval_s"] - e["beacon"]["interval_s"]) < 0.0015
        assert abs(p["score"] - e["beacon"]["score"]) < 0.001
        assert p["first_seen"].endswith("Z") and p["first_seen"][:19] == e["beacon"]["first_seen"][:19]
        assert p["last_seen"][:19] == e["timestamp"][:19]


def test_shared_hosts_and_a_hub_that_fails(tmp_path, beacon_capture, run_sensor, hub):
    pcap, truth = beacon_capture
    spool = tmp_path / "spool"
    hub.beacons_mode = "fail"
    args = ["--workers", "1", "--hub", hub.base, "--token", hub.token,
            "--sightings-interval", "100", "--spool", str(spool), "--share-hosts"]
    run = run_sensor(pcap, args=args)
    assert run.rc == 0, run.stderr
    n = len(run.of("beacon"))
    assert run.stats["sightings"]["beacons_posted"] == 0
    assert run.stats["sightings"]["beacons_waiting"] >= 1
    assert list(spool.glob("beacons-*.json"))
    # The hub is back: the next run delivers the spooled reports first.
    hub.beacons_mode = "ok"
    hub.beacons.clear()
    run = run_sensor(pcap, args=args + ["--no-beacon"])
    assert run.rc == 0, run.stderr
    posted = posted_beacons(hub)
    assert len(posted) == n
    assert not list(spool.glob("beacons-*.json"))
    hosts = {b["host"] for b in truth}
    assert all(p["host"] in hosts and set(p) == BEACON_FIELDS | {"host"} for p in posted)


def test_beacons_at_a_real_hub_become_infected_hosts(tmp_path, beacon_capture, run_sensor):
    """A member's sensor reports its beacons to a real hub. A beacon no
    indicator names is evidence on its own only at score >= 0.7 (README,
    "Infected hosts"): exactly those hosts get records, owned by the
    reporting member (no owner prefix covers them), state detected."""
    pcap, truth = beacon_capture
    (tmp_path / "hub").mkdir()
    hub = Hub(tmp_path / "hub")
    try:
        hub.org("A", sector="energy")
        hub.org("B", sector="finance")
        hub.org("OPS", sector="government")
        sensor, admin, b = hub.token("A", "sensor"), hub.token("OPS", "admin"), hub.token("B")
        run = run_sensor(pcap, args=["--workers", "1", "--hub", hub.base, "--token", sensor,
                                     "--share-hosts", "--sightings-interval", "100"])
        assert run.rc == 0, run.stderr
        events = run.of("beacon")
        assert run.stats["sightings"]["beacons_posted"] == len(events) > 0, \
            (run.stats["sightings"], (tmp_path / "hub" / "hub.log").read_text()[-3000:])
        assert run.stats["sightings"]["beacons_dropped"] == 0
        strong = {e["src_ip"] for e in events if e["beacon"]["score"] >= 0.7}
        weak = {e["src_ip"] for e in events} - strong
        assert strong and weak  # the fixed inputs hold both kinds
        r = hub.get("/api/v1/hosts", admin, accept="application/json")
        assert r.status_code == 200, r.text
        hosts = r.json()["hosts"]
        assert {h["host"] for h in hosts} == strong
        assert all(h["owner"] == "A" and h["family"] == "unknown" and h["state"] == "detected"
                   for h in hosts)
        # Another member sees none of A's hosts.
        r = hub.get("/api/v1/hosts", b, accept="application/json")
        assert r.status_code == 200 and r.json()["hosts"] == []
    finally:
        check_clean_exit(hub)
