"""GET /api/v1/export/{format}: each member gets, in the format its
firewall or IDS reads, exactly the indicators TLP lets it see; the ETag
lets a poller transfer only changes."""
import pytest

from hubfixture import hub, indicator, world  # noqa: F401  (fixtures)


def dom(name, tlp=None, **kw):
    o = indicator(tlp=tlp, **kw)
    o["pattern"] = f"[domain-name:value = '{name}']"
    return o


@pytest.fixture
def w(world):
    h = world
    objs = [
        dom("green.example", "green"),
        dom("clear.example", "clear"),
        dom("amber-group.example", "amber", x_yagura_share_with=["group:council"]),
        dom("strict.example", "amber+strict"),
        dom("red-d.example", "red", x_yagura_share_with=["D"]),
        dom("unmarked.example"),
        dom("revoked.example", "green", revoked=True),
        dom("expired.example", "green", valid_until="2024-06-01T00:00:00Z"),
        indicator("203.0.113.9", "green"),
    ]
    r = h.post_objects(h.coll, h.t["A"], objs)
    assert r.status_code == 202, r.text
    assert r.json()["success_count"] == len(objs)
    return h


def export(h, token, fmt="domains", **headers):
    hdrs = {"Authorization": f"Bearer {token}", **headers}
    return h.session.get(f"{h.base}/api/v1/export/{fmt}", headers=hdrs, timeout=30)


def names(text):
    return {ln for ln in text.splitlines() if ln and not ln.startswith("#")}


def test_each_member_gets_what_tlp_allows(w):
    base = {"green.example", "clear.example"}
    want = {
        "A": base | {"amber-group.example", "strict.example", "red-d.example", "unmarked.example"},
        "B": base | {"amber-group.example"},
        "C": base,
        "D": base | {"red-d.example"},
    }
    for org, expected in want.items():
        r = export(w, w.t[org])
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/plain")
        assert names(r.text) == expected, org
    # Revoked and expired indicators never leave, for anyone.
    assert "revoked.example" not in export(w, w.t["A"]).text
    assert "expired.example" not in export(w, w.t["A"]).text


def test_formats_and_tlp_in_rules(w):
    r = export(w, w.t["C"], "suricata")
    assert r.status_code == 200
    assert "green.example" in r.text and "strict.example" not in r.text
    r = export(w, w.t["C"], "nftables")
    assert r.status_code == 200 and "203.0.113.9" in r.text
    r = export(w, w.t["C"], "stix")
    assert r.status_code == 200 and r.json()["type"] == "bundle"
    assert "red-d.example" not in r.text and "amber-group" not in r.text


def test_etag_gives_304_until_data_changes(w):
    r1 = export(w, w.t["B"], "rpz")
    tag = r1.headers["ETag"]
    assert r1.status_code == 200 and tag.startswith('"')
    assert export(w, w.t["B"], "rpz").text == r1.text  # deterministic
    r2 = export(w, w.t["B"], "rpz", **{"If-None-Match": tag})
    assert r2.status_code == 304 and r2.content == b""
    # Something B cannot see changes nothing for B...
    w.post_objects(w.coll, w.t["A"], [dom("another-strict.example", "amber+strict")])
    assert export(w, w.t["B"], "rpz", **{"If-None-Match": tag}).status_code == 304
    # ...something it can see does.
    w.post_objects(w.coll, w.t["C"], [dom("new.example", "green")])
    r3 = export(w, w.t["B"], "rpz", **{"If-None-Match": tag})
    assert r3.status_code == 200 and r3.headers["ETag"] != tag
    assert "new.example" in r3.text


def test_errors(w):
    assert export(w, w.t["A"], "no-such-format").status_code == 404
    r = w.session.get(f"{w.base}/api/v1/export/domains", timeout=30)
    assert r.status_code == 401
    r = w.session.get(f"{w.base}/api/v1/export/domains", timeout=30,
                      headers={"Authorization": "Bearer " + "0" * 64})
    assert r.status_code == 401


def test_indicator_feed_is_minimal_and_tlp_checked(w):
    anon = dom("anon.example", "green", created_by_ref="identity--0d5e2f8a-2c6c-4f4a-9f5f-3a3b3c3d3e3f")
    r = w.post_objects(w.coll, w.t["A"], [anon], headers={"X-Yagura-Anonymous": "1"})
    assert r.status_code == 202, r.text
    r = w.session.get(f"{w.base}/api/v1/indicators", timeout=30,
                      headers={"Authorization": f"Bearer {w.t['B']}"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/stix+json")
    objs = {o["pattern"].split("'")[1]: o for o in r.json()["objects"]}
    # expired.example is past its valid_until: the hub's lifecycle filter drops it.
    assert set(objs) == {"green.example", "clear.example", "amber-group.example", "anon.example",
                         "203.0.113.9"}
    for o in objs.values():
        assert set(o) <= {"type", "spec_version", "id", "created", "modified", "pattern",
                          "pattern_type", "valid_from", "valid_until"}, o
    assert objs["anon.example"]["id"] == anon["id"]
    tag = r.headers["ETag"]
    r = w.session.get(f"{w.base}/api/v1/indicators", timeout=30,
                      headers={"Authorization": f"Bearer {w.t['B']}", "If-None-Match": tag})
    assert r.status_code == 304
