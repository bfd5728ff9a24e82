"""AMBER and RED mail submissions shared with named organizations and
groups (POST /api/v1/mail?share=..., `yagura mail submit --share`): a
named member reads the report, the campaign and the published indicators;
an unnamed one sees nothing of them; the original stays the submitter's."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from hubfixture import Hub, check_clean_exit  # noqa: E402
from test_mail_submit import phish  # noqa: E402

JSON = "application/json"
STIX = "application/stix+json;version=2.1"


@pytest.fixture(scope="module")
def shub(tmp_path_factory):
    """A submits; B is named directly; C is named by nobody; D is named
    through the group "council" (owned by A). One hub per module (a dozen
    admin commands to set up, slow on PostgreSQL): each test uses senders
    of its own."""
    h = Hub(tmp_path_factory.mktemp("share"))
    for name in ("A", "B", "C", "D"):
        h.org(name)
    h.admin("group", "add", "council", "--org", "A", "--members", "D")
    h.t = {n: h.token(n) for n in ("A", "B", "C", "D")}
    h.t["admin"] = h.token("C", "admin")
    yield h
    check_clean_exit(h)


def submit(h, token, body, tlp, share=None):
    params = {"tlp": tlp}
    if share is not None:
        params["share"] = share
    return h.req("POST", "/api/v1/mail", token, accept=JSON, data=body, params=params,
                 headers={"Content-Type": "message/rfc822"})


def indicator_patterns(h, token):
    r = h.get("/api/v1/indicators", token, accept=STIX)
    assert r.status_code == 200, r.text
    return " ".join(o.get("pattern", "") for o in r.json()["objects"])


def sees(h, who, sid):
    return h.get(f"/api/v1/mail/{sid}", h.t[who], accept=JSON)


@pytest.mark.parametrize("tlp", ["amber", "red"])
def test_shared_with_one_org(shub, tlp):
    r = submit(shub, shub.t["A"], phish(frm=f"X <s@evil-{tlp}-b.example>",
                                        subject=f"Shared {tlp} 1"), tlp, share="B")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    assert r.json()["tlp"] == ("TLP:AMBER" if tlp == "amber" else "TLP:RED")
    g = sees(shub, "B", sid)
    assert g.status_code == 200, g.text
    assert g.json()["submission"] == sid and g.json()["yours"] is False
    assert any(i["value"] == f"s@evil-{tlp}-b.example" for i in g.json()["indicators"])
    assert f"evil-{tlp}-b.example" in indicator_patterns(shub, shub.t["B"])
    for other in ("C", "D"):
        g = sees(shub, other, sid)
        assert g.status_code == 404, other
        assert f"evil-{tlp}-b" not in g.text
        assert f"evil-{tlp}-b.example" not in indicator_patterns(shub, shub.t[other])
    assert sees(shub, "A", sid).status_code == 200
    assert sees(shub, "admin", sid).status_code == 200
    # The original stays with the submitter and the operators.
    o = shub.get(f"/api/v1/mail/{sid}/original", shub.t["B"], accept=None)
    assert o.status_code == 404 and b"evil" not in o.content
    assert shub.get(f"/api/v1/mail/{sid}/original", shub.t["A"],
                    accept=None).status_code == 200


def test_group_and_identity_targets(shub):
    ident_b = shub.get("/api/v1/whoami", shub.t["B"], accept=JSON).json()["identity"]
    r = submit(shub, shub.t["A"], phish(frm="X <g@evil-group.example>", subject="Group 1"),
               "amber", share=f" group:council , {ident_b}")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    for who in ("B", "D"):
        assert sees(shub, who, sid).status_code == 200, who
        assert "evil-group.example" in indicator_patterns(shub, shub.t[who]), who
    assert sees(shub, "C", sid).status_code == 404
    assert "evil-group.example" not in indicator_patterns(shub, shub.t["C"])


@pytest.fixture
def chub(tmp_path):
    """A hub of its own for the campaign view, which counts every campaign
    a member sees (the module's hub links earlier look-alike mails)."""
    h = Hub(tmp_path)
    for name in ("A", "B", "C"):
        h.org(name)
    h.t = {n: h.token(n) for n in ("A", "B", "C")}
    yield h
    check_clean_exit(h)


def test_campaign_view_for_named_org(chub):
    # Two submissions of A sharing a sender link into one campaign; B is
    # named on both, C on none.
    shub = chub
    ids = []
    for i in range(2):
        r = submit(shub, shub.t["A"], phish(frm="X <camp@evil-campaign.example>",
                                            subject=f"Campaign mail {i}"), "amber", share="B")
        assert r.status_code == 201, r.text
        ids.append(r.json()["submission"])
    camp = r.json()["campaign"]
    assert camp, r.json()
    lb = shub.get("/api/v1/campaigns", shub.t["B"], accept=JSON).json()["campaigns"]
    assert [c["id"] for c in lb] == [camp]
    vb = shub.get(f"/api/v1/campaigns/{camp}", shub.t["B"], accept=JSON)
    assert vb.status_code == 200, vb.text
    assert sorted(vb.json()["visible_submissions"]) == sorted(ids)
    assert vb.json()["your_submissions"] == []
    assert any(v["value"] == "camp@evil-campaign.example"
               for v in vb.json()["shared_values"]), vb.json()["shared_values"]
    assert shub.get("/api/v1/campaigns", shub.t["C"], accept=JSON).json()["campaigns"] == []
    vc = shub.get(f"/api/v1/campaigns/{camp}", shub.t["C"], accept=JSON)
    assert vc.status_code == 404 and "evil-campaign" not in vc.text


def test_strict_green_and_bad_targets(shub):
    # AMBER+STRICT takes no recipients: the list is ignored, B sees nothing.
    r = submit(shub, shub.t["A"], phish(frm="X <st@evil-strict.example>", subject="Strict 1"),
               "amber+strict", share="B")
    assert r.status_code == 201, r.text
    assert sees(shub, "B", r.json()["submission"]).status_code == 404
    assert "evil-strict" not in indicator_patterns(shub, shub.t["B"])
    # GREEN ignores the list (even a bad name) and goes to every member.
    r = submit(shub, shub.t["A"], phish(subject="Green 1"), "green", share="nosuch")
    assert r.status_code == 201, r.text
    assert sees(shub, "C", r.json()["submission"]).status_code == 200
    # Unknown organization, a group A is not in, too many: 400 naming it.
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-refused1.example>", subject="Bad 1"), "amber", share="B,nosuch-org")
    assert r.status_code == 400 and "nosuch-org" in r.json()["description"], r.text
    shub.admin("group", "add", "others", "--org", "C", "--members", "D")
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-refused2.example>", subject="Bad 2"), "red", share="group:others")
    assert r.status_code == 400 and "group:others" in r.json()["description"], r.text
    r = submit(shub, shub.t["A"], phish(frm="X <b@evil-refused3.example>", subject="Bad 3"), "amber",
               share=",".join(["B"] * 101))
    assert r.status_code == 400 and "at most 100" in r.json()["description"], r.text
    # Nothing of the refused ones was stored or published.
    assert "evil-refused" not in indicator_patterns(shub, shub.t["A"])


def test_cli_submit_share(shub, tmp_path):
    eml = tmp_path / "a.eml"
    eml.write_bytes(phish(frm="X <cli@evil-cli-share.example>", subject="CLI shared 1"))
    p = subprocess.run([shub.bin, "mail", "submit", str(eml), "--hub", shub.base, "--token",
                        shub.t["A"], "--tlp", "red", "--share", "B,group:council"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    sid = p.stdout.strip().split("\t")[1]
    for who in ("B", "D"):
        g = sees(shub, who, sid)
        assert g.status_code == 200 and g.json()["tlp"] == "TLP:RED", who
    assert sees(shub, "C", sid).status_code == 404
    bad = subprocess.run([shub.bin, "mail", "submit", str(eml), "--hub", shub.base, "--token",
                          shub.t["A"], "--share", "nobody here"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "nobody here" in bad.stderr
