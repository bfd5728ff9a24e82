#!/usr/bin/python3
"""Writes the seed corpus of fuzz_darknet: telescope packets of every class
and fingerprint, made by tests/e2e/telescopegen.py (no captured traffic).

Each file is: link byte (0 Ethernet), minute byte, frame.
Run from the source root: python3 fuzz/seeds/darknet.py
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as pg  # noqa: E402
import telescopegen as tg  # noqa: E402

OUT = os.path.join(HERE, "..", "corpus", "darknet")


def main():
    os.makedirs(OUT, exist_ok=True)
    frames, _ = tg._core(random.Random(13), tg.START)
    seen = set()
    n = 0
    for k, f in enumerate(frames):
        data = f.data if isinstance(f, pg.Record) else f[1]
        # One of each kind: the first 14 + 34 bytes tell the kind apart well enough.
        key = data[23:24] + data[26:30] + data[47:48]
        if key in seen:
            continue
        seen.add(key)
        with open(os.path.join(OUT, f"seed_{n:03d}"), "wb") as o:
            o.write(bytes([0, k % 3]) + data)
        n += 1
    research = b"71.6.135.0/24 shodan\n# c\n2001:db8::/32\tcensys\n"
    with open(os.path.join(OUT, "seed_research"), "wb") as o:
        o.write(bytes([0x81, 0]) + research)
    print(f"wrote {n + 1} seeds to {OUT}")


if __name__ == "__main__":
    main()
