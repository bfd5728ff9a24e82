"""Shared fixtures for the end-to-end tests: they drive the real binary."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED_DATA = pathlib.Path(os.environ.get("YG_SHARED_DATA", ROOT.parent / "shared" / "data"))


def yagura_bin():
    return os.environ.get("YG_BIN", str(ROOT / "build" / "yagura"))


@pytest.fixture
def yagura():
    path = yagura_bin()
    if not os.access(path, os.X_OK):
        pytest.fail(f"yagura binary not found at {path}; build first (make) or set YG_BIN")
    return path


def rrname(event):
    """The (first) query name of a dns event in Suricata 8's layout (v3:
    dns.queries[0].rrname); "" when it has none."""
    q = event.get("dns", {}).get("queries") or [{}]
    return q[0].get("rrname", "")


def merge_stats(a, b):
    """Deep merge of two counter trees; a key in both must be an object."""
    out = dict(a)
    for k, v in b.items():
        if k in out:
            assert isinstance(out[k], dict) and isinstance(v, dict), f"stats key {k} in both events"
            out[k] = merge_stats(out[k], v)
        else:
            out[k] = v
    return out


class SensorRun:
    def __init__(self, proc, eve_path):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        self.stdout = proc.stdout
        self.events = []
        if eve_path.exists():
            for n, line in enumerate(eve_path.read_text().splitlines(), 1):
                try:
                    self.events.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise AssertionError(f"EVE line {n} is not JSON: {e}: {line[:200]}")
        # Every event of a type Suricata defines must read as Suricata's.
        import eveschema
        eveschema.assert_valid(self.events, str(eve_path))

    def of(self, event_type):
        return [e for e in self.events if e["event_type"] == event_type]

    @property
    def stats(self):
        """Suricata's stats object merged with yagura_stats (the counters
        only yagura has, in the same nesting): one tree to read."""
        s = self.of("stats")
        assert len(s) == 1, f"expected one stats event, got {len(s)}"
        y = self.of("yagura_stats")
        assert len(y) == 1, f"expected one yagura_stats event, got {len(y)}"
        return merge_stats(s[0]["stats"], y[0]["yagura_stats"])

    def alerts_on(self, matched_on):
        return [a for a in self.of("alert") if a["alert"]["metadata"]["matched_on"] == [matched_on]]


@pytest.fixture
def run_sensor(yagura, tmp_path):
    """run_sensor(pcap, intel=[...], args=[...]) -> SensorRun (EVE parsed)."""
    counter = [0]

    def run(pcap, intel=(), args=(), timeout=300):
        counter[0] += 1
        eve = tmp_path / f"eve-{counter[0]}.json"
        cmd = [yagura, "sensor", "-r", str(pcap), "--eve", str(eve), "-q"]
        for i in intel:
            cmd += ["--intel", str(i)]
        cmd += list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert "AddressSanitizer" not in proc.stderr, proc.stderr
        assert "runtime error" not in proc.stderr, proc.stderr
        return SensorRun(proc, eve)

    return run


@pytest.fixture(params=["bearer", "basic"])
def both_auth_schemes(request):
    """Runs a test once with Bearer tokens and once with the same tokens as
    HTTP Basic passwords (hubfixture.AUTH_SCHEME)."""
    import hubfixture
    old = hubfixture.AUTH_SCHEME
    hubfixture.AUTH_SCHEME = request.param
    yield request.param
    hubfixture.AUTH_SCHEME = old


def pytest_addoption(parser):
    parser.addoption("--store", choices=("sqlite", "postgresql"), default=None,
                     help="the store the hub fixtures run on (default: env YG_TEST_STORE, "
                          "else sqlite); postgresql uses YG_TEST_PG or a private cluster")


def pytest_configure(config):
    import hubfixture
    store = config.getoption("--store")
    if store:
        hubfixture.STORE = store


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the tests (issue 19): YG_TEST_PG when set,
    else a private cluster (tests/e2e/pgcluster.py) started for this
    session and stopped after it. Skips when the server binaries are
    missing."""
    import pgcluster
    url = os.environ.get("YG_TEST_PG")
    if url:
        yield pgcluster.Server(url)
        return
    if not pgcluster.pg_bindir():
        pytest.skip("PostgreSQL server not installed (scripts/setup.sh installs postgresql)")
    c = pgcluster.start()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session", autouse=True)
def _hub_store(request):
    """With --store postgresql, hands every Hub the session's server
    (session-wide, so that module-scoped hubs have it too)."""
    import hubfixture
    if hubfixture.STORE == "postgresql" and hubfixture.PG is None:
        hubfixture.PG = request.getfixturevalue("pg_server")
    yield
