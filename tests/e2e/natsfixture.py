"""A real `nats-server -js` for the NATS tests and the scale simulation
(README, "Running at national scale"), and a small client that speaks the
NATS text protocol itself (INFO/CONNECT/SUB/PUB/MSG/PING/-ERR), so a test
can act as a member with its own credentials and see what the server
refuses. The subjects and their permissions are yagura's (see
src/common/natsconn.h):

  a member org N publishes yagura.{sightings,beacons,darknet}.N only and
  subscribes to yagura.changes and its own reply inboxes _INBOX.<user>.>
  only (yagura's client names its inboxes so), so no member reads another's
  PubAcks or replies;
  the hubs' user reads everything and publishes yagura.changes and the
  JetStream API."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import time
import uuid

KINDS = ("sightings", "beacons", "darknet")


def nats_server_bin():
    return shutil.which("nats-server") or (
        "/usr/bin/nats-server" if os.access("/usr/bin/nats-server", os.X_OK) else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(port, store_dir, hub_password, members):
    """members: {user: (org_id, password)}."""
    users = [{
        "user": "hub", "password": hub_password,
        "permissions": {"publish": {"allow": ["yagura.changes", "$JS.API.>", "$JS.ACK.>",
                                              "_INBOX.>"]},
                        "subscribe": {"allow": [">"]}},
    }]
    for user, (org, pw) in members.items():
        users.append({
            "user": user, "password": pw,
            "permissions": {"publish": {"allow": [f"yagura.{k}.{org}" for k in KINDS]},
                            "subscribe": {"allow": ["yagura.changes", f"_INBOX.{user}.>"]}},
        })
    # The server's configuration format takes JSON values.
    return (f'listen: "127.0.0.1:{port}"\n'
            f'server_name: "yagura-test-{port}"\n'
            f'max_connections: 1000000\n'
            f'jetstream {{ store_dir: {json.dumps(str(store_dir))} }}\n'
            f'accounts {{ YAGURA {{ jetstream: enabled\n'
            f'  users: {json.dumps(users)} }} }}\n')


def write_creds(path, user, password, org=None):
    text = f"user={user}\npassword={password}\n" + (f"org={org}\n" if org else "")
    path.write_text(text)
    path.chmod(0o600)
    return path


class NatsServer:
    def __init__(self, folder, port=None, hub_password=None, members=None):
        self.bin = nats_server_bin()
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.hub_password = hub_password or uuid.uuid4().hex
        self.members = dict(members or {})
        self.proc = None
        self.log_path = self.folder / "nats.log"

    def configure(self, members):
        self.members = dict(members)
        conf = self.folder / "nats.conf"
        conf.write_text(config_text(self.port, self.folder / "js", self.hub_password,
                                    self.members))
        return conf

    def start(self, timeout=15):
        conf = self.configure(self.members)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.bin, "-js", "-c", str(conf)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited: " + self.log_path.read_text()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not listen")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        self.proc = None

    def hub_creds(self, path):
        return write_creds(path, "hub", self.hub_password)

    def client(self, user, password):
        return RawNats(self.port, user, password)


class RefusedError(Exception):
    pass


class RawNats:
    """One connection; every call reads until the server's PONG, so a
    refusal (-ERR) is reported by the call that caused it."""

    def __init__(self, port, user, password, timeout=15.0):
        self.timeout = timeout
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.msgs = []
        self.errors = []
        info = self._line()
        assert info.startswith(b"INFO "), info
        self._send(b"CONNECT " + json.dumps({
            "verbose": False, "pedantic": False, "user": user, "pass": password,
            "protocol": 1, "name": f"test-{user}"}).encode() + b"\r\n")
        self.sync()
        self.inbox = f"_INBOX.{user}.{uuid.uuid4().hex}"
        self.sid = 0

    def _send(self, b):
        self.s.sendall(b)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed: " + repr(self.errors))
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read_n(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _one(self):
        line = self._line()
        if line.startswith(b"MSG "):
            parts = line.split()
            data = self._read_n(int(parts[-1]))
            self.msgs.append((parts[1].decode(), data))
        elif line.startswith(b"-ERR"):
            self.errors.append(line.decode())
        elif line == b"PING":
            self._send(b"PONG\r\n")
        return line

    def sync(self):
        """PING, then everything up to the PONG; returns the -ERR lines."""
        n = len(self.errors)
        self._send(b"PING\r\n")
        while self._one() != b"PONG":
            pass
        return self.errors[n:]

    def sub(self, subject):
        self.sid += 1
        self._send(f"SUB {subject} {self.sid}\r\n".encode())
        errs = self.sync()
        if errs:
            raise RefusedError(" ".join(errs))
        return self.sid

    def pub(self, subject, data, reply=None):
        r = f" {reply}" if reply else ""
        self._send(f"PUB {subject}{r} {len(data)}\r\n".encode() + data + b"\r\n")
        errs = self.sync()
        if errs:
            raise RefusedError(" ".join(errs))

    def wait_msg(self, timeout=15.0, subject_prefix=""):
        end = time.time() + timeout
        try:
            while time.time() < end:
                for i, (subj, data) in enumerate(self.msgs):
                    if subj.startswith(subject_prefix):
                        return self.msgs.pop(i)
                self.s.settimeout(max(0.05, end - time.time()))
                try:
                    self._one()
                except socket.timeout:
                    break
            return None
        finally:
            # The next call's PONG gets the whole timeout again, not what
            # was left of this wait (a late reply left it at 50 ms).
            self.s.settimeout(self.timeout)

    def js_publish(self, subject, data, timeout=15.0):
        """Publishes to a JetStream subject and returns the PubAck (a dict:
        stream, seq, or error)."""
        if not getattr(self, "_inbox_sub", False):
            self.sub(self.inbox + ".*")
            self._inbox_sub = True
        reply = f"{self.inbox}.{uuid.uuid4().hex[:8]}"
        self.pub(subject, data, reply=reply)
        m = self.wait_msg(timeout, reply)
        return json.loads(m[1]) if m else None

    def request(self, subject, data=b"", timeout=15.0):
        if not getattr(self, "_inbox_sub", False):
            self.sub(self.inbox + ".*")
            self._inbox_sub = True
        reply = f"{self.inbox}.{uuid.uuid4().hex[:8]}"
        self.pub(subject, data, reply=reply)
        m = self.wait_msg(timeout, reply)
        return json.loads(m[1]) if m else None

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def wait_stream(server, timeout=60):
    """Until the hubs made the stream YAGURA (asked as the hubs' user)."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = server.client("hub", server.hub_password)
            try:
                info = c.request("$JS.API.STREAM.INFO.YAGURA", timeout=1)
            finally:
                c.close()
            if info and "error" not in info:
                return info
        except (OSError, ConnectionError):
            pass
        time.sleep(0.1)
    raise AssertionError("the hubs did not make the stream")


def sighting_bundle(ind_id, n, identity):
    """A STIX bundle of n sightings of ind_id by identity, as a sensor
    publishes one on its sightings subject (test_nats.py, bench/nats_drain.py)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    objs = [{"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
             "created": now, "modified": now, "sighting_of_ref": ind_id, "count": 1,
             "first_seen": now, "last_seen": now, "where_sighted_refs": [identity]}
            for _ in range(n)]
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                       "objects": objs}).encode()
