"""The X-Yagura-Share-With request header on POST /api/v1/mail: the same
list as ?share= (organization names, identity ids, group:NAME), the union
of both when both are given, the same 400 naming an unknown target, and
ignored by the levels that take no recipients, as ?share= is."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from test_mail_share import indicator_patterns, sees, shub  # noqa: E402,F401
from test_mail_submit import phish  # noqa: E402

JSON = "application/json"
HDR = "X-Yagura-Share-With"


def submit(h, token, body, tlp, share=None, header=None):
    params = {"tlp": tlp}
    if share is not None:
        params["share"] = share
    headers = {"Content-Type": "message/rfc822"}
    if header is not None:
        headers[HDR] = header
    return h.req("POST", "/api/v1/mail", token, accept=JSON, data=body, params=params,
                 headers=headers)


def test_header_alone(shub):
    r = submit(shub, shub.t["A"], phish(frm="X <h@evil-hdr-alone.example>",
                                        subject="Header alone 1"), "amber", header="B")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    g = sees(shub, "B", sid)
    assert g.status_code == 200, g.text
    assert g.json()["yours"] is False
    assert any(i["value"] == "h@evil-hdr-alone.example" for i in g.json()["indicators"])
    assert "evil-hdr-alone.example" in indicator_patterns(shub, shub.t["B"])
    for other in ("C", "D"):
        assert sees(shub, other, sid).status_code == 404, other
        assert "evil-hdr-alone" not in indicator_patterns(shub, shub.t[other]), other


def test_header_group_and_identity(shub):
    ident_b = shub.get("/api/v1/whoami", shub.t["B"], accept=JSON).json()["identity"]
    r = submit(shub, shub.t["A"], phish(frm="X <h@evil-hdr-group.example>",
                                        subject="Header group 1"), "red",
               header=f"group:council ,, {ident_b}")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    for who in ("B", "D"):
        assert sees(shub, who, sid).status_code == 200, who
    assert sees(shub, "C", sid).status_code == 404


def test_header_and_query_union(shub):
    r = submit(shub, shub.t["A"], phish(frm="X <u@evil-hdr-union.example>",
                                        subject="Header union 1"), "red",
               share="B", header="group:council")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    for who in ("B", "D"):
        g = sees(shub, who, sid)
        assert g.status_code == 200 and g.json()["tlp"] == "TLP:RED", who
        assert "evil-hdr-union.example" in indicator_patterns(shub, shub.t[who]), who
    assert sees(shub, "C", sid).status_code == 404
    assert "evil-hdr-union" not in indicator_patterns(shub, shub.t["C"])
    # A target named in both places counts once and still works.
    r = submit(shub, shub.t["A"], phish(frm="X <u@evil-hdr-both.example>",
                                        subject="Header union 2"), "amber",
               share="B", header="B")
    assert r.status_code == 201, r.text
    assert sees(shub, "B", r.json()["submission"]).status_code == 200
    assert sees(shub, "C", r.json()["submission"]).status_code == 404


def test_header_unknown_target(shub):
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-hdr-refused1.example>",
                                        subject="Header bad 1"), "amber",
               header="B,nosuch-hdr-org")
    assert r.status_code == 400, r.text
    d = r.json()["description"]
    assert "nosuch-hdr-org" in d and HDR in d, d
    # A good query does not rescue a bad header, nor the other way round.
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-hdr-refused2.example>",
                                        subject="Header bad 2"), "red",
               share="B", header="group:nosuch-group")
    assert r.status_code == 400 and "group:nosuch-group" in r.json()["description"], r.text
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-hdr-refused3.example>",
                                        subject="Header bad 3"), "red",
               share="nosuch-query-org", header="B")
    assert r.status_code == 400, r.text
    d = r.json()["description"]
    assert "nosuch-query-org" in d and d.startswith("share:"), d
    # The limit holds over the union: 60 in the query and 41 in the header.
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-hdr-refused4.example>",
                                        subject="Header bad 4"), "amber",
               share=",".join(["B"] * 60), header=",".join(["D"] * 41))
    assert r.status_code == 400 and "at most 100" in r.json()["description"], r.text
    assert "evil-hdr-refused" not in indicator_patterns(shub, shub.t["A"])


def test_header_ignored_by_green_and_strict(shub):
    # GREEN goes to every member; a bad name in the header is ignored as
    # it is in ?share=.
    r = submit(shub, shub.t["A"], phish(subject="Header green 1"), "green", header="nosuch")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    for who in ("B", "C", "D"):
        assert sees(shub, who, sid).status_code == 200, who
    # AMBER+STRICT takes no recipients: B, named in the header, sees nothing.
    r = submit(shub, shub.t["A"], phish(frm="X <st@evil-hdr-strict.example>",
                                        subject="Header strict 1"), "amber+strict",
               header="B")
    assert r.status_code == 201, r.text
    assert sees(shub, "B", r.json()["submission"]).status_code == 404
    assert "evil-hdr-strict" not in indicator_patterns(shub, shub.t["B"])
