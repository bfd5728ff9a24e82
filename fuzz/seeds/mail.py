"""Writes the seed corpora of fuzz_mail, fuzz_mail_mime, fuzz_mail_received
and fuzz_mail_url from tests/e2e/mailgen.py (run from the repository root):

    /usr/bin/python3 fuzz/seeds/mail.py

fuzz_mail runs the whole path (MIME, attachments, assessment, JSON, STIX)
on every input, so its seeds are small messages, each reaching one kind of
field. The costly shapes (deep nesting, many parts, several attachments)
are fuzz_mail_mime's seeds, where no writer runs; archives inside
attachments are fuzz_mail_attach's (fuzz/seeds/mail_attach.py).
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import mailgen  # noqa: E402

corpus = ROOT / "fuzz" / "corpus"
small = ["headers", "iso2022jp", "shift_jis", "html_links", "spoofing", "idn_from", "yara_target",
         "broken_boundary", "invalid_base64", "no_content_type", "double_content_type", "eight_bit_headers"]
for name in small:
    (corpus / "mail" / name).write_bytes(mailgen.ALL[name]())
mime = ["headers", "iso2022jp", "attachments", "broken_boundary", "invalid_base64", "no_content_type",
        "double_content_type", "eight_bit_headers"]
(corpus / "mail_mime").mkdir(exist_ok=True)
for name in mime:
    (corpus / "mail_mime" / name).write_bytes(mailgen.ALL[name]())
(corpus / "mail_mime" / "mime_bomb_40").write_bytes(mailgen.mime_bomb(40))
(corpus / "mail_mime" / "many_parts_20").write_bytes(mailgen.many_parts(20))

received = {
    "postfix": "from mail.example.com (mail.example.com [203.0.113.5])\r\n\tby mx.example.org (Postfix) with ESMTPS id 4LkQ2 for <a@b.example>; Tue, 1 Mar 2022 10:00:00 +0900 (JST)",
    "qmail": "from unknown (HELO pc) (93.184.216.34) by mail.example.net with SMTP; 2 Mar 2022 01:02:03 -0000",
    "ipv6": "from host6 (host6.example [IPv6:2a00:1450:4864:20::42a]) by mx (8.14.4/8.14.4) with ESMTP id x; Wed, 3 Jan 2018 00:00:00 PST",
    "exim": "from [192.168.1.20] (helo=pc) by relay with esmtpa (Exim 4.92) (envelope-from <a@b>) id 1abc-000; Fri, 01 Mar 24 01:00 GMT",
    "nested": "from a ((b (c [1.2.3.4]))) by d ; ((",
}
for k, v in received.items():
    (corpus / "mail_received" / k).write_text(v)

urls = {
    "text": "See https://a.example.com/x?y=1. Or (http://b.example.com/p_(q)), www.c.example.com/z, xhttp://no",
    "html": mailgen.HTML,
    "entities": "<a href=\"http://e.example/?a=1&amp;b=&#x32;\">&#104;ttp://x.example/&nbsp;</a><area href='ftp://f.example:21/'>",
    "idn": "http://xn--pypal-4ve.com/ https://www.p\u0430ypal.com/ http://[2001:db8::1]:80/ http://1.2.3.4:8080/",
    "broken": "<a href=\"http://unterminated.example/<script>http://s.example/</scr<!-- http://c.example/",
}
for k, v in urls.items():
    (corpus / "mail_url" / k).write_text(v)
