"""The store option: SQLite (the default) works; anything else is refused
clearly before the hub touches the data folder."""
import subprocess

from hubfixture import TAXII, Hub, check_clean_exit, yagura_bin


def test_store_sqlite_is_the_default_and_accepted(tmp_path):
    h = Hub(tmp_path, args=["--store", "sqlite"])
    try:
        h.org("alpha")
        tok = h.token("alpha")
        r = h.get("/taxii2/api/collections/", tok)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(TAXII.split(";")[0])
        assert (tmp_path / "hub.db").exists()
    finally:
        check_clean_exit(h)


def test_other_stores_are_refused(tmp_path):
    for store, shown in (("postgresql://u:secret@db/x", "postgresql://..."), ("mysql", "mysql")):
        d = tmp_path / store.split(":")[0]
        d.mkdir()
        r = subprocess.run([yagura_bin(), "hub", "--listen", "127.0.0.1:0", "--data", str(d),
                            "--store", store], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2
        assert f"--store {shown}" in r.stderr and "SQLite" in r.stderr
        assert "secret" not in r.stderr  # a connection string may carry a password
        assert not (d / "hub.db").exists()
