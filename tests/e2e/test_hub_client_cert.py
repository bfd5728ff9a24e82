"""TLS client certificates at the hub (issue 21). The test makes its PKI
with the openssl command: a CA, a server certificate, member certificates
from the CA, one from another CA and an expired one (`openssl ca` with
-startdate/-enddate: OpenSSL 3.0's x509 has no -not_before). A hub started
with --tls-client-ca takes a bound certificate in place of a token; a
sensor follows the hub's change feed with its certificate alone and alerts
on an indicator added while it runs; every other certificate gets 401 with
its reason; with --tls-client-required a handshake without a certificate
fails."""
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

import pcapgen as g
import hubfixture
from hubfixture import Hub, check_clean_exit, indicator, yagura_bin
from test_sensor_live import LiveSensor

PORT = 53
REST = "application/json"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def sign(d, name, ca, ext="client.cnf", dates=None):
    """A key and a certificate for name, issued by ca; dates = (start, end)
    in openssl ca's YYYYMMDDHHMMSSZ form for a certificate out of date."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", f"/O=Test/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    if dates:
        openssl("ca", "-batch", "-config", "ca.cnf", "-in", f"{name}.csr", "-out", f"{name}.pem",
                "-startdate", dates[0], "-enddate", dates[1], "-notext", cwd=d)
    else:
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", f"{name}.pem", cwd=d)


def make_pki(d):
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", f"/CN=test {ca}", "-keyout", f"{ca}.key",
                "-out", f"{ca}.pem", cwd=d)
    (d / "server.cnf").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    (d / "client.cnf").write_text("extendedKeyUsage=clientAuth\n")
    (d / "index.txt").write_text("")
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = test\n[test]\ndir = .\ndatabase = index.txt\n"
        "new_certs_dir = .\nserial = ca.srl-ca\ncertificate = ca.pem\nprivate_key = ca.key\n"
        "default_md = sha256\npolicy = any\nunique_subject = no\n"
        "x509_extensions = ext\n[any]\nO = optional\nCN = supplied\n"
        "[ext]\nextendedKeyUsage = clientAuth\n")
    (d / "ca.srl-ca").write_text("1000\n")
    sign(d, "server", "ca", ext="server.cnf")
    for name in ("member", "reader-b", "unbound"):
        sign(d, name, "ca")
    sign(d, "stranger", "other-ca")
    sign(d, "expired", "ca", dates=("20200101000000Z", "20200102000000Z"))


def fingerprint(d, name):
    out = subprocess.run(["openssl", "x509", "-in", f"{name}.pem", "-noout", "-fingerprint",
                          "-sha256"], cwd=d, check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed")
    d = tmp_path_factory.mktemp("pki")
    make_pki(d)
    return d


@pytest.fixture(scope="module")
def ch(request, tmp_path_factory, pki):
    """A hub asking for client certificates (not requiring them), orgs A and
    B, tokens, and bindings: member -> A sensor, reader-b -> B reader,
    stranger and expired -> A (bound, so their refusal names its reason)."""
    if hubfixture.STORE == "postgresql" and hubfixture.PG is None:
        hubfixture.PG = request.getfixturevalue("pg_server")
    data = tmp_path_factory.mktemp("cchub")
    d = pki
    h = Hub(data, ["--tls-cert", str(d / "server.pem"), "--tls-key", str(d / "server.key"),
                   "--tls-client-ca", str(d / "ca.pem")], scheme="https", verify=str(d / "ca.pem"))
    h.pki = d
    h.org("A")
    h.org("B")
    h.ta, h.tb = h.token("A"), h.token("B")
    for name, org, role in (("member", "A", "sensor"), ("reader-b", "B", "reader"),
                            ("stranger", "A", "sensor"), ("expired", "A", "sensor")):
        p = h.admin("cert", "add", "--org", org, "--role", role, str(d / f"{name}.pem"))
        assert fingerprint(d, name) in p.stdout, p.stdout
        if name == "expired":
            assert "has expired" in p.stderr
    yield h
    check_clean_exit(h)


def get(h, path, cert=None, token=None):
    d = h.pki
    headers = {"Accept": REST}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(h.base + path, headers=headers, timeout=30, verify=str(d / "ca.pem"),
                        cert=(str(d / f"{cert}.pem"), str(d / f"{cert}.key")) if cert else None)


def refused(r, reason):
    assert r.status_code == 401, r.text
    desc = r.json()["description"]
    assert reason in desc, desc
    return desc


def test_bound_certificate_acts_as_its_organization(ch):
    r = get(ch, "/api/v1/whoami", cert="member")
    assert r.status_code == 200, r.text
    assert r.json()["org"] == "A" and r.json()["role"] == "sensor"
    r = get(ch, "/api/v1/whoami", cert="reader-b")
    assert (r.status_code, r.json()["org"], r.json()["role"]) == (200, "B", "reader")
    # With a token of its own organization, the token's role applies.
    r = get(ch, "/api/v1/whoami", cert="member", token=ch.ta)
    assert (r.status_code, r.json()["role"]) == (200, "analyst")
    # Asking is not requiring: tokens alone still work, nothing alone does not.
    assert get(ch, "/api/v1/whoami", token=ch.tb).json()["org"] == "B"
    assert get(ch, "/api/v1/whoami").status_code == 401
    # The access log names the organization of a certificate's request.
    log = (ch.data / "hub.log").read_text()
    assert '"path":"/api/v1/whoami","status":200' in log and '"org":"A"' in log


def test_refused_certificates_say_why(ch):
    for name, reason in (("stranger", "not issued by the hub's client CA"),
                         ("expired", "has expired"),
                         ("unbound", "not bound to an organization")):
        desc = refused(get(ch, "/api/v1/whoami", cert=name), reason)
        assert fingerprint(ch.pki, name) not in desc
        # A token does not make a bad certificate good.
        refused(get(ch, "/api/v1/whoami", cert=name, token=ch.ta), reason)
        # Nor is a certificate holder served as anonymous on public routes.
        refused(get(ch, "/taxii2/", cert=name), reason)
    # Certificate and token of different organizations.
    refused(get(ch, "/api/v1/whoami", cert="member", token=ch.tb), "different organizations")
    refused(get(ch, "/api/v1/whoami", cert="reader-b", token=ch.ta), "different organizations")


def test_revoked_binding_is_refused_at_once(ch):
    d = ch.pki
    fp = fingerprint(d, "reader-b")
    assert get(ch, "/api/v1/whoami", cert="reader-b").status_code == 200  # cached now
    # Revoked by a prefix written as openssl prints it.
    colons = ":".join(fp[i:i + 2].upper() for i in range(0, 16, 2))
    p = ch.admin("cert", "revoke", colons)
    assert f"certificate {fp} revoked" in p.stdout
    refused(get(ch, "/api/v1/whoami", cert="reader-b"), "binding is revoked")
    # A revoked certificate cannot be bound again.
    p = ch.admin("cert", "add", "--org", "B", "--role", "reader", str(d / "reader-b.pem"),
                 check=False)
    assert p.returncode == 1 and "bound already" in p.stderr
    rows = {ln.split("\t")[0]: ln.split("\t") for ln in ch.admin("cert", "list").stdout.splitlines()}
    assert rows[fp][1:4] == ["B", "reader", "revoked"]
    assert rows[fingerprint(d, "member")][1:4] == ["A", "sensor", "active"]
    assert rows[fingerprint(d, "expired")][3:5] == ["expired", "2020-01-02"]
    assert fingerprint(d, "unbound") not in rows
    assert "O=Test" in rows[fp][5]
    # Refused imports name what is wrong.
    p = ch.admin("cert", "add", "--org", "A", "--role", "sensor", str(d / "member.key"),
                 check=False)
    assert p.returncode == 1 and "no readable certificate" in p.stderr
    p = ch.admin("cert", "add", "--org", "A", "--role", "sensor", str(d / "ca.pem"), check=False)
    assert p.returncode == 1 and "is a CA certificate" in p.stderr
    p = ch.admin("cert", "revoke", "abc", check=False)
    assert p.returncode == 2 and "not a fingerprint" in p.stderr


class CertSensor(LiveSensor):
    def __init__(self, tmp_path, hub, d):
        self.eve = tmp_path / "cert-eve.json"
        self.lines = []
        self.proc = subprocess.Popen(
            [yagura_bin(), "sensor", "-i", "lo", "--bpf",
             f"udp and dst port {PORT} and host 127.0.0.1", "--hub", hub.base,
             "--hub-cert", str(d / "member.pem"), "--hub-key", str(d / "member.key"),
             "--hub-ca", str(d / "ca.pem"), "--hub-interval", "200", "--eve", str(self.eve),
             "--home-net", "127.0.0.0/8"], stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def updates(self):
        return sum("indicator set updated" in ln for ln in self.lines)


def test_sensor_follows_the_change_feed_with_its_certificate(ch, tmp_path):
    coll = ch.req("GET", "/taxii2/api/collections/", ch.ta).json()["collections"][0]["id"]
    sensor = CertSensor(tmp_path, ch, ch.pki)
    try:
        if not sensor.wait_stderr("capturing on lo"):
            sensor.proc.kill()
            pytest.skip("cannot capture on the loopback interface here")
        assert sensor.wait_stderr("indicator set updated"), "".join(sensor.lines)
        before = sensor.updates()
        o = indicator(tlp="green")
        o["pattern"] = "[domain-name:value = 'cert-follow.example']"
        assert ch.post_objects(coll, ch.ta, [o]).status_code == 202
        deadline = time.time() + 30  # the change feed's wake-up, under ASan on 2 loaded cores
        while sensor.updates() == before and time.time() < deadline:
            time.sleep(0.02)
        assert sensor.updates() > before, "".join(sensor.lines)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(g.dns_query("www.cert-follow.example", ident=7), ("127.0.0.1", PORT))
        hits = sensor.wait_event(lambda e: e["event_type"] == "alert" and
                                 e["alert"]["metadata"]["matched_value"] == ["www.cert-follow.example"])
        assert hits and hits[0]["alert"]["metadata"]["stix_id"] == [o["id"]]
    finally:
        if sensor.proc.poll() is None:
            sensor.proc.send_signal(signal.SIGTERM)
        rc = sensor.proc.wait(timeout=30)
        sensor.reader.join(timeout=5)
    assert rc == 0, "".join(sensor.lines)
    # The hub served the change feed to A's certificate.
    log = [json.loads(ln) for ln in (ch.data / "hub.log").read_text().splitlines()
           if ln.startswith("{")]
    assert any(e["path"] == "/api/v1/indicators/changes" and e["status"] == 200 and
               e.get("org") == "A" for e in log)


def test_required_certificate_refuses_the_handshake(pki, tmp_path):
    d = pki
    data = tmp_path / "req"
    data.mkdir()
    h = Hub(data, ["--tls-cert", str(d / "server.pem"), "--tls-key", str(d / "server.key"),
                   "--tls-client-ca", str(d / "ca.pem"), "--tls-client-required"],
            scheme="https", verify=str(d / "ca.pem"))
    try:
        assert "client certificate required" in (data / "hub.log").read_text()
        h.pki = d
        h.org("A")
        h.admin("cert", "add", "--org", "A", "--role", "reader", str(d / "member.pem"))
        assert get(h, "/api/v1/whoami", cert="member").json()["org"] == "A"
        # No certificate: no TLS session at all, token or not.
        with pytest.raises(requests.exceptions.ConnectionError):
            get(h, "/healthz")
        with pytest.raises(requests.exceptions.ConnectionError):
            get(h, "/api/v1/whoami", token=h.token("A"))
        # A certificate from another CA completes the handshake and is refused.
        refused(get(h, "/api/v1/whoami", cert="stranger"), "not issued by the hub's client CA")
    finally:
        check_clean_exit(h)


def test_client_ca_options_are_checked(pki, tmp_path):
    cases = [
        (["--tls-client-ca", str(pki / "ca.pem")], "--tls-client-ca needs --tls-cert"),
        (["--tls-client-required"], "--tls-client-required needs --tls-client-ca"),
        (["--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"),
          "--tls-client-ca", str(pki / "server.key")], "cannot read CA certificates"),
    ]
    for extra, msg in cases:
        p = subprocess.run([yagura_bin(), "hub", "--listen", "127.0.0.1:0", "--data",
                            str(tmp_path), *extra], capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and msg in p.stderr, (extra, p.stderr)
