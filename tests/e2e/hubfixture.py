"""Fixtures for the hub end-to-end tests: a real `yagura hub` on a loopback
port in a temp dir, organizations and tokens made through the admin CLI."""
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
TAXII = "application/taxii+json;version=2.1"
TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


# How req() and raw() present a token: "bearer" or "basic" (the token as
# the Basic password, any user name). Tests that check access run under both
# (the both_auth_schemes fixture in conftest.py), with the same results.
AUTH_SCHEME = "bearer"


def auth_value(token, scheme=None):
    import base64
    if (scheme or AUTH_SCHEME) == "basic":
        return "Basic " + base64.b64encode(f"connector:{token}".encode()).decode()
    return f"Bearer {token}"


def indicator(ip="198.51.100.1", tlp=None, modified="2024-01-01T00:00:00.000Z", oid=None,
              **extra):
    o = {
        "type": "indicator", "spec_version": "2.1",
        "id": oid or f"indicator--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z", "modified": modified,
        "pattern": f"[ipv4-addr:value = '{ip}']", "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    if tlp:
        o["object_marking_refs"] = [TLP[tlp]]
    o.update(extra)
    return o


def shared_data_dir():
    """The shared third-party data (env YG_SHARED_DATA or <repo>/../shared/data)."""
    return pathlib.Path(os.environ.get("YG_SHARED_DATA") or ROOT.parent / "shared" / "data")


def yagura_bin():
    return os.environ.get("YG_BIN", str(ROOT / "build" / "yagura"))


# The store every Hub here runs on (issue 19: one test suite, two backends):
# "sqlite" (DIR/hub.db), or "postgresql" with `pytest --store postgresql` or
# YG_TEST_STORE=postgresql, where each data folder gets its own database on
# the server conftest.py provides (YG_TEST_PG, or a private cluster).
STORE = os.environ.get("YG_TEST_STORE", "sqlite")
PG = None  # pgcluster.Server, set by conftest.py when STORE is postgresql
_pg_urls = {}


def pg_url(data):
    """The database URL of a data folder (made on first use); several hubs
    on one folder share it, as several hubs share one PostgreSQL."""
    key = str(pathlib.Path(data).resolve())
    if key not in _pg_urls:
        assert PG is not None, "no PostgreSQL server (conftest.py starts one)"
        _pg_urls[key] = PG.dbname()
    return _pg_urls[key]


def store_args(data):
    """The store options of `yagura hub` and `hub admin` for a data folder."""
    if STORE != "postgresql":
        return []
    return ["--store", "postgresql", "--pg", pg_url(data)]


def store_value(data, table, column, key_col, key, blob=False):
    """One stored value, read behind the hub's back on either backend:
    column of the row of table whose key_col is key (bytes when blob)."""
    if STORE == "postgresql":
        expr = f"encode({column}, 'hex')" if blob else column
        p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", f"k={key}",
                            pg_url(data)], input=f"SELECT {expr} FROM {table} WHERE {key_col} = :'k';\n",
                           capture_output=True, text=True, timeout=60, check=True)
        out = p.stdout.rstrip("\n")
        return bytes.fromhex(out) if blob else out
    import sqlite3
    db = sqlite3.connect(pathlib.Path(data) / "hub.db")
    try:
        (v,) = db.execute(f"SELECT {column} FROM {table} WHERE {key_col} = ?", (key,)).fetchone()
    finally:
        db.close()
    return v


def store_bytes(data):
    """Everything the store holds, as bytes: the SQLite files, or a dump of
    the folder's PostgreSQL database (for "never stored in clear" checks)."""
    if STORE == "postgresql":
        p = subprocess.run(["pg_dump", "--no-owner", pg_url(data)], capture_output=True,
                           timeout=120, check=True)
        return p.stdout
    data = pathlib.Path(data)
    return b"".join((data / n).read_bytes() for n in ("hub.db", "hub.db-wal")
                    if (data / n).exists())


class Hub:
    def __init__(self, data, args=(), scheme="http", verify=True, log_name="hub.log",
                 store=None):
        """log_name: a second hub on the same data dir needs its own log.
        store: the store options for this hub and its admin commands
        (default: this run's, store_args)."""
        self.data = data
        self.store = store_args(data) if store is None else list(store)
        self.bin = yagura_bin()
        if not os.access(self.bin, os.X_OK):
            pytest.fail(f"yagura binary not found at {self.bin}; build first or set YG_BIN")
        self.log = open(data / log_name, "w+")
        # The machine's geo folder (scripts/setup.sh) only when a test asks
        # for it: hermetic owners, and no AS table to load at every start.
        geo = [] if "--geoip-dir" in args else ["--geoip-dir", str(data / "no-geo")]
        self.proc = subprocess.Popen(
            [self.bin, "hub", "--listen", "127.0.0.1:0", "--data", str(data),
             *self.store, *geo, *args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.time() + 20
        while time.time() < deadline and self.port is None:
            m = re.search(r"listening on \S+ port (\d+)", (data / log_name).read_text())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                raise AssertionError("hub exited: " + (data / log_name).read_text())
            else:
                time.sleep(0.05)
        assert self.port, "hub did not start"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.session = requests.Session()
        self.verify = verify

    def admin(self, *args, check=True):
        p = subprocess.run([self.bin, "hub", "admin", "--data", str(self.data),
                            *self.store, *args],
                           capture_output=True, text=True, timeout=60)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    def org(self, name, sector="energy", country=None):
        args = ["org", "add", name, "--sector", sector]
        if country:
            args += ["--country", country]
        self.admin(*args)

    def collection(self, title, *args):
        """Adds a collection through the CLI; returns its id."""
        p = self.admin("collection", "add", title, *args)
        m = re.search(r"added: ([0-9a-f-]{36})$", p.stdout.strip())
        assert m, p.stdout
        return m.group(1)

    def objects_all(self, coll, token, params=None, limit=1000):
        """Every page of a listing, following next; returns (objects, pages)."""
        got, nxt, pages = [], None, []
        while True:
            q = dict(params or {}, limit=str(limit))
            if nxt:
                q["next"] = nxt
            r = self.get(f"/taxii2/api/collections/{coll}/objects/", token, params=q)
            assert r.status_code == 200, r.text
            body = r.json()
            got += body.get("objects", [])
            pages.append(r)
            if not body["more"]:
                return got, pages
            nxt = body["next"]

    def token(self, org, role="analyst"):
        p = self.admin("token", "create", "--org", org, "--role", role)
        tok = p.stdout.strip().splitlines()[-1]
        assert re.fullmatch(r"[0-9a-f]{64}", tok), p.stdout
        return tok

    def req(self, method, path, token=None, accept=TAXII, headers=None, **kw):
        h = {}
        if accept:
            h["Accept"] = accept
        if token:
            h["Authorization"] = auth_value(token)
        h.update(headers or {})
        # Per request: a session's verify loses to REQUESTS_CA_BUNDLE.
        kw.setdefault("verify", self.verify)
        return self.session.request(method, self.base + path, headers=h, timeout=60, **kw)

    def get(self, path, token, **kw):
        return self.req("GET", path, token, **kw)

    def post_objects(self, coll, token, objects, headers=None):
        h = {"Content-Type": TAXII}
        h.update(headers or {})
        r = self.req("POST", f"/taxii2/api/collections/{coll}/objects/", token,
                     headers=h, json={"objects": objects})
        return r

    def raw(self, method, path, token=None, extra=""):
        """One request without client-side path normalization (requests folds
        '..' and re-encodes); returns (status, headers text, body bytes)."""
        auth = f"Authorization: {auth_value(token)}\r\n" if token else ""
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall((f"{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}{extra}"
                       "Connection: close\r\n\r\n").encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), head.decode(errors="replace"), body

    def stop(self):
        if getattr(self, "stopped", None):
            return self.stopped
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.seek(0)
        text = self.log.read()
        self.log.close()
        self.stopped = (self.proc.returncode, text)
        return self.stopped


def check_clean_exit(h):
    rc, log = h.stop()
    assert "AddressSanitizer" not in log, log[-5000:]
    assert "runtime error" not in log, log[-5000:]
    assert rc == 0, log[-5000:]


@pytest.fixture
def hub(tmp_path):
    h = Hub(tmp_path)
    yield h
    check_clean_exit(h)


@pytest.fixture
def world(hub):
    """Four orgs: A submits; B shares a group with A; C is another member;
    D is named directly. Tokens: analysts of each, a reader, an admin and a
    sensor of C. hub.coll is the default collection."""
    for name in ("A", "B", "C", "D"):
        hub.org(name)
    hub.admin("group", "add", "council", "--org", "A", "--members", "B")
    t = {n: hub.token(n) for n in ("A", "B", "C", "D")}
    t["reader"] = hub.token("C", "reader")
    t["admin"] = hub.token("C", "admin")
    t["sensor"] = hub.token("C", "sensor")
    colls = hub.get("/taxii2/api/collections/", t["A"]).json()["collections"]
    assert [c["title"] for c in colls] == ["default"]
    hub.coll = colls[0]["id"]
    hub.t = t
    return hub
