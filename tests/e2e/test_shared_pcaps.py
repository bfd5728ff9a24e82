"""Runs the sensor over every real capture in ../shared/data/pcap and
compares what it decoded (DNS query names, TLS SNI, HTTP hosts, response
status codes and content types) with what
tshark decodes from the same files. Disagreements fail unless listed in
KNOWN_DIFFERENCES with the reason."""
import collections
import shutil
import subprocess

import pytest

from conftest import SHARED_DATA

PCAP_DIR = SHARED_DATA / "pcap"

# (file, field, value, "missing"|"extra") -> why we differ from tshark.
KNOWN_DIFFERENCES = {
    ("ndpi__malformed_dns.pcap", "dns", "<Name too long>", "missing"):
        "tshark's placeholder for a name over 255 octets; the sensor rejects the name "
        "(app.dns_name_too_long) instead of logging a made-up value",
    ("ndpi__smtp-starttls.pcap", "sni", "dovecot.weberlab.de", "missing"):
        "the ClientHello follows SMTP STARTTLS; the sensor recognises SMTP (app_proto) "
        "but does not follow it to STARTTLS",
    # tshark has no heuristic for cleartext HTTP/2 off its ports (it needs
    # -d tcp.port==3000,http2); test_sensor_http2.py compares this capture
    # with tshark told so, stream by stream.
    ("sv__http2-basic.pcap", "http", "localhost", "extra"):
        "HTTP/2 on port 3000, which tshark decodes only when told the port",
    ("sv__http2-basic.pcap", "status", "200", "extra"):
        "HTTP/2 on port 3000, which tshark decodes only when told the port",
}


def pcaps():
    if not PCAP_DIR.is_dir():
        return []
    return sorted(p for p in PCAP_DIR.iterdir() if p.suffix in (".pcap", ".pcapng"))


def strip_port(host):
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    if host.count(":") == 1:
        h, p = host.rsplit(":", 1)
        if p.isdigit():
            return h
    return host


# dns query names, TLS SNI, HTTP hosts, HTTP response status codes and
# response content types.
FIELDS = ("dns", "sni", "http", "status", "ctype")


def tshark_values(pcap):
    fields = ["dns.qry.name", "tls.handshake.type", "tls.handshake.extensions_server_name",
              "http.host", "http.request.method", "http.response.code", "http.content_type"]
    cmd = ["tshark", "-n", "-r", str(pcap), "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=\x1f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    got = {f: set() for f in FIELDS}
    for line in out.splitlines():
        cols = (line.split("\t") + [""] * len(fields))[: len(fields)]
        for name in filter(None, cols[0].split("\x1f")):
            got["dns"].add("" if name == "<Root>" else name)
        for sni in filter(None, cols[2].split("\x1f")):
            got["sni"].add(sni)
        if cols[4]:
            for host in filter(None, cols[3].split("\x1f")):
                got["http"].add(strip_port(host))
        if cols[5]:
            # A response: its status and content type.
            for code in filter(None, cols[5].split("\x1f")):
                got["status"].add(code)
            for ctype in filter(None, cols[6].split("\x1f")):
                got["ctype"].add(ctype)
    return got


def sensor_values(run):
    got = {f: set() for f in FIELDS}
    for e in run.of("dns"):
        for q in e["dns"].get("queries", []):
            got["dns"].add(q["rrname"])
    for e in run.of("tls"):
        if "sni" in e["tls"]:
            got["sni"].add(e["tls"]["sni"])
    for e in run.of("http"):
        if "hostname" in e["http"]:
            got["http"].add(e["http"]["hostname"])
        if "status" in e["http"]:
            got["status"].add(str(e["http"]["status"]))
        if "http_content_type" in e["http"]:
            got["ctype"].add(e["http"]["http_content_type"])
    return got


@pytest.mark.skipif(not PCAP_DIR.is_dir(), reason=f"{PCAP_DIR} is absent: no real captures to compare")
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_agrees_with_tshark(run_sensor):
    agree = total = 0
    problems = []
    per_field = collections.Counter()
    for pcap in pcaps():
        run = run_sensor(pcap)
        assert run.rc in (0, 1), f"{pcap.name}: exit {run.rc}: {run.stderr[-500:]}"
        assert len(run.of("stats")) == 1, f"{pcap.name}: no stats event"
        ours, theirs = sensor_values(run), tshark_values(pcap)
        for field in FIELDS:
            for v in theirs[field] | ours[field]:
                total += 1
                if v in theirs[field] and v in ours[field]:
                    agree += 1
                    per_field[field] += 1
                    continue
                kind = "missing" if v in theirs[field] else "extra"
                if (pcap.name, field, v, kind) in KNOWN_DIFFERENCES:
                    continue
                problems.append(f"{pcap.name}: {field} {kind}: {v!r}")
    print(f"\nagreement with tshark: {agree}/{total} values "
          f"({', '.join(f'{f} {per_field[f]}' for f in FIELDS)}); "
          f"{len(KNOWN_DIFFERENCES)} documented differences")
    assert not problems, "undocumented disagreements with tshark:\n" + "\n".join(problems)


@pytest.mark.skipif(not PCAP_DIR.is_dir(), reason=f"{PCAP_DIR} is absent")
def test_every_capture_ends_with_stats(run_sensor):
    for pcap in pcaps():
        run = run_sensor(pcap, args=["--workers", "2"])
        assert run.rc in (0, 1), f"{pcap.name}: exit {run.rc}: {run.stderr[-500:]}"
        st = run.stats
        assert st["decoder"]["pkts"] > 0 or run.rc == 1, pcap.name
