"""A small stand-in for the hub's sensor-facing routes (whoami, the change
feed, the indicator export, POST /api/v1/sightings, /darknet and
/beacons), for testing the sensor's delivery, spool and feed handling
where the real hub cannot be made to fail on cue. Follows the contract of issue 4 (sections 1 and 3)."""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

IDENTITY = "identity--0000aaaa-0000-4000-8000-00000000b0b0"


def domain_indicator(name, oid=None):
    return {"type": "indicator", "spec_version": "2.1",
            "id": oid or f"indicator--{uuid.uuid4()}",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": f"[domain-name:value = '{name}']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z"}


class FakeHub:
    """mode: 'ok' | 'fail' (503) | 'refuse' (401) for POST /sightings.
    feed: 'changes' | 'none' (404 for the change feed) | 'stuck' (more, no progress).
    malformed: when True, the change feed answers garbage."""

    def __init__(self, token="t0ken"):
        self.token = token
        self.mode = "ok"
        self.skew = 0          # seconds added to the Date header (the hub's clock)
        self.page = 0          # > 0: a full state comes in pages of this many
        self.feed = "changes"
        self.malformed = False
        self.indicators = {}   # id -> object
        self.log = []          # (version, op, id, object)
        self.version = 0
        self.posts = []        # raw bodies of POST /sightings (any outcome)
        self.stored = {}       # sighting id -> object (delivered, deduplicated)
        self.counted = {}      # indicator id -> summed count
        self.requests = []
        self.darknet = []      # (Content-Type, raw body) of POST /api/v1/darknet
        self.darknet_mode = "ok"  # or 'fail' (503)
        self.beacons = []      # (Content-Type, raw body) of POST /api/v1/beacons
        self.beacons_mode = "ok"  # or 'fail' (503)
        self.cond = threading.Condition()
        hub = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def date_time_string(self, timestamp=None):
                return super().date_time_string(time.time() + hub.skew)

            def reply(self, code, obj=None, raw=None):
                body = raw if raw is not None else json.dumps(obj or {}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def authed(self):
                if self.headers.get("Authorization") != f"Bearer {hub.token}":
                    self.reply(401, {"title": "bad token"})
                    return False
                return True

            def do_GET(self):
                u = urlparse(self.path)
                hub.requests.append(("GET", u.path))
                if not self.authed():
                    return
                if u.path == "/api/v1/whoami":
                    return self.reply(200, {"org": "B", "identity": IDENTITY, "sector": "energy",
                                            "role": "sensor"})
                if u.path == "/api/v1/indicators/changes":
                    q = parse_qs(u.query)
                    if hub.feed == "stuck":  # "more" forever, never a change
                        return self.reply(200, {"cursor": q.get("since", ["0"])[0],
                                                "more": True, "changes": []})
                    if hub.feed != "changes":
                        return self.reply(404, {"title": "not found"})
                    return self.changes(q.get("since", ["0"])[0], int(q.get("wait", ["0"])[0]))
                if u.path == "/api/v1/indicators":
                    with hub.cond:
                        objs = list(hub.indicators.values())
                    return self.reply(200, {"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                            "objects": objs})
                self.reply(404, {"title": "not found"})

            def changes(self, since, wait):
                if hub.malformed:
                    return self.reply(200, raw=b'{"cursor":"x","changes":[{"op":"upsert","id":1}]}')
                if since.startswith("r"):  # inside a paged full state: "r<version>:<offset>"
                    ver, off = (int(x) for x in since[1:].split(":"))
                    with hub.cond:
                        return self.reset_page(ver, off)
                try:
                    since = int(since)
                except ValueError:
                    since = -1
                with hub.cond:
                    end = time.time() + min(wait, 30)
                    while hub.version <= since and time.time() < end and not hub.malformed:
                        hub.cond.wait(end - time.time())
                    if hub.malformed:
                        return self.reply(200, raw=b'{"cursor":"x","changes":[{"op":"upsert","id":1}]}')
                    if hub.page and (since < 0 or since > hub.version or since == 0):
                        return self.reset_page(hub.version, 0)
                    if since < 0 or since > hub.version or since == 0:
                        ch = [{"op": "upsert", "id": i, "object": o}
                              for i, o in hub.indicators.items()]
                        ans = {"cursor": str(hub.version), "reset": True, "more": False,
                               "changes": ch}
                    else:
                        ch = []
                        for v, op, i, o in hub.log:
                            if v > since:
                                ch.append({"op": "upsert", "id": i, "object": o} if op == "upsert"
                                          else {"op": "remove", "id": i, "reason": "revoked"})
                        ans = {"cursor": str(hub.version), "reset": False, "more": False,
                               "changes": ch}
                self.reply(200, ans)

            def reset_page(self, ver, off):
                items = sorted(hub.indicators.items())
                page = items[off:off + hub.page]
                more = off + hub.page < len(items)
                self.reply(200, {"cursor": f"r{ver}:{off + hub.page}" if more else str(ver),
                                 "reset": True, "more": more,
                                 "changes": [{"op": "upsert", "id": i, "object": o}
                                             for i, o in page]})

            def do_POST(self):
                u = urlparse(self.path)
                hub.requests.append(("POST", u.path))
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if not self.authed():
                    return
                if u.path == "/api/v1/darknet":
                    # Telescope windows (issue 13): recorded as sent, with
                    # their Content-Type, for the test to check against the
                    # contract. The real hub's endpoint replaces this at merge.
                    with hub.cond:
                        hub.darknet.append((self.headers.get("Content-Type"), body))
                        hub.cond.notify_all()
                    if hub.darknet_mode == "fail":
                        return self.reply(503, {"title": "try later"})
                    return self.reply(200, {"accepted": 1})
                if u.path == "/api/v1/beacons":
                    # Beacon reports (issue 14), recorded as sent for the
                    # wire-format test; the real hub's endpoint (built
                    # beside this on another branch) replaces it at merge.
                    with hub.cond:
                        hub.beacons.append((self.headers.get("Content-Type"), body))
                        hub.cond.notify_all()
                    if hub.beacons_mode == "fail":
                        return self.reply(503, {"title": "try later"})
                    return self.reply(200, {"accepted": len(json.loads(body)["beacons"])})
                if u.path != "/api/v1/sightings":
                    return self.reply(404, {"title": "not found"})
                hub.posts.append(body)
                if hub.mode == "fail":
                    return self.reply(503, {"title": "try later"})
                if hub.mode == "refuse":
                    return self.reply(401, {"title": "token revoked"})
                try:
                    b = json.loads(body)
                    objs = b["objects"]
                    assert b["type"] == "bundle"
                except Exception:
                    return self.reply(400, {"title": "not a bundle"})
                acc, dup, rej = 0, 0, []
                with hub.cond:
                    for k, o in enumerate(objs):
                        if o.get("sighting_of_ref") not in hub.indicators and \
                                o.get("sighting_of_ref") not in hub.ever:
                            rej.append({"index": k, "id": o.get("id"), "error": "unknown indicator"})
                        elif o["id"] in hub.stored:
                            dup += 1
                        else:
                            hub.stored[o["id"]] = o
                            ref = o["sighting_of_ref"]
                            hub.counted[ref] = hub.counted.get(ref, 0) + o["count"]
                            acc += 1
                self.reply(200, {"accepted": acc, "duplicates": dup, "rejected": rej})

        self.ever = set()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def upsert(self, obj):
        with self.cond:
            self.version += 1
            self.indicators[obj["id"]] = obj
            self.ever.add(obj["id"])
            self.log.append((self.version, "upsert", obj["id"], obj))
            self.cond.notify_all()

    def remove(self, oid):
        with self.cond:
            self.version += 1
            self.indicators.pop(oid, None)
            self.log.append((self.version, "remove", oid, None))
            self.cond.notify_all()

    def set_malformed(self, on=True):
        with self.cond:
            self.malformed = on
            self.cond.notify_all()

    def close(self):
        self.set_malformed(False)
        self.httpd.shutdown()
        self.httpd.server_close()
