"""Parked change-feed long-polls wake on the feed generation (issue 19):
sightings neither answer nor re-evaluate them, an indicator answers them,
also when another hub process on the same store takes the writes; a
sighting that brings a decayed indicator back moves the generation.
Runs on SQLite and, with `pytest --store postgresql`, on PostgreSQL."""
import datetime
import re
import threading
import time
import uuid

import pytest

from hubfixture import Hub, check_clean_exit, indicator

JSON = "application/json"


def ts():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def metric(h, admin, name):
    text = h.get("/metrics", admin, accept=None).text
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    assert m, name
    return int(m.group(1))


def sight(h, token, ind_id):
    now = ts()
    s = {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
         "created": now, "modified": now, "sighting_of_ref": ind_id, "count": 1,
         "first_seen": now, "last_seen": now}
    r = h.req("POST", "/api/v1/sightings", token, accept=JSON, headers={"Content-Type": JSON},
              json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [s]})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def feed(h, token, since, wait=None, timeout=40):
    params = {"since": since}
    if wait is not None:
        params["wait"] = str(wait)
    r = h.session.get(h.base + "/api/v1/indicators/changes", params=params,
                      headers={"Authorization": f"Bearer {token}", "Accept": JSON},
                      timeout=timeout)
    assert r.status_code == 200, r.text
    return r.json()


def wait_until(fn, timeout=8):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


class Poll(threading.Thread):
    def __init__(self, h, token, since):
        super().__init__(daemon=True)
        self.args = (h, token, since, 25)
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = feed(*self.args)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


@pytest.mark.parametrize("two_hubs", [False, True], ids=["one-hub", "two-hubs"])
def test_sightings_leave_a_parked_poll_an_indicator_answers_it(tmp_path, two_hubs):
    h1 = Hub(tmp_path)
    h2 = None
    try:
        h1.org("A")
        h1.org("B", sector="rail")
        ta, tb = h1.token("A"), h1.token("B")
        admin = h1.token("A", "admin")
        coll = h1.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
        # The writes go to a second hub process on the same store when
        # asked: the generation then travels through the store (SQLite's
        # feed_gen row, PostgreSQL's notifications).
        w = h1
        if two_hubs:
            h2 = Hub(tmp_path, log_name="hub2.log")
            w = h2
        ind = indicator(ip="198.51.100.7", tlp="green")
        r = w.post_objects(coll, ta, [ind])
        assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
        cur = feed(h1, tb, "0")["cursor"]
        evals0 = metric(h1, admin, "yagura_hub_feed_evaluations_total")
        p = Poll(h1, tb, cur)
        p.start()
        # Parked once it has been evaluated with nothing to say.
        assert wait_until(lambda: metric(h1, admin, "yagura_hub_feed_evaluations_total")
                          > evals0)
        parked = time.monotonic()
        evals1 = metric(h1, admin, "yagura_hub_feed_evaluations_total")
        gen1 = metric(h1, admin, "yagura_hub_feed_generation")
        # Sightings, each in its own ticker period: every one used to wake
        # the poll and re-run the feed.
        for _ in range(8):
            sight(w, tb, ind["id"])
            time.sleep(0.1)
        assert p.is_alive() and p.result is None, p.error
        evals2 = metric(h1, admin, "yagura_hub_feed_evaluations_total")
        # The five-second recheck is the only other wake-up.
        rechecks = int((time.monotonic() - parked) // 5) + 1
        assert evals2 - evals1 <= rechecks, (evals1, evals2)
        assert metric(h1, admin, "yagura_hub_feed_generation") == gen1
        new = indicator(ip="198.51.100.8", tlp="green")
        r = w.post_objects(coll, ta, [new])
        assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
        p.join(20)
        assert p.result is not None, p.error
        assert [c["id"] for c in p.result["changes"]] == [new["id"]]
    finally:
        if h2:
            check_clean_exit(h2)
        check_clean_exit(h1)


def test_a_sighting_that_revives_moves_the_feed_generation(tmp_path):
    # Half-life 0.00001 days = 0.864 s: below 10 about 2.9 s after
    # publication; polled, not slept.
    h = Hub(tmp_path, args=("--decay-half-life", "0.00001", "--decay-threshold", "10"))
    try:
        h.org("A")
        h.org("B", sector="rail")
        ta, tb = h.token("A"), h.token("B")
        admin = h.token("A", "admin")
        coll = h.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
        ind = indicator(ip="198.51.100.9", tlp="green")
        r = h.post_objects(coll, ta, [ind])
        assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
        start = feed(h, tb, "0")
        assert [c["id"] for c in start["changes"]] == [ind["id"]]

        def gone():
            b = feed(h, tb, start["cursor"])
            return b if b["changes"] else None
        b = wait_until(gone)
        assert b and b["changes"] == [{"op": "remove", "id": ind["id"], "reason": "decayed"}]
        gen0 = metric(h, admin, "yagura_hub_feed_generation")
        sight(h, tb, ind["id"])
        assert wait_until(lambda: metric(h, admin, "yagura_hub_feed_generation") != gen0)
        back = feed(h, tb, b["cursor"])
        assert [(c["op"], c["id"]) for c in back["changes"]] == [("upsert", ind["id"])]
    finally:
        check_clean_exit(h)


def test_polls_on_one_cursor_share_one_answer(tmp_path):
    """Eight sensors of one member parked on the same cursor, woken by one
    indicator: each gets the same answer, and some get a copy of one
    worked out for another (the two server threads may both work one out
    before it is kept)."""
    h = Hub(tmp_path, args=("--threads", "2"))
    try:
        h.org("A")
        h.org("B", sector="rail")
        ta = h.token("A")
        sensors = [h.token("B", "sensor") for _ in range(8)]
        admin = h.token("A", "admin")
        coll = h.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
        r = h.post_objects(coll, ta, [indicator(ip="198.51.100.20", tlp="green")])
        assert r.status_code == 202, r.text
        curs = {feed(h, t, "0")["cursor"] for t in sensors}
        assert len(curs) == 1  # one snapshot for one member's identical state
        cur = curs.pop()
        evals0 = metric(h, admin, "yagura_hub_feed_evaluations_total")
        shared0 = metric(h, admin, "yagura_hub_feed_shared_total")
        polls = [Poll(h, t, cur) for t in sensors]
        for p in polls:
            p.start()
        assert wait_until(lambda: metric(h, admin, "yagura_hub_feed_evaluations_total")
                          >= evals0 + len(polls))
        evals1 = metric(h, admin, "yagura_hub_feed_evaluations_total")
        new = indicator(ip="198.51.100.21", tlp="green")
        r = h.post_objects(coll, ta, [new])
        assert r.status_code == 202, r.text
        answers = []
        for p in polls:
            p.join(20)
            assert p.result is not None, p.error
            answers.append(p.result)
        assert all(a == answers[0] for a in answers)
        assert [c["id"] for c in answers[0]["changes"]] == [new["id"]]
        evals = metric(h, admin, "yagura_hub_feed_evaluations_total") - evals1
        shared = metric(h, admin, "yagura_hub_feed_shared_total") - shared0
        # (A five-second recheck may add evaluations, never copies.)
        assert shared >= 1 and evals + shared >= len(polls), (evals, shared)
    finally:
        check_clean_exit(h)
