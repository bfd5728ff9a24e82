"""Hubs on PostgreSQL (issue 19): two hub processes on one database serve the
same data — a write at one wakes the other's parked change-feed long-poll,
refreshes its answer cache and its token cache; a schema newer than the
build is refused; mail stored through one hub is read at the other;
`hub migrate` moves a SQLite hub and checks every row. Runs on the session's server (conftest.py: YG_TEST_PG or a
private cluster), whatever --store says."""
import subprocess
import threading
import time

import pytest

from hubfixture import Hub, check_clean_exit, indicator, yagura_bin

JSON = "application/json"


def pg_store(url):
    return ["--store", "postgresql", "--pg", url]


@pytest.fixture
def two_hubs(pg_server, tmp_path):
    url = pg_server.dbname()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = Hub(tmp_path / "one", store=pg_store(url))
    two = None
    try:
        two = Hub(tmp_path / "two", store=pg_store(url))
        for name in ("A", "B"):
            one.org(name)
        t = {"A": one.token("A"), "B": one.token("B")}
        colls = one.get("/taxii2/api/collections/", t["A"]).json()["collections"]
        # One database: the second hub found the first's default collection.
        assert [c["id"] for c in two.get("/taxii2/api/collections/", t["B"]).json()
                ["collections"]] == [colls[0]["id"]]
        one.coll = two.coll = colls[0]["id"]
        one.t = two.t = t
        one.url = url
        yield one, two
    finally:
        if two:
            check_clean_exit(two)
        check_clean_exit(one)


def changes(hub, token, since, wait=None):
    params = {"since": since}
    if wait is not None:
        params["wait"] = str(wait)
    r = hub.session.get(hub.base + "/api/v1/indicators/changes", params=params,
                        headers={"Authorization": f"Bearer {token}", "Accept": JSON},
                        timeout=90)
    assert r.status_code == 200, r.text
    return r.json()


def until(fn, limit=10.0):
    """Polls fn until it is true; returns the seconds it took (None: never)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if fn():
            return time.monotonic() - t0
        time.sleep(0.01)
    return None


def test_a_write_at_one_hub_wakes_the_others_change_feed(two_hubs):
    one, two = two_hubs
    t = one.t
    first = indicator(ip="198.51.100.10", tlp="green")
    r = one.post_objects(one.coll, t["A"], [first])
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    # The second hub's feed holds what the first stored.
    b = changes(two, t["B"], "0")
    assert [c["id"] for c in b["changes"]] == [first["id"]]
    cursor = b["cursor"]

    # A long-poll parked at the second hub (60 s wait) ends with the
    # indicator the first hub stores meanwhile: it woke on the commit.
    got = {}

    def poll():
        t0 = time.monotonic()
        got["body"] = changes(two, t["B"], cursor, wait=60)
        got["end"] = time.monotonic()
        got["t0"] = t0

    th = threading.Thread(target=poll)
    th.start()
    time.sleep(1.0)  # parked
    assert "body" not in got
    second = indicator(ip="198.51.100.11", tlp="green")
    t_post = time.monotonic()
    r = one.post_objects(one.coll, t["A"], [second])
    t_done = time.monotonic()
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    th.join(90)
    assert not th.is_alive()
    body = got["body"]
    assert [c["id"] for c in body["changes"]] == [second["id"]]
    assert body["changes"][0]["op"] == "upsert"
    print(f"cross-hub wake-up: {1000 * (got['end'] - t_done):.0f} ms after the POST returned"
          f" ({1000 * (got['end'] - t_post):.0f} ms after it was sent)")


def test_answer_and_token_caches_follow_the_other_hub(two_hubs):
    one, two = two_hubs
    t = one.t
    path = f"/taxii2/api/collections/{one.coll}/objects/?match[type]=indicator"
    # Warm the second hub's answer cache, then write at the first.
    assert two.get(path, t["B"]).json().get("objects", []) == []
    assert two.get(path, t["B"]).json().get("objects", []) == []
    ind = indicator(ip="198.51.100.20", tlp="green")
    assert one.post_objects(one.coll, t["A"], [ind]).status_code == 202
    took = until(lambda: [o["id"] for o in two.get(path, t["B"]).json().get("objects", [])]
                 == [ind["id"]])
    assert took is not None, "the second hub kept serving its cached answer"
    print(f"cross-hub cache refresh: {1000 * took:.0f} ms")
    # A token revoked through the first hub's admin is refused at the second.
    assert two.get(path, t["B"]).status_code == 200
    one.admin("token", "revoke", t["B"])
    assert until(lambda: two.get(path, t["B"]).status_code == 401) is not None


def test_newer_schema_is_refused(pg_server, tmp_path):
    url = pg_server.dbname()
    h = Hub(tmp_path, store=pg_store(url))
    h.org("A")
    check_clean_exit(h)
    pg_server.psql("UPDATE schema_version SET version = 99", db=url.rsplit("/", 1)[1])
    r = subprocess.run([yagura_bin(), "hub", "--listen", "127.0.0.1:0", "--data", str(tmp_path),
                        *pg_store(url)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "newer schema" in r.stderr
    a = subprocess.run([yagura_bin(), "hub", "admin", "--data", str(tmp_path), *pg_store(url),
                        "org", "list"], capture_output=True, text=True, timeout=60)
    assert a.returncode == 1 and "newer schema" in a.stderr


def test_mail_submitted_at_one_hub_is_read_at_the_other(two_hubs):
    """The mail half on PostgreSQL: a submission (its sealed original, its
    campaign) stored through one hub is served by the other, which shares
    the data folder's mail key (give every hub of one data set the same)."""
    import shutil
    one, two = two_hubs
    tok = one.t["A"]
    mail = mail_bytes()
    r = one.req("POST", "/api/v1/mail", tok, accept=JSON, data=mail,
                headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    shutil.copy(one.data / "mail.key", two.data / "mail.key")
    o = two.get(f"/api/v1/mail/{sid}/original", tok, accept=None)
    assert o.status_code == 200 and o.content == mail
    assert one.get(f"/api/v1/mail/{sid}/original", one.t["B"], accept=None).status_code == 404
    assert two.get("/api/v1/campaigns", tok, accept=JSON).status_code == 200
    assert two.get("/api/v1/darknet/ports?proto=tcp&port=23", tok, accept=JSON).status_code == 200


def test_migrate_from_sqlite_keeps_every_record(pg_server, tmp_path):
    """`hub migrate` moves a SQLite hub with objects (shared), tokens, a
    group, sightings, a mail submission (with its sealed original) and an
    audit log; then the same hub folder on PostgreSQL serves the same
    answers and the same tokens, and a second migrate into it is refused."""
    import os
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    from test_hub_sightings import post as post_sightings, sighting

    src = Hub(tmp_path, store=["--store", "sqlite"])
    try:
        for name in ("A", "B", "C"):
            src.org(name)
        src.admin("group", "add", "council", "--org", "A", "--members", "B")
        # A client-certificate binding (issue 21) moves like a token.
        src.admin("cert", "add", "--org", "B", "--role", "sensor",
                  str(hubfixture_root() / "fuzz/corpus/cert_bind/member.pem"))
        certs = src.admin("cert", "list").stdout
        t = {n: src.token(n) for n in "ABC"}
        coll = src.get("/taxii2/api/collections/", t["A"]).json()["collections"][0]["id"]
        inds = [indicator(ip=f"198.51.100.{i}", tlp="green") for i in range(1, 6)]
        inds.append(indicator(ip="198.51.100.99", tlp="amber",
                              x_yagura_share_with=["group:council"]))
        r = src.post_objects(coll, t["A"], inds)
        assert r.status_code == 202 and r.json()["success_count"] == 6, r.text
        r = post_sightings(src, t["C"], [sighting(inds[0]["id"], count=3)])
        assert r.status_code in (200, 201, 202), r.text
        mail = mail_bytes()
        r = src.req("POST", "/api/v1/mail", t["B"], accept=JSON, data=mail,
                    headers={"Content-Type": "message/rfc822"})
        assert r.status_code == 201, r.text
        mail_id = r.json()["submission"]

        def answers(h):
            objs = h.get(f"/taxii2/api/collections/{coll}/objects/?match[type]=indicator",
                         t["B"]).json()["objects"]
            sig = h.get(f"/api/v1/indicators/{inds[0]['id']}/sightings", t["A"],
                        accept=JSON).json()
            return sorted(o["id"] for o in objs), sig
        before = answers(src)
        # B sees the AMBER one through the group (and the mail's indicators).
        assert {i["id"] for i in inds} <= set(before[0])
        original = src.get(f"/api/v1/mail/{mail_id}/original", t["B"], accept=None)
    finally:
        check_clean_exit(src)
    assert original.status_code == 200 and original.content == mail

    url = pg_server.dbname()
    p = subprocess.run([yagura_bin(), "hub", "migrate", "--from", f"sqlite:{tmp_path}",
                        "--to", url], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "migrated and verified" in p.stdout
    counts = dict(line.split()[:2] for line in p.stdout.splitlines() if line.endswith(" rows"))
    assert counts["organizations"] == "3" and counts["tokens"] == "3"
    assert int(counts["objects"]) >= 6 and counts["sightings"] == "1"
    assert counts["mail_submissions"] == "1" and int(counts["audit_log"]) > 0
    assert counts["client_certs"] == "1"

    # Into a database that holds data: refused, nothing changed.
    again = subprocess.run([yagura_bin(), "hub", "migrate", "--from", f"sqlite:{tmp_path}",
                            "--to", url], capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and "not empty" in again.stderr

    dst = Hub(tmp_path, store=pg_store(url), log_name="hub-pg.log")
    try:
        assert answers(dst) == before  # the same tokens work, the same data answers
        o = dst.get(f"/api/v1/mail/{mail_id}/original", t["B"], accept=None)
        assert o.status_code == 200 and o.content == mail  # the sealed original moved
        assert dst.admin("cert", "list").stdout == certs
        # New rows get fresh ids after the copied ones.
        dst.org("D")
        assert dst.token("D")
        r = dst.post_objects(coll, t["A"], [indicator(ip="198.51.100.200", tlp="green")])
        assert r.status_code == 202 and r.json()["success_count"] == 1
    finally:
        check_clean_exit(dst)


def hubfixture_root():
    from hubfixture import ROOT
    return ROOT


def mail_bytes():
    import os
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    import mailgen
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "Billing <billing@evil-billing.example>"
    m["To"] = "someone@corp-bravo.example"
    m["Subject"] = "Invoice overdue"
    m["Message-ID"] = "<abc123@evil-billing.example>"
    m["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    m.set_content("Pay now at http://evil-billing.example/pay")
    return mailgen.raw(m)
