#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_cert_bind (the certificate-binding import).

Run from the repository root: python3 fuzz/seeds/cert_bind.py
The certificates are made here with the openssl command (throw-away keys,
example names): one member certificate, the same with its key after it,
with its CA before it (refused: two certificates), a CA certificate, an
EC certificate, and broken variants (cut base64, empty block, a key
alone, CRLF lines, noise)."""
import os
import subprocess
import tempfile

OUT = "fuzz/corpus/cert_bind"


def run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "30", "-subj", "/CN=Seed CA", cwd=d)
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "m.key", "-out", "m.csr",
            "-subj", "/O=Member Example/CN=sensor-1", cwd=d)
        run("x509", "-req", "-in", "m.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "30", "-out", "m.pem", cwd=d)
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ec.key", "-out", "ec.pem", "-days", "30", "-subj",
            "/C=JP/O=EC Example/CN=ec", cwd=d)
        read = lambda n: open(os.path.join(d, n), "rb").read()
        ca, member, key, ec = read("ca.pem"), read("m.pem"), read("m.key"), read("ec.pem")
    lines = member.split(b"\n")
    seeds = {
        "member.pem": member,
        "member_and_key.pem": member + key,
        "chain.pem": ca + member,
        "ca.pem": ca,
        "ec.pem": ec,
        "crlf.pem": member.replace(b"\n", b"\r\n"),
        "cut.pem": b"\n".join(lines[:len(lines) // 2]) + b"\n-----END CERTIFICATE-----\n",
        "empty_block.pem": b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "key_only.pem": key,
        "noise.txt": b"not a certificate\n\x00\xff-----BEGIN CERT",
        "fingerprint.txt": b"AB:CD:EF:01:23:45:67:89",
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
