#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_taxii_client.c: TAXII 2.1 discovery (first byte 0),
collections (1), objects envelopes (2), response header lines (3) and
timestamp pairs (4), all made up here."""
import json
import pathlib
import sys

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                   pathlib.Path(__file__).resolve().parents[1] / "corpus" / "taxii_client")
ID1 = "indicator--11111111-1111-4111-8111-111111111111"
ID2 = "indicator--22222222-2222-4222-8222-222222222222"


def ind(i, pattern, **kw):
    o = {"type": "indicator", "spec_version": "2.1", "id": i,
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
         "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
    o.update(kw)
    return o


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seeds = {
        "disc-hub": (0, {"title": "yagura hub", "default": "/taxii2/api/",
                         "api_roots": ["/taxii2/api/"]}),
        "disc-abs": (0, {"api_roots": ["https://hub.example:8443/api1/", "/api2/"]}),
        "disc-rel": (0, {"api_roots": ["api1"]}),
        "disc-other-host": (0, {"api_roots": ["https://evil.example/x/"]}),
        "colls": (1, {"collections": [
            {"id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": "intel", "can_read": True,
             "can_write": False, "media_types": ["application/stix+json;version=2.1"]},
            {"id": "w", "can_read": False, "can_write": True}]}),
        "colls-empty": (1, {}),
        "env-page": (2, {"more": True, "next": "1732579200123456", "objects": [
            ind(ID1, "[domain-name:value = 'a.example']"),
            {"type": "identity", "id": "identity--1", "name": "x"},
            ind(ID2, "[ipv4-addr:value = '198.51.100.7']", valid_until="2030-01-01T00:00:00Z")]}),
        "env-revoked": (2, {"more": False, "objects": [
            {"type": "indicator", "id": ID1, "modified": "2024-02-01T00:00:00Z",
             "revoked": True}]}),
        "env-sigma": (2, {"objects": [ind(ID1, "title: x", pattern_type="sigma")]}),
        "env-empty": (2, {}),
    }
    for name, (sel, obj) in seeds.items():
        (OUT / name).write_bytes(bytes([sel]) + json.dumps(obj).encode())
    raw = {
        "hdr-last": b"\x03X-TAXII-Date-Added-Last: 2026-11-25T10:00:00.123456Z\r\n",
        "hdr-first": b"\x03X-TAXII-Date-Added-First: 2026-11-25T10:00:00Z\r\n",
        "times": b"\x042024-01-02T03:04:05Z\x002024-01-02T03:04:05.5Z",
        "times-eq": b"\x042024-01-02T03:04:05.5Z\x002024-01-02T03:04:05.500Z",
        "env-truncated": b"\x02{\"more\":true,\"objects\":[{\"type\":\"indic",
    }
    for name, b in raw.items():
        (OUT / name).write_bytes(b)


if __name__ == "__main__":
    main()
