"""Hubs on PostgreSQL when the database goes away (issues 17 and 19), on
private clusters this module starts (tests/e2e/pgcluster.py):

- the server stopped during ingestion (the primary of the pair below,
  before the failover): /healthz answers 503 with the
  reason and Retry-After while it is down, writes are refused with 503 and
  Retry-After, and the hub recovers by itself when the server is back;
- a primary with a synchronous streaming standby, killed with SIGKILL
  during ingestion at two hubs pointed at both servers
  (postgresql://h1,h2/db?target_session_attrs=read-write); the standby is
  promoted, the hubs carry on without a restart, and every write
  acknowledged before the kill (and after) is on the new primary.

Runs in `make test`'s PostgreSQL step (pytest --store postgresql), where
the PostgreSQL server binaries are; skipped elsewhere."""
import time

import pytest

import hubfixture
import pgcluster
from hubfixture import Hub, check_clean_exit, indicator
from ingestload import JSON, Load, wait_for

pytestmark = pytest.mark.skipif(
    hubfixture.STORE != "postgresql" or not pgcluster.pg_bindir(),
    reason="PostgreSQL failover: runs with --store postgresql where the server is installed")


def pg_store(url):
    return ["--store", "postgresql", "--pg", url]


def start_or_skip(**kw):
    try:
        return pgcluster.start(**kw)
    except RuntimeError as e:
        pytest.skip(f"a private PostgreSQL cluster cannot start here: {e}")


def on_server(server, db, table, column):
    out = server.psql(f"SELECT {column} FROM {table}", db=db)
    return set(out.split())


def health(hub):
    r = hub.session.get(hub.base + "/healthz", timeout=30)
    return r.status_code, r.headers, r.json()


@pytest.fixture(scope="module")
def pair():
    """A primary that commits only once its standby has the commit
    (synchronous_commit on, synchronous_standby_names) and that standby."""
    primary = start_or_skip(settings={"synchronous_commit": "on",
                                      "synchronous_standby_names": "'standby1'"})
    standby = None
    try:
        try:
            # The standby reconnects at once when the primary is back
            # (the healthz test restarts it), not after the default 5 s.
            standby = pgcluster.start_standby(primary, "standby1",
                                              settings={"wal_retrieve_retry_interval": "100ms"})
        except RuntimeError as e:
            pytest.skip(f"a standby cannot start here: {e}")
        assert wait_for(lambda: primary.psql(
            "SELECT sync_state FROM pg_stat_replication").strip() == "sync", 60)
        yield primary, standby
    finally:
        if standby:
            standby.stop()
        primary.stop()


def test_healthz_and_writes_while_postgresql_is_down(pair, tmp_path):
    """Runs on the primary of the pair (stopped and started again: its
    standby follows), before the failover test kills it."""
    c = pair[0]
    h = None
    try:
        url = c.dbname()
        db = url.rsplit("/", 1)[1]
        h = Hub(tmp_path, store=pg_store(url))
        h.org("A")
        tok = h.token("A")
        coll = h.get("/taxii2/api/collections/", tok).json()["collections"][0]["id"]
        ind = indicator(ip="198.51.100.5", tlp="green")
        assert h.post_objects(coll, tok, [ind]).status_code == 202
        assert health(h)[0] == 200 and health(h)[2] == {"status": "ok"}

        load = Load(h.base, tok, coll, ind["id"], kinds=("taxii", "sightings")).start()
        try:
            assert wait_for(lambda: load.count("taxii") >= 3 and load.count("sightings") >= 3)
            c.pause()
            # Down: /healthz says so, with the reason and when to ask again.
            assert wait_for(lambda: health(h)[0] == 503, 30)
            st, hdr, body = health(h)
            assert body["status"] == "unavailable" and body["store"] == "postgresql"
            # libpq's or the server's words ("Connection refused", "the
            # database system is shutting down"), never the address.
            assert body["reason"] and "FATAL" not in body["reason"], body
            assert "127.0.0.1" not in body["reason"] and str(c.port) not in body["reason"]
            assert int(hdr["Retry-After"]) > 0
            # A write is refused as "try again later", not "failed"; a
            # member's token is not called unknown.
            r = h.post_objects(coll, tok, [indicator(ip="198.51.100.6", tlp="green")])
            assert r.status_code == 503, r.text
            assert r.json()["title"] == "store unavailable" and int(r.headers["Retry-After"]) > 0
            r = h.req("POST", "/api/v1/sightings", tok, accept=JSON,
                      headers={"Content-Type": JSON}, json={"type": "bundle", "objects": []})
            assert r.status_code == 503, r.text
            r = h.get("/api/v1/whoami", "f" * 64, accept=JSON)
            assert r.status_code == 503, r.text
            n_down = {k: load.count(k) for k in load.acked}
            c.resume()
            # Back: the hub recovers by itself.
            assert wait_for(lambda: health(h)[0] == 200, 30)
            assert wait_for(lambda: all(load.count(k) > n_down[k] for k in n_down), 30), \
                load.errors
        finally:
            load.stop()
        r = h.post_objects(coll, tok, [indicator(ip="198.51.100.7", tlp="green")])
        assert r.status_code == 202 and r.json()["success_count"] == 1
        acked = load.all_acked()
        assert not acked["taxii"] - on_server(c, db, "objects", "stix_id")
        assert not acked["sightings"] - on_server(c, db, "sightings", "stix_id")
        assert load.errors["taxii"] > 0  # writes were refused while it was down
    finally:
        if h:
            check_clean_exit(h)


def test_failover_to_a_promoted_standby_loses_no_acknowledged_write(pair, tmp_path):
    primary, standby = pair
    url1 = primary.dbname()
    db = url1.rsplit("/", 1)[1]
    url = (f"postgresql://{pgcluster.ROLE}@127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
           f"/{db}?target_session_attrs=read-write")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = Hub(tmp_path / "one", store=pg_store(url))
    two = None
    try:
        one.org("A")
        tok = one.token("A")
        coll = one.get("/taxii2/api/collections/", tok).json()["collections"][0]["id"]
        ind = indicator(ip="198.51.100.8", tlp="green")
        assert one.post_objects(coll, tok, [ind]).status_code == 202
        two = Hub(tmp_path / "two", store=pg_store(url))
        loads = [Load(one.base, tok, coll, ind["id"]).start(),
                 Load(two.base, tok, coll, ind["id"], kinds=("taxii", "sightings")).start()]
        try:
            assert wait_for(lambda: all(ld.count(k) >= 3 for ld in loads for k in ld.acked), 60), \
                [ld.errors for ld in loads]
            primary.kill9()
            t_kill = time.monotonic()
            before = [ld.acked_before(t_kill) for ld in loads]
            standby.promote()
            t_promoted = time.monotonic()
            # Both hubs carry on by themselves: new writes are acknowledged
            # after the promotion.
            assert wait_for(lambda: all(
                any(at > t_promoted for (at, _) in ld.acked[k]) for ld in loads for k in ld.acked),
                60), [ld.errors for ld in loads]
        finally:
            for ld in loads:
                ld.stop()
        assert not standby.in_recovery()
        for ld, early in zip(loads, before):
            assert all(early[k] for k in early), early
            for kind, table, col in (("taxii", "objects", "stix_id"),
                                     ("sightings", "sightings", "stix_id"),
                                     ("mail", "mail_submissions", "uuid")):
                if kind not in ld.acked:
                    continue
                have = on_server(standby, db, table, col)
                lost_early = early[kind] - have
                assert not lost_early, f"{len(lost_early)} {kind} acknowledged before the kill lost"
                lost = ld.all_acked()[kind] - have
                assert not lost, f"{len(lost)} {kind} acknowledged after the kill lost"
        for h in (one, two):
            assert health(h)[0] == 200
            r = h.get(f"/taxii2/api/collections/{coll}/objects/{ind['id']}/", tok)
            assert r.status_code == 200
        n = {k: len(v) for k, v in loads[0].all_acked().items()}
        print(f"failover: acknowledged {n} at hub one; down for "
              f"{t_promoted - t_kill:.2f} s until promoted")
    finally:
        if two:
            check_clean_exit(two)
        check_clean_exit(one)
