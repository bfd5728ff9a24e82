"""A hub filled for the dashboard tests (issue 15): members in several
sectors and countries, indicators at GREEN and AMBER, sightings, a
campaign across two members, and telescope windows (three days of hourly
packets on tcp/23 for the forecast, and scanners from known countries).

Everything goes in through the hub's own APIs; the tests then compare what
the dashboard shows with what the same APIs answer."""
import datetime
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import darknetgen as dg  # noqa: E402
from hubfixture import indicator  # noqa: E402
from test_mail_submit import phish, submit  # noqa: E402

JSON = "application/json"
CAMPAIGN_HOST = "login.dash-campaign.example"

# name, sector, country
ORGS = (("power-co", "energy", "JP"), ("water-co", "water", "JP"),
        ("bank-co", "finance", "US"), ("ncsc", "government", "JP"))

# Scanners of the last minute: ip, country, fingerprint, packets.
SCANNERS = (("61.177.172.10", "CN", "mirai", 40), ("61.177.172.11", "CN", "mirai", 30),
            ("218.92.0.5", "CN", "zmap", 20), ("89.248.165.20", "NL", "zmap", 25),
            ("45.33.1.2", "US", "masscan", 12), ("133.242.1.9", "JP", "unknown", 8),
            ("203.0.113.77", None, "unknown", 5))


def ts(delta_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sighting(ind_id, count):
    now = ts()
    return {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
            "created": now, "modified": now, "sighting_of_ref": ind_id, "count": count,
            "first_seen": now, "last_seen": now}


def post_sightings(h, token, objs):
    r = h.req("POST", "/api/v1/sightings", token, accept=JSON,
              headers={"Content-Type": JSON},
              json={"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs})
    assert r.status_code == 200 and r.json()["accepted"] == len(objs), r.text


def post_window(h, token, body):
    r = h.session.post(h.base + "/api/v1/darknet", json=body, timeout=30,
                       headers={"Authorization": f"Bearer {token}", "Accept": JSON})
    assert r.status_code == 200, r.text
    return r.json()


def scanner_window(when, scanners=SCANNERS, sensor="tele-1"):
    srcs = [dg.source(ip, pk, [23, 2323], fingerprint=fp, country=cc)
            for ip, cc, fp, pk in scanners]
    return dg.window(sensor, when, [dg.port("tcp", 23, sum(s[3] for s in scanners),
                                            len(scanners), 1)], sources=srcs)


def follow(h, token, cursor):
    """Reads the change feed from cursor to its end; the last cursor."""
    while True:
        r = h.get("/api/v1/indicators/changes", token, accept=JSON, params={"since": cursor})
        assert r.status_code == 200, r.text
        cursor = r.json()["cursor"]
        if not r.json()["more"]:
            return cursor


def fill(h):
    """Fills hub h; sets h.t (tokens by short name), h.ind (indicator ids by
    name), h.coll, h.campaign."""
    for name, sector, cc in ORGS:
        h.org(name, sector=sector, country=cc)
    h.admin("org-domains", "power-co", "add", "power-co.example")
    h.admin("org-domains", "water-co", "add", "water-co.example")
    h.t = {"power": h.token("power-co"), "water": h.token("water-co"), "bank": h.token("bank-co"),
           "admin": h.token("ncsc", "admin"), "power_s": h.token("power-co", "sensor"),
           "water_s": h.token("water-co", "sensor")}
    h.coll = h.get("/taxii2/api/collections/", h.t["power"]).json()["collections"][0]["id"]
    h.ind = {}
    # power-co's sensor follows the change feed from its (empty) full load,
    # so what is shared next is its time to load shared indicators.
    cursor = follow(h, h.t["power_s"], "0")
    specs = (("green-c2", "power", "203.0.113.10", "green", {}),
             ("green-dropper", "water", "203.0.113.11", "green", {}),
             ("amber-secret-power", "power", "203.0.113.12", "amber", {}),
             ("amber-secret-bank", "bank", "203.0.113.13", "amber", {}),
             ("green-revoked", "water", "203.0.113.14", "green", {"revoked": True}))
    for name, who, ip, tlp, extra in specs:
        o = indicator(ip, tlp=tlp, modified=ts(-60), name=name, **extra)
        o["created"] = o["modified"]
        r = h.post_objects(h.coll, h.t[who], [o])
        assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
        h.ind[name] = o["id"]
    follow(h, h.t["power_s"], cursor)
    post_sightings(h, h.t["power_s"], [sighting(h.ind["green-c2"], 3),
                                       sighting(h.ind["amber-secret-power"], 1)])
    post_sightings(h, h.t["water_s"], [sighting(h.ind["green-c2"], 2),
                                       sighting(h.ind["green-dropper"], 4)])
    # A campaign: one phishing host at power-co and water-co.
    a = submit(h, h.t["power"], phish(frm="IT <it@dash-campaign.example>",
                                      to="Taro <taro@power-co.example>",
                                      received_for="taro@power-co.example",
                                      subject="Password expiry 1", url=f"http://{CAMPAIGN_HOST}/a",
                                      ip="45.77.3.3", internal=False), tlp="green")
    assert a.status_code == 201, a.text
    b = submit(h, h.t["water"], phish(frm="Desk <desk@dash-campaign.example>",
                                      to="Jiro <jiro@water-co.example>",
                                      received_for="jiro@water-co.example",
                                      subject="Quota exceeded 2", url=f"http://{CAMPAIGN_HOST}/b",
                                      ip="45.77.4.4", internal=False), tlp="green")
    assert b.status_code == 201, b.text
    h.campaign = b.json()["campaign"]
    assert h.campaign and h.campaign.startswith("campaign--"), b.text
    # Three days of hourly packets on tcp/23 (the forecast needs them),
    # then the scanners of the last minute.
    now = dg.now_minute()
    top = now.replace(minute=0) - datetime.timedelta(hours=1)
    for k in range(72, 0, -1):
        t = top - datetime.timedelta(hours=k - 1)
        pk = int((200 + 3 * (72 - k)) * (0.3 if t.hour < 6 else 1.2)) + (k * 7) % 11
        post_window(h, h.t["power_s"], dg.window("tele-1", t, [dg.port("tcp", 23, pk, 10, 1)]))
    post_window(h, h.t["power_s"], scanner_window(now - datetime.timedelta(minutes=1)))
    return h


def api(h, token, path, **params):
    r = h.get(path, token, accept=JSON, params=params or None)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    return r.json()
