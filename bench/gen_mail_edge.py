"""Edge-case messages for bench/mail_same.sh: the content transfer encodings
and sizes where a faster decoding path could part from GMime's.

    python3 bench/gen_mail_edge.py OUTDIR [--big]

Writes OUTDIR/e*.eml (deterministic). Base64 bodies in every shape the
decoder meets: CRLF and LF line ends, one long line, padding of one and two
'=', '=' in the middle followed by more data, stray characters (spaces,
tabs, '!', '-', '.', bytes >= 0x80), a dangling quartet, an empty body;
quoted-printable, x-uuencode, 7bit, 8bit, binary (NUL bytes) and an unknown
encoding; sizes around 4 KiB and 64 KiB; attachments inside message/rfc822
and an mbox "From " line. --big adds one part past the 32 MiB kept prefix
(the streamed ssdeep path).
"""
import base64
import binascii
import pathlib
import random
import sys

SIZES = [0, 1, 2, 3, 4, 5, 57, 191, 192, 193, 4095, 4096, 4097, 65535, 65536, 65537,
         200000]


def head(subject, boundary, mbox=False):
    h = b"From sender@example.com Fri Mar  1 10:00:00 2024\n" if mbox else b""
    h += (b"From: A <a@example.com>\r\nTo: b@example.org\r\nSubject: " + subject.encode() +
          b"\r\nDate: Fri, 1 Mar 2024 10:00:00 +0900\r\nMessage-ID: <" + subject.encode() +
          b"@example.com>\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n"
          b"--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\nsee https://example.net/a\r\n")
    return h


def part(boundary, cte, body, name="a.bin", ctype=b"application/octet-stream", nl=b"\r\n"):
    p = b"--" + boundary + nl + b"Content-Type: " + ctype + b"; name=\"" + name.encode() + b"\""
    p += nl + b"Content-Disposition: attachment; filename=\"" + name.encode() + b"\"" + nl
    if cte is not None:
        p += b"Content-Transfer-Encoding: " + cte + nl
    return p + nl + body + nl


def tail(boundary):
    return b"--" + boundary + b"--\r\n"


def b64_lines(data, width=76, nl=b"\r\n"):
    s = base64.b64encode(data)
    return nl.join(s[i:i + width] for i in range(0, len(s), width)) or b""


def uu(data):
    out = b"begin 644 a.bin\n"
    for i in range(0, len(data), 45):
        out += binascii.b2a_uu(data[i:i + 45])
    return out + b"`\nend\n"


def qp(data):
    return binascii.b2a_qp(data, quotetabs=False, istext=False)


def mutate_b64(rnd, enc):
    """Damages a base64 body the ways real mail does."""
    kind = rnd.randrange(9)
    b = bytearray(enc)
    if not b:
        return bytes(b), "empty"
    pos = rnd.randrange(len(b))
    if kind == 0:
        b[pos:pos] = b"="
        return bytes(b), "eq_mid"
    if kind == 1:
        b[pos:pos] = b"=="
        return bytes(b), "eqeq_mid"
    if kind == 2:
        b[pos:pos] = rnd.choice([b" ", b"\t", b"!", b"-", b".", b"\xc3\xa9", b"\x00", b"*"])
        return bytes(b), "junk"
    if kind == 3:
        return bytes(b[:max(0, len(b) - rnd.randrange(1, 4))]), "dangling"
    if kind == 4:
        return bytes(b) + b"\r\n==\r\n-- \r\nlist footer\r\n", "footer"
    if kind == 5:
        return bytes(b).replace(b"\r\n", b" \r\n"), "trailing_space"
    if kind == 6:
        return bytes(b).replace(b"\r\n", b"\n"), "lf"
    if kind == 7:
        return bytes(b[:pos]) + b"=" + bytes(b[pos:]).replace(b"=", b""), "eq_then_more"
    return bytes(b).replace(b"A", b"A\r\n", 3), "short_lines"


def main():
    out = pathlib.Path(sys.argv[1])
    big = "--big" in sys.argv[2:]
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("e*.eml"):
        old.unlink()
    rnd = random.Random(11)
    bd = b"==b-edge=="
    n = 0

    def write(msg):
        nonlocal n
        (out / f"e{n:04d}.eml").write_bytes(msg)
        n += 1

    for size in SIZES:
        data = rnd.randbytes(size)
        # clean base64, CRLF, LF, one line, 64-column lines
        for nl, width in ((b"\r\n", 76), (b"\n", 76), (b"\r\n", 1 << 30), (b"\r\n", 64)):
            m = head(f"b64-{size}-{width}", bd) + part(bd, b"base64", b64_lines(data, width, nl))
            write(m + tail(bd))
        for cte, body in ((b"quoted-printable", qp(data)), (b"x-uuencode", uu(data)),
                          (b"7bit", data.replace(b"\r", b"").replace(b"\n", b"")),
                          (b"8bit", data), (b"binary", data), (b"x-unknown", data), (None, data)):
            write(head(f"cte-{size}", bd) + part(bd, cte, body) + tail(bd))
    for i in range(300):
        size = rnd.choice(SIZES[1:] + [rnd.randrange(1, 300000) for _ in range(4)])
        enc, kind = mutate_b64(rnd, b64_lines(rnd.randbytes(size)))
        if rnd.random() < 0.3:  # a second, clean part after the damaged one
            enc2 = b64_lines(rnd.randbytes(rnd.randrange(0, 5000)))
            body = part(bd, b"base64", enc) + part(bd, b"Base64", enc2, "b.pdf", b"application/pdf")
        else:
            body = part(bd, b"BASE64", enc)
        write(head(f"mut-{i}-{kind}", bd, mbox=i % 17 == 0) + body + tail(bd))
    # a base64 text attachment, a base64 text body, and an attachment in a
    # forwarded message
    txt = b"hello https://evil.example/x " * 200
    write(head("text-att", bd) + part(bd, b"base64", b64_lines(txt), "t.txt", b"text/plain") +
          tail(bd))
    inner_bd = b"inner"
    inner = (b"From: c@example.com\r\nSubject: inner\r\nContent-Type: multipart/mixed; "
             b"boundary=inner\r\n\r\n" + part(inner_bd, b"base64", b64_lines(rnd.randbytes(9000)),
                                              "in.pdf", b"application/pdf") + tail(inner_bd))
    write(head("fwd", bd) + b"--" + bd + b"\r\nContent-Type: message/rfc822\r\n\r\n" + inner +
          b"\r\n" + tail(bd))
    write(b"From: a@example.com\r\nSubject: single\r\nContent-Type: application/pdf; name=x.pdf\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" + b64_lines(rnd.randbytes(7000)) + b"\r\n")
    write(b"From: a@example.com\r\nSubject: unterminated\r\nContent-Type: multipart/mixed; "
          b"boundary=q\r\n\r\n--q\r\nContent-Type: application/pdf; name=x.pdf\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" + b64_lines(rnd.randbytes(7000)))
    if big:
        write(head("big", bd) + part(bd, b"base64", b64_lines(rnd.randbytes((32 << 20) + 5000))) +
              tail(bd))


if __name__ == "__main__":
    main()
