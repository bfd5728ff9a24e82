"""A shared mail report never reveals who received it, however the address
is written (issue 18): generated mails carry the recipient in one form each
(plain, embedded, case-folded, percent-encoded once and twice, HTML
references, quoted-printable, hex, base64 and base64url at every alignment,
single-label domain, local part, display name) in every place (subject,
text and HTML bodies, URL query, fragment and path, attachment name,
archive member name). Member A submits them TLP:GREEN; what member B reads
(the report, campaigns, notifications, published indicators over the REST
API and TAXII) holds none of the forms that tests/e2e/anonforms.py makes,
the URL indicators are the URLs without the victim's part, and the report
counts what it removed. The real mails of ../shared/data/mail are checked
the same way."""
import base64
import email
import email.header
import email.policy
import email.utils
import os
import re
import sys
import urllib.parse
from email.message import EmailMessage

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import anonforms  # noqa: E402
import mailgen  # noqa: E402
from hubfixture import Hub, check_clean_exit, shared_data_dir  # noqa: E402

JSON = "application/json"
STIX = "application/stix+json;version=2.1"
RCPT = "taro.yamada@corp-alpha.example"
NAME = "Taro Yamada"
OWN = "corp-alpha.example"
KIT = "https://login.evil-kit.example"


def b64(value, shift, url=False, pad=True):
    """value inside a blob at byte offset shift, with bytes after it."""
    blob = bytes([0xfb, 0xfc][:shift]) + value.encode() + b"\xfe\xfd"[:(shift + 1) % 3]
    s = (base64.urlsafe_b64encode if url else base64.b64encode)(blob).decode()
    return s if pad else s.rstrip("=")


# form -> (writer, (kind, encodings the count may name))
FORMS = {
    "plain": (lambda a: a, ("recipient", {"plain"})),
    "upper": (lambda a: a.upper(), ("recipient", {"plain"})),
    "embedded": (lambda a: f"ARB1000ARB-{a}-Z9", ("recipient", {"plain"})),
    "percent": (lambda a: urllib.parse.quote(a, safe=""), ("recipient", {"percent"})),
    "percent-all": (lambda a: "".join(f"%{b:02X}" for b in a.encode()),
                    ("recipient", {"percent"})),
    "percent2": (lambda a: urllib.parse.quote(urllib.parse.quote(a, safe=""), safe=""),
                 ("recipient", {"percent2"})),
    "entity-dec": (lambda a: a.replace("@", "&#64;"), ("recipient", {"html-entity"})),
    "entity-hex": (lambda a: a.replace("@", "&#x40;"), ("recipient", {"html-entity"})),
    "entity-named": (lambda a: a.replace("@", "&commat;"), ("recipient", {"html-entity"})),
    "qp": (lambda a: a.replace("@", "=40"), ("recipient", {"quoted-printable"})),
    "hex": (lambda a: a.encode().hex().upper(), ("recipient", {"hex"})),
    "base64-0": (lambda a: b64(a, 0), ("recipient", {"base64", "base64url"})),
    "base64-1": (lambda a: b64(a, 1), ("recipient", {"base64", "base64url"})),
    "base64-2": (lambda a: b64(a, 2), ("recipient", {"base64", "base64url"})),
    "base64url-0": (lambda a: b64(a, 0, True, False), ("recipient", {"base64", "base64url"})),
    "base64url-1": (lambda a: b64(a, 1, True, False), ("recipient", {"base64", "base64url"})),
    "base64url-2": (lambda a: b64(a, 2, True, False), ("recipient", {"base64", "base64url"})),
    "single-label": (lambda a: a.split(".example")[0], ("recipient", {"plain"})),
    "local": (lambda a: a.split("@")[0], ("recipient-local", {"plain"})),
    "name": (lambda a: NAME, ("recipient-name", {"plain"})),
}


def in_url(form, text):
    """How a kit puts the value into a link: names form-encoded."""
    return text.replace(" ", "+") if form == "name" else text


def form_mail(form, n):
    w = FORMS[form][0](RCPT)
    u = in_url(form, w)
    m = EmailMessage()
    m["Received"] = (f"from mail.kit.example (mail.kit.example [45.77.12.{n % 250}]) by "
                     f"mx1.{OWN} with ESMTP id 4ab for <{RCPT}>; Fri, 1 Mar 2024 10:00:00 +0900")
    m["Delivered-To"] = RCPT
    m["From"] = f"IT Desk <desk{n}@evil-kit.example>"
    m["To"] = f"{NAME} <{RCPT}>"
    m["Subject"] = f"Mailbox full {w} n{n}"
    m["Date"] = "Fri, 01 Mar 2024 10:00:00 +0900"
    m["Message-ID"] = f"<kit{n}@evil-kit.example>"
    # A soft line break only where a mailer would fold text, never in a URL.
    dear = w if form != "qp" else w[:5] + "=\n" + w[5:]
    text = (f"Dear {dear},\n"
            f"{KIT}/auth?email={u}&lang=en\n"
            f"{KIT}/auth#{u}\n"
            f"{KIT}/u/{u}/login\n")
    html = (f"<html><body><p>Account {w}</p>"
            f"<a href=\"https://portal.evil-kit.example/sso?user={u}&amp;x=1\">Sign in</a>"
            f"</body></html>")
    m.set_content(text)
    m.add_alternative(html, subtype="html")
    m.add_attachment(b"%PDF-1.4 kit", maintype="application", subtype="pdf",
                     filename=f"invoice-{w}.pdf")
    m.add_attachment(mailgen.zip_bytes([(f"docs/{w}.txt", b"hello"), ("readme.txt", b"x")]),
                     maintype="application", subtype="zip", filename="docs.zip")
    return mailgen.raw(m)


@pytest.fixture(scope="module")
def ahub(tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("anon"))
    for name in ("A", "B", "C"):
        h.org(name)
    h.admin("org-domains", "A", "add", OWN)
    h.t = {n: h.token(n) for n in ("A", "B", "C")}
    colls = h.get("/taxii2/api/collections/", h.t["A"]).json()["collections"]
    h.coll = colls[0]["id"]
    yield h
    check_clean_exit(h)


def submit(h, token, body, tlp="green"):
    return h.req("POST", "/api/v1/mail", token, accept=JSON, data=body, params={"tlp": tlp},
                 headers={"Content-Type": "message/rfc822"})


def everything(h, who, sids):
    """Every answer `who` can read about the submissions: the reports,
    campaigns and their views, notifications, indicators (REST and TAXII)."""
    out = {}
    for sid in sids:
        g = h.get(f"/api/v1/mail/{sid}", h.t[who], accept=JSON)
        assert g.status_code == 200, g.text
        out[f"mail/{sid}"] = g.json()
    camps = h.get("/api/v1/campaigns", h.t[who], accept=JSON)
    assert camps.status_code == 200, camps.text
    out["campaigns"] = camps.json()
    for c in camps.json()["campaigns"]:
        v = h.get(f"/api/v1/campaigns/{c['id']}", h.t[who], accept=JSON)
        assert v.status_code == 200, v.text
        out[f"campaign/{c['id']}"] = v.json()
    n = h.get("/api/v1/notifications", h.t[who], accept=JSON)
    assert n.status_code == 200, n.text
    out["notifications"] = n.json()
    ind = h.get("/api/v1/indicators", h.t[who], accept=STIX)
    assert ind.status_code == 200, ind.text
    out["indicators"] = ind.json()
    out["taxii"], _ = h.objects_all(h.coll, h.t[who])
    return out


def url_patterns(answers):
    pats = [o.get("pattern", "") for o in answers["indicators"]["objects"]]
    pats += [o.get("pattern", "") for o in answers["taxii"]]
    return {m.group(1) for p in pats for m in re.finditer(r"\[url:value = '([^']*)'\]", p)}


def test_every_form_in_every_place(ahub):
    sids, counts = [], {}
    for n, form in enumerate(FORMS):
        r = submit(ahub, ahub.t["A"], form_mail(form, n))
        assert r.status_code == 201, (form, r.text)
        sids.append((form, r.json()["submission"]))
        red = r.json()["report"]["redactions"]
        counts[form] = red
        # The submitter sees what went: the kind and the form it was in.
        kind, encs = FORMS[form][1]
        assert sum(red.get(kind, {}).get(e, 0) for e in encs) >= 1, (form, red)
        total = sum(v for k, by in red.items() if k != "total" for v in by.values())
        assert red["total"] == total, red
        used = {e for k, by in red.items() if k != "total" for e in by}
        assert used <= encs | {"plain"}, (form, red)
    ndl = anonforms.needles([RCPT], [NAME], [OWN])
    answers = everything(ahub, "B", [s for _, s in sids])
    found = anonforms.hits(answers, ndl)
    assert not found, found[:20]
    # The link of each kit page stays an indicator, without the victim.
    pats = url_patterns(answers)
    for want in (f"{KIT}/auth?lang=en", f"{KIT}/auth", f"{KIT}/u/"):
        assert want in pats, (want, sorted(pats))
    assert not [p for p in pats if "[" in p or "email=" in p], sorted(pats)
    # Each mail's report shows the URL with the placeholder, and its
    # indicator without the victim part.
    for form, sid in sids:
        urls = answers[f"mail/{sid}"]["report"]["urls"]
        q = [u for u in urls if u["url"].startswith(f"{KIT}/auth?")]
        assert q and q[0]["indicator"] == f"{KIT}/auth?lang=en", (form, urls)
        assert "[recipient" in q[0]["url"], (form, q[0])
    # The member's original is unchanged.
    o = ahub.get(f"/api/v1/mail/{sids[0][1]}/original", ahub.t["A"], accept=None)
    assert o.status_code == 200 and RCPT.encode() in o.content


def test_campaign_of_two_members_hides_both_victims(ahub):
    """A and C get the same kit, each link pre-filled with their own
    victim: the indicators without the victims join one campaign; nobody
    reads the other's victim in any view."""
    ra, rc = "hanako.suzuki@corp-alpha.example", "jiro.sato@charlie-corp.example"

    def kit_mail(to, n):
        m = EmailMessage()
        m["From"] = "Docs <share@evil-camp.example>"
        m["To"] = to
        m["Delivered-To"] = to
        m["Subject"] = f"Shared document for {to} {n}"
        m.set_content(f"Open https://docs.evil-camp.example/view?id=77&e={b64(to, 1)}\n"
                      f"or https://docs.evil-camp.example/s#{to}\n")
        return mailgen.raw(m)

    a = submit(ahub, ahub.t["A"], kit_mail(ra, 1))
    c = submit(ahub, ahub.t["C"], kit_mail(rc, 2))
    assert a.status_code == 201 and c.status_code == 201, (a.text, c.text)
    # The second one links to the first through the kit's page.
    camp = c.json()["campaign"]
    assert camp, c.json()
    sids = [a.json()["submission"], c.json()["submission"]]
    for who, secret in (("A", rc), ("C", ra), ("B", ra), ("B", rc)):
        ans = everything(ahub, who, sids)
        found = anonforms.hits(ans, anonforms.needles([secret]))
        assert not found, (who, found[:10])
        assert "https://docs.evil-camp.example/view?id=77" in url_patterns(ans)
    for who in ("A", "C"):
        ans = everything(ahub, who, sids)
        assert f"campaign/{camp}" in ans, (who, list(ans))
        assert ans["notifications"]["notifications"], (who, ans["notifications"])


def python_recipients(raw):
    """The recipients Python's email finds: addresses of To, Cc, Bcc,
    Delivered-To, X-Original-To, Envelope-To and Received "for", and the
    display names given with them."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    vals = []
    for h in ("To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "Envelope-To"):
        vals += [str(v) for v in msg.get_all(h, [])]
    for rcv in msg.get_all("Received", []):
        m = re.search(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+)>?", str(rcv))
        if m:
            vals.append(m.group(1))
    addrs, names = set(), set()
    for name, addr in email.utils.getaddresses(vals):
        addr = addr.strip("<>.")
        if "@" not in addr or addr.startswith("@") or addr.endswith("@") or '"' in addr:
            continue
        addrs.add(addr)
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except Exception:
            pass
        name = name.strip().strip('"').strip()
        if anonforms.name_ok(name) and "\n" not in name:
            names.add(name)
    return addrs, names


def test_shared_real_mails(ahub, capsys):
    """Each real mail of ../shared/data/mail, submitted GREEN by A and read
    by B: none of the recipients Python's email finds appears in any form."""
    d = shared_data_dir() / "mail"
    if not d.is_dir():
        pytest.skip(f"no shared mail corpus at {d} (set YG_SHARED_DATA)")
    files = sorted(d.glob("*.eml"))
    assert files
    checked = with_rcpts = n_addrs = 0
    leaks = []
    for f in files:
        raw = f.read_bytes()
        addrs, names = python_recipients(raw)
        r = submit(ahub, ahub.t["A"], raw)
        if r.status_code == 422:
            continue
        assert r.status_code == 201, (f.name, r.status_code, r.text[:300])
        g = ahub.get(f"/api/v1/mail/{r.json()['submission']}", ahub.t["B"], accept=JSON)
        assert g.status_code == 200
        checked += 1
        if not addrs:
            continue
        with_rcpts += 1
        n_addrs += len(addrs)
        found = anonforms.hits(g.json(), anonforms.needles(addrs, names))
        if found:
            leaks.append((f.name, len(found), found[:3]))
    with capsys.disabled():
        print(f"\n{checked} real mails checked, {with_rcpts} with recipients "
              f"({n_addrs} addresses), {len(leaks)} leaking, "
              f"{sum(n for _, n, _ in leaks)} hits")
    assert not leaks, leaks[:10]
    assert checked >= len(files) // 2
