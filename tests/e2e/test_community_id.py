"""Community ID v1 on flow, dns, http, tls and alert events, checked
against an implementation of the published algorithm written here (not
derived from the sensor's code) and against the values Suricata wrote for
the shared suricata-verify capture (sv__community-id-ipv6)."""
import base64
import hashlib
import ipaddress
import struct

import pytest

import pcapgen as g
from conftest import SHARED_DATA

T0 = 1700000000.0

# ICMP type -> counterpart type of request/reply pairs (the spec's table).
ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6_PAIRS = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130,
               144: 145, 145: 144}


def community_id(seed, src, dst, proto, sport=None, dport=None, icmp=None):
    """The spec's algorithm: SHA-1 over seed, addresses, protocol, a zero
    byte and ports, endpoints in canonical order; base64; "1:" prefix.
    icmp=(type, code) for ICMP and ICMPv6."""
    a, b = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    one_way = False
    if icmp is not None:
        pairs = ICMP6_PAIRS if proto == 58 else ICMP4_PAIRS
        sport = icmp[0]
        if icmp[0] in pairs:
            dport = pairs[icmp[0]]
        else:
            dport, one_way = icmp[1], True
    if not one_way and (a > b or (a == b and sport is not None and sport > dport)):
        a, b, sport, dport = b, a, dport, sport
    data = struct.pack(">H", seed) + a + b + bytes([proto, 0])
    if sport is not None:
        data += struct.pack(">HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def test_reference_vector():
    # The example of the specification's README.
    assert community_id(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80) == \
        "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
    assert community_id(1, "128.232.110.120", "66.35.250.204", 6, 34855, 80) == \
        "1:3V71V58M3Ksw/yuFALMcW0LAHvc="


def capture(tmp_path):
    frames = []
    # TCP with the client's address above the server's (order swaps), an
    # HTTP request on it; TLS from a low address; DNS over IPv6.
    frames += g.tcp_session(("198.51.100.7", 40000), ("10.1.1.1", 80),
                            client_payload=g.http_request(host="cid.example"), start=T0)
    frames += g.dns_lookup(("2001:db8::5", 41000), ("2001:db8::53", 53), "cid6.example",
                           [("A", "192.0.2.9")], start=T0 + 1)
    frames += g.ping_exchange("10.0.0.5", "10.0.0.1", start=T0 + 2)
    frames += g.ping_exchange("2001:db8::5", "2001:db8::1", start=T0 + 3)
    # A one-way ICMP message: destination unreachable (3), port (code 3).
    unreach = bytes([3, 3, 0, 0, 0, 0, 0, 0]) + g.udp_packet("10.0.0.1", "10.0.0.9", 5000, 53)[:28]
    frames.append((T0 + 4, g.link(g.ipv4("10.0.0.9", "10.0.0.1", 1, unreach))))
    p = tmp_path / "cid.pcap"
    g.write_pcap(str(p), frames)
    return p


def expected(e, seed):
    proto = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58}[e["proto"]]
    src = str(ipaddress.ip_address(e["src_ip"]))
    dst = str(ipaddress.ip_address(e["dest_ip"]))
    if proto in (1, 58):
        # Flow events name the flow's first sender: the echo request, the
        # unreachable.
        first = {("10.0.0.5", "10.0.0.1"): (8, 0), ("2001:db8::5", "2001:db8::1"): (128, 0),
                 ("10.0.0.9", "10.0.0.1"): (3, 3)}[(src, dst)]
        return community_id(seed, src, dst, proto, icmp=first)
    return community_id(seed, src, dst, proto, e["src_port"], e["dest_port"])


@pytest.mark.parametrize("seed", [0, 7, 65535])
def test_community_id_on_every_event(tmp_path, run_sensor, seed):
    intel = tmp_path / "intel.txt"
    intel.write_text("cid.example\ncid6.example\n")
    run = run_sensor(capture(tmp_path), intel=[intel], args=["--community-id-seed", str(seed)])
    assert run.rc == 0, run.stderr
    seen = set()
    for e in run.events:
        if e["event_type"] in ("stats", "yagura_stats"):
            assert "community_id" not in e
            continue
        assert e["community_id"] == expected(e, seed), e
        seen.add(e["event_type"])
    assert seen >= {"flow", "dns", "http", "alert"}, seen
    flows = {e["proto"] for e in run.of("flow")}
    assert flows == {"TCP", "UDP", "ICMP", "IPv6-ICMP"}
    # Both directions of a flow carry the same ID (dns request and response).
    dns = run.of("dns")
    assert len(dns) == 2 and dns[0]["community_id"] == dns[1]["community_id"]


def test_matches_suricata_on_shared_capture(run_sensor):
    yaml = pytest.importorskip("yaml", reason="python3-yaml is not installed (scripts/setup.sh)")
    test = SHARED_DATA / "pcap" / "sv__community-id-ipv6.test.yaml"
    if not test.is_file():
        pytest.skip(f"{test} is absent: no Suricata values to compare with")
    want = {}
    for c in yaml.safe_load(test.read_text())["checks"]:
        m = c["filter"]["match"]
        if "community_id" in m:
            want[(m["event_type"], m["src_port"])] = m["community_id"]
    assert want
    run = run_sensor(test.with_name("sv__community-id-ipv6.pcap"),
                     args=["--community-id-seed", "7", "--workers", "1"])
    got = {(e["event_type"], e["src_port"]): e["community_id"]
           for e in run.events if (e["event_type"], e.get("src_port")) in want}
    assert got == want
    # And the independent implementation agrees with Suricata's values.
    for e in run.events:
        if (e["event_type"], e.get("src_port")) in want:
            assert expected(e, 7) == e["community_id"]
