"""End-to-end: every indicator file format, generated here with known
content, read by the real binary (`yagura intel export --format csv` lists
what was loaded, value by value; `yagura sensor --intel` alerts on it); a
malformed file gives one report naming file and line; the real feeds in
../shared/data/intel load in full when present."""
import base64
import json
import pathlib
import subprocess

import pytest

import pcapgen as g

SHARED = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "intel"

MISP_EVENT = {"Event": {"uuid": "5f1e0b8c-0000-4000-8000-000000000001", "info": "e2e", "Attribute": [
    {"type": "ip-dst", "value": "192.0.2.60", "to_ids": True},
    {"type": "domain|ip", "value": "misp.example|192.0.2.62", "to_ids": True},
    {"type": "sha256", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "to_ids": True},
    {"type": "domain", "value": "context-only.example", "to_ids": False}]}}

# name -> (file text, explicit format, {(type, value)} expected)
CASES = {
    "ipsum.txt": ("# IPsum\n192.0.2.7\t9\n198.51.100.23\t7\n", "plain",
                  {("ip", "192.0.2.7"), ("ip", "198.51.100.23")}),
    "trailing.txt": ("192.0.2.1 # scanner\n192.0.2.2 ; ref 17\n192.0.2.3:8080\n"
                     "https://phish.example/login\n", "plain",
                     {("ip", "192.0.2.1"), ("ip", "192.0.2.2"), ("ip", "192.0.2.3"),
                      ("url", "phish.example/login")}),
    "hosts": ("127.0.0.1 localhost\n0.0.0.0 ads.example track.example\n", "hosts",
              {("domain", "ads.example"), ("domain", "track.example")}),
    "drop.txt": ("; Spamhaus DROP\n1.10.16.0/20 ; SBL256894\n", "netset",
                 {("ip", "1.10.16.0/20")}),
    "drop_v4.json": ('{"cidr":"1.10.16.0/20","sblid":"SBL1","rir":"apnic"}\n'
                     '{"type":"metadata","records":1}\n', "drop-json", {("ip", "1.10.16.0/20")}),
    "adblock.txt": ("[Adblock Plus 2.0]\n! Title: phishing\n||phish.example^\n"
                    "||login.example^$third-party\n@@||good.example^\n", "adblock",
                    {("domain", "phish.example"), ("domain", "login.example")}),
    "dnsmasq.conf": ("address=/ads.example/0.0.0.0\nserver=/c2.example/\n", "dnsmasq",
                     {("domain", "ads.example"), ("domain", "c2.example")}),
    "unbound.conf": ('server:\nlocal-zone: "ads.example" always_nxdomain\n'
                     'local-data: "c2.example A 0.0.0.0"\n', "unbound",
                     {("domain", "ads.example"), ("domain", "c2.example")}),
    "zone.rpz": ("$TTL 300\n@ IN SOA localhost. root.localhost. 1 3600 600 86400 300\n"
                 "@ IN NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\n"
                 "32.7.2.0.192.rpz-ip CNAME .\n", "rpz",
                 {("domain", "bad.example"), ("ip", "192.0.2.7")}),
    "feed.csv": ("first_seen,dst_ip,port\n2024-01-01,192.0.2.40,443\n", "csv",
                 {("ip", "192.0.2.40")}),
    "dataset.lst": ("".join(base64.b64encode(v.encode()).decode() + "\n"
                            for v in ["evil.example", "http://bad.example/x"]), "suricata-dataset",
                    {("domain", "evil.example"), ("url", "bad.example/x")}),
    "bundle.json": (json.dumps({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
         "pattern": "[domain-name:value = 'stix.example']"}]}), "stix",
        {("domain", "stix.example")}),
    "event.json": (json.dumps(MISP_EVENT), "misp",
                   {("ip", "192.0.2.60"), ("domain", "misp.example"), ("ip", "192.0.2.62"),
                    ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")}),
}


def export_csv(yagura, *intel):
    cmd = [yagura, "intel", "export", "--format", "csv", "--source", "e2e", "-q"]
    for i in intel:
        cmd += ["--intel", str(i)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env={"SOURCE_DATE_EPOCH": "1700000000", "PATH": "/usr/bin:/bin"})
    assert "AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
    rows = [line.split(",") for line in p.stdout.splitlines()
            if line and not line.startswith("#") and not line.startswith("type,")]
    return p, {(r[0], r[1]) for r in rows}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_format_detected_and_named(yagura, tmp_path, name):
    text, fmt, want = CASES[name]
    f = tmp_path / name
    f.write_text(text)
    p, got = export_csv(yagura, f)
    assert p.returncode == 0, p.stderr
    assert got == want
    p, got = export_csv(yagura, f"{fmt}:{f}")
    assert p.returncode == 0, p.stderr
    assert got == want


def test_misp_feed_folder(yagura, tmp_path):
    feed = tmp_path / "misp"
    feed.mkdir()
    uuid = MISP_EVENT["Event"]["uuid"]
    (feed / "manifest.json").write_text(json.dumps({uuid: {"info": "e2e", "timestamp": "1"}}))
    (feed / f"{uuid}.json").write_text(json.dumps(MISP_EVENT))
    (feed / "hashes.csv").write_text("x,y\n")
    p, got = export_csv(yagura, feed)
    assert p.returncode == 0, p.stderr
    assert got == CASES["event.json"][2]


def test_malformed_file_reported_once(yagura, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("kept.example\n")
    bad = tmp_path / "page.html"
    bad.write_text("<html>\n<head><title>moved</title></head>\n"
                   + "".join(f"<p>row {i}</p>\n" for i in range(500)) + "</html>\n")
    p, got = export_csv(yagura, good, bad)
    assert p.returncode == 1
    assert got == {("domain", "kept.example")}
    lines = [x for x in p.stderr.splitlines() if x.startswith("intel:")]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"intel: {bad}:1: format not recognized")
    assert "503 of 503 entries rejected" in lines[0]


def test_sensor_alerts_from_adblock_and_ipsum(yagura, tmp_path, run_sensor):
    ab = tmp_path / "phish.txt"
    ab.write_text("[Adblock Plus 2.0]\n! phishing\n||phish.example^$third-party\n")
    ip = tmp_path / "ipsum.txt"
    ip.write_text("# IPsum\n203.0.113.66\t8\n")
    frames = []
    q = g.dns_query("login.phish.example")
    frames += g.udp_exchange(("10.1.0.16", 50030), ("10.1.0.2", 53), [(True, q)], start=1700000000.0)
    frames += g.tcp_session(("10.1.0.17", 50031), ("203.0.113.66", 443), start=1700000001.0)
    pcap = tmp_path / "t.pcap"
    g.write_pcap(pcap, frames)
    run = run_sensor(pcap, intel=[ab, f"plain:{ip}"], args=["--home-net", "10.0.0.0/8"])
    assert run.rc == 0, run.stderr
    got = sorted((a["alert"]["metadata"]["matched_on"][0], a["alert"]["metadata"]["indicator"][0],
                  a["alert"]["metadata"]["source"][0]) for a in run.of("alert"))
    assert got == sorted([("dns.query", "phish.example", str(ab)),
                          ("flow.dest_ip", "203.0.113.66", str(ip))]), got


SHARED_FEEDS = ["ipsum__level4.txt", "adaway__hosts.txt", "firehol__spamhaus_drop.netset",
                "maltrail__mass_scanner_cidr.txt", "phishdb__phishing-links-NEW-today.txt"]


@pytest.mark.parametrize("name", SHARED_FEEDS)
def test_shared_feeds_load_in_full(yagura, name):
    f = SHARED / name
    if not f.exists():
        pytest.skip(f"{f} not present (shared data)")
    p, got = export_csv(yagura, f)
    assert p.returncode == 0, p.stderr
    lines = [x.split()[0] for x in f.read_text(errors="replace").splitlines()
             if x.strip() and not x.lstrip().startswith(("#", ";"))]
    if name.startswith("adaway"):
        lines = [x for x in f.read_text().splitlines() if x.strip() and not x.startswith("#")
                 and x.split()[1] not in ("localhost",)]
    assert len(got) >= len(set(lines)) * 0.99, (len(got), len(lines))
