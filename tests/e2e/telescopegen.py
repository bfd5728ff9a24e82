#!/usr/bin/python3
"""telescopegen: network-telescope captures with known truth, built on pcapgen.

A /24 and an IPv6 /48 of unused space (documentation prefixes) receive:

  scanners   Mirai (TCP seq == destination address), ZMap (IP ID 54321),
             Masscan (IP ID == low 16 bits of dst ^ dport ^ seq), unknown
             SYN scanners, a research scanner (named in a list file), a UDP
             and an ICMP echo scanner, an IPv6 SYN scanner;
  backscatter  a DDoS victim's SYN-ACKs at a known attack rate (each reply
             of a flood with uniformly spoofed IPv4 sources lands in the
             telescope with probability 256 / 2^32: Poisson counts from a
             fixed seed), a victim's RST-ACKs, echo replies, and ICMP port
             unreachables quoting a telescope address;
  anomalies  a truncated SYN, a fragment, a bad checksum, SYN+FIN;
  baseline   a few background scanners every minute for `hours` hours on
             ports 22, 23, 80, 445 and one probe a minute on the surge port;
  surge      from minute `hours * 60` on, NEW_PER_MIN new sources a minute
             on TCP SURGE_PORT (a worm campaign: new sources, not more
             packets from old ones), for SURGE_MINUTES minutes;
  normal     a DNS lookup and an HTTP session outside the telescope, which
             the rest of the sensor must still see.

The core actors send in minute 1 (the second window). Everything is
deterministic; truth() says what a correct telescope reports.
"""
import ipaddress
import json
import random
import struct

import pcapgen as pg

TELESCOPE_V4 = "198.51.100.0/24"
TELESCOPE_V6 = "2001:db8:dead::/48"
TELESCOPE_ADDRESSES = 256
START = 1700000040  # 2023-11-14T22:14:00Z, on a minute
SURGE_PORT = 37215
NEW_PER_MIN = 60
SURGE_MINUTES = 5
CORE_MINUTE = 1

MIRAI = "61.177.172.10"
ZMAP = "89.248.165.20"
MASSCAN = "185.220.101.5"
UNKNOWN = "5.188.10.10"
RESEARCH = "71.6.135.131"
RESEARCH_NET = "71.6.135.0/24"
RESEARCH_NAME = "shodan"
UDP_SCANNER = "92.63.197.1"
ICMP_SCANNER = "193.163.125.1"
V6_SCANNER = "2001:db8:beef::1"
ANOMALY_SRC = "45.95.147.9"
VICTIM_SYNACK = "104.16.1.1"      # attacked on TCP 80
VICTIM_RST = "151.101.1.1"        # attacked on TCP 443
VICTIM_ECHO = "23.192.1.1"        # ICMP echo flood
ROUTER = "62.115.1.1"             # sends port unreachables
VICTIM_ICMP = "9.9.9.9"           # the quoted destination: UDP 53
ATTACK_PPS = 50_000_000           # the SYN flood against VICTIM_SYNACK
COUNTS = {MIRAI: 20, ZMAP: 30, MASSCAN: 25, UNKNOWN: 15, RESEARCH: 10, UDP_SCANNER: 12,
          ICMP_SCANNER: 8, V6_SCANNER: 6}


def _tele(rng):
    return "198.51.100.%d" % rng.randrange(1, 255)


def _tele6(rng):
    return "2001:db8:dead::%x" % rng.randrange(1, 0xffff)


def _u32(a):
    return int(ipaddress.ip_address(a))


def _safe_id(rng, dst, dport, seq):
    """An IP ID that matches no fingerprint rule."""
    while True:
        i = rng.randrange(1, 0xffff)
        if i != 54321 and i != ((_u32(dst) ^ dport ^ seq) & 0xffff):
            return i


def _safe_seq(rng, dst):
    while True:
        s = rng.getrandbits(32)
        if s != _u32(dst):
            return s


def _syn(src, dst, dport, seq, ident, sport=40000, flags="S"):
    return pg.ether(pg.ipv4(src, dst, pg.PROTO_TCP,
                            pg.tcp(src, dst, sport, dport, seq=seq, flags=flags), ident=ident))


def _poisson(rng, lam):
    # Knuth's method is fine for lam of a few hundred in pieces.
    n = 0
    while lam > 30:
        n += max(0, int(round(rng.gauss(30, 30 ** 0.5))))
        lam -= 30
    l, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < l:
            return n + k
        k += 1


def _core(rng, t0):
    """The actors of minute CORE_MINUTE; returns (frames, victim truth)."""
    fr = []

    def at(i, n):
        return t0 + 1 + 50.0 * i / max(n, 1)

    n = COUNTS[MIRAI]
    for i in range(n):
        d = _tele(rng)
        fr.append((at(i, n), _syn(MIRAI, d, 23 if i % 3 else 2323, _u32(d),
                                  rng.randrange(1, 0xffff))))
    n = COUNTS[ZMAP]
    for i in range(n):
        d = _tele(rng)
        fr.append((at(i, n), _syn(ZMAP, d, 443, _safe_seq(rng, d), 54321, sport=54321)))
    n = COUNTS[MASSCAN]
    for i in range(n):
        d = _tele(rng)
        seq = _safe_seq(rng, d)
        fr.append((at(i, n), _syn(MASSCAN, d, 3389, seq, (_u32(d) ^ 3389 ^ seq) & 0xffff,
                                  sport=61000)))
    for src, port in ((UNKNOWN, 8080), (RESEARCH, 21)):
        n = COUNTS[src]
        for i in range(n):
            d = _tele(rng)
            seq = _safe_seq(rng, d)
            fr.append((at(i, n), _syn(src, d, port, seq, _safe_id(rng, d, port, seq))))
    n = COUNTS[UDP_SCANNER]
    for i in range(n):
        d = _tele(rng)
        fr.append((at(i, n), pg.ether(pg.ipv4(UDP_SCANNER, d, pg.PROTO_UDP,
                                              pg.udp(UDP_SCANNER, d, 5060, 5060, b"OPTIONS"),
                                              ident=rng.randrange(1, 0xffff)))))
    n = COUNTS[ICMP_SCANNER]
    for i in range(n):
        d = _tele(rng)
        fr.append((at(i, n), pg.ether(pg.ipv4(ICMP_SCANNER, d, pg.PROTO_ICMP,
                                              pg.icmp_echo(ident=7, seq=i + 1),
                                              ident=rng.randrange(1, 0xffff)))))
    n = COUNTS[V6_SCANNER]
    for i in range(n):
        d = _tele6(rng)
        fr.append((at(i, n), pg.ether(pg.ipv6(V6_SCANNER, d, pg.PROTO_TCP,
                                              pg.tcp(V6_SCANNER, d, 40001, 22,
                                                     seq=rng.getrandbits(32))))))
    # Backscatter. The SYN flood: Poisson(ATTACK_PPS * 60 * share) replies.
    n_synack = _poisson(rng, ATTACK_PPS * 60.0 * TELESCOPE_ADDRESSES / 2 ** 32)
    for i in range(n_synack):
        d = _tele(rng)
        fr.append((at(i, n_synack), _syn(VICTIM_SYNACK, d, rng.randrange(1024, 65535),
                                          rng.getrandbits(32), rng.randrange(1, 0xffff),
                                          sport=80, flags="SA")))
    n_rst = 40
    for i in range(n_rst):
        d = _tele(rng)
        fr.append((at(i, n_rst), _syn(VICTIM_RST, d, rng.randrange(1024, 65535), 0,
                                      rng.randrange(1, 0xffff), sport=443, flags="RA")))
    n_echo = 16
    for i in range(n_echo):
        d = _tele(rng)
        fr.append((at(i, n_echo), pg.ether(pg.ipv4(VICTIM_ECHO, d, pg.PROTO_ICMP,
                                                   pg.icmp_echo(ident=9, seq=i, reply=True)))))
    n_unr = 10
    for i in range(n_unr):
        d = _tele(rng)
        quoted = pg.ipv4(d, VICTIM_ICMP, pg.PROTO_UDP, pg.udp(d, VICTIM_ICMP, 3333, 53, b"q" * 12))
        m = struct.pack(">BBHI", 3, 3, 0, 0) + quoted[:28]
        m = m[:2] + struct.pack(">H", pg.checksum(m)) + m[4:]
        fr.append((at(i, n_unr), pg.ether(pg.ipv4(ROUTER, d, pg.PROTO_ICMP, m))))
    # Anomalies, one each.
    d = _tele(rng)
    syn = _syn(ANOMALY_SRC, d, 25, 1234, 777)
    fr.append(pg.Record(t0 + 55.0, syn[:14 + 20 + 10], len(syn)))  # truncated
    fr.append((t0 + 55.1, pg.ether(pg.ipv4(ANOMALY_SRC, d, pg.PROTO_UDP, b"x" * 16, mf=True))))
    fr.append((t0 + 55.2, pg.ether(pg.ipv4(ANOMALY_SRC, d, pg.PROTO_TCP,
                                           pg.tcp(ANOMALY_SRC, d, 1, 25, checksum_value=0x1234)))))
    fr.append((t0 + 55.3, _syn(ANOMALY_SRC, d, 25, 99, 778, flags="SF")))
    victims = [
        {"ip": VICTIM_SYNACK, "proto": "tcp", "port": 80, "packets": n_synack,
         "attack_pps": ATTACK_PPS},
        {"ip": VICTIM_RST, "proto": "tcp", "port": 443, "packets": n_rst},
        {"ip": VICTIM_ECHO, "proto": "icmp", "packets": n_echo},
        {"ip": VICTIM_ICMP, "proto": "udp", "port": 53, "packets": n_unr},
    ]
    return fr, victims


def _normal(t0):
    fr = pg.dns_lookup(("10.0.0.5", 53000), ("10.0.0.53", 53), "www.example.com",
                       answers=[("A", "93.184.216.34")], start=t0 + 2)
    fr += pg.tcp_session(("10.0.0.5", 49152), ("203.0.113.7", 80),
                         client_payload=pg.http_request(host="www.example.com"),
                         server_payload=pg.http_response(body=b"hello"), start=t0 + 3)
    return fr


def frames(hours=6, seed=13, start=None):
    """All frames (sorted by time) and the truth dict; start: the first
    minute (Unix seconds, on a minute; default START)."""
    start = START if start is None else start
    rng = random.Random(seed)
    minutes = hours * 60 + SURGE_MINUTES
    surge_minute = hours * 60
    background = ["80.82.77.%d" % i for i in range(1, 21)]
    fr = []
    surge_truth = []
    for m in range(minutes):
        t0 = start + 60 * m
        for k in range(4):
            src = background[(m * 4 + k) % len(background)]
            port = (22, 23, 80, 445)[k]
            for j in range(2):
                d = _tele(rng)
                seq = _safe_seq(rng, d)
                fr.append((t0 + 5 + 10 * k + j, _syn(src, d, port, seq,
                                                    _safe_id(rng, d, port, seq))))
        # One baseline probe a minute on the surge port, from a regular.
        d = _tele(rng)
        seq = _safe_seq(rng, d)
        fr.append((t0 + 50, _syn(background[m % 5], d, SURGE_PORT, seq,
                                 _safe_id(rng, d, SURGE_PORT, seq))))
        if m >= surge_minute:
            k = m - surge_minute
            for i in range(NEW_PER_MIN):
                src = "100.%d.%d.%d" % (1 + k, i // 200, 1 + i % 200)
                for j in range(2):
                    d = _tele(rng)
                    seq = _safe_seq(rng, d)
                    fr.append((t0 + 1 + 0.7 * i + 0.1 * j,
                               _syn(src, d, SURGE_PORT, seq, _safe_id(rng, d, SURGE_PORT, seq))))
            surge_truth.append({"window_start": _iso(t0), "packets": 1 + 2 * NEW_PER_MIN,
                                "sources": 1 + NEW_PER_MIN, "new_sources": NEW_PER_MIN})
    core, victims = _core(rng, start + 60 * CORE_MINUTE)
    fr += core
    fr += _normal(start + 60 * CORE_MINUTE)
    fr.sort(key=lambda f: f.ts if isinstance(f, pg.Record) else f[0])
    truth = {
        "telescope": [TELESCOPE_V4, TELESCOPE_V6],
        "telescope_addresses": TELESCOPE_ADDRESSES,
        "start": _iso(start),
        "core_window": _iso(start + 60 * CORE_MINUTE),
        "scanners": {
            MIRAI: {"fingerprint": "mirai", "class": "scan-tcp", "packets": COUNTS[MIRAI]},
            ZMAP: {"fingerprint": "zmap", "class": "scan-tcp", "packets": COUNTS[ZMAP]},
            MASSCAN: {"fingerprint": "masscan", "class": "scan-tcp", "packets": COUNTS[MASSCAN]},
            UNKNOWN: {"fingerprint": "unknown", "class": "scan-tcp", "packets": COUNTS[UNKNOWN]},
            RESEARCH: {"fingerprint": "research", "class": "scan-tcp",
                       "packets": COUNTS[RESEARCH], "research_name": RESEARCH_NAME},
            UDP_SCANNER: {"fingerprint": "unknown", "class": "scan-udp",
                          "packets": COUNTS[UDP_SCANNER]},
            ICMP_SCANNER: {"fingerprint": "unknown", "class": "scan-icmp",
                           "packets": COUNTS[ICMP_SCANNER]},
            V6_SCANNER: {"fingerprint": "unknown", "class": "scan-tcp",
                         "packets": COUNTS[V6_SCANNER]},
        },
        "anomalies": {"src": ANOMALY_SRC, "truncated": 1, "fragment": 1, "bad_checksum": 1,
                      "bad_flags": 1},
        "victims": victims,
        "surge": {"proto": "tcp", "port": SURGE_PORT, "minute": _iso(start + 60 * surge_minute),
                  "windows": surge_truth},
        "research_list": f"{RESEARCH_NET} {RESEARCH_NAME}\n",
        "packets": len(fr),
    }
    return fr, truth


def _iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def write(path, hours=6, seed=13, truth_path=None, research_path=None, start=None):
    fr, truth = frames(hours, seed, start)
    pg.write_pcap(path, fr)
    if truth_path:
        with open(truth_path, "w") as f:
            json.dump(truth, f, indent=1)
    if research_path:
        with open(research_path, "w") as f:
            f.write("# research scanners (telescopegen)\n" + truth["research_list"])
    return truth
