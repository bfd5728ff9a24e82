"""Federation between three real hubs on one machine (README, "Federation";
issue 17): peered in a line (A-B by push, B-C by pull), then in a triangle
(A-C both ways). Objects flow, TLP holds on every path (the push path and
a peer reading our collections), loops stop, each version is taken once,
a hub that is down catches up with nothing missing and nothing doubled,
and a hostile peer can neither speak for a member nor overwrite one's
objects nor bring in AMBER+STRICT.

One module-scoped set of hubs; the tests run in order and build on each
other. Every wait polls with a bound; nothing asserts a time."""
import json
import subprocess
import time
import uuid

import pytest

import hubfixture
from hubfixture import TLP, TAXII, Hub, check_clean_exit, indicator

EVERY_MS = "300"
WAIT = 60  # seconds any flow may take at most (ASan, PostgreSQL, 2 cores)


def rows(h):
    """Every stored object version of hub h: [(stix_id, modified, json)],
    read behind the hub's back on either backend."""
    if hubfixture.STORE == "postgresql":
        p = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", hubfixture.pg_url(h.data)],
            input="SELECT stix_id || chr(9) || modified || chr(9) || json FROM objects;\n",
            capture_output=True, text=True, timeout=60, check=True)
        out = [line.split("\t", 2) for line in p.stdout.splitlines() if line]
    else:
        import sqlite3
        db = sqlite3.connect(f"file:{h.data / 'hub.db'}?mode=ro", uri=True, timeout=30)
        try:
            out = db.execute("SELECT stix_id, modified, json FROM objects").fetchall()
        finally:
            db.close()
    return [(i, m, json.loads(j)) for i, m, j in out]


def versions(h, oid):
    return [r for r in rows(h) if r[0] == oid]


def wait_for(what, fn):
    deadline = time.time() + WAIT
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT}s: {what}")


def peers(h):
    r = h.get("/api/v1/peers", h.t["admin"], accept="application/json")
    assert r.status_code == 200, r.text
    return {p["name"]: p for p in r.json()["peers"]}


def settle(hubs):
    """Waits until every worker of every hub finished two more rounds, so
    what was in flight has arrived; returns the objects_out counters."""
    def marks():
        return {(h.name, n): p["last_ok"] for h in hubs for n, p in peers(h).items()}

    def listed():
        # A hub (re)started or a peer just added: its workers start from
        # the store after the hub already answers.
        m = marks()
        return m if {h.name for h in hubs} <= {k[0] for k in m} else None
    for _ in range(2):
        first = wait_for("every hub's peers listed", listed)
        wait_for("a round of every peer",
                 lambda: all(v and v != first.get(k) for k, v in marks().items()))
    return {(h.name, n): p["objects_out"] for h in hubs for n, p in peers(h).items()}


@pytest.fixture(scope="module")
def hubs(tmp_path_factory, request):
    # conftest.py's _hub_store hands the server over per test: too late for
    # hubs shared by the module.
    if hubfixture.STORE == "postgresql" and hubfixture.PG is None:
        hubfixture.PG = request.getfixturevalue("pg_server")
    hs = {}
    for name in "ABC":
        d = tmp_path_factory.mktemp(f"hub{name}")
        h = Hub(d, args=["--federation-every", EVERY_MS])
        h.name = name
        h.org(f"member-{name}")
        h.t = {"m": h.token(f"member-{name}"), "admin": h.token(f"member-{name}", "admin")}
        h.coll = h.get("/taxii2/api/collections/", h.t["m"]).json()["collections"][0]["id"]
        hs[name] = h
    # At each hub, an organization and a peer token for each other hub.
    for name, h in hs.items():
        for other in "ABC":
            if other != name:
                h.org(f"hub-{other}", sector="federation")
                tok = h.token(f"hub-{other}", "peer")
                (hs[other].data / f"token-for-{name}").write_text(tok + "\n")
        # The hub's identity, as it names itself to a peer.
        r = h.get("/taxii2/api/collections/", tok)
        assert r.status_code == 200, r.text
        h.ident = r.headers["X-Yagura-Hub"]
        assert h.ident.startswith("identity--")
    yield hs
    for h in hs.values():
        check_clean_exit(h)


def peer_add(h, other, hs, *args):
    o = hs[other]
    h.admin("peer", "add", f"hub-{other}", "--url", o.base, "--token-file",
            str(h.data / f"token-for-{other}"), *args)


def post(h, objs):
    r = h.post_objects(h.coll, h.t["m"], objs)
    assert r.status_code == 202 and r.json()["success_count"] == len(objs), r.text
    return objs


def marked(tlp, **extra):
    return indicator(ip=f"203.0.113.{uuid.uuid4().int % 250}", tlp=tlp, **extra)


def present(h, oid):
    return any(r[0] == oid for r in rows(h))


def test_line(hubs):
    A, B, C = hubs["A"], hubs["B"], hubs["C"]
    # A-B push both ways, B-C pull both ways; A lets B have AMBER, B lets
    # C have GREEN at most.
    peer_add(A, "B", hubs, "--pull", "none", "--tlp-max", "amber")
    peer_add(B, "A", hubs, "--pull", "none", "--tlp-max", "amber")
    peer_add(B, "C", hubs, "--push", "none", "--tlp-max", "green")
    peer_add(C, "B", hubs, "--push", "none", "--tlp-max", "amber")
    listed = B.admin("peer", "list").stdout
    assert "hub-A\t" in listed and "push=none" in listed and "tlp-max=green" in listed
    for h in (A, B, C):
        assert "token" not in h.admin("peer", "list").stdout.lower()

    clear, green = marked("clear"), marked("green")
    amber_b = marked("amber", x_yagura_share_with=["hub-B"])
    amber_none, strict = marked("amber"), marked("amber+strict")
    red_b = marked("red", x_yagura_share_with=["hub-B"])
    post(A, [clear, green, amber_b, amber_none, strict, red_b])
    # At B the AMBER meant for B is stored as B's organization for A and
    # seen by no member of B (AMBER from a peer names nobody here).
    wait_for("A's objects at B", lambda: all(present(B, o["id"]) for o in (clear, green, amber_b)))
    wait_for("A's GREEN at C", lambda: all(present(C, o["id"]) for o in (clear, green)))
    # B's member: AMBER meant for C, but C is allowed GREEN at most.
    amber_c = marked("amber", x_yagura_share_with=["hub-C"])
    green_b = post(B, [marked("green"), amber_c])[0]
    # C's member: flows to A through B (pull from C, push to A).
    green_c = post(C, [marked("green")])[0]
    wait_for("C's GREEN at A", lambda: present(A, green_c["id"]))
    wait_for("B's GREEN at C", lambda: present(C, green_b["id"]))
    settle(hubs.values())
    for o in (amber_none, strict, red_b):
        assert not present(B, o["id"]) and not present(C, o["id"]), o
    assert not present(C, amber_b["id"]), "AMBER received from a peer went on"
    assert not present(C, amber_c["id"]), "AMBER went past the peer's tlp-max"
    # Provenance: created_by_ref untouched, the chain of hubs recorded.
    (_, _, at_c), = versions(C, green["id"])
    ida, idb = A.ident, B.ident
    assert at_c["x_yagura_via"] == [ida, idb]
    assert "created_by_ref" not in at_c or at_c["created_by_ref"] == green.get("created_by_ref")
    assert "x_yagura_share_with" not in versions(B, amber_b["id"])[0][2]
    # B's members see the GREEN, not the AMBER kept for B's operators' peer org.
    seen = {o["id"] for o in B.objects_all(B.coll, B.t["m"])[0]}
    assert green["id"] in seen and amber_b["id"] not in seen
    p = peers(A)["hub-B"]
    assert p["state"] == "ok" and p["objects_out"] >= 3, p
    # B counted what A pushed to it, as well as C counted what it pulled.
    assert peers(B)["hub-A"]["objects_in"] >= 3
    assert peers(C)["hub-B"]["objects_in"] >= 3


def test_triangle_once_and_loops_stop(hubs):
    A, B, C = hubs["A"], hubs["B"], hubs["C"]
    peer_add(A, "C", hubs, "--tlp-max", "green")
    peer_add(C, "A", hubs, "--tlp-max", "green")
    o = post(A, [marked("green")])[0]
    newer = dict(o, modified="2025-06-01T00:00:00.000Z")
    wait_for("the triangle's first object everywhere",
             lambda: present(B, o["id"]) and present(C, o["id"]))
    post(A, [newer])
    c_obj = post(C, [marked("clear")])[0]
    wait_for("the new version everywhere", lambda: all(
        len(versions(h, o["id"])) == 2 for h in (B, C)))
    wait_for("C's object everywhere", lambda: present(A, c_obj["id"]) and present(B, c_obj["id"]))
    out1 = settle(hubs.values())
    out2 = settle(hubs.values())
    assert out1 == out2, "traffic did not stop"
    for h in (A, B, C):
        vs = sorted(m for i, m, _ in versions(h, o["id"]))
        assert vs == [o["modified"], newer["modified"]], (h.name, vs)
        assert len(versions(h, c_obj["id"])) == 1
        # No version anywhere more than once.
        keys = [(i, m) for i, m, _ in rows(h)]
        assert len(keys) == len(set(keys))
    # A never took back what passed through it.
    assert all(A.ident not in j.get("x_yagura_via", []) for _, _, j in rows(A))


def level_of(h):
    r = h.get("/api/v1/level", h.t["admin"], accept="application/json")
    assert r.status_code == 200, r.text
    return r.json()["level"]


def test_advisory(hubs):
    A, B, C = hubs["A"], hubs["B"], hubs["C"]
    # A member cannot speak for its hub: its "advisory" never leaves.
    forged = post(A, [{"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
                       "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                       "name": "Alert level 5", "published": "2024-01-01T00:00:00Z",
                       "report_types": ["threat-report"], "object_refs": [A.ident],
                       "created_by_ref": A.ident, "labels": ["yagura-alert-level"],
                       "x_yagura_alert_level": 5, "object_marking_refs": [TLP["green"]]}])[0]
    assert level_of(B) == 1 and level_of(C) == 1
    r = A.req("POST", "/api/v1/level/set", A.t["admin"], accept="application/json",
              headers={"Content-Type": "application/json"},
              json={"level": 4, "reason": "exercise"})
    assert r.status_code == 200, r.text
    # A's level report reaches its partners; their default rules read
    # federation.advisory_level >= 4 as level 3.
    wait_for("B and C raised their level", lambda: level_of(B) == 3 and level_of(C) == 3)
    assert peers(B)["hub-A"]["advisory_level"] == 4
    assert peers(C)["hub-A"]["advisory_level"] == 4
    settle(hubs.values())
    assert not present(B, forged["id"]) and not present(C, forged["id"])
    # B's copy of A's advisory is not relayed to C as B's.
    assert peers(C)["hub-B"]["advisory_level"] == 0


def test_down_hub_catches_up(hubs):
    A, B, C = hubs["A"], hubs["B"], hubs["C"]
    port = C.port
    check_clean_exit(C)
    sent = post(A, [marked("green") for _ in range(5)]) + post(B, [marked("clear")])
    wait_for("B has A's objects", lambda: all(present(B, s["id"]) for s in sent))
    wait_for("A's worker for C sees it down",
             lambda: peers(A)["hub-C"]["state"] == "error" and peers(A)["hub-C"]["last_error"])
    C2 = Hub(C.data, args=["--federation-every", EVERY_MS, "--listen", f"127.0.0.1:{port}"],
             log_name="hub2.log")
    C2.name, C2.t, C2.coll, C2.ident = "C", C.t, C.coll, C.ident
    hubs["C"] = C2
    wait_for("C caught up", lambda: all(present(C2, s["id"]) for s in sent))
    settle(hubs.values())
    keys = [(i, m) for i, m, _ in rows(C2)]
    assert len(keys) == len(set(keys)), "a version was stored twice"
    for s in sent:
        assert len(versions(C2, s["id"])) == 1


def test_hostile_peer(hubs):
    A, B = hubs["A"], hubs["B"]
    tok = (B.data / "token-for-A").read_text().strip()  # B's peer token at A
    member = A.get("/api/v1/orgs/member-A", A.t["m"], accept="application/json").json()
    mine = post(A, [marked("green")])[0]
    forged = marked("green", created_by_ref=member["identity"])
    overwrite = dict(mine, modified="2030-01-01T00:00:00.000Z", pattern="[ipv4-addr:value = '1.2.3.4']")
    strict = marked("amber+strict")
    as_hub = marked("green", created_by_ref=A.ident)
    looped = marked("green", x_yagura_via=[A.ident])
    fine = marked("green", created_by_ref=f"identity--{uuid.uuid4()}")
    r = A.post_objects(A.coll, tok, [forged, overwrite, strict, as_hub, looped, fine])
    assert r.status_code == 202, r.text
    st = r.json()
    assert st["success_count"] == 1 and st["failure_count"] == 5, st
    assert peers(A)["hub-B"]["refused_in"] >= 5
    assert [s["id"] for s in st["successes"]] == [fine["id"]]
    for o in (forged, strict, as_hub, looped):
        assert not present(A, o["id"])
    assert [m for _, m, _ in versions(A, mine["id"])] == [mine["modified"]]
    # Stored as the peer's organization, whatever it claimed.
    got = A.get(f"/taxii2/api/collections/{A.coll}/objects/{fine['id']}/", A.t["m"]).json()
    assert got["objects"][0]["created_by_ref"] == fine["created_by_ref"]
    # A peer token reads and writes TAXII only, deletes nothing.
    assert A.get("/api/v1/indicators", tok, accept="application/json").status_code == 403
    assert A.get("/api/v1/peers", tok, accept="application/json").status_code == 403
    assert A.req("DELETE", f"/taxii2/api/collections/{A.coll}/objects/{fine['id']}/",
                 tok).status_code == 405
    # What the peer reads of A: never AMBER+STRICT or RED, never its own.
    red = marked("red", x_yagura_share_with=["hub-B"])
    post(A, [red])
    objs, _ = A.objects_all(A.coll, tok)
    ids = {o["id"] for o in objs}
    assert red["id"] not in ids and fine["id"] not in ids and mine["id"] in ids
    for o in objs:
        assert o.get("object_marking_refs", [None])[0] not in (TLP["amber+strict"], TLP["red"])
        assert o["x_yagura_via"][-1] == A.ident
    # The peers API holds no token.
    body = A.get("/api/v1/peers", A.t["admin"], accept="application/json").text
    for name in "ABC":
        for f in hubs[name].data.glob("token-for-*"):
            assert f.read_text().strip() not in body


def test_peer_cli(hubs):
    A = hubs["A"]
    empty = A.data / "empty-token"
    empty.write_text("\n")
    p = A.admin("peer", "add", "hub-x", "--url", "http://127.0.0.1:9", "--token-file",
                str(empty), check=False)
    assert p.returncode == 1 and "empty-token" in p.stderr
    p = A.admin("peer", "add", "hub-B", "--url", "http://127.0.0.1:9", "--token-file",
                str(A.data / "token-for-B"), check=False)
    assert p.returncode == 1 and "exists" in p.stderr
    p = A.admin("peer", "add", "bad name", "--url", "http://127.0.0.1:9", "--token-file",
                str(A.data / "token-for-B"), check=False)
    assert p.returncode == 2 and "name" in p.stderr
    p = A.admin("peer", "add", "hub-y", "--url", "ftp://x", "--token-file",
                str(A.data / "token-for-B"), check=False)
    assert p.returncode == 2 and "url" in p.stderr
    A.admin("peer", "remove", "hub-C")
    assert "hub-C" not in A.admin("peer", "list").stdout
    wait_for("the worker for C gone", lambda: "hub-C" not in peers(A))
    assert A.admin("peer", "remove", "hub-C", check=False).returncode == 1


def sighting_json(h):
    """Every stored sighting of hub h, as text (either backend)."""
    if hubfixture.STORE == "postgresql":
        p = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", hubfixture.pg_url(h.data)],
            input="SELECT json FROM sightings;\n", capture_output=True, text=True, timeout=60,
            check=True)
        return p.stdout
    import sqlite3
    db = sqlite3.connect(f"file:{h.data / 'hub.db'}?mode=ro", uri=True, timeout=30)
    try:
        return "\n".join(j for (j,) in db.execute("SELECT json FROM sightings"))
    finally:
        db.close()


def test_push_from_a_second_collection(hubs):
    A, B = hubs["A"], hubs["B"]
    for h in (A, B):
        h.intel = h.collection("intel")
    A.admin("peer", "remove", "hub-B")
    peer_add(A, "B", hubs, "--pull", "none", "--tlp-max", "amber", "--push", "default,intel")
    assert "push=default,intel\t" in A.admin("peer", "list").stdout
    r = A.post_objects(A.intel, A.t["m"], [marked("green")])
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    in_intel = r.json()["successes"][0]["id"]
    in_default = post(A, [marked("green")])[0]["id"]
    wait_for("both at B", lambda: present(B, in_intel) and present(B, in_default))
    # Each into the peer's collection of the same name.
    assert in_intel in {o["id"] for o in B.objects_all(B.intel, B.t["m"])[0]}
    assert in_default in {o["id"] for o in B.objects_all(B.coll, B.t["m"])[0]}


def sightings_at(h, ind):
    r = h.get(f"/api/v1/indicators/{ind}/sightings", h.t["admin"], accept="application/json")
    assert r.status_code == 200, r.text
    return r.json()


def test_sightings_go_as_counts(hubs):
    A, B = hubs["A"], hubs["B"]
    member = A.get("/api/v1/orgs/member-A", A.t["m"], accept="application/json").json()["identity"]
    green, amber = post(A, [marked("green"), marked("amber")])
    wait_for("the GREEN at B", lambda: present(B, green["id"]))
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())

    def report(*pairs):
        objs = [{"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
                 "created": now, "modified": now, "sighting_of_ref": ind["id"], "count": n,
                 "first_seen": now, "last_seen": now} for ind, n in pairs]
        r = A.req("POST", "/api/v1/sightings", A.t["m"], accept="application/json",
                  headers={"Content-Type": "application/json"},
                  json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs})
        assert r.status_code == 200 and r.json()["accepted"] == len(objs), r.text

    report((green, 3), (green, 4), (amber, 5))
    # At B: one count for the day, by hub A, never the member.
    got = wait_for("A's counts at B", lambda: (lambda j: j if j["count"] == 7 else None)(
        sightings_at(B, green["id"])))
    assert [(e["org"], e["identity"], e["count"]) for e in got["by_org"]] == [("hub-A", A.ident, 7)]
    stored = sighting_json(B)
    assert member not in stored and amber["id"] not in stored, "identity or AMBER left A"
    # Opted in: the member's own count, with its identity; the hub's sum is 0.
    A.admin("org-share-sightings", "member-A", "on")
    report((green, 1))
    got = wait_for("the member's count at B", lambda: (lambda j: j if j["count"] == 8 else None)(
        sightings_at(B, green["id"])))
    assert [(e["org"], e["identity"], e["count"]) for e in got["by_org"]] == [("hub-A", member, 8)]
    assert peers(A)["hub-B"]["sightings_out"] >= 3
    # The same version sent again is one row: no sum grows by itself.
    settle([A, B])
    assert sightings_at(B, green["id"])["count"] == 8


def test_restart_pulls_with_cursor(hubs):
    B, C = hubs["B"], hubs["C"]
    settle(hubs.values())
    port = C.port
    check_clean_exit(C)
    C2 = Hub(C.data, args=["--federation-every", EVERY_MS, "--listen", f"127.0.0.1:{port}"],
             log_name="hub3.log")
    C2.name, C2.t, C2.coll, C2.ident = "C", C.t, C.coll, C.ident
    hubs["C"] = C2
    settle([C2])
    # Nothing new at B: the first pulls after the restart asked with the
    # saved added_after, so B handed nothing over (a full pull: all of it).
    assert peers(C2)["hub-B"]["objects_pulled"] == 0
    o = post(B, [marked("green")])[0]
    wait_for("B's new object at C", lambda: present(C2, o["id"]))
    settle([C2])
    assert peers(C2)["hub-B"]["objects_pulled"] == 1
