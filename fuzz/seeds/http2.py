#!/usr/bin/python3
"""Writes the seed corpus of fuzz_http2: HTTP/2 connections made here from
scratch with the frame and HPACK writers of tests/e2e/pcapgen.py, as
segments of fuzz_http2.c's input format (direction byte, 16-bit length,
bytes).

Run from anywhere: python3 fuzz/seeds/http2.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

ROOT = os.path.join(HERE, "..", "corpus", "http2")


def seg(direction, data, cut=0):
    """data as segments of at most 60000 bytes (cut them smaller too)."""
    out, step = b"", cut or 60000
    for i in range(0, len(data), step):
        part = data[i:i + step]
        out += struct.pack(">BH", direction, len(part)) + part
    return out


def write(name, data):
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)


def main():
    cq, sq = g.HpackEncoder(), g.HpackEncoder()
    req = cq.encode([(":method", "GET"), (":scheme", "http"), (":authority", "a.example:8080"),
                     (":path", "/index.html"), ("user-agent", "seed/1"), ("accept", "*/*")])
    req3 = cq.encode([(":method", "POST"), (":scheme", "http"), (":authority", "a.example:8080"),
                      (":path", "/form"), ("user-agent", "seed/1"), ("content-type", "text/plain")])
    resp = sq.encode([(":status", "200"), ("content-type", "text/html"), ("content-length", "5")])
    resp3 = sq.encode([(":status", "404"), ("server", "seed")])
    cli = (g.H2_PREFACE + g.h2_settings([(1, 8192), (3, 100), (4, 65535)]) +
           g.h2_headers(1, req, end=True, split=5) +
           g.h2_headers(3, req3, pad=4, weight=200) + g.h2_data(3, b"k=v", end=True) +
           g.h2_frame(g.H2_PRIORITY, 0, 3, b"\0\0\0\1\x10") +
           g.h2_frame(g.H2_WINDOW_UPDATE, 0, 0, b"\0\1\0\0") +
           g.h2_frame(g.H2_PING, 0, 0, b"12345678") + g.h2_settings(ack=True) + g.h2_goaway(3, 0))
    srv = (g.h2_settings([(3, 128), (5, 16384)]) + g.h2_settings(ack=True) +
           g.h2_headers(1, resp) + g.h2_data(1, b"hello", end=True, pad=3) +
           g.h2_headers(3, resp3) + g.h2_data(3, b"", end=True))
    write("exchange", seg(0, cli) + seg(1, srv))
    write("exchange_cut", seg(1, srv[:15]) + seg(0, cli, cut=7) + seg(1, srv[15:], cut=11))
    # RFC 7541 appendix C.4.1: a request block with Huffman-coded strings,
    # and C.4.2 after it, which refers to the dynamic table C.4.1 filled.
    huff = bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff")
    huff2 = bytes.fromhex("828684be5886a8eb10649cbf")
    write("huffman", seg(0, g.H2_PREFACE + g.h2_headers(1, huff, end=True) +
                         g.h2_headers(3, huff2, end=True)))
    # A dynamic table size update, then a reset stream and a push promise.
    upd = b"\x3f\xe1\x1f" + cq.encode([(":method", "GET"), (":path", "/")])
    push = g.h2_frame(g.H2_PUSH_PROMISE, g.H2_END_HEADERS, 1,
                      b"\0\0\0\2" + sq.encode([(":method", "GET"), (":path", "/style.css")]))
    write("update_rst_push", seg(0, g.H2_PREFACE + g.h2_headers(5, upd)) +
          seg(1, push + g.h2_rst(5, 8)))
    # Malformed: SETTINGS on a stream, a frame inside a header block, and
    # an oversized unknown frame that is passed over.
    write("bad_settings", seg(0, g.H2_PREFACE + g.h2_frame(g.H2_SETTINGS, 0, 1, b"")))
    write("bad_interleave", seg(0, g.H2_PREFACE + g.h2_frame(g.H2_HEADERS, 0, 1, req[:3]) +
                                g.h2_frame(g.H2_PING, 0, 0, b"12345678")))
    big = g.h2_frame(0x42, 0, 0, b"\0" * 70000)
    write("oversized_unknown", seg(1, big) + seg(1, g.h2_settings([(3, 1)])))
    many = g.H2_PREFACE + b"".join(g.h2_headers(1 + 2 * i, b"\x82\x84", end=True) for i in range(40))
    write("many_streams", seg(0, many))


if __name__ == "__main__":
    main()
