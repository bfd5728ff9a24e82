"""A private PostgreSQL cluster for the tests (issue 19): initdb and pg_ctl
from Debian's `postgresql` package, in a temporary folder, on a free
loopback port, with trust authentication for the one role `yagura`.

The server refuses to run as root, so under root the cluster belongs to the
unprivileged `nobody` and every server command runs through `runuser`.

As a module: start() -> Cluster (url, dbname(), stop()). As a command:
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
import socket
import subprocess
import sys
import tempfile
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
    def __init__(self, root, port):
        super().__init__(f"postgresql://{ROLE}@127.0.0.1:{port}/postgres")
        self.root = pathlib.Path(root)
        self.port = port

    def stop(self):
        bindir = pg_bindir()
        subprocess.run(_as_owner([f"{bindir}/pg_ctl", "-D", str(self.root / "data"),
                                  "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def start(root=None):
    """Creates and starts a cluster in root (a new temporary folder when
    None). Raises RuntimeError with the server's words when it cannot."""
    bindir = pg_bindir()
    if not bindir:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql; "
                           "run scripts/setup.sh)")
    root = pathlib.Path(root or tempfile.mkdtemp(prefix="yg-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
    os.chmod(root, 0o700)
    data = root / "data"
    # No fsync and a C locale: a throw-away cluster, and byte-order
    # collation like SQLite's (the schema asks for "C" where it sorts).
    p = subprocess.run(_as_owner([f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", ROLE,
                                  "-E", "UTF8", "--locale=C", "--no-sync"]),
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("initdb failed: " + p.stderr)
    for _ in range(5):
        port = _free_port()
        opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        p = subprocess.run(_as_owner([f"{bindir}/pg_ctl", "-D", str(data), "-l", str(root / "log"),
                                      "-o", opts, "-w", "-t", "60", "start"]),
                           capture_output=True, text=True, timeout=120)
        if p.returncode == 0:
            return Cluster(root, port)
    log = (root / "log").read_text() if (root / "log").exists() else p.stderr
    raise RuntimeError("pg_ctl start failed: " + log)


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
