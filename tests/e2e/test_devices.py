"""Passive device inventory end to end: one generated capture with a
device of each class (and the clues that make it so), a run of
`yagura sensor --devices --ics-net`, then `yagura devices`. Asserts each
device's class, host name and its source, addresses (IPv6 SLAAC and
privacy addresses tied to one MAC, a router's forwarded addresses not),
the alerts (printer and controller talking to the internet; a smartphone
on the ICS network), and that every device event validates against the
repository's schema."""
import ipaddress
import json
import subprocess

import pytest

import eveschema
import pcapgen as g
from conftest import yagura_bin

T0 = g.DEFAULT_START
ROUTER_MAC = "00:00:5e:00:01:01"   # IANA VRRP: the gateway
ICS_NET = "10.20.0.0/16"

PRINTER = ("00:1b:a9:00:00:01", "10.1.0.20")        # Brother OUI
PRN_DHCP = ("00:11:22:00:00:0a", "10.1.0.21")       # known by its DHCP fingerprint alone
HP_JETDIRECT_PRL = [1, 3, 44, 6, 7, 12, 15, 22, 54, 58, 59, 69, 18, 144]
PLC = ("00:0e:8c:00:00:02", "10.20.0.10")           # Siemens OUI
HMI = ("00:11:22:00:00:09", "10.20.0.50")
CAMERA = ("00:40:8c:00:00:03", "10.1.0.30")         # Axis OUI
PHONE = ("3c:22:fb:00:00:04", "10.20.0.77")         # on the ICS network
SERVER = ("00:50:56:00:00:05", "10.1.0.5")
WORKSTATION = ("00:25:b3:00:00:06", "10.1.0.40")
V6_MAC = "00:25:b3:00:00:07"
NOBODY = ("00:25:b3:00:00:08", "10.1.0.50")
INTERNET = "198.51.100.80"


def tcp(client, server, cport, sport, start, payload=b"", reply=b""):
    (cm, ca), (sm, sa) = client, server
    return g.tcp_session((ca, cport), (sa, sport), payload, reply, start=start, client_mac=cm,
                         server_mac=sm)


def build():
    fr = []
    t = T0
    # Printer: DHCP with host name and vendor class, mDNS _ipp._tcp, serves 9100,
    # then connects to the internet (through the router).
    fr.append((t, g.dhcp_request_frame(PRINTER[0], hostname="BRN001BA9000001",
                                       vendor_class="Brother NC-8300h", prl=[1, 3, 6],
                                       requested=PRINTER[1])))
    fr.append((t + 1, g.mdns_frame(PRINTER[0], PRINTER[1], "office-mfp", ["_ipp._tcp"])))
    fr += tcp(WORKSTATION, PRINTER, 50000, 9100, t + 2, b"%!PS\n")
    fr += tcp((PRINTER[0], PRINTER[1]), (ROUTER_MAC, INTERNET), 50001, 443, t + 3, b"\x16\x03\x01")
    # PLC: serves Modbus/TCP 502 to the HMI, and talks to the internet.
    fr += tcp(HMI, PLC, 50002, 502, t + 4, b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01")
    fr += tcp((PLC[0], PLC[1]), (ROUTER_MAC, INTERNET), 50003, 80, t + 5,
              g.http_request(host="update.example"))
    # Camera: serves RTSP.
    fr += tcp(WORKSTATION, CAMERA, 50004, 554, t + 6, b"OPTIONS rtsp://cam/ RTSP/1.0\r\n\r\n")
    # Smartphone on the ICS network: an iPhone user agent.
    fr += tcp(PHONE, (ROUTER_MAC, INTERNET), 50005, 80, t + 7,
              g.http_request(host="www.example.com",
                             user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"))
    # Server: SMTP and DNS to clients.
    fr += tcp(WORKSTATION, SERVER, 50006, 25, t + 8, b"EHLO x\r\n", b"220 mail\r\n")
    fr += g.udp_exchange((WORKSTATION[1], 50007), (SERVER[1], 53),
                         [(True, g.dns_query("srv.example")),
                          (False, g.dns_response("srv.example", [("A", "10.1.0.5")]))],
                         start=t + 9, client_mac=WORKSTATION[0], server_mac=SERVER[0])
    # Workstation: Windows DHCP, a desktop browser, a NetBIOS registration.
    fr.append((t + 10, g.dhcp_request_frame(WORKSTATION[0], hostname="DESKTOP-7Q2", vendor_class="MSFT 5.0",
                                            requested=WORKSTATION[1])))
    fr += tcp(WORKSTATION, (ROUTER_MAC, INTERNET), 50008, 80, t + 11,
              g.http_request(host="www.example.com",
                             user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/120.0"))
    nb = g.udp_packet(NOBODY[1], "10.1.0.255", 137, 137, g.nbns_registration("FILEBOX", NOBODY[1]))
    fr.append((t + 12, g.ether(nb, src=NOBODY[0], dst="ff:ff:ff:ff:ff:ff")))
    # A DNS PTR answer names the camera.
    fr += g.udp_exchange((WORKSTATION[1], 50009), (SERVER[1], 53),
                         [(True, g.dns_query("30.0.1.10.in-addr.arpa", qtype="PTR")),
                          (False, g.dns_response("30.0.1.10.in-addr.arpa", [("PTR", "cam1.corp.example")],
                                                 qtype="PTR"))],
                         start=t + 13, client_mac=WORKSTATION[0], server_mac=SERVER[0])
    # IPv6: a SLAAC address (EUI-64 of V6_MAC) and a privacy address in its /64.
    slaac = "2001:db8:5::225:b3ff:fe00:7"
    priv = "2001:db8:5::5a11:9327:4402:9ce1"
    for i, src in enumerate((slaac, priv)):
        fr += g.udp_exchange((src, 40100 + i), ("2001:db8:5::53", 53), [(True, g.dns_query(f"v6-{i}.example"))],
                             start=t + 14 + i, client_mac=V6_MAC, server_mac=SERVER[0])
    # A printer that says nothing of itself but asks for its DHCP options
    # in the order HP's JetDirect does (no vendor class, no host name).
    fr.append((t + 16, g.dhcp_request_frame(PRN_DHCP[0], prl=HP_JETDIRECT_PRL, requested=PRN_DHCP[1])))
    # The router answering from the internet: none of its forwarded addresses are its own.
    return fr, slaac, priv


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("devices")
    frames, slaac, priv = build()
    pcap = tmp / "devices.pcap"
    g.write_pcap(str(pcap), frames)
    eve = tmp / "eve.json"
    yagura = yagura_bin()
    # Two workers: the flow that tells a printer (it serves 9100) and its
    # flow to the internet go to different workers, read in no common
    # order; the alert must come on that first internet flow all the same.
    proc = subprocess.run([yagura, "sensor", "-r", str(pcap), "--eve", str(eve), "--ics-net", ICS_NET,
                           "--workers", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Sanitizer" not in proc.stderr, proc.stderr
    events = [json.loads(line) for line in eve.read_text().splitlines()]
    out = subprocess.run([yagura, "devices", "--eve", str(eve), "--json"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    inv = {d["id"]: d for d in json.loads(out.stdout)}
    table = subprocess.run([yagura, "devices", "--eve", str(eve)], capture_output=True, text=True, timeout=60)
    assert table.returncode == 0
    return events, inv, table.stdout, slaac, priv


def dev(inv, mac):
    return inv[f"mac:{mac}"]


@pytest.mark.parametrize("who,cls", [(PRINTER, "printer/MFP"), (PRN_DHCP, "printer/MFP"),
                                     (PLC, "controller/PLC"),
                                     (CAMERA, "camera"), (PHONE, "smartphone"), (SERVER, "server"),
                                     (WORKSTATION, "workstation"), (NOBODY, "unknown")])
def test_class_of_each_device(run, who, cls):
    _, inv, table, _, _ = run
    d = dev(inv, who[0])
    assert d["class"] == cls, d
    assert who[1] in d["ipv4"]
    line = [ln for ln in table.splitlines() if ln.startswith(f"mac:{who[0]}")]
    assert len(line) == 1 and cls in line[0]


def test_names_and_sources(run):
    _, inv, _, _, _ = run
    p = dev(inv, PRINTER[0])
    assert (p["hostname"], p["hostname_source"]) == ("BRN001BA9000001", "dhcp")  # DHCP outranks mDNS
    assert p["mdns_services"] == ["_ipp._tcp.local"]
    assert 9100 in p["served_ports"]
    assert p.get("vendor", "").lower().startswith("brother") or "vendor" not in p
    w = dev(inv, WORKSTATION[0])
    assert (w["hostname"], w["os"]) == ("DESKTOP-7Q2", "MSFT 5.0")
    assert any("Windows NT" in u for u in w["user_agents"])
    nb = dev(inv, NOBODY[0])
    assert (nb["hostname"], nb["hostname_source"]) == ("FILEBOX", "netbios")
    cam = dev(inv, CAMERA[0])
    assert (cam["hostname"], cam["hostname_source"]) == ("cam1.corp.example", "dns-ptr")


def test_dhcp_fingerprint_names_the_class(run):
    _, inv, _, _, _ = run
    p = dev(inv, PRN_DHCP[0])
    assert p["dhcp_prl"] == ",".join(str(o) for o in HP_JETDIRECT_PRL)
    assert "os" not in p and "hostname" not in p  # the vendor said nothing
    assert p["class_evidence"] == "dhcp fingerprint hp jetdirect"


def test_ipv6_addresses_tied_to_the_mac(run):
    _, inv, _, slaac, priv = run
    d = dev(inv, V6_MAC)
    assert sorted(ipaddress.ip_address(a) for a in d["ipv6"]) == sorted(
        ipaddress.ip_address(a) for a in (slaac, priv))
    assert f"mac:{ROUTER_MAC}" not in inv  # forwarded internet addresses are not a device's


def test_alerts(run):
    events, _, _, _, _ = run
    alerts = [e for e in events if e["event_type"] == "alert"]
    net = sorted((a["alert"]["metadata"]["device_class"][0], a["src_ip"], a["dest_ip"], a["dest_port"])
                 for a in alerts if a["alert"]["signature_id"] == 9100001)
    # Each on the device's first (and only) flow to the internet.
    assert net == [("controller/PLC", PLC[1], INTERNET, 80), ("printer/MFP", PRINTER[1], INTERNET, 443)]
    ics = [a for a in alerts if a["alert"]["signature_id"] == 9100002]
    assert len(ics) == 1
    assert ics[0]["alert"]["metadata"]["device_id"] == [f"mac:{PHONE[0]}"]
    assert "smartphone" in ics[0]["alert"]["signature"]


def test_device_events(run):
    events, inv, _, _, _ = run
    devs = [e for e in events if e["event_type"] == "device"]
    news = [e for e in devs if e["reason"] == "new"]
    assert len(news) == len(inv) == 10
    assert {e["device"]["id"] for e in news} == set(inv)
    # A class is announced by the event that set it: "new" when the first
    # sighting already told (a served port), else "class_change".
    classed = {e["device"]["id"] for e in devs if e["device"]["class"] != "unknown"
               and (e["reason"] == "class_change" or e["reason"] == "new")}
    assert classed == {d["id"] for d in inv.values() if d["class"] != "unknown"}
    for e in devs:
        if e["reason"] == "class_change":
            assert e["previous_class"] != e["device"]["class"]
    if eveschema.available():
        for e in devs:
            assert eveschema.yagura_errors(e) == [], e
        for e in events:
            assert eveschema.errors(e) == [], e


def test_devices_off_by_default(tmp_path):
    frames, _, _ = build()
    pcap = tmp_path / "d.pcap"
    g.write_pcap(str(pcap), frames[:3])
    eve = tmp_path / "eve.json"
    subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q"], check=True,
                   capture_output=True, timeout=120)
    assert not [ln for ln in eve.read_text().splitlines() if '"event_type":"device"' in ln]
