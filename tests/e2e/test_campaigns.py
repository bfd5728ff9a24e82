"""End-to-end tests of cross-member correlation: three organizations submit
related and unrelated messages; the campaign forms from the related ones
only, notifications reach the right organizations and name others only
when they allowed it, TLP and anonymization hold in every answer."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import mailgen  # noqa: E402
from hubfixture import Hub, check_clean_exit  # noqa: E402
from test_mail_submit import (JSON, OWN_DOMAIN, RECIPIENT, assert_anonymous, phish,  # noqa: E402
                              submit)

CAMPAIGN_HOST = "secure-login.kaisha-update.example"
PAYLOAD = mailgen.pe_bytes(b"campaign-payload-v1")


@pytest.fixture
def chub(tmp_path):
    h = Hub(tmp_path)
    for name in ("alpha", "bravo", "charlie", "ops"):
        h.org(name)
    h.admin("org-domains", "alpha", "add", OWN_DOMAIN)
    h.admin("org-domains", "bravo", "add", "bravo-corp.example")
    h.admin("pii-pattern", "add", "EMP-[0-9]{6}")
    h.t = {n: h.token(n) for n in ("alpha", "bravo", "charlie")}
    h.t["admin"] = h.token("ops", "admin")
    yield h
    check_clean_exit(h)


def ok(r):
    assert r.status_code == 201, r.text
    return r.json()


def everything_visible(h, who):
    """All JSON the organization can fetch about mail, as one text."""
    t = h.t[who]
    parts = [h.get("/api/v1/campaigns", t, accept=JSON).text,
             h.get("/api/v1/notifications", t, accept=JSON).text]
    for c in h.get("/api/v1/campaigns", t, accept=JSON).json()["campaigns"]:
        parts.append(h.get(f"/api/v1/campaigns/{c['id']}", t, accept=JSON).text)
        for sid in c["visible_submissions"]:
            parts.append(h.get(f"/api/v1/mail/{sid}", t, accept=JSON).text)
    return "\n".join(parts)


def test_three_orgs_campaign_notifications_tlp_anonymity(chub):
    h = chub
    # Unrelated messages, two of them from gmail.com senders: no campaign.
    u1 = ok(submit(h, h.t["alpha"], phish(frm="Friend <old.friend77@gmail.com>",
                                          subject="Dinner next week with the team",
                                          url="https://www.google.com/maps", ip="45.77.1.1",
                                          attachment=("menu.txt", b"menu")), tlp="green"))
    u2 = ok(submit(h, h.t["bravo"], phish(frm="Someone <someone.else@gmail.com>",
                                          to="Hanako <hanako@bravo-corp.example>",
                                          received_for="hanako@bravo-corp.example",
                                          subject="Photos from the trip to Kyoto",
                                          url="https://bit.ly/kyoto-photos", ip="45.77.2.2",
                                          internal=False), tlp="green"))
    assert u1["campaign"] is None and u2["campaign"] is None
    # Related: the same phishing host and payload at alpha (AMBER) and
    # bravo (GREEN); charlie's message shares the payload only.
    a = ok(submit(h, h.t["alpha"], phish(frm="IT Desk <it-desk@kaisha-update.example>",
                                         subject="Password expiry notice 3391",
                                         url=f"http://{CAMPAIGN_HOST}/a1", ip="45.77.3.3",
                                         attachment=("update.exe", PAYLOAD))))
    assert a["campaign"] is None
    b = ok(submit(h, h.t["bravo"], phish(frm="Helpdesk <helpdesk@mail-kaisha.example>",
                                         to="Jiro <jiro@bravo-corp.example>",
                                         received_for="jiro@bravo-corp.example",
                                         subject="Mailbox quota exceeded", internal=False,
                                         url=f"http://{CAMPAIGN_HOST}/b2", ip="45.77.4.4"),
                   tlp="green"))
    assert b["campaign"] and b["campaign"].startswith("campaign--")
    camp = b["campaign"]
    # Alpha and bravo are told; charlie is not (yet).
    na = h.get("/api/v1/notifications", h.t["alpha"], accept=JSON).json()["notifications"]
    nb = h.get("/api/v1/notifications", h.t["bravo"], accept=JSON).json()["notifications"]
    nc = h.get("/api/v1/notifications", h.t["charlie"], accept=JSON).json()["notifications"]
    assert len(na) == 1 and len(nb) == 1 and nc == []
    assert na[0]["campaign"] == camp and na[0]["organizations"] == 2
    assert na[0]["named_organizations"] == ["alpha"]
    assert nb[0]["named_organizations"] == ["bravo"]
    assert '"bravo"' not in json.dumps(na[0]) and '"alpha"' not in json.dumps(nb[0])
    assert any(v["value"] == CAMPAIGN_HOST for v in na[0]["shared_values"])
    c = ok(submit(h, h.t["charlie"], phish(frm="Accounts <acc@totally-other.example>",
                                           to="Saburo <saburo@charlie.example>",
                                           received_for="saburo@charlie.example",
                                           subject="Remittance advice attached",
                                           url="http://charlie-unrelated.example/",
                                           ip="45.77.5.5", internal=False,
                                           attachment=("remit.exe", PAYLOAD))))
    assert c["campaign"] == camp
    na = h.get("/api/v1/notifications", h.t["alpha"], accept=JSON).json()["notifications"]
    nc = h.get("/api/v1/notifications", h.t["charlie"], accept=JSON).json()["notifications"]
    assert len(na) == 2 and na[0]["organizations"] == 3 and len(nc) == 1
    # Charlie shares only the payload with the others, and sees its own and
    # bravo's GREEN submission, never alpha's AMBER one.
    cv = h.get(f"/api/v1/campaigns/{camp}", h.t["charlie"], accept=JSON)
    assert cv.status_code == 200, cv.text
    view = cv.json()
    assert view["organizations"] == 3 and view["submissions"] == 3
    assert a["submission"] not in cv.text
    assert set(view["visible_submissions"]) == {b["submission"], c["submission"]}
    types = {o["type"] for o in view["objects"]}
    assert {"campaign", "indicator", "relationship"} <= types
    rels = {o["relationship_type"] for o in view["objects"] if o["type"] == "relationship"}
    assert rels == {"indicates", "related-to"}
    assert h.get(f"/api/v1/mail/{a['submission']}", h.t["charlie"], accept=JSON).status_code == 404
    assert h.get(f"/api/v1/mail/{a['submission']}/original", h.t["charlie"],
                 accept=None).status_code == 404
    # Nobody else is named: no organization allowed it.
    for who in ("alpha", "bravo", "charlie"):
        text = everything_visible(h, who)
        for other in {"alpha", "bravo", "charlie"} - {who}:
            assert f'"{other}"' not in text, (who, other)
        # Alpha's recipient, own domain, internal host never reach others.
        if who != "alpha":
            assert_anonymous(text)
        assert "jiro@" not in text and "saburo@" not in text and "hanako@" not in text
        assert "bravo-corp.example" not in text
    # The unrelated GREEN submissions are in no campaign.
    for u in (u1, u2):
        g = h.get(f"/api/v1/mail/{u['submission']}", h.t["charlie"], accept=JSON).json()
        assert g["campaign"] is None
    camps = h.get("/api/v1/campaigns", h.t["alpha"], accept=JSON).json()["campaigns"]
    assert [x["id"] for x in camps] == [camp]
    # Bravo allows naming: the others now see its name, never alpha's.
    h.admin("org-allow-naming", "bravo", "on")
    v = h.get(f"/api/v1/campaigns/{camp}", h.t["charlie"], accept=JSON).json()
    assert sorted(v["named_organizations"]) == ["bravo", "charlie"]
    # The hub's admins see every submission of the campaign.
    adm = h.get(f"/api/v1/campaigns/{camp}", h.t["admin"], accept=JSON).json()
    assert len(adm["visible_submissions"]) == 3
    # Charlie submits once more to the campaign: it spans no new
    # organization, so nobody gets a new notification.
    ok(submit(h, h.t["charlie"], phish(frm="Accounts <acc@totally-other.example>",
                                       subject="Second remittance advice", internal=False,
                                       url="http://charlie-unrelated2.example/", ip="45.77.6.6")))
    assert len(h.get("/api/v1/notifications", h.t["alpha"],
                     accept=JSON).json()["notifications"]) == 2


def test_campaign_is_invisible_without_a_visible_submission(chub):
    h = chub
    ok(submit(h, h.t["alpha"], phish(subject="Strictly internal matter one",
                                     url=f"http://{CAMPAIGN_HOST}/s1")))
    b = ok(submit(h, h.t["bravo"], phish(frm="X <x@strict-sender.example>",
                                         subject="Strictly internal matter two",
                                         url=f"http://{CAMPAIGN_HOST}/s2", internal=False),
                  tlp="amber+strict"))
    camp = b["campaign"]
    assert camp
    # charlie is in it with nothing: no campaign, 404 by id.
    assert h.get("/api/v1/campaigns", h.t["charlie"], accept=JSON).json()["campaigns"] == []
    assert h.get(f"/api/v1/campaigns/{camp}", h.t["charlie"], accept=JSON).status_code == 404
    assert h.get("/api/v1/campaigns/campaign--00000000-0000-4000-8000-000000000000",
                 h.t["alpha"], accept=JSON).status_code == 404
    # Each of the two sees only its own submission, and the shared host.
    va = h.get(f"/api/v1/campaigns/{camp}", h.t["alpha"], accept=JSON).json()
    assert len(va["visible_submissions"]) == 1 and va["organizations"] == 2
    assert any(v["value"] == CAMPAIGN_HOST for v in va["shared_values"])
    assert RECIPIENT not in json.dumps(va)
