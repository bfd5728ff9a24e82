"""Fixtures for the hub end-to-end tests: a real `yagura hub` on a loopback
port in a temp dir, organizations and tokens made through the admin CLI."""
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
TAXII = "application/taxii+json;version=2.1"


def yagura_bin():
    return os.environ.get("YG_BIN", str(ROOT / "build" / "yagura"))


class Hub:
    def __init__(self, data, args=()):
        self.data = data
        self.bin = yagura_bin()
        if not os.access(self.bin, os.X_OK):
            pytest.fail(f"yagura binary not found at {self.bin}; build first or set YG_BIN")
        self.log = open(data / "hub.log", "w+")
        self.proc = subprocess.Popen(
            [self.bin, "hub", "--listen", "127.0.0.1:0", "--data", str(data), *args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.time() + 20
        while time.time() < deadline and self.port is None:
            m = re.search(r"listening on \S+ port (\d+)", (data / "hub.log").read_text())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                raise AssertionError("hub exited: " + (data / "hub.log").read_text())
            else:
                time.sleep(0.05)
        assert self.port, "hub did not start"
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()

    def admin(self, *args, check=True):
        p = subprocess.run([self.bin, "hub", "admin", "--data", str(self.data), *args],
                           capture_output=True, text=True, timeout=60)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    def org(self, name, sector="energy", country=None):
        args = ["org", "add", name, "--sector", sector]
        if country:
            args += ["--country", country]
        self.admin(*args)

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
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        return self.session.request(method, self.base + path, headers=h, timeout=60, **kw)

    def get(self, path, token, **kw):
        return self.req("GET", path, token, **kw)

    def post_objects(self, coll, token, objects, headers=None):
        h = {"Content-Type": TAXII}
        h.update(headers or {})
        r = self.req("POST", f"/taxii2/api/collections/{coll}/objects/", token,
                     headers=h, json={"objects": objects})
        return r

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


@pytest.fixture
def hub(tmp_path):
    h = Hub(tmp_path)
    yield h
    rc, log = h.stop()
    assert "AddressSanitizer" not in log, log[-5000:]
    assert "runtime error" not in log, log[-5000:]
    assert rc == 0, log[-5000:]
