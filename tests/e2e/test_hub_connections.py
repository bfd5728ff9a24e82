"""Many connections must not lock anyone out (issue 19): a hub held at its
connection limit by parked long-polls, or flooded with half-sent requests
from one address, still answers /healthz and another member's requests
within a second; long-polls beyond the per-token, per-organization and
hub-wide caps get 429 with Retry-After; half-sent requests are cut at the
request deadline, trickling or not.

Raw sockets, so that each client chooses its loopback source address
(127.0.0.1 is the flood, 127.0.0.2.. the others)."""
import json
import os
import re
import resource
import selectors
import socket
import threading
import time

import pytest

from hubfixture import Hub, check_clean_exit

# The bound; the ASan build is several times slower.
# A request that is locked out never gets an answer; one that is served
# gets it in milliseconds (the tests print how many). The bound only tells
# the two apart, so a loaded machine does not turn "served" into a failure.
SERVED_BY = 20
SETTLE = 60 if os.environ.get("YG_SANITIZED") else 30
PENDING = 128  # the default --max-pending-per-addr


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        if hard != resource.RLIM_INFINITY and hard < n:
            pytest.skip(f"needs {n} descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_response(s, timeout=SERVED_BY):
    """(status, headers dict, body bytes) of one response on s."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    n = int(hdrs.get("content-length", "0"))
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), hdrs, body


def http(port, method, path, token=None, body=None, src="127.0.0.2", ctype="application/json"):
    """One request on its own connection from src; (status, headers, body, seconds)."""
    t0 = time.monotonic()
    with connect(port, src) as s:
        h = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: {ctype}\r\n"
        if token:
            h += f"Authorization: Bearer {token}\r\n"
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            h += f"Content-Type: {ctype}\r\nContent-Length: {len(raw)}\r\n"
        s.sendall(h.encode() + b"\r\n" + raw)
        st, hdrs, b = read_response(s)
    return st, hdrs, b, time.monotonic() - t0


def metrics(port, admin):
    st, _, b, _ = http(port, "GET", "/metrics", admin, src="127.0.0.4", ctype="text/plain")
    assert st == 200, b
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(yagura_hub_\w+) (\d+)$", b.decode(), re.M)}


def wait_metric(port, admin, name, pred, timeout=SETTLE):
    end = time.monotonic() + timeout
    while True:
        v = metrics(port, admin).get(name)
        if v is not None and pred(v):
            return v
        assert time.monotonic() < end, (name, v)
        time.sleep(0.2)


def poll_request(token, cursor):
    return (f"GET /api/v1/indicators/changes?since={cursor}&wait=30 HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n").encode()


# Sensors have addresses of their own: 100 of them here, so that no address
# has more requests in flight than --max-pending-per-addr while they park.
SENSORS = [f"127.1.0.{i}" for i in range(1, 101)]


def open_polls(port, token, cursor, n, src=None):
    req = poll_request(token, cursor)
    socks = []
    for i in range(n):
        s = connect(port, src or SENSORS[i % len(SENSORS)])
        s.sendall(req)
        socks.append(s)
    return socks


def cursor_of(port, token):
    st, _, b, _ = http(port, "GET", "/api/v1/indicators/changes?since=0", token)
    assert st == 200, b
    return json.loads(b)["cursor"]


def readable(socks, timeout):
    """The sockets of socks with something to read (an answer or a close)."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    got = [k.fileobj for k, _ in sel.select(timeout)]
    sel.close()
    return got


def alive(s):
    """Whether the hub still holds s open (nothing to read, no close)."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def check_429(s, why):
    st, hdrs, body = read_response(s)
    assert st == 429, body
    assert re.fullmatch(r"\d+", hdrs.get("retry-after", "")), hdrs
    err = json.loads(body)
    assert err["http_status"] == "429" and why in err["description"], err


def rss_kib(pid):
    m = re.search(r"^VmRSS:\s+(\d+) kB", open(f"/proc/{pid}/status").read(), re.M)
    return int(m.group(1))


def members(h):
    """Org A (an analyst), org C (sensors, an analyst, an admin), org D (a sensor)."""
    for name in ("A", "C", "D"):
        h.org(name)
    return {"A": h.token("A"), "s1": h.token("C", "sensor"), "s2": h.token("C", "sensor"),
            "C": h.token("C"), "admin": h.token("C", "admin"), "d1": h.token("D", "sensor")}


def close_all(socks):
    for s in socks:
        s.close()


def strict_indicator(ip):
    return {"type": "indicator", "spec_version": "2.1",
            "id": "indicator--6b0d2e5c-9a53-4c52-8a6b-0c1f7d3f%04x" % (int(ip.split(".")[-1])),
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": f"[ipv4-addr:value = '{ip}']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
            "object_marking_refs": ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]}


def test_at_the_connection_limit_others_are_served(tmp_path):
    """1,200 connections: sensor long-polls of one token fill all but the
    reserve; beyond that they get 429; /healthz, an analyst of another
    member (REST GET, TAXII POST, its own long-poll) still get through."""
    raise_nofile(4096)
    h = Hub(tmp_path, args=["--max-connections", "1200", "--max-polls-per-token", "0",
                            "--max-polls-per-org", "0"])
    polls, extra = [], []
    try:
        t = members(h)
        cap = 1200 - max(32, 1200 // 16)
        cur = cursor_of(h.port, t["s1"])
        polls = open_polls(h.port, t["s1"], cur, cap + 40)
        wait_metric(h.port, t["admin"], "yagura_hub_polls_parked", lambda v: v == cap)
        wait_metric(h.port, t["admin"], "yagura_hub_polls_refused_total", lambda v: v >= 40)
        # The counter moves when a 429 is queued, before it is on the wire:
        # wait (bounded) until the 40 answers are readable, then count.
        end = time.monotonic() + SETTLE
        refused = readable(polls, 5)
        while len(refused) < 40 and time.monotonic() < end:
            time.sleep(0.1)
            refused = readable(polls, 0)
        assert len(refused) == 40
        for s in refused:
            check_429(s, "hub has too many long-polls")
            s.close()
        polls = [s for s in polls if s not in refused]

        st, _, _, dt = http(h.port, "GET", "/healthz", src="127.0.0.2")
        assert st == 200, dt
        took = {"healthz": dt}
        st, _, b, dt = http(h.port, "GET", "/api/v1/indicators", t["A"], src="127.0.0.3")
        assert st == 200, (st, b, dt)
        took["analyst GET"] = dt
        st, _, b, _ = http(h.port, "GET", "/taxii2/api/collections/", t["A"], src="127.0.0.3",
                           ctype="application/taxii+json;version=2.1")
        coll = json.loads(b)["collections"][0]["id"]
        # AMBER+STRICT of A: the sensors of C wake, see nothing, park again.
        st, _, b, dt = http(h.port, "POST", f"/taxii2/api/collections/{coll}/objects/", t["A"],
                            body={"objects": [strict_indicator("198.51.100.7")]}, src="127.0.0.3",
                            ctype="application/taxii+json;version=2.1")
        assert st == 202, (st, b, dt)
        took["TAXII POST"] = dt
        # An analyst's long-poll is not held to the sensors' cap.
        extra = open_polls(h.port, t["C"], cursor_of(h.port, t["C"]), 1, src="127.0.0.3")
        wait_metric(h.port, t["admin"], "yagura_hub_polls_parked", lambda v: v == cap + 1)
        # The address that fills the hub gets at most a few more connections.
        flood = []
        flood_start = time.monotonic()
        for _ in range(50):
            s = connect(h.port, "127.0.0.1")
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
            except OSError:
                pass
            flood.append(s)
        # The hub closes the rest as it accepts them: polled, not after a
        # fixed sleep (ASan on 2 loaded cores can take longer than 0.5 s),
        # and within 8 s of the flood, before the 10 s --request-timeout
        # would close them too for another reason.
        while sum(alive(s) for s in flood) > 4 and time.monotonic() < flood_start + 8:
            time.sleep(0.1)
        assert sum(alive(s) for s in flood) <= 4
        close_all(flood)
        st, _, _, dt = http(h.port, "GET", "/healthz", src="127.0.0.2")
        assert st == 200, dt
        took["healthz after flood"] = dt
        print(f"\nat the limit ({cap} parked): " +
              ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in took.items()))
        assert not readable(polls + extra, 0), "a parked long-poll was answered"
    finally:
        close_all(polls + extra)
        check_clean_exit(h)


def test_a_default_hub_parks_3000_long_polls(tmp_path):
    """Far beyond the old limit of 1,024; prints the memory a parked
    long-poll costs."""
    n = 3000
    raise_nofile(n + 512)
    h = Hub(tmp_path, args=["--max-polls-per-token", "0"])
    polls = []
    try:
        t = members(h)
        cur = cursor_of(h.port, t["s1"])
        rss0 = rss_kib(h.proc.pid)
        polls = open_polls(h.port, t["s1"], cur, n)
        wait_metric(h.port, t["admin"], "yagura_hub_polls_parked", lambda v: v == n)
        rss1 = rss_kib(h.proc.pid)
        print(f"\n{n} parked long-polls: RSS {rss0} -> {rss1} KiB, "
              f"{(rss1 - rss0) * 1024 / n:.0f} bytes per parked connection")
        st, _, _, dt = http(h.port, "GET", "/healthz", src="127.0.0.2")
        assert st == 200, dt
        st, _, _, dt2 = http(h.port, "GET", "/api/v1/indicators", t["A"], src="127.0.0.3")
        assert st == 200, dt2
        print(f"healthz {dt * 1000:.1f} ms, analyst GET {dt2 * 1000:.1f} ms")
        assert not readable(polls, 0)
    finally:
        close_all(polls)
        check_clean_exit(h)


def test_half_sent_requests_from_one_address(tmp_path):
    """1,200 connections from one address that never finish their request:
    all but --max-pending-per-addr are refused at once, the rest cut at the
    request deadline; a client that keeps reconnecting, or one that trickles
    a byte at a time, changes nothing for /healthz from elsewhere."""
    raise_nofile(4096)
    h = Hub(tmp_path, args=["--request-timeout", "2"])
    socks = []
    try:
        h.org("C")
        admin = h.token("C", "admin")
        for _ in range(1200):
            s = connect(h.port, "127.0.0.1")
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
            socks.append(s)
        st, _, _, dt = http(h.port, "GET", "/healthz", src="127.0.0.2")
        assert st == 200, dt
        took = [dt]
        # Every connection is refused at accept or held; a slow hub (ASan)
        # may already have cut some held ones and taken others instead.
        end = time.monotonic() + SETTLE
        while True:
            m = metrics(h.port, admin)
            gone = (m["yagura_hub_connections_refused_total"] +
                    m["yagura_hub_requests_expired_total"])
            if gone >= 1200 - PENDING:
                break
            assert time.monotonic() < end, m
            time.sleep(0.2)
        held = [s for s in socks if alive(s)]
        assert len(held) <= PENDING

        stop = threading.Event()
        reconnects = [0]

        def reconnect():
            while not stop.is_set():
                try:
                    with connect(h.port, "127.0.0.1") as s:
                        s.sendall(b"GET /healthz HTTP/1.1\r\n")
                except OSError:
                    pass
                reconnects[0] += 1

        th = threading.Thread(target=reconnect)
        th.start()
        try:
            for _ in range(3):
                st, _, _, dt = http(h.port, "GET", "/healthz", src="127.0.0.2")
                assert st == 200, dt
                took.append(dt)
                time.sleep(0.2)
        finally:
            stop.set()
            th.join()
        assert reconnects[0] > 10
        print(f"\n1200 half-sent from one address: {len(held)} held, healthz "
              f"{took[0] * 1000:.1f} ms; under {reconnects[0]} reconnects: max "
              f"{max(took[1:]) * 1000:.1f} ms")

        # The deadline (2 s, checked a few times a second) cuts the rest.
        end = time.monotonic() + 2 + 10
        while any(alive(s) for s in held):
            assert time.monotonic() < end, sum(alive(s) for s in held)
            time.sleep(0.1)
        assert metrics(h.port, admin)["yagura_hub_requests_expired_total"] >= len(held)
        assert sum(alive(s) for s in socks) == 0

        # Activity does not extend the deadline: a byte every 0.25 s.
        t0 = time.monotonic()
        with connect(h.port, "127.0.0.5") as s:
            for c in b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 200:
                try:
                    s.send(bytes([c]))
                except OSError:
                    break
                if not alive(s):
                    break
                time.sleep(0.25)
            took = time.monotonic() - t0
            assert not alive(s) and 2 <= took < 2 + 10, took
    finally:
        close_all(socks)
        check_clean_exit(h)


def test_long_poll_caps_per_token_and_org(tmp_path):
    """--max-polls-per-token 2, --max-polls-per-org 3: the third poll of a
    token and the fourth of an organization get 429 with Retry-After, while
    another organization's sensor and an analyst of the same one park."""
    raise_nofile(1024)
    h = Hub(tmp_path, args=["--max-polls-per-token", "2", "--max-polls-per-org", "3"])
    socks = []
    try:
        t = members(h)

        def parked(n):
            wait_metric(h.port, t["admin"], "yagura_hub_polls_parked", lambda v: v == n)

        cur_c = cursor_of(h.port, t["s1"])
        socks += open_polls(h.port, t["s1"], cur_c, 2)
        parked(2)
        over = open_polls(h.port, t["s1"], cur_c, 1)
        check_429(over[0], "token")
        socks += over
        socks += open_polls(h.port, t["s2"], cur_c, 1)
        parked(3)
        over = open_polls(h.port, t["s2"], cur_c, 1)
        check_429(over[0], "organization")
        socks += over
        socks += open_polls(h.port, t["d1"], cursor_of(h.port, t["d1"]), 1, src="127.0.0.3")
        parked(4)
        socks += open_polls(h.port, t["C"], cursor_of(h.port, t["C"]), 1, src="127.0.0.3")
        parked(5)
        # A poll that ends gives its place back.
        socks[0].close()
        parked(4)
        socks += open_polls(h.port, t["s1"], cur_c, 1)
        parked(5)
        assert not readable([socks[i] for i in (1, 3, 5, 6, 7)], 0)
    finally:
        close_all(socks)
        check_clean_exit(h)
