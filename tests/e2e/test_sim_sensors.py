"""The national-scale simulator (bench/sim_sensors.py driving
bench/tool_sim.c; README, "Running at national scale") kept honest at a
small size: 20 simulated sensors on one SQLite hub, over HTTP and over
NATS JetStream. Every sensor must follow the feed, hold every indicator
posted, and every acknowledged sighting must be counted by the hub once it
drained (lost == 0). Times are printed by the bench, never asserted here.

tool_sim is taken from the build that holds YG_BIN. The NATS set-up is
skipped when nats-server is not installed (scripts/setup.sh installs it)."""
import json
import pathlib
import subprocess
import sys

import pytest

import hubfixture
from natsfixture import nats_server_bin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("setup", ["sqlite1", "sqlite1-nats"])
def test_every_sensor_holds_every_indicator_and_nothing_is_lost(setup, tmp_path):
    if setup.endswith("-nats") and not nats_server_bin():
        pytest.skip("nats-server is not installed (scripts/setup.sh installs it)")
    build = pathlib.Path(hubfixture.yagura_bin()).resolve().parent
    if not (build / "tool_sim").exists():
        pytest.fail(f"{build / 'tool_sim'} not built (bench/tool_sim.c)")
    out = tmp_path / "rows.json"
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "sim_sensors.py"),
                        "--build", str(build), "--setups", setup, "--sensors", "20",
                        "--orgs", "1", "--indicators", "3", "--seconds", "1",
                        "--protect-timeout", "30", "--drain-timeout", "60",
                        "--json", str(out)],
                       capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    [row] = json.loads(out.read_text())
    assert row["sim_exit"] == [0], row
    assert row["ready"] == 20, row
    assert row["protect_missed"] == 0, row
    assert row["acked"] > 0 and row["failed_sends"] == 0 and row["unacked"] == 0, row
    assert row["drained"] and row["counted"] >= row["acked"], row
    assert row["lost"] == 0, row
    assert row["nats_errors"] == 0, row
