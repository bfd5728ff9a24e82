"""End-to-end tests of mail submission to the hub: POST /api/v1/mail and
`yagura mail submit`, anonymization of what other members can fetch, the
original encrypted at rest and returned byte-exact to its submitter only,
TLP on the sanitized report, and bad input."""
import json
import os
import re
import stat
import subprocess
import sys
from email.message import EmailMessage

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import mailgen  # noqa: E402
from hubfixture import Hub, check_clean_exit, store_bytes, store_value  # noqa: E402

JSON = "application/json"

# What a member's submission must never show to another member.
RECIPIENT = "taro.yamada@corp-alpha.example"
RECIPIENT_NAME = "Taro Yamada"
OWN_DOMAIN = "corp-alpha.example"
INTERNAL_HOST = "mx-int7.corp-alpha.example"
INTERNAL_IP = "10.20.30.40"
PII = "EMP-778812"


def phish(frm="Billing <billing@evil-billing.example>", to=f"{RECIPIENT_NAME} <{RECIPIENT}>",
          subject=f"Invoice for {RECIPIENT_NAME} 2024-03", url="http://pay.evil-billing.example/inv",
          ip="45.77.12.9", attachment=None, extra_text="", received_for=RECIPIENT,
          internal=True):
    """One targeted message as a member's mail server would keep it; the
    member's own domain is that of received_for."""
    own = received_for.split("@", 1)[1]
    name = to.split("<")[0].strip() if "<" in to else received_for
    host = INTERNAL_HOST if own == OWN_DOMAIN else f"mx-int7.{own}"
    m = EmailMessage()
    if internal:
        m["Received"] = (f"from {host} ({host} [{INTERNAL_IP}]) by "
                         f"mbx1.{own} with LMTP id 9z; Fri, 1 Mar 2024 10:00:05 +0900")
    m["Received"] = (f"from mail.sender.example (mail.sender.example [{ip}]) by {host} "
                     f"with ESMTP id 4ab for <{received_for}>; Fri, 1 Mar 2024 10:00:00 +0900")
    m["Delivered-To"] = received_for
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = "Fri, 01 Mar 2024 10:00:00 +0900"
    m["Message-ID"] = f"<x{abs(hash(subject + frm)) % 10**8}@{own}>"
    m.set_content(f"Dear {name},\n\nplease pay at {url}?who={received_for}\n"
                  f"Employee id {PII}. Our intranet: http://wiki.{own}/pay\n{extra_text}\n")
    if attachment:
        name, data = attachment
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return mailgen.raw(m)


def assert_anonymous(text):
    for secret in (RECIPIENT, "taro.yamada", RECIPIENT_NAME, OWN_DOMAIN, INTERNAL_HOST,
                   "mx-int7.corp", INTERNAL_IP, PII):
        assert secret not in text, f"{secret!r} leaked: {text[:3000]}"


def submit(hub, token, body, tlp=None, ctype="message/rfc822"):
    params = {"tlp": tlp} if tlp else None
    return hub.req("POST", "/api/v1/mail", token, accept=JSON, data=body, params=params,
                   headers={"Content-Type": ctype})


@pytest.fixture(scope="module")
def mhub(tmp_path_factory):
    """One hub for the module (its set-up is a dozen admin commands, slow on
    PostgreSQL): each test uses its own senders and subjects, and the tests
    that change settings come last or undo them."""
    h = Hub(tmp_path_factory.mktemp("mail"))
    for name in ("alpha", "bravo", "charlie", "ops"):
        h.org(name)
    h.admin("org-domains", "alpha", "add", OWN_DOMAIN)
    h.admin("pii-pattern", "add", "EMP-[0-9]{6}")
    h.t = {n: h.token(n) for n in ("alpha", "bravo", "charlie")}
    h.t["admin"] = h.token("ops", "admin")
    h.t["reader"] = h.token("bravo", "reader")
    h.t["sensor"] = h.token("charlie", "sensor")
    yield h
    check_clean_exit(h)


def test_submit_answer_and_sanitized_report(mhub):
    raw = phish(attachment=("invoice.pdf.exe", mailgen.pe_bytes(b"alpha-invoice")))
    r = submit(mhub, mhub.t["alpha"], raw, tlp="green")
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["submission"]) == 36
    assert body["campaign"] is None
    assert body["tlp"] == "TLP:GREEN"
    rep = body["report"]
    assert rep["headers"]["from"][0]["address"] == "billing@evil-billing.example"
    assert rep["headers"]["to"][0]["address"].startswith("[recipient-")
    assert rep["headers"]["subject"] == "Invoice for [recipient-name-1] 2024-03"
    assert rep["sending_ip"] == "45.77.12.9"
    assert any(a["filename"] == "invoice.pdf.exe" for a in rep["attachments"])
    assert "file" not in rep
    assert_anonymous(json.dumps(rep))
    # GREEN: another member reads the report and the indicators.
    g = mhub.get(f"/api/v1/mail/{body['submission']}", mhub.t["bravo"], accept=JSON)
    assert g.status_code == 200, g.text
    got = g.json()
    assert got["yours"] is False
    assert_anonymous(g.text)
    values = {(i["type"], i["value"]) for i in got["indicators"]}
    assert ("sender-address", "billing@evil-billing.example") in values
    assert ("sending-ip", "45.77.12.9") in values
    assert ("url-domain", "pay.evil-billing.example") in values
    sha = [a["sha256"] for a in rep["attachments"] if a["filename"] == "invoice.pdf.exe"][0]
    assert ("sha256", sha) in values
    assert body["indicators"] == len(got["indicators"])
    assert not any(OWN_DOMAIN in v or "recipient" in v for _, v in values)


def test_original_round_trip_and_encryption_at_rest(mhub):
    raw = phish(subject="Payroll update 0042 for staff")
    r = submit(mhub, mhub.t["alpha"], raw, tlp="green")
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]
    o = mhub.get(f"/api/v1/mail/{sid}/original", mhub.t["alpha"], accept=None)
    assert o.status_code == 200
    assert o.headers["Content-Type"] == "message/rfc822"
    assert o.content == raw
    a = mhub.get(f"/api/v1/mail/{sid}/original", mhub.t["admin"], accept=None)
    assert a.status_code == 200 and a.content == raw
    # Others: 404, even for a GREEN submission they may read sanitized.
    for who in ("bravo", "charlie", "reader", "sensor"):
        n = mhub.get(f"/api/v1/mail/{sid}/original", mhub.t[who], accept=None)
        assert n.status_code == 404, who
        assert RECIPIENT.encode() not in n.content
    key = mhub.data / "mail.key"
    st = key.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_size == 32
    blob = store_value(mhub.data, "mail_submissions", "original", "uuid", sid, blob=True)
    assert len(blob) == len(raw) + 32
    assert RECIPIENT.encode() not in blob and b"Payroll" not in blob
    assert key.read_bytes() not in blob
    # The key is nowhere in the database file, nor in the log.
    dbbytes = store_bytes(mhub.data)
    assert key.read_bytes() not in dbbytes
    assert RECIPIENT.encode() not in dbbytes


def test_tlp_amber_is_for_the_submitter(mhub):
    r = submit(mhub, mhub.t["alpha"], phish(subject="Amber only please 1"))
    assert r.status_code == 201, r.text
    assert r.json()["tlp"] == "TLP:AMBER"
    sid = r.json()["submission"]
    assert mhub.get(f"/api/v1/mail/{sid}", mhub.t["alpha"], accept=JSON).status_code == 200
    assert mhub.get(f"/api/v1/mail/{sid}", mhub.t["admin"], accept=JSON).status_code == 200
    for who in ("bravo", "charlie", "reader"):
        g = mhub.get(f"/api/v1/mail/{sid}", mhub.t[who], accept=JSON)
        assert g.status_code == 404, who
        assert "evil-billing" not in g.text
    r = submit(mhub, mhub.t["alpha"], phish(subject="Strict one"), tlp="amber+strict")
    assert r.status_code == 201 and r.json()["tlp"] == "TLP:AMBER+STRICT"
    assert mhub.get(f"/api/v1/mail/{r.json()['submission']}", mhub.t["bravo"],
                    accept=JSON).status_code == 404


def test_roles_and_methods(mhub):
    raw = phish()
    assert submit(mhub, mhub.t["reader"], raw).status_code == 403
    assert submit(mhub, mhub.t["sensor"], raw).status_code == 201
    assert submit(mhub, None, raw).status_code == 401
    assert mhub.get("/api/v1/mail", mhub.t["alpha"], accept=JSON).status_code == 405
    assert mhub.req("POST", "/api/v1/campaigns", mhub.t["alpha"], accept=JSON).status_code == 405
    assert submit(mhub, mhub.t["alpha"], raw, ctype="application/json").status_code == 415
    assert submit(mhub, mhub.t["alpha"], raw, ctype="application/octet-stream").status_code == 201
    assert submit(mhub, mhub.t["alpha"], raw, tlp="purple").status_code == 400
    missing = "00000000-0000-4000-8000-000000000000"
    assert mhub.get(f"/api/v1/mail/{missing}", mhub.t["alpha"], accept=JSON).status_code == 404
    assert mhub.get("/api/v1/mail/not-a-uuid", mhub.t["alpha"], accept=JSON).status_code == 404


def test_bad_input_keeps_the_hub_serving(mhub):
    t = mhub.t["alpha"]
    r = submit(mhub, t, b"")
    assert r.status_code == 400 and "empty" in r.json()["description"]
    r = submit(mhub, t, mailgen.binary())
    assert r.status_code == 422, r.text
    assert r.json()["title"] == "not an e-mail"
    big, _, _ = mailgen.large_attachment(mb=50)
    r = submit(mhub, t, big)
    assert r.status_code == 413, r.status_code
    r = submit(mhub, t, mailgen.mime_bomb())
    assert r.status_code == 201, r.text
    assert r.json()["report"]["anomalies"]
    for fn in (mailgen.broken_boundary, mailgen.invalid_base64, mailgen.double_content_type,
               mailgen.eight_bit_headers, mailgen.many_parts):
        r = submit(mhub, t, fn())
        assert r.status_code in (201, 422), (fn.__name__, r.status_code, r.text)
    assert mhub.get("/healthz", None, accept=None).status_code == 200
    assert submit(mhub, t, phish()).status_code == 201


def test_cli_submit_and_admin(mhub, tmp_path):
    eml = tmp_path / "a.eml"
    eml.write_bytes(phish(subject="CLI submitted message 77"))
    tokf = tmp_path / "tok"
    tokf.write_text(mhub.t["bravo"] + "\n")
    p = subprocess.run([mhub.bin, "mail", "submit", str(eml), "--hub", mhub.base, "--token-file",
                        str(tokf), "--tlp", "amber+strict"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    path, sid, camp, n = p.stdout.strip().split("\t")
    # The module's hub holds alpha's look-alike mails: this one may join
    # their campaign ("-" when none).
    assert path == str(eml) and len(sid) == 36 and n.endswith("indicators")
    assert camp == "-" or re.fullmatch(r"campaign--[0-9a-f-]{36}", camp), camp
    g = mhub.get(f"/api/v1/mail/{sid}", mhub.t["bravo"], accept=JSON)
    assert g.status_code == 200 and g.json()["tlp"] == "TLP:AMBER+STRICT"
    # bravo has no own domain configured: the recipient still goes.
    assert RECIPIENT not in g.text
    bad = subprocess.run([mhub.bin, "mail", "submit", str(eml), "--hub", mhub.base, "--token",
                          "0" * 64], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "401" in bad.stderr
    assert subprocess.run([mhub.bin, "mail", "submit", str(eml)], capture_output=True,
                          timeout=60).returncode == 2
    out = mhub.admin("org-domains", "alpha", "list").stdout.split()
    assert out == [OWN_DOMAIN]
    assert mhub.admin("pii-pattern", "add", "(broken", check=False).returncode == 2
    assert mhub.admin("pii-pattern", "list").stdout.split() == ["EMP-[0-9]{6}"]
    assert mhub.admin("org-allow-naming", "bravo", "maybe", check=False).returncode == 2
    assert "allowed" in mhub.admin("org-allow-naming", "bravo", "on").stdout
    assert mhub.admin("org-domains", "nosuch", "add", "x.example", check=False).returncode == 1


def test_indicators_published_to_taxii_per_tlp(mhub):
    coll = mhub.get("/taxii2/api/collections/", mhub.t["alpha"]).json()["collections"][0]["id"]
    alpha_ident = mhub.get("/api/v1/whoami", mhub.t["alpha"], accept=JSON).json()["identity"]
    ok_sub = submit(mhub, mhub.t["alpha"], phish(frm="X <green-sender@evil-green.example>"),
                        tlp="green")
    assert ok_sub.status_code == 201, ok_sub.text
    a = submit(mhub, mhub.t["alpha"], phish(frm="Y <amber-sender@evil-amber.example>"))
    assert a.status_code == 201, a.text

    def indicators(tok):
        objs, _ = mhub.objects_all(coll, tok, params={"match[type]": "indicator"})
        return [o for o in objs if "yagura-mail" in o.get("labels", [])]

    # This test's two submissions (the module's hub holds earlier ones).
    mine = {ok_sub.json()["submission"], a.json()["submission"]}
    seen_b = [o for o in indicators(mhub.t["bravo"]) if o["x_yagura_mail_submission"] in mine]
    assert seen_b
    pats = " ".join(o["pattern"] for o in seen_b)
    assert "[email-addr:value = 'green-sender@evil-green.example']" in pats
    assert "evil-amber" not in pats
    assert all(o["created_by_ref"] != alpha_ident for o in seen_b)
    assert all(o["x_yagura_mail_submission"] == ok_sub.json()["submission"] for o in seen_b)
    text = json.dumps(seen_b)
    assert_anonymous(text)
    assert all(o["object_marking_refs"] for o in seen_b)
    seen_a = " ".join(o["pattern"] for o in indicators(mhub.t["alpha"]))
    assert "evil-amber" in seen_a and "evil-green" in seen_a


@pytest.fixture
def fresh_hub(tmp_path):
    """A hub that has not made its mail key yet."""
    h = Hub(tmp_path)
    h.org("alpha")
    h.t = {"alpha": h.token("alpha")}
    yield h
    check_clean_exit(h)


def test_concurrent_first_submissions_share_one_key(fresh_hub):
    """The key is made once even when the first messages arrive together."""
    from concurrent.futures import ThreadPoolExecutor
    import requests
    mhub = fresh_hub
    assert not (mhub.data / "mail.key").exists()

    def one(i):
        return requests.post(mhub.base + "/api/v1/mail", data=phish(subject=f"Parallel {i}"),
                             headers={"Authorization": f"Bearer {mhub.t['alpha']}",
                                      "Content-Type": "message/rfc822"}, timeout=60)

    with ThreadPoolExecutor(8) as ex:
        rs = list(ex.map(one, range(16)))
    assert [r.status_code for r in rs] == [201] * 16, [r.text for r in rs if r.status_code != 201]
    ids = [r.json()["submission"] for r in rs]
    for sid in ids[:4] + ids[-4:]:
        o = mhub.get(f"/api/v1/mail/{sid}/original", mhub.t["alpha"], accept=None)
        assert o.status_code == 200 and b"Parallel" in o.content
    assert [p.name for p in mhub.data.iterdir() if p.name.startswith(".mail.key")] == []


def test_shared_mail_recipients_never_reach_another_member(mhub):
    """Every message of the shared real-world corpus, submitted GREEN by
    alpha: no recipient address Python's email finds in To, Cc, Bcc,
    Delivered-To, X-Original-To or Envelope-To appears in what bravo reads."""
    import email
    import email.policy
    import email.utils
    from hubfixture import shared_data_dir
    d = shared_data_dir() / "mail"
    if not d.is_dir():
        pytest.skip(f"no shared mail corpus at {d}")
    files = sorted(d.glob("*.eml"))
    assert files
    checked = n_rcpts = 0
    for f in files:
        raw = f.read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        vals = []
        for h in ("To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "Envelope-To"):
            vals += [str(v) for v in msg.get_all(h, [])]
        rcpts = {a.lower() for _, a in email.utils.getaddresses(vals)
                 if "@" in a and len(a) > 5 and '"' not in a}
        r = submit(mhub, mhub.t["alpha"], raw, tlp="green")
        if r.status_code == 422:
            continue
        assert r.status_code == 201, (f.name, r.status_code, r.text[:300])
        g = mhub.get(f"/api/v1/mail/{r.json()['submission']}", mhub.t["bravo"], accept=JSON)
        assert g.status_code == 200
        text = g.text.lower()
        for a in rcpts:
            # As a whole address, not inside a longer one (the anonymized
            # corpus has x@y.z inside xx@y.z).
            m = re.search(r"(?<![\w.+%-])" + re.escape(a) + r"(?![\w-]|\.\w)", text)
            assert not m, (f.name, a, text[max(0, m.start() - 200):m.end() + 50])
        checked += 1
        n_rcpts += len(rcpts)
    print(f"{checked} messages, {n_rcpts} recipient addresses checked")
    assert checked >= len(files) // 2 and n_rcpts >= checked // 2


def test_settings_changed_while_serving_apply_to_the_next_submission(mhub):
    """The hub keeps the anonymizer it built for an organization's
    settings: a domain or PII pattern an admin adds while it serves must
    still apply to the very next submission, and only to that
    organization's own domains."""
    def one(token, n):
        raw = phish(subject=f"Ticket ACC-4711 case {n}", url=f"http://portal.corp-second.example/{n}",
                    extra_text="See https://portal.corp-second.example/help")
        r = submit(mhub, token, raw, tlp="green")
        assert r.status_code == 201, r.text
        return json.dumps(r.json()["report"])

    first = one(mhub.t["alpha"], 1)
    assert "corp-second.example" in first and "ACC-4711" in first
    assert one(mhub.t["alpha"], 2).count("corp-second.example") == first.count("corp-second.example")
    mhub.admin("org-domains", "alpha", "add", "corp-second.example")
    mhub.admin("pii-pattern", "add", "ACC-[0-9]{4}")
    after = one(mhub.t["alpha"], 3)
    assert "corp-second.example" not in after and "ACC-4711" not in after, after[:3000]
    assert_anonymous(after)
    # bravo's own domains are not alpha's; the PII pattern is the hub's.
    bravo = one(mhub.t["bravo"], 4)
    assert "corp-second.example" in bravo and "ACC-4711" not in bravo
    # A pattern removed stops applying.
    mhub.admin("pii-pattern", "del", "ACC-[0-9]{4}")
    assert "ACC-4711" in one(mhub.t["alpha"], 5)
