"""The one TAXII 2.1 client (src/taxii/) against a server that is not a
yagura hub, written here with the Python standard library the way other
TAXII servers behave: it wants HTTP Basic (a real user name and password),
its discovery names an absolute API root on another port, it ignores
match[type], and it pages with `more` and X-TAXII-Date-Added-Last but never
sends `next`. A second run puts it behind TLS that demands a client
certificate made here with the openssl command."""
import base64
import json
import os
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from fakehub import domain_indicator
from test_sensor_live import LiveSensor, query
from test_sensor_taxii import capture

TAXII = "application/taxii+json;version=2.1"
INTEL = "5c1b1d53-7a3e-4a86-9e3b-0c1f0f6c2a11"
OTHER = "0a2c9f1e-4b5d-4e6f-8a7b-1c2d3e4f5a6b"
HIDDEN = "77e0a1b2-c3d4-4e5f-9a6b-7c8d9e0f1a2b"


class OtherTaxii:
    """Discovery on one port, the API root on another; Basic everywhere."""

    def __init__(self, user="feed-reader", password="correct horse 42", tls=None):
        self.user, self.password = user, password
        self.versions = {INTEL: [], OTHER: []}   # collection -> [(added, object)]
        self.requests = []                          # (port role, path, query, auth header)
        self.lock = threading.Lock()
        self.clock = 0
        srv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            role = "?"

            def log_message(self, *a):
                pass

            def reply(self, code, obj, headers=()):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", TAXII if code == 200 else "application/json")
                if code == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="other"')
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                u = urlparse(self.path)
                q = parse_qs(u.query)
                auth = self.headers.get("Authorization") or ""
                with srv.lock:
                    srv.requests.append((self.role, u.path, q, auth))
                want = "Basic " + base64.b64encode(f"{srv.user}:{srv.password}".encode()).decode()
                if auth != want:
                    return self.reply(401, {"title": "unauthorized"})
                if self.role == "discovery":
                    if u.path == "/taxii2/":
                        return self.reply(200, {"title": "other", "default": srv.root,
                                                "api_roots": [srv.root]})
                    return self.reply(404, {"title": "not found"})
                if u.path == "/api1/":
                    return self.reply(200, {"title": "root", "versions": [TAXII],
                                            "max_content_length": 1 << 20})
                if u.path == "/api1/collections/":
                    return self.reply(200, {"collections": [
                        {"id": HIDDEN, "title": "hidden", "can_read": False, "can_write": True},
                        {"id": INTEL, "title": "Intel feed", "alias": "intel-a",
                         "can_read": True, "can_write": False},
                        {"id": OTHER, "title": "Other", "can_read": True, "can_write": False}]})
                for coll in (INTEL, OTHER):
                    if u.path == f"/api1/collections/{coll}/objects/":
                        return self.objects(coll, q)
                self.reply(404, {"title": "not found"})

            def objects(self, coll, q):
                # match[type] is ignored on purpose; pages of two, never a next.
                after = q.get("added_after", [""])[0]
                with srv.lock:
                    vs = [v for v in srv.versions[coll] if v[0] > after]
                page = vs[:2]
                hdr = []
                if page:
                    hdr = [("X-TAXII-Date-Added-First", page[0][0]),
                           ("X-TAXII-Date-Added-Last", page[-1][0])]
                self.reply(200, {"more": len(vs) > 2, "objects": [o for _, o in page]}, hdr)

        def server(role):
            cls = type(f"H_{role}", (H,), {"role": role})
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), cls)
            if tls:
                httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            return httpd

        scheme = "https" if tls else "http"
        self.api = server("api")
        self.root = f"{scheme}://127.0.0.1:{self.api.server_address[1]}/api1/"
        self.disc = server("discovery")
        self.base = f"{scheme}://127.0.0.1:{self.disc.server_address[1]}"

    def put(self, coll, obj):
        with self.lock:
            self.clock += 1
            self.versions[coll].append((f"2026-02-01T00:00:{self.clock:02d}.000001Z", obj))

    def close(self):
        for s in (self.api, self.disc):
            s.shutdown()
            s.server_close()


class TaxiiSensor(LiveSensor):
    def __init__(self, yagura, tmp_path, args):
        self.eve = tmp_path / "taxii-eve.json"
        self.lines = []
        self.proc = subprocess.Popen(
            [yagura, "sensor", "-i", "lo", "--bpf", "udp and dst port 53 and host 127.0.0.1",
             "--eve", str(self.eve), "--home-net", "127.0.0.0/8", "--hub-interval", "200",
             *args],
            stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def alerts_for(self, name):
        return [e for e in self.events() if e["event_type"] == "alert"
                and e["alert"]["metadata"]["matched_value"] == [name]]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for(pred, timeout=20):
    import time
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return bool(pred())


def test_sensor_follows_another_taxii_server_with_basic(yagura, tmp_path):
    t = OtherTaxii()
    t.put(INTEL, domain_indicator("first.other.example"))
    t.put(INTEL, {"type": "malware", "spec_version": "2.1", "id":
                  "malware--1f0e7c43-6f5b-4c1a-9a1e-2f3b4c5d6e7f", "name": "x",
                  "is_family": False, "created": "2026-01-01T00:00:00Z",
                  "modified": "2026-01-01T00:00:00Z"})
    t.put(INTEL, domain_indicator("second.other.example"))
    t.put(OTHER, domain_indicator("not-chosen.example"))
    pw = tmp_path / "password"
    pw.write_text(t.password + "\n")
    s = TaxiiSensor(yagura, tmp_path, ["--hub", t.base, "--hub-user", t.user,
                                       "--hub-password-file", str(pw), "--hub-feed", "taxii",
                                       "--taxii-collection", "intel-a"])
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        said = lambda: "".join(s.lines)  # noqa: E731
        assert s.wait_stderr("TAXII: full state, 2 indicators from 1 readable collections"), said()
        query("first.other.example", 1)
        query("not-chosen.example", 2)
        assert wait_for(lambda: s.alerts_for("first.other.example")), said()
        # Added while the sensor runs: the next round asks only for what was
        # added after the last X-TAXII-Date-Added-Last, and alerts on it.
        t.put(INTEL, domain_indicator("added-later.example"))
        assert s.wait_stderr("TAXII: incremental poll (added_after), 1 new"), said()
        assert s.wait_stderr("indicator set updated: 3 indicators"), said()
        query("added-later.example", 3)
        assert wait_for(lambda: s.alerts_for("added-later.example")), said()
        assert not s.alerts_for("not-chosen.example")
    finally:
        s.stop()
        t.close()
    out = "".join(s.lines)
    assert t.password not in out
    reqs = list(t.requests)
    # Basic on every request to both ports, never a Bearer header.
    want = "Basic " + base64.b64encode(f"{t.user}:{t.password}".encode()).decode()
    assert reqs and all(a == want for role, p, q, a in reqs if not p.startswith("/api/v1/")), reqs
    # Discovery on one port, collections and objects on the API root's port.
    assert ("discovery", "/taxii2/") in [(r, p) for r, p, _, _ in reqs]
    objs = [(p, q) for r, p, q, _ in reqs if p.endswith("/objects/")]
    assert objs and all(r == "api" for r, p, _, _ in reqs if p.endswith("/objects/"))
    # Only the chosen collection, never the unreadable one, and never a next.
    assert all(INTEL in p for p, _ in objs), objs
    assert not [r for r in reqs if HIDDEN in r[1]]
    assert not [q for _, q in objs if "next" in q]
    # Paging by added_after alone: the second page of the first round asked
    # for what was added after the first page's last object.
    assert any(q.get("added_after") == ["2026-02-01T00:00:02.000001Z"] for _, q in objs), objs


def test_wrong_password_is_refused_and_never_shown(yagura, tmp_path, run_sensor):
    t = OtherTaxii()
    t.put(INTEL, domain_indicator("first.other.example"))
    pw = tmp_path / "password"
    pw.write_text("wrong-secret-do-not-print\n")
    try:
        run = run_sensor(capture(tmp_path, ["first.other.example"]),
                         args=["--hub", t.base, "--hub-user", t.user, "--hub-password-file",
                               str(pw), "--hub-feed", "taxii"])
    finally:
        t.close()
    assert run.rc == 1, run.stderr  # a replay without the hub's set is not clean
    assert "answered 401: the credentials are not accepted" in run.stderr, run.stderr
    assert "wrong-secret-do-not-print" not in run.stderr
    assert not run.of("alert")


def test_credential_options_are_checked(yagura, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("x\n")
    cases = [
        (["--hub-user", "u"], "a user name needs a password"),
        (["--hub-password-file", str(pw)], "a password needs a user name"),
        (["--hub-cert", str(pw)], "a client certificate needs its key"),
        (["--hub-user", "a:b", "--hub-password-file", str(pw)], "cannot hold ':'"),
        ([], "--hub needs --token or --token-file"),
    ]
    for extra, msg in cases:
        p = subprocess.run([yagura, "sensor", "-r", "/dev/null", "--hub", "http://127.0.0.1:9",
                            *extra], capture_output=True, text=True)
        assert p.returncode == 2 and msg in p.stderr, (extra, p.stderr)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    p = subprocess.run([yagura, "sensor", "-r", "/dev/null", "--hub", "http://127.0.0.1:9",
                        "--hub-user", "u", "--hub-password-file", str(empty)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and f"cannot read a password from {empty}" in p.stderr


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1, a member certificate from
    the CA, and one from another CA."""
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", f"/CN=test {ca}", "-keyout", f"{ca}.key", "-out", f"{ca}.pem", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, ca, ext in (("server", "ca", ["-extfile", "san.cnf"]),
                          ("member", "ca", []), ("stranger", "other-ca", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", *ext, cwd=d)


def test_client_certificate(yagura, tmp_path, run_sensor):
    d = tmp_path / "pki"
    d.mkdir()
    make_pki(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "server.pem", d / "server.key")
    ctx.load_verify_locations(d / "ca.pem")
    ctx.verify_mode = ssl.CERT_REQUIRED
    t = OtherTaxii(tls=ctx)
    t.put(INTEL, domain_indicator("cert.other.example"))
    pw = tmp_path / "password"
    pw.write_text(t.password + "\n")
    common = ["--hub", t.base, "--hub-user", t.user, "--hub-password-file", str(pw),
              "--hub-feed", "taxii", "--hub-ca", str(d / "ca.pem")]
    pcap = capture(tmp_path, ["cert.other.example"])
    try:
        ok = run_sensor(pcap, args=[*common, "--hub-cert", str(d / "member.pem"),
                                    "--hub-key", str(d / "member.key")])
        without = run_sensor(pcap, args=common)
        stranger = run_sensor(pcap, args=[*common, "--hub-cert", str(d / "stranger.pem"),
                                          "--hub-key", str(d / "stranger.key")])
    finally:
        t.close()
    assert ok.rc == 0, ok.stderr
    assert [a["alert"]["metadata"]["matched_value"] for a in ok.of("alert")] == \
        [["cert.other.example"]]
    for refused in (without, stranger):
        assert refused.rc == 1, refused.stderr
        assert not refused.of("alert")
        assert "hub: TAXII:" in refused.stderr


def test_sensor_waits_out_retry_after(yagura, tmp_path):
    """A hub that sheds load (429 or 503 with Retry-After, as a yagura hub
    does past its long-poll caps) is not asked again before that time, even
    with a short --hub-interval."""
    seen = []

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append((time.monotonic(), urlparse(self.path).path))
            body = b'{"title":"too many requests"}'
            self.send_response(429)
            self.send_header("Retry-After", "3")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    tf = tmp_path / "token"
    tf.write_text("f" * 64 + "\n")
    s = TaxiiSensor(yagura, tmp_path, ["--hub", f"http://127.0.0.1:{httpd.server_address[1]}",
                                       "--token-file", str(tf), "--hub-feed", "changes"])
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("answered 429"), "".join(s.lines)

        def feed():
            return [t for t, p in seen if p == "/api/v1/indicators/changes"]
        assert wait_for(lambda: len(feed()) >= 2, timeout=30), seen
        # Every 200 ms would be about ten in 3 s; the hub asked for 3 s. The
        # sensor starts waiting once the answer arrived, after the request
        # was seen here, so the gap is at least 3 s however loaded the
        # machine (a fixed sleep then a count was not: late, it saw two).
        gap = feed()[1] - feed()[0]
        assert gap >= 2.95, (gap, seen)
        assert "the hub asks to wait 3 s" in "".join(s.lines)
    finally:
        s.stop()
        httpd.shutdown()
        httpd.server_close()
