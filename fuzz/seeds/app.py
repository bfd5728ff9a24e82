#!/usr/bin/python3
"""Writes the seed corpora of fuzz_dns, fuzz_http, fuzz_tls and
fuzz_tls_server (certificates made with the openssl command): small
messages made here from scratch (no captured traffic), the same shapes the
unit tests in tests/unit/app/ build.

Run from anywhere: python3 fuzz/seeds/app.py
The fz_* and found-* files next to them are small inputs libFuzzer found
(new coverage, or a bug since fixed); they are kept by hand, not written
here.
"""
import os
import struct
import subprocess
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")


def write(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- DNS (RFC 1035) ----

def hdr(qid, flags, qd, an, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def dn(name):
    out = b""
    for label in name.split(".") if name else []:
        b = label.encode() if isinstance(label, str) else label
        out += bytes([len(b)]) + b
    return out + b"\0"


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def dns_seeds():
    q = dn("www.example.com") + struct.pack(">HH", 1, 1)
    write("dns", "query_a", hdr(0x1234, 0x0100, 1, 0) + q)
    ptr = struct.pack(">H", 0xc00c)
    resp = hdr(0xbeef, 0x8180, 1, 6) + q
    resp += rr(ptr, 5, 300, b"\x04edge" + struct.pack(">H", 0xc010))
    resp += rr(ptr, 1, 60, bytes([93, 184, 216, 34]))
    resp += rr(ptr, 28, 60, bytes.fromhex("20010db8000000000000000000000001"))
    resp += rr(ptr, 15, 60, b"\x00\x0a\x04mail" + struct.pack(">H", 0xc010))
    resp += rr(ptr, 2, 60, b"\x03ns1" + struct.pack(">H", 0xc010))
    resp += rr(ptr, 16, 60, b"\x05hello")
    write("dns", "response_mixed", resp)
    write("dns", "response_cut", resp[:-7])
    write("dns", "nxdomain", hdr(7, 0x8183, 1, 0, 1, 0) + dn("nope.example") + b"\0\x01\0\x01")
    write("dns", "self_pointer", hdr(1, 0, 1, 0) + struct.pack(">HHH", 0xc00c, 1, 1))
    write("dns", "pointer_cycle", hdr(1, 0, 1, 0) + struct.pack(">HHHH", 0xc012, 1, 1, 0xc00c))
    write("dns", "pointer_oob", hdr(1, 0, 1, 0) + struct.pack(">HHH", 0xc0ff, 1, 1))
    write("dns", "forward_pointer",
          hdr(1, 0, 1, 0) + b"\x03www" + struct.pack(">HHH", 0xc000 | 22, 1, 1) + dn("fwd.example"))
    long_name = ".".join(["a" * 63] * 3 + ["b" * 61])
    write("dns", "name_255", hdr(1, 0, 1, 0) + dn(long_name) + b"\0\x01\0\x01")
    # Over 255 octets: read on, the query name cut at 1025 characters.
    over = ".".join(["x" * 30] * 40)
    write("dns", "name_cut_1025", hdr(1, 0, 2, 0) + dn(over) + b"\0\x10\0\x01"
          + struct.pack(">HHH", 0xc00c, 16, 1))
    mdns = dn("Jane\u2019s iPhone._companion-link._tcp.local".replace("\u2019", "'")) \
        .replace(b"'", "\u2019".encode())
    write("dns", "mdns_utf8", hdr(0, 0x8400, 0, 1) + rr(mdns, 33, 120, b"\0\0\0\0\x1f\x90" + dn("x.local")))
    write("dns", "escapes", hdr(1, 0, 1, 0) + b"\x03a.b\x04\x00 \\\x7f\x03\xc3\xa9\xff\x00\x00\x01\x00\x01")


# ---- HTTP (RFC 9112) ----

def http_seeds():
    write("http", "get_full",
          b"GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com:8080\r\n"
          b"User-Agent: Mozilla/5.0\r\nReferer: http://example.org/\r\n"
          b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
    write("http", "lf_only", b"\r\nGET / HTTP/1.0\nHost: a\n\n")
    # The SMTP recognisers (fuzz_http checks them too).
    write("http", "smtp_ehlo", b"EHLO client.example\r\n")
    write("http", "smtp_greeting", b"220-mx.example ESMTP Exim\r\n220 ok\r\n")
    write("http", "chunked", b"POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    write("http", "cl_list", b"PUT /x HTTP/1.1\r\nhost:h\r\nContent-Length: 7, 7\r\n\r\n")
    write("http", "obs_fold", b"GET / HTTP/1.1\r\nUser-Agent: a\r\n b\r\n\r\n")
    write("http", "status", b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n")
    write("http", "status_noreason", b"HTTP/1.0 404\r\n\r\n")
    write("http", "connect", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    write("http", "partial", b"PROPFIND /dav HTTP/1.1\r\nDepth: 1\r\n")
    write("http", "dup_host", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    # Responses with the body framings the sensor follows.
    write("http", "resp_chunked", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1A\r\n" + b"a" * 26 +
          b"\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    write("http", "resp_redirect", b"HTTP/1.1 301 Moved\r\nLocation: https://e.example/\r\n"
          b"Content-Length: 0\r\n\r\n")
    write("http", "resp_fold", b"HTTP/1.1 200 ok\r\nContent-length: 3\r\nContent-Encoding:deflate\r\n"
          b" ,\r\nTransfer-Encoding: gzip,\r\n\tchunked\r\n\r\n3\nabc\n0\n\n")


# ---- TLS ClientHello (RFC 8446) ----

def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def u16list(vals, w=2):
    b = b"".join(struct.pack(">H", v) for v in vals)
    return (struct.pack(">H", len(b)) if w == 2 else bytes([len(b)])) + b


def sni(name):
    e = b"\0" + struct.pack(">H", len(name)) + name
    return ext(0, struct.pack(">H", len(e)) + e)


def alpn(*names):
    lst = b"".join(bytes([len(n)]) + n for n in names)
    return ext(16, struct.pack(">H", len(lst)) + lst)


def hello(legacy, ciphers, exts):
    body = struct.pack(">H", legacy) + bytes(range(32)) + b"\x20" + bytes(range(0xa0, 0xc0))
    body += u16list(ciphers) + b"\x01\x00"
    if exts is not None:
        body += struct.pack(">H", len(exts)) + exts
    return b"\x01" + struct.pack(">I", len(body))[1:] + body


def records(hs, cuts=(), version=0x0301):
    out, off = b"", 0
    cuts = list(cuts)
    while off < len(hs):
        n = cuts.pop(0) if cuts else len(hs) - off
        n = min(n, len(hs) - off)
        out += struct.pack(">BHH", 22, version, n) + hs[off:off + n]
        off += n
    return out


def tls_seeds():
    exts = (ext(0x1a1a, b"") + sni(b"example.com") + ext(10, u16list([0x2a2a, 0x1d, 0x17]))
            + ext(11, b"\x01\x00") + ext(13, u16list([0x0403, 0x0804, 0x0401]))
            + alpn(b"h2", b"http/1.1") + ext(43, u16list([0x3a3a, 0x0304, 0x0303], 1))
            + ext(0x15, b"\0\0\0") + ext(0x4a4a, b"\0"))
    hs = hello(0x0303, [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0x00ff], exts)
    write("tls", "chrome_like", records(hs))
    write("tls", "split_records", records(hs, [2, 50, 1]))
    write("tls", "one_byte_records", records(hs[:40], [1] * 40))
    write("tls", "cut", records(hs)[:100])
    write("tls", "no_extensions", records(hello(0x0301, [0x2f, 0x35], None)))
    order = [0x1b, 0, 0x33, 0x10, 0x4469, 0x17, 0x2d, 0x0d, 0x05, 0x23, 0x12, 0x2b, 0xff01, 0x0b, 0x0a, 0x15]
    e = b""
    for t in order:
        if t == 0:
            e += sni(b"example.com")
        elif t == 0x10:
            e += alpn(b"h2", b"http/1.1")
        elif t == 0x0d:
            e += ext(13, u16list([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]))
        elif t == 0x2b:
            e += ext(43, u16list([0x0304, 0x0303], 1))
        else:
            e += ext(t, b"")
    cs = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
          0x9c, 0x9d, 0x2f, 0x35]
    write("tls", "ja4_spec_example", records(hello(0x0303, cs, e)))
    write("tls", "idn_sni", records(hello(0x0303, [0x1301], sni("例え.jp".encode()) + alpn(b"\x30\xab"))))
    write("tls", "oversized_header", b"\x16\x03\x01\x40\x00\x01\x01\x11\x70")
    write("tls", "bad_sni_body", records(hello(0x0303, [0x1301], ext(0, b"\x00\x09\x00\x00\x05ab"))))


# ---- TLS server flight (RFC 5246 7.4): ServerHello, Certificate, Done ----

def cert_der(subj, san, key="EC"):
    """A self-signed certificate from the openssl command, as DER."""
    with tempfile.TemporaryDirectory() as d:
        k, c = os.path.join(d, "k"), os.path.join(d, "c")
        opt = ["-pkeyopt", "ec_paramgen_curve:P-256"] if key == "EC" else ["-pkeyopt", "rsa_keygen_bits:1024"]
        subprocess.run(["openssl", "genpkey", "-algorithm", key, *opt, "-out", k], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "req", "-x509", "-new", "-key", k, "-out", c, "-days", "30",
                        "-subj", subj, "-utf8", "-set_serial", "0xC7D4288B80E01E25",
                        "-addext", "subjectAltName=" + san], check=True, capture_output=True)
        return subprocess.run(["openssl", "x509", "-in", c, "-outform", "DER"], check=True,
                              capture_output=True).stdout


def server_hello(cipher=0xc02f, exts=ext(0xff01, b"\0") + alpn(b"h2")):
    body = b"\x03\x03" + bytes(32) + b"\x00" + struct.pack(">HB", cipher, 0)
    body += struct.pack(">H", len(exts)) + exts
    return b"\x02" + struct.pack(">I", len(body))[1:] + body


def certificate(ders):
    lst = b"".join(struct.pack(">I", len(d))[1:] + d for d in ders)
    body = struct.pack(">I", len(lst))[1:] + lst
    return b"\x0b" + struct.pack(">I", len(body))[1:] + body


def server_records(hs, size):
    out = b""
    for i in range(0, len(hs), size):
        out += struct.pack(">BHH", 22, 0x0303, len(hs[i:i + size])) + hs[i:i + size]
    return out


def tls_server_seeds():
    leaf = cert_der("/C=JP/O=Example, Inc./CN=\u6ac3.example", "DNS:a.example,IP:192.0.2.7")
    rsa = cert_der("/CN=rsa.example", "DNS:rsa.example", key="RSA")
    flight = server_hello() + certificate([leaf, rsa]) + b"\x0e\0\0\0"
    write("tls_server", "flight", server_records(flight, 16384))
    write("tls_server", "flight_small_records", server_records(flight, 100))
    write("tls_server", "flight_cut", server_records(flight, 16384)[:300])
    write("tls_server", "resumed", server_records(server_hello(), 16384) + b"\x14\x03\x03\x00\x01\x01")
    tls13 = server_hello(0x1301, ext(43, b"\x03\x04") + ext(51, b"\x00\x1d\x00\x02ab"))
    write("tls_server", "tls13", server_records(tls13, 16384) + b"\x17\x03\x03\x00\x02xx")
    write("tls_server", "bad_cert", server_records(server_hello() + certificate([leaf[:-3] + b"\0\0\0"]), 16384))
    write("tls_server", "empty_chain", server_records(server_hello() + certificate([]), 16384))
    tls_server_client_seeds(leaf, rsa)


def tls_server_client_seeds(leaf, rsa):
    """A server that asks for a client certificate, and the client's reply
    (its stream from the ClientHello on), with a chain and without one."""
    def hs(t, body):
        return bytes([t]) + struct.pack(">I", len(body))[1:] + body
    certreq = hs(13, b"\x02\x01\x40" + b"\x00\x04\x04\x03\x08\x04" + b"\0\0")
    flight = server_hello() + certificate([leaf, rsa]) + certreq + b"\x0e\0\0\0"
    write("tls_server", "flight_cert_request", server_records(flight, 16384))
    hello = hs(1, b"\x03\x03" + bytes(32) + b"\0" + b"\0\x02\xc0\x2f" + b"\x01\0")
    cke = hs(16, b"\x41\x04" + bytes(64))
    ccs = b"\x14\x03\x03\x00\x01\x01"
    write("tls_server", "client_cert", server_records(hello, 16384) +
          server_records(certificate([rsa, leaf]) + cke, 200) + ccs)
    write("tls_server", "client_no_cert", server_records(hello, 16384) +
          server_records(certificate([]) + cke, 16384) + ccs)


if __name__ == "__main__":
    dns_seeds()
    http_seeds()
    tls_seeds()
    tls_server_seeds()
