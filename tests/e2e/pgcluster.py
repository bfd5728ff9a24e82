"""A private PostgreSQL cluster for the tests (issue 19): initdb and pg_ctl
from Debian's `postgresql` package, in a temporary folder, on a free
loopback port, with trust authentication for the one role `yagura`.

The server refuses to run as root, so under root the cluster belongs to the
unprivileged `nobody` and every server command runs through `runuser`.

As a module: start() -> Cluster (url, dbname(), stop()); a cluster can be
stopped and started again on its port (pause, resume), killed with SIGKILL
(kill9: the postmaster and every server process, as losing the machine
would), and given a streaming standby (start_standby, then promote) for the
failover tests (issue 17). As a command:
  pgcluster.py start DIR   prints the URL (DIR must not exist yet)
  pgcluster.py stop DIR
  pgcluster.py run CMD...  starts a cluster, runs CMD with YG_TEST_PG set,
                           stops the cluster, exits with CMD's status
"""
import glob
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

ROLE = "yagura"


def pg_bindir():
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not cands:
        return None
    return os.path.dirname(cands[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--", *cmd]
    return cmd


class Server:
    """A server the tests may create databases on (a role with CREATEDB)."""

    def __init__(self, url):
        self.url = url

    def url_for(self, db):
        u = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, u.fragment))

    def psql(self, sql, db="postgres"):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
                            self.url_for(db), "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {p.stderr.strip()}")
        return p.stdout

    def dbname(self, prefix="t"):
        """A fresh, empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url_for(name)



class Cluster(Server):
    def __init__(self, root, port, opts=""):
        super().__init__(f"postgresql://{ROLE}@127.0.0.1:{port}/postgres")
        self.root = pathlib.Path(root)
        self.port = port
        self.opts = opts

    def _ctl(self, *args, check=True):
        p = subprocess.run(_as_owner([f"{pg_bindir()}/pg_ctl", "-D", str(self.root / "data"),
                                      *args]), capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            log = (self.root / "log").read_text()[-3000:] if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl {' '.join(args)}: {p.stderr}{log}")
        return p

    def stop(self):
        self._ctl("-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def pause(self):
        """Stops the server (sessions are cut), keeping its data."""
        self._ctl("-m", "fast", "-w", "stop")

    def resume(self):
        """Starts the server again on the same port."""
        self._ctl("-l", str(self.root / "log"), "-o", self.opts, "-w", "-t", "60", "start")

    def kill9(self):
        """SIGKILL to the postmaster and every process it started, at once:
        the server stops as it would with its machine."""
        pid = int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        victims = [pid]
        for d in pathlib.Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == pid:
                    victims.append(int(d.name))
        for v in victims:
            try:
                os.kill(v, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for v in victims:  # gone (or a zombie) before the caller goes on
            for _ in range(500):
                try:
                    state = pathlib.Path(f"/proc/{v}/stat").read_text().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    break
                if state == "Z":
                    break
                time.sleep(0.01)

    def promote(self):
        """Makes a standby the primary (pg_ctl promote, waiting for it)."""
        self._ctl("-w", "-t", "60", "promote")

    def in_recovery(self):
        return self.psql("SELECT pg_is_in_recovery()").strip() == "t"


_DEFAULTS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
             "max_connections": "300"}


def _opts(root, port, settings):
    conf = dict(_DEFAULTS, **(settings or {}))
    return (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            + " ".join(f"-c {k}={v}" for k, v in conf.items()))


def _own(root):
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
    os.chmod(root, 0o700)


def _start_on_free_port(root, settings):
    bindir = pg_bindir()
    p = None
    for _ in range(5):
        port = _free_port()
        opts = _opts(root, port, settings)
        p = subprocess.run(_as_owner([f"{bindir}/pg_ctl", "-D", str(root / "data"), "-l",
                                      str(root / "log"), "-o", opts, "-w", "-t", "60", "start"]),
                           capture_output=True, text=True, timeout=120)
        if p.returncode == 0:
            return Cluster(root, port, opts)
    log = (root / "log").read_text() if (root / "log").exists() else p.stderr
    raise RuntimeError("pg_ctl start failed: " + log)


def start_standby(primary, name="standby1", root=None, settings=None):
    """A hot standby of primary by streaming replication (pg_basebackup),
    reporting as application_name `name` (what the primary's
    synchronous_standby_names names). Returns its Cluster."""
    bindir = pg_bindir()
    root = pathlib.Path(root or tempfile.mkdtemp(prefix="yg-pg-standby-"))
    _own(root)
    conn = f"host=127.0.0.1 port={primary.port} user={ROLE} application_name={name}"
    p = subprocess.run(_as_owner([f"{bindir}/pg_basebackup", "-D", str(root / "data"), "-R",
                                  "-X", "stream", "--no-sync", "-c", "fast", "-d", conn]),
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("pg_basebackup failed: " + p.stderr)
    return _start_on_free_port(root, dict(settings or {}, primary_conninfo=f"'{conn}'",
                                          hot_standby="on"))


def start(root=None, settings=None):
    """Creates and starts a cluster in root (a new temporary folder when
    None); settings (name -> value) override the server's -c options.
    Raises RuntimeError with the server's words when it cannot."""
    bindir = pg_bindir()
    if not bindir:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql; "
                           "run scripts/setup.sh)")
    root = pathlib.Path(root or tempfile.mkdtemp(prefix="yg-pg-"))
    _own(root)
    data = root / "data"
    # No fsync and a C locale: a throw-away cluster, and byte-order
    # collation like SQLite's (the schema asks for "C" where it sorts).
    p = subprocess.run(_as_owner([f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", ROLE,
                                  "-E", "UTF8", "--locale=C", "--no-sync"]),
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("initdb failed: " + p.stderr)
    return _start_on_free_port(root, settings)


def main(argv):
    if len(argv) >= 3 and argv[1] == "start":
        c = start(argv[2])
        (pathlib.Path(argv[2]) / "port").write_text(str(c.port))
        print(c.url)
        return 0
    if len(argv) >= 3 and argv[1] == "stop":
        root = pathlib.Path(argv[2])
        port = int((root / "port").read_text()) if (root / "port").exists() else 0
        Cluster(root, port).stop()
        return 0
    if len(argv) >= 3 and argv[1] == "run":
        c = start()
        try:
            env = dict(os.environ, YG_TEST_PG=c.url)
            return subprocess.run(argv[2:], env=env).returncode
        finally:
            c.stop()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
