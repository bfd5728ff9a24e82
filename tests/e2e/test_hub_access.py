"""Collections and who may use them: the five TLP 2.0 marking definitions
served by the hub, per-organization can_read/can_write set with
`hub admin collection add`, enforced on every collection endpoint, and a
public collection whose TLP:CLEAR objects need no token."""
import json

import pytest

from hubfixture import TLP, hub, indicator, shared_data_dir, world  # noqa: F401 (fixtures)

# Every test here runs with Bearer and again with the token as a Basic password.
pytestmark = pytest.mark.usefixtures("both_auth_schemes")

OFFICIAL = {  # TLP 2.0 extension, as published in oasis-open/cti-stix-common-objects
    level: {
        "type": "marking-definition", "spec_version": "2.1", "id": mid,
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:" + level.upper(),
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension", "tlp_2_0": level}},
    } for level, mid in TLP.items()
}


def test_tlp_markings_served_identical_to_official(world):
    h = world
    for viewer in ("A", "C", "reader", "sensor"):
        r = h.get(f"/taxii2/api/collections/{h.coll}/objects/", h.t[viewer],
                  params={"match[type]": "marking-definition"})
        got = {o["id"]: o for o in r.json()["objects"]}
        assert got == {o["id"]: o for o in OFFICIAL.values()}, viewer
    for level, mid in TLP.items():
        r = h.get(f"/taxii2/api/collections/{h.coll}/objects/{mid}/", h.t["B"])
        assert r.json()["objects"] == [OFFICIAL[level]]
    # The three the shared data holds are byte-for-byte the official objects.
    common = shared_data_dir() / "stix" / "common-objects"
    for level in ("green", "amber+strict", "red"):
        f = common / f"{TLP[level]}.json"
        if f.is_file():
            assert json.loads(f.read_text())["objects"] == [OFFICIAL[level]]
    # Members cannot delete them; reposting them changes nothing.
    mid = TLP["green"]
    assert h.req("DELETE", f"/taxii2/api/collections/{h.coll}/objects/{mid}/",
                 h.t["A"]).status_code == 404
    st = h.post_objects(h.coll, h.t["A"], [OFFICIAL["green"]]).json()
    assert st["success_count"] == 1
    assert h.get(f"/taxii2/api/collections/{h.coll}/objects/{mid}/versions/",
                 h.t["C"]).json() == {"more": False, "versions": ["2022-10-01T00:00:00.000Z"]}


def test_collection_cli_and_per_org_access(world):
    h = world
    council = h.collection("council", "--description", "A and B", "--read", "A,B",
                           "--write", "A")
    drop = h.collection("dropbox", "--read", "D", "--write", "*")
    lines = h.admin("collection", "list").stdout.splitlines()
    rows = {x.split("\t")[1]: x.split("\t") for x in lines}
    assert rows["default"][2:] == ["*", "*", "members"]
    assert rows["council"] == [council, "council", "A,B", "A", "members"]
    assert rows["dropbox"] == [drop, "dropbox", "D", "*", "members"]
    p = h.admin("collection", "add", "x", "--read", "Nobody", check=False)
    assert p.returncode == 1 and "no organization 'Nobody'" in p.stderr
    assert h.admin("collection", "add", "x", "--bogus", "1", check=False).returncode == 2

    def listed(tok):
        r = h.get("/taxii2/api/collections/", tok).json()
        return {c["title"]: (c["can_read"], c["can_write"]) for c in r["collections"]}

    assert listed(h.t["A"]) == {"default": (True, True), "council": (True, True)}
    assert listed(h.t["B"]) == {"default": (True, True), "council": (True, False)}
    assert listed(h.t["C"]) == {"default": (True, True)}  # dropbox: writes, never reads
    assert listed(h.t["D"]) == {"default": (True, True), "dropbox": (True, True)}
    assert listed(h.t["reader"]) == {"default": (True, False)}

    o = indicator(tlp="green")
    assert h.post_objects(council, h.t["A"], [o]).json()["success_count"] == 1
    base = f"/taxii2/api/collections/{council}/"
    reads = ["", "objects/", f"objects/{o['id']}/", f"objects/{o['id']}/versions/",
             "manifest/"]
    for suffix in reads:
        assert h.get(base + suffix, h.t["B"]).status_code == 200, suffix
        r = h.get(base + suffix, h.t["C"])
        assert (r.status_code, r.json()) == (404, {
            "title": "not found", "http_status": "404",
            "description": "no such collection"}), suffix
    r = h.post_objects(council, h.t["B"], [indicator()])
    assert (r.status_code, r.json()["description"]) == (403, "you may not write to this collection")
    assert h.post_objects(council, h.t["C"], [indicator()]).status_code == 404
    assert h.req("DELETE", base + f"objects/{o['id']}/", h.t["C"]).status_code == 404
    assert h.req("DELETE", base + f"objects/{o['id']}/", h.t["B"]).status_code == 403

    # Write-only for C: it may post, and learns nothing by reading.
    p = indicator(tlp="green")
    assert h.post_objects(drop, h.t["C"], [p]).json()["success_count"] == 1
    assert h.get(f"/taxii2/api/collections/{drop}/", h.t["C"]).json()["can_read"] is False
    for suffix in reads[1:]:
        r = h.get(f"/taxii2/api/collections/{drop}/" + suffix.replace(o["id"], p["id"]),
                  h.t["C"])
        assert r.status_code == 403, suffix
    got = h.get(f"/taxii2/api/collections/{drop}/objects/", h.t["D"]).json()["objects"]
    assert got == [p]


def test_public_collection_without_token(world):
    h = world
    pub = h.collection("public", "--public", "--write", "A")
    objs = {lvl: indicator(tlp=lvl) for lvl in ("clear", "green", "amber", "red")}
    objs["unmarked"] = indicator()
    st = h.post_objects(pub, h.t["A"], list(objs.values())).json()
    assert st["success_count"] == 5
    row = [x for x in h.admin("collection", "list").stdout.splitlines() if pub in x][0]
    assert row.split("\t")[2:] == ["*", "A", "public"]

    listing = h.get("/taxii2/api/collections/", None).json()["collections"]
    assert [(c["id"], c["can_read"], c["can_write"]) for c in listing] == [(pub, True, False)]
    assert h.get("/taxii2/", None).json()["api_roots"] == ["/taxii2/api/"]
    base = f"/taxii2/api/collections/{pub}/"
    clear = objs["clear"]
    r = h.get(base + "objects/", None)
    assert r.status_code == 200 and r.json()["objects"] == [clear]
    assert h.get(base + "manifest/", None).json()["objects"][0]["id"] == clear["id"]
    assert len(h.get(base + "manifest/", None).json()["objects"]) == 1
    assert h.get(base + f"objects/{clear['id']}/", None).json()["objects"] == [clear]
    assert h.get(base + f"objects/{clear['id']}/versions/", None).status_code == 200
    for lvl in ("green", "amber", "red", "unmarked"):
        oid = objs[lvl]["id"]
        assert h.get(base + f"objects/{oid}/", None).status_code == 404, lvl
        assert h.get(base + f"objects/{oid}/versions/", None).status_code == 404, lvl
    # Members see what their TLP allows, as anywhere.
    c_ids = {o["id"] for o in h.get(base + "objects/", h.t["C"]).json()["objects"]}
    assert c_ids == {objs["clear"]["id"], objs["green"]["id"]}
    # Without a token: no writes, no deletes, no status, no other collection.
    r = h.post_objects(pub, None, [indicator(tlp="clear")])
    assert r.status_code == 401
    assert h.req("DELETE", base + f"objects/{clear['id']}/", None).status_code == 401
    assert h.get(f"/taxii2/api/status/{st['id']}/", None).status_code == 401
    for path in (f"/taxii2/api/collections/{h.coll}/", f"/taxii2/api/collections/{h.coll}/objects/",
                 "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/objects/",
                 "/metrics"):
        r = h.get(path, None)
        assert (r.status_code, r.json()["description"]) == \
            (401, "a token is required (Bearer, or Basic with the token as password)"), path
    # A bad token is refused even where no token is needed.
    assert h.get(base + "objects/", "f" * 64).status_code == 401
