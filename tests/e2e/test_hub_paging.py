"""Pagination across thousands of objects: limit/next/more, added_after,
no duplicates or gaps, X-TAXII-Date-Added-First/Last equal to the
manifest's date_added of the first and last object of each page; with TLP
filtering in between (what a viewer may not see never makes a hole or a
short page)."""
from datetime import datetime, timezone

from hubfixture import hub, indicator, world  # noqa: F401 (fixtures)

N = 3000


def objs_path(h, suffix=""):
    return f"/taxii2/api/collections/{h.coll}/{suffix}"


def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def test_thousands_of_objects_page_exactly(world):
    h = world
    # Every fourth object is AMBER+STRICT: C must page past them seamlessly.
    objs = [indicator(ip=f"10.{i // 250}.{i % 250}.1",
                      tlp="amber+strict" if i % 4 == 3 else "green") for i in range(N)]
    for i in range(0, N, 1000):
        st = h.post_objects(h.coll, h.t["A"], objs[i:i + 1000]).json()
        assert st["success_count"] == 1000, st["failures"][:3]
    visible = [o["id"] for i, o in enumerate(objs) if i % 4 != 3]

    # The manifest of everything, as the submitter: every date_added once,
    # strictly increasing.
    man, nxt = [], None
    while True:
        params = {"match[type]": "indicator", "limit": "1000"}
        if nxt:
            params["next"] = nxt
        body = h.get(objs_path(h, "manifest/"), h.t["A"], params=params).json()
        man += body["objects"]
        if not body["more"]:
            break
        nxt = body["next"]
    assert [m["id"] for m in man] == [o["id"] for o in objs]
    added = {m["id"]: m["date_added"] for m in man}
    stamps = [ts(m["date_added"]) for m in man]
    assert all(a < b for a, b in zip(stamps, stamps[1:]))

    for limit in (7, 100, 999, 1000, 5000):  # 5000 is capped at 1000
        seen, pages, nxt = [], 0, None
        while True:
            params = {"match[type]": "indicator", "limit": str(limit)}
            if nxt:
                params["next"] = nxt
            r = h.get(objs_path(h, "objects/"), h.t["C"], params=params)
            assert r.status_code == 200
            body = r.json()
            page = [o["id"] for o in body["objects"]]
            pages += 1
            assert len(page) == min(limit, 1000) or not body["more"], (limit, pages)
            assert r.headers["X-TAXII-Date-Added-First"] == added[page[0]]
            assert r.headers["X-TAXII-Date-Added-Last"] == added[page[-1]]
            seen += page
            if not body["more"]:
                assert "next" not in body
                break
            nxt = body["next"]
        assert seen == visible, limit  # no duplicates, no gaps, in added order
        per = min(limit, 1000)
        assert pages == -(-len(visible) // per), limit

    # added_after: exactly what was added later, from any point.
    for cut in (0, 1, 1499, 2998):
        r = h.get(objs_path(h, "objects/"), h.t["A"],
                  params={"match[type]": "indicator", "added_after": added[objs[cut]["id"]],
                          "limit": "1000"})
        got = [o["id"] for o in r.json()["objects"]]
        assert got == [o["id"] for o in objs[cut + 1:cut + 1001]], cut
        assert r.json()["more"] == (cut + 1001 < N)
        assert r.headers["X-TAXII-Date-Added-First"] == added[objs[cut + 1]["id"]]
    last = added[objs[-1]["id"]]
    r = h.get(objs_path(h, "objects/"), h.t["A"],
              params={"match[type]": "indicator", "added_after": last})
    assert r.json() == {"more": False}
    assert "X-TAXII-Date-Added-First" not in r.headers
    # next and added_after together: the later one wins.
    r = h.get(objs_path(h, "objects/"), h.t["A"],
              params={"match[type]": "indicator", "added_after": added[objs[10]["id"]],
                      "limit": "5"})
    body = r.json()
    r2 = h.get(objs_path(h, "objects/"), h.t["A"],
               params={"match[type]": "indicator", "added_after": added[objs[0]["id"]],
                       "next": body["next"], "limit": "5"})
    assert [o["id"] for o in r2.json()["objects"]] == [o["id"] for o in objs[16:21]]
    # Posting more while paging: new objects come after the cursor, never
    # inside a page already read.
    extra = [indicator(tlp="green") for _ in range(3)]
    h.post_objects(h.coll, h.t["A"], extra)
    r = h.get(objs_path(h, "objects/"), h.t["C"],
              params={"match[type]": "indicator", "added_after": last})
    assert [o["id"] for o in r.json()["objects"]] == [o["id"] for o in extra]
