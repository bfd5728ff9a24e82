"""Indicators inside every tunnel the decoder follows fire, and EVE names
the tunnel: Suricata's `tunnel` object (outer addresses, ports, protocol,
depth), the kind and identifier under `metadata`, and the outer flow
logged beside the inner one. One generated capture holds every tunnel, so
the sensor runs once for the module."""
import ipaddress
import json
import shutil
import subprocess

import pytest

import eveschema
import pcapgen as g
from conftest import SHARED_DATA, yagura_bin

T0 = g.DEFAULT_START
OUT4 = ("192.0.2.10", "192.0.2.20")
OUT6 = ("2001:db8:ffff::10", "2001:db8:ffff::20")
BAD_IP = "203.0.113.66"


def inner_query(name, sport, v6=False):
    """A DNS query for name, IPv4 10.0.0.x or IPv6 inside; each tunnel's
    from a port of its own, so that each is a flow of its own."""
    src, dst = ("2001:db8:1::5", "2001:db8:1::53") if v6 else ("10.0.0.5", "10.0.0.53")
    return g.udp_packet(src, dst, sport, 53, g.dns_query(name))


def inner_syn(sport, dst=BAD_IP):
    return g.tcp_packet("10.0.0.5", dst, sport, 443, flags="S")


# kind -> (tunnel.type, outer proto in EVE, flowints key and value or None, builder)
CASES = {
    "gre": ("gre", "GRE", ("gre.key", 77),
            lambda inner: g.gre(*OUT4, inner, key=77, seq=3)),
    "gre6": ("gre", "GRE", None, lambda inner: g.gre(*OUT6, inner, csum=True)),
    "gre-eth": ("gre", "GRE", None,
                lambda inner: g.gre(*OUT4, g.ether(inner), proto=g.GRE_TEB)),
    "erspan1": ("erspan", "GRE", None, lambda inner: g.erspan(*OUT4, g.ether(inner), version=1)),
    "erspan2": ("erspan", "GRE", ("erspan.session_id", 100),
                lambda inner: g.erspan(*OUT4, g.ether(inner), version=2, session=100)),
    "erspan3": ("erspan", "GRE", ("erspan.session_id", 200),
                lambda inner: g.erspan(*OUT4, g.ether(inner), version=3, session=200,
                                       platform=True)),
    "gtpu": ("gtp-u", "UDP", ("gtp.teid", 0x1234ABCD),
             lambda inner: g.gtpu(*OUT4, inner, teid=0x1234ABCD, ext=[(0x85, b"\x00\x09")])),
    "geneve": ("geneve", "UDP", ("geneve.vni", 4242),
               lambda inner: g.geneve(*OUT4, g.ether(inner), vni=4242,
                                      options=[(0x0103, 0x80, b"\x01\x02\x03\x04")])),
    "vxlan": ("vxlan", "UDP", ("vxlan.vni", 99), lambda inner: g.vxlan(*OUT4, g.ether(inner), vni=99)),
    "ipip4in4": ("ipip", "IP-ENCAP", None, lambda inner: g.ipip(*OUT4, inner)),
    "ipip4in6": ("ipip", "IP-ENCAP", None, lambda inner: g.ipip(*OUT6, inner)),
    "ipip6in6": ("ipip", "IPv6", None, lambda inner: g.ipip(*OUT6, inner)),
}


FP_NAME = "fabricpath.tunnel-test.example"
FP_HOST_MAC = "00:25:b3:00:00:42"


def name_of(kind):
    return f"{kind}.tunnel-test.example"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    yagura = yagura_bin()
    tmp = tmp_path_factory.mktemp("tunnels")
    frames = []
    t = T0
    for i, (kind, (_, _, _, build)) in enumerate(CASES.items()):
        inner = inner_query(name_of(kind), 40000 + i, v6=kind == "ipip6in6")
        frames.append((t, g.link(build(inner))))
        t += 1
    # One TCP SYN to the bad address inside GTP-U and inside GRE.
    frames.append((t, g.link(CASES["gtpu"][3](inner_syn(41000)))))
    frames.append((t + 1, g.link(CASES["gre"][3](inner_syn(41001)))))
    # An ICMP port unreachable quoting a datagram to the bad address.
    # GRE whose inner IPv4 header is cut: one flow (the outer), no tunnel object.
    cut = g.udp_packet("10.0.0.5", "10.0.0.53", 40999, 53, g.dns_query("cut.example"))[:12]
    frames.append((t + 1.5, g.link(g.gre("192.0.2.30", "192.0.2.40", cut))))
    quoted = g.udp_packet("10.0.0.5", BAD_IP, 40001, 53, g.dns_query("quoted.example"))
    frames.append((t + 2, g.link(g.icmp_error("10.0.0.1", "10.0.0.5", quoted))))
    # A host's frame across a FabricPath core (16-octet outer header).
    fp_inner = g.ether(inner_query(FP_NAME, 40500), src=FP_HOST_MAC, dst="00:00:5e:00:01:01")
    frames.append((t + 2.5, g.fabricpath(fp_inner)))
    pcap = tmp / "tunnels.pcap"
    g.write_pcap(str(pcap), frames)
    intel = tmp / "intel.txt"
    intel.write_text("".join(name_of(k) + "\n" for k in CASES) + BAD_IP + "\n" + FP_NAME + "\n")
    eve = tmp / "eve.json"
    proc = subprocess.run([yagura, "sensor", "-r", str(pcap), "--intel", str(intel), "--eve", str(eve),
                           "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Sanitizer" not in proc.stderr, proc.stderr
    events = [json.loads(line) for line in eve.read_text().splitlines()]
    return pcap, events


def alerts_on(events, value):
    return [e for e in events if e["event_type"] == "alert"
            and e["alert"]["metadata"]["matched_value"] == [value]]


@pytest.mark.parametrize("kind", list(CASES))
def test_indicator_inside_tunnel_alerts_and_names_it(run, kind):
    _, events = run
    ttype, oproto, ident, _ = CASES[kind]
    hits = alerts_on(events, name_of(kind))
    assert len(hits) == 1, kind
    a = hits[0]
    outer = OUT6 if kind in ("gre6", "ipip4in6", "ipip6in6") else OUT4
    tun = a["tunnel"]
    assert (tun["src_ip"], tun["dest_ip"]) == (
        tuple(eve_addr(x) for x in outer))
    assert tun["proto"] == oproto
    assert tun["depth"] == 1
    if oproto == "UDP":
        assert "src_port" in tun and tun["dest_port"] in (2152, 6081, 4789)
    assert a["metadata"]["flowvars"] == [{"tunnel.type": ttype}]
    if ident:
        assert a["metadata"]["flowints"] == {ident[0]: ident[1]}
    else:
        assert "flowints" not in a["metadata"]
    assert a["src_ip"] in ("10.0.0.5", "2001:0db8:0001:0000:0000:0000:0000:0005")
    assert a["pkt_src"] != "wire/pcap"
    # The dns event of the inner flow carries the same tunnel object.
    dns = [e for e in events if e["event_type"] == "dns" and e["flow_id"] == a["flow_id"]]
    assert dns and dns[0]["tunnel"] == tun


def test_indicator_inside_fabricpath_alerts(run):
    """Cisco FabricPath is a link-layer header (like a VLAN tag, as Suricata
    decodes it): the inner frame's flow alerts, with no tunnel object."""
    _, events = run
    hits = alerts_on(events, FP_NAME)
    assert len(hits) == 1
    a = hits[0]
    assert (a["src_ip"], a["dest_ip"], a["dest_port"]) == ("10.0.0.5", "10.0.0.53", 53)
    assert "tunnel" not in a
    dns = [e for e in events if e["event_type"] == "dns" and e["flow_id"] == a["flow_id"]]
    assert dns and dns[0]["dns"]["queries"][0]["rrname"] == FP_NAME


def eve_addr(a):
    """Suricata's form of an address: IPv6 written out in full."""
    return ipaddress.ip_address(a).exploded


def test_ip_indicator_inside_gtp_and_gre(run):
    _, events = run
    hits = alerts_on(events, BAD_IP)
    by_type = {a["metadata"]["flowvars"][0]["tunnel.type"]: a for a in hits if "metadata" in a}
    assert set(by_type) == {"gtp-u", "gre"}
    assert by_type["gtp-u"]["metadata"]["flowints"] == {"gtp.teid": 0x1234ABCD}
    assert by_type["gtp-u"]["dest_port"] == 443 and by_type["gtp-u"]["proto"] == "TCP"


def test_icmp_error_quote_alerts_without_a_flow_of_its_own(run):
    _, events = run
    hits = [a for a in alerts_on(events, BAD_IP)
            if a["alert"]["metadata"]["matched_on"] == ["icmp.quote.dest_ip"]]
    assert len(hits) == 1
    a = hits[0]
    assert (a["src_ip"], a["dest_ip"], a["proto"]) == ("10.0.0.1", "10.0.0.5", "ICMP")
    # The quoted datagram is not a flow: no flow and no dns event names it.
    assert not [e for e in events if e.get("dest_ip") == BAD_IP and e["event_type"] in ("flow", "dns")
                and "tunnel" not in e]


def test_outer_flows_are_logged(run):
    _, events = run
    flows = [e for e in events if e["event_type"] == "flow"]
    outer = [e for e in flows if "tunnel" not in e and e["src_ip"] in (OUT4[0], eve_addr(OUT6[0]))]
    protos = sorted({e["proto"] for e in outer})
    assert protos == ["GRE", "IP-ENCAP", "IPv6", "UDP"]
    cut = [e for e in flows if e["src_ip"] == "192.0.2.30"]
    assert len(cut) == 1 and cut[0]["proto"] == "GRE" and "tunnel" not in cut[0]
    assert cut[0]["flow"]["pkts_toserver"] == 1
    inner = [e for e in flows if "tunnel" in e]
    # every tunnelled query, and the two SYNs
    assert len(inner) == len(CASES) + 2
    for e in inner:
        assert e["flow"]["pkts_toserver"] == 1


def test_events_validate_against_the_schema(run):
    _, events = run
    if not eveschema.available():
        pytest.skip("Suricata's EVE schema or python3-jsonschema is missing")
    for e in events:
        assert eveschema.errors(e) == [], e


# --------------------------------------------------------------------------
# Public captures: inner DNS names agree with tshark's
# --------------------------------------------------------------------------

TSHARK = shutil.which("tshark")
PCAPS = SHARED_DATA / "pcap"
PATTERNS = ("*gtp*", "*erspan*", "*gre*", "*geneve*", "*ipip*", "*vxlan*", "*6in4*")


def shared_tunnel_pcaps():
    if not PCAPS.is_dir():
        return []
    out = set()
    for pat in PATTERNS:
        out |= {p for p in PCAPS.glob(pat) if p.suffix in (".pcap", ".pcapng")}
    return sorted(out)


def test_shared_tunnel_captures_cover_every_kind():
    have = " ".join(p.name.lower() for p in shared_tunnel_pcaps())
    missing = [k for k in ("gtp", "erspan", "gre", "geneve", "ipip") if k not in have]
    if missing:
        pytest.skip(f"no shared capture in {PCAPS} for: {', '.join(missing)} "
                    "(generated captures above cover them)")


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (scripts/setup.sh)")
@pytest.mark.parametrize("pcap", shared_tunnel_pcaps(), ids=lambda p: p.name)
def test_shared_capture_inner_dns_names_match_tshark(yagura, tmp_path, pcap):
    out = subprocess.run([TSHARK, "-n", "-r", str(pcap), "-Y", "dns.flags.response == 0", "-T",
                          "fields", "-e", "dns.qry.name"], capture_output=True, text=True,
                         timeout=120).stdout
    want = sorted(n.lower() for n in out.split() if n)
    eve = tmp_path / "eve.json"
    proc = subprocess.run([yagura, "sensor", "-r", str(pcap), "--eve", str(eve), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in eve.read_text().splitlines()]
    got = sorted(q["rrname"].lower() for e in events if e["event_type"] == "dns"
                 and e["dns"]["type"] == "request" for q in e["dns"].get("queries", []))
    assert got == want
    # Each name that came through a tunnel is logged with the tunnel; an
    # indicator on it fires.
    names = sorted({n for n in want})
    if names:
        intel = tmp_path / "intel.txt"
        intel.write_text(names[0] + "\n")
        subprocess.run([yagura, "sensor", "-r", str(pcap), "--eve", str(eve), "--intel", str(intel),
                        "-q"], capture_output=True, text=True, timeout=300, check=True)
        events = [json.loads(line) for line in eve.read_text().splitlines()]
        assert [e for e in events if e["event_type"] == "alert"]
