"""The alert level (issue 15) against a real hub: signals pushed over the
API, proposals, confirmation of a raise to 4, rejection, manual set, the
two-person rule, the audit log, the event stream, playbooks (a webhook to a
receiver that fails first, a STIX report members read over TAXII, blocking
exports, the poll interval) and who may do what."""
import http.server
import json
import queue
import subprocess
import threading
import time
import uuid

import pytest
import requests

from hubfixture import Hub, check_clean_exit, indicator, yagura_bin

JSON = "application/json"
TAXII = "application/taxii+json;version=2.1"


class Receiver:
    """A webhook receiver (http.server) that answers 500 to the first
    `fail` notices and 200 after."""

    def __init__(self, fail):
        self.fail = fail
        self.bodies = []
        self.statuses = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.bodies.append(json.loads(self.rfile.read(n)))
                status = 500 if len(outer.bodies) <= outer.fail else 200
                outer.statuses.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/notice"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def rules(url):
    levels = [{"level": i, "name": n, "description": f"level {i}"}
              for i, n in enumerate(["normal", "guarded", "elevated", "high", "severe"], 1)]
    return {
        "levels": levels,
        "rules": [
            {"id": "surge", "signal": "darknet.surge_score", "value": 3, "level": 2},
            {"id": "surge-strong", "signal": "darknet.surge_score", "value": 6, "level": 3},
            {"id": "incidents", "signal": "incidents.confirmed", "value": 5, "level": 4},
            {"id": "critical", "signal": "sightings.critical", "value": 1, "level": 3},
            {"id": "peer", "signal": "federation.advisory_level", "value": 5, "level": 5},
        ],
        "playbooks": {
            "3": [{"action": "decay", "factor": 2}],
            "4": [{"action": "decay", "factor": 4}, {"action": "export_mode", "mode": "block"},
                  {"action": "poll_interval", "seconds": 60},
                  {"action": "webhook", "url": url}, {"action": "stix_report", "tlp": "green"}],
            "2": [{"action": "decay", "factor": 1}, {"action": "export_mode", "mode": "alert"}],
        },
        "critical_sectors": ["energy", "water"],
        "retry": {"base_s": 0.2, "max_s": 1, "attempts": 6},
    }


@pytest.fixture
def lv(tmp_path):
    rec = Receiver(fail=2)
    (tmp_path / "level.json").write_text(json.dumps(rules(rec.url)))
    h = Hub(tmp_path)
    h.org("ops", sector="government")
    h.org("acme", sector="energy")
    h.t = {"a1": h.token("ops", "admin"), "a2": h.token("ops", "admin"),
           "analyst": h.token("acme", "analyst"), "reader": h.token("acme", "reader")}
    for k, v in h.t.items():
        (tmp_path / f"{k}.tok").write_text(v + "\n")
    h.coll = h.get("/taxii2/api/collections/", h.t["analyst"]).json()["collections"][0]["id"]
    h.rec = rec
    yield h
    check_clean_exit(h)
    rec.close()


def api(h, method, path, token, body=None):
    kw = {"json": body} if body is not None else {}
    return h.req(method, "/api/v1/level" + path, token, accept=JSON,
                 headers={"Content-Type": JSON} if body is not None else None, **kw)


def cli(h, *args, token="a1", check=True):
    p = subprocess.run([yagura_bin(), "level", *args, "--hub", h.base,
                        "--token-file", str(h.data / f"{token}.tok")],
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


class Stream:
    """A client of GET /api/v1/events collecting (event, data) pairs."""

    def __init__(self, h, token):
        self.q = queue.Queue()
        self.r = requests.get(h.base + "/api/v1/events", stream=True, timeout=60,
                              headers={"Authorization": f"Bearer {token}",
                                       "Accept": "text/event-stream"})
        assert self.r.status_code == 200
        assert self.r.headers["Content-Type"] == "text/event-stream"
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        ev, data = None, None
        try:
            for line in self.r.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    ev = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and ev:
                    self.q.put((ev, data))
                    ev, data = None, None
        except Exception:  # the connection closes when the hub stops
            pass

    def wait(self, pred, timeout=30):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            try:
                e = self.q.get(timeout=deadline - time.time())
            except queue.Empty:
                break
            seen.append(e)
            if pred(*e):
                return e
        raise AssertionError(f"no such event; saw {seen}")

    def close(self):
        self.r.close()


def wait_for(fn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("condition not met")


def test_access(lv):
    h = lv
    assert api(h, "GET", "", None).status_code == 401
    assert h.req("GET", "/api/v1/events", None).status_code == 401
    for tok in ("analyst", "reader"):
        assert api(h, "GET", "", h.t[tok]).status_code == 200
        assert api(h, "GET", "/history", h.t[tok]).status_code == 200
        for path, body in (("/set", {"level": 3, "reason": "x"}), ("/confirm", {}),
                           ("/reject", {}), ("/signals", {"name": "a", "value": 1})):
            r = api(h, "POST", path, h.t[tok], body)
            assert r.status_code == 403, (tok, path, r.text)
    assert api(h, "POST", "/signals", None, {"name": "a", "value": 1}).status_code == 401
    p = cli(h, "set", "3", "--reason", "x", token="analyst", check=False)
    assert p.returncode == 1 and "403" in p.stderr
    # Bad bodies are 400 naming the member.
    r = api(h, "POST", "/signals", h.t["a1"], {"signals": [{"name": "a", "value": "x"}]})
    assert r.status_code == 400 and "signals[0].value" in r.json()["description"]
    r = api(h, "POST", "/set", h.t["a1"], {"level": 4})
    assert r.status_code == 400 and "reason" in r.json()["description"]
    r = h.req("POST", "/api/v1/level/signals", h.t["a1"], accept=JSON,
              headers={"Content-Type": "text/plain"}, data="x")
    assert r.status_code == 415
    # The type is the whole media type, and a body always needs one.
    for ct in ("application/jsonx", None):
        r = h.req("POST", "/api/v1/level/signals", h.t["a1"], accept=JSON,
                  headers={"Content-Type": ct} if ct else None,
                  data=b'{"name": "a", "value": 1}')
        assert r.status_code == 415, ct
    assert api(h, "POST", "/confirm", h.t["a1"], {}).status_code == 409
    assert api(h, "GET", "", h.t["a1"]).json()["level"] == 1


def test_level_flow(lv):
    h = lv
    a1, a2, an = h.t["a1"], h.t["a2"], h.t["analyst"]
    member_stream = Stream(h, an)
    admin_stream = Stream(h, a1)
    member_stream.wait(lambda e, d: e == "level" and d["level"] == 1)

    # A surge of 7 raises to 3 at once, with the rule and its numbers.
    r = api(h, "POST", "/signals", a1, {"name": "darknet.surge_score", "value": 7,
                                        "detail": {"port": 23}})
    assert r.status_code == 200, r.text
    st = r.json()
    assert st["level"] == 3 and st["proposal"] is None
    why = st["evaluated"]["reasons"][0]
    assert (why["rule"], why["value"], why["threshold"], why["level"]) == \
        ("surge-strong", 7, 6, 3)
    assert why["detail"] == {"port": 23}  # admins see the source's detail
    mem = api(h, "GET", "", an).json()
    assert "detail" not in mem["evaluated"]["reasons"][0]
    member_stream.wait(lambda e, d: e == "level" and d["level"] == 3)

    # Incidents vote 4: a proposal waits; the level stays 3.
    st = api(h, "POST", "/signals", a1, {"signals": [
        {"name": "incidents.confirmed", "value": 6}]}).json()
    assert st["level"] == 3 and st["proposal"]["level"] == 4
    pid = st["proposal"]["id"]
    assert st["proposal"]["reasons"][0]["rule"] == "incidents"
    out = cli(h, "show").stdout
    assert f"proposal {pid}: level 4 (high)" in out and "incidents: incidents.confirmed" in out

    # Confirmed by an operator through the CLI: level 4; the stream tells.
    cli(h, "confirm", "--proposal", str(pid), "--reason", "incidents confirmed by CSIRT")
    assert api(h, "GET", "", an).json()["level"] == 4
    member_stream.wait(lambda e, d: e == "level" and d["level"] == 4)

    # The webhook fails twice, is retried, and succeeds; each attempt is
    # reported on the operators' stream.
    admin_stream.wait(lambda e, d: e == "level.action" and d["action"] == "webhook"
                      and d["state"] == "failed")
    admin_stream.wait(lambda e, d: e == "level.action" and d["action"] == "webhook"
                      and d["state"] == "succeeded")
    acts = {a["action"]: a for a in api(h, "GET", "", a1).json()["actions"]}
    assert acts["webhook"]["state"] == "succeeded" and acts["webhook"]["attempts"] == 3
    assert acts["webhook"]["params"]["url"] == h.rec.url
    # Members see the actions, not the operators' webhook URL.
    assert all("url" not in a["params"] for a in api(h, "GET", "", an).json()["actions"])
    assert h.rec.statuses == [500, 500, 200]
    notice = h.rec.bodies[-1]
    assert notice["level"] == 4 and notice["previous"] == 3 and notice["name"] == "high"
    assert notice["reasons"][0]["rule"] == "incidents"
    wait_for(lambda: all(a["state"] == "succeeded"
                         for a in api(h, "GET", "", a1).json()["actions"]))
    st = api(h, "GET", "", an).json()
    assert st["settings"] == {"decay_factor": 4.0, "export_mode": "block",
                              "poll_interval_s": 60}

    # The STIX report reaches members over TAXII.
    r = h.get(f"/taxii2/api/collections/{h.coll}/objects/", an,
              params={"match[type]": "report"})
    reps = r.json()["objects"]
    assert len(reps) == 1 and reps[0]["x_yagura_alert_level"] == 4
    assert reps[0]["object_refs"] and reps[0]["name"] == "Alert level 4 (high)"
    assert "detail" not in json.dumps(reps[0]["x_yagura_reasons"])
    # Blocking exports and the poll interval.
    h.post_objects(h.coll, an, [indicator("198.51.100.7", tlp="green")])
    r = h.get("/api/v1/export/nftables", an, accept="*/*")
    assert r.status_code == 200 and "@blocklist_v4 drop" in r.text
    r = h.get("/api/v1/export/suricata", an, accept="*/*")
    rules = [l for l in r.text.splitlines() if l and not l.startswith("#")]
    assert r.status_code == 200 and rules and all(l.startswith("drop ") for l in rules)
    assert any("198.51.100.7" in l for l in rules)
    assert r.headers["X-Yagura-Poll-Interval"] == "60"

    # Signals fall: the lowering waits; an operator rejects it.
    st = api(h, "POST", "/signals", a1, {"signals": [
        {"name": "incidents.confirmed", "value": 0},
        {"name": "darknet.surge_score", "value": 0}]}).json()
    assert st["level"] == 4 and st["proposal"]["level"] == 1
    r = api(h, "POST", "/reject", a2, {"proposal": st["proposal"]["id"],
                                       "reason": "incident still open"})
    assert r.status_code == 200 and r.json()["level"] == 4 and r.json()["proposal"] is None
    assert api(h, "POST", "/confirm", a1, {}).status_code == 409

    # A manual set through the CLI, with its reason.
    cli(h, "set", "2", "--reason", "exercise over")
    assert api(h, "GET", "", an).json()["level"] == 2
    member_stream.wait(lambda e, d: e == "level" and d["level"] == 2)

    # The two-person rule for 5: one operator is not enough.
    cli(h, "two-person", "on")
    st = api(h, "POST", "/signals", a1, {"name": "federation.advisory_level", "value": 5}).json()
    assert st["level"] == 3 and st["proposal"]["level"] == 5
    assert st["proposal"]["confirmations_needed"] == 2
    assert api(h, "POST", "/confirm", a1, {"reason": "peer advisory"}).status_code == 200
    assert api(h, "GET", "", a1).json()["level"] == 3
    r = api(h, "POST", "/confirm", a1, {})
    assert r.status_code == 409 and "second operator" in r.json()["description"]
    assert api(h, "POST", "/confirm", a2, {"reason": "agreed"}).json()["level"] == 5

    # The audit log: every transition with who, why and the signal values.
    hist = api(h, "GET", "/history", a1).json()["history"]
    seq = [(e["kind"], e["from"], e["to"]) for e in reversed(hist)]
    assert seq == [
        ("proposed", 1, 3), ("applied", 1, 3),
        ("proposed", 3, 4), ("confirmed", 3, 4),
        ("proposed", 4, 1), ("rejected", 4, 1),
        ("manual", 4, 2), ("two_person", 2, 2),
        ("proposed", 2, 3), ("applied", 2, 3), ("proposed", 3, 5),
        ("confirmed", 3, 5), ("confirmed", 3, 5)], seq
    by = {(e["kind"], e["to"]): e for e in hist}
    c4 = by[("confirmed", 4)]
    assert c4["actor"]["org"] == "ops" and c4["actor"]["role"] == "admin"
    assert c4["reason"] == "incidents confirmed by CSIRT"
    assert c4["detail"]["signals"]["incidents.confirmed"] == 6
    assert c4["detail"]["signals"]["darknet.surge_score"] == 7
    assert {a["action"] for a in c4["actions"]} == \
        {"decay", "export_mode", "poll_interval", "webhook", "stix_report"}
    rej = by[("rejected", 1)]
    assert rej["reason"] == "incident still open" and rej["detail"]["signals"]["darknet.surge_score"] == 0
    assert by[("manual", 2)]["reason"] == "exercise over"
    assert by[("applied", 3)]["actor"]["org"] == "rules"
    fives = [e for e in hist if e["kind"] == "confirmed" and e["to"] == 5]
    assert fives[0]["actor"]["token"] != fives[1]["actor"]["token"]
    # Members see the log without token ids.
    mh = api(h, "GET", "/history", an).json()["history"]
    assert len(mh) == len(hist) and all("token" not in e["actor"] for e in mh)
    out = cli(h, "history").stdout
    assert "rejected" in out and "incident still open" in out
    # Operators' action events never reach members.
    member_stream.close()
    admin_stream.close()
    assert all(e != "level.action" for e, _ in list(member_stream.q.queue))


def test_sightings_at_critical_sectors(lv):
    """A signal the store gives: a sighting at an energy member votes 3."""
    h = lv
    an = h.t["analyst"]
    ind = indicator("203.0.113.9", tlp="green")
    assert h.post_objects(h.coll, an, [ind]).status_code == 202
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    s = {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
         "created": now, "modified": now, "sighting_of_ref": ind["id"], "count": 4,
         "first_seen": now, "last_seen": now}
    r = h.req("POST", "/api/v1/sightings", an, accept=JSON, headers={"Content-Type": JSON},
              json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [s]})
    assert r.status_code in (200, 201, 202), r.text
    # Any new signal evaluates at once (the minute tick would too).
    st = api(h, "POST", "/signals", h.t["a1"], {"name": "darknet.surge_score", "value": 0}).json()
    assert st["level"] == 3
    why = [x for x in st["evaluated"]["reasons"] if x["rule"] == "critical"][0]
    assert why["value"] == 4 and why["detail"] == {"sectors": {"energy": 4}}


def test_streams_count_against_poll_caps(tmp_path):
    """An event stream holds a long-poll place for its whole life: past the
    per-token cap the next one is 429, and a closed one frees its place."""
    h = Hub(tmp_path, args=["--max-polls-per-token", "1"])
    try:
        h.org("acme", sector="energy")
        tok = h.token("acme", "reader")
        s1 = Stream(h, tok)
        s1.wait(lambda e, d: e == "level")
        r = requests.get(h.base + "/api/v1/events", timeout=30,
                         headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 429 and "Retry-After" in r.headers
        s1.close()
        # The hub notices the closed stream at its next heartbeat at the
        # latest; a new stream then gets the place.
        def again():
            s = requests.get(h.base + "/api/v1/events", stream=True, timeout=30,
                             headers={"Authorization": f"Bearer {tok}"})
            code = s.status_code
            s.close()
            return code == 200
        wait_for(again, timeout=40)
    finally:
        check_clean_exit(h)
