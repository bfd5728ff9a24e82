"""Modbus and DNP3 function codes against tshark (issue 16), on every
shared capture that holds Modbus or DNP3 and on the generated one: for each
capture, the multiset of function codes the sensor reports (Modbus requests
and responses, the exception bit masked as tshark's modbus.func_code masks
it; DNP3 application fragments) must equal tshark's modbus.func_code and
dnp3.al.func.

Two rules make the sides comparable, both stated where Suricata does the
same: retransmitted segments are left out of tshark's side (the sensor
reads each stream byte once), and DNP3 confirms (function 0) are left out
because the sensor counts them without writing an event, as Suricata does."""
import collections
import json
import shutil
import subprocess

import pytest

import icsgen
from conftest import SHARED_DATA, yagura_bin

PCAP_DIR = SHARED_DATA / "pcap"
TSHARK = shutil.which("tshark")

pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed "
                                "(Debian package 'tshark'; scripts/setup.sh installs it)")


def shared_ics_pcaps():
    """Shared captures whose tshark dump (the .tshark.tsv beside them) has a
    Modbus or DNP3 function code."""
    if not PCAP_DIR.is_dir():
        return []
    out = []
    for tsv in sorted(PCAP_DIR.glob("*.tshark.tsv")):
        lines = tsv.read_text(errors="replace").splitlines()
        if not lines:
            continue
        hdr = lines[0].split("\t")
        cols = [hdr.index(c) for c in ("modbus.func_code", "dnp3.al.func") if c in hdr]
        if any(len(r) > c and r[c] for r in (l.split("\t") for l in lines[1:]) for c in cols):
            stem = tsv.name[: -len(".tshark.tsv")]
            for ext in (".pcap", ".pcapng"):
                if (PCAP_DIR / (stem + ext)).is_file():
                    out.append(PCAP_DIR / (stem + ext))
    return out


def tshark_codes(pcap):
    cmd = [TSHARK, "-n", "-r", str(pcap), "-Y",
           "!tcp.analysis.retransmission && !tcp.analysis.spurious_retransmission",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "modbus.func_code", "-e", "dnp3.al.func"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    mb, d3 = collections.Counter(), collections.Counter()
    for line in out.splitlines():
        cols = (line.split("\t") + ["", ""])[:2]
        for v in filter(None, cols[0].split(",")):
            mb[int(v)] += 1
        for v in filter(None, cols[1].split(",")):
            if int(v) != 0:
                d3[int(v)] += 1
    return mb, d3


def sensor_codes(pcap, tmp_path):
    eve = tmp_path / (pcap.name + ".json")
    proc = subprocess.run([yagura_bin(), "sensor", "-r", str(pcap), "--eve", str(eve), "-q",
                           "--workers", "1", "--eve-types", "modbus,dnp3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "AddressSanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    mb, d3 = collections.Counter(), collections.Counter()
    for line in eve.read_text().splitlines():
        e = json.loads(line)
        if e["event_type"] == "modbus":
            for side in ("request", "response"):
                if side in e["modbus"]:
                    mb[e["modbus"][side]["function_raw"] & 0x7F] += 1
        elif e["event_type"] == "dnp3":
            d3[e["dnp3"]["application"]["function_code"]] += 1
    return mb, d3


def test_shared_captures_match_tshark(tmp_path):
    pcaps = shared_ics_pcaps()
    if not pcaps:
        pytest.skip(f"no capture with Modbus or DNP3 in {PCAP_DIR} (shared data absent)")
    compared = collections.Counter()
    bad = []
    for pcap in pcaps:
        t_mb, t_d3 = tshark_codes(pcap)
        s_mb, s_d3 = sensor_codes(pcap, tmp_path)
        if t_mb != s_mb:
            bad.append(f"{pcap.name}: modbus.func_code tshark {dict(t_mb)} sensor {dict(s_mb)}")
        if t_d3 != s_d3:
            bad.append(f"{pcap.name}: dnp3.al.func tshark {dict(t_d3)} sensor {dict(s_d3)}")
        compared["modbus"] += sum(t_mb.values())
        compared["dnp3"] += sum(t_d3.values())
    print(f"\ncompared {len(pcaps)} captures: {compared['modbus']} Modbus and "
          f"{compared['dnp3']} DNP3 function codes")
    assert not bad, "\n".join(bad)
    # Both protocols were in the shared data: the comparison compared something.
    assert compared["modbus"] > 0 and compared["dnp3"] > 0


def test_generated_capture_matches_tshark(tmp_path):
    frames, _ = icsgen.scenario_all()
    pcap = tmp_path / "ics_all.pcap"
    icsgen.write_pcap(pcap, frames)
    t_mb, t_d3 = tshark_codes(pcap)
    s_mb, s_d3 = sensor_codes(pcap, tmp_path)
    # tshark decodes Modbus on port 502 only: the flow on 5020 (detected
    # by the sensor from its first bytes) has one request and one response.
    s_mb[3] -= 2
    assert +s_mb == t_mb
    # The frame with a bad CRC is dropped by both.
    assert t_d3 == s_d3
