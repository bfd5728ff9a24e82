#!/usr/bin/python3
"""Writes the seed corpora of fuzz_modbus, fuzz_dnp3, fuzz_iec104,
fuzz_s7comm and fuzz_ics_policy, from the builders of tests/e2e/icsgen.py
(messages made from scratch, the ones the e2e tests send).

Run from anywhere: python3 fuzz/seeds/ics.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "corpus")
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))

import icsgen as g  # noqa: E402


def write(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    # Modbus: first byte 0 = requests, 1 = responses.
    reqs = [g.mb_read(3, 40, 4), g.mb_write_single(5, 7, 0xFF00), g.mb_write_multi_regs(50, [1, 2, 3]),
            g.mb_write_multi_coils(20, [1, 0, 1]), g.mb_diag(4), g.mb_devid(1, 0), g.mb_umas(0x30),
            bytes([17]), bytes([22, 0, 1, 0xff, 0, 0, 1]),
            struct.pack(">BHHHHB", 23, 0, 2, 10, 1, 2) + b"\x00\x07"]
    write("modbus", "requests", b"\x00" + b"".join(g.modbus(i, 1, p) for i, p in enumerate(reqs)))
    resps = [g.mb_read_resp(3, b"\x00\x01\x00\x02"), g.mb_exception(3, 2), g.mb_devid_resp(),
             struct.pack(">BHH", 16, 50, 3), g.mb_diag(0, 0xA537)]
    write("modbus", "responses", b"\x01" + b"".join(g.modbus(i, 1, p) for i, p in enumerate(resps)))
    # DNP3: link frames (good and bad CRC), a fragment in three segments.
    frames = b""
    for fc, _, objs in g.DNP3_FUNCS:
        frames += g.dnp3_frames(g.dnp3_req(fc, objs), 10, 1)
    write("dnp3", "requests", frames)
    write("dnp3", "responses", g.dnp3_frames(g.dnp3_resp(g.dnp3_obj_range8(30, 2, 0, 3, bytes(12)),
                                                         iin=0x8000), 1, 10, False) +
          g.dnp3_frames(g.dnp3_resp(fc=130, uns=True), 1, 10, False))
    big = g.dnp3_req(2, bytes([70, 5, 0x5B, 1]) + struct.pack("<H", 408) + bytes(408))
    write("dnp3", "segmented", g.dnp3_frames(big, 10, 1, seg=150))
    write("dnp3", "bad_crc", g.dnp3_frames(g.dnp3_req(1, g.dnp3_obj_all(60, 1)), 10, 1, bad_crc=True))
    write("dnp3", "app_only", g.dnp3_req(5, g.dnp3_obj_count8_index8(12, 1, [(3, g.crob())])))
    # Points of every kind of layout: packed bits, flags, counters, analogs
    # (integer and float, with time), an analog output block, time, and
    # index prefixes of 1 and 2 octets.
    pts = (g.dnp3_obj_range8(1, 1, 0, 9, b"\x55\x02") + g.dnp3_obj_range8(1, 2, 0, 1, b"\x81\x01") +
           g.dnp3_obj_range8(3, 1, 0, 3, b"\xe4") + g.dnp3_obj_range8(20, 1, 0, 0, b"\x01" + struct.pack("<I", 7)) +
           g.dnp3_obj_range8(30, 5, 0, 0, b"\x01" + struct.pack("<f", 1.5)) +
           bytes([32, 7, 0x28, 1, 0, 2, 0]) + b"\x01" + struct.pack("<f", -2.25) + bytes(6) +
           g.dnp3_obj_count8_index8(2, 2, [(4, b"\x81" + struct.pack("<Q", 1324332393859)[:6])]))
    write("dnp3", "points", g.dnp3_frames(g.dnp3_resp(pts), 1, 10, False))
    cmds = (g.dnp3_obj_count8_index8(41, 2, [(1, struct.pack("<hB", -300, 0))]) +
            g.dnp3_obj_count8_index8(12, 1, [(0, g.crob(0x41, 2, 500, 250))]) +
            bytes([50, 1, 0x07, 1]) + struct.pack("<Q", 1324332393859)[:6] +
            g.dnp3_obj_range8(80, 1, 7, 7, b"\x00"))
    write("dnp3", "commands", g.dnp3_req(5, cmds))
    # IEC 104.
    apdus = [g.iec104_u(0x07), g.iec104_s(3)]
    for i, (tid, _, _, elem) in enumerate(g.IEC104_CMDS):
        apdus.append(g.iec104_i(i, i, g.iec104_asdu(tid, 6, 1, 1000 + i, elem)))
    write("iec104", "session", b"".join(apdus))
    # S7comm and S7comm-plus.
    pdus = [g.s7_tpkt(g.cotp_cr())]
    for params, data, _, _ in g.S7_JOBS:
        pdus.append(g.s7_tpkt(g.COTP_DT, g.s7_job(1, params, data)))
    pdus.append(g.s7_tpkt(g.COTP_DT, g.s7_ack_data(1, bytes([4, 1]), bytes([0xff, 4, 0, 16, 1, 2]))))
    write("s7comm", "session", b"".join(pdus))
    write("s7comm", "plus", g.s7_tpkt(g.COTP_DT, g.s7plus(0x31, 0x054C)) +
          g.s7_tpkt(g.COTP_DT, g.s7plus(0x31, 0x0542, version=3)))
    # Policies.
    write("ics_policy", "good", b"# plant\nallow 10.0.0.5 10.1.0.0/16 modbus read,write\n"
          b"allow any 10.1.2.3 any read # historian\nallow 2001:db8::/32 2001:db8::1 dnp3 operate\n")
    write("ics_policy", "bad_field", b"allow 10.0.0.300 any modbus read\n")
    write("ics_policy", "bad_ops", b"allow any any s7comm read,stopp\n")


if __name__ == "__main__":
    main()
