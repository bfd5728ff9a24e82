"""The closed loop, first part: a member shares an indicator at the hub
and another member's running sensor alerts on it about a second later;
TLP is decided by the hub, and a hub that goes away leaves the sensor
detecting with its last set."""
import signal
import socket
import subprocess
import threading
import time

import pytest

import pcapgen as g
from conftest import rrname
from hubfixture import TLP, Hub, check_clean_exit, indicator
from test_sensor_live import LiveSensor

PORT = 53


def dom(name, tlp):
    o = indicator(tlp=tlp)
    o["pattern"] = f"[domain-name:value = '{name}']"
    return o


def query(name, ident):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(g.dns_query(name, ident=ident), ("127.0.0.1", PORT))


class HubSensor(LiveSensor):
    def __init__(self, yagura, tmp_path, hub_url, token_file):
        self.eve = tmp_path / "hub-eve.json"
        self.lines = []
        self.proc = subprocess.Popen(
            [yagura, "sensor", "-i", "lo", "--bpf", f"udp and dst port {PORT} and host 127.0.0.1",
             "--hub", hub_url, "--token-file", str(token_file), "--hub-interval", "200",
             "--eve", str(self.eve), "--home-net", "127.0.0.0/8"],
            stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def updates(self):
        return sum("indicator set updated" in ln for ln in self.lines)

    def alerts_for(self, name):
        return [e for e in self.events() if e["event_type"] == "alert"
                and e["alert"]["metadata"]["matched_value"] == [name]]


def test_shared_indicator_reaches_another_members_sensor(yagura, tmp_path):
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    hub = Hub(hub_dir)
    hub.org("A")
    hub.org("B")
    ta, tb = hub.token("A"), hub.token("B")
    coll = hub.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
    token_file = tmp_path / "b.token"
    token_file.write_text(tb + "\n")
    sensor = HubSensor(yagura, tmp_path, hub.base, token_file)
    try:
        if not sensor.wait_stderr("capturing on lo"):
            sensor.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert sensor.wait_stderr("indicator set updated"), "".join(sensor.lines)
        assert tb not in "".join(sensor.lines), "the token must never be logged"

        # A shares a GREEN indicator: B's sensor has it within a few polls.
        green = dom("hub-shared.example", "green")
        before = sensor.updates()
        t0 = time.time()
        assert hub.post_objects(coll, ta, [green]).status_code == 202
        deadline = time.time() + 15
        while sensor.updates() == before and time.time() < deadline:
            time.sleep(0.02)
        assert sensor.updates() > before, "".join(sensor.lines)
        print(f"\ntime to protect: {time.time() - t0:.3f} s")
        query("www.hub-shared.example", 1)
        hits = sensor.wait_event(lambda e: e["event_type"] == "alert"
                                 and e["alert"]["metadata"]["matched_value"] == ["www.hub-shared.example"])
        assert hits and hits[0]["alert"]["metadata"]["stix_id"] == [green["id"]]

        # AMBER+STRICT stays with A: B's set does not change and B never alerts.
        updates = sensor.updates()
        assert hub.post_objects(coll, ta, [dom("strict-only.example", "amber+strict")]).status_code == 202
        time.sleep(1.0)
        assert sensor.updates() == updates
        query("strict-only.example", 2)
        assert sensor.wait_event(lambda e: e["event_type"] == "dns"
                                 and rrname(e) == "strict-only.example")
        assert not sensor.alerts_for("strict-only.example")

        # The hub goes away: the sensor says so and keeps its last set.
        check_clean_exit(hub)
        assert sensor.wait_stderr("keeping the last indicator set"), "".join(sensor.lines)
        query("again.hub-shared.example", 3)
        assert sensor.wait_event(lambda e: e["event_type"] == "alert"
                                 and e["alert"]["metadata"]["matched_value"] == ["again.hub-shared.example"])
    finally:
        if sensor.proc.poll() is None:
            sensor.proc.send_signal(signal.SIGTERM)
        rc = sensor.proc.wait(timeout=30)
        sensor.reader.join(timeout=5)
        if getattr(hub, "stopped", None) is None:
            hub.stop()
    assert rc == 0, "".join(sensor.lines)
    assert not any("AddressSanitizer" in ln or "runtime error" in ln for ln in sensor.lines)


def test_refused_token_and_missing_token(yagura, tmp_path):
    r = subprocess.run([yagura, "sensor", "-r", "x.pcap", "--hub", "http://127.0.0.1:1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--token" in r.stderr
    pcap = tmp_path / "d.pcap"
    g.write_pcap(str(pcap), g.dns_lookup(("10.0.0.5", 40000), ("10.0.0.53", 53), "x.example", [],
                                         start=g.DEFAULT_START))
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    hub = Hub(hub_dir)
    try:
        bad = "f" * 64
        r = subprocess.run([yagura, "sensor", "-r", str(pcap), "--hub", hub.base, "--token", bad,
                            "--eve", str(tmp_path / "e.json")], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r.stderr
        assert "answered 401: the token is not accepted" in r.stderr
        assert bad not in r.stderr
    finally:
        check_clean_exit(hub)
