"""Writes the fuzz_hub_mail seeds that carry an X-Yagura-Share-With header
(run from the repository root, after fuzz/seeds/mail_hub.py):

    /usr/bin/python3 fuzz/seeds/mail_hub_share_header.py

Bit 6 of the selector byte says a header line follows the ?share= line
(present when bit 7 is set); the low six bits pick the TLP.
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus" / "hub_mail"
# The message body of the targeted seed, after its selector byte.
TARGETED = (CORPUS / "targeted").read_bytes()[1:]

SEEDS = {
    # (TLP, ?share= list or None, header list)
    "hdr_amber_beta": (2, None, b"beta"),
    "hdr_red_union": (4, b"beta", b"group:nosuch, beta"),
    "hdr_green_ignored": (1, None, b"nosuch"),
    "hdr_amber_bad": (2, b"beta", b"identity--00000000-0000-4000-8000-000000000000,,x"),
}
for name, (tlp, share, hdr) in SEEDS.items():
    sel = tlp | 0x40 | (0x80 if share is not None else 0)
    head = (share + b"\n" if share is not None else b"") + hdr + b"\n"
    (CORPUS / name).write_bytes(bytes([sel]) + head + TARGETED)
