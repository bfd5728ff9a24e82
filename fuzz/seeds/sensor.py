#!/usr/bin/python3
"""Writes the seed corpus of fuzz_sensor: small whole captures (pcap and
pcapng) made with the project's own generator, covering each app parser,
the tunnels and the malformed files."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

OUT = os.path.join(HERE, "..", "corpus", "sensor")
T = g.DEFAULT_START


# libpcap sizes its read buffer by the file's snaplen: 262144 bytes (the
# generator's default) is a large allocation for every input the fuzzer
# derives from a seed; 4096 holds every frame here.
SNAP = 4096


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {
        "dns.pcap": g.dns_lookup(("10.0.0.5", 40000), ("10.0.0.53", 53), "a.evil.example",
                                 [("CNAME", "b.example"), ("A", "192.0.2.1")], start=T),
        "dnstcp.pcap": g.dns_tcp_lookup(("10.0.0.5", 40001), ("10.0.0.53", 53), "t.example",
                                        [("A", "192.0.2.2")], start=T, split_at=[1]),
        "http.pcap": g.tcp_session(("10.0.0.5", 40002), ("192.0.2.1", 80),
                                   client_payload=g.http_request(host="malware.example", url="/x"),
                                   split_at=[7], start=T),
        "tls.pcap": g.tcp_session(("fd00::5", 40003), ("2001:db8::1", 443),
                                  client_payload=g.tls_client_hello(sni="evil.example", alpn=["h2"], grease=True),
                                  split_at=[3, 40], start=T),
        "loop.pcap": g.udp_exchange(("10.0.0.5", 40004), ("10.0.0.53", 53),
                                    [(False, g.dns_pointer_loop())], start=T),
        # SMTP: the client's EHLO cut after "EH"; a server greeting first.
        "smtp.pcap": g.tcp_session(("10.0.0.5", 40005), ("192.0.2.25", 25),
                                   client_payload=b"EHLO client.example\r\nQUIT\r\n",
                                   server_payload=b"250 ok\r\n", split_at=[2], start=T),
        "smtp-greeting.pcap": g.tcp_session(("10.0.0.5", 40006), ("192.0.2.25", 2525),
                                            server_payload=b"220 mx.example ESMTP ready\r\n", start=T),
        "ping.pcap": g.ping_exchange("10.0.0.5", "192.0.2.1", count=2, start=T),
    }
    for name, frames in cases.items():
        g.write_pcap(os.path.join(OUT, name), frames, snaplen=SNAP)
    g.write_pcapng(os.path.join(OUT, "dns.pcapng"), cases["dns.pcap"], snaplen=SNAP)
    inner = g.udp_packet("2001:db8:1::5", "2001:db8:2::53", 44001, 53, g.dns_query("x.example"))
    g.write_pcap(os.path.join(OUT, "6in4.pcap"), [(T, g.link(g.sixin4("192.0.2.1", "198.51.100.1", inner)))],
                 snaplen=SNAP)
    g.write_pcap_truncated(os.path.join(OUT, "truncated.pcap"), cases["dns.pcap"])


if __name__ == "__main__":
    main()
