"""End-to-end bad input of the hub (issue 3, "Bad input"): invalid ids and
timestamps, patterns with unbalanced brackets, SQL metacharacters in every
query parameter and path segment, path traversal, and a token of another
organization on every read path of a TLP:RED object. Each gets the exact
TAXII error status and body, nothing is stored half-way, and the hub keeps
serving."""
import json
import urllib.parse
import uuid

import pytest

from hubfixture import TAXII, TLP, hub, indicator, world  # noqa: F401 (fixtures)

EVIL = "x' OR '1'='1; DROP TABLE objects; --"
NOT_FOUND = {"title": "not found", "http_status": "404", "description": "no such resource"}
PARAMS = ("added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
          "match[spec_version]")


def objs_path(h, suffix=""):
    return f"/taxii2/api/collections/{h.coll}/{suffix}"


def still_serving(h, count_before=None):
    assert h.get("/healthz", None).json() == {"status": "ok"}
    m = h.get("/metrics", h.t["admin"], accept=None).text
    line = next(x for x in m.splitlines() if x.startswith("yagura_hub_objects "))
    if count_before is not None:
        assert int(line.split()[1]) == count_before
    return int(line.split()[1])


def test_sql_metacharacters_in_every_query_parameter(world):
    h = world
    o = indicator(tlp="green")
    h.post_objects(h.coll, h.t["A"], [o])
    before = still_serving(h)
    read_paths = [objs_path(h, "objects/"), objs_path(h, "manifest/"),
                  objs_path(h, f"objects/{o['id']}/"),
                  objs_path(h, f"objects/{o['id']}/versions/")]
    for path in read_paths:
        for key in PARAMS:
            for value in (EVIL, f"{o['id']}' OR 1=1 --", "1; DELETE FROM objects",
                          'indicator" OR ""="'):
                r = h.get(path, h.t["C"], params={key: value})
                assert r.status_code == 400, (path, key, value)
                assert r.headers["Content-Type"] == TAXII
                assert r.json() == {"title": "bad filter", "http_status": "400",
                                    "description": f"{key}: invalid value"}, (path, key)
        # An unknown parameter is ignored, whatever it holds.
        r = h.get(path, h.t["C"], params={"x'; DROP TABLE objects; --": EVIL})
        assert r.status_code == 200, path
    # The object is still there, intact, for everyone it was for.
    got = h.get(objs_path(h, f"objects/{o['id']}/"), h.t["C"]).json()["objects"]
    assert got == [o]
    still_serving(h, before)


def test_sql_metacharacters_in_every_path_segment(world):
    h = world
    o = indicator(tlp="green")
    h.post_objects(h.coll, h.t["A"], [o])
    before = still_serving(h)
    segments = ["taxii2", "api", "collections", h.coll, "objects", o["id"], "versions"]
    q = urllib.parse.quote(EVIL, safe="")
    for i in range(len(segments)):
        for n in range(i + 1, len(segments) + 1):
            segs = segments[:n]
            segs[i] = q
            path = "/" + "/".join(segs) + "/"
            status, head, body = h.raw("GET", path, h.t["C"])
            assert status == 404, path
            assert "Content-Type: " + TAXII in head
            assert json.loads(body) == NOT_FOUND, path
    for path in (f"/taxii2/api/status/{q}/", f"/taxii2/api/collections/{h.coll}/manifest/{q}/",
                 f"/taxii2/api/collections/{h.coll}/{q}/", f"/{q}"):
        status, _, body = h.raw("GET", path, h.t["C"])
        assert (status, json.loads(body)) == (404, NOT_FOUND), path
    # The SQL text also goes nowhere as a DELETE or POST target.
    status, _, body = h.raw("DELETE", f"/taxii2/api/collections/{h.coll}/objects/{q}/",
                            h.t["A"])
    assert (status, json.loads(body)) == (404, NOT_FOUND)
    assert h.get(objs_path(h, f"objects/{o['id']}/"), h.t["C"]).json()["objects"] == [o]
    still_serving(h, before)


@pytest.mark.parametrize("path", [
    "/taxii2/../",
    "/taxii2/../etc/passwd",
    "/taxii2/%2e%2e/",
    "/taxii2/%2E%2E/%2e%2e/etc/passwd",
    "/taxii2/api/collections/../../../etc/passwd",
    "/taxii2/api/collections/%2e%2e/objects/",
    "/taxii2/api/collections/COLL/objects/../../",
    "/taxii2/api/collections/COLL/objects/%2e%2e/%2e%2e/",
    "/taxii2/api/collections/COLL/objects/..%2f..%2f",
    "/taxii2%2f..%2f..%2fetc%2fpasswd",
    "/taxii2/./api/",
    "/taxii2//api/",
    "/../../../etc/passwd",
    "/etc/passwd",
])
def test_path_traversal(world, path):
    h = world
    path = path.replace("COLL", h.coll)
    status, head, body = h.raw("GET", path, h.t["C"])
    assert status == 404, path
    assert "Content-Type: " + TAXII in head
    assert json.loads(body) == NOT_FOUND
    # Without a token the answer names nothing either.
    status, _, body = h.raw("GET", path, None)
    assert status == 401 and json.loads(body)["http_status"] == "401"
    still_serving(h)


def test_invalid_ids_and_timestamps(world):
    h = world
    before = still_serving(h)
    good = indicator(tlp="green")
    u = str(uuid.uuid4())
    bad = {
        "bad id": indicator(oid="indicator--not-a-uuid"),
        "id of another type": indicator(oid=f"malware--{u}"),
        "uuid version 0": indicator(oid="indicator--00000000-0000-0000-0000-000000000000"),
        "bad created": indicator(created="2024-13-45T00:00:00Z"),
        "bad modified": indicator(modified="yesterday"),
        "no Z": indicator(modified="2024-01-01T00:00:00"),
        "modified before created": indicator(created="2024-02-01T00:00:00Z",
                                             modified="2024-01-01T00:00:00Z"),
        "bad valid_from": indicator(valid_from="2024-01-01"),
    }
    wants = {"bad id": "id", "id of another type": "id", "uuid version 0": "id",
             "bad created": "created", "bad modified": "modified", "no Z": "modified",
             "modified before created": "modified", "bad valid_from": "valid_from"}
    r = h.post_objects(h.coll, h.t["A"], [good] + list(bad.values()))
    assert r.status_code == 202
    st = r.json()
    assert (st["status"], st["total_count"], st["success_count"], st["failure_count"],
            st["pending_count"]) == ("complete", 9, 1, 8, 0)
    assert st["successes"] == [{"id": good["id"], "version": good["modified"]}]
    assert len(st["failures"]) == 8
    for (name, obj), fail in zip(bad.items(), st["failures"]):
        assert f"property '{wants[name]}'" in fail["message"], (name, fail)
        # A failure names the object by its id when the id itself is sound.
        if wants[name] != "id":
            assert fail["id"] == obj["id"], name
            assert fail["message"].startswith(obj["id"]), name
        assert set(fail) <= {"id", "message"}
    for obj in bad.values():
        if obj["id"].startswith("indicator--") and obj["id"] != "indicator--not-a-uuid":
            r = h.get(objs_path(h, f"objects/{obj['id']}/"), h.t["A"])
            assert r.status_code == 404
    # Bad ids and timestamps in URLs.
    for path in (objs_path(h, "objects/indicator--not-a-uuid/"),
                 objs_path(h, "objects/indicator--not-a-uuid/versions/"),
                 objs_path(h, "objects/Indicator--" + u + "/"),
                 f"/taxii2/api/collections/{u[:-1]}/objects/",
                 f"/taxii2/api/status/{u}x/"):
        r = h.get(path, h.t["A"])
        assert (r.status_code, r.json()) == (404, NOT_FOUND), path
    for key, value in (("added_after", "2024-02-30T00:00:00Z"), ("added_after", "2024-01-01"),
                       ("match[version]", "2024-01-01T25:00:00Z"),
                       ("match[id]", "indicator--not-a-uuid")):
        r = h.get(objs_path(h, "objects/"), h.t["A"], params={key: value})
        assert (r.status_code, r.json()) == (400, {
            "title": "bad filter", "http_status": "400",
            "description": f"{key}: invalid value"}), (key, value)
    still_serving(h, before + 1)


@pytest.mark.parametrize("pattern", [
    "[ipv4-addr:value = '198.51.100.1'",
    "ipv4-addr:value = '198.51.100.1']",
    "[ipv4-addr:value = '198.51.100.1']]",
    "([ipv4-addr:value = '198.51.100.1']",
    "[ipv4-addr:value = '198.51.100.1'] AND ([domain-name:value = 'x.example']",
    "[file:hashes.'SHA-256' = 'aa' AND [file:name = 'x']",
    "[ipv4-addr:value = '198.51.100.1)']) ",
])
def test_pattern_with_unbalanced_brackets(world, pattern):
    h = world
    before = still_serving(h)
    o = indicator(tlp="green", pattern=pattern)
    r = h.post_objects(h.coll, h.t["A"], [o])
    st = r.json()
    assert r.status_code == 202
    assert (st["success_count"], st["failure_count"]) == (0, 1)
    assert st["failures"][0]["id"] == o["id"]
    assert st["failures"][0]["message"].startswith(o["id"] + ": property 'pattern'")
    assert h.get(objs_path(h, f"objects/{o['id']}/"), h.t["A"]).status_code == 404
    assert h.get(f"/taxii2/api/status/{st['id']}/", h.t["A"]).json() == st
    still_serving(h, before)


def test_other_orgs_red_object_on_every_read_path(world):
    """A posts a RED object for D only. C's token (analyst, reader, admin and
    sensor roles), B's (A's council, but RED names recipients, not groups it
    was not given) and no token see nothing of it on any path; D and A do."""
    h = world
    red = indicator(tlp="red", x_yagura_share_with=["D"], ip="203.0.113.66",
                    description="for D only")
    r = h.post_objects(h.coll, h.t["A"], [red])
    st = r.json()
    assert st["success_count"] == 1
    newer = dict(red, modified="2024-06-01T00:00:00.000Z")
    h.post_objects(h.coll, h.t["A"], [newer])
    rid = red["id"]
    versions = [red["modified"], newer["modified"]]
    secret = "203.0.113.66"
    paths = [
        (objs_path(h, "objects/"), {}),
        (objs_path(h, "objects/"), {"match[id]": rid}),
        (objs_path(h, "objects/"), {"match[id]": rid, "match[version]": "all"}),
        (objs_path(h, "objects/"), {"match[id]": rid, "match[version]": "first"}),
        (objs_path(h, "objects/"), {"match[id]": rid, "match[version]": red["modified"]}),
        (objs_path(h, "objects/"), {"match[type]": "indicator", "limit": "1000"}),
        (objs_path(h, f"objects/{rid}/"), {}),
        (objs_path(h, f"objects/{rid}/"), {"match[version]": "all"}),
        (objs_path(h, f"objects/{rid}/versions/"), {}),
        (objs_path(h, "manifest/"), {}),
        (objs_path(h, "manifest/"), {"match[id]": rid, "match[version]": "all"}),
        (f"/taxii2/api/status/{st['id']}/", {}),
    ]
    outsiders = [h.t["C"], h.t["reader"], h.t["admin"], h.t["sensor"], h.t["B"], None]
    for tok in outsiders:
        for path, params in paths:
            r = h.get(path, tok, params=params)
            assert secret not in r.text and rid not in r.text, (path, params)
            if tok is None:
                assert r.status_code == 401, (path, params)
            elif "/objects/" + rid in path or "/status/" in path:
                assert (r.status_code, r.json()) == (404, {
                    "title": "not found", "http_status": "404",
                    "description": "no such status" if "/status/" in path
                    else "no such object"}), (path, params)
            else:
                assert r.status_code == 200, (path, params)
                if "match[id]" in params:
                    assert r.json() == {"more": False}, (path, params)
        if tok and tok != h.t["admin"]:  # admins may delete anything
            # Nor learn of it by trying to delete it.
            r = h.req("DELETE", objs_path(h, f"objects/{rid}/"), tok)
            assert r.status_code == (403 if tok == h.t["reader"] else 404)
    # Posting the same id does not reveal A's versions to C.
    mine = dict(red, modified="2024-03-01T00:00:00.000Z", object_marking_refs=[TLP["green"]],
                description="C's own")
    del mine["x_yagura_share_with"]
    assert h.post_objects(h.coll, h.t["C"], [mine]).json()["success_count"] == 1
    v = h.get(objs_path(h, f"objects/{rid}/versions/"), h.t["C"]).json()
    assert v == {"more": False, "versions": ["2024-03-01T00:00:00.000Z"]}
    # The named recipient and the submitter see it on every path.
    for tok in (h.t["D"], h.t["A"]):
        assert h.get(objs_path(h, f"objects/{rid}/versions/"), tok).json()["versions"][:1] == \
            versions[:1]
        got = h.get(objs_path(h, "objects/"), tok,
                    params={"match[id]": rid, "match[version]": "all"}).json()["objects"]
        assert [o["modified"] for o in got if o["description"] == "for D only"] == versions
    seen_by_d = h.get(objs_path(h, f"objects/{rid}/"), h.t["D"],
                      params={"match[version]": red["modified"]}).json()["objects"]
    assert seen_by_d == [{k: v for k, v in red.items() if k != "x_yagura_share_with"}]
    still_serving(h)


def test_access_log_lines_stay_json_whatever_the_path(world):
    """Paths with quotes, control bytes and bytes that are not UTF-8, and an
    organization name in UTF-8: every access log line is one JSON object."""
    h = world
    h.org("京都水道", sector="water")
    tok = h.token("京都水道")
    weird = {"/taxii2/%22%5C%0A%01x/": 404, "/taxii2/%FF%FE%C3/": 404,
             "/api/v1/orgs/%E4%BA%AC%ED%A0%80": 403, "/" + "%E4%BA%AC" * 200: 404}
    for p, want in weird.items():
        status, _, _ = h.raw("GET", p, tok)
        assert status == want, p
    assert h.req("GET", "/api/v1/whoami", tok, accept=None).json()["org"] == "京都水道"
    rc, log = h.stop()
    assert rc == 0
    lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
    paths = {x["path"] for x in lines}
    assert '/taxii2/"\\\n\x01x/' in paths
    assert "/taxii2/\u00ff\u00fe\u00c3/" in paths  # not UTF-8: byte by byte
    assert any(x.get("org") == "京都水道" and x["path"] == "/api/v1/whoami" for x in lines)
    assert all(isinstance(x["duration_ms"], float) and x["completed"] for x in lines)
