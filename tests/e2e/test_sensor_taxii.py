"""The sensor's TAXII 2.1 fallback (issue 4): with --hub-feed taxii (or when
the hub has no change feed) the sensor follows the hub over plain TAXII 2.1,
discovery -> collections -> objects?match[type]=indicator&added_after=...,
so it works against any TAXII 2.1 server. Against the real hub: TLP by the
hub, a revoked version removes the indicator, a later one arrives by an
incremental added_after poll. Against a small stand-in TAXII server: the
auto mode ends up in taxii, paging follows more/next, and bad answers keep
the last good set."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

import pcapgen as g
from fakehub import domain_indicator
from test_sensor_sightings import HubSensor, free_port, now_iso, query, real_dom, two_orgs, \
    wait_for

TAXII = "application/taxii+json;version=2.1"


def hub_stats(s):
    st = [e for e in s.events() if e["event_type"] == "yagura_stats"]
    assert len(st) == 1, "".join(s.lines)
    return st[0]["yagura_stats"]["hub"]


def test_real_hub_over_taxii(yagura, tmp_path):
    from hubfixture import check_clean_exit
    hub, ta, tb, coll, tf = two_orgs(tmp_path, free_port())
    green = real_dom("taxii-green.example", "green")
    strict = real_dom("taxii-strict.example", "amber+strict")
    assert hub.post_objects(coll, ta, [green, strict]).status_code == 202
    s = HubSensor(yagura, tmp_path, hub.base, tf, tmp_path / "spool", "--hub-feed", "taxii")
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            hub.stop()
            pytest.skip("cannot capture on the loopback interface here")
        # The full state: only what B may see (GREEN), never A's AMBER+STRICT.
        assert s.wait_stderr("TAXII: full state, 1 indicators"), "".join(s.lines)
        assert s.wait_stderr("indicator set updated: 1 indicators"), "".join(s.lines)
        query("taxii-green.example", 1)
        query("taxii-strict.example", 2)
        assert wait_for(lambda: len(s.alerts_for("taxii-green.example")) == 1)

        # A new indicator: picked up by the next poll, asking only for what
        # was added after the last one (no second full state).
        later = real_dom("taxii-later.example", "green")
        assert hub.post_objects(coll, ta, [later]).status_code == 202
        assert s.wait_stderr("TAXII: incremental poll (added_after), 1 new"), "".join(s.lines)
        assert s.wait_stderr("indicator set updated: 2 indicators"), "".join(s.lines)
        query("taxii-later.example", 3)
        assert wait_for(lambda: len(s.alerts_for("taxii-later.example")) == 1)

        # A revokes GREEN (a newer version with revoked: true): B stops alerting.
        rev = dict(green, modified=now_iso(1), revoked=True)
        assert hub.post_objects(coll, ta, [rev]).status_code == 202
        assert wait_for(lambda: sum("indicator set updated: 1 indicators" in ln
                                    for ln in s.lines) == 2), "".join(s.lines)
        query("taxii-green.example", 4)
        query("taxii-later.example", 5)
        assert wait_for(lambda: len(s.alerts_for("taxii-later.example")) == 2)
        time.sleep(0.3)
        assert len(s.alerts_for("taxii-green.example")) == 1
    finally:
        s.stop()
    try:
        said = "".join(s.lines)
        assert "AddressSanitizer" not in said and "runtime error" not in said, said
        alerts = [e for e in s.events() if e["event_type"] == "alert"]
        assert not [a for a in alerts
                    if a["alert"]["metadata"]["matched_value"] == ["taxii-strict.example"]]
        h = hub_stats(s)
        assert h["mode"] == "taxii"
        assert h["resets"] == 1, said            # one full state, the rest incremental
        assert h["taxii_incremental"] >= 2       # the new one, then the revocation
        assert h["taxii_polls"] >= 3
        assert h["indicators"] == 1
        assert "no change feed" not in said      # forced: the change feed was never tried
    finally:
        check_clean_exit(hub)


# ---------------------------------------------------------------------------
# A stand-in TAXII 2.1 server (no /api/v1 at all)
# ---------------------------------------------------------------------------

COLL = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


class FakeTaxii:
    """Serves discovery, one readable and one unreadable collection, and
    objects in pages of `page` with more/next and X-TAXII-Date-Added-Last.
    Each object version gets an added date when it is put."""

    def __init__(self, token="t0ken", page=2, taxii=True):
        self.token, self.page, self.taxii = token, page, taxii
        self.versions = []   # (added, object)
        self.requests = []
        self.malformed = False
        self.lock = threading.Lock()
        srv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, obj, headers=()):
                body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
                self.send_response(code)
                self.send_header("Content-Type", TAXII if code == 200 else "application/json")
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                u = urlparse(self.path)
                q = parse_qs(u.query)
                with srv.lock:
                    srv.requests.append((u.path, q))
                if self.headers.get("Authorization") != f"Bearer {srv.token}":
                    return self.reply(401, {"title": "unauthorized"})
                if not srv.taxii or u.path.startswith("/api/"):
                    return self.reply(404, {"title": "not found"})
                if TAXII not in (self.headers.get("Accept") or ""):
                    return self.reply(406, {"title": "not acceptable"})
                if u.path == "/taxii2/":
                    return self.reply(200, {"title": "fake", "api_roots": ["/root1/"]})
                if u.path == "/root1/collections/":
                    return self.reply(200, {"collections": [
                        {"id": "no-read", "title": "w", "can_read": False, "can_write": True},
                        {"id": COLL, "title": "intel", "can_read": True, "can_write": False}]})
                if u.path == f"/root1/collections/{COLL}/objects/":
                    return self.objects(q)
                self.reply(404, {"title": "not found"})

            def objects(self, q):
                if srv.malformed:
                    return self.reply(200, {"more": False, "objects": [{"type": "indicator"}]})
                assert q.get("match[type]") == ["indicator"]
                after = q.get("added_after", [""])[0]
                start = int(q.get("next", ["0"])[0])
                with srv.lock:
                    vs = [v for v in srv.versions if v[0] > after]
                page = vs[start:start + srv.page]
                more = start + srv.page < len(vs)
                body = {"more": more, "objects": [o for _, o in page]}
                if more:
                    body["next"] = str(start + srv.page)
                hdr = []
                if page:
                    hdr = [("X-TAXII-Date-Added-First", page[0][0]),
                           ("X-TAXII-Date-Added-Last", page[-1][0])]
                self.reply(200, body, hdr)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def put(self, obj):
        with self.lock:
            n = len(self.versions)
            self.versions.append((f"2026-01-01T00:00:{n:02d}.000001Z", obj))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def taxii():
    t = FakeTaxii()
    yield t
    t.close()


def capture(tmp_path, names):
    frames = []
    for k, name in enumerate(names):
        frames += g.dns_lookup(("10.0.0.5", 41000 + k), ("192.0.2.53", 53), name,
                               [("A", "192.0.2.99")], ident=k + 1, start=g.DEFAULT_START + k)
    p = tmp_path / "t.pcap"
    g.write_pcap(str(p), frames)
    return p


def test_auto_without_change_feed_ends_in_taxii(tmp_path, run_sensor, taxii):
    inds = [domain_indicator(f"fake{k}.example") for k in range(5)]
    for i in inds:
        taxii.put(i)
    # An older version of fake1 added later must not replace the newer one,
    # and a revoked version of fake3 removes it.
    taxii.put(dict(inds[1], modified="2023-01-01T00:00:00.000Z",
                   pattern="[domain-name:value = 'wrong.example']"))
    taxii.put(dict(inds[3], modified="2024-06-01T00:00:00Z", revoked=True))
    taxii.put({"type": "malware", "id": "malware--1", "name": "x", "is_family": False})
    run = run_sensor(capture(tmp_path, ["fake0.example", "fake1.example", "fake3.example",
                                        "fake4.example", "wrong.example"]),
                     args=["--hub", taxii.base, "--token", taxii.token, "--hub-feed", "auto"])
    assert run.rc == 0, run.stderr
    assert "no change feed at this hub (404); following it over TAXII 2.1" in run.stderr
    assert "TAXII: full state, 4 indicators from 1 readable collections" in run.stderr
    got = sorted(a["alert"]["metadata"]["matched_value"][0] for a in run.of("alert"))
    assert got == ["fake0.example", "fake1.example", "fake4.example"]
    h = run.stats["hub"]
    assert h["mode"] == "taxii" and h["resets"] == 1 and h["indicators"] == 4
    paths = [p for p, _ in taxii.requests if p != "/api/v1/whoami"]  # the sightings poster's
    assert paths[0] == "/api/v1/indicators/changes"
    assert "/taxii2/" in paths and "/root1/collections/" in paths
    assert not [p for p in paths if "no-read" in p]      # can_read false: never asked
    pages = [q for p, q in taxii.requests if p.endswith("/objects/")]
    assert len(pages) >= 4 and pages[1]["next"] == ["2"]  # 8 versions, pages of 2


def test_taxii_malformed_page_keeps_the_last_set(tmp_path, run_sensor, taxii):
    taxii.malformed = True
    run = run_sensor(capture(tmp_path, ["fake0.example"]),
                     args=["--hub", taxii.base, "--token", taxii.token, "--hub-feed", "taxii"])
    assert run.rc == 1, run.stderr  # a replay without the hub's set is not a clean run
    assert not run.of("alert")
    assert "TAXII: malformed answer (envelope: indicator 0 has no good indicator id)" \
        in run.stderr, run.stderr
    h = run.stats["hub"]
    assert h["mode"] == "taxii" and h["malformed"] >= 1 and h["indicators"] == 0


def test_no_taxii_either_ends_in_poll(tmp_path, run_sensor):
    t = FakeTaxii(taxii=False)
    try:
        run = run_sensor(capture(tmp_path, ["fake0.example"]),
                         args=["--hub", t.base, "--token", t.token])
    finally:
        t.close()
    assert "no TAXII 2.1 at this hub (404); polling /api/v1/indicators" in run.stderr
    assert run.stats["hub"]["mode"] == "poll"
    paths = [p for p, _ in t.requests if p != "/api/v1/whoami"]
    # Discovery at /taxii2/, then the URL itself as an API root, then the poll.
    assert paths[:4] == ["/api/v1/indicators/changes", "/taxii2/", "/", "/api/v1/indicators"]


def test_bad_hub_feed_value(yagura):
    import subprocess
    p = subprocess.run([yagura, "sensor", "-r", "x.pcap", "--hub-feed", "sse"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "--hub-feed wants auto, changes, taxii, poll or nats" in p.stderr
