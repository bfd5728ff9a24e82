"""The darknet telescope in the sensor (issue 13, sensor half).

A capture from tests/e2e/telescopegen.py (known truth: which scanner sent
what, the backscatter of a flood at a known rate, a worm surge on one port)
is read with --darknet; the EVE events and the bodies POSTed to the hub are
checked against the truth.

Tolerances: packet and byte counts are exact. Distinct counts are
HyperLogLog estimates (src/darknet/hll.h): per-port sources and new
sources within 20 % (256 registers: at 61 sources linear counting has a
4.6 % standard deviation, so 20 % is over four deviations), per-source destination counts within 30 % (13 %). The
attack rate estimated from backscatter is within 25 % of the flood's true
rate: the telescope's replies are a Poisson sample of mean 179 (standard
deviation 7.5 %), so 25 % is more than three deviations.
"""
import datetime
import ipaddress
import json
import os
import shutil
import subprocess
import time

import pytest

import pcapgen as g
import telescopegen as tg

HOURS = 1  # baseline hours before the surge: enough for these checks, small


def norm(ip):
    return str(ipaddress.ip_address(ip))


@pytest.fixture(scope="module")
def telescope(tmp_path_factory):
    d = tmp_path_factory.mktemp("telescope")
    pcap, research = d / "telescope.pcap", d / "research.txt"
    truth = tg.write(str(pcap), hours=HOURS, research_path=str(research))
    return pcap, research, truth


def darknet_args(research, extra=()):
    return ["--darknet", tg.TELESCOPE_V4, "--darknet", tg.TELESCOPE_V6,
            "--darknet-research", str(research), "--geoip-dir", "/nonexistent", "--workers", "2",
            *extra]


@pytest.fixture(scope="module")
def run(telescope, tmp_path_factory):
    from conftest import SensorRun, yagura_bin
    pcap, research, truth = telescope
    eve = tmp_path_factory.mktemp("eve") / "eve.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve),
                           *darknet_args(research)], capture_output=True, text=True, timeout=300)
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return SensorRun(proc, eve), truth


def window(events, start):
    return [e for e in events if (e.get("darknet") or e.get("darknet_victim") or
                                  e.get("darknet_stats"))["window_start"] == start]


def test_scanner_classes_and_fingerprints(run):
    r, truth = run
    core = {norm(e["src_ip"]): e["darknet"] for e in window(r.of("darknet"), truth["core_window"])}
    for ip, want in truth["scanners"].items():
        got = core.get(norm(ip))
        assert got, f"no darknet event for {ip}"
        assert got["class"] == want["class"], ip
        assert got["fingerprint"] == want["fingerprint"], ip
        assert got["packets"] == want["packets"], ip
        if "research_name" in want:
            assert got["research_name"] == want["research_name"]
        assert abs(got["dest_count"] - want["packets"]) <= 0.3 * want["packets"] + 2, (ip, got)
    # Mirai's ports are 23 and 2323, most packets on 23.
    assert core[norm(tg.MIRAI)]["ports"][:2] == [23, 2323]
    assert core[norm(tg.ICMP_SCANNER)]["ports"] == [8]
    # No source outside the telescope traffic shows up as a darknet source.
    assert "10.0.0.5" not in core and "203.0.113.7" not in core


def test_victims_and_attack_rate(run):
    r, truth = run
    got = {}
    for e in window(r.of("darknet_victim"), truth["core_window"]):
        v = e["darknet_victim"]
        got[(norm(e["src_ip"]), v["proto"], v.get("port"))] = v
    for v in truth["victims"]:
        k = (v["ip"], v["proto"], v.get("port"))
        assert k in got, f"victim {k} missing: {sorted(got)}"
        assert got[k]["packets"] == v["packets"]
        assert got[k]["est_pps"] == pytest.approx(v["packets"] / 60 * 2 ** 32 / 256, rel=1e-3)
        if "attack_pps" in v:
            assert abs(got[k]["est_pps"] - v["attack_pps"]) <= 0.25 * v["attack_pps"]
    assert len(got) == len(truth["victims"])
    # The victims are also sources of class backscatter, their ports the attacked ones.
    src = {norm(e["src_ip"]): e["darknet"] for e in window(r.of("darknet"), truth["core_window"])}
    assert src[tg.VICTIM_SYNACK]["class"] == "backscatter"
    assert src[tg.VICTIM_SYNACK]["ports"] == [80]
    assert src[tg.ROUTER]["class"] == "backscatter"


def test_anomalies_counted_as_other(run):
    r, truth = run
    st = window(r.of("darknet_stats"), truth["core_window"])
    assert len(st) == 1
    a = st[0]["darknet_stats"]["anomalies"]
    for k in ("truncated", "fragment", "bad_checksum", "bad_flags"):
        assert a[k] == truth["anomalies"][k], k
    src = {norm(e["src_ip"]): e["darknet"] for e in window(r.of("darknet"), truth["core_window"])}
    assert src[tg.ANOMALY_SRC]["classes"] == {"other": 4}


def test_port_series_and_surge(run):
    r, truth = run
    stats = {e["darknet_stats"]["window_start"]: e["darknet_stats"] for e in r.of("darknet_stats")}
    assert len(stats) == HOURS * 60 + tg.SURGE_MINUTES
    for w in truth["surge"]["windows"]:
        ports = {(p["proto"], p["port"]): p for p in stats[w["window_start"]]["ports"]}
        p = ports[("tcp", tg.SURGE_PORT)]
        assert p["packets"] == w["packets"]
        assert abs(p["sources"] - w["sources"]) <= 0.2 * w["sources"]
        assert abs(p["new_sources"] - w["new_sources"]) <= 0.2 * w["new_sources"]
    # Before the surge: one probe a minute from a regular, not new after
    # the first five minutes (five regulars take turns).
    before = stats[tg._iso(tg.START + 60 * (HOURS * 60 - 1))]
    p = {(q["proto"], q["port"]): q for q in before["ports"]}[("tcp", tg.SURGE_PORT)]
    assert (p["packets"], p["sources"], p["new_sources"]) == (1, 1, 0)
    # Every window's port packets add up to its scan packets.
    for s in stats.values():
        c = s["classes"]
        assert sum(q["packets"] for q in s["ports"]) == \
            c["scan-tcp"] + c["scan-udp"] + c["scan-icmp"] + c["other"] - sum(s["anomalies"].values())


def test_rest_of_sensor_still_works(run):
    r, truth = run
    tele = ipaddress.ip_network(tg.TELESCOPE_V4)
    flows = r.of("flow")
    assert flows and all(ipaddress.ip_address(f["dest_ip"]) not in tele for f in flows)
    assert {f["src_ip"] for f in flows} == {"10.0.0.5"}
    assert r.of("dns") and r.of("http")
    # All telescope packets counted there, the rest by the workers.
    assert f"darknet: {truth['packets'] - 12} packets" in r.stderr


def test_eve_types_filter(telescope, run_sensor):
    pcap, research, truth = telescope
    r = run_sensor(pcap, args=darknet_args(research, ["--eve-types", "darknet_victim"]))
    assert r.rc == 0, r.stderr
    types = {e["event_type"] for e in r.events}
    assert types == {"darknet_victim", "stats", "yagura_stats"}


def test_bad_prefix_is_an_error(telescope, run_sensor):
    pcap, research, _ = telescope
    r = run_sensor(pcap, args=["--darknet", "198.51.100.1/24"])
    assert r.rc == 2 and "198.51.100.1/24" in r.stderr
    bad = research.parent / "bad-research.txt"
    bad.write_text("71.6.135.0/24 shodan\nnot-a-net censys\n")
    r = run_sensor(pcap, args=["--darknet", tg.TELESCOPE_V4, "--darknet-research", str(bad)])
    assert r.rc == 2 and "bad-research.txt:2" in r.stderr


def test_damaged_captures_never_crash(tmp_path, run_sensor):
    """Every malformed capture of pcapgen's set, with the whole address
    space as telescope: every packet goes down the darknet path."""
    d = tmp_path / "bad"
    names = g.write_bad_captures(str(d))
    for n in names:
        r = run_sensor(d / n, args=["--darknet", "0.0.0.0/0,::/0", "--geoip-dir", "/nonexistent"])
        # 2: a file libpcap cannot open at all; never a signal.
        assert r.rc in (0, 1, 2), (n, r.stderr)


GEOIP_DIR = os.environ.get("YG_GEOIP_DIR", "/usr/local/share/yagura/geoip")


def mmdblookup(db, ip, *path):
    out = subprocess.run(["mmdblookup", "--file", db, "--ip", ip, *path], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith('"'):
            return line.split('"')[1]
        if line and line[0].isdigit():
            return int(line.split()[0])
    return None


def csv_asn(ip):
    """The AS number of ip in GEOIP_DIR's *asn*.csv range files, as a plain
    scan (first_address,last_address,as_number,...); None when none."""
    a = ipaddress.ip_address(ip)
    for f in sorted(os.listdir(GEOIP_DIR)):
        if not (f.endswith(".csv") and "asn" in f):
            continue
        with open(os.path.join(GEOIP_DIR, f), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.split(",", 3)
                try:
                    lo, hi = ipaddress.ip_address(parts[0]), ipaddress.ip_address(parts[1])
                except (ValueError, IndexError):
                    continue
                if lo.version == a.version and lo <= a <= hi:
                    return int(parts[2])
    return None


def test_geo_matches_mmdblookup(telescope, run_sensor):
    pcap, research, truth = telescope
    dbs = sorted(f for f in os.listdir(GEOIP_DIR) if f.endswith(".mmdb")) \
        if os.path.isdir(GEOIP_DIR) else []
    if not dbs or not shutil.which("mmdblookup"):
        pytest.skip(f"no *.mmdb in {GEOIP_DIR} or no mmdblookup (scripts/setup.sh installs both)")
    r = run_sensor(pcap, args=["--darknet", tg.TELESCOPE_V4, "--geoip-dir", GEOIP_DIR])
    assert r.rc == 0, r.stderr
    checked = with_asn = 0
    for e in window(r.of("darknet"), truth["core_window"]):
        ip = e["src_ip"]
        want_cc = want_asn = None
        for db in dbs:
            p = os.path.join(GEOIP_DIR, db)
            want_cc = want_cc or mmdblookup(p, ip, "country_code") or \
                mmdblookup(p, ip, "country", "iso_code")
            want_asn = want_asn or mmdblookup(p, ip, "autonomous_system_number")
        want_asn = want_asn or csv_asn(ip)
        geo = e.get("geo", {})
        assert geo.get("country") == want_cc, ip
        assert geo.get("asn") == want_asn, ip
        checked += bool(want_cc)
        with_asn += bool(want_asn)
    assert checked >= 5, "the databases know too few of the scanners' addresses"
    print(f"\n{checked} sources with a country, {with_asn} with an AS number")


def test_windows_posted_to_hub(tmp_path, run_sensor):
    """The sensor POSTs each closed window to a real hub's /api/v1/darknet:
    the hub keeps one window per darknet_stats event the sensor wrote,
    with the sensor's figures, and its community aggregates name the
    scanners with the sensor's fingerprints. The capture is generated in
    the last hours (the hub refuses windows older than its retention)."""
    from hubfixture import Hub, check_clean_exit
    pcap, research = tmp_path / "recent.pcap", tmp_path / "research.txt"
    start = (int(time.time()) // 60 - 3 * 60) * 60
    truth = tg.write(str(pcap), hours=1, research_path=str(research), start=start)
    data = tmp_path / "hub"
    data.mkdir()
    hub = Hub(data)
    try:
        hub.org("T", sector="research")
        tok, admin = hub.token("T", "sensor"), hub.token("T", "admin")
        r = run_sensor(pcap, args=darknet_args(research, [
            "--hub", hub.base, "--token", tok, "--sensor-name", "tele-1",
            "--sightings-interval", "100"]))
        assert r.rc == 0, r.stderr
        def minute(t):  # the EVE and the hub spell times differently
            return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
        stats = {minute(e["darknet_stats"]["window_start"]): e["darknet_stats"]
                 for e in r.of("darknet_stats")}
        got = hub.get("/api/v1/darknet/sensors", admin, accept="application/json",
                      params={"limit": "1000"})
        assert got.status_code == 200, got.text
        wins = got.json()["windows"]
        assert len(wins) == len(stats) > 60
        for w in wins:
            s = stats[minute(w["window_start"])]
            assert w["sensor"] == "tele-1" and w["telescope_addresses"] == 256
            assert w["ports"] == s["ports_total"], (w, s)
        src = hub.get("/api/v1/darknet/sources", admin, accept="application/json",
                      params={"top": "1000"})
        assert src.status_code == 200, src.text
        by_ip = {x["ip"]: x for x in src.json()["sources"]}
        for ip, want in truth["scanners"].items():
            assert by_ip[ip]["fingerprint"] == want["fingerprint"], (ip, by_ip[ip])
            assert by_ip[ip]["packets"] >= want["packets"], (ip, by_ip[ip])
    finally:
        check_clean_exit(hub)


def write_many_sources(path, n, start=tg.START):
    """n SYNs from n distinct sources to the telescope, raw IPv4 link type,
    written fast: checksums updated for the changing source address."""
    import struct as st
    dst = ipaddress.ip_address("198.51.100.7").packed

    def fold(s):
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return s

    ip0 = bytearray(st.pack(">BBHHHBBH4s4s", 0x45, 0, 40, 4242, 0, 64, 6, 0, b"\0" * 4, dst))
    tcp0 = bytearray(st.pack(">HHIIBBHHH", 40000, 23, 12345, 0, 5 << 4, 0x02, 1024, 0, 0))
    ip_base = sum(st.unpack(">10H", bytes(ip0)))
    tcp_base = sum(st.unpack(">10H", bytes(tcp0))) + sum(st.unpack(">2H", dst)) + 6 + 20
    with open(path, "wb") as f:
        f.write(st.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        rec = st.Struct("<IIII")
        buf = []
        for i in range(n):
            src = 0x0b000000 + i
            hi, lo = src >> 16, src & 0xffff
            ip0[12:16] = src.to_bytes(4, "big")
            ip0[10:12] = (~fold(ip_base + hi + lo) & 0xffff).to_bytes(2, "big")
            tcp0[16:18] = (~fold(tcp_base + hi + lo) & 0xffff).to_bytes(2, "big")
            t = start + i // 40000  # 40,000 sources a second: 50 s for 2M
            buf.append(rec.pack(t, i % 1000000, 40, 40) + bytes(ip0) + bytes(tcp0))
            if len(buf) == 65536:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))


def peak_rss(cmd):
    """Peak resident set of one run of cmd, in bytes (its own rusage)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err_text = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_maxrss * 1024, p.returncode, err_text


def test_memory_bound_two_million_sources(tmp_path):
    """2,000,000 distinct sources through a 16 MB telescope: the process
    grows by less than the cap over the same sensor on a small capture,
    and the sources that did not fit are counted as evicted."""
    from conftest import yagura_bin
    big, small = tmp_path / "many.pcap", tmp_path / "few.pcap"
    n = 2_000_000
    write_many_sources(big, n)
    write_many_sources(small, 1000)
    base = [yagura_bin(), "sensor", "--darknet", tg.TELESCOPE_V4, "--darknet-memcap", "16",
            "--geoip-dir", "/nonexistent", "--workers", "1", "--eve", "/dev/null", "-r"]
    rss_small, rc, _ = peak_rss(base + [str(small)])
    assert rc == 0
    rss_big, rc, err = peak_rss(base + [str(big)])
    assert rc == 0, err
    cap = 16 << 20
    # AddressSanitizer's shadow adds an eighth of what is touched.
    limit = cap * 9 // 8 if os.environ.get("YG_SANITIZED") else cap
    grew = rss_big - rss_small
    print(f"peak RSS {rss_small >> 20} MB (1,000 sources) -> {rss_big >> 20} MB "
          f"(2,000,000 sources); grew {grew / 2**20:.1f} MB, cap 16 MB")
    assert grew < limit
    import re
    m = re.search(r"darknet: (\d+) packets .* (\d+) sources, (\d+) evicted", err)
    assert m, err
    pk, made, evicted = map(int, m.groups())
    assert pk == n and made == n
    assert evicted > n * 0.9  # room for ~45,000 records: the rest went, counted


def test_sensor_to_real_hub_flags_the_surge(tmp_path):
    """The whole telescope loop: a capture ending now is read by a sensor
    that POSTs its windows to a real hub, which flags the surge at the
    minute the generator started it and shows it to another member."""
    import hubfixture
    from conftest import yagura_bin
    now_min = int(time.time()) // 60 * 60
    hours = 1
    minutes = hours * 60 + tg.SURGE_MINUTES
    pcap, research = tmp_path / "now.pcap", tmp_path / "research.txt"
    # The last window closed a minute ago.
    truth = tg.write(str(pcap), hours=hours, research_path=str(research),
                     start=now_min - 60 * (minutes + 1))
    (tmp_path / "hub").mkdir()
    hub = hubfixture.Hub(tmp_path / "hub")
    try:
        hub.org("Telescope")
        hub.org("Member")
        tele = hub.token("Telescope", "sensor")
        member = hub.token("Member")
        tok = tmp_path / "tele.token"
        tok.write_text(tele + "\n")
        proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(tmp_path / "eve.json"),
                               *darknet_args(research, ["--hub", hub.base, "--token-file", str(tok),
                                                        "--sensor-name", "tele-1",
                                                        "--sightings-interval", "100"])],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr
        r = hub.get("/api/v1/darknet/signals", member, accept="application/json")
        assert r.status_code == 200, r.text
        sig = r.json()
        surge = truth["surge"]
        hits = [s for s in sig["signals"] if (s["proto"], s["port"]) == (surge["proto"], surge["port"])]
        assert hits, sig
        # Flagged at the generator's first surge minute, not later.
        assert hits[0]["since"][:16] == surge["minute"][:16], (hits[0], surge["minute"])
        assert hits[0]["new_sources"] >= tg.NEW_PER_MIN * 0.8
        # Every window arrived once: the series holds the surge minutes' exact packet counts.
        r = hub.get("/api/v1/darknet/ports", member, accept="application/json",
                    params={"proto": surge["proto"], "port": str(surge["port"])})
        assert r.status_code == 200, r.text
        pts = {p["t"][:16]: p["packets"] for p in r.json()["series"]}
        for wdw in surge["windows"]:
            assert pts.get(wdw["window_start"][:16]) == wdw["packets"], wdw
        # The alert level read the surge (darknet.surge_score) and voted.
        r = hub.get("/api/v1/level", member, accept="application/json")
        assert r.status_code == 200, r.text
        st = r.json()
        rules = {x["rule"] for x in st["evaluated"]["reasons"]}
        assert "darknet-surge-strong" in rules, st
        assert st["level"] >= 3, st
    finally:
        hubfixture.check_clean_exit(hub)
