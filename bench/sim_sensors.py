#!/usr/bin/python3
"""N simulated sensors against a yagura hub set-up (issue 19, "1,000 sensors
on one machine"; README, "Running at national scale").

Each simulated sensor does what `yagura sensor --hub` does on the wire, with
real connections: it follows the hub's change feed (HTTP long-polls,
GET /api/v1/indicators/changes?since=C&wait=25; or, in the NATS set-ups, a
real NATS connection subscribed to yagura.changes whose notices trigger a
GET of the feed with wait=0), and it reports sightings (POST
/api/v1/sightings over HTTP keep-alive; or a JetStream publish to
yagura.sightings.<org> that counts once the PubAck came). Sensors run in
several processes (--per-proc each, asyncio), each raising its descriptor
limit.

Two measurements per set-up:
  time to protect: --indicators indicators POSTed one after the other at the
    hubs (TAXII); for each, the time from the POST to the moment each
    sensor's feed answer holds it: median, p99 and max over all samples;
  ingestion: every sensor sends a batch of --batch sightings every second
    for --seconds; sightings per second acknowledged, how many the hubs
    counted at the end (lost = acknowledged - counted), hub CPU (cores) and
    memory (peak RSS, all hubs).

Set-ups (--setups, comma-separated): sqlite1 (one hub, SQLite), pg3 (three
hubs on one PostgreSQL), and the same with NATS: sqlite1-nats, pg3-nats.

  bench/sim_sensors.py [--sensors 1000] [--seconds 60] [--setups ...]
                       [--build build] [--json FILE]
"""
import argparse
import asyncio
import json
import multiprocessing as mp
import os
import pathlib
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
SETUPS = {
    "sqlite1": dict(hubs=1, store="sqlite", nats=False),
    "pg3": dict(hubs=3, store="postgresql", nats=False),
    "sqlite1-nats": dict(hubs=1, store="sqlite", nats=True),
    "pg3-nats": dict(hubs=3, store="postgresql", nats=True),
}


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def stix_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


# ---------------------------------------------------------------- HTTP/1.1


class Http:
    """One keep-alive HTTP/1.1 connection (reconnects when it broke)."""

    def __init__(self, port, token):
        self.port = port
        self.auth = f"Bearer {token}"
        self.r = self.w = None

    async def request(self, method, path, body=None, ctype="application/json",
                      accept="application/json", timeout=60):
        for attempt in (0, 1):
            try:
                if self.w is None:
                    self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)
                head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: {self.auth}\r\nAccept: {accept}\r\n")
                if body is not None:
                    head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                self.w.write(head.encode() + b"\r\n" + (body or b""))
                await self.w.drain()
                return await asyncio.wait_for(self._answer(), timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                self.close()
                if attempt:
                    return 0, {}, b""
        return 0, {}, b""

    async def _answer(self):
        line = await self.r.readline()
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(line.split()[1])
        hdr = {}
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            hdr[k.strip().lower()] = v.strip()
        if hdr.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                n = int((await self.r.readline()).split(b";")[0], 16)
                if n == 0:
                    await self.r.readline()
                    break
                body += await self.r.readexactly(n)
                await self.r.readexactly(2)
        else:
            body = await self.r.readexactly(int(hdr.get("content-length", "0")))
        if hdr.get("connection", "").lower() == "close":
            self.close()
        return status, hdr, body

    def close(self):
        if self.w:
            self.w.close()
        self.r = self.w = None


# ---------------------------------------------------------------- NATS


class Nats:
    """The NATS text protocol, as a member's sensor speaks it: CONNECT with
    the member's user, SUB yagura.changes, PUB with a reply inbox for the
    JetStream PubAck."""

    def __init__(self):
        self.waiters = {}
        self.changed = asyncio.Event()
        self.errors = 0
        self.inbox = None

    async def connect(self, port, user, password):
        # A member may read only its own reply inboxes (natsconn.h).
        self.inbox = f"_INBOX.{user}.{uuid.uuid4().hex}"
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port)
        info = await self.r.readline()
        assert info.startswith(b"INFO"), info
        cmd = json.dumps({"verbose": False, "pedantic": False, "user": user, "pass": password,
                          "protocol": 1, "name": "sim-sensor"})
        self.w.write(f"CONNECT {cmd}\r\nSUB yagura.changes 1\r\nSUB {self.inbox}.* 2\r\n"
                     "PING\r\n".encode())
        await self.w.drain()
        while True:
            line = await self.r.readline()
            if line.startswith(b"PONG"):
                break
            if line.startswith(b"-ERR") or not line:
                raise ConnectionError(line.decode())
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            while True:
                line = await self.r.readline()
                if not line:
                    break
                if line.startswith(b"MSG "):
                    parts = line.split()
                    data = await self.r.readexactly(int(parts[-1]) + 2)
                    subj = parts[1].decode()
                    if subj == "yagura.changes":
                        self.changed.set()
                    else:
                        f = self.waiters.pop(subj, None)
                        if f and not f.done():
                            f.set_result(data[:-2])
                elif line.startswith(b"PING"):
                    self.w.write(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    self.errors += 1
        except (OSError, asyncio.IncompleteReadError):
            pass
        for f in self.waiters.values():
            if not f.done():
                f.set_result(None)

    async def js_publish(self, subject, data, timeout=10):
        reply = f"{self.inbox}.{uuid.uuid4().hex[:10]}"
        f = asyncio.get_running_loop().create_future()
        self.waiters[reply] = f
        try:
            self.w.write(f"PUB {subject} {reply} {len(data)}\r\n".encode() + data + b"\r\n")
            await self.w.drain()
            ack = await asyncio.wait_for(f, timeout)
        except (OSError, asyncio.TimeoutError):
            self.waiters.pop(reply, None)
            return False
        try:
            return ack is not None and json.loads(ack).get("stream") == "YAGURA"
        except ValueError:
            return False


# ---------------------------------------------------------------- a sensor


class Sensor:
    def __init__(self, w, idx, org, port, nats_port):
        self.w = w
        self.idx = idx
        self.org = org
        self.feed = Http(port, org["sensor"])
        self.post = Http(port, org["sensor"])
        self.nats_port = nats_port
        self.nats = None
        self.cursor = "0"
        self.ready = False
        self.acked = 0
        self.failed = 0
        self.pending = []

    async def _changes(self, wait):
        st, hdr, body = await self.feed.request(
            "GET", f"/api/v1/indicators/changes?since={self.cursor}&wait={wait}")
        now = time.time()
        if st != 200:
            ra = hdr.get("retry-after", "1")
            await asyncio.sleep(min(float(ra) if ra.isdigit() else 1.0, 5.0))
            return False
        j = json.loads(body)
        self.cursor = j["cursor"]
        for ch in j["changes"]:
            k = self.w.want.get(ch["id"]) if ch["op"] == "upsert" else None
            if k is not None and self.idx not in self.w.times[k]:
                self.w.times[k][self.idx] = now
                self.w.have[k] += 1
        return j.get("more", False)

    async def run_feed(self):
        if self.nats_port:
            self.nats = Nats()
            for _ in range(50):
                try:
                    await self.nats.connect(self.nats_port, f"org{self.org['id']}",
                                            self.org["nats_password"])
                    break
                except (OSError, ConnectionError):
                    await asyncio.sleep(0.2)
        while await self._changes(0):
            pass
        self.ready = True
        self.w.ready.value += 1
        while not self.w.stopping():
            if self.nats:
                try:
                    await asyncio.wait_for(self.nats.changed.wait(), 25)
                except asyncio.TimeoutError:
                    pass
                self.nats.changed.clear()
                while await self._changes(0) and not self.w.stopping():
                    pass
            else:
                while await self._changes(25) and not self.w.stopping():
                    pass

    def _batch(self, n):
        now = stix_now()
        objs = [{"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
                 "created": now, "modified": now, "sighting_of_ref": self.w.ingest_id,
                 "count": 1, "first_seen": now, "last_seen": now} for _ in range(n)]
        return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                           "objects": objs}).encode(), n

    async def _send(self, body):
        if self.nats:
            return await self.nats.js_publish(f"yagura.sightings.{self.org['id']}", body)
        st, _, ans = await self.post.request("POST", "/api/v1/sightings", body)
        if st != 200:
            return False
        j = json.loads(ans)
        return j["accepted"] + j.get("duplicates", 0) + len(j.get("rejected", [])) > 0

    async def run_ingest(self, t0, seconds, batch):
        # Spread over the second, as sensors started at random times are.
        await asyncio.sleep(max(0.0, t0 - time.time()) + random.random())
        end = t0 + seconds
        while time.time() < end:
            tick = time.time()
            self.pending.append(self._batch(batch))
            while self.pending:
                body, n = self.pending[0]
                if not await self._send(body):
                    self.failed += 1
                    break
                self.pending.pop(0)
                self.acked += n
            await asyncio.sleep(max(0.0, 1.0 - (time.time() - tick)))
        # What the hub did not take in time is retried for a while, as a
        # sensor's spool would.
        grace = time.time() + 15
        while self.pending and time.time() < grace:
            body, n = self.pending[0]
            if await self._send(body):
                self.pending.pop(0)
                self.acked += n
            else:
                await asyncio.sleep(0.5)


class Worker:
    def __init__(self, cfg, ready, have, phase, t_ingest):
        self.cfg = cfg
        self.ready = ready
        self.have_shared = have
        self.phase = phase
        self.t_ingest = t_ingest
        self.want = {i: k for k, i in enumerate(cfg["indicators"])}
        self.ingest_id = cfg["ingest_id"]
        self.times = [dict() for _ in cfg["indicators"]]
        self.have = _Counter(have)

    def stopping(self):
        return self.phase.value >= 2


class _Counter:
    """have[k] += 1 on the shared array (one writer: this process)."""

    def __init__(self, arr):
        self.arr = arr

    def __getitem__(self, k):
        return self.arr[k]

    def __setitem__(self, k, v):
        self.arr[k] = v


async def worker_async(w, conn):
    cfg = w.cfg
    sensors = []
    for i in cfg["sensors"]:
        org = cfg["orgs"][i % len(cfg["orgs"])]
        port = cfg["ports"][i % len(cfg["ports"])]
        sensors.append(Sensor(w, i, org, port, cfg["nats_port"]))
    feeds = []
    for s in sensors:
        feeds.append(asyncio.ensure_future(s.run_feed()))
        await asyncio.sleep(cfg["ramp"])
    while w.phase.value < 1:
        await asyncio.sleep(0.1)
    ingest = [asyncio.ensure_future(s.run_ingest(w.t_ingest.value, cfg["seconds"], cfg["batch"]))
              for s in sensors]
    await asyncio.gather(*ingest)
    res = {"acked": sum(s.acked for s in sensors), "failed": sum(s.failed for s in sensors),
           "unacked": sum(n for s in sensors for _, n in s.pending),
           "times": [list(t.items()) for t in w.times],
           "nats_errors": sum(s.nats.errors for s in sensors if s.nats)}
    conn.send(res)
    conn.close()
    while w.phase.value < 2:
        await asyncio.sleep(0.1)
    for f in feeds:
        f.cancel()
    for s in sensors:
        s.feed.close()
        s.post.close()


def worker_main(cfg, ready, have, phase, t_ingest, conn):
    raise_nofile()
    w = Worker(cfg, ready, have, phase, t_ingest)
    asyncio.run(worker_async(w, conn))


# ---------------------------------------------------------------- driver


class Sampler(threading.Thread):
    """CPU seconds and peak RSS of processes, sampled every 0.5 s."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak_rss = 0
        self.stop_ev = threading.Event()
        self.cpu0 = self.cpu()
        self.t0 = time.time()

    def cpu(self):
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for p in self.pids:
            try:
                f = pathlib.Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(f[11]) + int(f[12])) / tick
            except (OSError, IndexError):
                pass
        return total

    def rss(self):
        total = 0
        for p in self.pids:
            try:
                for line in pathlib.Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def run(self):
        while not self.stop_ev.wait(0.5):
            self.peak_rss = max(self.peak_rss, self.rss())

    def finish(self):
        self.stop_ev.set()
        self.join()
        self.peak_rss = max(self.peak_rss, self.rss())
        wall = time.time() - self.t0
        return (self.cpu() - self.cpu0) / wall if wall > 0 else 0.0, self.peak_rss


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def post_indicator(topo, hub, ind):
    import requests
    for _ in range(20):
        try:
            return _post_indicator(topo, hub, ind)
        except requests.ConnectionError:
            time.sleep(0.2)
    return _post_indicator(topo, hub, ind)


def _post_indicator(topo, hub, ind):
    import requests
    r = requests.post(f"{hub.base}/taxii2/api/collections/{topo.coll}/objects/",
                      headers={"Authorization": f"Bearer {topo.orgs[0]['analyst']}",
                               "Accept": TAXII, "Content-Type": TAXII},
                      json={"objects": [ind]}, timeout=60)
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text


def indicator(oid, name):
    return {"type": "indicator", "spec_version": "2.1", "id": oid,
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": f"[domain-name:value = '{name}']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [GREEN]}


def hub_count(topo, ind_id):
    """The hub's count, or -1 while it does not answer (a hub still busy
    with a backlog)."""
    import requests
    try:
        r = requests.get(f"{topo.hubs[0].base}/api/v1/indicators/{ind_id}/sightings",
                         headers={"Authorization": f"Bearer {topo.orgs[0]['analyst']}",
                                  "Accept": "application/json"}, timeout=30)
    except requests.RequestException:
        return -1
    return r.json()["count"] if r.status_code == 200 else -1


def run_setup(name, a, yagura):
    from cluster import Topology
    spec = SETUPS[name]
    root = pathlib.Path(tempfile.mkdtemp(prefix=f"yg-sim-{name}-"))
    topo = Topology(root, yagura, hubs=spec["hubs"], store=spec["store"], nats=spec["nats"],
                    orgs=a.orgs, hub_args=["--max-polls-per-token", "0",
                                           "--max-polls-per-org", "0",
                                           # Every simulated sensor is 127.0.0.1,
                                           # as sensors behind one NAT would be.
                                           "--max-pending-per-addr", "1000000"])
    out = {"setup": name, "sensors": a.sensors}
    procs = []
    try:
        topo.start()
        ingest = indicator(f"indicator--{uuid.uuid4()}", f"ingest-{name}.example")
        post_indicator(topo, topo.hubs[0], ingest)
        inds = [f"indicator--{uuid.uuid4()}" for _ in range(a.indicators)]
        n_proc = max(1, -(-a.sensors // a.per_proc))
        phase = mp.Value("i", 0, lock=False)
        t_ingest = mp.Value("d", 0.0, lock=False)
        readies, haves, pipes = [], [], []
        ctx = mp.get_context("fork")
        for p in range(n_proc):
            ids = list(range(p, a.sensors, n_proc))
            cfg = {"sensors": ids, "orgs": topo.orgs, "ports": [h.port for h in topo.hubs],
                   "nats_port": topo.ns.port if topo.ns else None, "indicators": inds,
                   "ingest_id": ingest["id"], "seconds": a.seconds, "batch": a.batch,
                   "ramp": a.ramp}
            ready = ctx.Value("i", 0, lock=False)
            have = ctx.Array("i", a.indicators, lock=False)
            rx, tx = ctx.Pipe(duplex=False)
            pr = ctx.Process(target=worker_main, args=(cfg, ready, have, phase, t_ingest, tx))
            pr.start()
            procs.append(pr)
            readies.append(ready)
            haves.append(have)
            pipes.append(rx)
        end = time.time() + max(120, a.sensors * a.ramp * 2 / n_proc + 60)
        while sum(r.value for r in readies) < a.sensors and time.time() < end:
            time.sleep(0.2)
        out["ready"] = sum(r.value for r in readies)
        print(f"[{name}] {out['ready']}/{a.sensors} sensors following the hub", flush=True)
        pids = topo.pids()
        extra = [topo.ns.proc.pid] if topo.ns else []
        # Time to protect.
        smp = Sampler(pids)
        smp.start()
        t0s = []
        for k, oid in enumerate(inds):
            t0 = time.time()
            post_indicator(topo, topo.hubs[k % len(topo.hubs)], indicator(oid, f"p{k}-{name}.example"))
            t0s.append(t0)
            dl = time.time() + a.protect_timeout
            while sum(h[k] for h in haves) < out["ready"] and time.time() < dl:
                time.sleep(0.005)
            if k % 10 == 9 or k == a.indicators - 1:
                print(f"[{name}] indicator {k + 1}/{a.indicators}: "
                      f"{sum(h[k] for h in haves)} sensors hold it", flush=True)
        out["protect_hub_cpu"], out["protect_hub_rss"] = smp.finish()
        # Ingestion.
        smp = Sampler(pids)
        smp2 = Sampler(extra)
        smp.start()
        smp2.start()
        t_ingest.value = time.time() + 1
        phase.value = 1
        results = [rx.recv() for rx in pipes]
        ing_wall = time.time() - t_ingest.value
        acked = sum(r["acked"] for r in results)
        # NATS: what is in the stream but not yet in the store drains.
        counted, last, stable = -1, -2, time.time()
        dl = time.time() + 180
        while time.time() < dl:
            counted = hub_count(topo, ingest["id"])
            if counted >= acked:
                break
            if counted != last:
                last, stable = counted, time.time()
            elif time.time() - stable > 10:
                break
            time.sleep(0.5)
        cpu, rss = smp.finish()
        ncpu, nrss = smp2.finish()
        phase.value = 2
        lat = []
        missed = 0
        for k in range(a.indicators):
            got = {}
            for r in results:
                got.update(dict(r["times"][k]))
            lat += [t - t0s[k] for t in got.values()]
            missed += out["ready"] - len(got)
        out.update({
            "protect_median_s": statistics.median(lat) if lat else float("nan"),
            "protect_p99_s": pct(lat, 0.99), "protect_max_s": max(lat) if lat else float("nan"),
            "protect_missed": missed, "acked": acked, "counted": counted,
            # A batch whose answer came too late for the sensor is kept
            # and may be stored all the same: counted above acked is not
            # an error, below it is a loss.
            "lost": max(0, acked - counted) if counted >= 0 else None,
            "unacked": sum(r["unacked"] for r in results),
            "failed_sends": sum(r["failed"] for r in results),
            "sightings_per_s": acked / a.seconds, "ingest_wall_s": ing_wall,
            "hub_cpu_cores": cpu, "hub_rss_mb": rss / 1e6,
            "nats_cpu_cores": ncpu if extra else None, "nats_rss_mb": nrss / 1e6 if extra else None,
            "nats_errors": sum(r["nats_errors"] for r in results),
        })
        for pr in procs:
            pr.join(30)
    finally:
        for pr in procs:
            if pr.is_alive():
                pr.terminate()
        topo.stop()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sensors", type=int, default=1000)
    ap.add_argument("--indicators", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--batch", type=int, default=5, help="sightings per batch")
    ap.add_argument("--orgs", type=int, default=10)
    ap.add_argument("--per-proc", type=int, default=1000, help="sensors per process")
    ap.add_argument("--ramp", type=float, default=0.002, help="seconds between sensor starts")
    ap.add_argument("--protect-timeout", type=float, default=20)
    ap.add_argument("--setups", default="sqlite1,pg3,sqlite1-nats,pg3-nats")
    ap.add_argument("--build", default="build")
    ap.add_argument("--json")
    a = ap.parse_args()
    print(f"descriptor limit {raise_nofile()}", flush=True)
    yagura = str(ROOT / a.build / "yagura")
    rows = []
    for name in a.setups.split(","):
        rows.append(run_setup(name, a, yagura))
        r = rows[-1]
        print(f"[{name}] done: {json.dumps(r)}", flush=True)
    print()
    print(f"{a.sensors} sensors, {a.indicators} indicators, batches of {a.batch} every second "
          f"for {a.seconds} s")
    hdr = (f"{'set-up':<14}{'ready':>6}{'protect median':>16}{'p99':>8}{'max':>8}{'missed':>8}"
           f"{'sightings/s':>13}{'lost':>7}{'hub CPU':>9}{'hub RSS':>10}")
    print(hdr)
    for r in rows:
        # lost is None when the hubs had not counted every acknowledged
        # sighting before the simulation stopped waiting ("counted": -1).
        lost = "?" if r["lost"] is None else r["lost"]
        print(f"{r['setup']:<14}{r['ready']:>6}{r['protect_median_s']:>15.3f}s"
              f"{r['protect_p99_s']:>7.3f}s{r['protect_max_s']:>7.3f}s{r['protect_missed']:>8}"
              f"{r['sightings_per_s']:>13.0f}{lost:>7}{r['hub_cpu_cores']:>8.2f}c"
              f"{r['hub_rss_mb']:>8.0f}MB")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
