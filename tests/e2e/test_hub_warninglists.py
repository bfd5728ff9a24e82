"""The hub's warning lists (DATA/warninglist.d/*.txt, here the shipped lists
and a list of the members' own domains): values on them never leave
through an export, and the export says how many each list held back."""
import pathlib
import shutil

import pytest

from hubfixture import Hub, check_clean_exit, hub, indicator  # noqa: F401  (fixtures)

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "data" / "warninglists"


def dom(name):
    o = indicator(tlp="green")
    o["pattern"] = f"[domain-name:value = '{name}']"
    return o


@pytest.fixture
def hub_with_lists(tmp_path):
    d = tmp_path / "warninglist.d"
    d.mkdir()
    for name in ("public-dns.txt", "popular-domains.txt", "reserved.txt"):
        shutil.copy(SHIPPED / name, d / name)
    (d / "member-domains.txt").write_text("# our own\nmember-a.example\n")
    h = Hub(tmp_path)
    yield h
    check_clean_exit(h)


def test_export_leaves_warning_listed_values_out(hub_with_lists):
    h = hub_with_lists
    h.org("A")
    t = h.token("A")
    coll = h.get("/taxii2/api/collections/", t).json()["collections"][0]["id"]
    objs = [indicator("8.8.8.8", "green"), indicator("185.220.101.1", "green"),
            indicator("10.1.2.3", "green"), dom("google.com"), dom("member-a.example"),
            dom("phish.example")]
    r = h.post_objects(coll, t, objs)
    assert r.status_code == 202, r.text
    r = h.session.get(f"{h.base}/api/v1/export/ips", headers={"Authorization": f"Bearer {t}"},
                      timeout=30)
    assert r.status_code == 200, r.text
    ips = {x for x in r.text.splitlines() if x and not x.startswith("#")}
    assert ips == {"185.220.101.1"}
    held = dict(kv.split("=") for kv in r.headers["X-Yagura-Held-Back"].split(", "))
    assert held == {"public-dns": "1", "reserved": "1", "popular-domains": "1",
                    "member-domains": "1"}, held
    r = h.session.get(f"{h.base}/api/v1/export/domains",
                      headers={"Authorization": f"Bearer {t}"}, timeout=30)
    names = {x for x in r.text.splitlines() if x and not x.startswith("#")}
    assert names == {"phish.example"}


def test_hub_without_lists_exports_everything(hub):
    hub.org("A")
    t = hub.token("A")
    coll = hub.get("/taxii2/api/collections/", t).json()["collections"][0]["id"]
    assert hub.post_objects(coll, t, [indicator("8.8.8.8", "green")]).status_code == 202
    r = hub.session.get(f"{hub.base}/api/v1/export/ips", headers={"Authorization": f"Bearer {t}"},
                        timeout=30)
    assert {x for x in r.text.splitlines() if x and not x.startswith("#")} == {"8.8.8.8"}
    assert "X-Yagura-Held-Back" not in r.headers
