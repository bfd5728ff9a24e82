#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_intel_formats, fuzz_misp_feed and fuzz_intel_warn.

Run from the repository root: python3 fuzz/seeds/intel_formats.py
All seeds are made up here (documentation addresses and names). A seed of
fuzz_intel_formats is one byte naming the format (its index in
enum yg_intel_format_kind; 0 = detected) or 0x80 and a spec line, then the
file; a seed of fuzz_misp_feed is the manifest, "\\n\\0\\n", the event; one of
fuzz_intel_warn the warning list, "\\n\\0\\n", the feed."""
import os

# enum yg_intel_format_kind
AUTO, PLAIN, HOSTS, NETSET, ADBLOCK, DNSMASQ, UNBOUND, RPZ, CSV, DATASET, DROP_JSON, STIX, MISP = range(13)

FILES = {
    "ipsum": b"# IPsum\n192.0.2.7\t9\n198.51.100.23\t7\n",
    "comments": b"192.0.2.1 # scanner\n192.0.2.2 ; ref\nevil.example # x\n198.51.100.9,100\n",
    "hosts": b"127.0.0.1 localhost\n0.0.0.0 ads.example t.example\n::1 ip6-localhost\n",
    "drop": b"; Spamhaus DROP\n1.10.16.0/20 ; SBL256894\n",
    "drop_json": b'{"cidr":"1.10.16.0/20","sblid":"SBL1","rir":"apnic"}\n{"type":"metadata","records":1}\n',
    "adblock": b"[Adblock Plus 2.0]\n! Title: x\n||phish.example^\n||a.example^$third-party\n"
               b"||*.w.example^\n||b.example/p.php\n|https://d.example/x|\n@@||ok.example^\n"
               b"x.org##.ad\n/re[gx]/\n||a*b.example^\n",
    "dnsmasq": b"address=/ads.example/0.0.0.0\naddress=/a.example/b.example/\nserver=/c.example/\n"
               b"local=/d.example/\naddress=/#/\nfoo=bar\n",
    "unbound": b'server:\nlocal-zone: "ads.example" always_nxdomain\nlocal-zone: t.example. static\n'
               b'local-data: "c2.example A 0.0.0.0"\nlocal-zone: "ok.example" transparent\n',
    "rpz": b"$TTL 300\n@ IN SOA localhost. root.localhost. (\n 1 3600 600\n 86400 300 )\n"
           b"  IN NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\n$ORIGIN rpz.local.\n"
           b"e.example.rpz.local. CNAME .\n32.7.2.0.192.rpz-ip CNAME .\n48.zz.db8.2001.rpz-ip CNAME .\n"
           b"ns.example.rpz-nsdname CNAME .\n24.0.2.0.192.rpz-client-ip CNAME .\nok CNAME rpz-passthru.\n",
    "csv": b"first_seen,dst_ip,port\n2024,192.0.2.40,443\n",
    "dataset": b"ZXZpbC5leGFtcGxl\naHR0cDovL2JhZC5leGFtcGxlL3g=\nYzIuZXhhbXBsZQ==,200\n!!!!\n",
    "stix": b'{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1",'
            b'"pattern":"[domain-name:value = \'s.example\']"}]}',
}

EVENT = (b'{"Event":{"uuid":"5f1e0b8c-0000-4000-8000-000000000001","Attribute":['
         b'{"type":"ip-dst","value":"192.0.2.60","to_ids":true},'
         b'{"type":"ip-dst|port","value":"192.0.2.61|8443","to_ids":true},'
         b'{"type":"domain|ip","value":"m.example|192.0.2.62","to_ids":"1"},'
         b'{"type":"url","value":"http://m.example/a","to_ids":true},'
         b'{"type":"filename|md5","value":"x.exe|d41d8cd98f00b204e9800998ecf8427e","to_ids":1},'
         b'{"type":"domain","value":"ctx.example","to_ids":false},'
         b'{"type":"regkey","value":"HKLM","to_ids":true}],'
         b'"Object":[{"name":"file","Attribute":[{"type":"sha1","value":'
         b'"da39a3ee5e6b4b0d3255bfef95601890afd80709","to_ids":true}]}]}}')
MANIFEST = (b'{"5f1e0b8c-0000-4000-8000-000000000001":{"info":"one","timestamp":"1"},'
            b'"5F1E0B8C-0000-4000-8000-000000000002":{"info":"two"}}')

FORMATS = {
    "ipsum": PLAIN, "comments": PLAIN, "hosts": HOSTS, "drop": NETSET, "drop_json": DROP_JSON,
    "adblock": ADBLOCK, "dnsmasq": DNSMASQ, "unbound": UNBOUND, "rpz": RPZ, "csv": CSV,
    "dataset": DATASET, "stix": STIX,
}


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    out = "fuzz/corpus/intel_formats"
    for name, text in FILES.items():
        write(out, "auto_" + name, bytes([AUTO]) + text)
        write(out, "as_" + name, bytes([FORMATS[name]]) + text)
    write(out, "as_misp", bytes([MISP]) + EVENT)
    write(out, "auto_misp", bytes([AUTO]) + EVENT)
    write(out, "spec_csv_column", b"\x80csv,column=2,delim=semicolon,type=ip\n2024;192.0.2.80;x\n")
    write(out, "spec_csv_header", b"\x80csv,column=2,header=yes,type=ja3\nname,md5\nx,d41d8cd98f00b204e9800998ecf8427e\n")
    write(out, "spec_dataset_md5", b"\x80suricata-dataset,type=md5\nd41d8cd98f00b204e9800998ecf8427e,7\n")
    write(out, "html_page", bytes([AUTO]) + b"<html>\n<body>\n<p>moved</p>\n</body>\n")
    out = "fuzz/corpus/misp_feed"
    write(out, "feed", MANIFEST + b"\n\0\n" + EVENT)
    write(out, "manifest_only", MANIFEST)
    write(out, "bad_manifest", b'{"not-a-uuid":{}}\n\0\n{"Event":{}}')
    write(out, "rest_answer", b"{}\n\0\n" + b'{"response":[' + EVENT + b"]}")
    out = "fuzz/corpus/intel_warn"
    write(out, "basic", b"8.8.8.8\n10.0.0.0/8\ngoogle.com\nd41d8cd98f00b204e9800998ecf8427e\n"
          b"fc00::/7\n\n\0\n8.8.8.8\n8.0.0.0/7\n0.0.0.0/0\n10.1.2.3\ngoogle.com\n"
          b"phish.google.com\nhttp://google.com/\nhttp://google.com/x\n"
          b"d41d8cd98f00b204e9800998ecf8427e\n2001:db8::/16\nfd00::1\n185.220.101.1\n")
    write(out, "ranges", b"1.0.0.0/24\n1.1.1.0/24\n1.44.96.0/24\n2606:4700::/32\n\n\0\n"
          b"1.0.0.0/8\n1.1.1.1\n1.0.1.0/24\n2606::/16\n2606:4700:4700::1111\n")


if __name__ == "__main__":
    main()
