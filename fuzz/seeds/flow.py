#!/usr/bin/python3
"""Writes the seed corpus of fuzz_flow: the sessions of fuzz/seeds/sensor.py
(made with the project's own capture generator, tests/e2e/pcapgen.py) in
fuzz_flow's input layout: a link-type byte (0: Ethernet, 6: raw IPv4),
then per frame a big-endian u16 length, a gap byte (tenths of a second
since the previous frame) and the frame. Run from anywhere:

    /usr/bin/python3 fuzz/seeds/flow.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

OUT = os.path.join(HERE, "..", "corpus", "flow")
T = g.DEFAULT_START


def encode(frames, link=0):
    out = bytearray([link])
    prev = None
    for ts, data in frames:
        gap = 0 if prev is None else min(254, int(round((ts - prev) * 10)))
        prev = ts
        out += struct.pack(">HB", len(data), gap) + bytes(data)
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    c, s = ("10.0.0.5", 40000), ("10.0.0.53", 53)
    hello = g.tls_client_hello(sni="evil.example", alpn=["h2"], grease=True)
    cases = {
        "dns": g.dns_lookup(c, s, "a.evil.example", [("CNAME", "b.example"), ("A", "192.0.2.1")], start=T),
        "dns_tcp": g.dns_tcp_lookup(("10.0.0.5", 40001), s, "t.example", [("A", "192.0.2.2")], start=T,
                                    split_at=[1]),
        "http": g.tcp_session(("10.0.0.5", 40002), ("192.0.2.1", 80),
                              client_payload=g.http_request(host="malware.example", url="/x"),
                              server_payload=g.http_response(), split_at=[7], start=T),
        "tls6": g.tcp_session(("fd00::5", 40003), ("2001:db8::1", 443), client_payload=hello,
                              server_payload=g.tls_server_hello(), split_at=[3, 40], start=T),
        "dns_loop": g.udp_exchange(("10.0.0.5", 40004), s, [(False, g.dns_pointer_loop())], start=T),
        "ping": g.ping_exchange("10.0.0.5", "192.0.2.1", count=2, start=T),
        "rst": g.tcp_session(("10.0.0.5", 40005), ("198.51.100.7", 8080),
                             client_payload=g.http_request(host="x.example", url="/"), close="rst", start=T),
    }
    for name, frames in cases.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(encode(frames))
    inner = g.udp_packet("2001:db8:1::5", "2001:db8:2::53", 44001, 53, g.dns_query("x.example"))
    with open(os.path.join(OUT, "6in4"), "wb") as f:
        f.write(encode([(T, g.link(g.sixin4("192.0.2.1", "198.51.100.1", inner)))]))
    # The same HTTP session in raw IPv4 (link byte 6), and again after a
    # ten-minute gap, so the flow times out between its two halves.
    http_raw = g.tcp_session(("10.0.0.5", 40006), ("192.0.2.1", 80),
                             client_payload=g.http_request(host="malware.example", url="/y"),
                             start=T, link="raw")
    with open(os.path.join(OUT, "http_raw_timeout"), "wb") as f:
        enc = bytearray(encode(http_raw[:3], link=6))
        rest = encode(http_raw[3:])[1:]
        enc += rest[:2] + b"\xff" + rest[3:]
        f.write(bytes(enc))


if __name__ == "__main__":
    main()
