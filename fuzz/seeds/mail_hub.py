"""Writes the seed corpora of fuzz_mail_anon and fuzz_hub_mail (run from the
repository root):

    /usr/bin/python3 fuzz/seeds/mail_hub.py

Messages come from tests/e2e/mailgen.py plus a few recipient-heavy ones
made here; fuzz_hub_mail inputs start with one TLP selector byte. Both
harnesses run a whole path on every input, so the messages stay small:
the costly MIME shapes (deep nesting, many parts, attachments) are
fuzz_mail_mime's seeds (fuzz/seeds/mail.py).
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import mailgen  # noqa: E402

TARGETED = (
    "Received: from pc01.corp.example (pc01.corp.example [192.168.1.20]) by mx1.corp.example;"
    " Fri, 1 Mar 2024 10:00:05 +0900\r\n"
    "Received: from bad.evil.example (bad.evil.example [45.77.12.9]) by mx1.corp.example\r\n"
    "\twith ESMTP id 4ab for <taro.yamada@corp.example>; Fri, 1 Mar 2024 10:00:00 +0900\r\n"
    "Delivered-To: taro.yamada@corp.example\r\nX-Original-To: alias@corp.example\r\n"
    "Bcc: Boss <boss@corp.example>\r\n"
    "From: \"Billing\" <billing@evil.example>\r\nTo: \"Taro Yamada\" <taro.yamada@corp.example>\r\n"
    "Cc: hanako@partner.example\r\nSubject: Invoice for Taro Yamada 2024-03\r\n"
    "Message-ID: <abc123@mail.corp.example>\r\nDate: Fri, 1 Mar 2024 10:00:00 +0900\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dear Taro Yamada, pay at http://login.evil.example/a?u=taro.yamada%40corp.example\r\n"
    "intranet http://wiki.corp.example/x printer 172.16.5.5 id EMP-123456 tel 090-1234-5678\r\n"
).encode()

GMAIL = (b"From: <someone@gmail.com>\r\nTo: <x@corp.example>\r\nSubject: hello there friend\r\n"
         b"\r\nhttps://bit.ly/abc https://www.google.com/\r\n")

msgs = {
    "targeted": TARGETED,
    "gmail": GMAIL,
    "html_links": mailgen.html_links(),
    "iso2022jp": mailgen.iso2022jp(),
    "headers": mailgen.headers(),
    "mime_bomb_10": mailgen.mime_bomb(10),
    "broken_boundary": mailgen.broken_boundary(),
    "eight_bit_headers": mailgen.eight_bit_headers(),
}
for d in ("mail_anon", "hub_mail"):
    (ROOT / "fuzz" / "corpus" / d).mkdir(parents=True, exist_ok=True)
for i, (name, data) in enumerate(msgs.items()):
    (ROOT / "fuzz" / "corpus" / "mail_anon" / name).write_bytes(data)
    (ROOT / "fuzz" / "corpus" / "hub_mail" / name).write_bytes(bytes([i % 6]) + data)
# A first byte with the high bit set carries a ?share= list up to a newline.
SHARES = {"share_amber_beta": (2, b"beta"), "share_red_group": (4, b"beta,group:nosuch"),
          "share_identity_bad": (2, b"identity--00000000-0000-4000-8000-000000000000, ,x")}
for name, (tlp, share) in SHARES.items():
    (ROOT / "fuzz" / "corpus" / "hub_mail" / name).write_bytes(
        bytes([0x80 | tlp]) + share + b"\n" + TARGETED)
