"""The dashboard's security (issue 15), over plain HTTP against a real hub
filled by the test: no session, no data; a session sees what its token may
and nothing more (AMBER of another member never shows through any call the
dashboard makes); CSRF tokens on every state change; the CSP and the other
headers on every page and file; the session cookie's flags; no Basic
challenge for the dashboard's requests; static files: types, ETags, and no
way out of the served folders."""
import os
import pathlib
import re
import shutil
import socket
import subprocess

import pytest
import requests

import dashfill
from hubfixture import ROOT, Hub, check_clean_exit

JSON = "application/json"
WEB = ROOT / "web"
# Every route the dashboard's pages call (web/app/*.js), with the ids the
# filled hub gives them.
DASH_CALLS = ("/session", "/api/v1/level", "/api/v1/level/history?limit=20", "/api/v1/summary",
              "/api/v1/members", "/api/v1/indicators/search?limit=200&q=",
              "/api/v1/indicators/search?limit=200&q=amber", "/api/v1/campaigns",
              "/api/v1/darknet/sources?top=1000", "/api/v1/darknet/signals",
              "/api/v1/darknet/ports?proto=tcp&port=23&step=hour", "/api/v1/hosts")
SCRIPTED = {"X-Yagura-Client": "dashboard", "Accept": JSON}


@pytest.fixture(scope="module")
def fh(tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("dash"))
    dashfill.fill(h)
    yield h
    check_clean_exit(h)


def login(h, token):
    s = requests.Session()
    r = s.post(h.base + "/session", json={"token": token}, timeout=30)
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf"]
    s.set_cookie = r.headers["Set-Cookie"]
    return s


def everything(h, s, extra=()):
    """The text of every answer the dashboard's pages get for session s."""
    out = []
    calls = list(DASH_CALLS) + list(extra)
    camps = s.get(h.base + "/api/v1/campaigns", headers=SCRIPTED, timeout=30).json()
    calls += [f"/api/v1/campaigns/{c['id']}" for c in camps["campaigns"]]
    for p in calls:
        r = s.get(h.base + p, headers=SCRIPTED, timeout=30)
        assert r.status_code in (200, 404), f"{p}: {r.status_code} {r.text}"
        out.append(r.text)
    return "\n".join(out)


def test_no_session_no_data(fh):
    for p in DASH_CALLS + ("/api/v1/events",):
        for hdr in (SCRIPTED, {"Sec-Fetch-Mode": "cors", "Accept": JSON},
                    {"Cookie": "yg_session=" + "ab" * 32, "Accept": JSON}):
            r = requests.get(fh.base + p, headers=hdr, timeout=30)
            assert r.status_code == 401, (p, hdr, r.status_code, r.text)
            assert set(r.json()) <= {"title", "http_status", "description"}
            # Never a Basic challenge: the browser would open a password dialog.
            assert "basic" not in r.headers.get("WWW-Authenticate", "").lower(), (p, r.headers)
    # A client outside the dashboard is still offered both schemes.
    r = requests.get(fh.base + "/api/v1/summary", timeout=30)
    assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"]
    # The page itself needs no session and carries no data.
    r = requests.get(fh.base + "/", timeout=30)
    assert r.status_code == 200 and "WWW-Authenticate" not in r.headers
    for name in dashfill.ORGS:
        assert name[0] not in r.text


def test_login_cookie_and_logout(fh):
    r = requests.post(fh.base + "/session", data="token=" + fh.t["power"], timeout=30,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and "Set-Cookie" not in r.headers  # no login from a form
    r = requests.post(fh.base + "/session", json={"token": "0" * 64}, timeout=30)
    assert r.status_code == 401 and "WWW-Authenticate" not in r.headers
    assert "Set-Cookie" not in r.headers
    r = requests.post(fh.base + "/session", json={"token": "not a token"}, timeout=30)
    assert r.status_code == 401
    s = login(fh, fh.t["power"])
    c = s.set_cookie
    m = re.fullmatch(r"yg_session=([0-9a-f]{64}); Path=/; HttpOnly; SameSite=Strict; "
                     r"Max-Age=(\d+)", c)
    assert m, c  # no Secure over plain HTTP (see the TLS test)
    assert int(m.group(2)) == 43200
    assert fh.t["power"] not in c and m.group(1) != fh.t["power"]
    me = s.get(fh.base + "/session", timeout=30).json()
    assert me["org"] == "power-co" and me["role"] == "analyst" and len(me["csrf"]) == 64
    assert fh.t["power"] not in str(me)
    # The hub keeps the id hashed: it is nowhere in its store or log.
    sid = m.group(1).encode()
    for f in fh.data.iterdir():
        if f.is_file():
            assert sid not in f.read_bytes(), f
    # Logout needs the CSRF token, then the cookie is dead.
    assert s.delete(fh.base + "/session", timeout=30).status_code == 403
    r = s.delete(fh.base + "/session", headers={"X-CSRF-Token": me["csrf"]}, timeout=30)
    assert r.status_code == 204 and "Max-Age=0" in r.headers["Set-Cookie"]
    r = requests.get(fh.base + "/api/v1/summary", headers={"Cookie": f"yg_session={m.group(1)}",
                                                           **SCRIPTED}, timeout=30)
    assert r.status_code == 401


def test_csrf_on_state_changes(fh):
    s = login(fh, fh.t["admin"])
    body = {"level": 2, "reason": "csrf test"}
    for hdr in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": s.csrf[:-1]},
                {"X-CSRF-Token": login(fh, fh.t["admin"]).csrf}):
        r = s.post(fh.base + "/api/v1/level/set", json=body, headers={**SCRIPTED, **hdr},
                   timeout=30)
        assert r.status_code == 403, (hdr, r.text)
        assert "CSRF" in r.json()["description"]
    assert s.get(fh.base + "/api/v1/level", headers=SCRIPTED, timeout=30).json()["level"] == 1
    for path, b in (("/api/v1/level/signals", {"name": "x.y", "value": 1}),
                    ("/api/v1/level/confirm", {"proposal": 1}), ("/api/v1/sightings", {}),
                    ("/api/v1/darknet", {})):
        r = s.post(fh.base + path, json=b, headers=SCRIPTED, timeout=30)
        assert r.status_code == 403, (path, r.text)
    r = s.post(fh.base + "/api/v1/level/set", json=body,
               headers={**SCRIPTED, "X-CSRF-Token": s.csrf}, timeout=30)
    assert r.status_code == 200 and r.json()["level"] == 2, r.text
    r = s.post(fh.base + "/api/v1/level/set", json={"level": 1, "reason": "back"},
               headers={**SCRIPTED, "X-CSRF-Token": s.csrf}, timeout=30)
    assert r.status_code == 200 and r.json()["level"] == 1, r.text
    # A bearer client is no browser: it needs no CSRF token.
    r = fh.req("GET", "/api/v1/level", fh.t["admin"], accept=JSON)
    assert r.status_code == 200


def test_member_session_never_sees_anothers_amber(fh):
    bank = everything(fh, login(fh, fh.t["bank"]))
    power = everything(fh, login(fh, fh.t["power"]))
    assert "amber-secret-power" in power and fh.ind["amber-secret-power"] in power
    assert "amber-secret-bank" not in power and fh.ind["amber-secret-bank"] not in power
    assert "amber-secret-bank" in bank
    assert "amber-secret-power" not in bank and fh.ind["amber-secret-power"] not in bank
    assert "203.0.113.12" not in bank
    # The session sees what the token sees, through the same handlers.
    sb = login(fh, fh.t["bank"])
    for p in ("/api/v1/indicators/search?q=&limit=200", "/api/v1/members", "/api/v1/summary"):
        viaweb = sb.get(fh.base + p, headers=SCRIPTED, timeout=30).json()
        viatok = fh.get(p, fh.t["bank"], accept=JSON).json()
        viaweb.pop("as_of", None), viatok.pop("as_of", None)
        assert viaweb == viatok, p
    # Members: others see only their own organization; admins every one.
    assert [m["org"] for m in sb.get(fh.base + "/api/v1/members", headers=SCRIPTED,
                                     timeout=30).json()["members"]] == ["bank-co"]
    sa = login(fh, fh.t["admin"])
    assert len(sa.get(fh.base + "/api/v1/members", headers=SCRIPTED,
                      timeout=30).json()["members"]) == 4


def test_revoked_token_ends_its_sessions(tmp_path):
    h = Hub(tmp_path)
    try:
        h.org("solo")
        tok = h.token("solo")
        s = login(h, tok)
        assert s.get(h.base + "/api/v1/summary", headers=SCRIPTED, timeout=30).status_code == 200
        pub = h.admin("token", "list").stdout
        tid = re.search(r"\b([0-9a-f]{12})\b", pub).group(1)
        h.admin("token", "revoke", tid)
        assert s.get(h.base + "/api/v1/summary", headers=SCRIPTED, timeout=30).status_code == 401
        assert s.get(h.base + "/session", timeout=30).status_code == 401
    finally:
        check_clean_exit(h)


def app_files():
    yield "/"
    for f in sorted((WEB / "app").rglob("*")):
        if f.is_file():
            yield "/static/" + f.relative_to(WEB / "app").as_posix()


def test_csp_and_headers_on_every_page_and_file(fh):
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".svg": "image/svg+xml", "/": "text/html; charset=utf-8"}
    n = 0
    for p in list(app_files()) + ["/static/vendor/uplot/dist/uPlot.esm.js",
                                  "/static/vendor/cytoscape/dist/cytoscape.esm.min.mjs",
                                  "/static/vendor/world-atlas/countries-110m.json",
                                  "/static/nothing-here.js", "/session"]:
        r = requests.get(fh.base + p, timeout=30)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, (p, r.headers)
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        ext = "/" if p == "/" else os.path.splitext(p)[1]
        if r.status_code == 200 and ext in types:
            assert r.headers["Content-Type"] == types[ext], p
        n += 1
    assert n >= 12
    assert requests.get(fh.base + "/static/vendor/cytoscape/dist/cytoscape.esm.min.mjs",
                        timeout=30).headers["Content-Type"] == "text/javascript; charset=utf-8"
    # No page holds an inline script or style, nor anything from elsewhere.
    for f in [WEB / "index.html", *sorted((WEB / "app").glob("*.js"))]:
        text = f.read_text()
        assert "innerHTML" not in text and "outerHTML" not in text, f
        assert "insertAdjacentHTML" not in text and "document.write" not in text, f
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), f
    html = (WEB / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


def test_etag_and_cache(fh):
    r = requests.get(fh.base + "/static/main.js", timeout=30)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
    assert r.content == (WEB / "app" / "main.js").read_bytes()
    tag = r.headers["ETag"]
    r2 = requests.get(fh.base + "/static/main.js", headers={"If-None-Match": tag}, timeout=30)
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["ETag"] == tag
    r3 = requests.get(fh.base + "/static/vendor/uplot/dist/uPlot.esm.js", timeout=30)
    assert r3.status_code == 200 and "max-age=86400" in r3.headers["Cache-Control"]
    assert r3.content == (WEB / "node_modules/uplot/dist/uPlot.esm.js").read_bytes()
    assert requests.post(fh.base + "/static/main.js", timeout=30).status_code == 405


def raw_get(h, path):
    with socket.create_connection(("127.0.0.1", h.port)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_static_paths_never_leave_their_folders(tmp_path):
    web = tmp_path / "web"
    shutil.copytree(WEB, web, ignore=shutil.ignore_patterns("node_modules"))
    (web / "node_modules").mkdir()
    shutil.copytree(WEB / "node_modules" / "uplot", web / "node_modules" / "uplot")
    shutil.copytree(WEB / "node_modules" / "playwright-core" / "lib" / "server" / "chromium",
                    web / "node_modules" / "playwright-core")  # present, but a devDependency
    secret = tmp_path / "secret.js"
    secret.write_text("SECRET")
    (web / "app" / "leak.js").symlink_to(secret)
    (web / "node_modules" / "uplot" / "leak.js").symlink_to(secret)
    (web / "app" / ".hidden.js").write_text("HIDDEN")
    (web / "node_modules" / "uplot" / "up.js").symlink_to(web / "node_modules" / "playwright-core")
    data = tmp_path / "hub"
    data.mkdir()
    h = Hub(data, args=["--web-dir", str(web)])
    try:
        ok, _ = raw_get(h, "/static/main.js")
        assert ok == 200
        # libmicrohttpd decodes %00 and the path ends there: only a prefix
        # of what was asked is served, never more.
        st, body = raw_get(h, "/static/main.js%00/../../../secret.js")
        assert st == 200 and body == (web / "app" / "main.js").read_bytes()
        bad = ["/static/leak.js", "/static/vendor/uplot/leak.js", "/static/.hidden.js",
               "/static/../hub/hub.db", "/static/%2e%2e/%2e%2e/secret.js",
               "/static/..%2fsecret.js", "/static/vendor/uplot/../../../secret.js",
               "/static/vendor/playwright-core/package.json",
               "/static/vendor/uplot/up.js/package.json", "/static//main.js",
               "/static/vendor/uplot", "/static/vendor/",
               "/static/vendor/uplot/package.json/", "/static/app.css.bak", "/index.html",
               "/static/" + "a/" * 20 + "x.js", "/static/vendor/uplot/dist/uPlot.esm.js/x.js"]
        for p in bad:
            st, body = raw_get(h, p)
            assert st in (400, 401, 404), (p, st)  # 401: no route at all, so a token first
            assert b"SECRET" not in body and b"HIDDEN" not in body and b"SQLite" not in body
    finally:
        check_clean_exit(h)


def test_no_web_dir_keeps_the_api(tmp_path):
    h = Hub(tmp_path, args=["--no-web"])
    try:
        assert requests.get(h.base + "/", timeout=30).status_code == 404
        assert requests.get(h.base + "/healthz", timeout=30).status_code == 200
    finally:
        check_clean_exit(h)


def test_secure_cookie_over_tls(tmp_path):
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True)
    if p.returncode != 0:
        pytest.skip("openssl cannot make a test certificate: " + p.stderr.decode()[-200:])
    data = tmp_path / "hub"
    data.mkdir()
    h = Hub(data, args=["--tls-cert", str(crt), "--tls-key", str(key)], scheme="https",
            verify=str(crt))
    try:
        h.org("solo")
        tok = h.token("solo")
        r = requests.post(h.base + "/session", json={"token": tok}, verify=str(crt), timeout=30)
        assert r.status_code == 200
        assert r.headers["Set-Cookie"].endswith("; Secure"), r.headers["Set-Cookie"]
    finally:
        check_clean_exit(h)
