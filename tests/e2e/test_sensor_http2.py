"""Cleartext HTTP/2 (prior knowledge): one http event per stream with
app_proto http2, as Suricata 8 writes them, its fields compared with
tshark's HTTP/2 dissector on a generated capture and on the shared
suricata-verify one; the :authority host matched against indicators like
an HTTP/1 Host; broken framing and HPACK counted as anomalies."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import pcapgen as g

T0 = g.DEFAULT_START
CLIENT, SERVER = ("10.0.0.5", 42000), ("192.0.2.80", 8080)
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pcap"
UA = "pcapgen-h2/1.0"


def write(tmp_path, name, frames):
    p = tmp_path / name
    g.write_pcap(str(p), sorted(frames, key=lambda f: f[0]))
    return p


def h2c_capture(tmp_path):
    """Three requests on one connection: a GET whose header block goes on
    in a CONTINUATION and whose 70 kB answer spans many segments; a POST
    with padding, a priority and a body, answered 404 in padded DATA; a
    GET the server resets. Then the client's GOAWAY."""
    cq, sq = g.HpackEncoder(), g.HpackEncoder()
    # The block is cut inside its first field (a literal), so that
    # tshark, which shows what a partial block decodes to on the HEADERS
    # frame, shows everything on the CONTINUATION.
    req1 = cq.encode([(":authority", "h2.evil.example:8080"), (":method", "GET"), (":scheme", "http"),
                      (":path", "/index.html"), ("user-agent", UA), ("accept", "*/*")])
    req3 = cq.encode([(":method", "POST"), (":scheme", "http"), (":authority", "h2.evil.example:8080"),
                      (":path", "/form"), ("user-agent", UA), ("content-type", "text/plain"),
                      ("referer", "http://h2.evil.example:8080/index.html")])
    req5 = cq.encode([(":method", "GET"), (":scheme", "http"), (":authority", "h2.evil.example:8080"),
                      (":path", "/slow"), ("user-agent", UA)])
    client = (g.H2_PREFACE + g.h2_settings([(3, 100), (4, 65535)]) +
              g.h2_headers(1, req1, end=True, split=3) +
              g.h2_headers(3, req3, pad=5, weight=15) + g.h2_data(3, b"a=1&b=2", end=True) +
              g.h2_headers(5, req5, end=True) +
              g.h2_settings(ack=True) + g.h2_goaway(0, 0))
    body1 = bytes(range(256)) * 280  # 71680 bytes: DATA frames of 16384
    resp1 = sq.encode([(":status", "200"), ("content-type", "text/html"),
                       ("content-length", str(len(body1))), ("server", "pcapgen")])
    resp3 = sq.encode([(":status", "404"), ("content-type", "text/plain"), ("server", "pcapgen")])
    server = g.h2_settings([(3, 128)]) + g.h2_settings(ack=True) + g.h2_headers(1, resp1)
    for i in range(0, len(body1), 16384):
        chunk = body1[i:i + 16384]
        server += g.h2_data(1, chunk, end=i + 16384 >= len(body1))
    server += g.h2_headers(3, resp3) + g.h2_data(3, b"not here", end=True, pad=4)
    server += g.h2_rst(5, 8)  # CANCEL
    frames = g.tcp_session(CLIENT, SERVER, client_payload=client, server_payload=server,
                           split_at=[30, 60, 100], server_split_at=[5, 20], start=T0)
    return write(tmp_path, "h2c.pcap", frames)


def tshark_streams(pcap, port):
    """{stream_id: {field: value}} from tshark's HTTP/2 dissector."""
    if not shutil.which("tshark"):
        pytest.skip("tshark is not installed")
    fields = ["http2.streamid", "http2.type", "http2.flags.eh", "http2.headers.method",
              "http2.headers.path", "http2.headers.authority", "http2.headers.status",
              "http2.headers.content_length", "http2.headers.user_agent"]
    cmd = ["tshark", "-n", "-r", str(pcap), "-d", f"tcp.port=={port},http2",
           "-Y", "http2.type == 1 || http2.type == 9",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, HOME=str(pcap.parent)))
    assert out.returncode == 0, out.stderr
    streams = {}
    for line in out.stdout.splitlines():
        cols = [c.split("|") for c in line.split("\t")]
        ids, types, end_headers = cols[0], cols[1], cols[2]
        # The frames that end a header block (HEADERS or CONTINUATION with
        # END_HEADERS): tshark shows a block's fields on its last frame.
        blocks = [sid for sid, t in zip(ids, types) if t in ("1", "9")]
        heads = [int(sid) for sid, eh in zip(blocks, end_headers) if eh == "1"]
        for k, name in enumerate(["method", "path", "authority", "status", "length", "ua"]):
            vals = [v for v in cols[3 + k] if v]
            if not vals:
                continue
            assert len(vals) == len(heads), f"tshark {name}: {vals} for blocks of streams {heads}"
            for sid, v in zip(heads, vals):
                streams.setdefault(sid, {})[name] = v
    return streams


def by_stream(run):
    assert run.rc == 0, run.stderr
    evs = run.of("http")
    assert all(e["app_proto"] == "http2" for e in evs)
    out = {e["http"]["http2"]["stream_id"]: e["http"] for e in evs}
    assert len(out) == len(evs), "one event per stream"
    return out


def assert_same_as_tshark(got, ts):
    for sid, t in ts.items():
        h = got[sid]
        if "method" in t:
            assert h["http_method"] == t["method"]
            assert h["url"] == t["path"]
            host = t["authority"].rsplit(":", 1)
            assert h["hostname"] == host[0] and h.get("http_port") == int(host[1])
            assert h.get("http_user_agent") == t.get("ua")
        if "status" in t:
            assert h["status"] == int(t["status"])
        if "length" in t:
            assert h["length"] == int(t["length"])


def test_h2c_streams_match_tshark(tmp_path, run_sensor):
    pcap = h2c_capture(tmp_path)
    intel = tmp_path / "intel.txt"
    intel.write_text("h2.evil.example\n")
    run = run_sensor(pcap, intel=[intel], args=["--eve-types", "http,flow,anomaly"])
    got = by_stream(run)
    assert sorted(got) == [0, 1, 3, 5]
    ts = tshark_streams(pcap, SERVER[1])
    assert sorted(ts) == [1, 3, 5]
    assert_same_as_tshark(got, ts)

    s1, s3, s5 = got[1], got[3], got[5]
    # The header block cut by CONTINUATION reads whole, in wire order.
    assert [h["name"] for h in s1["request_headers"]] == [
        ":authority", ":method", ":scheme", ":path", "user-agent", "accept"]
    assert s1["protocol"] == "HTTP/2" and s1["version"] == "2"
    assert s1["http_content_type"] == "text/html" and s1["length"] == 71680
    # No Content-Length: the DATA bytes without padding.
    assert (s3["http_method"], s3["status"], s3["length"]) == ("POST", 404, 8)
    assert s3["http_refer"] == "http://h2.evil.example:8080/index.html"
    assert s3["http2"]["request"]["priority"] == 15
    assert s5["http2"]["response"]["error_code"] == "CANCEL" and "status" not in s5
    # Stream 0: the SETTINGS of both ends and the client's GOAWAY.
    c0 = got[0]["http2"]
    assert c0["request"]["settings"] == [
        {"settings_id": "SETTINGSMAXCONCURRENTSTREAMS", "settings_value": 100},
        {"settings_id": "SETTINGSINITIALWINDOWSIZE", "settings_value": 65535}]
    assert c0["request"]["error_code"] == "NOERROR"
    assert c0["response"]["settings"] == [
        {"settings_id": "SETTINGSMAXCONCURRENTSTREAMS", "settings_value": 128}]

    # :authority is matched as an HTTP/1 Host is: once per flow.
    alerts = run.alerts_on("http.hostname")
    assert len(alerts) == 1
    assert alerts[0]["app_proto"] == "http2"
    assert alerts[0]["http"]["hostname"] == "h2.evil.example"
    assert run.of("anomaly") == []
    assert run.stats["app_layer"]["event"]["http2_invalid_frame"] == 0
    flows = run.of("flow")
    assert [f["app_proto"] for f in flows] == ["http2"]


def test_shared_capture_matches_tshark(tmp_path, run_sensor):
    pcap = SHARED / "sv__http2-basic.pcap"
    if not pcap.is_file():
        pytest.skip(f"{pcap} is absent (shared data)")
    got = by_stream(run_sensor(pcap, args=["--eve-types", "http,anomaly"]))
    ts = tshark_streams(pcap, 3000)
    assert sorted(got) == [0] + sorted(ts) and len(ts) == 6
    assert_same_as_tshark(got, ts)


def test_broken_framing_and_hpack_are_anomalies(tmp_path, run_sensor):
    enc = g.HpackEncoder()
    good = enc.encode([(":method", "GET"), (":scheme", "http"), (":authority", "a.example"),
                       (":path", "/")])
    # Connection one: a SETTINGS frame on stream 1 breaks the framing.
    bad_frame = g.H2_PREFACE + g.h2_settings() + g.h2_headers(1, good, end=True) + \
        g.h2_frame(g.H2_SETTINGS, 0, 1, b"") + g.h2_headers(3, good, end=True)
    # Connection two: a header block naming dynamic table entry 100, which
    # does not exist.
    bad_hpack = g.H2_PREFACE + g.h2_settings() + g.h2_headers(1, bytes([0x80 | 100]), end=True)
    frames = g.tcp_session(CLIENT, SERVER, client_payload=bad_frame, start=T0)
    frames += g.tcp_session(("10.0.0.6", 42001), SERVER, client_payload=bad_hpack, start=T0 + 1)
    run = run_sensor(write(tmp_path, "bad.pcap", frames), args=["--eve-types", "http,anomaly"])
    assert run.rc == 0, run.stderr
    ev = run.stats["app_layer"]["event"]
    assert ev["http2_invalid_frame"] == 1
    assert ev["http2_header_decompression_failed"] == 1
    names = sorted(a["anomaly"]["event"] for a in run.of("anomaly"))
    assert names == ["FAILED_DECOMPRESSION", "INVALID_FRAME_HEADER"]
    # The stream read before the bad frame is still written.
    urls = [e["http"].get("url") for e in run.of("http")]
    assert urls.count("/") == 1
