#!/usr/bin/python3
"""N simulated sensors against a yagura hub set-up (issue 19, "1,000 sensors
on one machine"; README, "Running at national scale").

Each simulated sensor does what `yagura sensor --hub` does on the wire, with
real connections: it follows the hub's change feed (HTTP long-polls,
GET /api/v1/indicators/changes?since=C&wait=25; or, in the NATS set-ups, a
real NATS connection subscribed to yagura.changes whose notices trigger a
GET of the feed with wait=0), and it reports sightings (POST
/api/v1/sightings over HTTP keep-alive; or a JetStream publish to
yagura.sightings.<org> that counts once the PubAck came). The sensors are
bench/tool_sim.c processes (--per-proc sensors each, one epoll loop each,
built with the hub), so the simulator costs little CPU next to the hubs;
this script starts the set-up, commands them and collects what they saw.

Two measurements per set-up:
  time to protect: --indicators indicators POSTed one after the other at the
    hubs (TAXII); for each, the time from the POST to the moment each
    sensor's feed answer holds it: median, p99 and max over all samples;
  ingestion: every sensor sends a batch of --batch sightings every second
    for --seconds; sightings per second acknowledged; then it waits (at
    most --drain-timeout, printing progress) until the hubs counted every
    acknowledged sighting (with NATS they may still be in the stream):
    lost = acknowledged - counted, stored/s = counted / (sending + drain
    time), hub CPU (cores) and memory (peak RSS, all hubs), and the
    simulator's own CPU (cores, all tool_sim processes).

Set-ups (--setups, comma-separated): sqlite1 (one hub, SQLite), pg3 (three
hubs on one PostgreSQL), and the same with NATS: sqlite1-nats, pg3-nats.

  bench/sim_sensors.py [--sensors 1000] [--seconds 60] [--indicators 100]
                       [--setups ...] [--build build] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import resource
import signal
import statistics
import subprocess
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
    # As root the hard limit may rise too (hubs, nats-server and the
    # simulator inherit it): 10,000 HTTP sensors hold 20,000 connections.
    if os.geteuid() == 0 and hard != resource.RLIM_INFINITY and hard < 1 << 18:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, 1 << 18))
            hard = 1 << 18
        except (ValueError, OSError):
            pass
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------- sensors


class Workers:
    """The simulated sensors: tool_sim processes (bench/tool_sim.c, one
    epoll loop each, --per-proc sensors each), fed a configuration file,
    commanded on stdin ("ingest T0", "stop") and read on stdout (see the
    head of tool_sim.c) by one thread each."""

    def __init__(self, tool, root, topo, a, inds, ingest_id):
        self.n_ind = len(inds)
        self.times = [dict() for _ in inds]   # k -> {sensor: epoch s}
        self.lock = threading.Lock()
        n_proc = max(1, -(-a.sensors // a.per_proc))
        self.ready = [0] * n_proc
        self.results = [None] * n_proc
        self.procs = []
        self.threads = []
        for p in range(n_proc):
            ids = range(p, a.sensors, n_proc)
            lines = [f"hub {h.port}" for h in topo.hubs]
            if topo.ns:
                lines.append(f"nats {topo.ns.port}")
            for o in topo.orgs:
                lines.append(f"org {o['id']} {o['sensor']} org{o['id']} {o['nats_password']}")
            lines += [f"indicator {i}" for i in inds]
            lines += [f"ingest {ingest_id}", f"sensors {p} {n_proc} {len(ids)}",
                      f"batch {a.batch}", f"seconds {a.seconds}", f"window {a.window}",
                      f"beacons {a.beacons}"]
            cfg = root / f"sim{p}.conf"
            cfg.write_text("\n".join(lines) + "\n")
            cfg.chmod(0o600)
            pr = subprocess.Popen([tool, str(cfg)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
            self.procs.append(pr)
            t = threading.Thread(target=self._read, args=(p, pr), daemon=True)
            t.start()
            self.threads.append(t)

    def _read(self, p, pr):
        for line in pr.stdout:
            f = line.split()
            if not f:
                continue
            if f[0] == "t":
                k, idx, ts = int(f[1]), int(f[2]), float(f[3])
                if 0 <= k < self.n_ind:
                    with self.lock:
                        self.times[k].setdefault(idx, ts)
            elif f[0] == "r":
                self.ready[p] = int(f[1])
            elif f[0] == "i":
                self.results[p] = {"acked": int(f[1]), "failed": int(f[2]),
                                   "unacked": int(f[3]), "nats_errors": int(f[4]),
                                   "beacons": int(f[5]) if len(f) > 5 else 0}

    def pids(self):
        return [pr.pid for pr in self.procs]

    def have(self, k):
        return len(self.times[k])

    def tell(self, cmd):
        for pr in self.procs:
            try:
                pr.stdin.write(cmd + "\n")
                pr.stdin.flush()
            except (BrokenPipeError, OSError):
                pass

    def stop(self):
        self.tell("stop")
        for pr in self.procs:
            try:
                pr.wait(30)
            except subprocess.TimeoutExpired:
                pr.kill()
                pr.wait()
        return [pr.returncode for pr in self.procs]


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


def cpu_self():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_setup(name, a, yagura, tool):
    from cluster import Topology
    spec = SETUPS[name]
    root = pathlib.Path(tempfile.mkdtemp(prefix=f"yg-sim-{name}-"))
    topo = Topology(root, yagura, hubs=spec["hubs"], store=spec["store"], nats=spec["nats"],
                    orgs=a.orgs, hub_args=["--max-polls-per-token", "0",
                                           "--max-polls-per-org", "0",
                                           # Two connections per HTTP sensor.
                                           "--max-connections", str(max(16384, 2 * a.sensors + 1024)),
                                           # Every simulated sensor is 127.0.0.1,
                                           # as sensors behind one NAT would be.
                                           "--max-pending-per-addr", "1000000",
                                           *a.hub_arg])
    out = {"setup": name, "sensors": a.sensors, "dir": str(root)}
    print(f"[{name}] logs in {root}", flush=True)
    w = None
    try:
        topo.start()
        ingest = indicator(f"indicator--{uuid.uuid4()}", f"ingest-{name}.example")
        post_indicator(topo, topo.hubs[0], ingest)
        inds = [f"indicator--{uuid.uuid4()}" for _ in range(a.indicators)]
        w = Workers(tool, root, topo, a, inds, ingest["id"])
        end = time.time() + max(120, a.sensors / 40)
        said = -1
        while sum(w.ready) < a.sensors and time.time() < end:
            if any(pr.poll() is not None for pr in w.procs):
                raise RuntimeError("a tool_sim process ended early")
            if sum(w.ready) // 1000 != said:
                said = sum(w.ready) // 1000
                print(f"[{name}] {sum(w.ready)}/{a.sensors} sensors following", flush=True)
            time.sleep(0.2)
        out["ready"] = sum(w.ready)
        print(f"[{name}] {out['ready']}/{a.sensors} sensors following the hub", flush=True)
        pids = topo.pids()
        extra = [topo.ns.proc.pid] if topo.ns else []
        # Time to protect.
        smp = Sampler(pids)
        sim = Sampler(w.pids())
        me0 = cpu_self()
        smp.start()
        sim.start()
        t0s = []
        for k, oid in enumerate(inds):
            t0 = time.time()
            post_indicator(topo, topo.hubs[k % len(topo.hubs)], indicator(oid, f"p{k}-{name}.example"))
            t0s.append(t0)
            dl = time.time() + a.protect_timeout
            while w.have(k) < out["ready"] and time.time() < dl:
                time.sleep(0.005)
            if k % 10 == 9 or k == a.indicators - 1:
                print(f"[{name}] indicator {k + 1}/{a.indicators}: "
                      f"{w.have(k)} sensors hold it", flush=True)
        out["protect_hub_cpu"], out["protect_hub_rss"] = smp.finish()
        lat = [t - t0s[k] for k in range(a.indicators) for t in w.times[k].values()]
        if lat:
            print(f"[{name}] time to protect: median {statistics.median(lat):.3f} s, "
                  f"p99 {pct(lat, 0.99):.3f} s, max {max(lat):.3f} s, "
                  f"{sum(out['ready'] - w.have(k) for k in range(a.indicators))} missed; "
                  f"hub CPU {out['protect_hub_cpu']:.2f} cores", flush=True)
        out["protect_sim_cpu"], out["sim_rss"] = sim.finish()
        out["protect_driver_cpu"] = (cpu_self() - me0) / max(1e-9, time.time() - smp.t0)
        # Ingestion: a minute (--seconds) of batches, then the hubs drain.
        smp = Sampler(pids)
        smp2 = Sampler(extra)
        sim = Sampler(w.pids())
        smp.start()
        smp2.start()
        sim.start()
        t_ing = time.time() + 1
        w.tell(f"ingest {t_ing:.6f}")
        dl = t_ing + a.seconds + 15 + 60
        while any(r is None for r in w.results) and time.time() < dl:
            time.sleep(0.2)
        sent_wall = time.time() - t_ing
        out["sim_cpu_cores"], rss = sim.finish()
        out["sim_rss"] = max(out["sim_rss"], rss)
        results = [r or {"acked": 0, "failed": 0, "unacked": 0, "nats_errors": 0, "beacons": 0}
                   for r in w.results]
        acked = sum(r["acked"] for r in results)
        print(f"[{name}] {acked} sightings acknowledged in {sent_wall:.1f} s; "
              f"waiting for the hubs to count them", flush=True)
        # Whatever is acknowledged but not yet stored (NATS: still in the
        # stream) must reach the store: wait for it, bounded.
        counted = -1
        t_dr = time.time()
        dl = t_dr + a.drain_timeout
        said = 0.0
        while True:
            counted = hub_count(topo, ingest["id"])
            if counted >= acked or time.time() >= dl:
                break
            if time.time() - said >= 5:
                said = time.time()
                print(f"[{name}] drain: {counted}/{acked} counted after "
                      f"{time.time() - t_dr:.0f} s", flush=True)
            time.sleep(0.5)
        drained = counted >= acked
        total_wall = time.time() - t_ing
        cpu, rss = smp.finish()
        ncpu, nrss = smp2.finish()
        print(f"[{name}] drain: {counted}/{acked} counted after {time.time() - t_dr:.0f} s"
              f"{'' if drained else ' (drain timeout)'}", flush=True)
        lat = []
        missed = 0
        for k in range(a.indicators):
            got = w.times[k]
            lat += [t - t0s[k] for t in got.values()]
            missed += out["ready"] - len(got)
        out.update({
            "protect_median_s": statistics.median(lat) if lat else float("nan"),
            "protect_p99_s": pct(lat, 0.99), "protect_max_s": max(lat) if lat else float("nan"),
            "protect_missed": missed, "acked": acked, "counted": counted,
            "drained": drained, "drain_s": time.time() - t_dr,
            # A batch whose answer came too late for the sensor may be
            # stored all the same: counted above acked is not an error,
            # below it is a loss (or, without "drained", not yet stored).
            "lost": max(0, acked - max(counted, 0)),
            "unacked": sum(r["unacked"] for r in results),
            "failed_sends": sum(r["failed"] for r in results),
            "sightings_per_s": acked / a.seconds,
            "stored_per_s": max(counted, 0) / total_wall,
            "hub_cpu_cores": cpu, "hub_rss_mb": rss / 1e6,
            "nats_cpu_cores": ncpu if extra else None, "nats_rss_mb": nrss / 1e6 if extra else None,
            "nats_errors": sum(r["nats_errors"] for r in results),
            "beacons_acked": sum(r["beacons"] for r in results),
            "sim_rss_mb": out["sim_rss"] / 1e6,
            "load_avg": os.getloadavg()[0],
        })
    finally:
        if w:
            # Non-zero: a tool_sim crashed, or (sanitized builds) leaked.
            out["sim_exit"] = w.stop()
        topo.stop()
        hub_report(topo, name, out)
    return out


def hub_report(topo, name, out):
    """What each stopped hub said of its NATS consumer (messages taken,
    acknowledged, ...) and of itself under a sanitizer: the messages a
    sanitized hunt really handled, and whether it saw anything."""
    out["hub_exit"], out["hub_nats"], out["sanitizer_reports"] = [], [], 0
    for h in topo.hubs:
        code, text = h.stop()
        out["hub_exit"].append(code)
        for line in text.splitlines():
            if "nats: " in line and "messages taken" in line:
                out["hub_nats"].append(line.split("nats: ", 1)[1])
            if ("WARNING: ThreadSanitizer" in line or "ERROR: AddressSanitizer" in line
                    or "ERROR: LeakSanitizer" in line or "runtime error:" in line):
                out["sanitizer_reports"] += 1
        for line in out["hub_nats"]:
            print(f"[{name}] hub: {line}", flush=True)
    if out["sanitizer_reports"]:
        print(f"[{name}] {out['sanitizer_reports']} sanitizer report(s): see the hub logs in "
              f"{out['dir']}/hub", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sensors", type=int, default=1000)
    ap.add_argument("--indicators", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--batch", type=int, default=5, help="sightings per batch")
    ap.add_argument("--beacons", type=int, default=0,
                    help="every K-th report of a sensor is a beacons report instead of a "
                         "sighting batch (0: sightings only); exercises the hosts path")
    ap.add_argument("--orgs", type=int, default=10)
    ap.add_argument("--per-proc", type=int, default=5000, help="sensors per tool_sim process")
    ap.add_argument("--window", type=int, default=256,
                    help="sensors connecting at once, per process")
    ap.add_argument("--protect-timeout", type=float, default=20)
    ap.add_argument("--drain-timeout", type=float, default=600,
                    help="seconds to wait for the hubs to count every acknowledged sighting")
    ap.add_argument("--setups", default="sqlite1,pg3,sqlite1-nats,pg3-nats")
    ap.add_argument("--build", default="build")
    ap.add_argument("--tool-build",
                    help="the build tool_sim comes from (default: --build); e.g. a release "
                         "simulator against a ThreadSanitizer hub")
    ap.add_argument("--hub-arg", action="append", default=[],
                    help="one more argument for every hub (repeat it), e.g. "
                         "--hub-arg=--nats-ack-wait --hub-arg=60000 for a slow sanitized hub")
    ap.add_argument("--json")
    a = ap.parse_args()

    def on_term(*_):
        raise KeyboardInterrupt  # the finally blocks stop what was started

    signal.signal(signal.SIGTERM, on_term)
    print(f"descriptor limit {raise_nofile()}", flush=True)
    yagura = str(ROOT / a.build / "yagura")
    tool = str(ROOT / (a.tool_build or a.build) / "tool_sim")
    rows = []
    for name in a.setups.split(","):
        rows.append(run_setup(name, a, yagura, tool))
        r = rows[-1]
        print(f"[{name}] done: {json.dumps(r)}", flush=True)
    print()
    print(f"{a.sensors} sensors, {a.indicators} indicators, batches of {a.batch} every second "
          f"for {a.seconds} s")
    hdr = (f"{'set-up':<14}{'ready':>6}{'protect median':>16}{'p99':>8}{'max':>8}{'missed':>8}"
           f"{'sightings/s':>13}{'stored/s':>10}{'lost':>7}{'hub CPU':>9}{'hub RSS':>10}"
           f"{'sim CPU':>9}{'load':>6}")
    print(hdr)
    for r in rows:
        lost = f"{r['lost']}" + ("" if r["drained"] else "?")
        print(f"{r['setup']:<14}{r['ready']:>6}{r['protect_median_s']:>15.3f}s"
              f"{r['protect_p99_s']:>7.3f}s{r['protect_max_s']:>7.3f}s{r['protect_missed']:>8}"
              f"{r['sightings_per_s']:>13.0f}{r['stored_per_s']:>10.0f}{lost:>7}"
              f"{r['hub_cpu_cores']:>8.2f}c{r['hub_rss_mb']:>8.0f}MB"
              f"{r['sim_cpu_cores']:>8.2f}c{r['load_avg']:>6.1f}")
    print("lost N? = the drain timeout passed with N acknowledged sightings not yet counted")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
