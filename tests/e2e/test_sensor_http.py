"""HTTP transactions: each request is written once, with its response
(status, content type, redirect, body length), in one http event, as
Suricata writes them; bodies are followed (Content-Length, chunked, until
close) so the next message on a keep-alive connection is found."""
import pcapgen as g

T0 = g.DEFAULT_START
CLIENT, SERVER = ("10.0.0.5", 42000), ("192.0.2.80", 80)


def write(tmp_path, name, frames):
    p = tmp_path / name
    g.write_pcap(str(p), sorted(frames, key=lambda f: f[0]))
    return p


def chunked(body, sizes, trailer=b""):
    """body cut into chunks of the given sizes (the rest in one), with
    chunk extensions on the first and a trailer section."""
    out, i = b"", 0
    for k, n in enumerate(list(sizes) + [len(body)]):
        part = body[i:i + n]
        if not part:
            continue
        ext = b";name=value" if k == 0 else b""
        out += b"%x%s\r\n%s\r\n" % (len(part), ext, part)
        i += len(part)
    return out + b"0\r\n" + trailer + b"\r\n"


def response(status, reason, headers, body=b""):
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_events(run):
    assert run.rc == 0, run.stderr
    return [e["http"] for e in run.of("http")]


def test_pipelined_transactions_pair_in_order(tmp_path, run_sensor):
    reqs = (g.http_request(url="/a") + g.http_request("HEAD", url="/b") +
            g.http_request("POST", url="/c", body=b"k=v") + g.http_request(url="/d"))
    resps = (response(200, "OK", [("Content-Type", "text/plain"), ("Content-Length", "5")], b"hello") +
             # A HEAD response announces a length but carries no body.
             response(200, "OK", [("Content-Type", "image/png"), ("Content-Length", "999")]) +
             response(301, "Moved", [("Location", "https://www.example.com/c/"),
                                     ("Transfer-Encoding", "chunked")],
                      chunked(b"x" * 300, [1, 17, 200], trailer=b"X-Trailer: 1\r\n")) +
             response(304, "Not Modified", [("ETag", '"e"')]))
    frames = g.tcp_session(CLIENT, SERVER, client_payload=reqs, server_payload=resps,
                           server_split_at=[3, 40, 130, 131, 200, 260], start=T0)
    got = http_events(run_sensor(write(tmp_path, "pipe.pcap", frames)))
    assert [(h["url"], h["http_method"], h.get("status"), h["length"]) for h in got] == [
        ("/a", "GET", 200, 5), ("/b", "HEAD", 200, 0), ("/c", "POST", 301, 300),
        ("/d", "GET", 304, 0)]
    assert got[0]["http_content_type"] == "text/plain"
    assert got[1]["http_content_type"] == "image/png"
    assert got[2]["redirect"] == "https://www.example.com/c/"
    assert "redirect" not in got[0] and "http_content_type" not in got[3]


def test_interim_continue_and_close_delimited_body(tmp_path, run_sensor):
    req = g.http_request("PUT", url="/upload", body=b"z" * 10, headers=[("Expect", "100-continue")])
    body = b"q" * 4321
    resp = (response(100, "Continue", []) +
            response(200, "OK", [("Content-Type", "application/json"), ("Connection", "close")], body))
    frames = g.tcp_session(CLIENT, SERVER, client_payload=req, server_payload=resp, start=T0,
                           closer="server")
    run = run_sensor(write(tmp_path, "close.pcap", frames))
    (h,) = http_events(run)
    assert (h["status"], h["length"], h["http_content_type"]) == (200, 4321, "application/json")
    assert run.stats["app_layer"]["http_responses"] == 1


def test_request_without_response_is_still_written(tmp_path, run_sensor):
    frames = g.tcp_session(CLIENT, SERVER, client_payload=g.http_request(url="/lost"), start=T0,
                           close="rst")
    (h,) = http_events(run_sensor(write(tmp_path, "noresp.pcap", frames)))
    assert h["url"] == "/lost" and "status" not in h and h["length"] == 0


def test_chunked_request_body_then_next_request(tmp_path, run_sensor):
    body = chunked(b"p" * 1000, [10, 500])
    r1 = (b"POST /chunky HTTP/1.1\r\nHost: up.example\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    r2 = g.http_request(host="up.example", url="/after")
    resps = (response(201, "Created", [("Content-Length", "0")]) +
             response(200, "OK", [("Content-Length", "2")], b"ok"))
    frames = g.tcp_session(CLIENT, SERVER, client_payload=r1 + r2, server_payload=resps,
                           split_at=[70, 75, 600], start=T0)
    got = http_events(run_sensor(write(tmp_path, "chunkreq.pcap", frames)))
    assert [(h["url"], h["status"], h["length"]) for h in got] == [("/chunky", 201, 0),
                                                                    ("/after", 200, 2)]


def test_switching_protocols_ends_http(tmp_path, run_sensor):
    req = g.http_request(url="/ws", headers=[("Upgrade", "websocket"), ("Connection", "Upgrade")])
    # (pcapgen sends the client's bytes first: its frames would come after
    # the 101 on a real connection, so only the server's follow it here.)
    frames = g.tcp_session(CLIENT, SERVER, client_payload=req,
                           server_payload=response(101, "Switching Protocols",
                                                   [("Upgrade", "websocket")]) + b"\x81\x02hi" * 40,
                           start=T0)
    run = run_sensor(write(tmp_path, "ws.pcap", frames))
    (h,) = http_events(run)
    assert h["status"] == 101
    # What follows the upgrade is not HTTP, and is not reported as bad HTTP.
    assert run.stats["app_layer"]["event"]["http_malformed"] == 0


def test_bad_chunk_framing_is_an_anomaly_and_the_transaction_is_kept(tmp_path, run_sensor):
    resp = response(200, "OK", [("Transfer-Encoding", "chunked")], b"zz\r\nnot hex\r\n")
    frames = g.tcp_session(CLIENT, SERVER, client_payload=g.http_request(url="/bad"),
                           server_payload=resp, start=T0)
    run = run_sensor(write(tmp_path, "badchunk.pcap", frames))
    (h,) = http_events(run)
    assert (h["url"], h["status"], h["length"]) == ("/bad", 200, 0)
    assert run.stats["app_layer"]["event"]["http_malformed"] == 1


def test_responses_are_not_followed_when_http_is_not_logged(tmp_path, run_sensor):
    frames = g.tcp_session(CLIENT, SERVER, client_payload=g.http_request(url="/x"),
                           server_payload=response(200, "OK", [("Content-Length", "1")], b"!"),
                           start=T0)
    run = run_sensor(write(tmp_path, "nolog.pcap", frames), args=["--eve-types", "flow"])
    assert run.rc == 0 and not run.of("http")
    assert run.stats is None or run.stats["app_layer"]["http_responses"] == 0
