"""EVE to a Unix socket (stream and datagram) and to syslog (RFC 5424),
received by real listeners the test starts (Python's socketserver); a
reader that does not read costs lines, counted in yagura_stats.outputs,
never the run."""
import json
import re
import socket
import socketserver
import subprocess
import threading

import pytest

import pcapgen as g
from conftest import SensorRun, yagura_bin

SYSLOG_RE = re.compile(r"^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S+) yagura (\d+) eve - (\{.*\})$")


class Listener:
    """A Unix socket server in a thread that keeps what it receives."""

    def __init__(self, path, kind, read=True):
        self.items, self.done = [], threading.Event()
        outer = self

        class Stream(socketserver.StreamRequestHandler):
            def handle(self):
                if not read:
                    outer.done.wait(30)  # never reads: the sensor must not wait for us
                    return
                for line in self.rfile:
                    outer.items.append(line.decode())
                outer.done.set()

        class Dgram(socketserver.BaseRequestHandler):
            def handle(self):
                outer.items.append(self.request[0].decode())

        if kind == "stream":
            self.srv = socketserver.ThreadingUnixStreamServer(str(path), Stream)
        else:
            self.srv = socketserver.UnixDatagramServer(str(path), Dgram)
            self.srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.done.set()
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("outputs")
    pcap, intel = d / "demo.pcap", d / "intel.txt"
    g.write_pcap(str(pcap), g.demo_frames())
    intel.write_text(g.DEMO_INTEL)
    return d, pcap, intel


def sensor(d, pcap, intel, name, *args):
    eve = d / f"{name}.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", "1", "--intel", str(intel), *args],
                          capture_output=True, text=True, timeout=120)
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    run = SensorRun(proc, eve)
    assert run.rc == 0, run.stderr
    return run, eve.read_text().splitlines()


def test_stream_socket_and_syslog(demo):
    d, pcap, intel = demo
    st, sl = Listener(d / "eve.sock", "stream"), Listener(d / "log.sock", "dgram")
    try:
        run, lines = sensor(d, pcap, intel, "s1", "--eve-socket", str(d / "eve.sock"),
                            "--eve-syslog", "local5", "--eve-syslog-socket", str(d / "log.sock"),
                            "--eve-syslog-types", "alert,tls")
        assert st.done.wait(30), "the stream was not closed at exit"
    finally:
        st.close()
        sl.close()
    # The stream gets every line, byte for byte, in order.
    assert [x.rstrip("\n") for x in st.items] == lines
    assert len(lines) > 10
    # Syslog: one RFC 5424 message per alert or tls event, facility local5.
    want = [json.loads(x) for x in lines if json.loads(x)["event_type"] in ("alert", "tls")]
    assert len(want) >= 5
    got = []
    for m in sl.items:
        mm = SYSLOG_RE.match(m)
        assert mm, m[:200]
        assert int(mm.group(1)) == 21 * 8 + 6
        got.append(json.loads(mm.group(5)))
    assert got == want
    outs = run.stats["outputs"]
    assert [o["type"] for o in outs] == ["unix_stream", "syslog"]
    # The counters are read when the stats are written, which on a loaded
    # machine can come before the outputs' threads sent every line or made
    # their first connection (every line above still arrived, as compared):
    # never more lines than there were, none dropped, never a reconnect.
    assert outs[1]["lines"] <= len(want) and outs[1]["dropped"] == 0
    assert outs[0]["dropped"] == 0 and outs[0]["connects"] <= 1


def test_datagram_socket(demo):
    d, pcap, intel = demo
    dg = Listener(d / "dg.sock", "dgram")
    try:
        run, lines = sensor(d, pcap, intel, "s2", "--eve-socket", "unix_dgram:" + str(d / "dg.sock"),
                            "--eve-socket-types", "alert,dns,flow")
    finally:
        dg.close()
    want = [x for x in lines if json.loads(x)["event_type"] in ("alert", "dns", "flow")]
    assert dg.items == want
    assert run.stats["outputs"][0]["type"] == "unix_dgram"


def test_file_types_leave_the_socket_whole(demo):
    """--eve-file-types picks the file's types; the socket keeps all."""
    d, pcap, intel = demo
    st = Listener(d / "ft.sock", "stream")
    try:
        run, lines = sensor(d, pcap, intel, "s3", "--eve-socket", str(d / "ft.sock"),
                            "--eve-file-types", "alert,tls,stats,yagura_stats")
        assert st.done.wait(30), "the stream was not closed at exit"
    finally:
        st.close()
    every = [x.rstrip("\n") for x in st.items]
    types = {json.loads(x)["event_type"] for x in every}
    assert {"dns", "flow", "alert", "tls"} <= types
    want = [x for x in every if json.loads(x)["event_type"] in
            ("alert", "tls", "stats", "yagura_stats")]
    # yagura_stats counts the stream's lines as it is written: compare the rest.
    strip = lambda xs: [x for x in xs if '"yagura_stats"' not in x[:120]]
    assert strip(lines) == strip(want) and len(run.of("alert")) >= 3
    bad = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", "none",
                          "--eve-file-types", "alert,nosuch"], capture_output=True, text=True)
    assert bad.returncode == 2 and "'nosuch' is not an event type" in bad.stderr


def test_slow_reader_costs_lines_not_the_run(demo, tmp_path):
    d, _, intel = demo
    # Enough bytes to overflow a 1 MiB queue and the socket's buffer, in
    # few events (DNS responses with 40 answers each: ~3 KB a line).
    frames = []
    answers = [("A", f"192.0.2.{k}") for k in range(1, 41)]
    for i in range(700):
        frames += g.dns_lookup(("10.0.0.5", 20000 + i), ("192.0.2.53", 53),
                               f"host{i}.{'x' * 40}.example", answers=answers,
                               start=g.DEFAULT_START + i * 0.01)
    pcap = tmp_path / "many.pcap"
    g.write_pcap(str(pcap), sorted(frames, key=lambda f: f[0]))
    slow = Listener(tmp_path / "slow.sock", "stream", read=False)
    try:
        run, lines = sensor(tmp_path, pcap, intel, "s3", "--eve-socket", str(tmp_path / "slow.sock"),
                            "--eve-queue", "1", "--eve-types", "dns")
    finally:
        slow.close()
    assert len(lines) == 1400 + 2  # the file has every line
    out = run.stats["outputs"][0]
    assert out["dropped"] > 0
    assert out["lines"] + out["dropped"] < len(lines)
    # No listener at all: every datagram is refused and counted.
    run, lines = sensor(tmp_path, g_pcap_small(tmp_path), intel, "s4", "--eve-socket",
                        "unix_dgram:" + str(tmp_path / "nobody.sock"))
    out = run.stats["outputs"][0]
    assert out["lines"] == 0 and out["dropped"] == len(lines) - 2  # all but yagura_stats and stats


def g_pcap_small(d):
    p = d / "small.pcap"
    g.write_pcap(str(p), g.dns_lookup(("10.0.0.5", 30000), ("192.0.2.53", 53), "a.example",
                                      answers=[("A", "192.0.2.1")]))
    return p
