#!/usr/bin/python3
"""A yagura hub set-up on this machine (README, "Running at national
scale"): `make run-cluster` and bench/sim_sensors.py start it from here.

  sensors --(NATS JetStream, yagura.<kind>.<org>)--> nats-server -js
  nats-server <--(durable pull consumers "hubs-*")--> hub 1..N
  hub 1..N --(libpq, target_session_attrs=read-write)--> PostgreSQL primary
  PostgreSQL primary --(streaming replication)--> standby

or, as small as it gets, one hub on its embedded SQLite store. Members are
organizations m00..mNN, each with a sensor token, an analyst token and
(with NATS) a NATS user allowed to publish only on its own subjects.

  bench/cluster.py [--hubs 3] [--store postgresql|sqlite] [--standby]
                   [--nats] [--orgs 3] [--dir DIR] [--build build]

prints what it started (URLs, tokens, credentials files, a sensor command
line) and runs until Ctrl-C, then stops everything it started."""
import argparse
import json
import os
import pathlib
import signal
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import hubfixture  # noqa: E402
import natsfixture  # noqa: E402
import pgcluster  # noqa: E402

JSON = "application/json"


class Topology:
    def __init__(self, root, yagura, hubs=1, store="sqlite", nats=False, standby=False,
                 orgs=3, hub_args=()):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # PostgreSQL runs as another user (pgcluster.py): it must get in.
        self.root.chmod(0o755)
        self.yagura = yagura
        self.n_hubs = hubs
        self.store = store
        self.use_nats = nats
        self.standby = standby
        self.n_orgs = orgs
        self.hub_args = list(hub_args)
        self.pg = self.pg2 = None
        self.ns = None
        self.hubs = []
        os.environ["YG_BIN"] = yagura

    def _store_args(self):
        if self.store != "postgresql":
            return []
        return ["--store", "postgresql", "--pg", self.pg_url]

    def _start_hub(self, i):
        args = list(self.hub_args)
        if self.ns:
            args += ["--nats", self.ns.url, "--nats-creds", str(self.hub_creds)]
        h = hubfixture.Hub(self.data, args=args, log_name=f"hub{i}.log",
                           store=self._store_args())
        self.hubs.append(h)
        return h

    def start(self):
        self.data = self.root / "hub"
        self.data.mkdir(exist_ok=True)
        if self.store == "postgresql":
            self.pg = pgcluster.start(self.root / "pg")
            url = self.pg.dbname("yagura")
            db = url.rsplit("/", 1)[1]
            if self.standby:
                self.pg2 = pgcluster.start_standby(self.pg, "standby1", root=self.root / "pg2")
                # Both servers: libpq takes whichever accepts writes, so a
                # promoted standby needs no change at the hubs.
                url = (f"postgresql://{pgcluster.ROLE}@127.0.0.1:{self.pg.port},"
                       f"127.0.0.1:{self.pg2.port}/{db}?target_session_attrs=read-write")
            self.pg_url = url
        if self.use_nats:
            self.ns = natsfixture.NatsServer(self.root / "nats")
            self.hub_creds = self.ns.hub_creds(self.root / "hub.creds")
        h0 = self._start_hub(0)
        self.orgs = []
        admin_org = None
        for k in range(self.n_orgs):
            name = f"m{k:02d}"
            h0.org(name, sector=("energy", "rail", "water", "finance")[k % 4])
            o = {"name": name, "sensor": h0.token(name, "sensor"),
                 "analyst": h0.token(name, "analyst"), "nats_password": os.urandom(12).hex()}
            who = h0.get("/api/v1/whoami", o["analyst"], accept=JSON).json()
            o["id"], o["identity"] = who["org_id"], who["identity"]
            self.orgs.append(o)
            admin_org = admin_org or name
        self.admin_token = h0.token(admin_org, "admin")
        self.coll = h0.get("/taxii2/api/collections/",
                           self.orgs[0]["analyst"]).json()["collections"][0]["id"]
        if self.ns:
            self.ns.members = {f"org{o['id']}": (o["id"], o["nats_password"]) for o in self.orgs}
            self.ns.start()
            for o in self.orgs:
                o["creds"] = str(natsfixture.write_creds(self.root / f"org{o['id']}.creds",
                                                         f"org{o['id']}", o["nats_password"],
                                                         o["id"]))
        for i in range(1, self.n_hubs):
            self._start_hub(i)
        if self.ns:
            natsfixture.wait_stream(self.ns, timeout=30)
        return self

    def pids(self):
        return [h.proc.pid for h in self.hubs]

    def describe(self):
        o = self.orgs[0]
        lines = [f"hubs:        {' '.join(h.base for h in self.hubs)}"]
        if self.pg:
            lines.append(f"PostgreSQL:  {self.pg_url}")
        if self.ns:
            lines.append(f"NATS:        {self.ns.url} (JetStream in {self.ns.folder / 'js'})")
        lines.append(f"admin token: {self.admin_token}")
        for m in self.orgs:
            c = f", NATS creds {m['creds']}" if self.ns else ""
            lines.append(f"member {m['name']} (org id {m['id']}): sensor token {m['sensor']}{c}")
        cmd = (f"{self.yagura} sensor -i IFACE --hub {self.hubs[0].base} --token {o['sensor']} "
               f"--spool /var/lib/yagura/spool")
        if self.ns:
            cmd += f" --nats {self.ns.url} --nats-creds {o['creds']} --hub-feed nats"
        lines.append("a sensor:    " + cmd)
        return "\n".join(lines)

    def stop(self):
        for h in self.hubs:
            if h.proc.poll() is None:
                h.stop()
        if self.ns:
            self.ns.stop()
        for c in (self.pg2, self.pg):
            if c:
                c.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hubs", type=int, default=3)
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql")
    ap.add_argument("--standby", action="store_true")
    ap.add_argument("--nats", action="store_true")
    ap.add_argument("--orgs", type=int, default=3)
    ap.add_argument("--dir")
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    if a.nats and not natsfixture.nats_server_bin():
        sys.exit("nats-server is not installed (scripts/setup.sh installs it)")
    root = pathlib.Path(a.dir or tempfile.mkdtemp(prefix="yg-cluster-"))
    t = Topology(root, str(ROOT / a.build / "yagura"), hubs=a.hubs, store=a.store,
                 nats=a.nats, standby=a.standby, orgs=a.orgs)
    try:
        t.start()
        print(t.describe(), flush=True)
        print(f"logs in {root}; Ctrl-C stops everything", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        t.stop()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Also when started in the background, where SIGINT comes ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
