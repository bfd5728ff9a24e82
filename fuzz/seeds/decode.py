#!/usr/bin/python3
"""Writes the seed corpus of fuzz_decode: one small frame per link type and
tunnel, made here from scratch (no captured traffic).

Each file is: link-type index (see fuzz/fuzz_decode.c), flags byte, frame.
Run from the source root: python3 fuzz/seeds/decode.py
The fz_* files next to them are small inputs libFuzzer found to reach new
code; they are kept by hand, not written here.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "decode")

# Indexes into links[] of fuzz_decode.c.
ETH, NULL, LOOP, RAW, RAW12, RAW14, IPV4, IPV6, SLL, SLL2 = range(10)

SRC4, DST4 = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2])
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("20010db8000000000000000000000002")


def eth(etype, body):
    return bytes.fromhex("00112233445566778899aabb") + struct.pack(">H", etype) + body


def ipv4(proto, body, opts=b"", frag=0, ttl=64):
    ihl = (20 + len(opts)) // 4
    return (struct.pack(">BBHHHBBH", 0x40 | ihl, 0, 20 + len(opts) + len(body), 0x1234,
                        frag, ttl, proto, 0) + SRC4 + DST4 + opts + body)


def ipv6(nh, body, hlim=64):
    return struct.pack(">IHBB", 0x60000000, len(body), nh, hlim) + SRC6 + DST6 + body


def ext(nh, body=b"\x01\x04\x00\x00\x00\x00"):
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def frag6(nh, off, more):
    return struct.pack(">BBHI", nh, 0, (off << 3) | (1 if more else 0), 0xdeadbeef)


def tcp(sport=40000, dport=80, flags=0x18, opts=b"", payload=b"GET / HTTP/1.1\r\n"):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 2, off << 4, flags, 65535, 0, 0) + opts + payload


def udp(sport=5353, dport=53, payload=b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(t=8, c=0):
    return struct.pack(">BBHI", t, c, 0, 0x00010001) + b"ping"


def gre(flags, proto, *words):
    """GRE header: flags, protocol, then the optional 32-bit words (checksum, key, sequence)."""
    return struct.pack(">HH", flags, proto) + b"".join(struct.pack(">I", w) for w in words)


def gtpu(flags, teid, body):
    """GTP-U G-PDU header; body is the optional fields, extensions and the inner packet."""
    return struct.pack(">BBHI", flags, 0xff, len(body), teid) + body


def vlan(tci, etype):
    return struct.pack(">HH", tci, etype)


def sll(etype, body):
    return struct.pack(">HHH", 0, 1, 6) + b"\xaa" * 8 + struct.pack(">H", etype) + body


def sll2(etype, body):
    return struct.pack(">HHIHBB", etype, 0, 2, 1, 0, 6) + b"\xbb" * 8 + body


TS_OPTS = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
INNER6 = ipv6(6, tcp(5555, 443))

SEEDS = {
    "eth_tcp4": (ETH, eth(0x0800, ipv4(6, tcp()))),
    "eth_tcp4_opts": (ETH, eth(0x0800, ipv4(6, tcp(opts=TS_OPTS), opts=bytes([148, 4, 0, 0])))),
    "eth_udp4": (ETH, eth(0x0800, ipv4(17, udp()))),
    "eth_icmp4": (ETH, eth(0x0800, ipv4(1, icmp()))),
    "eth_frag4_first": (ETH, eth(0x0800, ipv4(17, udp(), frag=0x2000))),
    "eth_frag4_later": (ETH, eth(0x0800, ipv4(17, b"\x00" * 16, frag=185))),
    "eth_udp6_ext": (ETH, eth(0x86dd, ipv6(0, ext(43, b"\x00" * 6) + ext(60) + ext(17) + udp()))),
    "eth_frag6": (ETH, eth(0x86dd, ipv6(44, frag6(17, 0, True) + udp()))),
    "eth_icmp6": (ETH, eth(0x86dd, ipv6(58, icmp(128, 0)))),
    "eth_vlan": (ETH, eth(0x8100, vlan(100, 0x0800) + ipv4(6, tcp()))),
    "eth_qinq": (ETH, eth(0x88a8, vlan(10, 0x8100) + vlan(20, 0x86dd) + ipv6(6, tcp()))),
    "eth_vlan3": (ETH, eth(0x8100, vlan(1, 0x8100) + vlan(2, 0x8100) + vlan(3, 0x0800) + ipv4(17, udp()))),
    "eth_vntag": (ETH, eth(0x8926, b"\x80\x01\x00\x02" + struct.pack(">H", 0x0800) + ipv4(6, tcp()))),
    "eth_mpls": (ETH, eth(0x8847, struct.pack(">II", 1000 << 12 | 64, 2000 << 12 | 0x100 | 64) + ipv4(6, tcp()))),
    "eth_mpls_pw": (ETH, eth(0x8847, struct.pack(">II", 77 << 12 | 0x100 | 64, 0) + eth(0x0800, ipv4(6, tcp())))),
    "eth_6in4": (ETH, eth(0x0800, ipv4(41, INNER6))),
    "eth_teredo": (ETH, eth(0x0800, ipv4(17, udp(3544, 40000, INNER6)))),
    "eth_teredo_origin": (ETH, eth(0x0800, ipv4(17, udp(40000, 3544, bytes.fromhex("0000f23b3ffffdfe") + INNER6)))),
    "eth_teredo_auth": (ETH, eth(0x0800, ipv4(17, udp(3544, 3544, bytes.fromhex("000102036964617576010203040506070800") +
                                                       bytes.fromhex("0000f23b3ffffdfe") + INNER6)))),
    "eth_vxlan": (ETH, eth(0x0800, ipv4(17, udp(61000, 4789, struct.pack(">II", 0x08000000, 0x123400) +
                                               eth(0x0800, ipv4(6, tcp())))))),
    "eth_gre_key_seq": (ETH, eth(0x0800, ipv4(47, gre(0x3000, 0x0800, 77, 1) + ipv4(17, udp())))),
    "eth_gre_csum_v6": (ETH, eth(0x0800, ipv4(47, gre(0x8000, 0x86dd, 0) + ipv6(6, tcp())))),
    "eth_gre_teb": (ETH, eth(0x0800, ipv4(47, gre(0, 0x6558) + eth(0x0800, ipv4(6, tcp()))))),
    "eth_erspan1": (ETH, eth(0x0800, ipv4(47, gre(0, 0x88be) + eth(0x0800, ipv4(17, udp()))))),
    "eth_erspan2": (ETH, eth(0x0800, ipv4(47, gre(0x1000, 0x88be, 5) + struct.pack(">HHI", 0x1005, 0x0123, 0) +
                                          eth(0x0800, ipv4(6, tcp()))))),
    "eth_erspan3": (ETH, eth(0x0800, ipv4(47, gre(0x1000, 0x22eb, 5) +
                                          struct.pack(">HHIHH", 0x2000, 0x0155, 0xdeadbeef, 0, 1) + b"\0" * 8 +
                                          eth(0x0800, ipv4(17, udp()))))),
    "eth_gtpu_ext": (ETH, eth(0x0800, ipv4(17, udp(2152, 2152, gtpu(0x34, 0xabcd, struct.pack(">HBB", 0, 0, 0x85) +
                                                                   bytes([1, 0x10, 0x09, 0]) +
                                                                   ipv4(6, tcp(payload=b""))))))),
    "eth_gtpu_v6": (ETH, eth(0x0800, ipv4(17, udp(2152, 2152, gtpu(0x30, 7, ipv6(6, tcp(payload=b""))))))),
    "eth_geneve_opts": (ETH, eth(0x0800, ipv4(17, udp(50000, 6081, struct.pack(">BBHI", 2, 0, 0x6558, 0x00abcd00) +
                                                      struct.pack(">HBBI", 0x0103, 0x80, 1, 0x11111111) +
                                                      eth(0x0800, ipv4(17, udp())))))),
    "eth_geneve_ip": (ETH, eth(0x0800, ipv4(17, udp(50000, 6081, struct.pack(">BBHI", 0, 0, 0x86dd, 0x100) +
                                                    ipv6(6, tcp()))))),
    "eth_ipip4in4": (ETH, eth(0x0800, ipv4(4, ipv4(6, tcp())))),
    "eth_ipip4in6": (ETH, eth(0x86dd, ipv6(4, ipv4(17, udp())))),
    "eth_ipip6in6": (ETH, eth(0x86dd, ipv6(41, ipv6(6, tcp())))),
    "eth_icmp4_quote": (ETH, eth(0x0800, ipv4(1, icmp(3, 3) + ipv4(17, udp())[:28]))),
    "eth_icmp6_quote": (ETH, eth(0x86dd, ipv6(58, icmp(1, 4) + ipv6(17, udp())))),
    "eth_arp": (ETH, eth(0x0806, b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x00" * 20)),
    "null_le_v4": (NULL, b"\x02\x00\x00\x00" + ipv4(6, tcp())),
    "null_be_v6": (NULL, b"\x00\x00\x00\x1c" + ipv6(17, udp())),
    "loop_v6": (LOOP, b"\x00\x00\x00\x18" + ipv6(6, tcp())),
    "raw_v4": (RAW, ipv4(17, udp())),
    "raw_v6": (RAW, ipv6(6, tcp())),
    "raw12_v4": (RAW12, ipv4(1, icmp())),
    "raw14_v6": (RAW14, ipv6(58, icmp(129, 0))),
    "ipv4_only": (IPV4, ipv4(6, tcp())),
    "ipv6_only": (IPV6, ipv6(17, udp())),
    "sll_v4": (SLL, sll(0x0800, ipv4(6, tcp()))),
    "sll2_v6": (SLL2, sll2(0x86dd, ipv6(6, tcp()))),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (link, frame) in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([link, 0]) + frame)
        # The same frame cut in its headers by a snap length.
        with open(os.path.join(OUT, name + "_snap"), "wb") as f:
            f.write(bytes([link, 0x41]) + frame[: min(len(frame) - 1, 40)])


if __name__ == "__main__":
    main()
