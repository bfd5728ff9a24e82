"""The hub as a MISP feed (issue 21): GET /api/v1/export/misp/manifest.json,
/<event uuid>.json and /hashes.csv laid out as MISP's feed format, checked
against the MISP core format (draft-dulaunoy-misp-core-format), with the
TLP decision and lifecycle of every other export; and the round trip: a
second real hub subscribes to the first one's MISP feed through the feeds
reader over HTTP with a token, and every indicator arrives with its TLP."""
import hashlib
import re
import time
import uuid

import pytest

import hubfixture
from hubfixture import TLP, Hub, check_clean_exit, indicator, store_value

JSON = "application/json"
MISP = "/api/v1/export/misp"

# Valid category for each attribute type, from the MISP core format's
# category-type table (draft-dulaunoy-misp-core-format, "type"), for the
# types a yagura hub can write.
CATEGORIES = {
    "ip-dst": {"Network activity", "Payload delivery", "External analysis"},
    "ip-src": {"Network activity", "Payload delivery", "External analysis"},
    "domain": {"Network activity", "Payload delivery", "External analysis"},
    "hostname": {"Network activity", "Payload delivery", "External analysis"},
    "url": {"Network activity", "Payload delivery", "External analysis"},
    "md5": {"Payload delivery", "Artifacts dropped", "Payload installation",
            "External analysis"},
    "sha1": {"Payload delivery", "Artifacts dropped", "Payload installation",
             "External analysis"},
    "sha256": {"Payload delivery", "Artifacts dropped", "Payload installation",
               "External analysis"},
    "email-src": {"Network activity", "Payload delivery", "Social network"},
    "ja3-fingerprint-md5": {"Network activity", "Payload delivery", "External analysis"},
    "x509-fingerprint-sha1": {"Network activity", "Payload delivery", "Artifacts dropped",
                              "Payload installation", "Attribution", "External analysis"},
}
# Event fields the core format says MUST / SHALL be present, and their JSON types.
EVENT_FIELDS = {"uuid": str, "id": str, "published": bool, "info": str, "threat_level_id": str,
                "analysis": str, "date": str, "timestamp": str, "publish_timestamp": str,
                "org_id": str, "orgc_id": str, "attribute_count": str, "distribution": str,
                "Orgc": dict, "Attribute": list}
ATTR_FIELDS = {"uuid": str, "type": str, "category": str, "value": str, "to_ids": bool,
               "timestamp": str, "deleted": bool}
MANIFEST_FIELDS = {"info": str, "Orgc": dict, "analysis": str, "threat_level_id": str,
                   "timestamp": str, "date": str, "Tag": list}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LEVELS = ["clear", "green", "amber", "amber+strict", "red"]

SHA256 = "a1" * 32
MD5 = "b2" * 16
SHA1 = "c3" * 20
CERT = "d4" * 20


def ind(pattern, tlp, **extra):
    o = indicator("192.0.2.1", tlp, **extra)
    o["pattern"] = pattern
    return o


def stix_obj(kind, tlp, **fields):
    o = {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}",
         "created": "2024-02-01T00:00:00.000Z", "modified": "2024-02-03T00:00:00.000Z",
         "object_marking_refs": [TLP[tlp]]}
    o.update(fields)
    return o


@pytest.fixture(scope="module")
def world(tmp_path_factory, request):
    """Hub A with three members: M1 and M2 submit indicators of every TLP,
    a report (M1) and a campaign (M2); M3 only reads."""
    # conftest.py hands the PostgreSQL server over per test: too late here.
    if hubfixture.STORE == "postgresql" and hubfixture.PG is None:
        hubfixture.PG = request.getfixturevalue("pg_server")
    d = tmp_path_factory.mktemp("misp-a")
    h = Hub(d)
    for o in ("M1", "M2", "M3"):
        h.org(o)
    tok = {o: h.token(o) for o in ("M1", "M2", "M3")}
    coll = h.get("/taxii2/api/collections/", tok["M1"]).json()["collections"][0]["id"]
    r1 = ind("[ipv4-addr:value = '192.0.2.10']", "green")
    r2 = ind(f"[file:hashes.'SHA-1' = '{SHA1}']", "clear")
    report = stix_obj("report", "green", name="Operation Lantern", published="2024-02-02T00:00:00Z",
                      report_types=["threat-report"], object_refs=[r1["id"], r2["id"]])
    m1 = [ind("[ipv4-addr:value = '198.51.100.1']", "clear"),
          ind("[domain-name:value = 'm1-green.example']", "green"),
          ind("[url:value = 'http://m1-amber.example/x']", "amber", x_yagura_share_with=["M2"]),
          ind(f"[file:hashes.'SHA-256' = '{SHA256}']", "amber+strict"),
          ind(f"[file:hashes.MD5 = '{MD5}']", "amber"),
          # expired: in no export
          ind("[ipv4-addr:value = '198.51.100.99']", "green", valid_until="2024-06-01T00:00:00Z"),
          r1, r2, report]
    assert h.post_objects(coll, tok["M1"], m1).status_code == 202
    j3 = ind("[url:value = 'http://camp.example/c2']", "green")
    camp = stix_obj("campaign", "green", name="Campaign Ember")
    rel = stix_obj("relationship", "green", relationship_type="indicates",
                   source_ref=j3["id"], target_ref=camp["id"])
    m2 = [ind("[ipv4-addr:value = '203.0.113.7']", "green"),
          ind("[domain-name:value = 'm2-strict.example']", "amber+strict"),
          ind(f"[x509-certificate:hashes.'SHA-1' = '{CERT}']", "green"),
          j3, camp, rel]
    assert h.post_objects(coll, tok["M2"], m2).status_code == 202
    h.tok, h.report, h.campaign = tok, report, camp
    yield h
    check_clean_exit(h)


# value -> (TLP, who may see it besides its submitter)
EXPECTED = {
    "198.51.100.1": ("clear", "M1"), "m1-green.example": ("green", "M1"),
    # URLs as the sensor's loader normalizes them (as in every export)
    "m1-amber.example/x": ("amber", "M1"), SHA256: ("amber+strict", "M1"),
    MD5: ("amber", "M1"), "192.0.2.10": ("green", "M1"), SHA1: ("clear", "M1"),
    "203.0.113.7": ("green", "M2"), "m2-strict.example": ("amber+strict", "M2"),
    CERT: ("green", "M2"), "camp.example/c2": ("green", "M2"),
}


def expected_for(org):
    out = {}
    for v, (tlp, sub) in EXPECTED.items():
        if tlp in ("clear", "green") or sub == org or \
                (v == "m1-amber.example/x" and org == "M2"):
            out[v] = tlp
    return out


def get(h, path, token, **kw):
    return h.req("GET", path, token, accept=None, **kw)


def check_event(e, uuid_):
    """The MISP core format's rules for one event file."""
    assert set(e) == {"Event"}
    ev = e["Event"]
    for k, t in EVENT_FIELDS.items():
        assert isinstance(ev.get(k), t), (k, ev.get(k))
    assert ev["uuid"] == uuid_ and UUID_RE.fullmatch(ev["uuid"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ev["date"])
    assert ev["timestamp"].isdigit() and ev["publish_timestamp"].isdigit()
    assert ev["threat_level_id"] in {"1", "2", "3", "4"} and ev["analysis"] in {"0", "1", "2"}
    assert ev["distribution"] in {"0", "1", "2", "3", "4"}
    for k in ("id", "name", "uuid"):
        assert isinstance(ev["Orgc"][k], str), k
    assert UUID_RE.fullmatch(ev["Orgc"]["uuid"]) and ev["id"].isdigit()
    assert "\n" not in ev["info"] and len(ev["info"]) <= 256
    assert int(ev["attribute_count"]) == len(ev["Attribute"])
    tlp_tags = [t["name"] for t in ev["Tag"] if t["name"].startswith("tlp:")]
    assert len(tlp_tags) == 1, ev["Tag"]
    newest = 0
    for a in ev["Attribute"]:
        for k, t in ATTR_FIELDS.items():
            assert isinstance(a.get(k), t), (k, a)
        assert a["type"] in CATEGORIES, a["type"]
        assert a["category"] in CATEGORIES[a["type"]], (a["type"], a["category"])
        assert a["to_ids"] is True and a["deleted"] is False
        assert UUID_RE.fullmatch(a["uuid"])
        newest = max(newest, int(a["timestamp"]))
    assert int(ev["timestamp"]) >= newest
    return ev, tlp_tags[0][4:]


def misp_view(h, token):
    """value -> (TLP, event) of everything in the caller's feed, checked."""
    r = get(h, f"{MISP}/manifest.json", token)
    assert r.status_code == 200, r.text
    man = r.json()
    seen, events = {}, {}
    for u, m in man.items():
        assert UUID_RE.fullmatch(u)
        for k, t in MANIFEST_FIELDS.items():
            assert isinstance(m.get(k), t), (k, m)
        e = get(h, f"{MISP}/{u}.json", token)
        assert e.status_code == 200, e.text
        ev, tlp = check_event(e.json(), u)
        assert m["timestamp"] == ev["timestamp"] and m["info"] == ev["info"]
        assert [t["name"] for t in m["Tag"]] == [t["name"] for t in ev["Tag"]]
        events[u] = ev
        for a in ev["Attribute"]:
            own = [t["name"][4:] for t in a.get("Tag", []) if t["name"].startswith("tlp:")]
            assert a["value"] not in seen, a["value"]
            seen[a["value"]] = (own[0] if own else tlp, u)
    return seen, events, man


def test_events_follow_the_core_format_and_each_members_tlp(world):
    h = world
    for org in ("M1", "M2", "M3"):
        seen, events, _ = misp_view(h, h.tok[org])
        assert {v: t for v, (t, _) in seen.items()} == expected_for(org), org
        # The same values as every other export gives this member.
        r = get(h, "/api/v1/export/csv", h.tok[org])
        csv = {ln.split(",")[1] for ln in r.text.splitlines()
               if ln and not ln.startswith("#") and not ln.startswith("type,")}
        assert csv == set(seen), org
        # The report and the campaign are events of their own, by their UUIDs.
        rep = events[h.report["id"][8:]]
        assert rep["info"] == "Operation Lantern" and rep["Orgc"]["name"] == "M1"
        assert rep["date"] == "2024-02-02"
        assert {a["value"]: a.get("Tag", [{}])[0].get("name") for a in rep["Attribute"]} == \
            {"192.0.2.10": None, SHA1: "tlp:clear"}
        camp = events[h.campaign["id"][10:]]
        assert [a["value"] for a in camp["Attribute"]] == ["camp.example/c2"]
        assert camp["info"] == "Campaign Ember" and camp["Orgc"]["name"] == "M2"
        # Other indicators: one event per producer, day and TLP.
        for u, ev in events.items():
            if u in (rep["uuid"], camp["uuid"]):
                continue
            assert ev["date"] == "2024-01-01" and ev["Orgc"]["name"] in ("M1", "M2")
            assert all(EXPECTED[a["value"]][1] == ev["Orgc"]["name"] for a in ev["Attribute"])
        # hashes.csv: one line per attribute, md5 of its value and its event.
        r = get(h, f"{MISP}/hashes.csv", h.tok[org])
        assert r.status_code == 200
        want = {f"{hashlib.md5(v.encode()).hexdigest()},{u}" for v, (_, u) in seen.items()}
        assert set(r.text.splitlines()) == want and len(r.text.splitlines()) == len(want)
    # AMBER+STRICT never in another member's feed, not even by its event's UUID.
    m1, _, _ = misp_view(h, h.tok["M1"])
    strict_event = m1[SHA256][1]
    for org in ("M2", "M3"):
        r = get(h, f"{MISP}/{strict_event}.json", h.tok[org])
        assert r.status_code == 404
        assert SHA256 not in get(h, f"{MISP}/manifest.json", h.tok[org]).text


def test_etag_stable_uuids_and_access(world):
    h = world
    t = h.tok["M3"]
    a, b = get(h, f"{MISP}/manifest.json", t), get(h, f"{MISP}/manifest.json", t)
    assert a.content == b.content and a.headers["ETag"] == b.headers["ETag"]
    assert a.headers["Content-Type"].startswith("application/json")
    ev = sorted(a.json())[0]
    for path in ("manifest.json", f"{ev}.json", "hashes.csv"):
        r = get(h, f"{MISP}/{path}", t)
        assert r.status_code == 200 and r.headers["ETag"]
        again = get(h, f"{MISP}/{path}", t, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        assert get(h, f"{MISP}/{path}", None).status_code == 401
    assert get(h, f"{MISP}/hashes.csv", t).headers["Content-Type"].startswith("text/csv")
    for bad in ("nope.json", f"{uuid.uuid4()}.json", f"{ev.upper()}.json", "manifest"):
        assert get(h, f"{MISP}/{bad}", t).status_code == 404, bad


def feed_health(b, name, admin, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        r = b.req("GET", f"/api/v1/feeds/{name}", admin, accept=JSON)
        health = r.json().get("health")
        if health:
            return health
        time.sleep(0.1)
    raise AssertionError("the MISP feed never ran")


def test_second_hub_subscribes_to_the_misp_feed(world, tmp_path):
    a = world
    d = tmp_path / "hub-b"
    d.mkdir()
    b = Hub(d)
    try:
        b.org("X")
        b.org("Y")
        b.admin("group", "add", "partners", "--org", "X", "--members", "X")
        admin, tx, ty = b.token("X", role="admin"), b.token("X"), b.token("Y")
        tf = tmp_path / "a.token"
        tf.write_text(a.tok["M1"] + "\n")
        b.admin("feed", "add", "hub-a", "--url", a.base + MISP, "--format", "misp",
                "--token-file", str(tf), "--tlp", "amber", "--share-group", "partners",
                "--expire-after", "0")
        health = feed_health(b, "hub-a", admin)
        want = expected_for("M1")
        assert health["ok"], health
        assert (health["added"], health["values"]) == (len(want), len(want)), health
        # Every value arrived with its TLP.
        for v, tlp in want.items():
            assert int(store_value(d, "feed_values", "tlp", "value", v)) == LEVELS.index(tlp), v
        # X reads what its group may: CLEAR, GREEN and the AMBER ones, each
        # marked as at hub A; the AMBER+STRICT one reaches nobody here.
        coll = b.get("/taxii2/api/collections/", tx).json()["collections"][0]["id"]
        objs, _ = b.objects_all(coll, tx, params={"match[type]": "indicator"})
        got = {re.search(r"= '([^']*)'\]", o["pattern"]).group(1): o["object_marking_refs"]
               for o in objs if o.get("x_yagura_feed") == "hub-a"}
        assert got == {v: [TLP[t]] for v, t in want.items() if t != "amber+strict"}
        for tok in (tx, ty):
            seen, _, _ = misp_view(b, tok)
            assert SHA256 not in seen
            assert SHA256 not in get(b, f"{MISP}/hashes.csv", tok).text
            assert SHA256 not in get(b, "/api/v1/export/csv", tok).text
        seen, _, _ = misp_view(b, ty)
        assert {v: t for v, (t, _) in seen.items()} == \
            {v: t for v, t in want.items() if t in ("clear", "green")}
        # The token went with every request to hub A, and a wrong one fails
        # the run without losing what the feed holds.
        tf.write_text("0" * 64 + "\n")
        before = health["last_run"]
        assert b.req("POST", "/api/v1/feeds/hub-a/run", admin, accept=JSON).status_code == 202
        end = time.time() + 60
        while time.time() < end:
            health = feed_health(b, "hub-a", admin)
            if health["last_run"] != before:
                break
            time.sleep(0.1)
        assert not health["ok"] and health["http_status"] == 401, health
        assert "0" * 64 not in health["last_error"]
        assert health["values"] == len(want)
    finally:
        check_clean_exit(b)
