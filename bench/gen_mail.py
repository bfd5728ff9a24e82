"""Benchmark corpus for `yagura mail analyze` (issue 5, Performance).

    python3 bench/gen_mail.py OUTDIR [N]      # N messages (default 10000)

Writes OUTDIR/m00000.eml ... and OUTDIR/.done (the count) last, so an
interrupted run is redone. Deterministic (seeded). The mix is meant to look
like a mailbox, not a stress test: about 70 % of the messages are
plain text or text+HTML without attachments; the rest carry one to three
attachments whose sizes are spread from a few KB to a few MB (most small),
as PDFs/images (incompressible bytes), zips, Office-like OLE files and now
and then an executable. Message builders come from tests/e2e/mailgen.py.
"""
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "e2e"))
import mailgen  # noqa: E402

# (weight, low, high) in bytes: most attachments are small
SIZES = [(65, 2 << 10, 48 << 10), (28, 48 << 10, 256 << 10), (6, 256 << 10, 1 << 20),
         (1, 1 << 20, 4 << 20)]


def att_size(rnd):
    w = rnd.randrange(100)
    for weight, lo, hi in SIZES:
        if w < weight:
            return rnd.randint(lo, hi)
        w -= weight
    return SIZES[-1][2]


def text_body(rnd, i):
    words = ["invoice", "meeting", "report", "tomorrow", "please", "review", "the", "attached",
             "schedule", "project", "thanks", "regards", "update", "budget", "team"]
    lines = []
    for _ in range(rnd.randint(3, 60)):
        lines.append(" ".join(rnd.choice(words) for _ in range(rnd.randint(4, 14))))
    if rnd.random() < 0.6:
        lines.append(f"See https://portal{i % 113}.example.com/doc?id={i} for details.")
    return "\n".join(lines) + "\n"


def message(rnd, i):
    m = mailgen.base_msg(f"Message {i}", f"Sender {i % 997} <s{i % 997}@host{i % 61}.example.com>")
    del m["Message-ID"]
    m["Message-ID"] = f"<bench-{i}@host{i % 61}.example.com>"
    for h in range(rnd.randint(1, 4)):
        m["Received"] = (f"from h{i}-{h}.example.net (h{i}-{h}.example.net [93.184.{i % 250}.{h + 1}]) "
                         f"by mx{h}.example.org with ESMTPS id {i:x}{h}; Fri, 1 Mar 2024 10:0{h}:00 +0900")
    text = text_body(rnd, i)
    m.set_content(text)
    if rnd.random() < 0.6:
        html = "".join(f"<p>{line}</p>" for line in text.splitlines())
        html += f"<p><a href='https://h{i % 89}.example.net/x?u={i}'>portal{i % 113}.example.com</a></p>"
        m.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    if rnd.random() < 0.3:
        for k in range(rnd.choice([1, 1, 1, 2, 2, 3])):
            kind = rnd.random()
            size = att_size(rnd)
            if kind < 0.55:
                m.add_attachment(rnd.randbytes(size), maintype="application", subtype="pdf",
                                 filename=f"document{k}.pdf")
            elif kind < 0.75:
                m.add_attachment(b"\xff\xd8\xff\xe0" + rnd.randbytes(size), maintype="image",
                                 subtype="jpeg", filename=f"photo{k}.jpg")
            elif kind < 0.90:
                m.add_attachment(mailgen.zip_bytes([(f"scan{k}.pdf", rnd.randbytes(size))]),
                                 maintype="application", subtype="zip", filename=f"files{k}.zip")
            elif kind < 0.98:
                m.add_attachment(mailgen.ole_bytes(rnd.random() < 0.3) + rnd.randbytes(size),
                                 maintype="application", subtype="msword", filename=f"letter{k}.doc")
            else:
                m.add_attachment(mailgen.pe_bytes() + rnd.randbytes(size), maintype="application",
                                 subtype="octet-stream", filename=f"invoice{k}.pdf.exe")
    return mailgen.raw(m)


def main():
    out = pathlib.Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    done = out / ".done"
    if done.exists() and done.read_text().strip() == str(n):
        return
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("m*.eml"):
        old.unlink()
    rnd = random.Random(5)
    for i in range(n):
        (out / f"m{i:05d}.eml").write_bytes(message(rnd, i))
    done.write_text(f"{n}\n")


if __name__ == "__main__":
    main()
