"""Hub feed subscriptions (issue 12): a real hub pulls feeds from a local
HTTP server started here (Python's http.server), in several formats, with
conditional requests, failures and recovery, and from a second real hub
over TAXII 2.1. Each run is a diff: the change feed a sensor follows
carries only what changed, and warning-listed values are kept with a flag
but never reach a sensor or an export."""
import gzip
import http.server
import json
import re
import threading
import time
import uuid

import pytest

from hubfixture import TLP, Hub, check_clean_exit, indicator

JSON = "application/json"


class FeedServer:
    """Serves `files` (path -> bytes) with an ETag and a Last-Modified per
    version, 304 to a matching conditional request, gzip when asked; a
    path's mode may be "500", "big" (more than any cap used here) or "slow"
    (answers after `slow_s`). Every request's headers are recorded."""

    def __init__(self):
        self.files, self.modes, self.versions, self.requests = {}, {}, {}, []
        self.slow_s = 6
        self.lock = threading.Lock()
        srv = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                with srv.lock:
                    srv.requests.append((path, dict(self.headers)))
                    body, mode = srv.files.get(path), srv.modes.get(path, "ok")
                    ver = srv.versions.get(path, 0)
                if body is None:
                    return self.reply(404, b"no\n")
                if mode == "500":
                    return self.reply(500, b"broken\n")
                if mode == "big":
                    return self.reply(200, b"198.51.100.250\n" * 200000)
                if mode == "slow":
                    time.sleep(srv.slow_s)
                    return self.reply(200, body)
                etag = f'"v{ver}-{len(body)}"'
                lm = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                   time.gmtime(1700000000 + ver * 3600))
                if self.headers.get("If-None-Match") == etag or \
                        self.headers.get("If-Modified-Since") == lm:
                    return self.reply(304, b"", [("ETag", etag), ("Last-Modified", lm)])
                hdrs = [("ETag", etag), ("Last-Modified", lm)]
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    hdrs.append(("Content-Encoding", "gzip"))
                self.reply(200, body, hdrs)

            def reply(self, code, body, hdrs=()):
                try:
                    self.send_response(code)
                    for k, v in hdrs:
                        self.send_header(k, v)
                    if code != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if code != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def put(self, path, text, mode="ok"):
        with self.lock:
            self.files[path] = text.encode() if isinstance(text, str) else text
            self.versions[path] = self.versions.get(path, 0) + 1
            self.modes[path] = mode

    def mode(self, path, mode):
        with self.lock:
            self.modes[path] = mode

    def headers_of(self, path):
        with self.lock:
            return [h for p, h in self.requests if p == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feeds():
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def hub_lists(tmp_path):
    d = tmp_path / "warninglist.d"
    d.mkdir()
    (d / "reserved.txt").write_text("10.0.0.0/8\n192.168.0.0/16\n")
    (d / "popular.txt").write_text("popular-site.example\n")
    h = Hub(tmp_path)
    h.org("A")
    h.org("B", sector="water")
    h.admin_tok = h.token("A", role="admin")
    h.analyst_tok = h.token("A", role="analyst")
    h.sensor_tok = h.token("B", role="sensor")
    yield h
    check_clean_exit(h)


def api(h, method, path, token, **kw):
    return h.req(method, path, token, accept=JSON, **kw)


def feed_of(h, name):
    r = api(h, "GET", f"/api/v1/feeds/{name}", h.admin_tok)
    assert r.status_code == 200, r.text
    return r.json()


def run_and_wait(h, name, timeout=40):
    """Asks the hub to run the feed now; returns its health once a newer
    run than the one before has finished."""
    before = (feed_of(h, name).get("health") or {}).get("last_run")
    r = api(h, "POST", f"/api/v1/feeds/{name}/run", h.admin_tok)
    assert r.status_code == 202, r.text
    end = time.time() + timeout
    while time.time() < end:
        health = feed_of(h, name).get("health")
        if health and health["last_run"] != before:
            return health
        time.sleep(0.1)
    raise AssertionError(f"feed {name} did not run")


def subscribe(h, body, token=None):
    r = api(h, "POST", "/api/v1/feeds", token or h.admin_tok, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def wait_first_run(h, name, timeout=40):
    end = time.time() + timeout
    while time.time() < end:
        health = feed_of(h, name).get("health")
        if health:
            return health
        time.sleep(0.1)
    raise AssertionError(f"feed {name} never ran")


def changes(h, token, since):
    out, cursor = [], since
    while True:
        r = api(h, "GET", "/api/v1/indicators/changes", token,
                params={"since": cursor, "wait": "0"})
        assert r.status_code == 200, r.text
        b = r.json()
        out += b["changes"]
        cursor = b["cursor"]
        if not b["more"]:
            return out, cursor


def value_of(pattern):
    m = re.search(r"= '([^']*)'\]$", pattern)
    return m.group(1)


def feed_objects(h, name, token):
    coll = h.get("/taxii2/api/collections/", token).json()["collections"][0]["id"]
    objs, _ = h.objects_all(coll, token, params={"match[type]": "indicator"})
    latest = {}
    for o in objs:
        if o.get("x_yagura_feed") == name:
            if o["id"] not in latest or o["modified"] > latest[o["id"]]["modified"]:
                latest[o["id"]] = o
    return {value_of(o["pattern"]): o for o in latest.values()}


def export_ips(h, token):
    r = h.session.get(f"{h.base}/api/v1/export/ips",
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return {x for x in r.text.splitlines() if x and not x.startswith("#")}, \
        r.headers.get("X-Yagura-Held-Back")


def test_feed_runs_are_diffs_with_validators_failures_and_recovery(hub_lists, feeds):
    h = hub_lists
    feeds.put("/ips.tsv", "# ip\tcount\n198.51.100.1\t5\n198.51.100.2\t3\n"
                          "10.9.9.9\t1\n203.0.113.5\t7\n")
    f = subscribe(h, {"name": "ipcount", "url": feeds.base + "/ips.tsv", "every": "1h",
                      "tlp": "green", "confidence": 70, "expire_after": "0",
                      "timeout": "2s", "max_bytes": 1000000})
    assert f["name"] == "ipcount" and f["identity"].startswith("identity--")
    assert f["credentials"] is False

    # Run 1: due at once. Four values, one of them on the "reserved" list.
    health = wait_first_run(h, "ipcount")
    assert health["ok"], health
    assert (health["added"], health["values"], health["held_back"]) == (4, 4, 1), health
    assert health["held_back_by_list"] == {"reserved": 1}
    objs = feed_objects(h, "ipcount", h.analyst_tok)
    assert set(objs) == {"198.51.100.1", "198.51.100.2", "10.9.9.9", "203.0.113.5"}
    for v, o in objs.items():
        assert o["created_by_ref"] == f["identity"]
        assert o["external_references"][0]["source_name"] == "ipcount"
        assert o["external_references"][0]["url"] == feeds.base + "/ips.tsv"
        assert o["confidence"] == 70
        assert o["object_marking_refs"] == [TLP["green"]]
        assert ("x_yagura_warninglist" in o) == (v == "10.9.9.9")
    assert objs["10.9.9.9"]["x_yagura_warninglist"] == "reserved"
    # The feed's identity is a STIX identity object of its own.
    ident = h.get("/taxii2/api/collections/" +
                  h.get("/taxii2/api/collections/", h.analyst_tok).json()["collections"][0]["id"]
                  + f"/objects/{f['identity']}/", h.analyst_tok).json()["objects"][0]
    assert ident["name"] == "feed:ipcount"

    # The sensor's view: the three values off the warning lists.
    ch, cursor = changes(h, h.sensor_tok, "0")
    assert sorted(value_of(c["object"]["pattern"]) for c in ch) == \
        ["198.51.100.1", "198.51.100.2", "203.0.113.5"]
    ips, held = export_ips(h, h.analyst_tok)
    assert ips == {"198.51.100.1", "198.51.100.2", "203.0.113.5"}
    assert held == "reserved=1"

    # Run 2: one value left, one came; the others are untouched.
    feeds.put("/ips.tsv", "198.51.100.1\t6\n10.9.9.9\t1\n203.0.113.5\t7\n192.0.2.77\t1\n")
    health = run_and_wait(h, "ipcount")
    assert health["ok"] and not health["not_modified"], health
    assert (health["added"], health["expired"], health["unchanged"], health["held_back"]) == \
        (1, 1, 3, 1), health
    ch, cursor = changes(h, h.sensor_tok, cursor)
    ops = sorted((c["op"], c.get("reason", ""),
                  value_of(c["object"]["pattern"]) if c["op"] == "upsert"
                  else {o["id"]: k for k, o in objs.items()}[c["id"]]) for c in ch)
    assert ops == [("remove", "expired", "198.51.100.2"), ("upsert", "", "192.0.2.77")], ch
    after = feed_objects(h, "ipcount", h.analyst_tok)
    assert "valid_until" in after["198.51.100.2"]
    for v in ("198.51.100.1", "203.0.113.5", "10.9.9.9"):
        assert after[v]["modified"] == objs[v]["modified"], v  # no new version

    # Run 3: nothing changed upstream: a conditional request and a 304.
    n_req = len(feeds.headers_of("/ips.tsv"))
    health = run_and_wait(h, "ipcount")
    last = feeds.headers_of("/ips.tsv")[n_req:]
    assert last and last[-1].get("If-None-Match", "").startswith('"v2-')
    assert last[-1].get("If-Modified-Since", "").endswith("GMT")
    assert "gzip" in last[-1].get("Accept-Encoding", "")
    assert health["ok"] and health["not_modified"] and health["http_status"] == 304, health
    assert (health["added"], health["expired"], health["unchanged"]) == (0, 0, 4)
    assert changes(h, h.sensor_tok, cursor)[0] == []

    # Failures: a 500, an answer over the cap, a server slower than the
    # timeout. Each is shown, and the last good content stays live.
    for mode, words in (("500", "HTTP 500"), ("big", "larger than"), ("slow", "timed out")):
        feeds.mode("/ips.tsv", mode)
        health = run_and_wait(h, "ipcount")
        assert not health["ok"], health
        assert words in health["last_error"], health
        assert (health["values"], health["unchanged"], health["held_back"]) == (4, 4, 1)
        assert changes(h, h.sensor_tok, cursor)[0] == []
    listing = api(h, "GET", "/api/v1/feeds", h.analyst_tok).json()["feeds"]
    assert [x["name"] for x in listing] == ["ipcount"]
    assert "timed out" in listing[0]["health"]["last_error"]
    ips, _ = export_ips(h, h.analyst_tok)
    assert ips == {"198.51.100.1", "203.0.113.5", "192.0.2.77"}

    # Recovery: a new version is fetched in full (no validators of the
    # broken answers), and only its difference is applied.
    feeds.put("/ips.tsv", "198.51.100.1\n10.9.9.9\n203.0.113.5\n192.0.2.77\n198.51.100.2\n")
    n_req = len(feeds.headers_of("/ips.tsv"))
    health = run_and_wait(h, "ipcount")
    assert health["ok"] and health["last_error"] == "", health
    assert (health["added"], health["returned"], health["unchanged"]) == (0, 1, 4), health
    assert feeds.headers_of("/ips.tsv")[n_req].get("If-None-Match", "").startswith('"v2-')
    ch, cursor = changes(h, h.sensor_tok, cursor)
    assert [(c["op"], value_of(c["object"]["pattern"])) for c in ch] == \
        [("upsert", "198.51.100.2")]
    assert "valid_until" not in feed_objects(h, "ipcount", h.analyst_tok)["198.51.100.2"]


FORMATS = {
    "adblock": ("[Adblock Plus 2.0]\n! phishing\n||phish-one.example^\n"
                "||phish-two.example^$third-party\n",
                {"phish-one.example", "phish-two.example"}),
    "hosts": ("127.0.0.1 localhost\n0.0.0.0 ads-one.example\n0.0.0.0 ads-two.example\n",
              {"ads-one.example", "ads-two.example"}),
    "dnsmasq": ("address=/dm-one.example/0.0.0.0\nserver=/dm-two.example/\n",
                {"dm-one.example", "dm-two.example"}),
    "drop": ("; Spamhaus DROP List\n192.0.2.0/24 ; SBL000001\n198.51.100.0/25 ; SBL000002\n",
             {"192.0.2.0/24", "198.51.100.0/25"}),
    "csv": ("first_seen,url,status\n2024-01-01,http://bad-one.example/x.exe,online\n"
            "2024-01-02,http://bad-two.example/y.php,online\n",
            {"http://bad-one.example/x.exe", "http://bad-two.example/y.php"}),
    "stix": (json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [
        indicator(oid=f"indicator--{uuid.uuid4()}", pattern="[domain-name:value = 'sx-one.example']"),
        indicator("203.0.113.66")]}),
             {"sx-one.example", "203.0.113.66"}),
    "popular": ("popular-site.example\nrare-site.example\n",
                {"popular-site.example", "rare-site.example"}),
}


def test_every_format_by_content_and_held_back_per_list(hub_lists, feeds):
    h = hub_lists
    for name, (text, _) in FORMATS.items():
        feeds.put(f"/{name}", text)
        subscribe(h, {"name": name, "url": f"{feeds.base}/{name}", "every": "1h"})
    for name, (_, want) in FORMATS.items():
        health = wait_first_run(h, name)
        assert health["ok"], (name, health)
        assert health["added"] == len(want), (name, health)
        got = set(feed_objects(h, name, h.analyst_tok))
        # URLs come back normalized by the loader (scheme dropped).
        if name == "csv":
            got = {"http://" + g if not g.startswith("http") else g for g in got}
        assert got == want, (name, got)
    pop = feed_of(h, "popular")["health"]
    assert pop["held_back_by_list"] == {"popular": 1}, pop
    # A file the loader cannot read is one clear error, nothing applied.
    feeds.put("/garbage", "<html>\n<body>not a list</body>\n</html>\n")
    subscribe(h, {"name": "garbage", "url": feeds.base + "/garbage"})
    health = wait_first_run(h, "garbage")
    assert not health["ok"] and "format not recognized" in health["last_error"], health
    assert health["values"] == 0


def test_feed_api_access_and_bad_bodies(hub_lists, feeds):
    h = hub_lists
    body = {"name": "x", "url": feeds.base + "/x"}
    assert api(h, "POST", "/api/v1/feeds", h.analyst_tok, json=body).status_code == 403
    assert api(h, "GET", "/api/v1/feeds", h.sensor_tok).status_code == 403
    assert api(h, "GET", "/api/v1/feeds", None).status_code == 401
    for bad, word in (({"name": "x"}, "'url'"),
                      ({"name": "../x", "url": "http://a/"}, "'name'"),
                      ({"name": "x", "url": "gopher://a/"}, "'url'"),
                      ({"name": "x", "url": "http://a/", "every": "often"}, "'every'"),
                      ({"name": "x", "url": "http://a/", "tlp": "red"}, "'tlp'"),
                      ({"name": "x", "url": "http://a/", "confidence": 101}, "'confidence'"),
                      ({"name": "x", "url": "http://a/", "format": "nope"}, "'format'"),
                      ({"name": "x", "url": "http://a/", "extra": 1}, "unknown member"),
                      ({"name": "x", "url": "http://a/", "format": "taxii",
                        "token_file": "/etc/shadow"}, "credential")):
        r = api(h, "POST", "/api/v1/feeds", h.admin_tok, json=bad)
        assert r.status_code == 400, (bad, r.text)
        assert word in r.json()["description"], (bad, r.text)
    r = api(h, "POST", "/api/v1/feeds", h.admin_tok, data=b"{not json",
            headers={"Content-Type": JSON})
    assert r.status_code == 400 and "invalid JSON" in r.json()["description"]
    subscribe(h, body)
    assert api(h, "POST", "/api/v1/feeds", h.admin_tok, json=body).status_code == 409
    assert api(h, "POST", "/api/v1/feeds/nope/run", h.admin_tok).status_code == 404
    assert api(h, "DELETE", "/api/v1/feeds/x", h.analyst_tok).status_code == 403
    assert api(h, "DELETE", "/api/v1/feeds/x", h.admin_tok).status_code == 200
    assert api(h, "GET", "/api/v1/feeds/x", h.admin_tok).status_code == 404


def test_admin_cli_feed_add_run_list_del(hub_lists, tmp_path):
    h = hub_lists
    src = tmp_path / "local.txt"
    src.write_text("198.51.100.31 # a comment\n198.51.100.32 ; ref\n")
    p = h.admin("feed", "add", "local", "--url", f"file://{src}", "--every", "1d",
                "--tlp", "clear", "--expire-after", "0")
    assert "feed local added" in p.stdout
    p = h.admin("feed", "add", "local", "--url", f"file://{src}", check=False)
    assert p.returncode == 1 and "exists" in p.stderr
    p = h.admin("feed", "add", "bad", "--url", "ftp://x/", check=False)
    assert p.returncode == 2 and "'url'" in p.stderr
    p = h.admin("feed", "run", "local")
    res = json.loads(p.stdout)
    assert res["ok"] and res["values"] == 2, res
    src.write_text("198.51.100.31\n")
    res = json.loads(h.admin("feed", "run", "local").stdout)
    assert (res["added"], res["expired"], res["unchanged"]) == (0, 1, 1), res
    objs = feed_objects(h, "local", h.analyst_tok)
    assert objs["198.51.100.31"]["object_marking_refs"] == [TLP["clear"]]
    lines = h.admin("feed", "list").stdout.splitlines()
    assert lines[0].startswith("local\tfile://") and lines[0].endswith("\tok")
    assert "198.51.100.31" in export_ips(h, h.analyst_tok)[0]
    assert "removed" in h.admin("feed", "del", "local").stdout
    assert h.admin("feed", "list").stdout == ""
    # Unsubscribed: its indicators leave every set and export at once.
    assert "198.51.100.31" not in export_ips(h, h.analyst_tok)[0]
    assert "valid_until" in feed_objects(h, "local", h.analyst_tok)["198.51.100.31"]


def test_taxii_feed_from_a_second_hub(hub_lists, tmp_path):
    h = hub_lists
    d2 = tmp_path / "peer"
    d2.mkdir()
    peer = Hub(d2)
    try:
        peer.org("P")
        tp = peer.token("P")
        coll = peer.get("/taxii2/api/collections/", tp).json()["collections"][0]["id"]
        live = [indicator(f"203.0.113.{i}", "green") for i in (1, 2, 3)]
        gone = indicator("203.0.113.9", "green")
        assert peer.post_objects(coll, tp, live + [gone]).status_code == 202
        rev = dict(gone, modified="2024-02-01T00:00:00.000Z", revoked=True)
        assert peer.post_objects(coll, tp, [rev]).status_code == 202
        tf = tmp_path / "peer.token"
        tf.write_text(tp + "\n")
        h.admin("feed", "add", "peer", "--url", peer.base, "--format", "taxii",
                "--token-file", str(tf), "--expire-after", "0")
        health = wait_first_run(h, "peer")
        assert health["ok"], health
        assert (health["added"], health["values"]) == (3, 3), health
        assert set(feed_objects(h, "peer", h.analyst_tok)) == \
            {"203.0.113.1", "203.0.113.2", "203.0.113.3"}
        shown = feed_of(h, "peer")
        assert shown["credentials"] is True and "token_file" not in shown
        # The peer revokes one more: the next run expires it here.
        r2 = dict(live[0], modified="2024-03-01T00:00:00.000Z", revoked=True)
        assert peer.post_objects(coll, tp, [r2]).status_code == 202
        health = run_and_wait(h, "peer")
        assert (health["expired"], health["unchanged"], health["values"]) == (1, 2, 2), health
        # A wrong token: an error, the last good content stays.
        tf.write_text("0" * 64 + "\n")
        health = run_and_wait(h, "peer")
        assert not health["ok"] and health["values"] == 2, health
    finally:
        check_clean_exit(peer)


def test_sensor_following_the_hub_gets_only_the_feed_changes(yagura, hub_lists, feeds, tmp_path):
    """A real `yagura sensor` follows the hub's change feed: after a feed
    run it matches the feed's new values, never the warning-listed one, and
    the next run reaches it as the difference alone."""
    from test_sensor_sightings import HubSensor, query, wait_for
    from test_sensor_taxii import hub_stats
    h = hub_lists
    feeds.put("/names", "bad-one.example\nbad-two.example\npopular-site.example\n")
    subscribe(h, {"name": "names", "url": feeds.base + "/names", "expire_after": "0"})
    health = wait_first_run(h, "names")
    assert (health["added"], health["held_back"]) == (3, 1), health
    tf = tmp_path / "sensor.token"
    tf.write_text(h.sensor_tok + "\n")
    s = HubSensor(yagura, tmp_path, h.base, tf, tmp_path / "spool")
    try:
        if not s.wait_stderr("capturing on lo"):
            s.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert s.wait_stderr("indicator set updated: 2 indicators"), "".join(s.lines)
        query("bad-one.example", 1)
        query("popular-site.example", 2)
        assert wait_for(lambda: len(s.alerts_for("bad-one.example")) == 1)

        feeds.put("/names", "bad-one.example\nbad-three.example\npopular-site.example\n")
        health = run_and_wait(h, "names")
        assert (health["added"], health["expired"], health["unchanged"]) == (1, 1, 2), health
        assert wait_for(lambda: sum("indicator set updated: 2 indicators" in ln
                                    for ln in s.lines) == 2, timeout=30), "".join(s.lines)
        query("bad-three.example", 3)
        query("bad-two.example", 4)
        query("bad-one.example", 5)
        assert wait_for(lambda: len(s.alerts_for("bad-one.example")) == 2)
        assert len(s.alerts_for("bad-three.example")) == 1
    finally:
        s.stop()
    said = "".join(s.lines)
    assert "AddressSanitizer" not in said and "runtime error" not in said, said
    assert not s.alerts_for("bad-two.example")
    assert not s.alerts_for("popular-site.example")
    st = hub_stats(s)
    # The full state (2), then only the difference (1 upsert, 1 remove).
    assert st["resets"] == 1 and st["changes"] == 4 and st["indicators"] == 2, st


def test_api_keys_in_feed_urls_stay_with_admins(hub_lists, feeds):
    h = hub_lists
    feeds.put("/keyed", "198.51.100.77\n")
    url = feeds.base + "/keyed?auth-key=s3cret-key"
    subscribe(h, {"name": "keyed", "url": url})
    assert wait_first_run(h, "keyed")["ok"]
    o = feed_objects(h, "keyed", h.analyst_tok)["198.51.100.77"]
    assert o["external_references"] == [{"source_name": "keyed", "url": feeds.base + "/keyed"}]
    coll = h.get("/taxii2/api/collections/", h.sensor_tok).json()["collections"][0]["id"]
    r = h.get(f"/taxii2/api/collections/{coll}/objects/", h.sensor_tok)
    assert r.status_code == 200 and "s3cret" not in r.text
    assert "s3cret" not in api(h, "GET", "/api/v1/feeds", h.analyst_tok).text
    assert feed_of(h, "keyed")["url"] == url  # the admin sees what it configured
