#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_hub_darknet (fuzz/corpus/hub_darknet/).

Run from the repository root: python3 fuzz/seeds/hub_darknet.py
The first byte of each seed picks the Content-Type (0: application/json,
1: json with charset, 2: text/plain, 3: none); the rest is the body of a
POST /api/v1/darknet. The harness has posted a quiet tcp/23 for
2025-01-01T00:00..01:09; "surge.json" is the minute after, surging."""
import json
import os


def window(start="2025-01-01T01:10:00Z", ports=(), sources=(), victims=(), **kw):
    w = {"sensor": "fz", "telescope_addresses": 256, "window_start": start,
         "window_seconds": 60, "ports": list(ports), "sources": list(sources),
         "victims": list(victims)}
    w.update(kw)
    return w


def port(proto, num, packets, sources=1, new=0):
    return {"proto": proto, "port": num, "packets": packets, "sources": sources,
            "new_sources": new}


def source(ip, fp="mirai", cls="scan-tcp", ports=(23,), **kw):
    s = {"ip": ip, "class": cls, "fingerprint": fp, "packets": 30, "bytes": 1800,
         "dest_count": 30, "ports": list(ports)}
    s.update(kw)
    return s


SEEDS = {
    "surge.json": (0, window(ports=[port("tcp", 23, 900, 250, 200), port("udp", 53, 4)],
                             sources=[source(f"203.0.113.{i}", country="CN", asn=4134)
                                      for i in range(1, 6)] +
                                     [source("192.0.2.66", "research", research_name="Censys"),
                                      source("2001:db8::5", "zmap")],
                             victims=[{"ip": "198.18.0.9", "proto": "tcp", "port": 80,
                                       "packets": 30, "est_pps": 1234.5}])),
    "quiet.json": (1, window(ports=[port("tcp", 23, 101, 9, 2), port("icmp", 8, 3)])),
    "earlier.json": (0, window("2025-01-01T00:30:00Z", ports=[port("tcp", 445, 5)])),
    "bad_port.json": (0, window(ports=[port("tcp", 1, 1), port("tcp", 70000, 1)])),
    "dup_port.json": (0, window(ports=[port("udp", 9, 1), port("udp", 9, 2)])),
    "bad_time.json": (0, window("2025-02-30T00:00:00Z")),
    "future.json": (0, window("2999-01-01T00:00:00Z")),
    "victim_only.json": (0, window(victims=[{"ip": "198.18.0.1", "proto": "icmp",
                                             "packets": 2, "est_pps": 0}])),
    "bad_source.json": (0, window(sources=[source("x", country="cn")])),
    "text_plain.txt": (2, window()),
    "not_object.json": (0, [1, 2, 3]),
}


def main():
    out = os.path.join("fuzz", "corpus", "hub_darknet")
    os.makedirs(out, exist_ok=True)
    for name, (ct, body) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([ct]) + json.dumps(body).encode())
    with open(os.path.join(out, "truncated.json"), "wb") as f:
        f.write(b"\x00" + json.dumps(SEEDS["surge.json"][1]).encode()[:120])
    with open(os.path.join(out, "port_param.txt"), "wb") as f:
        f.write(b"\x0023\n{}")


if __name__ == "__main__":
    main()
