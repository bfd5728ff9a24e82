#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_hub_changes.c: change-feed answers (first byte 0),
sightings POST answers (1) and spooled batches (2), all made up here."""
import json
import pathlib
import sys

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                   pathlib.Path(__file__).resolve().parents[1] / "corpus" / "hub_changes")
ID1 = "indicator--11111111-1111-4111-8111-111111111111"
ID2 = "indicator--22222222-2222-4222-8222-222222222222"


def ind(i, pattern):
    return {"type": "indicator", "spec_version": "2.1", "id": i,
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": "2030-01-01T00:00:00Z"}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seeds = {
        "changes-upsert": (0, {"cursor": "17", "reset": False, "more": False, "changes": [
            {"op": "upsert", "id": ID1, "object": ind(ID1, "[domain-name:value = 'a.example']")},
            {"op": "remove", "id": ID2, "reason": "revoked"}]}),
        "changes-reset": (0, {"cursor": "abc:5", "reset": True, "more": True, "changes": [
            {"op": "upsert", "id": ID2, "object": ind(ID2, "[ipv4-addr:value = '198.51.100.7']")}]}),
        "changes-empty": (0, {"cursor": "0", "changes": []}),
        "changes-bad-op": (0, {"cursor": "1", "changes": [{"op": "x", "id": ID1}]}),
        "answer": (1, {"accepted": 2, "duplicates": 1,
                       "rejected": [{"index": 0, "id": "sighting--1", "error": "unknown indicator"}]}),
        "batch": (2, {"type": "bundle", "id": "bundle--5", "objects": [
            {"type": "sighting", "spec_version": "2.1",
             "id": "sighting--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "sighting_of_ref": ID1,
             "count": 3, "first_seen": "2024-01-01T00:00:00.000Z",
             "last_seen": "2024-01-01T00:00:01.000Z", "x_yagura_host_hashes": ["00" * 32]}]}),
    }
    for name, (sel, obj) in seeds.items():
        (OUT / name).write_bytes(bytes([sel]) + json.dumps(obj).encode())
    (OUT / "truncated").write_bytes(b"\x00{\"cursor\":\"1\",\"changes\":[{\"op\":\"ups")


if __name__ == "__main__":
    main()
