"""The store option: SQLite (the default) or PostgreSQL (issue 19); anything
else is refused clearly before the hub touches the data folder, and a
connection string's password never reaches the output."""
import subprocess

import hubfixture
from hubfixture import TAXII, Hub, check_clean_exit, yagura_bin


def test_store_sqlite_is_the_default_and_accepted(tmp_path):
    if hubfixture.STORE != "sqlite":
        return  # this run's hubs are on PostgreSQL: the next tests cover it
    h = Hub(tmp_path, args=["--store", "sqlite"])
    try:
        h.org("alpha")
        tok = h.token("alpha")
        r = h.get("/taxii2/api/collections/", tok)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(TAXII.split(";")[0])
        assert (tmp_path / "hub.db").exists()
    finally:
        check_clean_exit(h)
    # Read back from SQLite: the default durability level.
    assert "SQLite synchronous=normal" in h.stopped[1]


def test_sync_full(tmp_path):
    """--sync full makes SQLite fsync every commit (the hub logs the level
    SQLite reports on its own connection); PostgreSQL refuses the option."""
    r = run_hub(tmp_path, "--sync", "off")
    assert r.returncode == 2 and "--sync" in r.stderr
    if hubfixture.STORE == "postgresql":
        r = run_hub(tmp_path, "--sync", "full", *hubfixture.store_args(tmp_path))
        assert r.returncode == 2 and "synchronous_commit" in r.stderr, r.stderr
        return
    h = Hub(tmp_path, args=["--sync", "full"])
    try:
        h.org("alpha")
        tok = h.token("alpha")
        coll = h.get("/taxii2/api/collections/", tok).json()["collections"][0]["id"]
        r = h.post_objects(coll, tok, [hubfixture.indicator()])
        assert r.status_code == 202, r.text
    finally:
        check_clean_exit(h)
    assert "SQLite synchronous=full" in h.stopped[1]


def run_hub(d, *args):
    return subprocess.run([yagura_bin(), "hub", "--listen", "127.0.0.1:0", "--data", str(d),
                           *args], capture_output=True, text=True, timeout=30)


def test_other_stores_are_refused(tmp_path):
    for i, (args, says) in enumerate((
            (["--store", "mysql"], "--store takes sqlite or postgresql"),
            (["--store", "postgresql://u:secret@db/x"], "--store takes sqlite or postgresql"),
            (["--store", "postgresql"], "--store postgresql needs --pg"),
            (["--pg", "postgresql://u:secret@db/x"], "--pg goes with --store postgresql"))):
        d = tmp_path / str(i)
        d.mkdir()
        r = run_hub(d, *args)
        assert r.returncode == 2, r.stderr
        assert says in r.stderr
        assert "secret" not in r.stderr  # a connection string may carry a password
        assert not (d / "hub.db").exists()


def test_unreachable_postgresql_is_named_without_the_password(tmp_path):
    # Port 1 on loopback: nothing listens there.
    r = run_hub(tmp_path, "--store", "postgresql", "--pg",
                "postgresql://u:secret@127.0.0.1:1/x?connect_timeout=5")
    assert r.returncode == 1
    assert "cannot reach the PostgreSQL store" in r.stderr
    assert "secret" not in r.stderr
    assert not (tmp_path / "hub.db").exists()
    a = subprocess.run([yagura_bin(), "hub", "admin", "--data", str(tmp_path), "--store",
                        "postgresql", "--pg", "postgresql://u:secret@127.0.0.1:1/x", "org",
                        "list"], capture_output=True, text=True, timeout=30)
    assert a.returncode == 1 and "cannot reach the PostgreSQL store" in a.stderr
    assert "secret" not in a.stderr
