"""End-to-end tests of the hub: admin CLI, authentication, TAXII 2.1
endpoints and filters, TLP 2.0 visibility, and bad input."""
import json
import socket
import uuid

import pytest

from hubfixture import (TAXII, TLP, auth_value, hub, indicator, store_bytes,  # noqa: F401
                        world)

# Every test here runs with Bearer and again with the token as a Basic password.
pytestmark = pytest.mark.usefixtures("both_auth_schemes")

def objs_path(h, suffix=""):
    return f"/taxii2/api/collections/{h.coll}/{suffix}"


def ids_of(resp):
    return [o["id"] for o in resp.json().get("objects", [])]


def test_cli_token_printed_alone_and_stored_hashed(hub):
    hub.org("Acme", country="JP")
    p = hub.admin("token", "create", "--org", "Acme", "--role", "reader")
    tok = p.stdout.strip().splitlines()[-1]
    assert len(tok) == 64
    raw = store_bytes(hub.data)
    assert tok.encode() not in raw
    orgs = hub.admin("org", "list").stdout.splitlines()
    assert orgs[0].split("\t")[:3] == ["Acme", "energy", "JP"]
    assert hub.admin("org", "add", "Acme", "--sector", "x", check=False).returncode == 1
    assert hub.admin("token", "create", "--org", "Nope", "--role", "reader",
                     check=False).returncode == 1
    assert hub.admin("token", "create", "--org", "Acme", "--role", "god",
                     check=False).returncode == 2


def test_auth_401_and_revoke(world):
    h = world
    # The default collection is not public: no token, no data.
    r = h.get(objs_path(h, "objects/"), None)
    assert r.status_code == 401
    assert r.json() == {"title": "unauthorized", "http_status": "401",
                        "description": "a token is required (Bearer, or Basic with the token as password)"}
    assert r.headers["Content-Type"] == TAXII
    # One challenge per scheme (requests joins repeated headers with ", ").
    assert r.headers["WWW-Authenticate"] == \
        'Bearer realm="yagura", Basic realm="yagura", charset="UTF-8"'
    # A wrong password in Basic: 401 with both challenges too.
    r = h.req("GET", "/taxii2/", None, headers={"Authorization": auth_value("0" * 64, "basic")})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="yagura", Basic realm=')
    # A token that is given is checked, on every route.
    assert h.get("/taxii2/", "0" * 64).status_code == 401
    assert h.req("GET", "/taxii2/", None, headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert h.get("/taxii2/", h.t["B"]).status_code == 200
    pub = h.admin("token", "list").stdout.splitlines()[1].split("\t")[0]
    out = h.admin("token", "revoke", pub[:8]).stdout
    assert f"token {pub} revoked" in out
    assert h.get("/taxii2/", h.t["B"]).status_code == 401
    assert h.admin("token", "revoke", h.t["C"]).returncode == 0
    assert h.get("/taxii2/", h.t["C"]).status_code == 401
    assert h.admin("token", "revoke", "ffffffffffff", check=False).returncode == 1


def test_healthz_and_metrics(world):
    h = world
    r = h.get("/healthz", None)
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert h.get("/metrics", h.t["A"]).status_code == 403
    m = h.get("/metrics", h.t["admin"], accept=None)
    assert m.status_code == 200
    assert 'yagura_hub_requests_total{code="403"} 1' in m.text
    assert "yagura_hub_objects 9" in m.text  # four identities, five TLP markings
    assert 'yagura_hub_request_duration_seconds_bucket{le="+Inf"}' in m.text


def test_discovery_api_root_collection(world):
    h = world
    d = h.get("/taxii2/", h.t["A"]).json()
    assert d["api_roots"] == ["/taxii2/api/"] and d["default"] == "/taxii2/api/"
    a = h.get("/taxii2/api/", h.t["A"]).json()
    assert a["versions"] == [TAXII] and a["max_content_length"] == 64 << 20
    c = h.get(objs_path(h), h.t["reader"]).json()
    assert (c["id"], c["can_read"], c["can_write"]) == (h.coll, True, False)
    missing = h.get(f"/taxii2/api/collections/{uuid.uuid4()}/", h.t["A"])
    assert missing.status_code == 404 and missing.json()["http_status"] == "404"


def test_post_get_roundtrip_and_status(world):
    h = world
    ind = indicator(tlp="green")
    bad = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
           "pattern": "[ipv4-addr:value = '1.2.3.4'", "pattern_type": "stix",
           "valid_from": "2024-01-01T00:00:00Z"}
    r = h.post_objects(h.coll, h.t["A"], [ind, bad])
    assert r.status_code == 202
    st = r.json()
    assert (st["status"], st["total_count"], st["success_count"], st["failure_count"]) == \
        ("complete", 2, 1, 1)
    assert st["successes"] == [{"id": ind["id"], "version": ind["modified"]}]
    assert st["failures"][0]["id"] == bad["id"]
    assert "pattern" in st["failures"][0]["message"]
    assert h.get(f"/taxii2/api/status/{st['id']}/", h.t["A"]).json() == st
    assert h.get(f"/taxii2/api/status/{st['id']}/", h.t["B"]).status_code == 404
    got = h.get(objs_path(h, f"objects/{ind['id']}/"), h.t["C"])
    assert got.status_code == 200
    assert got.json()["objects"] == [ind]
    assert "X-TAXII-Date-Added-First" in got.headers


def test_versions_and_match_version(world):
    h = world
    oid = f"indicator--{uuid.uuid4()}"
    mods = ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]
    for m in mods:
        assert h.post_objects(h.coll, h.t["A"], [indicator(tlp="green", oid=oid, modified=m)]) \
            .json()["success_count"] == 1
    v = h.get(objs_path(h, f"objects/{oid}/versions/"), h.t["B"]).json()
    assert v == {"more": False, "versions": mods}
    def mod(q):
        r = h.get(objs_path(h, "objects/"), h.t["B"], params={"match[id]": oid, **q})
        return [o["modified"] for o in r.json()["objects"]]
    assert mod({}) == [mods[2]]
    assert mod({"match[version]": "first"}) == [mods[0]]
    assert mod({"match[version]": "all"}) == mods
    assert mod({"match[version]": "first,last"}) == [mods[0], mods[2]]
    assert mod({"match[version]": mods[1]}) == [mods[1]]
    assert h.get(objs_path(h, "objects/"), h.t["B"],
                  params={"match[version]": "yesterday"}).status_code == 400


def test_filters_and_pagination(world):
    h = world
    objs = [indicator(ip=f"10.0.0.{i}", tlp="green") for i in range(250)]
    assert h.post_objects(h.coll, h.t["A"], objs).json()["success_count"] == 250
    seen, nxt, pages = [], None, 0
    while True:
        params = {"match[type]": "indicator", "limit": "100"}
        if nxt:
            params["next"] = nxt
        r = h.get(objs_path(h, "objects/"), h.t["C"], params=params)
        body = r.json()
        seen += ids_of(r)
        pages += 1
        if not body["more"]:
            break
        nxt = body["next"]
    assert pages == 3 and seen == [o["id"] for o in objs]
    first = h.get(objs_path(h, "objects/"), h.t["C"],
                  params={"match[type]": "indicator", "limit": "10"})
    last_added = first.headers["X-TAXII-Date-Added-Last"]
    after = h.get(objs_path(h, "objects/"), h.t["C"],
                  params={"match[type]": "indicator", "added_after": last_added, "limit": "5"})
    assert ids_of(after) == [o["id"] for o in objs[10:15]]
    two = h.get(objs_path(h, "objects/"), h.t["C"],
                params={"match[id]": f"{objs[3]['id']},{objs[7]['id']}"})
    assert ids_of(two) == [objs[3]["id"], objs[7]["id"]]
    ident = h.get(objs_path(h, "objects/"), h.t["C"], params={"match[type]": "identity"})
    assert len(ids_of(ident)) == 4
    sv = h.get(objs_path(h, "objects/"), h.t["C"], params={"match[spec_version]": "2.0"})
    assert sv.json() == {"more": False}
    man = h.get(objs_path(h, "manifest/"), h.t["C"], params={"limit": "2"}).json()
    assert man["more"] is True and len(man["objects"]) == 2
    assert set(man["objects"][0]) == {"id", "date_added", "version", "media_type"}
    for bad in ({"limit": "0"}, {"limit": "-1"}, {"limit": "x"}, {"added_after": "2024"},
                {"next": "abc"}, {"match[id]": ","}):
        r = h.get(objs_path(h, "objects/"), h.t["C"], params=bad)
        assert r.status_code == 400, bad
        assert r.json()["http_status"] == "400"


def test_tlp_matrix(world):
    """5 levels x submitter / same group / other member / named org."""
    h = world
    posted = {}
    for level in TLP:
        share = ["group:council", "D"] if level in ("amber", "red") else []
        o = indicator(tlp=level, x_yagura_share_with=share) if share else indicator(tlp=level)
        assert h.post_objects(h.coll, h.t["A"], [o]).json()["success_count"] == 1
        posted[level] = o["id"]
    unmarked = indicator()
    h.post_objects(h.coll, h.t["A"], [unmarked])
    expect = {  # viewer -> levels it sees
        "A": {"clear", "green", "amber", "amber+strict", "red", "none"},
        "B": {"clear", "green", "amber", "red"},
        "D": {"clear", "green", "amber", "red"},
        "C": {"clear", "green"},
    }
    posted["none"] = unmarked["id"]
    for viewer, levels in expect.items():
        tok = h.t[viewer]
        listed = set(ids_of(h.get(objs_path(h, "objects/"), tok,
                                  params={"match[type]": "indicator"})))
        manifest = {o["id"] for o in h.get(objs_path(h, "manifest/"), tok).json()["objects"]}
        for level, oid in posted.items():
            visible = level in levels
            assert (oid in listed) == visible, (viewer, level, "objects")
            assert (oid in manifest) == visible, (viewer, level, "manifest")
            one = h.get(objs_path(h, f"objects/{oid}/"), tok)
            assert one.status_code == (200 if visible else 404), (viewer, level)
            ver = h.get(objs_path(h, f"objects/{oid}/versions/"), tok)
            assert ver.status_code == (200 if visible else 404), (viewer, level)
    # Other members never see the sharing list.
    got = h.get(objs_path(h, f"objects/{posted['amber']}/"), h.t["B"]).json()["objects"][0]
    assert "x_yagura_share_with" not in got
    mine = h.get(objs_path(h, f"objects/{posted['amber']}/"), h.t["A"]).json()["objects"][0]
    assert mine["x_yagura_share_with"] == ["group:council", "D"]


def test_share_with_unknown_target_fails_by_name(world):
    h = world
    o = indicator(tlp="amber", x_yagura_share_with=["Nobody"])
    st = h.post_objects(h.coll, h.t["C"], [o]).json()
    assert st["failure_count"] == 1
    assert st["failures"][0]["id"] == o["id"]
    assert "x_yagura_share_with" in st["failures"][0]["message"]
    # C is not in A's council group, so it may not share through it.
    o2 = indicator(tlp="amber", x_yagura_share_with=["group:council"])
    assert h.post_objects(h.coll, h.t["C"], [o2]).json()["failure_count"] == 1


def test_anonymous_submission(world):
    h = world
    a_ident = h.admin("org", "list").stdout.splitlines()[0].split("\t")[3]
    o = indicator(tlp="green", created_by_ref=a_ident)
    o2 = indicator(tlp="green", created_by_ref=a_ident, x_yagura_anonymous=True)
    h.post_objects(h.coll, h.t["A"], [o], headers={"X-Yagura-Anonymous": "1"})
    h.post_objects(h.coll, h.t["A"], [o2])
    for oid in (o["id"], o2["id"]):
        seen = h.get(objs_path(h, f"objects/{oid}/"), h.t["C"]).json()["objects"][0]
        assert seen["created_by_ref"].startswith("identity--")
        assert seen["created_by_ref"] != a_ident
        assert "x_yagura_anonymous" not in seen
        own = h.get(objs_path(h, f"objects/{oid}/"), h.t["A"]).json()["objects"][0]
        assert own["created_by_ref"] == a_ident


def test_roles_403(world):
    h = world
    r = h.post_objects(h.coll, h.t["reader"], [indicator()])
    assert r.status_code == 403 and r.json()["http_status"] == "403"
    assert h.post_objects(h.coll, h.t["sensor"], [indicator()]).status_code == 202


def test_delete(world):
    h = world
    o = indicator(tlp="green")
    h.post_objects(h.coll, h.t["A"], [o])
    path = objs_path(h, f"objects/{o['id']}/")
    assert h.req("DELETE", path, h.t["B"]).status_code == 404  # not B's
    assert h.req("DELETE", path, h.t["A"]).status_code == 200
    assert h.get(path, h.t["A"]).status_code == 404


def test_content_negotiation(world):
    h = world
    r = h.get("/taxii2/", h.t["A"], accept="text/html")
    assert r.status_code == 406 and r.json()["http_status"] == "406"
    assert h.get("/taxii2/", h.t["A"], accept="application/taxii+json;version=2.0") \
        .status_code == 406
    assert h.get("/taxii2/", h.t["A"], accept="application/taxii+json").status_code == 200
    r = h.req("POST", objs_path(h, "objects/"), h.t["A"],
              headers={"Content-Type": "application/json"}, data='{"objects":[]}')
    assert r.status_code == 415 and r.json()["http_status"] == "415"
    assert h.req("PUT", objs_path(h, "objects/"), h.t["A"]).status_code == 405


def test_bad_bodies(world):
    h = world
    post = lambda data: h.req("POST", objs_path(h, "objects/"), h.t["A"],  # noqa: E731
                              headers={"Content-Type": TAXII}, data=data)
    r = post('{"objects": [')
    assert r.status_code == 400 and r.json()["description"].startswith("invalid JSON")
    r = post("[" * 100000 + "]" * 100000)
    assert r.status_code == 400
    r = post('{"objects": {}}')
    assert r.status_code == 400 and "envelope" in r.json()["description"]
    r = post('{"objects": [], "objects": []}')
    assert r.status_code == 400
    assert h.get("/healthz", None).status_code == 200


def test_body_limit_413(world):
    h = world
    s = socket.create_connection(("127.0.0.1", h.port))
    s.sendall((f"POST /taxii2/api/collections/{h.coll}/objects/ HTTP/1.1\r\n"
               f"Host: x\r\nAuthorization: Bearer {h.t['A']}\r\nContent-Type: {TAXII}\r\n"
               "Content-Length: 209715200\r\n\r\n").encode() + b"{" * 1000)
    head = s.recv(4096).decode(errors="replace")
    s.close()
    assert head.startswith("HTTP/1.1 413"), head
    # Chunked: no Content-Length, so the cap is checked while it streams.
    s = socket.create_connection(("127.0.0.1", h.port))
    s.sendall((f"POST /taxii2/api/collections/{h.coll}/objects/ HTTP/1.1\r\n"
               f"Host: x\r\nAuthorization: Bearer {h.t['A']}\r\nContent-Type: {TAXII}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode())
    chunk = b"x" * (1 << 20)
    head = b""
    try:
        for _ in range(70):
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        head = s.recv(4096)
    except ConnectionResetError:
        pass
    s.close()
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert h.get("/healthz", None).status_code == 200


def test_access_log_has_no_token_and_sigterm_is_clean(world):
    h = world
    h.get("/taxii2/", h.t["A"], params={"secret": "s3cr3t"})
    rc, log = h.stop()
    assert rc == 0
    lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
    assert lines and all(set(x) >= {"time", "method", "path", "status", "bytes",
                                    "duration_ms"} for x in lines)
    assert any(x.get("org") == "A" and x["path"] == "/taxii2/" for x in lines)
    for t in h.t.values():
        assert t not in log
    assert "s3cr3t" not in log
