#!/usr/bin/python3
"""Writes the seed corpus of fuzz_dhcp: DHCP messages made here from
scratch (tests/e2e/pcapgen.py's builder) and NetBIOS names.
Run from the source root: python3 fuzz/seeds/dhcp.py"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import pcapgen as g  # noqa: E402

OUT = os.path.join(HERE, "..", "corpus", "dhcp")

SEEDS = {
    "request_printer": g.dhcp_message(1, "00:1b:a9:00:00:01", g.DHCP_REQUEST, hostname="BRN001BA9",
                                      vendor_class="HP LaserJet", prl=[1, 3, 6, 15],
                                      requested="10.1.0.20"),
    "discover_android": g.dhcp_message(1, "02:aa:bb:cc:dd:ee", g.DHCP_DISCOVER,
                                       vendor_class="android-dhcp-13", prl=[1, 3, 6, 15, 26, 28, 51, 58, 59, 43],
                                       hostname="Galaxy-S23"),
    "request_fqdn": g.dhcp_message(1, "00:11:22:33:44:55", g.DHCP_REQUEST, ciaddr="10.0.0.9",
                                   vendor_class="MSFT 5.0", fqdn="desktop-42.corp.example"),
    "ack": g.dhcp_message(2, "00:11:22:33:44:55", g.DHCP_ACK, yiaddr="10.0.0.9"),
    "nbns_name": g.nbns_name("DESKTOP-ABC").encode() + b".corp",
    "nbns_server": g.nbns_name("FILESRV", 0x20).encode(),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
