"""Sightings from the sensor to the hub (issue 4): alerts on hub indicators
become STIX sightings, spooled before they are posted and delivered exactly
once; the change feed keeps the set current, and bad answers leave the last
good set in place. These cases use tests/e2e/fakehub.py, a stand-in that
can fail on cue; test_loop_hub.py-style cases against the real hub follow
the same contract."""
import json
import pathlib
import shutil
import socket
import subprocess
import threading
import time

import pytest

import pcapgen as g
from fakehub import IDENTITY, FakeHub, domain_indicator
from test_sensor_live import LiveSensor

T0 = g.DEFAULT_START


@pytest.fixture
def hub():
    h = FakeHub()
    yield h
    h.close()


def capture(tmp_path, name, lookups):
    """lookups: [(client_ip, query name)], one flow each."""
    frames = []
    for k, (client, qname) in enumerate(lookups):
        frames += g.dns_lookup((client, 41000 + k), ("192.0.2.53", 53), qname,
                               [("A", "192.0.2.99")], ident=k + 1, start=T0 + k)
    p = tmp_path / name
    g.write_pcap(str(p), frames)
    return p


def sensor(run_sensor, hub, pcap, *args, intel=()):
    # A pcap run flushes its sightings at its end; a period longer than the
    # run makes that its only flush, so a run's alerts on one indicator are
    # one sighting in one batch (the counts below). With a short period a
    # flush between two alerts (a worker descheduled under ASan) splits them.
    return run_sensor(pcap, intel=intel, args=["--hub", hub.base, "--token", hub.token,
                                               "--sightings-interval", "60000", *args])


def hub_alerts(run, ind):
    return [a for a in run.of("alert") if a["alert"]["metadata"].get("stix_id") == [ind["id"]]]


def posted_objects(hub):
    out = []
    for b in hub.posts:
        out += json.loads(b)["objects"]
    return out


def test_alerts_become_sightings_with_hashed_hosts(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    local = tmp_path / "local.txt"
    local.write_text("local-only.example\n")
    pcap = capture(tmp_path, "a.pcap", [("10.0.0.5", "www.evil.example"),
                                        ("10.0.0.5", "evil.example"),
                                        ("10.0.0.6", "cdn.evil.example"),
                                        ("10.0.0.7", "local-only.example")])
    run = sensor(run_sensor, hub, pcap, "--spool", str(tmp_path / "spool"),
                 "--sensor-name", "edge-1", intel=[local])
    assert run.rc == 0, run.stderr
    alerts = hub_alerts(run, ind)
    assert len(alerts) == 3
    # Only hub indicators become sightings: the local file's alert does not.
    assert len(run.of("alert")) == 4
    assert hub.counted == {ind["id"]: 3}
    objs = posted_objects(hub)
    assert len(objs) == 1
    s = objs[0]
    assert s["type"] == "sighting" and s["spec_version"] == "2.1"
    assert s["sighting_of_ref"] == ind["id"]
    assert s["where_sighted_refs"] == [IDENTITY]
    assert s["count"] == 3
    assert s["x_yagura_sensor"] == "edge-1"
    assert s["first_seen"] <= s["last_seen"]
    assert len(s["x_yagura_host_hashes"]) == 2
    assert all(len(h) == 64 for h in s["x_yagura_host_hashes"])
    # No internal address and nothing of the packets anywhere in what was sent.
    raw = b"".join(hub.posts)
    for leak in (b"10.0.0.5", b"10.0.0.6", b"x_yagura_hosts", b"evil.example", b"192.0.2"):
        assert leak not in raw
    st = run.stats["sightings"]
    assert st["made"] == 1 and st["posted"] == 1 and st["spooled"] == 1
    assert st["post_failures"] == 0 and st["spool_batches"] == 0
    assert run.stats["hub"]["mode"] == "changes"
    # Delivered: the spool is empty but for the host key (0600, 32 bytes).
    left = sorted(p.name for p in (tmp_path / "spool").iterdir())
    assert left == ["host.key"]
    key = tmp_path / "spool" / "host.key"
    assert key.stat().st_size == 32 and key.stat().st_mode & 0o777 == 0o600

    # The same key next run: the same host hashes to the same value.
    hub.posts.clear()
    run2 = sensor(run_sensor, hub, capture(tmp_path, "b.pcap", [("10.0.0.5", "evil.example")]),
                  "--spool", str(tmp_path / "spool"))
    assert run2.rc == 0, run2.stderr
    h2 = posted_objects(hub)[0]["x_yagura_host_hashes"]
    assert h2[0] in s["x_yagura_host_hashes"]


def test_share_hosts_sends_addresses(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    pcap = capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")])
    run = sensor(run_sensor, hub, pcap, "--share-hosts")
    assert run.rc == 0, run.stderr
    s = posted_objects(hub)[0]
    assert s["x_yagura_hosts"] == ["10.0.0.5"]
    assert len(s["x_yagura_host_hashes"]) == 1


def test_hub_down_then_back_every_sighting_once(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    spool = tmp_path / "spool"
    hub.mode = "fail"
    run1 = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [
        ("10.0.0.5", "evil.example"), ("10.0.0.6", "a.evil.example")]), "--spool", str(spool))
    assert len(hub_alerts(run1, ind)) == 2
    assert "stay in the spool" in run1.stderr
    st1 = run1.stats["sightings"]
    assert st1["post_failures"] >= 1 and st1["posted"] == 0 and st1["spool_batches"] == 1
    assert hub.counted == {}
    files = sorted(spool.glob("sightings-*.json"))
    assert len(files) == 1
    saved = files[0].read_bytes()

    # The hub is back: the next run delivers the old batch first, then its own.
    hub.mode = "ok"
    run2 = sensor(run_sensor, hub, capture(tmp_path, "b.pcap", [("10.0.0.5", "b.evil.example")]),
                  "--spool", str(spool))
    assert run2.rc == 0, run2.stderr
    assert "left by a previous run" in run2.stderr
    st2 = run2.stats["sightings"]
    assert st2["replayed"] == 1 and st2["posted"] == 2 and st2["spool_batches"] == 0
    assert hub.counted == {ind["id"]: 3}  # exactly the alerts of both runs
    assert not list(spool.glob("sightings-*.json"))

    # A batch sent again (e.g. the 200 was lost) is a duplicate, not counted twice.
    (spool / files[0].name).write_bytes(saved)
    run3 = sensor(run_sensor, hub, capture(tmp_path, "c.pcap", [("10.0.0.5", "quiet.example")]),
                  "--spool", str(spool))
    assert run3.stats["sightings"]["duplicates"] == 1
    assert hub.counted == {ind["id"]: 3}
    ids = [o["id"] for o in posted_objects(hub)]
    assert len(set(ids)) == 2


def test_token_refused_keeps_spooled_and_detecting(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    spool = tmp_path / "spool"
    # The set is in (first run); then the token is revoked mid-life.
    run1 = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")]),
                  "--spool", str(spool))
    assert hub.counted == {ind["id"]: 1}
    hub.mode = "refuse"
    run2 = sensor(run_sensor, hub, capture(tmp_path, "b.pcap", [("10.0.0.5", "x.evil.example")]),
                  "--spool", str(spool))
    assert "token refused" in run2.stderr
    assert run1.rc == 0
    assert len(list(spool.glob("sightings-*.json"))) == 1
    assert run2.stats["sightings"]["post_failures"] >= 1
    assert hub.counted == {ind["id"]: 1}


def test_unwritable_spool_keeps_detecting_and_delivers_from_memory(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    blocker = tmp_path / "plainfile"
    blocker.write_text("not a folder")
    run = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [
        ("10.0.0.5", "evil.example"), ("10.0.0.9", "evil.example")]),
        "--spool", str(blocker / "spool"))
    assert "SPOOL NOT WRITABLE" in run.stderr
    assert len(hub_alerts(run, ind)) == 2
    st = run.stats["sightings"]
    assert st["spool_write_errors"] >= 1
    assert hub.counted == {ind["id"]: 2}


def test_full_spool_drops_new_batches_keeps_old(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    hub.mode = "fail"
    spool = tmp_path / "spool"
    spool.mkdir()
    big = {"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "sighting", "spec_version": "2.1",
         "id": "sighting--00000000-0000-4000-8000-000000000001",
         "sighting_of_ref": ind["id"], "count": 1, "x_pad": "p" * (1 << 20)}]}
    old = spool / "sightings-0000000000000001.json"
    old.write_text(json.dumps(big))
    run = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")]),
                 "--spool", str(spool), "--spool-max", "1")
    assert "SPOOL FULL" in run.stderr
    assert len(hub_alerts(run, ind)) == 1  # detection goes on
    assert run.stats["sightings"]["dropped_spool_full"] == 1
    assert old.exists()
    assert len(list(spool.glob("sightings-*.json"))) == 1


def test_hub_without_change_feed_is_polled(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    hub.feed = "none"
    run = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")]))
    assert run.rc == 0, run.stderr
    assert "no change feed" in run.stderr
    assert len(hub_alerts(run, ind)) == 1
    assert run.stats["hub"]["mode"] == "poll"
    assert hub.counted == {ind["id"]: 1}


def test_paged_full_state_is_swapped_in_whole(tmp_path, run_sensor, hub):
    inds = [domain_indicator(f"paged{k}.example") for k in range(25)]
    for i in inds:
        hub.upsert(i)
    hub.page = 10
    pcap = capture(tmp_path, "a.pcap", [("10.0.0.5", "paged0.example"),
                                        ("10.0.0.5", "paged24.example")])
    run = sensor(run_sensor, hub, pcap)
    assert run.rc == 0, run.stderr
    # Three pages, one swap: the sensor never ran with a partial set.
    assert run.stderr.count("indicator set updated") == 1, run.stderr
    assert "indicator set updated: 25 indicators" in run.stderr
    assert run.stats["hub"]["resets"] == 1 and run.stats["hub"]["changes"] == 25
    assert len(run.of("alert")) == 2
    assert sum(hub.counted.values()) == 2


def test_feed_without_progress_falls_back_to_polling(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    hub.feed = "stuck"
    run = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")]))
    assert run.rc == 0, run.stderr
    assert "change feed makes no progress" in run.stderr
    assert len(hub_alerts(run, ind)) == 1
    assert run.stats["hub"]["mode"] == "poll"
    assert run.stats["hub"]["malformed"] == 1


def test_clock_skew_puts_times_on_the_hubs_clock(tmp_path, run_sensor, hub):
    ind = domain_indicator("evil.example")
    hub.upsert(ind)
    hub.skew = -3600  # the hub's clock is an hour behind ours
    run = sensor(run_sensor, hub, capture(tmp_path, "a.pcap", [("10.0.0.5", "evil.example")]))
    assert run.rc == 0, run.stderr
    assert "sighting times are corrected" in run.stderr
    s = posted_objects(hub)[0]
    hub_now = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 3600))
    assert s["created"][:13] == hub_now[:13]
    assert hub.counted == {ind["id"]: 1}


def test_bad_options(yagura, tmp_path):
    pcap = capture(tmp_path, "a.pcap", [("10.0.0.5", "x.example")])
    for args, msg in ((["--spool", str(tmp_path)], "need --hub"),
                      (["--hub", "http://127.0.0.1:1", "--token", "t", "--sightings-batch", "0"],
                       "--sightings-batch"),
                      (["--hub", "http://127.0.0.1:1", "--token", "t", "--spool-max", "x"],
                       "--spool-max")):
        p = subprocess.run([yagura, "sensor", "-r", str(pcap), "--eve", str(tmp_path / "e.json"),
                            *args], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and msg in p.stderr, p.stderr
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("short")
    p = subprocess.run([yagura, "sensor", "-r", str(pcap), "--eve", str(tmp_path / "e.json"),
                        "--hub", "http://127.0.0.1:1", "--token", "t", "--host-key", str(bad_key)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "not a 32-byte key file" in p.stderr, p.stderr


# ---------------------------------------------------------------------------
# Live capture on loopback: the change feed while the sensor runs
# ---------------------------------------------------------------------------

PORT = 53


def query(name, ident):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(g.dns_query(name, ident=ident), ("127.0.0.1", PORT))


class FeedSensor(LiveSensor):
    def __init__(self, yagura, tmp_path, hub, *extra):
        self.eve = tmp_path / "feed-eve.json"
        self.lines = []
        self.proc = subprocess.Popen(
            [yagura, "sensor", "-i", "lo", "--bpf", f"udp and dst port {PORT} and host 127.0.0.1",
             "--hub", hub.base, "--token", hub.token, "--hub-interval", "200",
             "--sightings-interval", "200", "--eve", str(self.eve),
             "--home-net", "127.0.0.0/8", *extra],
            stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def alerts_for(self, name):
        return [e for e in self.events() if e["event_type"] == "alert"
                and e["alert"]["metadata"]["matched_value"] == [name]]

    def stop(self):
        self.proc.send_signal(2)
        self.proc.wait(timeout=60)
        self.reader.join(timeout=10)


def test_feed_malformed_answer_and_revocation_live(yagura, tmp_path, hub):
    a = domain_indicator("feed-a.example")
    b = domain_indicator("feed-b.example")
    hub.upsert(a)
    s = FeedSensor(yagura, tmp_path, hub)
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("indicator set updated"), "".join(s.lines)
        # A new indicator arrives through the long poll.
        hub.upsert(b)
        end = time.time() + 10
        while sum("indicator set updated" in ln for ln in s.lines) < 2 and time.time() < end:
            time.sleep(0.02)
        query("feed-b.example", 1)
        assert s.wait_event(lambda e: e["event_type"] == "alert"
                            and e["alert"]["metadata"]["matched_value"] == ["feed-b.example"])
        # Garbage from the hub: said, and the last good set stays.
        hub.set_malformed(True)
        assert s.wait_stderr("malformed change-feed answer"), "".join(s.lines)
        query("feed-a.example", 2)
        assert s.wait_event(lambda e: e["event_type"] == "alert"
                            and e["alert"]["metadata"]["matched_value"] == ["feed-a.example"])
        # Good again; A is revoked at the hub: the sensor stops alerting on it.
        hub.set_malformed(False)
        n_updates = sum("indicator set updated" in ln for ln in s.lines)
        hub.remove(a["id"])
        end = time.time() + 15
        while sum("indicator set updated" in ln for ln in s.lines) <= n_updates \
                and time.time() < end:
            time.sleep(0.02)
        assert sum("indicator set updated" in ln for ln in s.lines) > n_updates, "".join(s.lines)
        before = len(s.alerts_for("feed-a.example"))
        query("feed-a.example", 3)
        query("feed-b.example", 4)
        end = time.time() + 15
        while len(s.alerts_for("feed-b.example")) < 2 and time.time() < end:
            time.sleep(0.05)
        assert len(s.alerts_for("feed-b.example")) == 2
        time.sleep(0.3)
        assert len(s.alerts_for("feed-a.example")) == before
    finally:
        s.stop()
    assert "AddressSanitizer" not in "".join(s.lines)
    stats = [e for e in s.events() if e["event_type"] == "yagura_stats"][0]["yagura_stats"]
    assert stats["hub"]["malformed"] >= 1
    # Every alert on a hub indicator was counted at the hub, exactly.
    alerts = [e for e in s.events() if e["event_type"] == "alert"]
    by_ind = {}
    for e in alerts:
        sid = e["alert"]["metadata"]["stix_id"][0]
        by_ind[sid] = by_ind.get(sid, 0) + 1
    assert hub.counted == by_ind


# ---------------------------------------------------------------------------
# Against the real hub: two organizations, live capture on loopback
# ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_iso(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + offset))


def real_dom(name, tlp, **kw):
    from hubfixture import indicator
    t = now_iso()
    o = indicator(tlp=tlp, created=t, modified=t, **kw)
    o["pattern"] = f"[domain-name:value = '{name}']"
    return o


class HubSensor(FeedSensor):
    def __init__(self, yagura, tmp_path, base, token_file, spool, *extra):
        self.eve = tmp_path / "hub-eve.json"
        self.lines = []
        self.proc = subprocess.Popen(
            [yagura, "sensor", "-i", "lo", "--bpf", f"udp and dst port {PORT} and host 127.0.0.1",
             "--hub", base, "--token-file", str(token_file), "--hub-interval", "200",
             "--sightings-interval", "200", "--spool", str(spool), "--eve", str(self.eve),
             "--home-net", "127.0.0.0/8", *extra],
            stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()


def wait_for(pred, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def sightings_at(hub, ind, token):
    r = hub.get(f"/api/v1/indicators/{ind['id']}/sightings", token, accept="application/json")
    assert r.status_code == 200, r.text
    return r.json()


def two_orgs(tmp_path, port):
    from hubfixture import Hub
    d = tmp_path / "hub"
    d.mkdir(exist_ok=True)
    hub = Hub(d, args=("--listen", f"127.0.0.1:{port}"))
    hub.org("A")
    hub.org("B", sector="water")
    ta, tb = hub.token("A"), hub.token("B", role="sensor")
    coll = hub.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
    tf = tmp_path / "b.token"
    tf.write_text(tb + "\n")
    return hub, ta, tb, coll, tf


def test_real_hub_killed_and_restarted_every_sighting_once(yagura, tmp_path):
    from hubfixture import Hub, check_clean_exit
    port = free_port()
    hub, ta, tb, coll, tf = two_orgs(tmp_path, port)
    green = real_dom("loop-green.example", "green")
    strict = real_dom("loop-strict.example", "amber+strict")
    assert hub.post_objects(coll, ta, [green, strict]).status_code == 202
    s = HubSensor(yagura, tmp_path, hub.base, tf, tmp_path / "spool")
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            hub.stop()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("indicator set updated: 1 indicators"), "".join(s.lines)
        query("loop-green.example", 1)
        query("loop-strict.example", 2)  # AMBER+STRICT of A never reaches B
        assert s.wait_event(lambda e: e["event_type"] == "alert")
        assert wait_for(lambda: sightings_at(hub, green, tb)["count"] == 1)

        # The hub dies while B's sensor keeps seeing traffic.
        hub.proc.kill()
        hub.proc.wait()
        hub.log.close()
        for k in range(3):
            query("loop-green.example", 10 + k)
        assert wait_for(lambda: len(s.alerts_for("loop-green.example")) == 4)
        assert s.wait_stderr("sightings stay in the spool"), "".join(s.lines)

        # Back on the same port with the same store: the spool drains.
        hub = Hub(tmp_path / "hub", args=("--listen", f"127.0.0.1:{port}"))
        assert wait_for(lambda: sightings_at(hub, green, tb)["count"] == 4, timeout=30), \
            "".join(s.lines)
        query("loop-green.example", 20)
        assert wait_for(lambda: len(s.alerts_for("loop-green.example")) == 5)
    finally:
        s.stop()
    try:
        alerts = [e for e in s.events() if e["event_type"] == "alert"]
        assert not [a for a in alerts if a["alert"]["metadata"]["matched_value"]
                    == ["loop-strict.example"]]
        agg = sightings_at(hub, green, tb)
        assert agg["count"] == len(alerts) == 5  # exactly once: none lost, none twice
        assert agg["organizations"] == 1 and agg["sectors"] == 1
        assert [o["org"] for o in agg["by_org"]] == ["B"]
        # A (not an operator) sees the totals, but not who saw it.
        assert sightings_at(hub, green, ta)["by_org"] == []
        st = [e for e in s.events() if e["event_type"] == "yagura_stats"][0]["yagura_stats"]["sightings"]
        assert st["post_failures"] >= 1 and st["replayed"] >= 1 and st["spool_batches"] == 0
        assert not list((tmp_path / "spool").glob("sightings-*.json"))
    finally:
        check_clean_exit(hub)


def test_real_hub_revocations(yagura, tmp_path):
    from hubfixture import check_clean_exit
    hub, ta, tb, coll, tf = two_orgs(tmp_path, free_port())
    gone = real_dom("rev-gone.example", "green")
    kept = real_dom("rev-kept.example", "green")
    assert hub.post_objects(coll, ta, [gone, kept]).status_code == 202
    s = HubSensor(yagura, tmp_path, hub.base, tf, tmp_path / "spool")
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            hub.stop()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("indicator set updated: 2 indicators"), "".join(s.lines)
        query("rev-gone.example", 1)
        assert wait_for(lambda: len(s.alerts_for("rev-gone.example")) == 1)

        # A revokes the indicator: B's sensor stops alerting on it.
        rev = dict(gone, modified=now_iso(1), revoked=True)
        assert hub.post_objects(coll, ta, [rev]).status_code == 202
        assert s.wait_stderr("indicator set updated: 1 indicators"), "".join(s.lines)
        query("rev-gone.example", 2)
        query("rev-kept.example", 3)
        assert wait_for(lambda: len(s.alerts_for("rev-kept.example")) == 1)
        time.sleep(0.3)
        assert len(s.alerts_for("rev-gone.example")) == 1

        # B's token is revoked mid-run: said; detection goes on; sightings spool.
        assert wait_for(lambda: sightings_at(hub, kept, ta)["count"] == 1)
        hub.admin("token", "revoke", tb)
        assert s.wait_stderr("the token is not accepted"), "".join(s.lines)
        query("rev-kept.example", 4)
        assert wait_for(lambda: len(s.alerts_for("rev-kept.example")) == 2)
        assert s.wait_stderr("token refused"), "".join(s.lines)
    finally:
        s.stop()
    try:
        assert sightings_at(hub, kept, ta)["count"] == 1
        assert len(list((tmp_path / "spool").glob("sightings-*.json"))) == 1
        st = [e for e in s.events() if e["event_type"] == "yagura_stats"][0]["yagura_stats"]
        assert st["sightings"]["spool_batches"] == 1
        assert st["hub"]["failures"] >= 1
    finally:
        check_clean_exit(hub)


def test_real_hub_down_at_start(yagura, tmp_path):
    """A sensor started while its hub is down detects with its own files,
    says the hub cannot be reached, and takes the hub's set (and delivers
    the sightings it spooled meanwhile) once the hub is up."""
    from hubfixture import Hub, check_clean_exit
    port = free_port()
    hub, ta, tb, coll, tf = two_orgs(tmp_path, port)
    green = real_dom("late-green.example", "green")
    assert hub.post_objects(coll, ta, [green]).status_code == 202
    hub.stop()
    local = tmp_path / "local.txt"
    local.write_text("local-only.example\n")
    s = HubSensor(yagura, tmp_path, f"http://127.0.0.1:{port}", tf, tmp_path / "spool",
                  "--intel", str(local))
    hub = None
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("hub"), "".join(s.lines)
        query("local-only.example", 1)
        query("late-green.example", 2)  # not known yet: the hub is down
        assert wait_for(lambda: len(s.alerts_for("local-only.example")) == 1)
        assert not s.alerts_for("late-green.example")
        said = "".join(s.lines)
        assert "hub: Failed to connect" in said and "keeping the last indicator set" in said, said

        hub = Hub(tmp_path / "hub", args=("--listen", f"127.0.0.1:{port}"))
        # The hub's one indicator beside the file's one.
        assert s.wait_stderr("indicator set updated: 2 indicators live"), "".join(s.lines)
        query("late-green.example", 3)
        assert wait_for(lambda: len(s.alerts_for("late-green.example")) == 1)
        query("local-only.example", 4)  # the file's indicators stay live beside the hub's
        assert wait_for(lambda: len(s.alerts_for("local-only.example")) == 2)
        assert wait_for(lambda: sightings_at(hub, green, tb)["count"] == 1)
    finally:
        s.stop()
    if hub:
        check_clean_exit(hub)
