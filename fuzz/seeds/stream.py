#!/usr/bin/python3
"""Writes the seed corpus of fuzz_stream (see its header for the layout):
one connection per seed whose streams are long because its chunks repeat,
made with the project's own generator (tests/e2e/pcapgen.py) for the
messages. Each seed reaches one protocol's stream buffer at or near its
cap. Run from anywhere:

    /usr/bin/python3 fuzz/seeds/stream.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

OUT = os.path.join(HERE, "..", "corpus", "stream")
# Indices into fuzz_stream.c's ports[] and mss[].
PORT = {53: 0, 80: 1, 443: 2, 8080: 3, 502: 4, 20000: 5, 2404: 6, 102: 7, 4444: 9}
MSS = {1460: 0, 536: 1, 100: 4, 8960: 6}
END_FIN, END_RST, END_NONE, END_SERVER_FIN = 0, 1, 2, 3


def head(port, v6=False, end=END_FIN, mss=1460):
    return bytes([PORT[port], (1 if v6 else 0) | end << 1 | MSS[mss] << 3])


def chunk(data, server=False, rep=1, swap=False):
    assert 1 <= rep <= 64 and len(data) < 65536
    ctl = (0x80 if server else 0) | (0x40 if swap else 0) | (rep - 1)
    return struct.pack(">BH", ctl, len(data)) + data


def filler(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def main():
    os.makedirs(OUT, exist_ok=True)
    q = g.dns_over_tcp(g.dns_query("big.example", qtype="TXT", ident=0x77))
    # A DNS response of 65,535 bytes: 2-byte length, header, then the
    # rest in repeated chunks (the stream buffer grows to its cap).
    hdr = struct.pack(">HHHHHHH", 65535, 0x77, 0x8180, 0, 0, 0, 0)
    rest = 65535 - 12
    dns_big = head(53) + chunk(q) + chunk(hdr, server=True) + \
        chunk(filler(1000, 1), server=True, rep=64) + chunk(filler(rest - 64000, 2), server=True)
    # The same one byte past the cap, out of order, on IPv6.
    dns_over = head(53, v6=True, mss=536) + chunk(q) + chunk(hdr, server=True) + \
        chunk(filler(1000, 3), server=True, rep=64, swap=True) + \
        chunk(filler(rest - 64000 + 1, 4), server=True)
    # A TLS server flight: ServerHello, then records of 16 KiB.
    hello = g.tls_client_hello(sni="evil.example", alpn=["h2"])
    rec = struct.pack(">BHH", 0x16, 0x0303, 16384) + struct.pack(">BI", 11, 16380)[0:4]
    tls_big = head(443) + chunk(hello) + chunk(g.tls_server_hello(tls13=False), server=True)
    for i in range(5):
        tls_big += chunk(rec, server=True) + chunk(filler(512, i), server=True, rep=32)
    # An HTTP request whose head grows toward its cap, then a response.
    req = b"GET /x HTTP/1.1\r\nHost: malware.example\r\nX-Pad: "
    http_big = head(80, mss=100) + chunk(req) + chunk(b"abcdefghij" * 100, rep=10) + \
        chunk(b"\r\n\r\n") + chunk(g.http_response(body=b"ok"), server=True)
    # HTTP/2 with prior knowledge: the preface, SETTINGS, a HEADERS frame
    # and a DATA frame of 16 KiB.
    h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + g.h2_settings()
    h2_big = head(8080, end=END_SERVER_FIN) + chunk(h2) + \
        chunk(g.h2_frame(1, 4, 1, b"\x82\x86\x84\x41\x0bexample.com")) + \
        chunk(struct.pack(">I", 16384)[1:] + b"\x00\x01\x00\x00\x00\x01") + \
        chunk(filler(1024, 9), rep=16) + chunk(g.h2_settings(), server=True)
    # Modbus/TCP requests in one stream; an unknown protocol (cap of 64).
    mb = struct.pack(">HHHBBHH", 1, 0, 6, 1, 3, 0, 10)
    modbus = head(502, end=END_RST) + chunk(mb, rep=64)
    unknown = head(4444, end=END_NONE, mss=8960) + chunk(filler(2000, 5), rep=40) + \
        chunk(filler(1500, 6), server=True, rep=40)
    cases = {"dns_big": dns_big, "dns_over": dns_over, "tls_big": tls_big, "http_big": http_big,
             "h2_big": h2_big, "modbus": modbus, "unknown": unknown}
    for name, data in cases.items():
        assert len(data) <= 4096, (name, len(data))
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
