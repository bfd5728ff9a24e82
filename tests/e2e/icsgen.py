#!/usr/bin/python3
"""icsgen: industrial-control captures with known truth, built with pcapgen
(standard library only, deterministic: same arguments, same bytes).

Protocol builders (bytes of one message):
  modbus(tid, unit, pdu)             MBAP header + PDU (Modbus/TCP)
  dnp3_frames(ctrl, dst, src, app)   link frames (CRC per block) carrying one
                                     application fragment, cut into transport
                                     segments of at most `seg` bytes
  iec104_i/_s/_u                     APCI frames, iec104_asdu the ASDU
  s7_tpkt(cotp, data)                TPKT + COTP, s7_job/s7_ack_data/s7plus

Sessions: conversation(client, server, exchanges) is one TCP connection in
which each (request, response) pair follows the last, with consistent
sequence numbers; a response of b"" is none.

Scenarios (CLI):
  icsgen.py all OUT.pcap [--truth T.json]
      every function the sensor names, each protocol on its own flows:
      Modbus (reads, writes, diagnostics, device identification, an
      exception, UMAS download and stop), DNP3 over TCP (every function
      listed in issue 16, a fragment in three segments, a frame with a bad
      CRC) and over UDP, IEC 60870-5-104 (U, S and I frames: single and
      double commands, set points, interrogation, clock sync, reset
      process), S7comm (setup, read/write var, download, upload, PI start,
      PLC stop) and S7comm-plus, Modbus on port 5020 (detected, not by
      port). The truth file lists what the sensor must report.
  icsgen.py mix OUT.pcap [--flows N]
      an ICS-heavy mix for the benchmark: N flows of polling and commands
      over the four protocols.
"""
import argparse
import json
import struct
import sys

import pcapgen
from pcapgen import PROTO_TCP, _isn, _wrap, ip, tcp, tcp_options, udp_exchange, write_pcap

START = 1700000000.0

# ---------------------------------------------------------------------------
# Modbus/TCP
# ---------------------------------------------------------------------------


def modbus(tid, unit, pdu):
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def mb_read(fc, addr, qty):
    return struct.pack(">BHH", fc, addr, qty)


def mb_read_resp(fc, data):
    return struct.pack(">BB", fc, len(data)) + data


def mb_write_single(fc, addr, value):
    return struct.pack(">BHH", fc, addr, value)


def mb_write_multi_regs(addr, values):
    return struct.pack(">BHHB", 16, addr, len(values), 2 * len(values)) + \
        b"".join(struct.pack(">H", v) for v in values)


def mb_write_multi_coils(addr, bits):
    nbytes = (len(bits) + 7) // 8
    packed = bytearray(nbytes)
    for i, b in enumerate(bits):
        if b:
            packed[i // 8] |= 1 << (i % 8)
    return struct.pack(">BHHB", 15, addr, len(bits), nbytes) + bytes(packed)


def mb_diag(sub, data=0):
    return struct.pack(">BHH", 8, sub, data)


def mb_devid(code=1, obj=0):
    return struct.pack(">BBBB", 43, 14, code, obj)


def mb_devid_resp(code=1, objects=((0, b"yagura"), (1, b"PLC-1"), (2, b"V1.0"))):
    body = struct.pack(">BBBBBBB", 43, 14, code, 0x01, 0, 0, len(objects))
    for oid, val in objects:
        body += struct.pack(">BB", oid, len(val)) + val
    return body


def mb_exception(fc, code):
    return struct.pack(">BB", fc | 0x80, code)


def mb_umas(code, payload=b""):
    return struct.pack(">BBB", 90, 0x00, code) + payload


# ---------------------------------------------------------------------------
# DNP3
# ---------------------------------------------------------------------------


def _crc_dnp(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    crc = ~crc & 0xFFFF
    return struct.pack("<H", crc)


def dnp3_link(ctrl, dst, src, user_data, bad_crc=False):
    """One link frame: header with CRC, data in 16-byte blocks each with
    its CRC. bad_crc spoils the last block's CRC."""
    hdr = bytes([0x05, 0x64, 5 + len(user_data), ctrl]) + struct.pack("<HH", dst, src)
    out = hdr + _crc_dnp(hdr)
    blocks = [user_data[i:i + 16] for i in range(0, len(user_data), 16)]
    for i, blk in enumerate(blocks):
        crc = _crc_dnp(blk)
        if bad_crc and i == len(blocks) - 1:
            crc = bytes([crc[0] ^ 0xFF, crc[1]])
        out += blk + crc
    return out


def dnp3_frames(app, dst, src, master=True, seg=249, tseq=0, bad_crc=False):
    """An application fragment in link frames of at most seg bytes of
    application data each (transport header added). Returns bytes."""
    ctrl = (0x80 if master else 0x00) | 0x40 | 0x04  # DIR, PRM, unconfirmed user data
    pieces = [app[i:i + seg] for i in range(0, len(app), seg)] or [b""]
    out = b""
    for i, p in enumerate(pieces):
        th = (0x40 if i == 0 else 0) | (0x80 if i == len(pieces) - 1 else 0) | ((tseq + i) & 0x3F)
        out += dnp3_link(ctrl, dst, src, bytes([th]) + p, bad_crc=bad_crc)
    return out


def dnp3_req(fc, objects=b"", seq=0):
    return bytes([0xC0 | (seq & 0x0F), fc]) + objects


def dnp3_resp(objects=b"", seq=0, iin=0x0000, fc=129, uns=False):
    ac = 0xC0 | (0x10 if uns else 0) | (seq & 0x0F)
    return bytes([ac, fc]) + struct.pack(">H", iin) + objects


def dnp3_obj_all(group, var):
    return bytes([group, var, 0x06])


def dnp3_obj_range8(group, var, start, stop, points=b""):
    return bytes([group, var, 0x00, start, stop]) + points


def dnp3_obj_count8_index8(group, var, points):
    """Qualifier 0x17: 1-byte count, 1-byte index prefix. points: [(index, bytes)]."""
    return bytes([group, var, 0x17, len(points)]) + b"".join(bytes([i]) + v for i, v in points)


def crob(code=0x03, count=1, on=100, off=0, status=0):
    return struct.pack("<BBIIB", code, count, on, off, status)


# ---------------------------------------------------------------------------
# IEC 60870-5-104
# ---------------------------------------------------------------------------


def iec104_u(func):
    return bytes([0x68, 4, func, 0, 0, 0])


def iec104_s(nr):
    return bytes([0x68, 4, 0x01, 0]) + struct.pack("<H", nr << 1)


def iec104_asdu(type_id, cot, ca, ioa, elem=b"", count=1, originator=0, negative=False):
    cotb = cot | (0x40 if negative else 0)
    return bytes([type_id, count, cotb, originator]) + struct.pack("<H", ca) + \
        struct.pack("<I", ioa)[:3] + elem


def iec104_i(ns, nr, asdu):
    return bytes([0x68, 4 + len(asdu)]) + struct.pack("<HH", ns << 1, nr << 1) + asdu


# ---------------------------------------------------------------------------
# S7comm / S7comm-plus over TPKT + COTP
# ---------------------------------------------------------------------------


def s7_tpkt(cotp, data=b""):
    body = cotp + data
    return struct.pack(">BBH", 3, 0, 4 + len(body)) + body


def cotp_cr(src_tsap=0x0100, dst_tsap=0x0102, cc=False):
    params = bytes([0xC1, 2]) + struct.pack(">H", src_tsap) + bytes([0xC2, 2]) + \
        struct.pack(">H", dst_tsap) + bytes([0xC0, 1, 0x0A])
    body = bytes([0xD0 if cc else 0xE0]) + struct.pack(">HHB", 1 if cc else 0, 1, 0) + params
    return bytes([len(body)]) + body


COTP_DT = bytes([0x02, 0xF0, 0x80])


def s7_job(pdu_ref, params, data=b""):
    return bytes([0x32, 1]) + struct.pack(">HHHH", 0, pdu_ref, len(params), len(data)) + params + data


def s7_ack_data(pdu_ref, params, data=b"", err=(0, 0)):
    return bytes([0x32, 3]) + struct.pack(">HHHH", 0, pdu_ref, len(params), len(data)) + \
        bytes(err) + params + data


def s7_setup():
    return bytes([0xF0, 0x00]) + struct.pack(">HHH", 1, 1, 480)


def s7_var_item(area=0x84, db=1, addr=0, length=2):
    return bytes([0x12, 0x0A, 0x10, 0x02]) + struct.pack(">HH", length, db) + bytes([area]) + \
        struct.pack(">I", addr << 3)[1:]


def s7_read_var(n=1):
    return bytes([0x04, n]) + b"".join(s7_var_item(addr=i) for i in range(n))


def s7_write_var():
    return bytes([0x05, 1]) + s7_var_item(), bytes([0x00, 0x04, 0x00, 0x10, 0x12, 0x34])


def s7_download(fc):
    # Request download / download block / download ended: function and a
    # block name string ("_0A00001P" style), as Wireshark shows them.
    return bytes([fc, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09]) + b"_0800001P"


def s7_upload(fc):
    return bytes([fc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09]) + b"_0800001A"


def s7_pi(service, block=b""):
    return bytes([0x28, 0, 0, 0, 0, 0, 0, 0xFD]) + struct.pack(">H", len(block)) + block + \
        bytes([len(service)]) + service


def s7_stop():
    return bytes([0x29, 0, 0, 0, 0, 0, 0x09]) + b"P_PROGRAM"


def s7plus(opcode, function, version=1, seq=1):
    body = bytes([opcode]) + struct.pack(">HHHH", 0, function, 0, seq) + bytes(8)
    return bytes([0x72, version]) + struct.pack(">H", len(body)) + body + bytes([0x72, version, 0, 0])


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------


def conversation(client, server, exchanges, start=START, rtt=0.002, gap=0.0005, close=True):
    """One TCP connection; exchanges is [(request_bytes, response_bytes)].
    Returns [(ts, frame)]."""
    (caddr, cport), (saddr, sport) = client, server
    seq = {True: _isn(client, server, "c"), False: _isn(client, server, "s")}
    frames, t = [], [start]

    def emit(from_client, flags, payload=b"", dt=gap):
        a, b, sp, dp = (caddr, saddr, cport, sport) if from_client else (saddr, caddr, sport, cport)
        ack = seq[not from_client] if "A" in flags else 0
        opts = tcp_options(mss=1460) if "S" in flags else b""
        seg = tcp(a, b, sp, dp, seq=seq[from_client], ack=ack, flags=flags, window=64240,
                  options=opts, payload=payload)
        frames.append((t[0], _wrap(ip(a, b, PROTO_TCP, seg))))
        seq[from_client] = (seq[from_client] + len(payload) + (1 if ("S" in flags or "F" in flags) else 0)) & 0xFFFFFFFF
        t[0] += dt

    emit(True, "S", dt=rtt / 2)
    emit(False, "SA", dt=rtt / 2)
    emit(True, "A")
    for req, resp in exchanges:
        if req:
            emit(True, "PA", req, dt=rtt / 2)
        if resp:
            emit(False, "PA", resp, dt=rtt / 2)
    if close:
        emit(True, "FA")
        emit(False, "FA")
        emit(True, "A")
    return frames


# ---------------------------------------------------------------------------
# Scenario "all": every function, with the truth
# ---------------------------------------------------------------------------

ENG = "10.20.0.5"      # engineering workstation
HMI = "10.20.0.6"      # operator HMI
PLC = "10.20.1.10"     # Modbus controller
RTU = "10.20.1.20"     # DNP3 outstation
IED = "10.20.1.30"     # IEC 104 station
S7 = "10.20.1.40"      # Siemens PLC
S7P = "10.20.1.41"     # S7-1500 (S7comm-plus)


def modbus_flows(t0):
    """Returns (frames, truth). Requests as (function_raw, op)."""
    ex, truth = [], []

    def add(tid, req_pdu, resp_pdu, op, unit=1):
        ex.append((modbus(tid, unit, req_pdu), modbus(tid, unit, resp_pdu) if resp_pdu else b""))
        truth.append({"tid": tid, "function": req_pdu[0], "op": op,
                      "response": resp_pdu[0] if resp_pdu else None})

    add(1, mb_read(1, 0, 16), mb_read_resp(1, b"\x55\xaa"), "read")
    add(2, mb_read(2, 100, 8), mb_read_resp(2, b"\x0f"), "read")
    add(3, mb_read(3, 40, 4), mb_read_resp(3, b"\x00\x01\x00\x02\x00\x03\x00\x04"), "read")
    add(4, mb_read(4, 30, 2), mb_read_resp(4, b"\x01\x00\x02\x00"), "read")
    add(5, mb_write_single(5, 7, 0xFF00), mb_write_single(5, 7, 0xFF00), "write")
    add(6, mb_write_single(6, 41, 1234), mb_write_single(6, 41, 1234), "write")
    add(7, mb_write_multi_coils(20, [1, 0, 1, 1, 0, 0, 1, 0, 1]), struct.pack(">BHH", 15, 20, 9), "write")
    add(8, mb_write_multi_regs(50, [1, 2, 3]), struct.pack(">BHH", 16, 50, 3), "write")
    add(9, mb_diag(0, 0xA537), mb_diag(0, 0xA537), "read")
    add(10, mb_devid(1, 0), mb_devid_resp(), "read")
    add(11, mb_read(3, 9000, 1), mb_exception(3, 2), "read")
    add(12, bytes([17]), bytes([17, 2, 0x10, 0xFF]), "read")
    add(13, mb_diag(1, 0), mb_diag(1, 0), "restart")
    frames = conversation((HMI, 50100), (PLC, 502), ex, start=t0)
    # The engineering station: a program download and a stop over UMAS,
    # and force-listen-only (a stop too).
    ex2, truth2 = [], []
    for tid, code, op in ((20, 0x30, "download"), (21, 0x31, "download"), (22, 0x32, "download"),
                          (23, 0x41, "stop")):
        ex2.append((modbus(tid, 0, mb_umas(code)), modbus(tid, 0, bytes([90, 0x00, 0xFE]))))
        truth2.append({"tid": tid, "function": 90, "op": op, "response": 90})
    ex2.append((modbus(24, 1, mb_diag(4, 0)), b""))
    truth2.append({"tid": 24, "function": 8, "op": "stop", "response": None})
    frames += conversation((ENG, 50200), (PLC, 502), ex2, start=t0 + 1)
    # Off the well-known port: detected from the first bytes.
    ex3 = [(modbus(30, 1, mb_read(3, 0, 1)), modbus(30, 1, mb_read_resp(3, b"\x00\x2a")))]
    frames += conversation((HMI, 50300), (PLC, 5020), ex3, start=t0 + 2)
    return frames, {"hmi": truth, "eng": truth2, "offport": [{"tid": 30, "function": 3, "op": "read"}]}


def _file_command(name):
    """Group 70 variation 3 (file command), with its 2-byte size prefix:
    name offset and size, creation time, permissions, authentication key,
    file size, operational mode, maximum block size, request id, name."""
    body = struct.pack("<HH", 26, len(name)) + bytes(6) + struct.pack("<HIIHHH", 0o644, 0, 0, 1, 1024, 7) + name
    return struct.pack("<H", len(body)) + body


DNP3_FUNCS = [  # (fc, op, objects of the request)
    (1, "read", dnp3_obj_all(60, 2) + dnp3_obj_all(60, 3) + dnp3_obj_all(60, 4) + dnp3_obj_all(60, 1)),
    (2, "write", dnp3_obj_range8(80, 1, 7, 7, b"\x00")),
    (3, "operate", dnp3_obj_count8_index8(12, 1, [(3, crob())])),
    (4, "operate", dnp3_obj_count8_index8(12, 1, [(3, crob())])),
    (5, "operate", dnp3_obj_count8_index8(41, 2, [(1, struct.pack("<hB", 500, 0))])),
    (13, "restart", b""),
    (14, "restart", b""),
    (20, "write", dnp3_obj_all(60, 2) + dnp3_obj_all(60, 3)),
    (21, "write", dnp3_obj_all(60, 2) + dnp3_obj_all(60, 3) + dnp3_obj_all(60, 4)),
    (25, "read", bytes([70, 3, 0x5B, 1]) + _file_command(b"/plc/app.cfg")),
    (26, "read", bytes([70, 4, 0x5B, 1]) + struct.pack("<H", 13) + struct.pack("<IIHHB", 1, 0, 1024, 2, 0)),
    (27, "write", bytes([70, 3, 0x5B, 1]) + _file_command(b"/plc/old.cfg")),
    (18, "stop", b""),
]


def dnp3_flows(t0):
    ex, truth = [], []
    for i, (fc, op, objs) in enumerate(DNP3_FUNCS):
        seq = i & 0x0F
        req = dnp3_frames(dnp3_req(fc, objs, seq=seq), dst=10, src=1, master=True)
        resp = dnp3_frames(dnp3_resp(seq=seq, iin=0x0000 if i else 0x8000), dst=1, src=10,
                           master=False)
        ex.append((req, resp))
        truth.append({"function": fc, "op": op})
    # A write of a file (group 70 variation 5, file transport) in three
    # segments: a program download, reassembled.
    data = bytes(range(256)) * 2
    big = dnp3_req(2, bytes([70, 5, 0x5B, 1]) + struct.pack("<H", 8 + len(data)) +
                   struct.pack("<II", 1, 0) + data, seq=0)
    ex.append((dnp3_frames(big, dst=10, src=1, seg=200), dnp3_frames(dnp3_resp(seq=0), 1, 10, False)))
    truth.append({"function": 2, "op": "download"})
    # A frame with a bad CRC: counted, not reported.
    ex.append((dnp3_frames(dnp3_req(1, dnp3_obj_all(60, 1), seq=1), 10, 1, bad_crc=True), b""))
    # An unsolicited response from the outstation.
    ex.append((b"", dnp3_frames(dnp3_resp(seq=2, fc=130, uns=True, iin=0x8000), 1, 10, False)))
    frames = conversation((ENG, 50400), (RTU, 20000), ex, start=t0)
    # DNP3 over UDP: a read and its response.
    udp = udp_exchange((HMI, 50500), (RTU, 20000), [
        (True, dnp3_frames(dnp3_req(1, dnp3_obj_all(60, 1)), 10, 1)),
        (False, dnp3_frames(dnp3_resp(), 1, 10, False)),
    ], start=t0 + 1)
    return frames + udp, truth


IEC104_CMDS = [  # (type_id, name, op, element)
    (100, "C_IC_NA_1", "read", b"\x14"),
    (45, "C_SC_NA_1", "operate", b"\x01"),
    (46, "C_DC_NA_1", "operate", b"\x02"),
    (48, "C_SE_NA_1", "operate", b"\x00\x40\x00"),
    (49, "C_SE_NB_1", "operate", b"\x10\x00\x00"),
    (50, "C_SE_NC_1", "operate", struct.pack("<fB", 42.5, 0)),
    (103, "C_CS_NA_1", "write", bytes(7)),
    (105, "C_RP_NA_1", "restart", b"\x01"),
]


def iec104_flows(t0):
    ex = [(iec104_u(0x07), iec104_u(0x0B))]
    truth = []
    for i, (tid, name, op, elem) in enumerate(IEC104_CMDS):
        req = iec104_i(i, i, iec104_asdu(tid, 6, 1, 1000 + i, elem))
        con = iec104_i(i, i + 1, iec104_asdu(tid, 7, 1, 1000 + i, elem))
        ex.append((req, con))
        truth.append({"type_id": tid, "type": name, "op": op, "ioa": 1000 + i})
    # Spontaneous measurements from the station, and an S frame.
    ex.append((b"", iec104_i(len(IEC104_CMDS), len(IEC104_CMDS),
                             iec104_asdu(13, 3, 1, 2000, struct.pack("<fB", 1.5, 0)))))
    ex.append((iec104_s(len(IEC104_CMDS) + 1), b""))
    ex.append((iec104_u(0x43), iec104_u(0x83)))
    return conversation((HMI, 50600), (IED, 2404), ex, start=t0), truth


S7_JOBS = [  # (params, data, function name, op)
    (s7_setup(), b"", "setup_communication", None),
    (s7_read_var(2), b"", "read_var", "read"),
    (s7_write_var()[0], s7_write_var()[1], "write_var", "write"),
    (s7_download(0x1A), b"", "request_download", "download"),
    (s7_download(0x1B), b"", "download_block", "download"),
    (s7_download(0x1C), b"", "download_ended", "download"),
    (s7_upload(0x1D), b"", "start_upload", "read"),
    (s7_upload(0x1E), b"", "upload", "read"),
    (s7_upload(0x1F), b"", "end_upload", "read"),
    (s7_pi(b"P_PROGRAM"), b"", "pi_service", "restart"),
    (s7_stop(), b"", "plc_stop", "stop"),
]


def s7_flows(t0):
    ex = [(s7_tpkt(cotp_cr()), s7_tpkt(cotp_cr(cc=True)))]
    truth = []
    for i, (params, data, name, op) in enumerate(S7_JOBS):
        ex.append((s7_tpkt(COTP_DT, s7_job(i + 1, params, data)),
                   s7_tpkt(COTP_DT, s7_ack_data(i + 1, params[:2]))))
        truth.append({"function": params[0], "name": name, "op": op})
    frames = conversation((ENG, 50700), (S7, 102), ex, start=t0)
    plus = [(s7_tpkt(cotp_cr(0x0100, 0x0600)), s7_tpkt(cotp_cr(0x0100, 0x0600, cc=True))),
            (s7_tpkt(COTP_DT, s7plus(0x31, 0x054C, version=1)), s7_tpkt(COTP_DT, s7plus(0x32, 0x054C))),
            (s7_tpkt(COTP_DT, s7plus(0x31, 0x0542, version=1)), s7_tpkt(COTP_DT, s7plus(0x32, 0x0542)))]
    frames += conversation((HMI, 50800), (S7P, 102), plus, start=t0 + 1)
    return frames, truth


def scenario_all():
    frames, truth = [], {}
    f, truth["modbus"] = modbus_flows(START)
    frames += f
    f, truth["dnp3"] = dnp3_flows(START + 10)
    frames += f
    f, truth["iec104"] = iec104_flows(START + 20)
    frames += f
    f, truth["s7comm"] = s7_flows(START + 30)
    frames += f
    truth["hosts"] = {"eng": ENG, "hmi": HMI, "plc": PLC, "rtu": RTU, "ied": IED, "s7": S7, "s7plus": S7P}
    frames.sort(key=lambda x: x[0])
    return frames, truth


def scenario_mix(flows=200):
    """Polling-heavy ICS traffic: each flow a few dozen request/response
    pairs of one protocol, some commands among them."""
    frames = []
    for n in range(flows):
        cli = (f"10.30.{n // 200}.{n % 200 + 10}", 40000 + n)
        t0 = START + n * 0.01
        kind = n % 4
        if kind == 0:
            ex = [(modbus(i, 1, mb_read(3, i, 10)), modbus(i, 1, mb_read_resp(3, bytes(20))))
                  for i in range(40)]
            ex.append((modbus(99, 1, mb_write_single(6, 1, 5)), modbus(99, 1, mb_write_single(6, 1, 5))))
            frames += conversation(cli, ("10.31.0.1", 502), ex, start=t0)
        elif kind == 1:
            ex = [(dnp3_frames(dnp3_req(1, dnp3_obj_all(60, 1), seq=i), 10, 1),
                   dnp3_frames(dnp3_resp(dnp3_obj_range8(30, 2, 0, 9, bytes(30)), seq=i), 1, 10, False))
                  for i in range(40)]
            frames += conversation(cli, ("10.31.0.2", 20000), ex, start=t0)
        elif kind == 2:
            ex = [(iec104_u(0x07), iec104_u(0x0B))]
            ex += [(iec104_s(i), iec104_i(i, i, iec104_asdu(13, 3, 1, 100 + i, bytes(5))))
                   for i in range(40)]
            frames += conversation(cli, ("10.31.0.3", 2404), ex, start=t0)
        else:
            ex = [(s7_tpkt(cotp_cr()), s7_tpkt(cotp_cr(cc=True)))]
            ex += [(s7_tpkt(COTP_DT, s7_job(i, s7_read_var(4))),
                    s7_tpkt(COTP_DT, s7_ack_data(i, bytes([4, 4])))) for i in range(40)]
            frames += conversation(cli, ("10.31.0.4", 102), ex, start=t0)
    frames.sort(key=lambda x: x[0])
    return frames


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("all")
    a.add_argument("out")
    a.add_argument("--truth")
    m = sub.add_parser("mix")
    m.add_argument("out")
    m.add_argument("--flows", type=int, default=200)
    args = ap.parse_args(argv)
    if args.cmd == "all":
        frames, truth = scenario_all()
        write_pcap(args.out, frames)
        if args.truth:
            with open(args.truth, "w") as f:
                json.dump(truth, f, indent=1)
    else:
        write_pcap(args.out, scenario_mix(args.flows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
