"""`yagura hub backup` and `yagura hub restore` (issue 17) on a SQLite hub:
a backup taken while TAXII POSTs, sightings and mail submissions run is
restored into a new folder and holds every object, sighting, token hash
and mail record acknowledged before the backup began, identical, and the
folder's files (mail key, lists, guidance); a wrong key, a damaged or cut
file and a used target are refused with a clear error and nothing
written; a PostgreSQL hub's backup is its files only, said so."""
import os
import pathlib
import sqlite3
import subprocess
import time

import pytest

import hubfixture
from hubfixture import Hub, check_clean_exit, indicator, yagura_bin
from ingestload import JSON, Load, wait_for

pytestmark = pytest.mark.skipif(hubfixture.STORE == "postgresql",
                                reason="the SQLite store's backup (PostgreSQL: pg_dump)")


def run(*args, timeout=300):
    return subprocess.run([yagura_bin(), "hub", *args], capture_output=True, text=True,
                          timeout=timeout)


def rows(db_path, sql, args=()):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def by_key(db_path, table, key, keys):
    """{key: whole row} of table for the given keys."""
    out = {}
    keys = list(keys)
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        q = f"SELECT {key}, * FROM {table} WHERE {key} IN ({','.join('?' * len(part))})"
        for r in rows(db_path, q, part):
            out[r[0]] = r[1:]
    return out


@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    d = tmp_path_factory.mktemp("secrets")
    (d / "pass").write_text("correct horse battery staple\n")
    (d / "wrong").write_text("incorrect horse battery staple\n")
    (d / "key").write_bytes(os.urandom(32))
    (d / "otherkey").write_text(os.urandom(32).hex() + "\n")
    return d


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """A hub with two members, a published indicator and files of its own
    in the folder besides the store."""
    data = tmp_path_factory.mktemp("hub")
    (data / "mail-warnlist.txt").write_text("corp-bravo.example\n")
    (data / "guidance").mkdir()
    (data / "guidance" / "generic.en.txt").write_text("Reinstall the host.\n")
    h = Hub(data)
    for n in ("A", "B"):
        h.org(n)
    h.t = {n: h.token(n) for n in "AB"}
    h.coll = h.get("/taxii2/api/collections/", h.t["A"]).json()["collections"][0]["id"]
    ind = indicator(ip="198.51.100.7", tlp="green")
    assert h.post_objects(h.coll, h.t["A"], [ind]).status_code == 202
    h.ind = ind["id"]
    yield h
    check_clean_exit(h)


def test_restore_of_a_backup_taken_during_ingestion(busy, secrets, tmp_path):
    h = busy
    load = Load(h.base, h.t["B"], h.coll, h.ind).start()
    try:
        assert wait_for(lambda: all(load.count(k) >= 5 for k in ("taxii", "sightings", "mail"))), \
            (load.acked, load.errors)
        # A token made during ingestion, before the backup.
        h.token("B", "sensor")
        db = h.data / "hub.db"
        tokens_before = rows(db, "SELECT * FROM tokens ORDER BY id")
        begin = time.monotonic()
        out = tmp_path / "hub.ygb"
        p = run("backup", "--data", str(h.data), "--out", str(out),
                "--passphrase-file", str(secrets / "pass"))
        assert p.returncode == 0, p.stderr
        # Ingestion went on during the backup and after it.
        n_after = {k: load.count(k) for k in load.acked}
        assert wait_for(lambda: all(load.count(k) > n_after[k] for k in n_after)), load.errors
    finally:
        load.stop()
    acked = load.acked_before(begin)
    assert all(acked[k] for k in acked), acked
    assert "hub.db" in p.stdout and "mail.key" in p.stdout and "guidance/generic.en.txt" in p.stdout
    assert "hub.db-wal" not in p.stdout
    # The file is sealed: no store page, no mail key bytes in clear.
    blob = out.read_bytes()
    assert blob.startswith(b"YGBACKUP") and b"SQLite format 3" not in blob
    assert (h.data / "mail.key").read_bytes() not in blob

    new = tmp_path / "restored"
    r = run("restore", "--in", str(out), "--data", str(new),
            "--passphrase-file", str(secrets / "pass"))
    assert r.returncode == 0, r.stderr
    assert "sqlite store" in r.stdout
    src_db, new_db = h.data / "hub.db", new / "hub.db"
    assert rows(new_db, "PRAGMA integrity_check") == [("ok",)]

    # Every acknowledged write, row for row as the running hub holds it.
    for table, key, kind in (("objects", "stix_id", "taxii"), ("sightings", "stix_id", "sightings"),
                             ("mail_submissions", "uuid", "mail")):
        want = by_key(src_db, table, key, acked[kind])
        got = by_key(new_db, table, key, acked[kind])
        assert set(want) == acked[kind], f"{table}: the source lost some?"
        missing = acked[kind] - set(got)
        assert not missing, f"{table}: {len(missing)} acknowledged rows not in the backup"
        assert got == want, f"{table}: restored rows differ"
    # Mail records beyond the submissions: their correlation postings.
    ids = tuple(r[0] for r in rows(new_db, "SELECT id FROM mail_submissions"))
    q = "SELECT * FROM corr_postings WHERE submission_id IN (%s) ORDER BY 1, 2" % ",".join(
        "?" * len(ids))
    assert rows(new_db, q, ids) == [r for r in rows(src_db, q, ids)]
    assert rows(new_db, "SELECT * FROM tokens ORDER BY id")[:len(tokens_before)] == tokens_before
    for f in ("mail.key", "mail-warnlist.txt", "guidance/generic.en.txt"):
        assert (new / f).read_bytes() == (h.data / f).read_bytes(), f
    assert (new / "mail.key").stat().st_mode & 0o777 == 0o600

    # A hub on the restored folder serves them with the old tokens; the mail
    # key came along (a sealed original opens).
    mail_id = sorted(acked["mail"])[0]
    src_original = h.get(f"/api/v1/mail/{mail_id}/original", h.t["B"], accept=None)
    g = Hub(new)
    try:
        o = g.get(f"/api/v1/mail/{mail_id}/original", h.t["B"], accept=None)
        assert o.status_code == 200 and o.content == src_original.content
        some = sorted(acked["taxii"])[:3]
        for oid in some:
            r = g.get(f"/taxii2/api/collections/{h.coll}/objects/{oid}/", h.t["A"])
            assert r.status_code == 200 and r.json()["objects"][0]["id"] == oid
        agg = g.get(f"/api/v1/indicators/{h.ind}/sightings", h.t["B"], accept=JSON)
        assert agg.status_code == 200
    finally:
        check_clean_exit(g)


def test_refusals_write_nothing(busy, secrets, tmp_path):
    h = busy
    out = tmp_path / "k.ygb"
    p = run("backup", "--data", str(h.data), "--out", str(out), "--key-file",
            str(secrets / "key"))
    assert p.returncode == 0, p.stderr
    target = tmp_path / "t"

    def refused(path, *secret, why):
        r = run("restore", "--in", str(path), "--data", str(target), *secret)
        assert r.returncode == 1, r.stdout
        assert why in r.stderr, r.stderr
        assert "nothing was written" in r.stderr
        assert not target.exists()
        assert not [p for p in tmp_path.iterdir() if ".restore-" in p.name]

    refused(out, "--key-file", str(secrets / "otherkey"), why="wrong passphrase or key file")
    refused(out, "--passphrase-file", str(secrets / "pass"), why="other kind of secret")
    blob = out.read_bytes()
    cut = tmp_path / "cut.ygb"
    cut.write_bytes(blob[:len(blob) - 100])
    refused(cut, "--key-file", str(secrets / "key"), why="damaged, cut off or altered")
    # One byte changed in the middle of the store's bytes.
    bad = tmp_path / "bad.ygb"
    bad.write_bytes(blob[:len(blob) // 2] + bytes([blob[len(blob) // 2] ^ 1]) +
                    blob[len(blob) // 2 + 1:])
    refused(bad, "--key-file", str(secrets / "key"), why="damaged, cut off or altered")
    # Dropping the last chunk whole (a file cut at a chunk boundary) too.
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a backup at all" * 10)
    refused(junk, "--key-file", str(secrets / "key"), why="not a yagura backup")
    # A folder in use is never a target.
    target.mkdir()
    (target / "something").write_text("x")
    r = run("restore", "--in", str(out), "--data", str(target), "--key-file",
            str(secrets / "key"))
    assert r.returncode == 1 and "not empty" in r.stderr
    assert [p.name for p in target.iterdir()] == ["something"]
    (target / "something").unlink()
    # An empty one is; the key file (hex form too) opens it.
    r = run("restore", "--in", str(out), "--data", str(target), "--key-file",
            str(secrets / "key"))
    assert r.returncode == 0, r.stderr
    assert rows(target / "hub.db", "PRAGMA integrity_check") == [("ok",)]
    # A short passphrase is refused before anything is read.
    (tmp_path / "short").write_text("abc\n")
    r = run("backup", "--data", str(h.data), "--out", str(tmp_path / "x.ygb"),
            "--passphrase-file", str(tmp_path / "short"))
    assert r.returncode == 2 and "shorter than 8" in r.stderr
    assert not (tmp_path / "x.ygb").exists()


def test_postgresql_hub_backup_is_its_files(secrets, tmp_path):
    """A folder without a store (a PostgreSQL hub's) is refused without
    --store postgresql / --files-only, which back up its files only and
    say where the database's backup comes from."""
    data = tmp_path / "pgdir"
    data.mkdir()
    (data / "mail.key").write_bytes(os.urandom(32))
    (data / "notify.json").write_text("{}\n")
    out = tmp_path / "f.ygb"
    p = run("backup", "--data", str(data), "--out", str(out), "--key-file", str(secrets / "key"))
    assert p.returncode == 1 and "no store" in p.stderr and "pg_dump" in p.stderr
    assert not out.exists()
    p = run("backup", "--data", str(data), "--out", str(out), "--key-file", str(secrets / "key"),
            "--store", "postgresql", "--pg", "postgresql://nowhere.invalid/x")
    assert p.returncode == 0, p.stderr
    assert "pg_dump" in p.stderr and "2 files (no store)" in p.stdout
    new = tmp_path / "pgnew"
    r = run("restore", "--in", str(out), "--data", str(new), "--key-file", str(secrets / "key"))
    assert r.returncode == 0 and "files only" in r.stdout, r.stderr
    assert sorted(p.name for p in new.iterdir()) == ["mail.key", "notify.json"]
    assert (new / "mail.key").read_bytes() == (data / "mail.key").read_bytes()
