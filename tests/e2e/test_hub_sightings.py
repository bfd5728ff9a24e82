"""Sightings at the hub (issue 4): POST /api/v1/sightings and the
aggregation GET /api/v1/indicators/{id}/sightings, against a real hub.

World: A submits; B shares a group with A; C is another member; D is named
directly (hubfixture.world). Sectors: A, B energy; C rail; D water."""
import datetime
import uuid

import pytest

from hubfixture import TLP, Hub, check_clean_exit, indicator, store_value

JSON = "application/json"


def ts(delta_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sighting(ind_id, identity=None, count=1, first=None, last=None, sid=None, **extra):
    now = ts()
    o = {"type": "sighting", "spec_version": "2.1", "id": sid or f"sighting--{uuid.uuid4()}",
         "created": now, "modified": now, "sighting_of_ref": ind_id, "count": count,
         "first_seen": first or now, "last_seen": last or now}
    if identity:
        o["where_sighted_refs"] = [identity]
    o.update(extra)
    return o


def post(hub, token, objects, content_type=JSON, body=None):
    b = body if body is not None else {"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                       "objects": objects}
    return hub.req("POST", "/api/v1/sightings", token, accept=JSON,
                   headers={"Content-Type": content_type}, json=b)


def agg(hub, token, ind_id):
    return hub.get(f"/api/v1/indicators/{ind_id}/sightings", token, accept=JSON)


def whoami(hub, token):
    return hub.get("/api/v1/whoami", token, accept=JSON).json()


@pytest.fixture
def w(tmp_path):
    h = Hub(tmp_path)
    for name, sector in (("A", "energy"), ("B", "energy"), ("C", "rail"), ("D", "water")):
        h.org(name, sector=sector)
    h.admin("group", "add", "council", "--org", "A", "--members", "B")
    h.t = {n: h.token(n) for n in "ABCD"}
    h.t["Cs"] = h.token("C", "sensor")
    h.t["Cr"] = h.token("C", "reader")
    h.t["admin"] = h.token("D", "admin")
    h.coll = h.get("/taxii2/api/collections/", h.t["A"]).json()["collections"][0]["id"]
    h.ident = {n: whoami(h, h.t[n])["identity"] for n in "ABCD"}
    yield h
    check_clean_exit(h)


def publish(hub, token, obj):
    r = hub.post_objects(hub.coll, token, [obj])
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    return obj["id"]


def test_aggregation_over_two_orgs(w):
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    r = post(w, w.t["Cs"], [
        sighting(ind, w.ident["C"], count=3, first="2026-01-01T00:00:00.000Z",
                 last="2026-01-02T00:00:00.000Z", x_yagura_sensor="edge-1",
                 x_yagura_host_hashes=["ab" * 32]),
        sighting(ind, count=2, first="2026-01-03T00:00:00.000Z",
                 last="2026-01-04T00:00:00.000Z")])  # where_sighted_refs filled in
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    r = post(w, w.t["A"], [sighting(ind, w.ident["A"], count=7,
                                    first="2025-12-31T00:00:00.000Z",
                                    last="2026-01-01T12:00:00.000Z")],
             content_type="application/stix+json;version=2.1")
    assert r.json()["accepted"] == 1, r.text
    r = post(w, w.t["B"], [sighting(ind, w.ident["B"], count=1,
                                    first="2026-01-05T00:00:00.000Z",
                                    last="2026-01-06T00:00:00.000Z")])
    assert r.json()["accepted"] == 1, r.text

    a = agg(w, w.t["C"], ind)
    assert a.status_code == 200, a.text
    body = a.json()
    assert body["indicator"] == ind
    assert body["count"] == 13
    assert body["organizations"] == 3
    assert body["sectors"] == 2  # energy (A, B) and rail (C)
    assert body["first_seen"].startswith("2025-12-31T00:00:00")
    assert body["last_seen"].startswith("2026-01-06T00:00:00")
    assert 0 <= body["score"] <= 100
    # A member sees only its own organization's detail.
    assert [(o["org"], o["count"], o["sector"]) for o in body["by_org"]] == [("C", 5, "rail")]
    assert body["by_org"][0]["identity"] == w.ident["C"]
    assert body["by_org"][0]["first_seen"].startswith("2026-01-01T00:00:00")
    assert body["by_org"][0]["last_seen"].startswith("2026-01-04T00:00:00")
    # A member without sightings of it: totals, and an empty by_org.
    d = agg(w, w.t["D"], ind).json()
    assert d["count"] == 13 and d["organizations"] == 3 and d["by_org"] == []
    # The hub's operators see every organization.
    adm = agg(w, w.t["admin"], ind).json()
    assert [(o["org"], o["count"]) for o in adm["by_org"]] == [("A", 7), ("B", 1), ("C", 5)]


def test_no_sightings_yet(w):
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    body = agg(w, w.t["B"], ind).json()
    assert body["count"] == 0 and body["organizations"] == 0 and body["sectors"] == 0
    assert body["first_seen"] is None and body["last_seen"] is None
    assert body["by_org"] == []


def test_duplicate_post_counted_once(w):
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    batch = [sighting(ind, w.ident["C"], count=4), sighting(ind, w.ident["C"], count=6)]
    assert post(w, w.t["Cs"], batch).json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    # The sensor retries the same batch (e.g. its 200 was lost).
    assert post(w, w.t["Cs"], batch).json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    # The same id twice in one body counts once too.
    one = sighting(ind, w.ident["C"], count=5)
    assert post(w, w.t["C"], [one, one]).json() == {"accepted": 1, "duplicates": 1,
                                                     "rejected": []}
    assert agg(w, w.t["C"], ind).json()["count"] == 15
    # Another organization cannot take over (or count again) C's sighting id.
    r = post(w, w.t["A"], [dict(one, where_sighted_refs=[w.ident["A"]])]).json()
    assert r["accepted"] == 0 and len(r["rejected"]) == 1
    assert agg(w, w.t["C"], ind).json()["count"] == 15


def test_other_orgs_identity_rejected(w):
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    good = sighting(ind, w.ident["C"], count=2)
    bad = sighting(ind, w.ident["A"], count=100)
    r = post(w, w.t["Cs"], [good, bad])
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 1
    assert [(x["index"], x["id"]) for x in body["rejected"]] == [(1, bad["id"])]
    assert "identity" in body["rejected"][0]["error"]
    adm = agg(w, w.t["admin"], ind).json()
    assert adm["count"] == 2
    assert [o["org"] for o in adm["by_org"]] == ["C"]


def test_invisible_indicator_same_as_nonexistent(w):
    secret = publish(w, w.t["A"], indicator(tlp="amber+strict"))
    missing = f"indicator--{uuid.uuid4()}"
    r = post(w, w.t["B"], [sighting(secret, w.ident["B"]), sighting(missing, w.ident["B"])])
    assert r.status_code == 200
    rej = r.json()["rejected"]
    assert r.json()["accepted"] == 0 and len(rej) == 2
    assert rej[0]["error"] == rej[1]["error"]
    # The aggregation: 404 alike, same body apart from nothing at all.
    a, b = agg(w, w.t["B"], secret), agg(w, w.t["B"], missing)
    assert a.status_code == b.status_code == 404
    assert a.text == b.text
    # The owner sees it and may report sightings of it.
    assert post(w, w.t["A"], [sighting(secret, w.ident["A"])]).json()["accepted"] == 1
    assert agg(w, w.t["A"], secret).json()["count"] == 1
    # AMBER shared with B's group: B may.
    shared = publish(w, w.t["A"], indicator(tlp="amber", x_yagura_share_with=["group:council"]))
    assert post(w, w.t["B"], [sighting(shared, w.ident["B"])]).json()["accepted"] == 1
    assert agg(w, w.t["C"], shared).status_code == 404


def test_bad_input(w):
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    # Not a bundle: 400.
    for body in ([], {"type": "sighting"}, {"type": "bundle", "objects": {}}):
        assert post(w, w.t["C"], None, body=body).status_code == 400
    r = w.req("POST", "/api/v1/sightings", w.t["C"], accept=JSON,
              headers={"Content-Type": JSON}, data=b"{not json")
    assert r.status_code == 400
    # Wrong media type, wrong role, no token.
    assert post(w, w.t["C"], [], content_type="text/plain").status_code == 415
    assert post(w, w.t["Cr"], [sighting(ind)]).status_code == 403
    assert post(w, None, [sighting(ind)]).status_code == 401
    assert agg(w, None, ind).status_code == 401
    assert w.get("/api/v1/sightings", w.t["C"], accept=JSON).status_code == 405
    # Too many objects.
    assert post(w, w.t["C"], [sighting(ind)] * 1001).status_code == 413
    # Each bad sighting is refused on its own; the good one is stored.
    bads = [
        sighting(ind, count=0),
        sighting(ind, count=1_000_000_001),
        sighting(ind, count="3"),
        sighting(ind, first="2026-01-02T00:00:00Z", last="2026-01-01T00:00:00Z"),
        sighting(ind, last=ts(3600)),  # an hour ahead of the hub
        sighting(ind, first="yesterday"),
        sighting(ind, sid="sighting--nope"),
        sighting("indicator--not-a-uuid"),
        sighting(ind, x_yagura_host_hashes=["zz"]),
        sighting(ind, x_yagura_host_hashes=["ab" * 32] * 17),
        sighting(ind, x_yagura_hosts=["GET /secret HTTP/1.1"]),
        dict(sighting(ind), type="indicator"),
        "a string",
    ]
    good = sighting(ind, last=ts(120), count=9)  # a little clock skew is fine
    r = post(w, w.t["C"], bads + [good])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1
    assert sorted(x["index"] for x in body["rejected"]) == list(range(len(bads)))
    assert agg(w, w.t["C"], ind).json()["count"] == 9


def test_stored_sighting_keeps_no_extra(w, tmp_path):
    """What the hub stores is the contract's properties, attributed to the
    caller and TLP:AMBER; an opted-in host list is kept, a payload is not."""
    import json
    ind = publish(w, w.t["A"], indicator(tlp="green"))
    s = sighting(ind, count=1, x_yagura_hosts=["10.0.0.5"], x_payload="GET /secret",
                 description="packet bytes")
    assert post(w, w.t["Cs"], [s]).json()["accepted"] == 1
    o = json.loads(store_value(tmp_path, "sightings", "json", "stix_id", s["id"]))
    assert o["where_sighted_refs"] == [w.ident["C"]]
    assert o["created_by_ref"] == w.ident["C"]
    assert o["object_marking_refs"] == [TLP["amber"]]
    assert o["x_yagura_hosts"] == ["10.0.0.5"]
    assert "x_payload" not in o and "description" not in o
