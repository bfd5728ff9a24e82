"""An ICMP destination unreachable that quotes a whole TCP or UDP header
counts in the flow it quotes, as Suricata counts it (the sv__smtp-eve
check of test_eve_conformance.py): no ICMP flow of its own, one packet
more to the client, at one worker and at two."""
import json
import subprocess

import pytest

import pcapgen as g
from conftest import yagura_bin

T0 = g.DEFAULT_START
CLIENT, SERVER, ROUTER = ("10.1.0.5", 40100), ("192.0.2.25", 25), "10.1.0.1"


def capture(path):
    frames = g.tcp_session(CLIENT, SERVER, client_payload=b"x" * 4000, server_payload=b"220 ok\r\n",
                           start=T0, close=None)
    # A segment the client sent, answered by a router with "fragmentation
    # needed": the whole TCP header quoted (RFC 1812), then the RFC 792
    # minimum of 8 octets, which is not enough to name the flow.
    seg = g.tcp_packet(CLIENT[0], SERVER[0], CLIENT[1], SERVER[1], seq=1, ack=1, flags="PA",
                       payload=b"x" * 1400)
    t = frames[-1][0]
    frames.append((t + 0.01, g.link(g.icmp_error(ROUTER, CLIENT[0], seg, code=4, quote_len=48))))
    frames.append((t + 0.02, g.link(g.icmp_error(ROUTER, CLIENT[0], seg, code=4))))
    # One quoting a datagram no flow holds: an ICMP flow as before.
    dgram = g.udp_packet(CLIENT[0], "198.51.100.9", 40200, 53, b"q" * 12)
    frames.append((t + 0.03, g.link(g.icmp_error(ROUTER, CLIENT[0], dgram))))
    g.write_pcap(str(path), frames)
    server = bytes(int(x) for x in SERVER[0].split("."))
    to_client = sum(1 for _, fr in frames[:-3] if fr[26:30] == server)
    return len(frames) - 3, to_client


@pytest.mark.parametrize("workers", [1, 2])
def test_icmp_error_counts_in_quoted_flow(tmp_path, workers):
    pcap = tmp_path / "icmp.pcap"
    tcp_packets, to_client = capture(pcap)
    eve = tmp_path / "eve.json"
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", str(workers)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Sanitizer" not in proc.stderr, proc.stderr
    flows = [e for e in map(json.loads, eve.read_text().splitlines()) if e["event_type"] == "flow"]
    tcp = [f for f in flows if f["proto"] == "TCP"]
    icmp = [f for f in flows if f["proto"] == "ICMP"]
    assert len(tcp) == 1, flows
    f = tcp[0]["flow"]
    # One more to the client: the error that quotes the whole header.
    assert f["pkts_toclient"] == to_client + 1
    assert f["pkts_toserver"] == tcp_packets - to_client
    # The short quote and the unknown datagram go their own way: ICMP
    # between the router and the client (one flow at one worker; at two,
    # the second goes to the worker its quote names, as in Suricata's
    # file mode, so it may start a flow of its own there).
    assert icmp and {e["src_ip"] for e in icmp} == {ROUTER}, icmp
    assert sum(e["flow"]["pkts_toserver"] + e["flow"]["pkts_toclient"] for e in icmp) == 2
    if workers == 1:
        assert len(icmp) == 1, icmp
