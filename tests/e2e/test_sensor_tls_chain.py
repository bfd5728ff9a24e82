"""TLS certificate chains and client certificates (issue 22): handshakes
built here with certificates the openssl command makes, one where the
server asks for a client certificate and gets a chain of two, one where
the client has none to send, and one where the server asks for nothing.
The base64 certificate, chain, client.certificate and client.chain of
Suricata's tls custom fields must be the DER tshark finds in each
Certificate message; the client object's fields must be what openssl says
of the client's certificate. Default fields (Suricata 8's extended set)
carry the client object but no base64."""
import base64
import json
import shutil
import subprocess

import pytest

import icsgen
import pcapgen as g
from conftest import SensorRun, yagura_bin
from test_sensor_tls_cert import make_cert, x509_says

T0 = g.DEFAULT_START
TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed "
                                "(Debian package 'tshark'; scripts/setup.sh installs it)")
CUSTOM = ("subject,issuer,serial,fingerprint,not_before,not_after,sni,version,certificate,"
          "chain,ja3,ja3s,ja4,subjectaltname,client,client_certificate,client_chain,"
          "client_alpns,server_alpns")


def handshake(client, server, sni, srv_ders, cli_ders, cert_request, start):
    """ClientHello, the server's flight, the client's reply, the server's
    ChangeCipherSpec and Finished, over one TCP connection."""
    return icsgen.conversation(client, server, [
        (g.tls_client_hello(sni=sni), g.tls_server_flight(srv_ders, cert_request=cert_request)),
        (g.tls_client_flight(cli_ders, seed=sni),
         g.tls_change_cipher_spec() + g.tls_records(22, bytes(40))),
    ], start=start, rtt=0.01)


def sensor(d, pcap, name, *args):
    eve = d / f"{name}.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", "2", *args], capture_output=True, text=True, timeout=120)
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    run = SensorRun(proc, eve)  # every event validates against the schemas
    assert run.rc == 0, run.stderr
    return {e["tls"]["sni"]: e["tls"] for e in run.of("tls")}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("tlschain")
    ca_crt, ca_key, ca_der = make_cert(d, "ca", "/O=Yagura Test CA/CN=Root", "0x01", "DNS:ca.example")
    srv_crt, _, srv_der = make_cert(d, "srv", "/CN=mtls.example", "0x1001", "DNS:mtls.example",
                                    issuer=(ca_crt, ca_key))
    cca_crt, cca_key, cca_der = make_cert(d, "cca", "/O=Clients/CN=Client CA", "0x02",
                                          "DNS:cca.example")
    cli_crt, _, cli_der = make_cert(d, "cli", "/C=JP/O=Member Org/CN=sensor-7", "0x8F0A",
                                    "DNS:sensor-7.example", issuer=(cca_crt, cca_key))
    plain_crt, _, plain_der = make_cert(d, "plain", "/CN=plain.example", "0x2a",
                                        "DNS:plain.example")
    frames = []
    frames += handshake(("10.0.0.5", 50001), ("192.0.2.44", 443), "mtls.example",
                        [srv_der, ca_der], [cli_der, cca_der], True, T0)
    frames += handshake(("10.0.0.6", 50002), ("192.0.2.44", 443), "nocert.example",
                        [srv_der, ca_der], [], True, T0 + 1)
    frames += handshake(("10.0.0.7", 50003), ("192.0.2.45", 443), "plain.example",
                        [plain_der], None, False, T0 + 2)
    pcap = d / "tls.pcap"
    g.write_pcap(str(pcap), sorted(frames, key=lambda f: f[0]))
    return {"pcap": pcap, "custom": sensor(d, pcap, "custom", "--eve-tls-custom", CUSTOM),
            "default": sensor(d, pcap, "default"), "cli": x509_says(cli_crt),
            "ders": {"srv": srv_der, "ca": ca_der, "cli": cli_der, "cca": cca_der,
                     "plain": plain_der}}


def tshark_certs(pcap):
    """{(source port, destination port): [DER, ...]} of every Certificate
    message tshark reads."""
    out = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "tls.handshake.type == 11", "-T", "fields",
                          "-E", "occurrence=a", "-E", "aggregator=;", "-e", "tcp.srcport", "-e",
                          "tcp.dstport", "-e", "tls.handshake.certificate"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    got = {}
    for line in out.splitlines():
        sp, dp, certs = line.split("\t")
        got[(int(sp), int(dp))] = [bytes.fromhex(c.replace(":", "")) for c in certs.split(";") if c]
    return got


def b64(ders):
    return [base64.b64encode(x).decode() for x in ders]


def test_chains_match_tshark(world):
    t = tshark_certs(world["pcap"])
    ev = world["custom"]
    m = ev["mtls.example"]
    # The server's chain and the client's, as tshark reads them off the wire.
    assert m["chain"] == b64(t[(443, 50001)])
    assert m["certificate"] == b64(t[(443, 50001)])[0]
    assert m["client"]["chain"] == b64(t[(50001, 443)])
    assert m["client"]["certificate"] == b64(t[(50001, 443)])[0]
    # ... which are the certificates openssl made.
    d = world["ders"]
    assert t[(443, 50001)] == [d["srv"], d["ca"]] and t[(50001, 443)] == [d["cli"], d["cca"]]
    assert ev["plain.example"]["chain"] == b64([d["plain"]])
    assert ev["plain.example"]["certificate"] == b64([d["plain"]])[0]


def test_client_fields_match_openssl(world):
    c = world["custom"]["mtls.example"]["client"]
    for k, v in world["cli"].items():
        assert c[k] == v, (k, c[k], v)
    assert c["subject"] == "C=JP, O=Member Org, CN=sensor-7"
    assert world["custom"]["mtls.example"]["subject"] == "CN=mtls.example"
    # An empty client Certificate, and a server that asked for none.
    for sni in ("nocert.example", "plain.example"):
        assert "client" not in world["custom"][sni]
        assert world["custom"][sni]["fingerprint"]


def test_default_fields_have_client_but_no_base64(world):
    e = world["default"]
    assert set(e) == {"mtls.example", "nocert.example", "plain.example"}
    m = e["mtls.example"]
    assert m["client"] == {k: v for k, v in world["custom"]["mtls.example"]["client"].items()
                           if k not in ("certificate", "chain")}
    for t in e.values():
        assert "certificate" not in t and "chain" not in t
        assert t["version"] == "TLS 1.2" and "ja3s" in t


def test_bad_field_name_is_refused(tmp_path):
    proc = subprocess.run([yagura_bin(), "sensor", "-r", "/dev/null", "--eve", "none",
                           "--eve-tls-custom", "subject,client_handshake"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "'client_handshake' is not a tls field" in proc.stderr
