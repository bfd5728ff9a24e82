#!/usr/bin/python3
# Measured error of the darknet EVE counts: exact distinct destinations
# and ports per source, read from a telescope capture (tool_gencap --darknet:
# Ethernet, IPv4, one window), against each darknet event's dest_count and
# port_count. Usage: bench/darknet_error.py CAPTURE.pcap EVE.json
import collections
import json
import struct
import sys

cap, eve = sys.argv[1], sys.argv[2]
dst = collections.defaultdict(set); ports = collections.defaultdict(set)
with open(cap, 'rb') as f:
    data = f.read()
off = 24
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack_from('<IIII', data, off); off += 16
    p = data[off:off + incl]; off += incl
    ip = p[14:]
    src = ip[12:16]; d = ip[16:20]; proto = ip[9]
    dst[src].add(d)
    if proto in (6, 17):
        flags = ip[20 + 13] if proto == 6 else 0
        if proto == 6 and flags in (0x12, 0x14):  # backscatter: the victim's port (its sport)
            ports[src].add((proto, struct.unpack_from('>H', ip, 20)[0]))
        else:
            ports[src].add((proto, struct.unpack_from('>H', ip, 22)[0]))
    elif proto == 1:
        ports[src].add((1, ip[20]))
errs = []; perrs = []; worst = 0; bybin = collections.defaultdict(list)
for l in open(eve):
    e = json.loads(l)
    if e.get('event_type') != 'darknet':
        continue
    s = bytes(int(x) for x in e['src_ip'].split('.'))
    n = len(dst[s]); est = e['darknet']['dest_count']
    r = (est - n) / n; errs.append(r)
    b = '1' if n < 2 else '2-9' if n < 10 else '10-99' if n < 100 else '100-999' if n < 1000 else '1000+'
    bybin[b].append(r)
    pn = len(ports[s]); pest = e['darknet']['port_count']
    if pn: perrs.append((pest - pn) / pn)
def rms(v): return (sum(x * x for x in v) / len(v)) ** 0.5
print('sources', len(errs), 'dest_count rms rel err %.4f  max |err| %.4f' % (rms(errs), max(abs(x) for x in errs)))
for b in sorted(bybin):
    v = bybin[b]; print('  exact %s: %d sources, rms %.4f, max %.4f, exact share %.3f' % (b, len(v), rms(v), max(abs(x) for x in v), sum(1 for x in v if x == 0) / len(v)))
print('port_count rms rel err %.4f max %.4f (n=%d)' % (rms(perrs), max(abs(x) for x in perrs), len(perrs)))
