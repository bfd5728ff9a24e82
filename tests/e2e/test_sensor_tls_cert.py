"""TLS server certificates and JA3S: certificates made here with the openssl
command, carried in TLS 1.2 handshakes pcapgen builds (the Certificate
message split over records and TCP segments), and every tls field checked
against what `openssl x509` says of the same certificate. Indicators of the
new types (a certificate's SHA-1 as SSL blacklists list it, in a STIX
x509-certificate pattern, and a JA3S hash) must alert. One sensor run
serves every test of the module."""
import calendar
import json
import subprocess
import time

import pytest

import pcapgen as g
from conftest import SensorRun, yagura_bin

T0 = g.DEFAULT_START
SRV = ("192.0.2.44", 443)


def openssl(*args, **kw):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, **kw).stdout


def make_cert(d, name, subj, serial, san, key="ec", issuer=None):
    """A certificate (PEM and DER paths); self-signed unless issuer=(crt, key)."""
    k, crt = d / f"{name}.key", d / f"{name}.pem"
    if key == "ec":
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(k))
    else:
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096", "-out", str(k))
    common = ["-days", "30", "-set_serial", serial, "-subj", subj, "-utf8", "-sha256"]
    if issuer is None:
        openssl("req", "-x509", "-new", "-key", str(k), "-out", str(crt), "-addext",
                f"subjectAltName={san}", *common)
    else:
        csr = d / f"{name}.csr"
        openssl("req", "-new", "-key", str(k), "-out", str(csr), "-subj", subj, "-utf8")
        ext = d / f"{name}.ext"
        ext.write_text(f"subjectAltName={san}\n")
        openssl("x509", "-req", "-in", str(csr), "-CA", str(issuer[0]), "-CAkey", str(issuer[1]),
                "-out", str(crt), "-days", "30", "-set_serial", serial, "-extfile", str(ext),
                "-sha256")
    der = openssl("x509", "-in", str(crt), "-outform", "DER")
    return crt, k, der


def x509_says(crt):
    """Suricata's tls fields of crt, worked out from openssl x509's output."""
    def one(opt, *extra):
        out = openssl("x509", "-in", str(crt), "-noout", opt, *extra).decode().strip()
        return out.split("=", 1)[1]
    names = ("-nameopt", "sep_comma_plus_space,sname,utf8,-esc_msb")
    ser = one("-serial")
    ser = ("0" if len(ser) % 2 else "") + ser
    if int(ser[:2], 16) & 0x80:  # DER keeps a positive INTEGER positive
        ser = "00" + ser
    def when(s):
        t = time.strptime(s.replace("  ", " "), "%b %d %H:%M:%S %Y GMT")
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(calendar.timegm(t)))
    return {
        "subject": one("-subject", *names),
        "issuerdn": one("-issuer", *names),
        "serial": ":".join(ser[i:i + 2] for i in range(0, len(ser), 2)).upper(),
        "fingerprint": one("-fingerprint", "-sha1").lower(),
        "notbefore": when(one("-startdate")),
        "notafter": when(one("-enddate")),
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("tlscert")
    ca_crt, ca_key, ca_der = make_cert(d, "ca", "/C=JP/O=Yagura Test CA/CN=Root", "0x01",
                                       "DNS:ca.example")
    # The leaf: an organization with a comma and a UTF-8 name, a serial
    # whose top bit is set, signed by the CA; a 4096-bit RSA key and many
    # names make it large enough to span records.
    leaf_crt, _, leaf_der = make_cert(
        d, "leaf", "/C=JP/ST=Tōkyō/O=Example, Inc./CN=c2.example", "0xC7D4288B80E01E25",
        ",".join(f"DNS:h{i}.c2.example" for i in range(40)) + ",DNS:c2.example,IP:192.0.2.44",
        key="rsa", issuer=(ca_crt, ca_key))
    other_crt, _, other_der = make_cert(d, "other", "/CN=benign.example", "0x2a",
                                        "DNS:benign.example")
    flight = g.tls_server_flight([leaf_der, ca_der], record_max=700, alpn="h2")
    other_flight = g.tls_server_flight([other_der], cipher=0xC030)
    frames = []
    frames += g.tcp_session(("10.0.0.5", 50001), SRV,
                            client_payload=g.tls_client_hello(sni="c2.example", alpn=["h2", "http/1.1"]),
                            server_payload=flight + g.tls_change_cipher_spec() + g.tls_app_data(64),
                            server_split_at=[3, 100, 1000, 1001, 2500], start=T0)
    frames += g.tcp_session(("10.0.0.6", 50002), ("192.0.2.45", 443),
                            client_payload=g.tls_client_hello(sni="benign.example"),
                            server_payload=other_flight + g.tls_change_cipher_spec(),
                            start=T0 + 1)
    # TLS 1.3: the certificate is encrypted; JA3S and the version only.
    frames += g.tcp_session(("10.0.0.7", 50003), ("192.0.2.46", 443),
                            client_payload=g.tls_client_hello(sni="tls13.example"),
                            server_payload=g.tls_server_hello() + g.tls_app_data(80),
                            start=T0 + 2)
    pcap = d / "tls.pcap"
    g.write_pcap(str(pcap), sorted(frames, key=lambda f: f[0]))

    leaf = x509_says(leaf_crt)
    ja3s_str, ja3s_hash = g.ja3s(flight)
    bare = leaf["fingerprint"].replace(":", "")
    # An SSL blacklist as abuse.ch publishes it (bare SHA-1; the file's
    # name says certificates), a STIX bundle with the other certificate,
    # and a JA3S list.
    (d / "sslblacklist.txt").write_text(f"# SSL certificate blacklist\n{bare}\n")
    other_fp = x509_says(other_crt)["fingerprint"].replace(":", "")
    (d / "certs.json").write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [{
        "type": "indicator", "spec_version": "2.1", "id": "indicator--0d5a2f3e-0000-4000-8000-000000000001",
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
        "pattern": f"[x509-certificate:hashes.'SHA-1' = '{other_fp}']", "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"}]}))
    (d / "ja3s.txt").write_text(f"{ja3s_hash}\n")
    eve = d / "eve.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", "1", "--intel", str(d / "sslblacklist.txt"),
                           "--intel", str(d / "certs.json"), "--intel", str(d / "ja3s.txt")],
                          capture_output=True, text=True, timeout=300)
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    run = SensorRun(proc, eve)  # validates every event against the schemas
    assert run.rc == 0, run.stderr
    return {"run": run, "leaf": leaf, "ja3s": (ja3s_str, ja3s_hash), "other_fp": other_fp}


def tls_of(run, sni):
    ev = [e for e in run.of("tls") if e["tls"].get("sni") == sni]
    assert len(ev) == 1, f"{sni}: {len(ev)} tls events (one per connection)"
    return ev[0]


def test_certificate_fields_match_openssl(world):
    t = tls_of(world["run"], "c2.example")["tls"]
    for k, v in world["leaf"].items():
        assert t[k] == v, (k, t[k], v)
    assert t["subject"] == "C=JP, ST=Tōkyō, O=Example, Inc., CN=c2.example"
    assert t["serial"].startswith("00:C7:D4")
    assert t["subjectaltname"][:2] == ["h0.c2.example", "h1.c2.example"]
    assert len(t["subjectaltname"]) == 16  # capped
    assert t["version"] == "TLS 1.2"
    assert t["server_alpns"] == ["h2"]


def test_ja3s_and_ja4s(world):
    e = tls_of(world["run"], "c2.example")
    s, h = world["ja3s"]
    assert e["tls"]["ja3s"] == {"hash": h, "string": s}
    assert s == "771,49199,65281-16"
    import hashlib
    want = "t1202h2_c02f_" + hashlib.sha256(b"ff01,0010").hexdigest()[:12]
    assert e["metadata"]["flowvars"] == [{"key": "ja4s", "value": want}]


def test_tls13_has_no_certificate(world):
    t = tls_of(world["run"], "tls13.example")["tls"]
    assert t["version"] == "TLS 1.3"
    assert "ja3s" in t and "subject" not in t and "fingerprint" not in t


def test_indicators_of_the_new_types_alert(world):
    run = world["run"]
    fp = run.alerts_on("tls.fingerprint")
    # Written from the packet that carried the certificate: server to client.
    got = sorted((a["alert"]["metadata"]["indicator_type"][0], a["src_ip"], a["direction"])
                 for a in fp)
    assert got == [("cert_sha1", "192.0.2.44", "to_client"), ("cert_sha1", "192.0.2.45", "to_client")]
    stix = [a for a in fp if a["src_ip"] == "192.0.2.45"][0]
    assert stix["alert"]["metadata"]["stix_id"] == ["indicator--0d5a2f3e-0000-4000-8000-000000000001"]
    assert stix["tls"]["fingerprint"].replace(":", "") == world["other_fp"]
    j = run.alerts_on("tls.ja3s.hash")
    assert [a["alert"]["metadata"]["indicator"][0] for a in j] == [world["ja3s"][1]]
    assert j[0]["alert"]["metadata"]["indicator_type"] == ["ja3s"]
    assert run.stats["app_layer"]["tls_certificates"] == 2
    assert run.stats["app_layer"]["tls_server_hellos"] == 3


# A public CA's certificate, and one with RSA-PSS parameters (the capture
# of CVE-2015-3194); the suricata-verify captures are also checked by the
# conformance runner against Suricata's own values.
SHARED_TLS = ("sv__bug-2646-01", "zeek__tls--CVE-2015-3194")


def test_shared_captures_agree_with_tshark_and_openssl(tmp_path):
    """The leaf certificate tshark finds in each shared capture, read by
    the openssl command, gives the subject, issuer, serial, dates and SHA-1
    fingerprint yagura writes for that server."""
    import shutil
    from conftest import SHARED_DATA
    pcaps = [SHARED_DATA / "pcap" / f"{n}.pcap" for n in SHARED_TLS]
    if not shutil.which("tshark") or not all(p.is_file() for p in pcaps):
        pytest.skip("tshark or the shared captures are absent")
    checked = 0
    for pcap in pcaps:
        out = subprocess.run(["tshark", "-r", str(pcap), "-Y", "tls.handshake.type == 11", "-T",
                              "fields", "-E", "occurrence=f", "-e", "tcp.srcport", "-e",
                              "tls.handshake.certificate"], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        leaf = {}
        for row in out.splitlines():
            port, hexder = row.split("\t")
            leaf.setdefault(int(port), bytes.fromhex(hexder.replace(":", "")))
        eve = tmp_path / f"{pcap.stem}.json"
        proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                               "--eve-types", "tls"], capture_output=True, text=True, timeout=120)
        run = SensorRun(proc, eve)
        assert run.rc == 0, run.stderr
        tls = [e for e in run.of("tls") if "fingerprint" in e["tls"]]
        assert tls, f"{pcap.name}: no certificate logged"
        for e in tls:
            der = leaf[e["dest_port"]]
            crt = tmp_path / "leaf.pem"
            crt.write_bytes(openssl("x509", "-inform", "DER", input=der))
            want = x509_says(crt)
            got = {k: e["tls"][k] for k in want}
            assert got == want, pcap.name
            checked += 1
    assert checked == len(pcaps)
