"""Generator of test e-mails for `yagura mail analyze` (stdlib only).

Every builder returns the raw bytes of one message; `ALL` maps a name to its
builder. The payloads (executables, Office files, archives) are minimal
byte structures made here: a DOS/PE header, an OLE compound file with a
"VBA" directory entry, a zip with word/vbaProject.bin, a zip whose entry is
flagged encrypted. Nothing here is real malware.

    python3 mailgen.py OUTDIR            # one .eml per builder
    python3 mailgen.py OUTDIR --corpus N # N mixed messages (benchmarks)
"""
import gzip
import hashlib
import io
import random
import struct
import sys
import tarfile
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from datetime import datetime, timezone, timedelta

DATE = datetime(2024, 3, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=9)))
DATE_UNIX = 1709254800  # 2024-03-01T01:00:00Z


def pe_bytes(tag=b"yagura-test-pe"):
    """A DOS header whose e_lfanew points at a PE signature and COFF header."""
    dos = bytearray(b"MZ" + b"\x90\x00" * 29)
    dos += b"\x00" * (0x3C - len(dos))
    dos += struct.pack("<I", 0x80)
    dos += b"\x00" * (0x80 - len(dos))
    return bytes(dos) + b"PE\x00\x00" + struct.pack("<HH", 0x14C, 1) + b"\x00" * 200 + tag


def elf_bytes():
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def lnk_bytes():
    return b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 60


def ole_bytes(with_vba=True):
    """[MS-CFB] version 3: 512-byte header, then one directory sector with
    Root Entry and (optionally) a storage named VBA."""
    hdr = bytearray(512)
    hdr[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", hdr, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<I", hdr, 48, 0)  # first directory sector

    def entry(name, typ):
        e = bytearray(128)
        n = name.encode("utf-16-le") + b"\x00\x00"
        e[0:len(n)] = n
        struct.pack_into("<H", e, 64, len(n))
        e[66] = typ
        return bytes(e)

    sector = entry("Root Entry", 5) + entry("WordDocument", 2)
    sector += entry("VBA", 1) if with_vba else entry("Data", 2)
    sector += entry("_VBA_PROJECT", 2) if with_vba else entry("Table", 2)
    return bytes(hdr) + sector


def zip_bytes(entries, encrypt=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    b = bytearray(buf.getvalue())
    if encrypt:  # set "encrypted" (general purpose bit 0) everywhere
        i = 0
        while True:
            i = b.find(b"PK\x03\x04", i)
            if i < 0:
                break
            b[i + 6] |= 1
            i += 4
        i = 0
        while True:
            i = b.find(b"PK\x01\x02", i)
            if i < 0:
                break
            b[i + 8] |= 1
            i += 4
    return bytes(b)


def docm_bytes():
    return zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"),
                      ("word/vbaProject.bin", ole_bytes())])


def tgz_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def base_msg(subject="Test message", frm="Alice Sender <alice@sender.example.com>"):
    m = EmailMessage()
    m["From"] = frm
    m["To"] = "Bob <bob@victim.example.org>"
    m["Subject"] = subject
    m["Date"] = format_datetime(DATE)
    m["Message-ID"] = "<msg-1@sender.example.com>"
    return m


def raw(m):
    return m.as_bytes(policy=SMTP)


# ---- builders ----

def headers():
    m = EmailMessage()
    m["Received"] = ("from mx.victim.example.org (mx.victim.example.org [10.1.2.3]) by mail.victim.example.org "
                     "(Postfix) with ESMTP id AAA111 for <bob@victim.example.org>; Fri, 1 Mar 2024 10:00:05 +0900")
    m["Received"] = ("from mail.sender.example.com (mail.sender.example.com [93.184.216.34]) by "
                     "mx.victim.example.org (Postfix) with ESMTPS id BBB222 for <bob@victim.example.org>; "
                     "Fri, 1 Mar 2024 10:00:03 +0900")
    m["Received"] = "from [192.168.1.20] (helo=pc) by mail.sender.example.com with esmtpa id CCC333; Fri, 1 Mar 2024 01:00:01 +0000"
    m["Authentication-Results"] = "mx.victim.example.org; spf=fail smtp.mailfrom=bounce.other.example.net; dkim=pass header.d=sender.example.com; dmarc=fail header.from=sender.example.com"
    m["Return-Path"] = "<bounce@bounce.other.example.net>"
    m["From"] = "Alice Sender <alice@sender.example.com>"
    m["Sender"] = "list@sender.example.com"
    m["Reply-To"] = "Alice <alice.reply@replies.example.net>"
    m["To"] = "Bob <bob@victim.example.org>, carol@victim.example.org"
    m["Cc"] = "dave@victim.example.org"
    m["Subject"] = "会議の資料について"  # email encodes it as UTF-8 encoded words
    m["Date"] = format_datetime(DATE)
    m["Message-ID"] = "<hdr-1@sender.example.com>"
    m["X-Mailer"] = "Microsoft Outlook 16.0"
    m["User-Agent"] = "TestAgent/1.0"
    m.set_content("Hello Bob.\n")
    return raw(m)


def iso2022jp():
    """Subject and body in ISO-2022-JP, as Japanese targeted mail uses."""
    subj = "請求書の送付".encode("iso-2022-jp")
    import base64
    enc = "=?ISO-2022-JP?B?" + base64.b64encode(subj).decode() + "?="
    body = "添付の請求書をご確認ください。 http://jp.example.co.jp/invoice\n".encode("iso-2022-jp")
    return (b"From: =?ISO-2022-JP?B?" + base64.b64encode("山田太郎".encode("iso-2022-jp")) +
            b"?= <yamada@example.co.jp>\r\nTo: tanaka@victim.example.org\r\nSubject: " + enc.encode() +
            b"\r\nDate: Fri, 1 Mar 2024 10:00:00 +0900\r\nMessage-ID: <jp-1@example.co.jp>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body)


def shift_jis():
    import base64
    subj = "パスワードの有効期限".encode("shift_jis")
    return (b"From: admin@example.co.jp\r\nTo: tanaka@victim.example.org\r\nSubject: =?Shift_JIS?B?" +
            base64.b64encode(subj) + b"?=\r\nDate: Fri, 1 Mar 2024 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "こちらから更新してください https://sjis.example.jp/renew\r\n".encode("shift_jis"))


HTML = """<html><head><style>a{color:red}</style><script>var u="http://script.example.invalid/x";</script></head>
<body><p>Dear customer,</p>
<p><a href="http://evil.example.net/login?a=1&amp;b=2">https://www.paypal.com/signin</a></p>
<p><a href='https://Good.Example.com:443/path#'>good.example.com</a></p>
<p><a href="mailto:x@example.com">mail us</a> and <a href="#top">top</a></p>
<img src="http://track.example.org/pixel.gif">
<p>Or visit www.plainsite.example.com/page, or see (http://paren.example.com/a_(b)).</p>
<p>&lt;http://entity.example.com/&gt; &#104;ttp://numeric.example.com/</p>
</body></html>"""

TEXT = """Plain text part with a bare URL: https://bare.example.com/x?y=1.
Also HTTP://UPPER.Example.COM/Path and ftp://files.example.com/f.txt,
but not xhttp://no.example.com nor mailto:someone@example.com.
"""


def html_links():
    m = base_msg("Your account")
    m.set_content(TEXT)
    m.add_alternative(HTML, subtype="html")
    return raw(m)


def attachments():
    m = base_msg("Invoice attached")
    m.set_content("See attached.\n")
    m.add_attachment(pe_bytes(), maintype="application", subtype="octet-stream", filename="invoice.pdf.exe")
    m.add_attachment(pe_bytes(b"rlo"), maintype="application", subtype="octet-stream",
                     filename="report\u202efdp.scr")
    m.add_attachment(b"WScript.Echo('hi');\n", maintype="application", subtype="javascript", filename="run.js")
    m.add_attachment(lnk_bytes(), maintype="application", subtype="octet-stream", filename="document.lnk")
    m.add_attachment(ole_bytes(), maintype="application", subtype="msword", filename="macro.doc")
    m.add_attachment(ole_bytes(False), maintype="application", subtype="msword", filename="clean.doc")
    m.add_attachment(docm_bytes(), maintype="application",
                     subtype="vnd.ms-word.document.macroEnabled.12", filename="report.docm")
    m.add_attachment(pe_bytes(b"mismatch"), maintype="application", subtype="pdf", filename="statement.pdf")
    m.add_attachment(b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", maintype="application",
                     subtype="pdf", filename="real.pdf")
    m.add_attachment(b"#!/bin/sh\necho hi\n", maintype="text", subtype="plain", filename="notes.txt")
    # RFC 2231 (the email package encodes a non-ASCII name that way)
    m.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=("utf-8", "", "請求書.pdf"))
    return raw(m)


def archives():
    inner = zip_bytes([("payload.exe", pe_bytes(b"inner"))])
    m = base_msg("Archives")
    m.set_content("Archives attached.\n")
    m.add_attachment(zip_bytes([("readme.txt", b"hello\n"), ("dir/tool.exe", pe_bytes(b"tool"))]),
                     maintype="application", subtype="zip", filename="tools.zip")
    m.add_attachment(zip_bytes([("inner.zip", inner)]), maintype="application", subtype="zip", filename="outer.zip")
    m.add_attachment(zip_bytes([("secret.exe", pe_bytes(b"secret"))], encrypt=True), maintype="application",
                     subtype="zip", filename="locked.zip")
    m.add_attachment(tgz_bytes([("a/script.ps1", b"Write-Host hi\n")]), maintype="application",
                     subtype="gzip", filename="bundle.tar.gz")
    m.add_attachment(gzip.compress(b"plain text in gzip\n", mtime=0), maintype="application", subtype="gzip",
                     filename="note.txt.gz")
    return raw(m)


def deep_archive():
    """zip in zip in zip in zip: only three levels are opened."""
    data = zip_bytes([("level4.exe", pe_bytes(b"deep"))])
    for lvl in (3, 2, 1):
        data = zip_bytes([(f"level{lvl}.zip", data)])
    m = base_msg("Deep")
    m.set_content("deep\n")
    m.add_attachment(data, maintype="application", subtype="zip", filename="level0.zip")
    return raw(m)


def zip_bomb(mb=160):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("zeros.bin", "w", force_zip64=True) as f:
            chunk = b"\x00" * (1 << 20)
            for _ in range(mb):
                f.write(chunk)
    m = base_msg("Bomb")
    m.set_content("bomb\n")
    m.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="bomb.zip")
    return raw(m)


def spoofing():
    m = EmailMessage()
    m["From"] = '"support@paypal.com" <service@paypa1.com>'
    m["Reply-To"] = "helpdesk@collector.example.net"
    m["Return-Path"] = "<b@bounces.example.org>"
    m["To"] = "victim@victim.example.org"
    m["Subject"] = "Account locked"
    m["Date"] = format_datetime(DATE)
    idn = "pаypal.com".encode("idna").decode()  # Cyrillic a
    m.set_content(f"Unlock: http://{idn}/unlock and https://secure-login.paypal.com.example.net/x\n"
                  "Also http://198.51.100.7/admin\n")
    return raw(m)


def idn_from():
    idn = "аррӏе.com".encode("idna").decode()  # all Cyrillic look-alikes of apple
    return (f"From: Apple <id@{idn}>\r\nTo: v@victim.example.org\r\nSubject: ID\r\n"
            "Date: Fri, 1 Mar 2024 10:00:00 +0900\r\n\r\nhello\r\n").encode()


def yara_target():
    m = base_msg("YARA")
    m.set_content("see attachment\n")
    m.add_attachment(b"harmless text YG_YARA_MARKER_1234 more\n", maintype="application",
                     subtype="octet-stream", filename="marker.bin")
    m.add_attachment(zip_bytes([("in/marker2.txt", b"zip YG_YARA_MARKER_1234\n")]), maintype="application",
                     subtype="zip", filename="m.zip")
    return raw(m)


YARA_RULES = 'rule yg_marker { strings: $a = "YG_YARA_MARKER_1234" condition: $a }\n'


def large_attachment(mb=50, seed=5):
    rnd = random.Random(seed)
    data = rnd.randbytes(mb << 20)
    m = base_msg("Large")
    m.set_content("large\n")
    m.add_attachment(data, maintype="application", subtype="octet-stream", filename="big.bin")
    return raw(m), hashlib.sha256(data).hexdigest(), len(data)


def mime_bomb(depth=5000):
    parts = []
    for i in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n')
    body = "".join(parts) + "Content-Type: text/plain\r\n\r\nbottom http://bottom.example.com/\r\n"
    body += "".join(f"--b{i}--\r\n" for i in reversed(range(depth)))
    return ("From: bomb@example.com\r\nTo: v@victim.example.org\r\nSubject: mime bomb\r\nMIME-Version: 1.0\r\n"
            + body).encode()


def many_parts(n=3000):
    parts = "".join(f"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=p{i}.bin\r\n\r\n{i}\r\n"
                    for i in range(n))
    return ("From: many@example.com\r\nSubject: many parts\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + parts + "--B--\r\n").encode()


def broken_boundary():
    return (b"From: a@example.com\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="NEVER"\r\n\r\n--OTHER\r\nContent-Type: text/plain\r\n\r\n'
            b"text http://broken.example.com/\r\n--OTHER--\r\n")


def invalid_base64():
    return (b"From: a@example.com\r\nSubject: b64\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: application/octet-stream\r\n'
            b"Content-Disposition: attachment; filename=bad.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"SGVsbG8g!!!d29y**bGQ=\r\n--X--\r\n")


def no_content_type():
    return b"From: a@example.com\r\nSubject: none\r\n\r\nno content type http://nct.example.com/\r\n"


def double_content_type():
    return (b"From: a@example.com\r\nSubject: double\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
            b"Content-Type: text/html\r\n\r\n<a href=\"http://double.example.com/\">x</a>\r\n")


def eight_bit_headers():
    return ("From: Jürgen <j@example.de>\r\nSubject: Grüße aus München\r\nTo: v@victim.example.org\r\n\r\nhi\r\n"
            ).encode("utf-8") + b"X-Raw: \xff\xfe\r\n"


def empty():
    return b""


def binary():
    return pe_bytes() + bytes(range(256)) * 4


ALL = {
    "headers": headers, "iso2022jp": iso2022jp, "shift_jis": shift_jis, "html_links": html_links,
    "attachments": attachments, "archives": archives, "deep_archive": deep_archive, "spoofing": spoofing,
    "idn_from": idn_from, "yara_target": yara_target, "mime_bomb": mime_bomb, "many_parts": many_parts,
    "broken_boundary": broken_boundary, "invalid_base64": invalid_base64, "no_content_type": no_content_type,
    "double_content_type": double_content_type, "eight_bit_headers": eight_bit_headers, "empty": empty,
    "binary": binary,
}


def corpus(n, seed=1):
    """n mixed messages: text/html bodies, 0-3 attachments of 1 KiB-256 KiB,
    some zipped. Deterministic for a seed."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        m = base_msg(f"Message {i}", f"Sender {i} <s{i}@host{i % 50}.example.com>")
        m["Received"] = f"from h{i}.example.net (h{i}.example.net [93.184.{i % 250}.{i % 200 + 1}]) by mx.example.org; Fri, 1 Mar 2024 10:00:00 +0900"
        m.set_content(f"Hello {i}, see http://link{i % 97}.example.com/p?i={i}\n" * rnd.randint(1, 20))
        m.add_alternative(f"<p><a href='http://h{i}.example.net/x'>click</a></p>" * rnd.randint(1, 10), subtype="html")
        for k in range(rnd.choice([0, 0, 1, 1, 2, 3])):
            data = rnd.randbytes(rnd.choice([1024, 8192, 65536, 262144]))
            if rnd.random() < 0.3:
                m.add_attachment(zip_bytes([(f"f{k}.bin", data)]), maintype="application", subtype="zip",
                                 filename=f"a{k}.zip")
            else:
                m.add_attachment(data, maintype="application", subtype="octet-stream", filename=f"a{k}.bin")
        out.append(raw(m))
    return out


if __name__ == "__main__":
    import pathlib
    outdir = pathlib.Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--corpus":
        for i, b in enumerate(corpus(int(sys.argv[3]))):
            (outdir / f"c{i:05d}.eml").write_bytes(b)
    else:
        for name, fn in ALL.items():
            (outdir / f"{name}.eml").write_bytes(fn())
