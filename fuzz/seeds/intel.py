#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_intel_load and fuzz_intel_lookup.

Run from the repository root: python3 fuzz/seeds/intel.py
All seeds are made up here (documentation addresses and names). The fz_*
files next to them are small inputs libFuzzer found to reach new code (and
path_with_scheme_like_text.txt, a crash it found); they are kept by hand,
not written here."""
import os

LOAD = {
    "plain.txt": b"# list\r\n198.51.100.7\r\n203.0.113.0/24 # c\r\nevil.example\r\n"
                 b"http://bad.example/gate.php?id=1\r\n192.0.2.55:8443\r\n2001:db8::/48\r\n"
                 b"d41d8cd98f00b204e9800998ecf8427e\r\n/365-Stealer/\r\n"
                 b"t13d1516h2_8daaf6152771_e5627efa2ab1\r\nbad line\r\n",
    "hosts.txt": b"127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
                 b"0.0.0.0 ads.example tracker.example # x\n127.0.0.1\tA.Example\n",
    "netset.txt": b"#\n# firehol\n#\n1.10.16.0/20\n5.8.37.0/24\n5.8.37.5\n0.0.0.0/0\n",
    "idn.txt": "bücher.example\n*.wild.example\n.dot.example.\nhttp://Bücher.example:80/x#f\n".encode(),
    "csv.csv": b'id,indicator,type,comment\n1,198.51.100.1,ip,"a, b"\n'
               b'2,"evil.example",domain,"multi\nline ""q"""\n'
               b"3,e7d705a3286e19ea42f587b344ee6865,ja3,\n4\n5,\"open\n",
    "abusech.csv": b"# first_seen_utc,dst_ip,dst_port\n\"2021\",\"192.0.2.10\",\"443\"\r\n",
    "tsv.txt": b"name\tmd5\nx\td41d8cd98f00b204e9800998ecf8427e\n",
    "stix.json": b'{"type":"bundle","objects":[{"type":"indicator","id":"indicator--a",'
                 b'"pattern_type":"stix","pattern":"[ipv4-addr:value = \'198.51.100.0/24\'] OR '
                 b'[domain-name:value = \'c2.example\']"},{"type":"indicator","id":"indicator--b",'
                 b'"pattern":"[file:hashes.\'SHA-256\' = \'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\']"},'
                 b'{"type":"indicator","id":"indicator--c","pattern":"[url:value = \'x.example/p\'"},'
                 b'{"type":"indicator","id":"indicator--d","revoked":true,"pattern":"[domain-name:value = \'r.example\']"},'
                 b'{"type":"indicator","id":"indicator--e","valid_until":"2001-01-01T00:00:00Z","pattern":"[domain-name:value = \'o.example\']"}]}',
    "array.json": b'[{"type":"indicator","id":"indicator--z","pattern":"[ipv6-addr:value = \'2001:db8::1\']"}]',
    "binary.bin": bytes(range(256)),
}

LOOKUP = {
    "domain": b"\x00www.EVIL.example.",
    "idn": "\x00www.bücher.example".encode(),
    "url": b"\x0dbad.example/gate.php",
    "url_abs": b"\x01http://bad.example:8080/a?b=c",
    "ip": b"\x02\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
    "token": b"\x03d41d8cd98f00b204e9800998ecf8427e",
}

def write(dirname, seeds):
    os.makedirs(dirname, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(dirname, name), "wb") as f:
            f.write(data)

write("fuzz/corpus/intel_load", LOAD)
write("fuzz/corpus/intel_lookup", LOOKUP)
