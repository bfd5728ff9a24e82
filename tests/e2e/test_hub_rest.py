"""REST API basics under /api/v1/: whoami, orgs, collections; bearer tokens
and roles as on TAXII; errors shaped like TAXII's error objects but of
media type application/json."""
import pytest

from hubfixture import hub, world  # noqa: F401 (fixtures)

# Every test here runs with Bearer and again with the token as a Basic password.
pytestmark = pytest.mark.usefixtures("both_auth_schemes")

JSON = "application/json"


def rest(h, path, tok, method="GET", accept=JSON, **kw):
    return h.req(method, "/api/v1/" + path, tok, accept=accept, **kw)


def assert_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == JSON
    body = r.json()
    assert body["http_status"] == str(status)
    assert isinstance(body["title"], str) and body["title"]
    return body


def org_list(h):
    """name -> (sector, country, identity) from the admin CLI."""
    rows = [x.split("\t") for x in h.admin("org", "list").stdout.splitlines()]
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_whoami(world):
    h = world
    h.org("Kyoto Water", sector="water", country="JP")
    tok = h.token("Kyoto Water", "sensor")
    r = rest(h, "whoami", tok)
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON
    ident = org_list(h)["Kyoto Water"][2]
    body = r.json()
    # org_id names the organization in NATS subjects (README, "Running at
    # national scale"); each organization has its own.
    oid = body.pop("org_id")
    assert body == {"org": "Kyoto Water", "identity": ident, "sector": "water",
                    "country": "JP", "role": "sensor"}
    me = rest(h, "whoami/", h.t["reader"]).json()
    mid = me.pop("org_id")
    assert me == {"org": "C", "identity": org_list(h)["C"][2], "sector": "energy",
                  "role": "reader"}
    assert isinstance(oid, int) and isinstance(mid, int) and 0 < oid != mid > 0
    # The identity is the organization's STIX identity object on TAXII.
    got = h.get(f"/taxii2/api/collections/{h.coll}/objects/{ident}/", h.t["A"]).json()
    assert got["objects"][0]["name"] == "Kyoto Water"


def test_401_without_or_with_a_bad_token(world):
    h = world
    for path in ("whoami", "orgs", "orgs/A", "collections", "nothing-here"):
        body = assert_error(rest(h, path, None), 401)
        assert "token" in body["description"]
        assert_error(rest(h, path, "0" * 64), 401)
        r = h.req("GET", "/api/v1/" + path, None, accept=JSON,
                  headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert_error(r, 401)
        assert r.headers["WWW-Authenticate"] == \
            'Bearer realm="yagura", Basic realm="yagura", charset="UTF-8"'

    # A revoked token is refused at once.
    tok = h.token("D")
    assert rest(h, "whoami", tok).status_code == 200
    h.admin("token", "revoke", tok)
    assert_error(rest(h, "whoami", tok), 401)


def test_orgs_admin_sees_all_others_their_own(world):
    h = world
    h.org("Osaka Grid", sector="energy", country="JP")
    everyone = org_list(h)
    r = rest(h, "orgs", h.t["admin"])
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON
    got = r.json()["orgs"]
    assert [o["name"] for o in got] == sorted(everyone)
    for o in got:
        sector, country, ident = everyone[o["name"]]
        assert o["sector"] == sector and o["identity"] == ident
        assert o.get("country", "-") == country
        assert o["created"].endswith("Z")
    for viewer, org in (("A", "A"), ("B", "B"), ("reader", "C"), ("sensor", "C")):
        got = rest(h, "orgs", h.t[viewer]).json()["orgs"]
        assert [o["name"] for o in got] == [org], viewer
        assert got[0]["identity"] == everyone[org][2]


def test_one_org_403_for_others(world):
    h = world
    everyone = org_list(h)
    # Own record, by name or by identity id.
    assert rest(h, "orgs/A", h.t["A"]).json()["name"] == "A"
    assert rest(h, "orgs/" + everyone["B"][2], h.t["B"]).json()["name"] == "B"
    # Another organization's record: admins only; members cannot even tell
    # whether a name exists.
    body = assert_error(rest(h, "orgs/B", h.t["A"]), 403)
    assert "admin" in body["description"]
    assert_error(rest(h, "orgs/" + everyone["A"][2], h.t["reader"]), 403)
    assert_error(rest(h, "orgs/Nobody", h.t["A"]), 403)
    assert rest(h, "orgs/B", h.t["admin"]).json()["identity"] == everyone["B"][2]
    assert_error(rest(h, "orgs/Nobody", h.t["admin"]), 404)
    # Names are values, never SQL or paths.
    assert_error(rest(h, "orgs/A' OR '1'='1", h.t["admin"]), 404)
    assert h.raw("GET", "/api/v1/orgs/../whoami", h.t["admin"])[0] == 404


def test_collections_readable_or_writable(world):
    h = world
    council = h.collection("council", "--description", "A and B", "--read", "A,B",
                           "--write", "A")
    drop = h.collection("dropbox", "--read", "D", "--write", "*")
    pub = h.collection("feed", "--public", "--read", "A", "--write", "A")

    def listed(tok):
        r = rest(h, "collections", tok)
        assert r.status_code == 200 and r.headers["Content-Type"] == JSON
        return {c["title"]: c for c in r.json()["collections"]}

    a = listed(h.t["A"])
    assert set(a) == {"default", "council", "dropbox", "feed"}
    assert (a["council"]["can_read"], a["council"]["can_write"]) == (True, True)
    assert (a["dropbox"]["can_read"], a["dropbox"]["can_write"]) == (False, True)
    assert a["council"]["id"] == council and a["council"]["description"] == "A and B"
    assert a["council"]["url"] == f"/taxii2/api/collections/{council}/"
    assert a["feed"]["public"] is True and a["default"]["public"] is False
    b = listed(h.t["B"])
    assert set(b) == {"default", "council", "dropbox"}
    assert (b["council"]["can_read"], b["council"]["can_write"]) == (True, False)
    c = listed(h.t["C"])
    assert set(c) == {"default", "dropbox"}
    assert c["dropbox"]["id"] == drop
    # Roles count too: a reader writes nowhere, so only what it reads.
    r = listed(h.t["reader"])
    assert set(r) == {"default"}
    assert (r["default"]["can_read"], r["default"]["can_write"]) == (True, False)
    d = listed(h.t["D"])
    assert (d["dropbox"]["can_read"], d["dropbox"]["can_write"]) == (True, True)
    # The same as TAXII says, for what both list.
    taxii = {c["id"]: c for c in h.get("/taxii2/api/collections/", h.t["B"]).json()["collections"]}
    for c in b.values():
        if c["can_read"]:
            assert (taxii[c["id"]]["can_read"], taxii[c["id"]]["can_write"]) == \
                (c["can_read"], c["can_write"])
    assert pub not in taxii


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_methods_and_unknown_paths(world, method):
    h = world
    r = rest(h, "whoami", h.t["A"], method=method)
    assert_error(r, 405)
    assert r.headers["Allow"] == "GET"


def test_not_found_and_not_acceptable(world):
    h = world
    for path in ("nothing", "orgs/A/extra", "whoami/x", ""):
        assert_error(rest(h, path, h.t["A"]), 404)
    assert h.req("GET", "/api/v2/whoami", h.t["A"]).status_code == 404
    assert_error(rest(h, "whoami", h.t["A"], accept="application/xml"), 406)
    assert_error(rest(h, "whoami", h.t["A"], accept="application/taxii+json;version=2.1"), 406)
    for ok in ("application/json; charset=utf-8", "*/*", "application/*",
               "text/html, application/json;q=0.5", None):
        assert rest(h, "whoami", h.t["A"], accept=ok).status_code == 200, ok
