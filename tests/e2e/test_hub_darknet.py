"""The network telescope at the hub (issue 13), against a real hub:
telescope windows posted per the contract (darknetgen.py), the surge
flagged at the minute it starts, its STIX report visible to another member
over TAXII, the read endpoints, 400s naming the field, and windows counted
once when re-posted.

World: A runs a telescope (sensor token), C runs another one, B is a
member without one, D's admin sees every sensor; R is a reader of A."""
import datetime

import pytest

import darknetgen as dg
from hubfixture import TLP, Hub, check_clean_exit

JSON = "application/json"


def get(hub, token, path, **params):
    return hub.get(path, token, accept=JSON, params=params)


@pytest.fixture
def w(tmp_path, request):
    args = getattr(request, "param", ())
    h = Hub(tmp_path, args=args)
    for name in "ABCD":
        h.org(name)
    h.t = {"A": h.token("A", "sensor"), "B": h.token("B"), "C": h.token("C", "sensor"),
           "admin": h.token("D", "admin"), "R": h.token("A", "reader"), "Aa": h.token("A")}
    h.coll = h.get("/taxii2/api/collections/", h.t["B"]).json()["collections"][0]["id"]
    yield h
    check_clean_exit(h)


def post(hub, token, body, **kw):
    return dg.post(hub.base, token, body, session=hub.session, **kw)


def run_scenario(hub, sc):
    """Posts every window of sc as A; returns {minute index: answer}."""
    answers = {}
    for i in range(sc.minutes):
        r = post(hub, hub.t["A"], sc.window_at(i))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["stored"] and not body["duplicate"]
        answers[i] = body
    return answers


def series_at(hub, token, proto, num, when):
    r = get(hub, token, "/api/v1/darknet/ports", proto=proto, port=str(num))
    assert r.status_code == 200, r.text
    pts = {p["t"][:16]: p for p in r.json()["series"]}
    return r.json(), pts.get(dg.minute_str(when)[:16])


def test_surge_flagged_published_and_counted_once(w):
    sc = dg.Scenario(minutes=200, surge_at=180)
    # C's telescope reports a quieter tcp/23 for the first 100 minutes:
    # the per-minute series is the sum over both sensors.
    c_minutes = {}
    for i in range(100):
        body = dg.window("tele-c", sc.time_of(i), [dg.port("tcp", 23, 7, 2, 0)])
        r = post(w, w.t["C"], body)
        assert r.status_code == 200 and r.json()["stored"], r.text
        c_minutes[i] = 7
    answers = run_scenario(w, sc)

    # Flagged exactly at the first surge minute, nothing before it.
    flagged = [i for i, a in answers.items() if a["surges"]]
    assert flagged[0] == sc.surge_at, flagged[:5]
    first = answers[sc.surge_at]["surges"]
    assert [(s["proto"], s["port"], s["new"]) for s in first] == [("tcp", 23, True)]
    assert first[0]["since"].startswith(dg.minute_str(sc.time_of(sc.surge_at))[:16])
    assert first[0]["kind"] == "both"
    report_id = first[0]["report"]
    assert report_id.startswith("report--")
    # Later surge minutes extend the same episode.
    later = answers[sc.surge_at + 5]["surges"]
    assert later and not later[0]["new"] and later[0]["report"] == report_id

    # The signal, for another member.
    r = get(w, w.t["B"], "/api/v1/darknet/signals")
    assert r.status_code == 200, r.text
    sig = r.json()
    assert sig["active"] == 1 and sig["max_score"] >= 6
    assert len(sig["signals"]) == 1
    s = sig["signals"][0]
    assert (s["proto"], s["port"], s["active"]) == ("tcp", 23, True)
    assert s["since"].startswith(dg.minute_str(sc.time_of(sc.surge_at))[:16])
    assert 85 <= s["expected"] <= 115, s
    assert s["observed"] >= 550 and s["new_sources"] >= 180
    assert s["expected_new_sources"] <= 6
    assert s["report"] == report_id

    # The STIX report and its indicators, for B over TAXII.
    objs, _ = w.objects_all(w.coll, w.t["B"], params={"match[type]": "report"})
    reports = [o for o in objs if o["id"] == report_id]
    assert len(reports) == 1, [o["id"] for o in objs]
    rep = reports[0]
    assert rep["object_marking_refs"] == [TLP["green"]]
    assert rep["x_yagura_darknet"]["port"] == 23 and rep["x_yagura_darknet"]["proto"] == "tcp"
    assert rep["x_yagura_darknet"]["since"].startswith(dg.minute_str(sc.time_of(sc.surge_at))[:16])
    inds, _ = w.objects_all(w.coll, w.t["B"], params={"match[type]": "indicator"})
    by_id = {o["id"]: o for o in inds}
    refs = rep["object_refs"]
    assert 1 <= len(refs) <= 10
    patterns = [by_id[i]["pattern"] for i in refs]
    assert all("203.0.113." in p or "198.51.100.7" in p for p in patterns), patterns
    assert not any("192.0.2.66" in p for p in patterns)  # a research scanner is no indicator
    assert any(by_id[i]["x_yagura_darknet_source"]["fingerprint"] == "mirai" for i in refs)

    # Series: the surge minute, and a minute both sensors reported.
    port23, at_surge = series_at(w, w.t["B"], "tcp", 23, sc.time_of(sc.surge_at))
    assert at_surge["packets"] >= 550
    assert port23["surges"][0]["report"] == report_id
    assert port23["forecast"]["available"] is False
    assert "hours of history" in port23["forecast"]["reason"]
    r = get(w, w.t["B"], "/api/v1/darknet/ports", proto="tcp", port="23",
            **{"from": dg.minute_str(sc.time_of(50)), "to": dg.minute_str(sc.time_of(51))})
    assert r.status_code == 200, r.text
    (p50,) = r.json()["series"]
    a50 = sc.__class__(minutes=200, surge_at=180)  # same seed: the same counts again
    expect = [a50.window_at(i) for i in range(51)][50]["ports"][0]["packets"] + c_minutes[50]
    assert p50["packets"] == expect

    # Re-posting a window counts it once.
    again = dg.Scenario(minutes=200, surge_at=180).window_at(sc.surge_at)
    again["window_start"] = dg.minute_str(sc.time_of(sc.surge_at))
    r = post(w, w.t["A"], again)
    assert r.status_code == 200 and r.json()["duplicate"] and not r.json()["stored"], r.text
    _, after = series_at(w, w.t["B"], "tcp", 23, sc.time_of(sc.surge_at))
    assert after == at_surge
    r = get(w, w.t["A"], "/api/v1/darknet/sensors", limit="1000")
    assert len(r.json()["windows"]) == 200

    # Sources with fingerprints and geo; victims with the largest rate.
    r = get(w, w.t["B"], "/api/v1/darknet/sources", top="5")
    assert r.status_code == 200, r.text
    srcs = r.json()["sources"]
    assert len(srcs) == 5 and srcs[0]["ip"] == "198.51.100.7"
    assert srcs[0]["packets"] == 40 * 200 and srcs[0]["windows"] == 200
    assert (srcs[0]["country"], srcs[0]["asn"]) == ("NL", 64500)
    allsrc = {s["ip"]: s for s in get(w, w.t["B"], "/api/v1/darknet/sources",
                                      top="1000").json()["sources"]}
    assert allsrc["192.0.2.66"]["fingerprint"] == "research"
    assert allsrc["192.0.2.66"]["research_name"] == "Censys"
    assert allsrc["203.0.113.1"]["fingerprint"] == "mirai"
    assert allsrc["203.0.113.1"]["windows"] == 20
    r = get(w, w.t["B"], "/api/v1/darknet/victims")
    (v,) = r.json()["victims"]
    assert (v["ip"], v["proto"], v["port"]) == ("198.18.0.9", "tcp", 80)
    assert v["packets"] == 30 * 200 and v["est_pps"] == 3000.0

    # Raw windows: each operator its own, admins all, others none.
    sensors = lambda t: {x["sensor"] for x in get(w, t, "/api/v1/darknet/sensors",
                                                    limit="1000").json()["windows"]}
    assert sensors(w.t["A"]) == {"tele-1"}
    assert sensors(w.t["C"]) == {"tele-c"}
    assert sensors(w.t["B"]) == set()
    assert sensors(w.t["admin"]) == {"tele-1", "tele-c"}


def test_bad_input_is_named_and_stores_nothing(w):
    good = dg.window("tele-1", dg.now_minute() - datetime.timedelta(minutes=2),
                     [dg.port("tcp", 23, 5, 1, 1)])
    cases = [
        ({**good, "ports": [dg.port("tcp", n, 1, 1, 1) for n in (21, 22, 23)]
                    + [dg.port("tcp", 70000, 1, 1, 1)]},
         "ports[3].port"),
        ({**good, "window_start": "2026-13-01T00:00:00Z"}, "window_start"),
        ({**good, "window_start": dg.minute_str(dg.now_minute() + datetime.timedelta(hours=1))},
         "window_start"),
        ({**good, "window_start": dg.minute_str(dg.now_minute() - datetime.timedelta(days=8))},
         "window_start"),
        ({**good, "window_seconds": 30}, "window_seconds"),
        ({**good, "sensor": "x" * 65}, "sensor"),
        ({**good, "sources": [dg.source("not-an-ip", 1, [1])]}, "sources[0].ip"),
        ({**good, "sources": [dg.source("192.0.2.1", 1, [1], fingerprint="nmap")]},
         "sources[0].fingerprint"),
        ({**good, "victims": [{"ip": "192.0.2.1", "proto": "tcp", "packets": 1,
                               "est_pps": "fast"}]}, "victims[0].est_pps"),
        ([good], ""),
    ]
    for body, field in cases:
        r = post(w, w.t["A"], body)
        assert r.status_code == 400, (field, r.text)
        assert r.json()["field"] == field, r.text
        assert r.json()["description"].startswith(field)
    r = post(w, w.t["A"], None, raw=b"{not json")
    assert r.status_code == 400 and r.json()["field"] == ""
    r = post(w, w.t["A"], None, raw=b" " * (8 * 1024 * 1024 + 1))
    assert r.status_code == 413, r.text
    r = post(w, w.t["A"], good, content_type="text/plain")
    assert r.status_code == 415
    r = post(w, w.t["R"], good)
    assert r.status_code == 403
    r = w.req("POST", "/api/v1/darknet", None, accept=JSON,
              headers={"Content-Type": JSON}, json=good)
    assert r.status_code == 401
    for path in ("/api/v1/darknet/signals", "/api/v1/darknet/ports?proto=tcp&port=23",
                 "/api/v1/darknet/sources", "/api/v1/darknet/victims"):
        assert w.get(path, None, accept=JSON).status_code == 401, path
    # Nothing of a refused body was kept.
    assert get(w, w.t["admin"], "/api/v1/darknet/sensors").json()["windows"] == []
    assert get(w, w.t["A"], "/api/v1/darknet/sources").json()["sources"] == []
    # A good one still goes in.
    r = post(w, w.t["A"], good)
    assert r.status_code == 200 and r.json()["stored"], r.text

    # GET parameters are checked and named.
    for path, params, field in [
        ("/api/v1/darknet/ports", {"proto": "sctp", "port": "1"}, "proto"),
        ("/api/v1/darknet/ports", {"proto": "tcp", "port": "65536"}, "port"),
        ("/api/v1/darknet/ports", {"proto": "tcp"}, "port"),
        ("/api/v1/darknet/ports", {"proto": "tcp", "port": "1", "from": "yesterday"}, "from"),
        ("/api/v1/darknet/ports", {"proto": "tcp", "port": "1", "horizon": "7"}, "horizon"),
        ("/api/v1/darknet/ports", {"proto": "tcp", "port": "1", "step": "day"}, "step"),
        ("/api/v1/darknet/sources", {"top": "0"}, "top"),
        ("/api/v1/darknet/victims", {"top": "x"}, "top"),
        ("/api/v1/darknet/signals", {"since": "1"}, "since"),
    ]:
        r = get(w, w.t["B"], path, **params)
        assert r.status_code == 400, (path, params, r.text)
        assert r.json()["field"] == field, r.text
    assert w.req("DELETE", "/api/v1/darknet", w.t["A"], accept=JSON).status_code == 405
    assert w.req("POST", "/api/v1/darknet/signals", w.t["A"], accept=JSON).status_code == 405


def test_forecast_with_backtest(w):
    """Three days of hourly windows on tcp/8080 with a daily shape: the
    forecast is available, and its backtest says honestly whether it beat
    the naive seasonal forecast."""
    now = dg.now_minute()
    top = now.replace(minute=0) - datetime.timedelta(hours=1)
    for k in range(72, 0, -1):
        t = top - datetime.timedelta(hours=k - 1)
        level = 200 + 3 * (72 - k)
        shape = 0.3 if t.hour < 6 else 1.2
        pk = int(level * shape) + (k * 7) % 11
        r = post(w, w.t["A"], dg.window("tele-1", t, [dg.port("tcp", 8080, pk, 10, 1)]))
        assert r.status_code == 200, r.text
    r = get(w, w.t["B"], "/api/v1/darknet/ports", proto="tcp", port="8080", step="hour",
            horizon="4")
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["series"]) == 72
    fc = body["forecast"]
    assert fc["available"] is True, fc
    assert fc["horizon_hours"] == 4 and len(fc["points"]) == 4
    for p in fc["points"]:
        assert 0 <= p["lo"] <= p["packets"] <= p["hi"]
    bt = fc["backtest"]
    assert bt["origins"] >= 20
    assert bt["mase"] is not None and bt["mase"] >= 0
    assert bt["beats_naive"] == (bt["mase"] < bt["mase_naive_seasonal"])
    assert bt["verdict"] == ("beats the naive seasonal forecast" if bt["beats_naive"]
                             else "does not beat the naive seasonal forecast")
    # The level grows through the days: yesterday's hour lags it.
    assert bt["beats_naive"] is True


@pytest.mark.parametrize("w", [("--darknet-tlp", "amber")], indirect=True)
def test_report_tlp_is_configurable(w):
    sc = dg.Scenario(minutes=90, surge_at=75, surge_port=2323, seed=5)
    answers = run_scenario(w, sc)
    (rid,) = {s["report"] for a in answers.values() for s in a["surges"]}
    seen = lambda t: {o["id"]: o for o in w.objects_all(w.coll, t, params={
        "match[type]": "report"})[0]}
    mine = seen(w.t["Aa"])
    assert rid in mine and mine[rid]["object_marking_refs"] == [TLP["amber"]]
    assert rid not in seen(w.t["B"])
    # The signal itself stays community data.
    assert get(w, w.t["B"], "/api/v1/darknet/signals").json()["active"] == 1
