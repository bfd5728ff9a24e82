"""Conditional pcap (--pcap-log, issue 22): a generated capture with flows
that alert at their first packet (an indicator address), in the middle (an
HTTP Host and a DNS name, after the handshake), and flows that never
alert, read with several workers. The files written must open in tshark
and hold exactly the alerting flows' frames, byte for byte, from each
flow's first packet; every alert names a file that holds its packet; a
small --pcap-log-max keeps the ring within its bound by deleting the
oldest files."""
import pathlib
import shutil
import struct
import subprocess

import pytest

import pcapgen as g
from conftest import SensorRun, yagura_bin

T0 = g.DEFAULT_START
BAD_IP = "198.51.100.7"
BAD_HOST = "evil.example"
TSHARK = shutil.which("tshark")

pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed "
                                "(Debian package 'tshark'; scripts/setup.sh installs it)")


def read_pcap(path):
    """[(ts_us, frame bytes)] of a little-endian microsecond pcap file."""
    b = path.read_bytes()
    magic, _, _, _, _, _, linktype = struct.unpack_from("<IHHiIII", b, 0)
    assert magic == 0xA1B2C3D4 and linktype == 1, path
    out, off = [], 24
    while off < len(b):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", b, off)
        out.append((sec * 1000000 + usec, b[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    assert off == len(b), f"{path}: a cut record"
    return out


def tshark_tuples(path):
    """The 5-tuples tshark reads from a file (it must open it)."""
    out = subprocess.run([TSHARK, "-r", str(path), "-T", "fields", "-E", "separator=,", "-e",
                          "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
                          "-e", "udp.srcport", "-e", "udp.dstport"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [tuple(line.split(",")) for line in out.splitlines()]


def flow_key(frame):
    """Both directions' (addresses, ports) of an Ethernet/IPv4 TCP or UDP frame."""
    ihl = (frame[14] & 0x0F) * 4
    proto = frame[23]
    src, dst = frame[26:30], frame[30:34]
    sport, dport = struct.unpack_from("!HH", frame, 14 + ihl)
    return (proto,) + tuple(sorted([(src, sport), (dst, dport)]))


def capture():
    """Frames, and the flow keys that must alert."""
    frames, bad = [], set()
    t = T0
    def add(fs, alerting):
        frames.extend(fs)
        if alerting:
            bad.add(flow_key(fs[0][1]))
    for i in range(12):  # alert at the first packet: the server is an indicator
        add(g.tcp_session((f"10.0.1.{i + 1}", 40000 + i), (BAD_IP, 80),
                          client_payload=g.http_request(host="c2.example", url=f"/b{i}"),
                          server_payload=g.http_response(body=b"x" * 3000), start=t + i * 0.1),
            True)
    for i in range(8):  # alert at the request, after the handshake
        add(g.tcp_session((f"10.0.2.{i + 1}", 41000 + i), ("192.0.2.80", 80),
                          client_payload=g.http_request(host=BAD_HOST, url=f"/h{i}"),
                          server_payload=g.http_response(body=b"y" * 2000), start=t + 2 + i * 0.1),
            True)
    for i in range(6):  # a DNS question for the name
        add(g.udp_exchange((f"10.0.3.{i + 1}", 53000 + i), ("192.0.2.53", 53),
                           [(True, g.dns_query(BAD_HOST, ident=0x100 + i)),
                            (False, g.dns_response(BAD_HOST, answers=[("A", "192.0.2.80")],
                                                   ident=0x100 + i))],
                           start=t + 3 + i * 0.1), True)
    for i in range(30):  # never alert
        add(g.tcp_session((f"10.0.4.{i + 1}", 42000 + i), ("192.0.2.90", 80),
                          client_payload=g.http_request(host="benign.example", url=f"/n{i}"),
                          server_payload=g.http_response(body=b"z" * 2500), start=t + 4 + i * 0.05),
            False)
        add(g.udp_exchange((f"10.0.5.{i + 1}", 54000 + i), ("192.0.2.53", 53),
                           [(True, g.dns_query("benign.example", ident=0x200 + i)),
                            (False, g.dns_response("benign.example", answers=[("A", "192.0.2.90")],
                                                   ident=0x200 + i))],
                           start=t + 4 + i * 0.05), False)
    return sorted(frames, key=lambda f: f[0]), bad


def run(d, pcap, logdir, *extra):
    eve = d / f"eve-{logdir.name}.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", "3", "--intel", str(d / "intel.txt"),
                           "--pcap-log", str(logdir), *extra],
                          capture_output=True, text=True, timeout=300)
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    r = SensorRun(proc, eve)  # every event validates against the schemas
    assert r.rc == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("pcaplog")
    frames, bad = capture()
    pcap = d / "in.pcap"
    g.write_pcap(str(pcap), frames)
    (d / "intel.txt").write_text(f"{BAD_IP}\n{BAD_HOST}\n")
    logdir = d / "ring"
    logdir.mkdir()
    return {"d": d, "frames": frames, "bad": bad, "pcap": pcap, "logdir": logdir,
            "run": run(d, pcap, logdir)}


def ring_files(logdir):
    return sorted(logdir.glob("yagura.*.pcap"))


def test_files_hold_exactly_the_alerting_flows(world):
    files = ring_files(world["logdir"])
    assert files
    written = [rec for f in files for rec in read_pcap(f)]
    want = [(ts, fr) for ts, fr in read_pcap(world["pcap"]) if flow_key(fr) in world["bad"]]
    # Flows go to the ring at their alerts, interleaved by worker: compare
    # each flow's frames in order, and the whole as a multiset.
    def by_flow(recs):
        out = {}
        for ts, fr in recs:
            out.setdefault(flow_key(fr), []).append((ts, fr))
        return out
    got, exp = by_flow(written), by_flow(want)
    assert set(got) == world["bad"] == set(exp)
    for k in exp:
        assert got[k] == exp[k], f"flow {k}: {len(got[k])} frames written, {len(exp[k])} expected"
    # tshark opens every file and reads the same flows from them.
    tuples = set()
    for f in files:
        tuples.update(tshark_tuples(f))
    def txt(k):
        return frozenset((".".join(map(str, a)), str(p)) for a, p in k[1:])
    def of_tshark(t):
        sp, dp = (t[2], t[3]) if t[2] else (t[4], t[5])
        return frozenset([(t[0], sp), (t[1], dp)])
    assert {of_tshark(t) for t in tuples} == {txt(k) for k in world["bad"]}
    st = world["run"].stats["pcap_log"]
    assert st["written"] == len(want) and st["not_kept"] == 0 and st["dropped"] == 0
    assert st["deleted"] == 0 and st["files"] == len(files)


def test_alerts_name_a_file_with_their_packet(world):
    alerts = world["run"].of("alert")
    assert len(alerts) == 12 + 8 + 6
    for a in alerts:
        path = pathlib.Path(a["capture_file"])
        assert path.parent == world["logdir"]
        ip = lambda s: bytes(map(int, s.split(".")))
        key = ({"TCP": 6, "UDP": 17}[a["proto"]],) + tuple(sorted(
            [(ip(a["src_ip"]), a["src_port"]), (ip(a["dest_ip"]), a["dest_port"])]))
        assert key in {flow_key(fr) for _, fr in read_pcap(path)}, (path, key)


def test_ring_stays_within_its_bound(world):
    """1 MiB for 2.5 MiB of alerting traffic: files rotate, the oldest go."""
    d = world["d"]
    frames = []
    for i in range(40):
        frames += g.tcp_session((f"10.0.6.{i + 1}", 43000 + i), (BAD_IP, 443),
                                client_payload=b"\x00" * 200,
                                server_payload=bytes(range(256)) * 240, start=T0 + i * 0.2)
    pcap = d / "big.pcap"
    g.write_pcap(str(pcap), sorted(frames, key=lambda f: f[0]))
    logdir = d / "small"
    logdir.mkdir()
    (logdir / "yagura.0000000001.000001.pcap").write_bytes(b"\0" * 300000)  # an earlier run's
    r = run(d, pcap, logdir, "--pcap-log-max", "1")
    files = ring_files(logdir)
    total = sum(f.stat().st_size for f in files)
    assert total <= 1 << 20, total
    assert not (logdir / "yagura.0000000001.000001.pcap").exists()
    st = r.stats["pcap_log"]
    assert st["deleted"] >= 2 and st["files"] >= 10 and st["dropped"] == 0
    assert st["written"] == len(frames)
    kept = [rec for f in files for rec in read_pcap(f)]
    assert sum(16 + len(fr) for _, fr in kept) + 24 * len(files) == total
    assert all(flow_key(fr)[1][0] == bytes([198, 51, 100, 7]) or
               flow_key(fr)[2][0] == bytes([198, 51, 100, 7]) for _, fr in kept)
    for f in (files[0], files[-1]):  # tshark starts slowly: two of them
        assert all(BAD_IP in t[:2] for t in tshark_tuples(f))
    # What is kept is the end of the traffic: the capture's last frame.
    assert sorted(frames, key=lambda f: f[0])[-1][1] in {fr for _, fr in kept}
