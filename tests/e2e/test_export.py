"""End-to-end tests of `yagura intel export`: each format checked by its real
consumer where Debian has one (nft -c, named-checkzone), by a grammar check
here where it does not (Suricata, Snort 3, Zeek), and the STIX bundle by the
sensor itself alerting on a generated capture."""
import re
import shutil
import subprocess

import pytest

import pcapgen as g

INTEL = """# hostile and ordinary values
192.0.2.1
198.51.100.0/24
10.1.2.3/8
2001:db8::/32
2001:DB8:0:0:1::1
evil.example
B\u00fccher.example
http://malware.example:8080/gate.php?id=1
http://q.example/a";b|c\\\\d
/panel/admin.php
d41d8cd98f00b204e9800998ecf8427e
"""


@pytest.fixture
def intel(tmp_path):
    p = tmp_path / "intel.txt"
    p.write_text(INTEL)
    return p


def export(yagura, fmt, intel, *args, env_time="1700000000", check=True):
    cmd = [yagura, "intel", "export", "--format", fmt, "--intel", str(intel), "--source", "e2e"]
    cmd += list(args)
    env = {"SOURCE_DATE_EPOCH": env_time, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    p = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
    assert b"AddressSanitizer" not in p.stderr and b"runtime error" not in p.stderr, p.stderr
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_deterministic_with_etag(yagura, intel, tmp_path):
    for fmt in ["suricata", "snort3", "zeek", "nftables", "rpz", "ips", "domains", "urls",
                "csv", "stix"]:
        a = export(yagura, fmt, intel)
        b = export(yagura, fmt, intel)
        assert a.stdout == b.stdout and len(a.stdout) > 100, fmt
        assert b"source: e2e" in a.stdout or b"yagura export: e2e" in a.stdout
        out = tmp_path / ("o." + fmt)
        e = export(yagura, fmt, intel, "--out", str(out), "--etag")
        assert out.read_bytes() == a.stdout
        etag = e.stdout.decode().strip()
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag
        later = export(yagura, fmt, intel, "--out", str(out), "--etag", env_time="1700000060")
        assert later.stdout.decode().strip() != etag
    a = export(yagura, "ips", intel, "--time", "2023-11-14T22:13:20Z")
    assert b"# generated: 2023-11-14T22:13:20.000Z\n" in a.stdout
    assert a.stdout == export(yagura, "ips", intel).stdout


def test_lists_canonical(yagura, intel):
    ips = export(yagura, "ips", intel).stdout.decode().splitlines()
    assert [l for l in ips if not l.startswith("#")] == [
        "10.0.0.0/8", "192.0.2.1", "198.51.100.0/24", "2001:db8::/32", "2001:db8::1:0:0:1"]
    doms = export(yagura, "domains", intel).stdout.decode().splitlines()
    assert [l for l in doms if not l.startswith("#")] == ["evil.example", "xn--bcher-kva.example"]


def test_nftables_checked_by_nft(yagura, intel, tmp_path):
    nft = shutil.which("nft") or "/usr/sbin/nft"
    if not shutil.which(nft):
        pytest.skip("nft not installed (Debian package nftables; scripts/setup.sh installs it)")
    for extra in [[], ["--nft-drop", "--nft-table", "yg_test"]]:
        out = tmp_path / "rules.nft"
        export(yagura, "nftables", intel, "--out", str(out), *extra)
        text = out.read_text()
        assert "\t\t\t10.0.0.0/8,\n" in text and "\t\t\t2001:db8::/32,\n" in text
        p = subprocess.run([nft, "-c", "-f", str(out)], capture_output=True, text=True)
        if p.returncode and ("Operation not permitted" in p.stderr or "netlink" in p.stderr.lower()):
            pytest.skip(f"nft -c cannot run in this sandbox: {p.stderr.strip()}")
        assert p.returncode == 0, p.stderr + text


@pytest.mark.parametrize("policy", ["nxdomain", "walled-garden=garden.example"])
def test_rpz_checked_by_named_checkzone(yagura, intel, tmp_path, policy):
    ck = shutil.which("named-checkzone") or "/usr/bin/named-checkzone"
    if not shutil.which(ck):
        pytest.skip("named-checkzone not installed (Debian package bind9-utils)")
    out = tmp_path / "db.rpz"
    export(yagura, "rpz", intel, "--out", str(out), "--rpz-policy", policy)
    text = out.read_text()
    target = "." if policy == "nxdomain" else "garden.example."
    assert f"\nevil.example\tCNAME\t{target}\n*.evil.example\tCNAME\t{target}\n" in text
    assert f"\n32.1.2.0.192.rpz-ip\tCNAME\t{target}\n" in text
    p = subprocess.run([ck, "rpz.yagura", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr + text
    assert "loaded serial 1700000000" in p.stdout


def test_rpz_bad_garden_is_usage_error(yagura, intel):
    p = export(yagura, "rpz", intel, "--rpz-policy", "walled-garden=bad host;", check=False)
    assert p.returncode == 2 and p.stdout == b""


# Grammar of one rule: action proto header ( option; ... ) with every
# content a quoted string free of raw '"', ';' and '\'.
OPT = r'[a-z0-9_.]+(?::(?:"(?:[^"\\;]|\\.)*"|[^;"]*))?(?:,[a-z_]+)*'
CONTENT = re.compile(r'content:"([^"]*)"')


def check_rules(text, snort, action="alert"):
    rules = [l for l in text.splitlines() if l and not l.startswith("#")]
    head = action + (r' (?:ip|udp|tcp|dns|tls|http)(?: \[?[^ ()]+\]? [a-z0-9]+ -> \[?[^ ()]+\]? [a-z0-9]+)? '
            if snort else
            r' (?:ip|dns|tls|http) \[?[^ ()]+\]? [a-z0-9]+ -> \[?[^ ()]+\]? [a-z0-9]+ ')
    body = (r'\( (?:' + OPT + r'; )+\)' if snort else r'\((?:' + OPT + r'; )*' + OPT + r';\)')
    sids = []
    for r in rules:
        assert re.fullmatch(head + body, r), r
        for c in CONTENT.findall(r):
            # hex runs are |xx xx|; outside them no '"', ';', '\\' or '|'
            assert re.fullmatch(r'(?:[^"\\;|]|\|[0-9a-f]{2}(?: [0-9a-f]{2})*\|)*', c), c
        sids.append(int(re.search(r"sid:(\d+);", r).group(1)))
    assert len(sids) == len(set(sids))
    return rules


def test_suricata_rules_grammar(yagura, intel, tmp_path):
    text = export(yagura, "suricata", intel).stdout.decode()
    rules = check_rules(text, snort=False)
    assert 'dns.query; dotprefix; content:".evil.example"; nocase; endswith;' in text
    assert 'tls.sni; dotprefix; content:".xn--bcher-kva.example"; nocase; endswith;' in text
    assert 'http.uri; content:"/a|22 3b|b|7c|c|5c 5c|d"; startswith;' in text
    assert len(rules) == 2 + 3 * 2 + 3
    ds = tmp_path / "ds"
    ds.mkdir()
    text = export(yagura, "suricata", intel, "--dataset-dir", str(ds)).stdout.decode()
    check_rules(text, snort=False)
    assert f"dns.query; dataset:isset,yagura-domains,type string,load {ds}/yagura-domains.lst;" in text
    assert (ds / "yagura-domains.lst").read_text() == "ZXZpbC5leGFtcGxl\neG4tLWJjaGVyLWt2YS5leGFtcGxl\n"
    # Blocking: the same rules, each one dropping (Suricata inline).
    blocking = check_rules(export(yagura, "suricata", intel, "--block").stdout.decode(),
                           snort=False, action="drop")
    assert [r.split(" ", 1)[1] for r in blocking] == [r.split(" ", 1)[1] for r in rules]


def test_snort3_rules_grammar(yagura, intel):
    text = export(yagura, "snort3", intel).stdout.decode()
    check_rules(text, snort=True)
    assert 'content:"|04|evil|07|example|00|",fast_pattern,nocase; service:dns;' in text
    assert 'ssl_state:client_hello; content:"|00 00 0c|evil.example",nocase;' in text
    rules = check_rules(text, snort=True)
    blocking = check_rules(export(yagura, "snort3", intel, "--block").stdout.decode(),
                           snort=True, action="drop")
    assert [r.split(" ", 1)[1] for r in blocking] == [r.split(" ", 1)[1] for r in rules]


def test_zeek_intel_grammar(yagura, intel):
    lines = export(yagura, "zeek", intel).stdout.decode().split("\n")
    assert lines[-1] == ""
    fields = [l for l in lines if l.startswith("#fields")]
    assert fields == ["#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc"]
    data = [l.split("\t") for l in lines[:-1] if not l.startswith("#")]
    types = {"Intel::ADDR", "Intel::SUBNET", "Intel::DOMAIN", "Intel::URL", "Intel::FILE_HASH"}
    for f in data:
        assert len(f) == 4 and f[1] in types and all(x for x in f), f
    assert ["evil.example", "Intel::DOMAIN"] == data[[d[0] for d in data].index("evil.example")][:2]
    assert ["2001:db8::/32", "Intel::SUBNET"] in [d[:2] for d in data]


def test_csv_loads_back(yagura, intel, tmp_path):
    out = tmp_path / "export.csv"
    export(yagura, "csv", intel, "--out", str(out))
    again = export(yagura, "csv", out).stdout.decode()
    rows = lambda t: [l.split(",", 2)[:2] for l in t.splitlines() if not l.startswith("#")]
    assert rows(again) == rows(out.read_text())


def test_stix_round_trip_through_sensor(yagura, intel, tmp_path, run_sensor):
    bundle = tmp_path / "export.json"
    export(yagura, "stix", intel, "--out", str(bundle))
    frames = g.dns_lookup(("10.0.0.5", 40000), ("10.0.0.53", 53), "www.evil.example",
                          [("A", "192.0.2.1")], start=g.DEFAULT_START)
    pcap = tmp_path / "dns.pcap"
    g.write_pcap(str(pcap), frames)
    run = run_sensor(pcap, intel=[bundle])
    assert run.rc == 0, run.stderr
    hits = [a for a in run.of("alert") if a["alert"]["metadata"]["indicator"] == ["evil.example"]]
    assert hits, run.of("alert")
    assert hits[0]["alert"]["metadata"]["stix_id"][0].startswith("indicator--")
    # the bundle loads back to the same set as the source
    assert export(yagura, "csv", bundle).stdout.split(b"\n")[3:] != []
    rows = lambda b: sorted(l.split(b",")[:2][1] for l in b.splitlines()[4:])
    assert rows(export(yagura, "csv", bundle).stdout) == rows(export(yagura, "csv", intel).stdout)
