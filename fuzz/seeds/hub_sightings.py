#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_hub_sightings (fuzz/corpus/hub_sightings/).

Run from the repository root: python3 fuzz/seeds/hub_sightings.py
The first byte of each seed picks the Content-Type (0: application/json,
1: STIX 2.1, 2: json with charset, 3: text/plain); the rest is the body.
The indicator ids are the ones the harness publishes. Made up here."""
import json
import os

GREEN = "indicator--0f000000-0000-4000-8000-000000000001"
STRICT = "indicator--0f000000-0000-4000-8000-000000000002"
T1, T2 = "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00Z"


def sighting(n, of=GREEN, **kw):
    o = {"type": "sighting", "spec_version": "2.1",
         "id": f"sighting--0e000000-0000-4000-8000-{n:012d}", "created": T1, "modified": T1,
         "sighting_of_ref": of, "count": 3, "first_seen": T1, "last_seen": T2}
    o.update(kw)
    return o


def bundle(*objs):
    return {"type": "bundle", "id": "bundle--0d000000-0000-4000-8000-000000000001",
            "objects": list(objs)}


SEEDS = {
    "one.json": (0, bundle(sighting(1))),
    "stix_media.json": (1, bundle(sighting(2, x_yagura_sensor="edge-1",
                                           x_yagura_host_hashes=["ab" * 32]))),
    "hosts.json": (2, bundle(sighting(3, x_yagura_hosts=["10.0.0.5", "fd00::1"]))),
    "invisible.json": (0, bundle(sighting(4, of=STRICT), sighting(5, of=GREEN, count=0))),
    "mixed.json": (0, bundle(sighting(6), sighting(6), "x", {"type": "sighting"},
                             sighting(7, first_seen=T2, last_seen=T1),
                             sighting(8, where_sighted_refs=["identity--0c000000-0000-4000-8000-000000000001"]),
                             sighting(9, count=1000000000, modified="2026-01-03T00:00:00Z"))),
    "not_bundle.json": (0, {"type": "sighting", "objects": []}),
    "empty.json": (0, bundle()),
    "wrong_type.txt": (3, bundle(sighting(10))),
}


def main():
    out = os.path.join("fuzz", "corpus", "hub_sightings")
    os.makedirs(out, exist_ok=True)
    for name, (ct, body) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([ct]) + json.dumps(body).encode())
    with open(os.path.join(out, "truncated.json"), "wb") as f:
        f.write(b"\x00" + json.dumps(bundle(sighting(11))).encode()[:90])


if __name__ == "__main__":
    main()
