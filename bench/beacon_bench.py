#!/usr/bin/python3
"""Beacon detection rates (issue 14), printed by `make bench`:

  - detection rate per jitter level (10, 20, 30, 40 %) on generated
    beacons (tests/e2e/beacongen.py beacons, BENCH_BEACONS_PER_LEVEL per
    level, default 25, with missed beats);
  - false-positive rate (pairs flagged / pairs the sensor tracked) on a
    generated benign day (beacongen.py benign, BENCH_BENIGN_HOSTS hosts,
    default 40) and on the shared benign captures in ../shared/data/pcap
    (skipped with a message when absent);
  - the sensor's packet rate per CPU second with detection on against
    --no-beacon on the benign day (best of 5 each, one worker): the cost
    of the feature where it is highest (every flow a short egress one).

Counts, not times, are what the e2e test asserts (tests/e2e/test_beacon.py);
this prints larger samples. Usage: beacon_bench.py BUILD_DIR"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import beacongen  # noqa: E402

SHARED = pathlib.Path(os.environ.get("YG_SHARED_DATA", ROOT.parent / "shared" / "data")) / "pcap"


def sensor(binary, pcap, eve, *args):
    p = subprocess.run([binary, "sensor", "-r", str(pcap), "--eve", str(eve), "--workers", "1",
                        *args], capture_output=True, text=True, timeout=3600)
    if p.returncode not in (0, 1):
        raise SystemExit(f"sensor failed on {pcap}: {p.stderr[-500:]}")
    # Packets per second of the reading thread's CPU time (it runs the one
    # worker): wall time on a shared machine measures the neighbours.
    m = re.search(r"^sensor: (\d+) packets,", p.stderr, re.M)
    c = re.search(r"reading thread ([0-9.]+) s", p.stderr)
    return int(m.group(1)) / max(float(c.group(1)), 1e-3) if m and c else 0.0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    binary = str(pathlib.Path(build).resolve() / "yagura")
    per_level = int(os.environ.get("BENCH_BEACONS_PER_LEVEL", "25"))
    hosts = int(os.environ.get("BENCH_BENIGN_HOSTS", "40"))
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        cap = beacongen.Capture()
        truth = beacongen.beacons(cap, seed=1, per_level=per_level)
        cap.write(str(d / "beacons.pcap"))
        sensor(binary, d / "beacons.pcap", d / "b.json")
        events, _ = beacongen.eve_beacons(d / "b.json")
        found, extra = beacongen.detected(truth, events)
        for j, (hit, n) in sorted(found.items()):
            print(f"beacon_detection_jitter_{int(j * 100)}pct={hit / n:.3f} ({hit} of {n} "
                  f"generated beacons, some beats missed)")
        print(f"beacon_unexpected_pairs={len(extra)} (flagged pairs that are no generated beacon)")

        cap = beacongen.Capture()
        made = beacongen.benign(cap, hosts=hosts, seed=2)
        cap.write(str(d / "benign.pcap"))
        on = max(sensor(binary, d / "benign.pcap", d / "n.json") for _ in range(5))
        events, st = beacongen.eve_beacons(d / "n.json")
        flagged = len(beacongen.flagged_pairs(events))
        pairs = st["beacon"]["pairs_created"]
        print(f"beacon_fp_benign_day={flagged / max(pairs, 1):.4f} ({flagged} of {pairs} pairs; "
              f"{hosts} hosts, {sum(made.values())} connections: {made})")
        off = max(sensor(binary, d / "benign.pcap", d / "off.json", "--no-beacon")
                  for _ in range(5))
        if off > 0:
            print(f"ratio_sensor_beacon_on_vs_off={on / off:.3f} (packets per CPU second on the "
                  f"benign day, one worker, best of 5; 1.0 = free; every flow there is a "
                  f"home host's ~9-packet connection, the worst case)")

        pcaps = sorted(p for p in SHARED.glob("*") if p.suffix in (".pcap", ".pcapng", ".cap"))
        if not pcaps:
            print(f"beacon_fp_shared: skipped ({SHARED} has no captures)")
            return 0
        flagged = pairs = 0
        for p in pcaps:
            sensor(binary, p, d / "s.json")
            events, st = beacongen.eve_beacons(d / "s.json")
            flagged += len(beacongen.flagged_pairs(events))
            pairs += st["beacon"]["pairs_created"] if st else 0
        print(f"beacon_fp_shared_captures={flagged / max(pairs, 1):.4f} ({flagged} of {pairs} "
              f"pairs in {len(pcaps)} captures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
