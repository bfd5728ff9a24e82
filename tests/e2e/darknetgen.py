"""Telescope windows as a sensor posts them to the hub (issue 13):
POST /api/v1/darknet, one minute per request, in the contract's JSON.

Used by test_hub_darknet.py; also runnable by hand against a hub:
    python3 darknetgen.py URL TOKEN [--minutes 240] [--surge-at 200] [--port 23]
posts a noisy baseline on a few ports and a worm surge (many new Mirai
sources on one port) starting at a known minute, and prints that minute."""
import argparse
import datetime
import random

import requests

JSON = "application/json"


def minute_str(t):
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def now_minute():
    return datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)


def noisy(rng, mean):
    """A count around mean with Poisson-like spread, never negative."""
    return max(0, int(round(rng.gauss(mean, mean ** 0.5))))


def window(sensor, start, ports, sources=(), victims=(), telescope=65536):
    return {"sensor": sensor, "telescope_addresses": telescope,
            "window_start": minute_str(start), "window_seconds": 60,
            "ports": list(ports), "sources": list(sources), "victims": list(victims)}


def port(proto, num, packets, sources, new_sources):
    return {"proto": proto, "port": num, "packets": packets, "sources": sources,
            "new_sources": new_sources}


def source(ip, packets, ports, fingerprint="unknown", cls="scan-tcp", country=None, asn=None,
           research_name=None):
    s = {"ip": ip, "class": cls, "fingerprint": fingerprint, "packets": packets,
         "bytes": packets * 60, "dest_count": packets, "ports": list(ports)}
    if country:
        s["country"] = country
    if asn is not None:
        s["asn"] = asn
    if research_name:
        s["research_name"] = research_name
    return s


class Scenario:
    """A baseline of `minutes` minutes ending a minute before now, with a
    surge on tcp/`surge_port` from minute index `surge_at` on: packets
    rise six-fold and most of the new packets come from new Mirai
    sources. Deterministic for a seed."""

    def __init__(self, minutes=200, surge_at=180, surge_port=23, seed=13, sensor="tele-1"):
        self.rng = random.Random(seed)
        self.minutes = minutes
        self.surge_at = surge_at
        self.surge_port = surge_port
        self.sensor = sensor
        self.start = now_minute() - datetime.timedelta(minutes=minutes + 1)

    def time_of(self, i):
        return self.start + datetime.timedelta(minutes=i)

    def window_at(self, i):
        rng = self.rng
        surging = i >= self.surge_at
        p23 = noisy(rng, 100)
        new23 = noisy(rng, 3)
        srcs = [source("198.51.100.7", 40, [23, 2323], "unknown", country="NL", asn=64500),
                source("192.0.2.66", 10, [23, 22, 443], "research", country="US", asn=398324,
                       research_name="Censys")]
        if surging:
            p23 += 500
            new23 += 200
            srcs += [source(f"203.0.113.{k + 1}", 20 + k, [self.surge_port], "mirai",
                            country="CN", asn=4134) for k in range(30)]
        ports = [port("tcp", self.surge_port, p23, 30 + (200 if surging else 0), new23),
                 port("tcp", 445, noisy(rng, 50), 20, noisy(rng, 2)),
                 port("udp", 53, noisy(rng, 20), 8, noisy(rng, 1))]
        victims = [{"ip": "198.18.0.9", "proto": "tcp", "port": 80, "packets": 30,
                    "est_pps": 1000.0 * (1 + i % 3)}]
        return window(self.sensor, self.time_of(i), ports, srcs, victims)


def post(base, token, body, session=None, content_type=JSON, raw=None):
    s = session or requests
    h = {"Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": JSON}
    if raw is not None:
        return s.post(base + "/api/v1/darknet", data=raw, headers=h, timeout=120)
    return s.post(base + "/api/v1/darknet", json=body, headers=h, timeout=120)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("token")
    ap.add_argument("--minutes", type=int, default=240)
    ap.add_argument("--surge-at", type=int, default=200)
    ap.add_argument("--port", type=int, default=23)
    a = ap.parse_args()
    sc = Scenario(a.minutes, a.surge_at, a.port)
    for i in range(a.minutes):
        r = post(a.url, a.token, sc.window_at(i))
        r.raise_for_status()
        for s in r.json()["surges"]:
            if s["new"]:
                print(f"surge {s['proto']}/{s['port']} flagged at {s['since']}")
    print(f"surge started at {minute_str(sc.time_of(a.surge_at))}")


if __name__ == "__main__":
    main()
