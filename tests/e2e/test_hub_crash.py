"""kill -9 of a SQLite hub at random moments during ingestion (issue 17):
TAXII POSTs, sightings and mail submissions run against the hub, which is
killed with SIGKILL at a random moment, restarted, and killed again, many
times. After every restart each write the hub had acknowledged (202 with
status complete, 200 with every sighting accepted, 201 with a submission
id) is in the store, and PRAGMA integrity_check answers ok.

The seed of the random moments is printed; YG_CRASH_SEED replays one."""
import os
import random
import signal
import sqlite3
import time

import pytest

import hubfixture
from hubfixture import Hub, check_clean_exit, indicator
from ingestload import JSON, Load, wait_for

pytestmark = pytest.mark.skipif(hubfixture.STORE == "postgresql",
                                reason="a SQLite hub's crash safety (PostgreSQL: test_hub_standby)")

# Fewer rounds under the sanitizers, where a hub takes longer to start.
ROUNDS = 10 if os.environ.get("YG_SANITIZED") else 20


def stored(db_path):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchall()
        have = {
            "taxii": {r[0] for r in db.execute("SELECT stix_id FROM objects")},
            "sightings": {r[0] for r in db.execute("SELECT stix_id FROM sightings")},
            "mail": {r[0] for r in db.execute("SELECT uuid FROM mail_submissions")},
        }
    finally:
        db.close()
    return ok, have


def test_kill_9_loses_no_acknowledged_write(tmp_path):
    seed = int(os.environ.get("YG_CRASH_SEED", random.randrange(1 << 30)))
    print(f"crash seed {seed}")
    rnd = random.Random(seed)
    h = Hub(tmp_path, log_name="hub-0.log")
    h.org("A")
    tok = h.token("A")
    coll = h.get("/taxii2/api/collections/", tok).json()["collections"][0]["id"]
    ind = indicator(ip="198.51.100.9", tlp="green")
    assert h.post_objects(coll, tok, [ind]).status_code == 202
    acked_total = {"taxii": set(), "sightings": set(), "mail": set()}
    for rnd_i in range(1, ROUNDS + 1):
        load = Load(h.base, tok, coll, ind["id"], batch=rnd.choice((1, 4, 16))).start()
        # Wait for the load to be under way, then kill at a random moment.
        assert wait_for(lambda: sum(load.count(k) for k in load.acked) >= 1, 30), load.errors
        time.sleep(rnd.uniform(0.0, 0.3))
        h.proc.send_signal(signal.SIGKILL)
        h.proc.wait()
        h.log.close()
        load.stop()
        for k, ids in load.all_acked().items():
            acked_total[k] |= ids
        # Restart; the store must hold every acknowledged write.
        h = Hub(tmp_path, log_name=f"hub-{rnd_i}.log")
        ok, have = stored(tmp_path / "hub.db")
        assert ok == [("ok",)], f"round {rnd_i} (seed {seed}): integrity_check {ok}"
        for k in acked_total:
            lost = acked_total[k] - have[k]
            assert not lost, f"round {rnd_i} (seed {seed}): {len(lost)} acknowledged {k} lost"
    # The restarted hub serves them too, and takes writes again.
    assert all(len(v) > 0 for v in acked_total.values()), acked_total
    agg = h.get(f"/api/v1/indicators/{ind['id']}/sightings", tok, accept=JSON)
    assert agg.status_code == 200
    # At least every acknowledged sighting (some in flight at a kill were
    # committed without their answer reaching the client).
    assert agg.json()["count"] >= len(acked_total["sightings"]), agg.json()
    r = h.post_objects(coll, tok, [indicator(ip="198.51.100.10", tlp="green")])
    assert r.status_code == 202 and r.json()["success_count"] == 1
    print(f"{ROUNDS} kills; acknowledged and found after restart: "
          + ", ".join(f"{len(v)} {k}" for k, v in acked_total.items()))
    check_clean_exit(h)
