"""Writes the seed corpus of fuzz_mail_report (run from the repository root):

    /usr/bin/python3 fuzz/seeds/mail_report.py

Each seed is a report, one field a line (the tags in fuzz/fuzz_mail_report.c),
shaped so that every sign of the assessment and every part of both writers
is reached: spoofed senders, look-alike and homograph domains, failed
authentication, mismatched and IP links, flagged files with YARA matches,
malformed MIME, invalid UTF-8.
"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
out = ROOT / "fuzz" / "corpus" / "mail_report"
out.mkdir(parents=True, exist_ok=True)


def f(flags, depth, rest):
    return b"F" + struct.pack("<HB", flags, depth) + rest


RECEIVED = (b"hfrom mail.example.com (mail.example.com [203.0.113.5]) by mx.example.org "
            b"(Postfix) with ESMTPS id 4LkQ2 for <a@b.example>; Tue, 1 Mar 2022 10:00:00 +0900")
seeds = {
    "spoofed": [b"fPayPal Service|service@paypa1.com", b"rhelp@evil.example", b"sbounce@other.example",
                b"pbounce@mailer.example", b"tvictim@corp.example", b"cboss@corp.example",
                b"jYour account is on hold", b"dFri, 1 Mar 2024 10:00:00 +0900", b"m<x@y>",
                b"xMailer 1.0", b"aAgent", RECEIVED, b"Sfail", b"Ksoftfail", b"Mpermerror"],
    "display_name": [b"fsupport@paypal.com|attacker@evil.example", b"Spass", b"Kpass"],
    "homograph": [b"fx@xn--pypal-4ve.com", b"uhttp://xn--pypal-4ve.com/login|https://www.paypal.com/",
                  b"uhttps://www.example-bank.jp.evil.example/"],
    "links": [b"uhttp://203.0.113.9/a|click here", b"uhttp://[2001:db8::1]:80/x",
              b"uhttps://login.evil.example/?u=1|https://example-bank.jp/", b"uftp://f.example/",
              b"unot a url", b"b\x00plain text excerpt", b"b\x01<b>html</b>", b"b\x03iso text"],
    "files": [f(0x0fff, 0, b"invoice.pdf.exe|evil_rule|other_rule"),
              f(0x0041, 1, b"a.zip/b/\xe2\x80\xaegpj.exe"), f(0x0400, 3, b"deep.zip"),
              f(0x0000, 0, b"MZ|"), b"nmalformed_multipart", b"ninvalid_base64", b"ntoo_many_parts"],
    "bad_utf8": [b"f\xff\xfe|\xc3(@\xe0\x80\x80.example", b"j\xed\xa0\x80 surrogate", b"x\xc0\xaf",
                 b"b\x01\xf8\x88\x80\x80\x80", f(0x0001, 0, b"\xff.exe|\xfe")],
    "empty": [b""],
}
for name, lines in seeds.items():
    (out / name).write_bytes(b"\n".join(lines) + b"\n")
