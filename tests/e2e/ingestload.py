"""Ingestion at a running hub for the resilience tests (issue 17): threads
that post TAXII objects, sightings and mail submissions as fast as the hub
takes them, each recording what the hub acknowledged and when:

  TAXII  202 with the envelope's ids in `successes` (status complete)
  sightings  200 with "accepted" (every id of the batch, none rejected)
  mail   201 with a "submission" id

A request that fails (a killed hub, a store that is away) is not an
acknowledgement; the thread waits a little and goes on until stopped."""
import itertools
import os
import sys
import threading
import time
import uuid
from email.message import EmailMessage

import requests

sys.path.insert(0, os.path.dirname(__file__))
import mailgen  # noqa: E402
from hubfixture import TAXII, indicator  # noqa: E402

JSON = "application/json"
_seq = itertools.count(1)


def mail_bytes(n):
    m = EmailMessage()
    m["From"] = f"Billing {n} <billing{n}@evil-billing{n % 7}.example>"
    m["To"] = "someone@corp-bravo.example"
    m["Subject"] = f"Invoice {n} overdue"
    m["Message-ID"] = f"<{uuid.uuid4().hex}@evil-billing.example>"
    m["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    m.set_content(f"Pay now at http://evil-billing{n % 7}.example/pay/{n}")
    return mailgen.raw(m)


class Load:
    """Runs the three kinds of writes against base (a URL, or a callable
    giving the URL of the moment) with token; ind_id is an indicator the
    sightings refer to. kinds limits which writers run."""

    def __init__(self, base, token, coll, ind_id, kinds=("taxii", "sightings", "mail"),
                 batch=4, pause=0.0):
        self.base = base if callable(base) else (lambda: base)
        self.token = token
        self.coll = coll
        self.ind_id = ind_id
        self.batch = batch
        self.pause = pause
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        # kind -> list of (monotonic time of the ack, id)
        self.acked = {k: [] for k in kinds}
        self.errors = {k: 0 for k in kinds}
        self.threads = [threading.Thread(target=getattr(self, "_" + k), daemon=True)
                        for k in kinds]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(60)
        assert not any(t.is_alive() for t in self.threads), "a load thread hung"

    def count(self, kind):
        with self.lock:
            return len(self.acked[kind])

    def acked_before(self, t):
        """{kind: set of ids} acknowledged before monotonic time t."""
        with self.lock:
            return {k: {i for (at, i) in v if at < t} for k, v in self.acked.items()}

    def all_acked(self):
        return self.acked_before(float("inf"))

    def _record(self, kind, ids):
        now = time.monotonic()
        with self.lock:
            self.acked[kind].extend((now, i) for i in ids)

    def _loop(self, kind, one):
        s = requests.Session()
        h = {"Authorization": f"Bearer {self.token}"}
        while not self.stop_ev.is_set():
            try:
                ids = one(s, h)
            except (requests.RequestException, ValueError, KeyError):
                ids = None
            if ids:
                self._record(kind, ids)
            else:
                with self.lock:
                    self.errors[kind] += 1
                self.stop_ev.wait(0.02)
            if self.pause:
                self.stop_ev.wait(self.pause)
        s.close()

    def _taxii(self):
        def one(s, h):
            objs = [indicator(ip=f"203.0.113.{next(_seq) % 250 + 1}", tlp="green")
                    for _ in range(self.batch)]
            r = s.post(f"{self.base()}/taxii2/api/collections/{self.coll}/objects/",
                       headers=dict(h, Accept=TAXII, **{"Content-Type": TAXII}),
                       json={"objects": objs}, timeout=30)
            if r.status_code != 202:
                return None
            st = r.json()
            if st.get("status") != "complete" or st.get("success_count") != len(objs):
                return None
            return [o["id"] for o in objs]
        self._loop("taxii", one)

    def _sightings(self):
        def one(s, h):
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            objs = [{"type": "sighting", "spec_version": "2.1",
                     "id": f"sighting--{uuid.uuid4()}", "created": now, "modified": now,
                     "sighting_of_ref": self.ind_id, "count": 1, "first_seen": now,
                     "last_seen": now} for _ in range(self.batch)]
            r = s.post(f"{self.base()}/api/v1/sightings",
                       headers=dict(h, Accept=JSON, **{"Content-Type": JSON}),
                       json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                             "objects": objs}, timeout=30)
            if r.status_code != 200 or r.json().get("accepted") != len(objs):
                return None
            return [o["id"] for o in objs]
        self._loop("sightings", one)

    def _mail(self):
        def one(s, h):
            r = s.post(f"{self.base()}/api/v1/mail", data=mail_bytes(next(_seq)),
                       headers=dict(h, Accept=JSON, **{"Content-Type": "message/rfc822"}),
                       timeout=30)
            if r.status_code != 201:
                return None
            return [r.json()["submission"]]
        self._loop("mail", one)


def wait_for(fn, limit=60.0, step=0.02):
    """Polls fn until it is true (bounded); returns whether it became so."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if fn():
            return True
        time.sleep(step)
    return False
