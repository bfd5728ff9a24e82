#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_mail_store (fuzz/corpus/mail_store/).

Run from the repository root: /usr/bin/python3 fuzz/seeds/mail_store.py
A seed is one byte (bit 0: alpha submits, else beta; bits 1-3: TLP index,
clear green amber amber+strict red; bit 4: the other member is named) and
one observable a line, its type as a letter: a sender-address,
b sender-domain, c sender-registrable-domain, d sending-ip, e url,
f url-domain, g md5, h sha1, i sha256, j ssdeep, k subject-template.
The harness's world holds a GREEN submission of beta (the login.evil.example
URL, 45.77.12.9, an invoice subject), an AMBER one of alpha (evil.example,
login.evil.example, a sha256) and a RED one of beta (an ssdeep digest,
billing@evil.example): the seeds join, bridge and spread those campaigns.
"""
import os

ALPHA, BETA = 1, 0
CLEAR, GREEN, AMBER, STRICT, RED = range(5)
NAMED = 0x10
SSDEEP = "96:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrJ:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrJ"
SSDEEP_NEAR = "96:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrK:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrK"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def seed(who, tlp, lines, named=False):
    head = who | (tlp << 1) | (NAMED if named else 0)
    return bytes([head]) + "\n".join(lines).encode()


seeds = {
    # Joins beta's GREEN campaign through the URL domain.
    "join_green": seed(ALPHA, GREEN, ["flogin.evil.example", "ehttp://login.evil.example/b"]),
    # Bridges alpha's AMBER submission and beta's RED one: campaigns merge.
    "bridge_amber_named": seed(BETA, AMBER, ["bevil.example", "j" + SSDEEP], named=True),
    # A near ssdeep digest: linked by fuzzy comparison, not by equality.
    "ssdeep_near_red": seed(ALPHA, RED, ["j" + SSDEEP_NEAR]),
    # Only alpha may see it: beta's views must not show it.
    "strict_alpha": seed(ALPHA, STRICT, ["kinvoice for [recipient-name-#] #-#",
                                         "abilling@evil.example"]),
    # Warning-list values index but never link.
    "warning_list": seed(BETA, CLEAR, ["bgmail.com", "fbit.ly", "ehttps://bit.ly/abc",
                                       "asomeone@gmail.com", "khello"]),
    # Every type once.
    "all_types": seed(ALPHA, AMBER, [
        "aphish@bad.example", "bbad.example", "cbad.example", "d45.77.12.9",
        "ehttp://bad.example/x?y=1", "fbad.example", "g" + "0" * 31 + "1",
        "h" + "a" * 40, "i" + SHA256, "j" + SSDEEP, "kyour account #-# is locked now"]),
    "none": seed(BETA, GREEN, []),
    # Many values in one of the store's batches (YG_STORE_VALUES_BATCH):
    # 40, not hundreds, as each costs a row and an indicator on every
    # mutation of this seed (300 made it 25 ms an input, a tenth of the
    # harness's runs spent on it).
    "many_urls": seed(BETA, GREEN, ["ehttp://u%d.evil.example/p" % i for i in range(40)]
                      + ["flogin.evil.example"]),
    # Repeats, an empty line and non-UTF-8 bytes, which extract never hands over.
    "dropped": seed(ALPHA, GREEN, ["fa.example", "fa.example", "", "f"]) + b"\nfbad\xff.example",
}
out = os.path.join("fuzz", "corpus", "mail_store")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
