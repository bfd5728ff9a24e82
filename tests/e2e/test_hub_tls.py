"""The hub over TLS: a self-signed certificate made with the openssl CLI in
the test's temp dir, the hub started with --tls-cert/--tls-key, and TAXII
requests over https verified against that certificate."""
import shutil
import socket
import ssl
import subprocess

import pytest
import requests

from hubfixture import TAXII, Hub, check_clean_exit, indicator, yagura_bin


@pytest.fixture
def tls_hub(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    data = tmp_path / "data"
    data.mkdir()
    h = Hub(data, ["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https",
            verify=str(cert))
    h.cert = cert
    yield h
    check_clean_exit(h)


def test_taxii_over_verified_tls(tls_hub):
    h = tls_hub
    assert h.base.startswith("https://")
    h.org("A")
    h.org("B")
    ta, tb = h.token("A"), h.token("B")
    d = h.get("/taxii2/", ta)
    assert d.status_code == 200 and d.headers["Content-Type"] == TAXII
    assert d.json()["api_roots"] == ["/taxii2/api/"]
    coll = h.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
    o = indicator(tlp="green")
    st = h.post_objects(coll, ta, [o]).json()
    assert st["success_count"] == 1
    got = h.get(f"/taxii2/api/collections/{coll}/objects/{o['id']}/", tb).json()
    assert got["objects"] == [o]
    assert h.get("/taxii2/", None).status_code == 200
    assert h.get(f"/taxii2/api/collections/{coll}/objects/", None).status_code == 401

    # The certificate is what the client checked: without it, verification fails.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(h.base + "/healthz", timeout=30, verify=True)
    ctx = ssl.create_default_context(cafile=str(h.cert))
    with socket.create_connection(("127.0.0.1", h.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.version() in ("TLSv1.2", "TLSv1.3")
            peer = s.getpeercert()
            assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]
    # Plain HTTP to the TLS port gets no answer as HTTP.
    with socket.create_connection(("127.0.0.1", h.port)) as s:
        s.settimeout(10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
        assert not data.startswith(b"HTTP/1.1 200")
    assert h.get("/healthz", None).json() == {"status": "ok"}


def test_tls_needs_both_files(tmp_path):
    p = subprocess.run([yagura_bin(), "hub", "--listen",
                        "127.0.0.1:0", "--data", str(tmp_path), "--tls-cert",
                        str(tmp_path / "missing.pem")], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    assert "--tls-cert and --tls-key go together" in p.stderr


def test_large_cached_pages_over_tls(tls_hub):
    from test_hub_cache import large_page_twice
    h = tls_hub
    h.org("A")
    ta = h.token("A")
    coll = h.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
    large_page_twice(h, ta, coll)
