"""The answer cache (src/hub/cache.h) never shows one organization's view to
another and never outlives a write: the same pages asked for by different
organizations, roles and anonymous clients, again and again (so that they
come from the cache), then writes by another organization, by another hub
thread and by the admin CLI in another process, then the same reads."""
import re

from hubfixture import TLP, hub, indicator, world  # noqa: F401 (fixtures)


def metric(h, name):
    text = h.get("/metrics", h.t["admin"], accept=None).text
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    assert m, text
    return int(m.group(1))


def page(h, tok, coll=None, **params):
    coll = coll or h.coll
    q = {"match[type]": "indicator", "limit": "50"}
    q.update(params)
    return h.get(f"/taxii2/api/collections/{coll}/objects/", tok, params=q)


def ids(r):
    assert r.status_code == 200, r.text
    return {o["id"] for o in r.json().get("objects", [])}


def post(h, tok, *objs, coll=None):
    st = h.post_objects(coll or h.coll, tok, list(objs)).json()
    assert st["success_count"] == len(objs), st


def world_objects(h):
    """A posts one indicator per TLP level (RED to D, AMBER to its council
    group with B) and an anonymous GREEN one; returns id by name."""
    o = {
        "red": indicator(tlp="red", x_yagura_share_with=["D"]),
        "amber": indicator(tlp="amber", x_yagura_share_with=["group:council"]),
        "strict": indicator(tlp="amber+strict"),
        "green": indicator(tlp="green"),
        "clear": indicator(tlp="clear"),
        "anon": indicator(tlp="green", x_yagura_anonymous=True,
                          created_by_ref="identity--11111111-1111-4111-8111-111111111111"),
    }
    post(h, h.t["A"], *o.values())
    return {k: v["id"] for k, v in o.items()}


SEES = {
    "A": {"red", "amber", "strict", "green", "clear", "anon"},
    "B": {"amber", "green", "clear", "anon"},
    "C": {"green", "clear", "anon"},
    "reader": {"green", "clear", "anon"},
    "D": {"red", "green", "clear", "anon"},
}


def expect(oid, viewers):
    return {v: {oid[k] for k in SEES[v]} for v in viewers}


def test_cached_pages_keep_tlp_per_organization(world):
    h = world
    oid = world_objects(h)
    want = expect(oid, SEES)
    hits0 = metric(h, "yagura_hub_cache_hits_total")
    # Interleaved, three rounds: each round after the first is served from
    # the cache, and every viewer still gets exactly its own view.
    for _ in range(3):
        for v in SEES:
            assert ids(page(h, h.t[v])) == want[v], v
            for name in ("red", "amber", "strict"):
                r = h.get(f"/taxii2/api/collections/{h.coll}/objects/{oid[name]}/", h.t[v])
                assert r.status_code == (200 if name in SEES[v] else 404), (v, name)
            man = h.get(f"/taxii2/api/collections/{h.coll}/manifest/", h.t[v],
                        params={"match[type]": "indicator"})
            assert ids(man) == want[v], v
    # Rounds two and three hit for every 200 (a 404 is never kept).
    per_round = sum(2 + len(SEES[v] & {"red", "amber", "strict"}) for v in SEES)
    assert metric(h, "yagura_hub_cache_hits_total") - hits0 == 2 * per_round
    # Redaction is per organization too: only A sees its sharing list and
    # the real author of its anonymous object.
    for _ in range(2):
        for v in ("A", "B", "C"):
            objs = {o["id"]: o for o in page(h, h.t[v]).json()["objects"]}
            anon = objs[oid["anon"]]
            if v == "A":
                assert anon["created_by_ref"].startswith("identity--1111")
                assert anon["x_yagura_anonymous"] is True
                assert objs[oid["amber"]]["x_yagura_share_with"] == ["group:council"]
            else:
                assert not anon["created_by_ref"].startswith("identity--1111")
                assert "x_yagura_anonymous" not in anon
                assert all("x_yagura_share_with" not in o for o in objs.values())


def test_anonymous_client_and_member_on_public_collection(world):
    h = world
    pub = h.collection("public-feed", "--public")
    o = {lvl: indicator(tlp=lvl) for lvl in ("clear", "green", "red")}
    post(h, h.t["A"], *o.values(), coll=pub)
    for _ in range(3):
        anon = h.get(f"/taxii2/api/collections/{pub}/objects/", None)
        assert ids(anon) == {o["clear"]["id"]}
        assert ids(page(h, h.t["A"], coll=pub)) == {x["id"] for x in o.values()}
        assert ids(page(h, h.t["C"], coll=pub)) == {o["clear"]["id"], o["green"]["id"]}
        # The anonymous client's page of the default collection, which is
        # not public, stays a 401 whatever members have cached.
        assert h.get(f"/taxii2/api/collections/{h.coll}/objects/", None).status_code == 401


def test_writes_by_other_organizations_show_at_once(world):
    h = world
    oid = world_objects(h)
    for _ in range(2):
        assert ids(page(h, h.t["C"])) == expect(oid, ["C"])["C"]
        assert ids(page(h, h.t["D"])) == expect(oid, ["D"])["D"]
    # B writes (another organization, maybe another hub thread).
    g = indicator(tlp="green")
    post(h, h.t["B"], g)
    assert g["id"] in ids(page(h, h.t["C"]))
    # A deletes its RED object: D, who had it cached, no longer gets it.
    red_path = f"/taxii2/api/collections/{h.coll}/objects/{oid['red']}/"
    assert h.get(red_path, h.t["D"]).status_code == 200
    assert h.req("DELETE", red_path, h.t["A"]).status_code == 200
    assert oid["red"] not in ids(page(h, h.t["D"]))
    assert h.get(red_path, h.t["D"]).status_code == 404
    # A new version replaces the cached one.
    v2 = indicator(tlp="green", oid=g["id"], modified="2025-01-01T00:00:00.000Z")
    post(h, h.t["B"], v2)
    got = {o["id"]: o for o in page(h, h.t["C"]).json()["objects"]}
    assert got[g["id"]]["modified"] == "2025-01-01T00:00:00.000Z"


def test_cli_writes_in_another_process_show_at_once(world):
    h = world
    world_objects(h)
    ident = {"match[type]": "identity", "limit": "100"}
    names = lambda r: {o["name"] for o in r.json()["objects"]}  # noqa: E731
    for _ in range(2):
        assert names(page(h, h.t["B"], **ident)) == {"A", "B", "C", "D"}
        assert len(ids(page(h, h.t["B"]))) == 4
    # A new organization publishes its identity through the CLI.
    h.org("E")
    assert names(page(h, h.t["B"], **ident)) == {"A", "B", "C", "D", "E"}
    # A revoked token fails at once, though its pages were cached.
    assert h.admin("token", "revoke", h.t["B"]).returncode == 0
    r = page(h, h.t["B"])
    assert r.status_code == 401 and r.json()["http_status"] == "401"
    r = page(h, h.t["B"], **ident)
    assert r.status_code == 401
    # Nobody else lost anything.
    assert len(ids(page(h, h.t["C"]))) == 3
    # A collection made by the CLI for A alone: B (new token) and C do not
    # get A's cached view of it, nor it at all.
    only_a = h.collection("a-only", "--read", "A", "--write", "A")
    post(h, h.t["A"], indicator(tlp="green"), coll=only_a)
    tb = h.token("B")
    for _ in range(2):
        assert len(ids(page(h, h.t["A"], coll=only_a))) == 1
        assert page(h, tb, coll=only_a).status_code == 404
        assert page(h, h.t["C"], coll=only_a).status_code == 404


def test_same_page_different_filters_are_different_answers(world):
    h = world
    post(h, h.t["A"], *[indicator(tlp="green") for _ in range(5)])
    a = page(h, h.t["C"], limit="2")
    b = page(h, h.t["C"], limit="3")
    assert len(ids(a)) == 2 and len(ids(b)) == 3
    nxt = a.json()["next"]
    c = page(h, h.t["C"], limit="2", next=nxt)
    assert not ids(a) & ids(c) and len(ids(c)) == 2
    # Again, now cached: identical bodies and headers.
    for r, params in ((a, {"limit": "2"}), (b, {"limit": "3"}), (c, {"limit": "2", "next": nxt})):
        again = page(h, h.t["C"], **params)
        assert again.content == r.content
        for k in ("X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last", "Content-Type"):
            assert again.headers[k] == r.headers[k], k
        assert again.headers["Content-Type"] == "application/taxii+json;version=2.1"


def test_cache_off_gives_the_same_answers(tmp_path):
    from hubfixture import Hub, check_clean_exit
    h = Hub(tmp_path, args=("--no-cache",))
    try:
        h.org("A")
        t = h.token("A")
        coll = h.get("/taxii2/api/collections/", t).json()["collections"][0]["id"]
        post(h, t, indicator(tlp="green"), coll=coll)
        for _ in range(2):
            assert len(ids(page(h, t, coll=coll))) == 1
        h.t = {"admin": h.token("A", "admin")}
        assert metric(h, "yagura_hub_cache_hits_total") == 0
    finally:
        check_clean_exit(h)


def test_largest_filters_fit_the_request_head(world):
    """100 ids, 100 types and 100 versions in one URL (the caps of filter.h)
    are answered, and cached like any page; one more id is a 400."""
    import uuid
    h = world
    objs = [indicator(tlp="green") for _ in range(3)]
    post(h, h.t["A"], *objs)
    wanted = [o["id"] for o in objs] + [f"indicator--{uuid.uuid4()}" for _ in range(97)]
    types = ["indicator"] + [f"x-type-{i:03d}" for i in range(99)]
    versions = ["last"] + [f"2024-01-{1 + i % 28:02d}T00:00:{i % 60:02d}.000Z" for i in range(99)]
    params = {"match[id]": ",".join(wanted), "match[type]": ",".join(types),
              "match[version]": ",".join(versions), "limit": "100"}
    hits0 = metric(h, "yagura_hub_cache_hits_total")
    for _ in range(2):
        assert ids(page(h, h.t["C"], **params)) == {o["id"] for o in objs}
    assert metric(h, "yagura_hub_cache_hits_total") - hits0 == 1
    params["match[id]"] += f",indicator--{uuid.uuid4()}"
    r = page(h, h.t["C"], **params)
    assert r.status_code == 400 and "match[id]" in r.json()["description"]


def large_page_twice(h, tok, coll):
    """A page of over 4 KiB (kept in a file and sent with sendfile on plain
    HTTP, from memory over TLS), asked for three times: the same bytes."""
    objs = [indicator(ip=f"198.51.100.{i}", tlp="green", description="x" * 200)
            for i in range(40)]
    post(h, tok, *objs, coll=coll)
    first = page(h, tok, coll=coll)
    assert len(first.content) > 8192
    assert ids(first) == {o["id"] for o in objs}
    for _ in range(2):
        again = page(h, tok, coll=coll)
        assert again.content == first.content
        assert int(again.headers["Content-Length"]) == len(first.content)


def test_large_cached_pages_sent_whole(world):
    h = world
    hits0 = metric(h, "yagura_hub_cache_hits_total")
    large_page_twice(h, h.t["C"], h.coll)
    assert metric(h, "yagura_hub_cache_hits_total") - hits0 == 2
    # Many connections at once, each reading the cached page to the end.
    import concurrent.futures
    import requests
    url = f"{h.base}/taxii2/api/collections/{h.coll}/objects/"
    want = page(h, h.t["C"]).content

    def fetch(_):
        with requests.Session() as s:
            return [s.get(url, params={"match[type]": "indicator", "limit": "50"},
                          headers={"Authorization": f"Bearer {h.t['C']}"}).content
                    for _ in range(5)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for got in ex.map(fetch, range(16)):
            assert got == [want] * 5
    # The access log counts the bytes of answers sent from files too.
    import json
    rc, log = h.stop()
    assert rc == 0
    lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
    sent = [x["bytes"] for x in lines
            if x["path"] == f"/taxii2/api/collections/{h.coll}/objects/" and x["status"] == 200]
    assert len(sent) >= 3 + 80 and set(sent[-80:]) == {len(want)}
