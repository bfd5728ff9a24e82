"""Every STIX file of the shared third-party data through TAXII: POSTed (in
chunks), then read back. Objects the OASIS validator rejected (per the
data's VALIDATION.json) must be exactly the ones the hub rejects; every
other object must come back identical as a JSON value, to its submitter
(nothing added or removed) and, when TLP:CLEAR or GREEN, to another member.
Skipped when the data is absent (set YG_SHARED_DATA)."""
import json

import pytest

from hubfixture import TAXII, TLP, hub, shared_data_dir  # noqa: F401 (fixture)

CHUNK = 500
# TLP 1.0 ids of the STIX 2.1 spec, which the hub maps to TLP 2.0 levels.
TLP1 = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
ORDER = ["clear", "green", "amber", "amber+strict", "red"]


def tlp_of(obj):
    names = {v: k for k, v in TLP.items()} | TLP1
    refs = list(obj.get("object_marking_refs", []))
    refs += [g.get("marking_ref") for g in obj.get("granular_markings", [])]
    levels = [names[r] for r in refs if r in names]
    return max(levels, key=ORDER.index) if levels else "amber"


def version_of(obj):
    return obj.get("modified") or obj.get("created") or ""


@pytest.fixture
def stix_dir():
    d = shared_data_dir() / "stix"
    if not (d / "VALIDATION.json").is_file():
        pytest.skip(f"shared STIX data not found at {d} (set YG_SHARED_DATA)")
    return d


def test_every_shared_bundle_round_trips(hub, stix_dir):
    h = hub
    h.org("Submitter")
    h.org("Other")
    tok, other = h.token("Submitter"), h.token("Other")
    results = json.loads((stix_dir / "VALIDATION.json").read_text())["results"]
    assert results
    total_objects = 0
    for n, res in enumerate(results):
        path = stix_dir / res["file"]
        text = path.read_text(encoding="utf-8")
        # Each file in a collection of its own: files share ids (the TLP
        # markings, the validator's identity examples) with other content.
        coll = h.collection(f"shared-{n}")
        try:
            doc = json.loads(text)
        except ValueError:
            # Only the deliberately broken JSON examples; the hub says so and
            # stores nothing.
            assert not res["is_valid"] and res["errors"][0].startswith("FATAL"), res["file"]
            r = h.req("POST", f"/taxii2/api/collections/{coll}/objects/", tok,
                      headers={"Content-Type": TAXII}, data=text.encode())
            assert r.status_code == 400, res["file"]
            assert r.json()["description"].startswith("invalid JSON"), res["file"]
            assert h.get(f"/taxii2/api/collections/{coll}/objects/", tok).json() == \
                {"more": False}
            continue
        objs = doc.get("objects", []) if doc.get("type") == "bundle" else [doc]
        total_objects += len(objs)
        want_bad = {e.split(": ", 1)[0] for e in res["errors"]
                    if not e.startswith("FATAL") and ": " in e}
        rejected, stored = set(), []
        for i in range(0, len(objs), CHUNK):
            r = h.post_objects(coll, tok, objs[i:i + CHUNK])
            assert r.status_code == 202, (res["file"], r.text[:500])
            st = r.json()
            assert st["total_count"] == len(objs[i:i + CHUNK])
            rejected |= {f.get("id") for f in st["failures"]}
            stored += [s["id"] for s in st["successes"]]
        assert rejected == want_bad, res["file"]
        assert len(stored) + len(rejected) == len(objs), res["file"]

        expect = {(o["id"], version_of(o)): o for o in objs if o["id"] not in want_bad}
        mine, pages = h.objects_all(coll, tok, {"match[version]": "all"})
        got = {(o["id"], version_of(o)): o for o in mine}
        assert len(got) == len(mine), res["file"]  # no duplicates across pages
        assert set(got) == set(expect), res["file"]
        for key, o in expect.items():
            assert got[key] == o, (res["file"], key)
        # Another member sees the CLEAR and GREEN ones, identical too.
        theirs, _ = h.objects_all(coll, other, {"match[version]": "all"})
        shared = {k: o for k, o in expect.items() if tlp_of(o) in ("clear", "green")}
        assert {(o["id"], version_of(o)): o for o in theirs} == shared, res["file"]
        # One by id, for a sample.
        for o in list(expect.values())[:: max(1, len(expect) // 20)]:
            r = h.get(f"/taxii2/api/collections/{coll}/objects/{o['id']}/", tok,
                      params={"match[version]": "all"})
            assert o in r.json()["objects"], (res["file"], o["id"])
    assert total_objects > 3000
