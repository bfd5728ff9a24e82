"""The change feed GET /api/v1/indicators/changes (issue 4) against a real
hub: full state, incremental upserts and removes with their reasons, TLP,
paging, long-poll (wakes on a commit, frees its worker, ends on shutdown)."""
import signal
import threading
import time
import uuid

import pytest

from hubfixture import Hub, check_clean_exit, hub, indicator, world  # noqa: F401 (fixtures)

JSON = "application/json"


def changes(hub, token, since=None, wait=None, timeout=60):
    params = {}
    if since is not None:
        params["since"] = since
    if wait is not None:
        params["wait"] = str(wait)
    r = hub.session.get(hub.base + "/api/v1/indicators/changes", params=params,
                        headers={"Authorization": f"Bearer {token}", "Accept": JSON},
                        timeout=timeout)
    return r


def feed(hub, token, since=None, wait=None):
    r = changes(hub, token, since, wait)
    assert r.status_code == 200, r.text
    return r.json()


def full(hub, token):
    """Follows the feed from the start to its end; returns (set, cursor)."""
    have, cursor = {}, None
    while True:
        b = feed(hub, token, cursor or "0")
        if b["reset"] and cursor is None:
            have = {}
        for c in b["changes"]:
            assert c["op"] == "upsert" if b["reset"] else True
            if c["op"] == "upsert":
                have[c["id"]] = c["object"]
            else:
                have.pop(c["id"], None)
        cursor = b["cursor"]
        if not b["more"]:
            return have, cursor


def indicators(hub, token):
    r = hub.get("/api/v1/indicators", token, accept="application/stix+json;version=2.1")
    assert r.status_code == 200
    return {o["id"]: o for o in r.json()["objects"]}


def publish(hub, token, *objs):
    r = hub.post_objects(hub.coll, token, list(objs))
    assert r.status_code == 202 and r.json()["success_count"] == len(objs), r.text


def by_id(body):
    return {c["id"]: c for c in body["changes"]}


def test_full_state_then_add_modify_revoke_delete(world):
    t = world.t
    keep = indicator(ip="198.51.100.1", tlp="green")
    mod = indicator(ip="198.51.100.2", tlp="green")
    rev = indicator(ip="198.51.100.3", tlp="clear")
    gone = indicator(ip="198.51.100.4", tlp="green")
    strict = indicator(ip="198.51.100.5", tlp="amber+strict")
    publish(world, t["A"], keep, mod, rev, gone, strict)

    b = feed(world, t["B"], "0")
    assert b["reset"] is True and b["more"] is False
    state = {c["id"]: c["object"] for c in b["changes"]}
    assert all(c["op"] == "upsert" for c in b["changes"])
    assert state == indicators(world, t["B"])
    assert set(state) == {keep["id"], mod["id"], rev["id"], gone["id"]}
    # Minimal objects only: nothing that names the submitter.
    assert "created_by_ref" not in state[keep["id"]]
    cur = b["cursor"]
    # Nothing new: an empty answer and the same cursor.
    b = feed(world, t["B"], cur)
    assert b == {"cursor": cur, "reset": False, "more": False, "changes": []}

    new = indicator(ip="198.51.100.9", tlp="green")
    publish(world, t["A"], new,
            dict(mod, modified="2024-02-01T00:00:00.000Z",
                 pattern="[ipv4-addr:value = '198.51.100.22']"),
            dict(rev, modified="2024-02-01T00:00:00.000Z", revoked=True))
    r = world.req("DELETE", f"/taxii2/api/collections/{world.coll}/objects/{gone['id']}/", t["A"])
    assert r.status_code == 200, r.text
    b = feed(world, t["B"], cur)
    assert b["reset"] is False and b["more"] is False
    ch = by_id(b)
    assert set(ch) == {new["id"], mod["id"], rev["id"], gone["id"]}
    assert ch[new["id"]]["op"] == "upsert" and ch[new["id"]]["object"]["id"] == new["id"]
    assert ch[mod["id"]]["op"] == "upsert"
    assert ch[mod["id"]]["object"]["pattern"] == "[ipv4-addr:value = '198.51.100.22']"
    assert ch[mod["id"]]["object"]["modified"].startswith("2024-02-01")
    assert ch[rev["id"]] == {"op": "remove", "id": rev["id"], "reason": "revoked"}
    assert ch[gone["id"]] == {"op": "remove", "id": gone["id"], "reason": "deleted"}
    # Applying the answer gives exactly /indicators.
    for c in b["changes"]:
        if c["op"] == "upsert":
            state[c["id"]] = c["object"]
        else:
            del state[c["id"]]
    assert state == indicators(world, t["B"])
    assert strict["id"] not in str(b)

    # A new version only A may see: B is told it is no longer visible.
    publish(world, t["A"], dict(keep, modified="2024-03-01T00:00:00.000Z",
                                object_marking_refs=[
                                    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]))
    b2 = feed(world, t["B"], b["cursor"])
    assert b2["changes"] == [{"op": "remove", "id": keep["id"], "reason": "no-longer-visible"}]
    # ... and A sees the new version as an upsert.
    a_state, _ = full(world, t["A"])
    assert a_state == indicators(world, t["A"])
    assert a_state[keep["id"]]["modified"].startswith("2024-03-01")


def test_amber_strict_never_in_other_orgs_feed(world):
    t = world.t
    b0 = feed(world, t["B"], "0")
    strict = indicator(ip="203.0.113.7", tlp="amber+strict")
    amber = indicator(ip="203.0.113.8", tlp="amber", x_yagura_share_with=["group:council"])
    publish(world, t["A"], strict, amber)
    for who in ("B", "C", "D", "reader", "sensor", "admin"):
        s, _ = full(world, t[who])
        assert strict["id"] not in s, who
        assert s == indicators(world, t[who]), who
    inc = feed(world, t["B"], b0["cursor"])
    assert [c["id"] for c in inc["changes"]] == [amber["id"]]  # B is in A's group
    assert strict["id"] not in changes(world, t["C"], b0["cursor"]).text
    # The submitter has it.
    assert strict["id"] in full(world, t["A"])[0]
    # A cursor of another organization is not honoured: a reset, B's view.
    c = feed(world, t["C"], inc["cursor"])
    assert c["reset"] is True and amber["id"] not in str(c)


def test_unknown_cursor_and_bad_wait(world):
    t = world.t
    publish(world, t["A"], indicator(tlp="green"))
    for since in ("ffffffffffffffff", "garbage", ""):
        b = feed(world, t["B"], since)
        assert b["reset"] is True and len(b["changes"]) == 1
    assert changes(world, t["B"], "0", wait="soon").status_code == 400
    assert changes(world, t["B"], "0", wait="-1").status_code == 400
    r = world.session.get(world.base + "/api/v1/indicators/changes")
    assert r.status_code == 401
    r = world.req("POST", "/api/v1/indicators/changes", t["B"], accept=JSON)
    assert r.status_code == 405


def test_paging_of_a_large_reset(world):
    t = world.t
    objs = [indicator(ip=f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}", tlp="green")
            for i in range(5003)]
    publish(world, t["A"], *objs)
    b1 = feed(world, t["B"], "0")
    assert b1["reset"] is True and b1["more"] is True and len(b1["changes"]) == 5000
    b2 = feed(world, t["B"], b1["cursor"])
    assert b2["reset"] is True and b2["more"] is False and len(b2["changes"]) == 3
    got = {c["id"] for c in b1["changes"] + b2["changes"]}
    assert got == {o["id"] for o in objs}
    b3 = feed(world, t["B"], b2["cursor"])
    assert b3["changes"] == [] and b3["reset"] is False


def test_paging_of_a_large_increment(world):
    """More than a page of changes after a cursor: every page makes progress
    and the pages together are exactly the new indicators."""
    t = world.t
    _, cursor = full(world, t["B"])
    objs = [indicator(ip=f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}", tlp="green")
            for i in range(12000)]
    for k in range(0, len(objs), 1000):
        publish(world, t["A"], *objs[k:k + 1000])
    got, pages = set(), 0
    while True:
        b = feed(world, t["B"], cursor)
        pages += 1
        assert b["changes"] or not b["more"], "a page with no changes must be the last"
        assert all(c["op"] == "upsert" for c in b["changes"])
        got |= {c["id"] for c in b["changes"]}
        cursor = b["cursor"]
        if not b["more"]:
            break
        assert pages < 10
    assert got == {o["id"] for o in objs}
    assert pages == 3


class Poll(threading.Thread):
    def __init__(self, hub, token, since, wait):
        super().__init__(daemon=True)
        self.args = (hub, token, since, wait)
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = changes(*self.args)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def test_long_poll_returns_with_the_change(world):
    t = world.t
    cur = feed(world, t["B"], "0")["cursor"]
    p = Poll(world, t["B"], cur, 25)
    p.start()
    time.sleep(0.5)
    assert p.is_alive(), "the long-poll answered with nothing to say"
    new = indicator(ip="192.0.2.77", tlp="green")
    publish(world, t["A"], new)
    p.join(20)
    assert not p.is_alive()
    assert p.error is None, p.error
    body = p.result.json()
    # It came back with the change, not empty at the end of its wait.
    assert [c["id"] for c in body["changes"]] == [new["id"]]
    assert body["changes"][0]["op"] == "upsert"


def test_long_poll_times_out_empty(world):
    cur = feed(world, world.t["B"], "0")["cursor"]
    body = feed(world, world.t["B"], cur, wait=1)
    assert body == {"cursor": cur, "reset": False, "more": False, "changes": []}


def test_parallel_requests_served_while_polls_wait(tmp_path):
    h = Hub(tmp_path, args=("--threads", "1"))
    try:
        h.org("A")
        h.org("B")
        ta, tb = h.token("A"), h.token("B")
        h.coll = h.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
        cur = feed(h, tb, "0")["cursor"]
        polls = [Poll(h, tb, cur, 25) for _ in range(4)]
        for p in polls:
            p.start()
        time.sleep(0.5)
        # One worker thread, four parked polls: other requests still go.
        for _ in range(5):
            r = h.session.get(h.base + "/api/v1/whoami",
                              headers={"Authorization": f"Bearer {ta}"}, timeout=5)
            assert r.status_code == 200 and r.json()["org"] == "A"
        assert all(p.is_alive() for p in polls)
        new = indicator(ip="192.0.2.88", tlp="green")
        r = h.post_objects(h.coll, ta, [new])
        assert r.status_code == 202
        for p in polls:
            p.join(20)
            assert p.result is not None, p.error
            assert [c["id"] for c in p.result.json()["changes"]] == [new["id"]]
    finally:
        check_clean_exit(h)


def test_shutdown_answers_parked_polls(tmp_path):
    h = Hub(tmp_path)
    h.org("A")
    tok = h.token("A")
    cur = feed(h, tok, "0")["cursor"]
    p = Poll(h, tok, cur, 30)
    p.start()
    time.sleep(0.5)
    assert p.is_alive()
    h.proc.send_signal(signal.SIGTERM)
    h.proc.wait(timeout=15)  # a parked poll must not hold the stop
    p.join(10)
    assert not p.is_alive()
    if p.result is not None:
        assert p.result.status_code == 200
        assert p.result.json()["changes"] == []
    check_clean_exit(h)


def test_writer_in_another_process_wakes_the_poll(tmp_path):
    """Two hub processes on one store: a POST to the second wakes a
    long-poll parked in the first (the store's data_version, not an
    in-process signal)."""
    h1 = Hub(tmp_path)
    h1.org("A")
    h1.org("B")
    ta, tb = h1.token("A"), h1.token("B")
    h2 = None
    try:
        h2 = Hub(tmp_path, log_name="hub2.log")  # same --data dir, its own port and log
        h2.coll = h1.coll = h1.get("/taxii2/api/collections/", ta).json()["collections"][0]["id"]
        cur = feed(h1, tb, "0")["cursor"]
        p = Poll(h1, tb, cur, 25)
        p.start()
        time.sleep(0.5)
        assert p.is_alive()
        new = indicator(ip="192.0.2.99", tlp="green")
        r = h2.post_objects(h2.coll, ta, [new])
        assert r.status_code == 202 and r.json()["success_count"] == 1
        p.join(20)
        assert p.result is not None, p.error
        assert [c["id"] for c in p.result.json()["changes"]] == [new["id"]]
    finally:
        if h2:
            check_clean_exit(h2)
        check_clean_exit(h1)


def test_members_time_to_load_shared_indicators(world):
    """What C's sensor takes in from the feed after its full load is the
    member's time to load shared indicators; full loads and analysts'
    reads are not samples."""
    t = world.t

    def load_of(org):
        r = world.get("/api/v1/members", t["admin"], accept=JSON)
        assert r.status_code == 200, r.text
        return {m["org"]: m["indicator_load"] for m in r.json()["members"]}[org]

    publish(world, t["A"], indicator(ip="198.51.100.60", tlp="green"))
    _, cur = full(world, t["sensor"])  # a reset: no sample
    _, cur_a = full(world, t["C"])     # an analyst of C: no sample
    assert load_of("C") is None
    new = [indicator(ip=f"198.51.100.{i}", tlp="green") for i in (61, 62, 63)]
    publish(world, t["A"], *new)
    b = feed(world, t["sensor"], cur)
    assert b["reset"] is False and set(by_id(b)) == {o["id"] for o in new}
    assert feed(world, t["C"], cur_a)["reset"] is False
    got = load_of("C")
    assert got["samples"] == 3
    assert 0 <= got["p50_ms"] <= got["p95_ms"] <= got["max_ms"]
    assert load_of("A") is None
    # A member sees its own figure, not another's.
    r = world.get("/api/v1/members", t["C"], accept=JSON)
    assert [m["org"] for m in r.json()["members"]] == ["C"]
    assert r.json()["members"][0]["indicator_load"]["samples"] == 3
