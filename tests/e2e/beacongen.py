#!/usr/bin/python3
"""beacongen: captures with known truth for the sensor's beacon detection
(issue 14), built with pcapgen. Deterministic: same seed, same bytes.

  beacons  generated command-and-control beacons: for each jitter level
           (10, 20, 30, 40 %), PER_LEVEL home hosts each call one outside
           destination every P seconds (P from 30 s to 15 min), every
           interval drawn uniformly in P * (1 +- jitter); beat 7 is always
           missed and every other beat is missed with probability 5 %.
           Over TLS (an SNI; the name resolves to three rotating
           addresses), HTTP (a Host), bare TCP and UDP (keyed by address).
  benign   a generated day of benign traffic from HOSTS home hosts, full of
           periodic-looking but irregular connections:
             - NTP every 64-1024 s, the poll interval stepping up and down
               as ntpd's does (UDP 123: the sensor leaves NTP out);
             - three update checkers per host: a check every 3-8 hours,
               and after a failure (35 %) retries with exponential backoff
               from 60 s, doubling, each delay * U(0.9, 1.3);
             - browsing in working hours: sessions start at random (Poisson,
               mean 25 min), each on a site picked by popularity (Zipf over
               150 sites), with 1-15 clicks at log-normal gaps (median
               30 s); each click opens 2-6 connections within 1.5 s to the
               site and its static host;
             - a chat client reconnecting after a random keep-alive of
               1-15 minutes, and telemetry sent after exponential gaps
               (mean 30 min) over the whole day.
  sweep    N distinct (host, destination) pairs, one SYN each, plus one
           beacon among them: for the memory bound.

CLI:
  beacongen.py beacons OUT.pcap [--truth T.json] [--seed N] [--per-level N]
  beacongen.py benign OUT.pcap [--hosts N] [--seed N]
  beacongen.py sweep OUT.pcap [--pairs N]
"""
import argparse
import hashlib
import json
import math
import random
import sys

import pcapgen as pg

START = 1767225600.0  # 2026-01-01T00:00:00Z
DAY = 86400.0
LEVELS = (0.1, 0.2, 0.3, 0.4)
PERIODS = (30, 60, 120, 300, 600, 900)
KINDS = ("tls", "http", "tcp", "udp")


def ext_addr(name, net="198.18"):
    """A stable outside address for a name (198.18.0.0/15, RFC 2544)."""
    h = hashlib.sha256(name.encode()).digest()
    return f"{net}.{h[0]}.{1 + h[1] % 254}" if net.count(".") == 1 else f"{net}.{1 + h[0] % 254}"


class Capture:
    """Frames of many short connections, written sorted by time."""

    def __init__(self):
        self.frames = []
        self.port = {}
        self._hello = {}
        self._server = pg.tls_server_hello() + pg.tls_app_data(64)

    def sport(self, host):
        p = self.port.get(host, 40000)
        self.port[host] = 40000 + (p - 39999) % 25000
        return p

    def hello(self, sni):
        if sni not in self._hello:
            self._hello[sni] = pg.tls_client_hello(sni=sni, alpn=["http/1.1"])
        return self._hello[sni]

    def conn(self, kind, host, dest, dport, t, name=None):
        c = (host, self.sport(host))
        if kind == "udp" or kind == "ntp":
            data = b"\x23" + b"\x00" * 47 if kind == "ntp" else b"ping " + (name or "").encode()
            self.frames += pg.udp_exchange(c, (dest, dport), [(True, data), (False, data)],
                                           start=t)
            return
        if kind == "tls":
            cp, sp = self.hello(name), self._server
        elif kind == "http":
            cp = pg.http_request(host=name, url="/check", user_agent="agent/1.0")
            sp = pg.http_response(body=b"ok")
        else:
            cp, sp = b"\x00\x01hello", b"\x00\x01ok"
        self.frames += pg.tcp_session(c, (dest, dport), client_payload=cp, server_payload=sp,
                                      start=t, timestamps=False)

    def write(self, path):
        self.frames.sort(key=lambda f: f[0])
        pg.write_pcap(path, self.frames)
        return len(self.frames)


def beacons(cap, seed=1, per_level=10, beats=40):
    """Adds the generated beacons; returns their truth."""
    rng = random.Random(seed)
    truth = []
    for li, j in enumerate(LEVELS):
        for i in range(per_level):
            host = f"10.9.{li + 1}.{10 + i}"
            kind = KINDS[i % len(KINDS)]
            period = PERIODS[(i + li) % len(PERIODS)]
            name = f"c2-{li + 1}-{i}.example" if kind in ("tls", "http") else None
            dests = [ext_addr(f"{name or host}/{k}", "203.0.113") for k in range(3 if name else 1)]
            dport = {"tls": 443, "http": 80, "tcp": 8443, "udp": 5000 + i}[kind]
            t = START + rng.uniform(0, 3600)
            sent = 0
            for b in range(beats):
                t += period * (1 + rng.uniform(-j, j))
                if b == 7 or rng.random() < 0.05:
                    continue
                cap.conn(kind, host, dests[b % len(dests)], dport, t, name)
                sent += 1
            truth.append({"host": host, "name": name, "dests": dests, "dst_port": dport,
                          "proto": "udp" if kind == "udp" else "tcp", "kind": kind,
                          "jitter": j, "period": period, "beats": sent})
    return truth


def benign(cap, hosts=12, seed=2):
    """Adds a benign day; returns how many connections each kind made."""
    rng = random.Random(seed)
    sites = [f"site{k}.example" for k in range(150)]
    weights = [1 / (k + 1) for k in range(150)]
    ntp = [ext_addr(f"ntp{k}", "198.51.100") for k in range(3)]
    made = {"ntp": 0, "update": 0, "browse": 0, "chat": 0, "telemetry": 0}
    end = START + DAY
    for h in range(hosts):
        host = f"10.2.0.{10 + h}"
        # NTP: the poll exponent wanders between 6 and 10 (64-1024 s).
        t, ex, left = START + rng.uniform(0, 64), 6, rng.randint(6, 20)
        server = ntp[h % 3]
        while t < end:
            cap.conn("ntp", host, server, 123, t)
            made["ntp"] += 1
            left -= 1
            if left == 0:
                ex = min(10, max(6, ex + rng.choice((-1, 1, 1))))
                left = rng.randint(6, 20)
            t += 2 ** ex * rng.uniform(0.95, 1.05)
        # Update checkers with exponential backoff after failures.
        for u in range(3):
            name = f"update{u}.vendor{h % 4}.example"
            dest = ext_addr(name)
            t = START + rng.uniform(0, 4 * 3600)
            while t < end:
                cap.conn("tls", host, dest, 443, t, name)
                made["update"] += 1
                if rng.random() < 0.35:
                    delay, tries = 60.0, 0
                    while tries < 7 and t < end:
                        t += delay * rng.uniform(0.9, 1.3)
                        cap.conn("tls", host, dest, 443, t, name)
                        made["update"] += 1
                        tries += 1
                        if rng.random() < 0.4:
                            break
                        delay *= 2
                t += rng.uniform(3 * 3600, 8 * 3600)
        # Browsing sessions in working hours.
        t = START + 8 * 3600 + rng.expovariate(1 / 1500)
        while t < START + 18 * 3600:
            site = rng.choices(sites, weights)[0]
            ct = t
            for _ in range(rng.randint(1, 15)):
                for k in range(rng.randint(2, 6)):
                    name = site if k % 2 == 0 else "static." + site
                    cap.conn("tls", host, ext_addr(name), 443, ct + rng.uniform(0, 1.5), name)
                    made["browse"] += 1
                ct += rng.lognormvariate(math.log(30), 1.0)
            t = max(t + rng.expovariate(1 / 1500), ct)
        # Chat keep-alive reconnects and telemetry, all day.
        t = START + rng.uniform(0, 600)
        while t < end:
            cap.conn("tls", host, ext_addr("chat.example"), 443, t, "chat.example")
            made["chat"] += 1
            t += rng.uniform(60, 900)
        t = START + rng.uniform(0, 1800)
        while t < end:
            cap.conn("http", host, ext_addr("telemetry.example"), 80, t, "telemetry.example")
            made["telemetry"] += 1
            t += rng.expovariate(1 / 1800)
    return made


def sweep(cap, pairs=30000):
    """pairs one-SYN connections to distinct destinations, and one beacon
    (10.3.0.1 to 203.0.113.200:443 every 60 s for two hours) running
    through them."""
    span = 7200.0
    for k in range(pairs):
        host = f"10.3.{1 + k % 200}.{1 + (k // 200) % 250}"
        dest = f"100.{64 + k % 64}.{(k // 64) % 256}.{1 + (k // 16384) % 254}"
        t = START + span * k / pairs
        cap.frames.append((t, pg.link(pg.tcp_packet(host, dest, 40000 + k % 20000, 443,
                                                    flags="S"))))
    for b in range(int(span // 60)):
        cap.conn("tcp", "10.3.0.1", "203.0.113.200", 443, START + 30 + 60 * b)
    return {"pairs": pairs + 1, "beacon": {"host": "10.3.0.1", "dest": "203.0.113.200",
                                            "dst_port": 443}}


def eve_beacons(path):
    """The beacon events and the yagura_stats event of an EVE file."""
    events, stats = [], None
    with open(path) as f:
        for line in f:
            if '"beacon"' not in line and '"yagura_stats"' not in line:
                continue
            e = json.loads(line)
            if e["event_type"] == "beacon":
                events.append(e)
            elif e["event_type"] == "yagura_stats":
                stats = e["yagura_stats"]
    return events, stats


def flagged_pairs(events):
    """Distinct pairs reported, as the sensor keys them."""
    return {(e["src_ip"], e["beacon"].get("name") or e["dest_ip"], e["proto"], e["dest_port"])
            for e in events}


def detected(truth, events):
    """{jitter: (detected, total)} of the generated beacons, and the pairs
    reported that are none of them."""
    seen = flagged_pairs(events)
    out, matched = {}, set()
    for b in truth:
        key = (b["host"], b["name"] or b["dests"][0], b["proto"].upper(), b["dst_port"])
        hit = key in seen
        matched.add(key)
        d, n = out.get(b["jitter"], (0, 0))
        out[b["jitter"]] = (d + hit, n + 1)
    return out, seen - matched


def main(argv=None):
    ap = argparse.ArgumentParser(prog="beacongen.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("beacons")
    b.add_argument("out")
    b.add_argument("--truth")
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--per-level", type=int, default=10)
    n = sub.add_parser("benign")
    n.add_argument("out")
    n.add_argument("--hosts", type=int, default=12)
    n.add_argument("--seed", type=int, default=2)
    s = sub.add_parser("sweep")
    s.add_argument("out")
    s.add_argument("--pairs", type=int, default=30000)
    args = ap.parse_args(argv)
    cap = Capture()
    if args.cmd == "beacons":
        truth = beacons(cap, args.seed, args.per_level)
        if args.truth:
            with open(args.truth, "w") as f:
                json.dump(truth, f, indent=1)
        info = f"{len(truth)} beacons"
    elif args.cmd == "benign":
        info = json.dumps(benign(cap, args.hosts, args.seed))
    else:
        info = json.dumps(sweep(cap, args.pairs))
    n = cap.write(args.out)
    print(f"wrote {args.out}: {n} packets; {info}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
