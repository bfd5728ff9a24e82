"""End-to-end: warning lists (the shipped data/warninglists and a list of
one's own) keep values that must never be indicators by themselves out of
the sensor's set and out of exports, and say what was held back, per feed
and per list."""
import pathlib
import subprocess

import pcapgen as g

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "warninglists"

# 185.220.101.1 stands for a real hostile address: the documentation
# ranges (192.0.2.0/24, 203.0.113.0/24...) are on the shipped "reserved" list.
FEED = """# a feed that lists a resolver, a popular site, private and test space
8.8.8.8
185.220.101.1
google.com
phish.example
10.0.0.0/8
203.0.113.66
"""


def test_sensor_holds_back_warning_listed_values(tmp_path, run_sensor):
    feed = tmp_path / "feed.txt"
    feed.write_text(FEED)
    own = tmp_path / "members"
    own.mkdir()
    (own / "member-domains.txt").write_text("phish.example\n")  # a member's own domain
    frames = []
    t = 1700000000.0
    for i, (dst, name) in enumerate([("8.8.8.8", "google.com"), ("185.220.101.1", "phish.example")]):
        frames += g.udp_exchange(("10.1.0.16", 50030 + i), (dst, 53),
                                 [(True, g.dns_query(name))], start=t + i)
    frames += g.tcp_session(("10.1.0.17", 50040), ("10.9.9.9", 443), start=t + 5)
    pcap = tmp_path / "t.pcap"
    g.write_pcap(pcap, frames)
    run = run_sensor(pcap, intel=[feed],
                     args=["--home-net", "192.168.0.0/16", "--warninglist", str(SHIPPED),
                           "--warninglist", str(own)])
    assert run.rc == 0, run.stderr
    got = sorted((a["alert"]["metadata"]["matched_on"][0], a["alert"]["metadata"]["indicator"][0])
                 for a in run.of("alert"))
    assert got == [("flow.dest_ip", "185.220.101.1")], got
    err = run.stderr
    assert f"intel: {feed}: 1 values held back (warning list public-dns)" in err, err
    assert f"intel: {feed}: 1 values held back (warning list popular-domains)" in err, err
    assert f"intel: {feed}: 2 values held back (warning list reserved)" in err, err
    assert f"intel: {feed}: 1 values held back (warning list member-domains)" in err, err


def test_sensor_without_warning_lists_keeps_them(tmp_path, run_sensor):
    feed = tmp_path / "feed.txt"
    feed.write_text(FEED)
    frames = g.udp_exchange(("10.1.0.16", 50030), ("8.8.8.8", 53),
                            [(True, g.dns_query("google.com"))], start=1700000000.0)
    pcap = tmp_path / "t.pcap"
    g.write_pcap(pcap, frames)
    run = run_sensor(pcap, intel=[feed], args=["--home-net", "192.168.0.0/16"])
    assert run.rc == 0, run.stderr
    got = sorted(a["alert"]["metadata"]["indicator"][0] for a in run.of("alert"))
    # 10.0.0.0/8 matches the internal client itself: what the list prevents
    assert got == ["10.0.0.0/8", "8.8.8.8", "google.com"], got
    assert "held back" not in run.stderr


def test_export_leaves_them_out(yagura, tmp_path):
    feed = tmp_path / "feed.txt"
    feed.write_text(FEED)
    p = subprocess.run([yagura, "intel", "export", "--format", "ips", "--intel", str(feed),
                        "--warninglist", str(SHIPPED)], capture_output=True, text=True,
                       timeout=120, env={"SOURCE_DATE_EPOCH": "1700000000", "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr
    assert "AddressSanitizer" not in p.stderr
    ips = [x for x in p.stdout.splitlines() if x and not x.startswith("#")]
    assert ips == ["185.220.101.1"], p.stdout
    assert "4 held back by warning lists" in p.stderr
    assert f"intel: {feed}:2: 8.8.8.8 held back (warning list public-dns)" in p.stderr
