"""Infected hosts at the hub (issue 14), end to end against a real hub:

- owners imported from a CSV (bad lines named with their line numbers),
- evidence from a real sensor's sightings of a C2 indicator, from a
  telescope window with a scanner on a member's prefix, and from beacons,
- one notice per owner received by a real SMTP server (aiosmtpd) and
  parsed with Python's email package (recipient, language, hosts,
  guidance), and by webhook receivers that check the HMAC signature; a
  receiver that fails three times gets exactly one delivery, recorded
  with its four attempts,
- acknowledged through the notice's one-time link, cleaned with the
  owner's token, reinfected by new evidence,
- and what other members see: nothing individual, aggregates only.
"""
import base64
import datetime
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import re
import socket
import threading
import time
import uuid

import pytest

import darknetgen as dg
import pcapgen as g
from hubfixture import ROOT, TLP, Hub, check_clean_exit, indicator

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="python3-aiosmtpd (scripts/setup.sh)")

JSON = "application/json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_str(delta_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wait_for(cond, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


class Mailbox:
    """A real SMTP server on loopback keeping every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with box.lock:
                    box.messages.append((list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        self.port = free_port()
        self.ctl = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def parsed(self):
        with self.lock:
            return [(rcpt, email.message_from_bytes(raw, policy=email.policy.default))
                    for rcpt, raw in self.messages]

    def close(self):
        self.ctl.stop()


class Receiver:
    """A webhook receiver; fails (HTTP 500) the first `fail` requests."""

    def __init__(self, fail=0):
        self.requests = []  # (status answered, headers, body)
        self.fail = fail
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status = 500 if rec.fail > 0 else 200
                rec.fail -= status == 500
                rec.requests.append((status, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def ok(self):
        return [(h, b) for s, h, b in self.requests if s == 200]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def api(hub, method, path, token=None, **kw):
    return hub.req(method, path, token, accept=JSON, **kw)


def hosts_of(hub, token, **params):
    r = api(hub, "GET", "/api/v1/hosts", token, params=params)
    assert r.status_code == 200, r.text
    return r.json()["hosts"]


def by_key(hosts):
    return {h.get("host") or "hash:" + h["host_hash"]: h for h in hosts}


def sighting(indicator_id, hosts=(), hashes=(), last=None):
    last = last or now_str(-5)
    s = {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
         "created": last, "modified": last, "sighting_of_ref": indicator_id, "count": 1,
         "first_seen": last, "last_seen": last, "x_yagura_sensor": "edge-a"}
    if hosts:
        s["x_yagura_hosts"] = list(hosts)
    if hashes:
        s["x_yagura_host_hashes"] = list(hashes)
    return s


def post_sightings(hub, token, objs):
    r = api(hub, "POST", "/api/v1/sightings", token, headers={"Content-Type": JSON},
            json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == len(objs), r.text
    return r.json()


def beacon(host, dest, name=None, score=0.95, **kw):
    b = {"host": host, "dest": dest, "name": name, "dst_port": 443, "proto": "tcp",
         "interval_s": 60.0, "count": 24, "score": score, "first_seen": now_str(-3600),
         "last_seen": now_str(-10)}
    b.update(kw)
    return b


HASH_A = hashlib.sha256(b"internal host of A").hexdigest()


@pytest.fixture
def world(tmp_path):
    box = Mailbox()
    hook_a = Receiver()
    hook_isp = Receiver(fail=3)
    port = free_port()
    data = tmp_path / "hub"
    data.mkdir()
    (data / "notify.json").write_text(json.dumps({
        "public_url": f"http://127.0.0.1:{port}",
        "guidance_dir": str(ROOT / "data" / "guidance"),
        "smtp": {"url": f"smtp://127.0.0.1:{box.port}", "starttls": "try",
                 "from": "notices@hub.example"},
        "retry": {"base_s": 0.2, "max_s": 1, "attempts": 8},
    }))
    # A window of an hour: after the first notice, only critical hosts and
    # an operator's run send another one.
    hub = Hub(data, args=("--listen", f"127.0.0.1:{port}", "--notify-every", "3600"))
    hub.org("A", sector="energy")
    hub.org("B", sector="finance")
    hub.org("OPS", sector="government")
    hub.t = {"A": hub.token("A"), "As": hub.token("A", "sensor"), "B": hub.token("B"),
             "Bs": hub.token("B", "sensor"), "admin": hub.token("OPS", "admin"),
             "pub": hub.token("OPS")}
    hub.coll = hub.get("/taxii2/api/collections/", hub.t["A"]).json()["collections"][0]["id"]
    hub.box, hub.hook_a, hub.hook_isp = box, hook_a, hook_isp
    yield hub
    check_clean_exit(hub)
    box.close()
    hook_a.close()
    hook_isp.close()


def import_owners(hub, tmp_path):
    csv = tmp_path / "owners.csv"
    csv.write_text(
        "cidr,owner,email,webhook,language\n"
        f"10.0.0.0/24,A,soc@a.example,http://127.0.0.1:{hub.hook_a.port}/hook,ja\n"
        f"198.51.100.0/24,\"Example ISP, Inc.\",abuse@isp.example,"
        f"http://127.0.0.1:{hub.hook_isp.port}/flaky,en\n"
        "# B's space has no contact yet\n"
        "192.0.2.0/24,B,,,en\n"
        "300.1.2.0/24,Nobody,,,en\n"
        "10.9.0.1/16,Typo,,,en\n"
        "172.16.0.0/12,Mailer,not an address,,en\n"
        "172.20.0.0/16,Lang,,,fr\n")
    return hub.admin("owner", "import", str(csv), check=False)


def test_owner_import_reports_bad_lines_and_keeps_good(world, tmp_path):
    p = import_owners(world, tmp_path)
    assert p.returncode == 3, p.stderr
    assert "4 lines skipped" in p.stdout and "3 networks imported" in p.stdout, p.stdout
    for line, why in ((6, "not a network"), (7, "not a network"), (8, "e-mail"),
                      (9, "language")):
        assert re.search(rf"owners\.csv:{line}: .*{why}", p.stderr), p.stderr
    rows = [l.split("\t") for l in world.admin("owner", "list").stdout.splitlines()]
    by = {r[0]: r for r in rows}
    assert set(by) == {"A", "Example ISP, Inc.", "B"}
    assert by["A"][1] == "A" and by["A"][2] == "soc@a.example" and by["A"][4] == "ja"
    assert by["Example ISP, Inc."][1] == "-" and by["Example ISP, Inc."][5] == "1"
    secret = world.admin("owner", "secret", "A").stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    # Importing again changes contacts, never the secret.
    assert import_owners(world, tmp_path).returncode == 3
    assert world.admin("owner", "secret", "A").stdout.strip() == secret


def publish_indicators(hub):
    c2 = indicator("198.51.100.250", tlp="green", indicator_types=["malicious-activity"],
                   labels=["mirai"])
    c2["pattern"] = "[domain-name:value = 'c2.example']"
    emotet = indicator("203.0.113.9", tlp="green", indicator_types=["malicious-activity"],
                       labels=["Emotet"])
    crit = indicator("203.0.113.66", tlp="green", indicator_types=["compromised"],
                     labels=["qakbot", "critical"])
    benign = indicator("203.0.113.77", tlp="green", indicator_types=["benign"])
    r = hub.post_objects(hub.coll, hub.t["pub"], [c2, emotet, crit, benign])
    assert r.status_code == 202, r.text
    return c2, emotet, crit, benign


def real_sensor_sightings(hub, run_sensor, tmp_path):
    """A's real sensor reads a capture where 10.0.0.5 looks up the C2 name
    and reports its sightings (with addresses: --share-hosts)."""
    frames = g.dns_lookup(("10.0.0.5", 41000), ("192.0.2.53", 53), "c2.example",
                          [("A", "192.0.2.99")], ident=7, start=g.DEFAULT_START)
    pcap = tmp_path / "c2.pcap"
    g.write_pcap(str(pcap), frames)
    run = run_sensor(pcap, args=["--hub", hub.base, "--token", hub.t["As"], "--share-hosts",
                                 "--sightings-interval", "100", "--sensor-name", "edge-a",
                                 "--spool", str(tmp_path / "spool")])
    assert run.rc == 0, run.stderr
    assert len(run.of("alert")) == 1, run.stderr
    return run


def test_full_path_notices_ack_clean_reinfect_and_privacy(world, tmp_path, run_sensor):
    hub, t = world, world.t
    assert import_owners(hub, tmp_path).returncode == 3
    c2, emotet, crit, benign = publish_indicators(hub)

    # (a) A real sensor's sighting of the C2 name from 10.0.0.5; a POSTed
    # one (as a sensor would) for an internal host it only knows hashed,
    # and one of a benign indicator, which is no evidence.
    real_sensor_sightings(hub, run_sensor, tmp_path)
    post_sightings(hub, t["As"], [sighting(c2["id"], hashes=[HASH_A]),
                                  sighting(benign["id"], hosts=["10.0.0.50"])])
    # (b) B's telescope sees scanners: one in A's space, one in the ISP's,
    # one owned by nobody we know, a research scanner and a backscatter
    # source in the ISP's space (neither is an infected machine).
    minute = dg.now_minute() - datetime.timedelta(minutes=2)
    win = dg.window("tele-b", minute, [dg.port("tcp", 23, 100, 4, 4)], sources=[
        dg.source("10.0.0.9", 40, [23, 2323], "mirai"),
        dg.source("198.51.100.7", 30, [23], "mirai"),
        dg.source("8.8.8.8", 20, [23]),
        dg.source("198.51.100.20", 10, [443], "research", research_name="Censys"),
        dg.source("198.51.100.8", 10, [80], cls="backscatter"),
    ])
    r = dg.post(hub.base, t["Bs"], win, session=hub.session)
    assert r.status_code == 200 and r.json()["stored"], r.text
    # (c) Beacons from A's sensor: one to the Emotet address, one strong
    # beacon to an unknown place, one weak one that is no evidence.
    r = api(hub, "POST", "/api/v1/beacons", t["As"], headers={"Content-Type": JSON},
            json={"sensor": "edge-a", "beacons": [
                beacon("10.0.0.6", "203.0.113.9", name="emotet-c2.example", score=0.6),
                beacon(None, "192.0.2.200", score=0.97, host_hash=HASH_A) | {"host": None},
                beacon("10.0.0.7", "192.0.2.201", score=0.5)]})
    assert r.status_code == 400, r.text  # a null host is no address
    assert r.json()["field"] == "beacons[1].host"
    r = api(hub, "POST", "/api/v1/beacons", t["As"], headers={"Content-Type": JSON},
            json={"sensor": "edge-a", "beacons": [
                beacon("10.0.0.6", "203.0.113.9", name="emotet-c2.example", score=0.6),
                beacon("10.0.0.8", "192.0.2.200", score=0.97),
                beacon("10.0.0.7", "192.0.2.201", score=0.5)]})
    assert r.status_code == 200, r.text
    assert r.json() == {"beacons": 3, "evidence": 2, "matched": 1}

    hosts = by_key(hosts_of(hub, t["admin"]))
    assert set(hosts) == {"10.0.0.5", "hash:" + HASH_A, "10.0.0.9", "198.51.100.7",
                          "10.0.0.6", "10.0.0.8"}
    assert hosts["10.0.0.5"]["owner"] == "A" and hosts["10.0.0.5"]["family"] == "mirai"
    assert hosts["10.0.0.5"]["evidence"][0]["source"] == "sighting"
    assert hosts["10.0.0.5"]["evidence"][0]["sensor"] == "edge-a"
    assert hosts["hash:" + HASH_A]["owner"] == "A"
    ev9 = hosts["10.0.0.9"]["evidence"][0]
    assert hosts["10.0.0.9"]["owner"] == "A" and ev9["source"] == "darknet"
    # B's telescope is not named to A (a sensor's name is its member's).
    assert ev9["sensor"] == "telescope"
    assert hosts["198.51.100.7"]["owner"] == "Example ISP, Inc."
    assert hosts["198.51.100.7"]["family"] == "mirai"
    assert hosts["10.0.0.6"]["family"] == "emotet"
    assert emotet["id"] in hosts["10.0.0.6"]["evidence"][0]["what"]
    assert hosts["10.0.0.8"]["family"] == "unknown"
    assert all(h["state"] == "detected" for h in hosts.values())

    # The operator starts the notice run: one notice per owner with a
    # channel (B has none), each by e-mail and webhook.
    assert api(hub, "POST", "/api/v1/hosts/notify", t["A"]).status_code == 403
    assert api(hub, "POST", "/api/v1/hosts/notify", t["admin"]).status_code == 202
    assert wait_for(lambda: len(hub.box.messages) == 2), hub.box.messages
    assert wait_for(lambda: len(hub.hook_a.ok()) == 1 and len(hub.hook_isp.ok()) == 1)
    mails = {tuple(rcpt): m for rcpt, m in hub.box.parsed()}
    assert set(mails) == {("soc@a.example",), ("abuse@isp.example",)}

    ma = mails[("soc@a.example",)]
    assert ma["Content-Language"] == "ja" and "感染" in str(ma["Subject"])
    assert ma["From"] == "notices@hub.example"
    text_a = ma.get_content()
    for host in ("10.0.0.5", "10.0.0.6", "10.0.0.8", "10.0.0.9", HASH_A):
        assert host in text_a
    assert "198.51.100.7" not in text_a and "10.0.0.50" not in text_a
    assert "tele-b" not in text_a
    mirai_ja = (ROOT / "data/guidance/mirai.ja.txt").read_text().splitlines()[0]
    emotet_ja = (ROOT / "data/guidance/emotet.ja.txt").read_text().splitlines()[0]
    generic_ja = (ROOT / "data/guidance/generic.ja.txt").read_text().splitlines()[0]
    assert mirai_ja in text_a and emotet_ja in text_a and generic_ja in text_a
    assert "Mirai and its variants" not in text_a

    mi = mails[("abuse@isp.example",)]
    assert mi["Content-Language"] == "en" and "infected" in str(mi["Subject"])
    text_i = mi.get_content()
    assert "198.51.100.7" in text_i and "10.0.0." not in text_i
    assert "Mirai and its variants" in text_i and mirai_ja not in text_i
    assert "Dear Example ISP, Inc.," in text_i

    # Webhooks carry the same notice, signed with the owner's secret.
    for owner, rec in (("A", hub.hook_a), ("Example ISP, Inc.", hub.hook_isp)):
        secret = hub.admin("owner", "secret", owner).stdout.strip()
        headers, body = rec.ok()[0]
        want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Yagura-Signature"] == want
        notice = json.loads(body)
        assert notice["owner"] == owner
    isp_notice = json.loads(hub.hook_isp.ok()[0][1])
    assert [h["host"] for h in isp_notice["hosts"]] == ["198.51.100.7"]
    assert "Mirai" in isp_notice["guidance"]["mirai"]
    # A forged or altered body does not match.
    headers, body = hub.hook_a.ok()[0]
    assert headers["X-Yagura-Signature"] != "sha256=" + hmac.new(
        b"wrong", body, hashlib.sha256).hexdigest()

    # The flaky receiver: three failures, then one delivery, all recorded.
    assert len(hub.hook_isp.requests) == 4
    assert [s for s, _, _ in hub.hook_isp.requests] == [500, 500, 500, 200]
    dl = api(hub, "GET", "/api/v1/hosts/notices", t["admin"]).json()["deliveries"]
    isp_hooks = [d for d in dl if d["owner"] == "Example ISP, Inc." and d["channel"] == "webhook"]
    assert len(isp_hooks) == 1
    d = isp_hooks[0]
    assert d["state"] == "delivered" and d["attempts"] == 4
    assert [a["ok"] for a in d["tries"]] == [False, False, False, True]
    assert [a["status"] for a in d["tries"]] == [500, 500, 500, 200]
    assert sum(1 for x in dl if x["state"] == "delivered") == 4

    hosts = by_key(hosts_of(hub, t["admin"]))
    assert all(h["state"] == "notified" for h in hosts.values()), hosts

    # The ISP acknowledges through the one-time link of its e-mail.
    ack = re.search(r"curl -X POST '(http://[^']+/api/v1/hosts/(\d+)/state\?token=[0-9a-f]{64})'",
                    text_i)
    assert ack and int(ack.group(2)) == hosts["198.51.100.7"]["id"]
    link = ack.group(1)
    r = hub.session.post(link, headers={"Accept": JSON}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "acknowledged"
    r = hub.session.post(link, headers={"Accept": JSON}, timeout=30)
    assert r.status_code == 401  # single use
    # A token does not open another host, and a forged one nothing.
    other = link.replace(f"/hosts/{ack.group(2)}/", f"/hosts/{hosts['10.0.0.5']['id']}/")
    assert hub.session.post(other, timeout=30).status_code == 401
    forged = re.sub(r"token=[0-9a-f]{64}", "token=" + "0" * 64, link)
    assert hub.session.post(forged, timeout=30).status_code == 401

    # A acknowledges and cleans 10.0.0.5 with its own token; B cannot touch
    # it, and learns nothing of it (404 as for a host that does not exist).
    hid = hosts["10.0.0.5"]["id"]
    path = f"/api/v1/hosts/{hid}/state"
    hj = {"Content-Type": JSON}
    r = api(hub, "POST", path, t["B"], headers=hj, json={"state": "acknowledged"})
    assert r.status_code == 404
    assert api(hub, "POST", "/api/v1/hosts/999999/state", t["B"], headers=hj,
               json={"state": "acknowledged"}).status_code == 404
    assert api(hub, "POST", path, t["As"], headers=hj,
               json={"state": "acknowledged"}).status_code == 403
    r = api(hub, "POST", path, t["A"], headers=hj, json={"state": "notified"})
    assert r.status_code == 400 and r.json()["field"] == "state"
    r = api(hub, "POST", path, t["A"], headers=hj, json={"state": "acknowledged", "note": "on it"})
    assert r.status_code == 200 and r.json()["state"] == "acknowledged", r.text
    r = api(hub, "POST", path, t["A"], headers=hj, json={"state": "cleaned"})
    assert r.status_code == 200 and r.json()["state"] == "cleaned", r.text
    r = api(hub, "POST", path, t["A"], headers=hj, json={"state": "acknowledged"})
    assert r.status_code == 409  # cleaned is final until new evidence

    # Evidence older than the cleaning changes nothing; newer reinfects.
    post_sightings(hub, t["As"], [sighting(c2["id"], hosts=["10.0.0.5"],
                                           last=now_str(-86400))])
    assert by_key(hosts_of(hub, t["A"]))["10.0.0.5"]["state"] == "cleaned"
    # Stamped after the cleaning was answered, so after it on the hub's clock too.
    post_sightings(hub, t["As"], [sighting(c2["id"], hosts=["10.0.0.5"], last=now_str(0))])
    h5 = by_key(hosts_of(hub, t["A"]))["10.0.0.5"]
    assert h5["state"] == "reinfected" and h5["reinfections"] == 1 and h5["pending"]

    # A critical host waits for no window (A was notified minutes ago).
    post_sightings(hub, t["As"], [sighting(crit["id"], hosts=["10.0.0.40"])])
    assert wait_for(lambda: len(hub.box.messages) == 3)
    rcpt, m3 = hub.box.parsed()[-1]
    assert rcpt == ["soc@a.example"]
    text3 = m3.get_content()
    assert "10.0.0.40" in text3 and "qakbot" in text3
    assert "10.0.0.5" in text3  # the reinfected host rides along
    assert "10.0.0.6" not in text3  # nothing new about it
    qak_ja = (ROOT / "data/guidance/qakbot.ja.txt").read_text().splitlines()[0]
    assert qak_ja in text3
    # The alert level hears how many hosts are not cleaned.
    def level_hosts():
        sig = api(hub, "GET", "/api/v1/level", t["admin"]).json()["signals"]
        return {x["name"]: x["value"] for x in sig}.get("infected.hosts")
    assert wait_for(lambda: level_hosts() == 7), level_hosts()

    # Privacy. A sees its own hosts only; B sees nothing individual.
    own = by_key(hosts_of(hub, t["A"]))
    assert set(own) == {"10.0.0.5", "hash:" + HASH_A, "10.0.0.9", "10.0.0.6", "10.0.0.8",
                        "10.0.0.40"}
    assert hosts_of(hub, t["B"]) == []
    nb = api(hub, "GET", "/api/v1/hosts/notices", t["B"])
    assert nb.status_code == 200 and nb.json()["deliveries"] == []
    na = api(hub, "GET", "/api/v1/hosts/notices", t["A"]).json()["deliveries"]
    assert na and all(d["owner"] == "A" for d in na)
    for who in ("B", "A"):
        st = api(hub, "GET", "/api/v1/hosts/stats", t[who])
        assert st.status_code == 200
        raw = st.text
        for leak in ("10.0.0.", "198.51.100.", HASH_A[:16]):
            assert leak not in raw, (who, leak)
    s = api(hub, "GET", "/api/v1/hosts/stats", t["B"]).json()
    assert s["total"] == 7
    assert s["by_owner"] == {"A": 6, "Example ISP, Inc.": 1}
    assert s["by_sector"] == {"energy": 6, "unknown": 1}
    assert s["by_family"] == {"mirai": 4, "emotet": 1, "unknown": 1, "qakbot": 1}
    # The reinfected host went out in the critical notice: notified again.
    assert s["by_state"] == {"notified": 6, "acknowledged": 1}
    assert s["reinfection_rate"] == 1.0 and s["reinfected"] == 1
    assert s["median_to_notify_s"] is not None and s["median_to_notify_s"] >= 0
    assert s["median_to_clean_s"] is not None
    # Sensors report, they do not read; no token, nothing.
    assert api(hub, "GET", "/api/v1/hosts", t["Bs"]).status_code == 403
    assert api(hub, "GET", "/api/v1/hosts/stats", t["Bs"]).status_code == 403
    assert api(hub, "GET", "/api/v1/hosts").status_code == 401
    assert api(hub, "GET", "/api/v1/hosts/stats").status_code == 401
    assert api(hub, "POST", f"/api/v1/hosts/{hid}/state", headers=hj,
               json={"state": "cleaned"}).status_code == 401


def test_bad_bodies_are_named(world):
    hub, t = world, world.t
    hj = {"Content-Type": JSON}
    cases = [
        ({"beacons": []}, "beacons"),
        ({"beacons": [beacon("10.0.0.1", "not-an-ip")]}, "beacons[0].dest"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", score=1.5)]}, "beacons[0].score"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", dst_port=70000)]}, "beacons[0].dst_port"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", proto="icmp")]}, "beacons[0].proto"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", count=1)]}, "beacons[0].count"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", name="bad name!")]}, "beacons[0].name"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", extra=1)]}, "beacons[0].extra"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1", first_seen=now_str(10),
                             last_seen=now_str(-10))]}, "beacons[0].last_seen"),
        ({"beacons": [beacon("10.0.0.1", "192.0.2.1")], "x": 1}, "x"),
    ]
    for body, field in cases:
        r = api(hub, "POST", "/api/v1/beacons", t["As"], headers=hj, json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == field, (field, r.text)
    r = api(hub, "POST", "/api/v1/beacons", t["As"], headers=hj, data=b"{\"beacons\": [")
    assert r.status_code == 400
    r = api(hub, "POST", "/api/v1/beacons", t["As"], headers=hj,
            json={"beacons": [beacon("10.0.0.1", "192.0.2.1", score=0.1)] * 1001})
    assert r.status_code == 413
    r = api(hub, "POST", "/api/v1/beacons", t["As"], headers={"Content-Type": "text/plain"},
            data=b"{}")
    assert r.status_code == 415
    assert hosts_of(hub, t["admin"]) == []


def test_as_number_is_the_fallback_owner(tmp_path):
    """No imported prefix holds an address: the AS that the geo folder's
    AS range file (the layout of @ip-location-db/asn) gives owns it; no AS
    either: the reporting member."""
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "asn-test.csv").write_text(
        "198.18.0.0,198.19.255.255,64500,\"Example Transit, Inc.\"\n"
        "2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,64501,Example v6\n"
        "not,a,row\n")
    data = tmp_path / "hub"
    data.mkdir()
    hub = Hub(data, args=("--geoip-dir", str(geo)))
    try:
        hub.org("A", sector="energy")
        hub.org("OPS", sector="government")
        t = {"As": hub.token("A", "sensor"), "admin": hub.token("OPS", "admin")}
        r = api(hub, "POST", "/api/v1/beacons", t["As"], headers={"Content-Type": JSON},
                json={"sensor": "edge-a", "beacons": [
                    beacon("198.18.0.5", "192.0.2.200", score=0.97),
                    beacon("2001:db8:1::5", "192.0.2.200", score=0.97),
                    beacon("203.0.113.77", "192.0.2.200", score=0.97)]})
        assert r.status_code == 200 and r.json()["evidence"] == 3, r.text
        owners = {k: h["owner"] for k, h in by_key(hosts_of(hub, t["admin"])).items()}
        assert owners == {"198.18.0.5": "AS64500", "2001:db8:1::5": "AS64501",
                          "203.0.113.77": "A"}
    finally:
        check_clean_exit(hub)
    # The bad row is named where the hub says why it skipped it.
    assert "asn-test.csv:3: not two addresses of one family" in (data / "hub.log").read_text()


class TlsMailbox(Mailbox):
    """A real SMTP server that requires STARTTLS, then AUTH, before mail;
    it records whether each message came over TLS and as whom."""

    def __init__(self, cert, key, user, password):
        import ssl

        from aiosmtpd.smtp import AuthResult
        self.messages, self.sessions = [], []
        self.lock = threading.Lock()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with box.lock:
                    box.messages.append((list(envelope.rcpt_tos), envelope.content))
                    box.sessions.append((session.ssl is not None,
                                         session.auth_data.login if session.auth_data else None))
                return "250 OK"

        def auth(server, session, envelope, mechanism, data):
            ok = data.login == user.encode() and data.password == password.encode()
            return AuthResult(success=ok, auth_data=data if ok else None)

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        self.port = free_port()
        self.ctl = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                       tls_context=ctx, require_starttls=True,
                                       auth_required=True, authenticator=auth)
        self.ctl.start()


def test_notices_over_starttls_with_auth(tmp_path):
    """The hub sends its notice to an SMTP server that requires STARTTLS and
    a login, verifying the server's certificate by the CA in
    smtp.ca_file; a hub given another CA delivers nothing and records why."""
    import subprocess
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("ca", "other-ca"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", f"/CN=test {name}", "-keyout", str(certs / f"{name}.key"),
                        "-out", str(certs / f"{name}.pem")], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(certs / "srv.key"), "-out", str(certs / "srv.csr")],
                   check=True, capture_output=True)
    (certs / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "x509", "-req", "-in", str(certs / "srv.csr"), "-days", "2",
                    "-CA", str(certs / "ca.pem"), "-CAkey", str(certs / "ca.key"),
                    "-CAcreateserial", "-extfile", str(certs / "ext"),
                    "-out", str(certs / "srv.pem")], check=True, capture_output=True)
    box = TlsMailbox(str(certs / "srv.pem"), str(certs / "srv.key"), "hub", "s3cret")
    try:
        for ca, delivered in (("ca.pem", True), ("other-ca.pem", False)):
            data = tmp_path / f"hub-{ca}"
            data.mkdir()
            (data / "notify.json").write_text(json.dumps({
                "guidance_dir": str(ROOT / "data" / "guidance"),
                "smtp": {"url": f"smtp://127.0.0.1:{box.port}", "starttls": "require",
                         "ca_file": str(certs / ca), "user": "hub", "password": "s3cret",
                         "from": "notices@hub.example"},
                "retry": {"base_s": 0.2, "max_s": 0.2, "attempts": 1},
            }))
            hub = Hub(data, args=("--notify-every", "3600"))
            try:
                hub.org("A", sector="energy")
                hub.org("OPS", sector="government")
                t = {"As": hub.token("A", "sensor"), "admin": hub.token("OPS", "admin")}
                csv = data / "owners.csv"
                csv.write_text("cidr,owner,email,webhook,language\n"
                               "10.0.0.0/24,A,soc@a.example,,en\n")
                assert hub.admin("owner", "import", str(csv)).returncode == 0
                r = api(hub, "POST", "/api/v1/beacons", t["As"],
                        headers={"Content-Type": JSON},
                        json={"sensor": "edge-a", "beacons": [beacon("10.0.0.5", "192.0.2.200")]})
                assert r.status_code == 200 and r.json()["evidence"] == 1, r.text
                assert api(hub, "POST", "/api/v1/hosts/notify", t["admin"]).status_code == 202

                def settled():
                    dl = api(hub, "GET", "/api/v1/hosts/notices", t["admin"]).json()
                    mails = [d for d in dl["deliveries"] if d["channel"] == "email"]
                    return mails if mails and mails[0]["state"] != "pending" else None
                mails = wait_for(settled)
                assert mails and len(mails) == 1, mails
                if delivered:
                    assert mails[0]["state"] == "delivered", mails
                else:
                    assert mails[0]["state"] != "delivered", mails
                    assert any("certificate" in (a.get("error") or "").lower()
                               for a in mails[0]["tries"]), mails
            finally:
                check_clean_exit(hub)
        # One message, over TLS, from the configured login; the password is
        # in no log.
        assert box.sessions == [(True, b"hub")]
        assert [r for r, _ in box.parsed()] == [["soc@a.example"]]
        for ca in ("ca.pem", "other-ca.pem"):
            assert "s3cret" not in (tmp_path / f"hub-{ca}" / "hub.log").read_text()
    finally:
        box.close()
