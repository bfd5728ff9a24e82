#!/usr/bin/python3
"""pcapgen: writes pcap and pcapng captures made from scratch, for the tests.

The project generates its own fixtures; no third-party capture is copied in.
Everything here is deterministic (same arguments, same bytes), standard
library only, and checked against tshark by tests/e2e/test_pcapgen.py.

Layers, bottom up (each returns bytes; addresses are strings, IPv4 or IPv6
chosen by the address itself):

  files      write_pcap, write_pcapng, write_pcap_truncated, Record
  links      ether (802.1Q / QinQ via vlan=), linux_sll, linux_sll2,
             bsd_null, and link(packet, link="eth"|"sll"|"sll2"|"raw"|"null")
  network    ipv4 (options, fragments), ipv6 (extension headers), ip,
             ipv4_fragments, ipv6_fragments, hop_by_hop, dest_options,
             routing_header, fragment_header, sixin4, teredo
  transport  tcp, tcp_options, udp, icmp_echo, icmpv6_echo
  packets    tcp_packet, udp_packet, ping
  sessions   tcp_session, udp_exchange, dns_lookup, dns_tcp_lookup,
             ping_exchange  -> lists of (ts, frame)
  app        dns_query, dns_response, dns_pointer_loop, dns_over_tcp,
             http_request, http_response, tls_client_hello,
             tls_client_hello_oversized, tls_server_hello, tls_app_data,
             tls_server_hello_handshake, tls_certificate_handshake,
             tls_server_flight (ServerHello, Certificate, ServerHelloDone),
             ja3 / ja3s (the JA3 / JA3S string and MD5 of a hello we built)

Example:
    frames = tcp_session(client=("10.0.0.5", 49152), server=("203.0.113.7", 443),
                         client_payload=tls_client_hello(sni="evil.example",
                                                         alpn=["h2", "http/1.1"]),
                         split_at=[50])
    write_pcap("tls.pcap", frames)

CLI:
    pcapgen.py demo OUT.pcap [--intel OUT.txt] [--pcapng]
    pcapgen.py bad DIR       (the malformed capture files, one per case)
    pcapgen.py telescope OUT.pcap [--hours N] [--truth T.json] [--research R.txt] [--ending-now]
                             (darknet traffic with known truth: telescopegen.py)
"""
import argparse
import hashlib
import ipaddress
import math
import os
import struct
import sys
import time
from collections import namedtuple

# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

LINKTYPES = {"null": LINKTYPE_NULL, "eth": LINKTYPE_ETHERNET, "raw": LINKTYPE_RAW,
             "sll": LINKTYPE_LINUX_SLL, "sll2": LINKTYPE_LINUX_SLL2}

DEFAULT_SNAPLEN = 262144
DEFAULT_START = 1700000000.0  # 2023-11-14T22:13:20Z

# One packet record. `ts` is float seconds or an exact (sec, nsec) tuple;
# `origlen` defaults to len(data) (set it larger to say the frame was cut);
# `iface` indexes write_pcapng's interfaces; `comment` is a pcapng opt_comment.
Record = namedtuple("Record", "ts data origlen iface comment", defaults=(None, 0, None))


def _record(item):
    if isinstance(item, Record):
        return item
    if len(item) == 2:
        return Record(item[0], bytes(item[1]))
    raise ValueError("a frame is (ts, bytes) or a Record")


def _split_ts(ts):
    """(sec, nsec) from float seconds or a (sec, nsec) tuple."""
    if isinstance(ts, tuple):
        return int(ts[0]), int(ts[1])
    sec = math.floor(ts)
    nsec = int(round((ts - sec) * 1e9))
    if nsec >= 1000000000:
        sec, nsec = sec + 1, nsec - 1000000000
    return int(sec), nsec


def pcap_bytes(frames, linktype=LINKTYPE_ETHERNET, snaplen=DEFAULT_SNAPLEN, nanosecond=False,
               big_endian=False, caplen_limit=None, version=(2, 4)):
    """The bytes of a classic pcap file.

    snaplen is only written in the header (set it to 0 or below the packet
    sizes to make a bad file); caplen_limit cuts each record's data like a
    real capture with that snap length would (origlen stays the full length).
    """
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)]
    for item in frames:
        r = _record(item)
        data = r.data if caplen_limit is None else r.data[:caplen_limit]
        origlen = len(r.data) if r.origlen is None else r.origlen
        sec, nsec = _split_ts(r.ts)
        frac = nsec if nanosecond else nsec // 1000
        out.append(struct.pack(e + "IIII", sec, frac, len(data), origlen))
        out.append(data)
    return b"".join(out)


def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET, snaplen=DEFAULT_SNAPLEN,
               nanosecond=False, big_endian=False, caplen_limit=None):
    """Writes a classic pcap (microsecond, or nanosecond magic). Returns the
    number of records written. linktype may be a LINKTYPES name."""
    frames = list(frames)
    linktype = LINKTYPES.get(linktype, linktype)
    with open(path, "wb") as f:
        f.write(pcap_bytes(frames, linktype, snaplen, nanosecond, big_endian, caplen_limit))
    return len(frames)


def write_pcap_truncated(path, frames, linktype=LINKTYPE_ETHERNET, keep=None):
    """A pcap cut short in the middle of its last packet: the last record's
    header is whole but only `keep` bytes (default half) of its data are there."""
    frames = [_record(f) for f in frames]
    if not frames:
        raise ValueError("need at least one frame")
    last = frames[-1]
    keep = len(last.data) // 2 if keep is None else keep
    if not 0 <= keep < len(last.data):
        raise ValueError("keep must be below the last frame's length")
    whole = pcap_bytes(frames, LINKTYPES.get(linktype, linktype))
    with open(path, "wb") as f:
        f.write(whole[: len(whole) - (len(last.data) - keep)])


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _pcapng_opts(e, opts):
    """opts: [(code, bytes)] -> option block with opt_endofopt, or b"" if none."""
    if not opts:
        return b""
    out = b"".join(struct.pack(e + "HH", c, len(v)) + _pad4(v) for c, v in opts)
    return out + struct.pack(e + "HH", 0, 0)


def _pcapng_block(e, btype, body):
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def write_pcapng(path, frames, linktype=LINKTYPE_ETHERNET, snaplen=DEFAULT_SNAPLEN,
                 nanosecond=False, big_endian=False, comment=None, interfaces=None):
    """Writes a pcapng file: one Section Header Block, one Interface
    Description Block per interface (`interfaces`: a list of link types;
    default [linktype]), one Enhanced Packet Block per frame. With
    nanosecond=True the interfaces carry if_tsresol=9. `comment` goes on the
    section header; Record.comment on the packet."""
    e = ">" if big_endian else "<"
    ifaces = [LINKTYPES.get(t, t) for t in (interfaces or [linktype])]
    shb_opts = [(1, comment.encode())] if comment else []
    shb_opts.append((4, b"yagura pcapgen"))  # shb_userappl
    out = [_pcapng_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) +
                         _pcapng_opts(e, shb_opts))]
    for lt in ifaces:
        opts = [(2, b"gen0")]  # if_name
        if nanosecond:
            opts.append((9, bytes([9])))  # if_tsresol: 10^-9
        out.append(_pcapng_block(e, 1, struct.pack(e + "HHI", lt, 0, snaplen) + _pcapng_opts(e, opts)))
    per_sec = 1000000000 if nanosecond else 1000000
    for item in frames:
        r = _record(item)
        if not 0 <= r.iface < len(ifaces):
            raise ValueError(f"frame on interface {r.iface}, only {len(ifaces)} defined")
        sec, nsec = _split_ts(r.ts)
        t = sec * per_sec + (nsec if nanosecond else nsec // 1000)
        origlen = len(r.data) if r.origlen is None else r.origlen
        opts = [(1, r.comment.encode())] if r.comment else []
        body = struct.pack(e + "IIIII", r.iface, t >> 32, t & 0xFFFFFFFF, len(r.data), origlen)
        out.append(_pcapng_block(e, 6, body + _pad4(r.data) + _pcapng_opts(e, opts)))
    with open(path, "wb") as f:
        f.write(b"".join(out))


# ---------------------------------------------------------------------------
# Link layer
# ---------------------------------------------------------------------------

ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ = 0x0800, 0x86DD, 0x8100, 0x88A8
ETH_FABRICPATH = 0x8903
CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:fe"


def mac(m):
    """bytes of a MAC given as 'aa:bb:..' or 6 bytes."""
    if isinstance(m, (bytes, bytearray)):
        if len(m) != 6:
            raise ValueError("a MAC is 6 bytes")
        return bytes(m)
    b = bytes.fromhex(m.replace(":", "").replace("-", ""))
    if len(b) != 6:
        raise ValueError(f"bad MAC {m!r}")
    return b


def _ethertype_of(packet):
    return ETH_IPV6 if packet and packet[0] >> 4 == 6 else ETH_IPV4


def ether(payload, src=CLIENT_MAC, dst=SERVER_MAC, ethertype=None, vlan=None, pcp=0,
          qinq_tpid=ETH_QINQ):
    """Ethernet II frame. ethertype defaults from the IP version of payload.
    vlan: a VLAN id (802.1Q), or a list of ids outermost first (QinQ: the
    outer tag uses qinq_tpid, 0x88a8; inner tags 0x8100)."""
    if ethertype is None:
        ethertype = _ethertype_of(payload)
    tags = [] if vlan is None else ([vlan] if isinstance(vlan, int) else list(vlan))
    hdr = mac(dst) + mac(src)
    for i, vid in enumerate(tags):
        if not 0 <= vid < 4096:
            raise ValueError(f"VLAN id {vid} out of range")
        tpid = qinq_tpid if (len(tags) > 1 and i == 0) else ETH_VLAN
        hdr += struct.pack(">HH", tpid, (pcp << 13) | vid)
    return hdr + struct.pack(">H", ethertype) + payload


def linux_sll(payload, protocol=None, pkttype=0, hatype=1, addr=CLIENT_MAC):
    """Linux "cooked" capture v1 header (LINKTYPE_LINUX_SLL, 113)."""
    a = mac(addr)
    return (struct.pack(">HHH", pkttype, hatype, len(a)) + a + b"\0\0" +
            struct.pack(">H", _ethertype_of(payload) if protocol is None else protocol) + payload)


def linux_sll2(payload, protocol=None, ifindex=1, hatype=1, pkttype=0, addr=CLIENT_MAC):
    """Linux "cooked" capture v2 header (LINKTYPE_LINUX_SLL2, 276)."""
    a = mac(addr)
    return (struct.pack(">HHIHBB", _ethertype_of(payload) if protocol is None else protocol, 0,
                        ifindex, hatype, pkttype, len(a)) + a + b"\0\0" + payload)


def bsd_null(payload, family=None, big_endian=False):
    """BSD loopback header (LINKTYPE_NULL, 0): the address family in host
    byte order: 2 for IPv4, 24 (NetBSD/OpenBSD AF_INET6) for IPv6 unless given."""
    if family is None:
        family = 24 if _ethertype_of(payload) == ETH_IPV6 else 2
    return struct.pack(">I" if big_endian else "<I", family) + payload


def link(packet, link="eth", src_mac=CLIENT_MAC, dst_mac=SERVER_MAC, vlan=None):
    """Wraps an IP packet in the named link layer (a key of LINKTYPES)."""
    if link == "eth":
        return ether(packet, src=src_mac, dst=dst_mac, vlan=vlan)
    if link == "raw":
        return packet
    if link == "null":
        return bsd_null(packet)
    if link == "sll":
        return linux_sll(packet, addr=src_mac)
    if link == "sll2":
        return linux_sll2(packet, addr=src_mac)
    raise ValueError(f"unknown link {link!r}")


# The session builders take a `link` argument that hides the function.
_wrap = link


# ---------------------------------------------------------------------------
# Network layer
# ---------------------------------------------------------------------------

PROTO_HOPOPTS, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_IPV6 = 0, 1, 6, 17, 41
PROTO_ROUTING, PROTO_FRAGMENT, PROTO_ICMPV6, PROTO_NONE, PROTO_DSTOPTS = 43, 44, 58, 59, 60


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr_bytes(a):
    return ipaddress.ip_address(a).packed


def is_v6(a):
    return ipaddress.ip_address(a).version == 6


def ipv4(src, dst, proto, payload, ttl=64, ident=1, tos=0, df=False, mf=False, frag_offset=0,
         options=b"", checksum_value=None, total_length=None):
    """IPv4 packet. frag_offset is in bytes (a multiple of 8). options are
    raw bytes, padded to 4 with End-of-Options. The header checksum is
    computed unless checksum_value is given."""
    if frag_offset % 8:
        raise ValueError("fragment offset must be a multiple of 8")
    options = options + b"\0" * (-len(options) % 4)
    ihl = 5 + len(options) // 4
    if ihl > 15:
        raise ValueError("IPv4 options longer than 40 bytes")
    length = ihl * 4 + len(payload) if total_length is None else total_length
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_offset // 8)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, tos, length, ident, flags, ttl, proto, 0,
                      addr_bytes(src), addr_bytes(dst)) + options
    c = checksum(hdr) if checksum_value is None else checksum_value
    return hdr[:10] + struct.pack(">H", c) + hdr[12:] + payload


def ipv4_option_rr(slots=2):
    """A Record Route option (type 7) with room for `slots` addresses."""
    return bytes([7, 3 + 4 * slots, 4]) + b"\0" * (4 * slots)


def ipv4_option_router_alert():
    return bytes([148, 4, 0, 0])


def ipv4_fragments(src, dst, proto, payload, fragsize=512, ident=0x4242, **kw):
    """Fragments an IPv4 payload (the transport segment) into packets whose
    data is at most fragsize bytes (rounded down to a multiple of 8)."""
    fragsize -= fragsize % 8
    if fragsize <= 0:
        raise ValueError("fragsize must be at least 8")
    out = []
    for off in range(0, len(payload), fragsize):
        chunk = payload[off:off + fragsize]
        out.append(ipv4(src, dst, proto, chunk, ident=ident, frag_offset=off,
                        mf=off + fragsize < len(payload), **kw))
    return out


def _ext_options(options):
    """Hop-by-hop / destination options body padded so that, with the 2-byte
    header, it fills a multiple of 8 bytes (Pad1 / PadN)."""
    pad = -(len(options) + 2) % 8
    if pad == 1:
        options += b"\0"
    elif pad:
        options += bytes([1, pad - 2]) + b"\0" * (pad - 2)
    return options


def hop_by_hop(options=b""):
    """Hop-by-hop options header (next-header code 0) for ipv6(ext=[...])."""
    body = _ext_options(options)
    return (PROTO_HOPOPTS, bytes([(len(body) + 2) // 8 - 1]) + body)


def dest_options(options=b""):
    """Destination options header (code 60) for ipv6(ext=[...])."""
    body = _ext_options(options)
    return (PROTO_DSTOPTS, bytes([(len(body) + 2) // 8 - 1]) + body)


def routing_header(addresses=("2001:db8::99",), rtype=2, segments_left=None):
    """Routing header (code 43). Type 2 (RFC 6275) carries one home address
    and segments_left 1 (the default for it; 0 for other types)."""
    if segments_left is None:
        segments_left = 1 if rtype == 2 and addresses else 0
    body = bytes([rtype, segments_left]) + b"\0" * 4 + b"".join(addr_bytes(a) for a in addresses)
    return (PROTO_ROUTING, bytes([(len(body) + 2) // 8 - 1]) + body)


def fragment_header(offset=0, more=False, ident=0x1234):
    """Fragment header (code 44); offset in bytes, a multiple of 8."""
    if offset % 8:
        raise ValueError("fragment offset must be a multiple of 8")
    return (PROTO_FRAGMENT, struct.pack(">BHI", 0, offset | (1 if more else 0), ident))


def ipv6(src, dst, nh, payload, hlim=64, tclass=0, flow_label=0, ext=()):
    """IPv6 packet. ext: extension headers in order (hop_by_hop(), ...); their
    next-header fields are chained and the last one names nh. With a routing
    header the transport checksum must cover the final destination (build
    the segment with that address), as RFC 8200 8.1 says."""
    chain = b""
    first = nh
    for i in range(len(ext) - 1, -1, -1):
        code, rest = ext[i]
        chain = bytes([first]) + rest + chain
        first = code
    body = chain + payload
    return (struct.pack(">IHBB", (6 << 28) | (tclass << 20) | flow_label, len(body), first, hlim) +
            addr_bytes(src) + addr_bytes(dst) + body)


def ipv6_fragments(src, dst, nh, payload, fragsize=512, ident=0x1234, ext=(), **kw):
    """Fragments an IPv6 payload behind a fragment header (after `ext`)."""
    fragsize -= fragsize % 8
    out = []
    for off in range(0, len(payload), fragsize):
        fh = fragment_header(off, off + fragsize < len(payload), ident)
        out.append(ipv6(src, dst, nh, payload[off:off + fragsize], ext=list(ext) + [fh], **kw))
    return out


def ip(src, dst, proto, payload, **kw):
    """IPv4 or IPv6 packet by the address family of src (kw go to ipv4/ipv6)."""
    if is_v6(src) != is_v6(dst):
        raise ValueError("src and dst are of different families")
    if is_v6(src):
        return ipv6(src, dst, proto, payload, **kw)
    return ipv4(src, dst, proto, payload, **kw)


def sixin4(outer_src, outer_dst, inner, **kw):
    """An IPv6 packet carried in IPv4 protocol 41 (RFC 4213)."""
    return ipv4(outer_src, outer_dst, PROTO_IPV6, inner, **kw)


def teredo(outer_src, outer_dst, inner, sport=3544, dport=40000, **kw):
    """An IPv6 packet carried in UDP (RFC 4380); one port must be 3544."""
    return ipv4(outer_src, outer_dst, PROTO_UDP, udp(outer_src, outer_dst, sport, dport, inner), **kw)


PROTO_IPIP, PROTO_GRE = 4, 47
GRE_TEB, GRE_ERSPAN2, GRE_ERSPAN3 = 0x6558, 0x88BE, 0x22EB
GTPU_PORT, GENEVE_PORT, VXLAN_PORT = 2152, 6081, 4789


def ipip(outer_src, outer_dst, inner, **kw):
    """IP in IP (RFC 2003, 2473): IPv4 inside (protocol 4) or IPv6 inside
    IPv6 (41); the outer family follows outer_src."""
    proto = PROTO_IPIP if inner[0] >> 4 == 4 else PROTO_IPV6
    return ip(outer_src, outer_dst, proto, inner, **kw)


def gre_header(proto, key=None, seq=None, csum=False):
    """GRE version 0 (RFC 2784/2890) with the optional checksum, key and
    sequence number."""
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | \
        (0x1000 if seq is not None else 0)
    h = struct.pack(">HH", flags, proto)
    if csum:
        h += b"\0\0\0\0"  # checksum filled by gre()
    if key is not None:
        h += struct.pack(">I", key)
    if seq is not None:
        h += struct.pack(">I", seq)
    return h


def gre(outer_src, outer_dst, inner, key=None, seq=None, csum=False, proto=None, **kw):
    """inner (an IP packet, or an Ethernet frame with proto=GRE_TEB) in GRE."""
    if proto is None:
        proto = _ethertype_of(inner)
    body = gre_header(proto, key, seq, csum) + inner
    if csum:
        c = checksum(body)
        body = body[:4] + struct.pack(">H", c) + body[6:]
    return ip(outer_src, outer_dst, PROTO_GRE, body, **kw)


def erspan(outer_src, outer_dst, frame, version=2, session=1, vlan=0, seq=1, platform=False, **kw):
    """A mirrored Ethernet frame in ERSPAN type 1, 2 or 3 over GRE."""
    if version == 1:
        return gre(outer_src, outer_dst, frame, proto=GRE_ERSPAN2, **kw)
    if version == 2:
        hdr = struct.pack(">HHI", 0x1000 | vlan, session & 0x3FF, 0)
        return gre(outer_src, outer_dst, hdr + frame, seq=seq, proto=GRE_ERSPAN2, **kw)
    hdr = struct.pack(">HHIHH", 0x2000 | vlan, session & 0x3FF, 0x12345678, 0,
                      0x0001 if platform else 0)
    if platform:
        hdr += b"\0" * 8
    return gre(outer_src, outer_dst, hdr + frame, seq=seq, proto=GRE_ERSPAN3, **kw)


def gtpu(outer_src, outer_dst, inner, teid=1, ext=(), sport=GTPU_PORT, dport=GTPU_PORT, msg_type=0xFF,
         **kw):
    """inner (an IP packet) in a GTP-U G-PDU (3GPP TS 29.281) over UDP.
    ext: extension headers as (type, contents) with len(contents) + 2 a
    multiple of 4 (e.g. (0x85, b"\x00\x09") a PDU session container)."""
    opt = b""
    flags = 0x30
    if ext:
        flags |= 0x04
        opt = struct.pack(">HBB", 0, 0, ext[0][0])
        for i, (_, body) in enumerate(ext):
            if (len(body) + 2) % 4:
                raise ValueError("GTP extension header contents must make a multiple of 4")
            nxt = ext[i + 1][0] if i + 1 < len(ext) else 0
            opt += bytes([(len(body) + 2) // 4]) + body + bytes([nxt])
    body = opt + inner
    g = struct.pack(">BBHI", flags, msg_type, len(body), teid) + body
    return ip(outer_src, outer_dst, PROTO_UDP, udp(outer_src, outer_dst, sport, dport, g), **kw)


def geneve(outer_src, outer_dst, inner, vni=1, options=(), proto=None, sport=50000, **kw):
    """inner (an Ethernet frame, or an IP packet with proto set) in Geneve
    (RFC 8926) over UDP to 6081. options: (class, type, data) with len(data)
    a multiple of 4."""
    opts = b""
    for cls, typ, data in options:
        if len(data) % 4:
            raise ValueError("Geneve option data must be a multiple of 4 bytes")
        opts += struct.pack(">HBB", cls, typ, len(data) // 4) + data
    if proto is None:
        proto = GRE_TEB
    g = struct.pack(">BBHI", len(opts) // 4, 0, proto, vni << 8) + opts + inner
    return ip(outer_src, outer_dst, PROTO_UDP, udp(outer_src, outer_dst, sport, GENEVE_PORT, g), **kw)


def vxlan(outer_src, outer_dst, frame, vni=1, sport=50001, **kw):
    """An Ethernet frame in VXLAN (RFC 7348) over UDP to 4789."""
    v = struct.pack(">II", 0x08000000, vni << 8) + frame
    return ip(outer_src, outer_dst, PROTO_UDP, udp(outer_src, outer_dst, sport, VXLAN_PORT, v), **kw)


def fabricpath(frame, outer_src="02:00:0a:00:01:00", outer_dst="02:00:0a:00:02:00", ftag=1, ttl=32):
    """A host's Ethernet frame inside Cisco FabricPath (DCE): the 16-octet
    outer header (switch addresses, ethertype 0x8903, a 10-bit FTag and a
    6-bit TTL), then the frame unchanged."""
    return mac(outer_dst) + mac(outer_src) + struct.pack(">HH", ETH_FABRICPATH, (ftag << 6) | ttl) + frame


def icmp_error(src, dst, quoted, type_=3, code=3, quote_len=None):
    """An ICMP (or ICMPv6, by the family of src) error from src to dst
    quoting the start of the packet `quoted` (its IP header and 8 bytes
    more for ICMP, or quote_len bytes of it; as much as fits 1232 bytes for
    ICMPv6)."""
    if is_v6(src):
        q = quoted[:1232]
        m = struct.pack(">BBHI", type_, code, 0, 0) + q
        c = checksum(_pseudo(src, dst, PROTO_ICMPV6, len(m)) + m)
        return ipv6(src, dst, PROTO_ICMPV6, m[:2] + struct.pack(">H", c) + m[4:])
    ihl = (quoted[0] & 0x0F) * 4
    m = struct.pack(">BBHI", type_, code, 0, 0) + quoted[:ihl + 8 if quote_len is None else quote_len]
    return ipv4(src, dst, PROTO_ICMP, m[:2] + struct.pack(">H", checksum(m)) + m[4:])


# ---------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------

def _pseudo(src, dst, proto, length):
    if is_v6(src):
        return addr_bytes(src) + addr_bytes(dst) + struct.pack(">IxxxB", length, proto)
    return addr_bytes(src) + addr_bytes(dst) + struct.pack(">xBH", proto, length)


TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20, "E": 0x40, "C": 0x80}


def tcp_flags(flags):
    if isinstance(flags, int):
        return flags
    v = 0
    for ch in flags:
        v |= TCP_FLAGS[ch]
    return v


def tcp_options(mss=None, wscale=None, sack_perm=False, timestamps=None, sack=()):
    """TCP options bytes, NOP-padded to a multiple of 4 in the usual order."""
    o = b""
    if mss is not None:
        o += struct.pack(">BBH", 2, 4, mss)
    if sack_perm:
        o += b"\x01\x01\x04\x02" if timestamps is None else b""
    if timestamps is not None:
        o += (b"\x04\x02" if sack_perm else b"\x01\x01") + struct.pack(">BBII", 8, 10, *timestamps)
    if wscale is not None:
        o += b"\x01" + struct.pack(">BBB", 3, 3, wscale)
    if sack:
        o += b"\x01\x01" + bytes([5, 2 + 8 * len(sack)]) + b"".join(struct.pack(">II", l, r) for l, r in sack)
    return o + b"\x01" * (-len(o) % 4)


def tcp(src, dst, sport, dport, seq=0, ack=0, flags="S", window=65535, options=b"", payload=b"",
        urg=0, checksum_value=None):
    """TCP segment with its checksum over the IPv4/IPv6 pseudo-header."""
    options = options + b"\0" * (-len(options) % 4)
    off = (20 + len(options)) // 4
    hdr = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4,
                      tcp_flags(flags), window, 0, urg) + options
    seg = hdr + payload
    c = checksum(_pseudo(src, dst, PROTO_TCP, len(seg)) + seg) if checksum_value is None else checksum_value
    return seg[:16] + struct.pack(">H", c) + seg[18:]


def udp(src, dst, sport, dport, payload=b"", checksum_value=None):
    """UDP datagram with its checksum (0 is sent as 0xffff, RFC 768)."""
    d = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    if checksum_value is None:
        checksum_value = checksum(_pseudo(src, dst, PROTO_UDP, len(d)) + d) or 0xFFFF
    return d[:6] + struct.pack(">H", checksum_value) + d[8:]


def icmp_echo(ident=1, seq=1, payload=b"yagura ping 0123456789abcdef", reply=False):
    """ICMPv4 echo request (type 8) or reply (type 0)."""
    m = struct.pack(">BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    return m[:2] + struct.pack(">H", checksum(m)) + m[4:]


def icmpv6_echo(src, dst, ident=1, seq=1, payload=b"yagura ping 0123456789abcdef", reply=False):
    """ICMPv6 echo request (128) or reply (129), checksum over the pseudo-header."""
    m = struct.pack(">BBHHH", 129 if reply else 128, 0, 0, ident, seq) + payload
    c = checksum(_pseudo(src, dst, PROTO_ICMPV6, len(m)) + m)
    return m[:2] + struct.pack(">H", c) + m[4:]


def tcp_packet(src, dst, sport, dport, ip_kw=None, **kw):
    """An IP packet carrying tcp(src, dst, sport, dport, **kw)."""
    return ip(src, dst, PROTO_TCP, tcp(src, dst, sport, dport, **kw), **(ip_kw or {}))


def udp_packet(src, dst, sport, dport, payload=b"", ip_kw=None):
    return ip(src, dst, PROTO_UDP, udp(src, dst, sport, dport, payload), **(ip_kw or {}))


def ping(src, dst, ident=1, seq=1, payload=b"yagura ping 0123456789abcdef", reply=False):
    """An IP packet with an ICMP (IPv4) or ICMPv6 echo."""
    if is_v6(src):
        return ipv6(src, dst, PROTO_ICMPV6, icmpv6_echo(src, dst, ident, seq, payload, reply))
    return ipv4(src, dst, PROTO_ICMP, icmp_echo(ident, seq, payload, reply))


# ---------------------------------------------------------------------------
# Sessions: lists of (ts, frame)
# ---------------------------------------------------------------------------

def _isn(a, b, salt):
    return int.from_bytes(hashlib.sha256(f"{a}{b}{salt}".encode()).digest()[:4], "big")


def _chunks(data, split_at, mss):
    """Cuts data at the given offsets, then every chunk to at most mss."""
    cuts = sorted({o for o in split_at if 0 < o < len(data)})
    out, prev = [], 0
    for c in cuts + [len(data)]:
        piece = data[prev:c]
        for i in range(0, len(piece), mss):
            out.append(piece[i:i + mss])
        prev = c
    return out


def tcp_session(client, server, client_payload=b"", server_payload=b"", split_at=(),
                server_split_at=(), close="fin", closer="client", start=DEFAULT_START, rtt=0.02,
                gap=0.0005, client_isn=None, server_isn=None, mss=1460, window=64240, link="eth",
                vlan=None, client_mac=CLIENT_MAC, server_mac=SERVER_MAC, timestamps=True):
    """A whole TCP connection with consistent seq/ack numbers.

    3-way handshake; client_payload cut at the split_at offsets (and to mss);
    the server ACKs every second segment and the last, then sends server_payload (cut at server_split_at and
    mss; the client ACKs every second segment and the last one); then
    teardown: close="fin" (FIN/ACK both ways, `closer` first), "rst"
    (`closer` sends RST|ACK) or None (left open). client and server are
    (address, port). Returns [(ts, frame)].
    """
    (caddr, cport), (saddr, sport) = client, server
    cseq = _isn(client, server, "c") if client_isn is None else client_isn
    sseq = _isn(client, server, "s") if server_isn is None else server_isn
    frames = []
    t = [start]
    tsval = [1000, 5000]

    def emit(from_client, flags, payload=b"", options=b"", dt=gap):
        if from_client:
            a, b, sp, dp, seq, ack, sm, dm = caddr, saddr, cport, sport, cseq, sseq, client_mac, server_mac
        else:
            a, b, sp, dp, seq, ack, sm, dm = saddr, caddr, sport, cport, sseq, cseq, server_mac, client_mac
        if timestamps and not options:
            i = 0 if from_client else 1
            tsval[i] += 1
            options = tcp_options(timestamps=(tsval[i], tsval[1 - i]))
        if "A" not in flags:
            ack = 0
        # After the SYNs the window field is scaled by the wscale=7 they agreed.
        win = window if "S" in flags else max(1, window >> 7)
        seg = tcp(a, b, sp, dp, seq=seq, ack=ack, flags=flags, window=win, options=options,
                  payload=payload)
        frames.append((t[0], _wrap(ip(a, b, PROTO_TCP, seg), link=link, src_mac=sm, dst_mac=dm,
                                   vlan=vlan)))
        t[0] += dt

    def syn_opts(i):
        return tcp_options(mss=mss, sack_perm=True, wscale=7,
                           timestamps=(tsval[i], tsval[1 - i] if i else 0) if timestamps else None)

    emit(True, "S", options=syn_opts(0), dt=rtt / 2)
    cseq += 1
    emit(False, "SA", options=syn_opts(1), dt=rtt / 2)
    sseq += 1
    emit(True, "A")
    pieces = _chunks(client_payload, split_at, mss)
    for i, piece in enumerate(pieces):
        emit(True, "PA", piece)
        cseq += len(piece)
        # Delayed ACKs: the server acknowledges every second segment and the last.
        if i % 2 == 1 or i == len(pieces) - 1:
            t[0] += rtt / 2 - gap
            emit(False, "A", dt=rtt / 4)
    pieces = _chunks(server_payload, server_split_at, mss)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        emit(False, "PA" if last else "A", piece)
        sseq += len(piece)
        if i % 2 == 1 or last:
            emit(True, "A")
    t[0] += rtt / 2
    if close == "fin":
        first = closer == "client"
        emit(first, "FA", dt=rtt / 2)
        if first:
            cseq += 1
        else:
            sseq += 1
        emit(not first, "FA", dt=rtt / 2)
        if first:
            sseq += 1
        else:
            cseq += 1
        emit(first, "A")
    elif close == "rst":
        emit(closer == "client", "RA")
    elif close is not None:
        raise ValueError("close is 'fin', 'rst' or None")
    return frames


def udp_exchange(client, server, payloads, start=DEFAULT_START, rtt=0.01, link="eth", vlan=None,
                 client_mac=CLIENT_MAC, server_mac=SERVER_MAC):
    """UDP datagrams between client and server: payloads is a list of
    (from_client: bool, bytes). Returns [(ts, frame)]."""
    (caddr, cport), (saddr, sport) = client, server
    frames, t = [], start
    for from_client, data in payloads:
        if from_client:
            pkt = udp_packet(caddr, saddr, cport, sport, data)
            fr = _wrap(pkt, link=link, src_mac=client_mac, dst_mac=server_mac, vlan=vlan)
        else:
            pkt = udp_packet(saddr, caddr, sport, cport, data)
            fr = _wrap(pkt, link=link, src_mac=server_mac, dst_mac=client_mac, vlan=vlan)
        frames.append((t, fr))
        t += rtt / 2
    return frames


def dns_lookup(client, server, name, answers=(), qtype="A", rcode="NOERROR", ident=0x1234, **kw):
    """A DNS query over UDP and its response. kw go to udp_exchange."""
    q = dns_query(name, qtype=qtype, ident=ident)
    r = dns_response(name, answers=answers, qtype=qtype, ident=ident, rcode=rcode)
    return udp_exchange(client, server, [(True, q), (False, r)], **kw)


def dns_tcp_lookup(client, server, name, answers=(), qtype="A", rcode="NOERROR", ident=0x1234, **kw):
    """The same over TCP (each message behind its 2-byte length). kw go to tcp_session."""
    q = dns_over_tcp(dns_query(name, qtype=qtype, ident=ident))
    r = dns_over_tcp(dns_response(name, answers=answers, qtype=qtype, ident=ident, rcode=rcode))
    return tcp_session(client, server, client_payload=q, server_payload=r, **kw)


def ping_exchange(src, dst, count=1, ident=0x77, start=DEFAULT_START, interval=1.0, rtt=0.01,
                  link="eth", vlan=None):
    """count echo requests from src and their replies. Returns [(ts, frame)]."""
    frames = []
    for seq in range(1, count + 1):
        t = start + (seq - 1) * interval
        frames.append((t, _wrap(ping(src, dst, ident, seq), link=link, vlan=vlan)))
        frames.append((t + rtt, _wrap(ping(dst, src, ident, seq, reply=True), link=link,
                                   src_mac=SERVER_MAC, dst_mac=CLIENT_MAC, vlan=vlan)))
    return frames


# ---------------------------------------------------------------------------
# DNS (RFC 1035, RFC 3596)
# ---------------------------------------------------------------------------

DNS_TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
             "SRV": 33, "HTTPS": 65, "ANY": 255}
DNS_RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}


class _DnsWriter:
    """Builds a message, compressing names against suffixes already written."""

    def __init__(self, compress):
        self.buf = bytearray(12)
        self.seen = {}
        self.compress = compress

    def name(self, name):
        labels = [lab for lab in name.rstrip(".").split(".") if lab]
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if self.compress and suffix in self.seen:
                self.buf += struct.pack(">H", 0xC000 | self.seen[suffix])
                return
            if len(self.buf) < 0x3FFF:
                self.seen.setdefault(suffix, len(self.buf))
            lab = labels[i].encode()
            if len(lab) > 63:
                raise ValueError(f"DNS label longer than 63: {labels[i]!r}")
            self.buf += bytes([len(lab)]) + lab
        self.buf += b"\0"

    def rr(self, owner, rtype, ttl, rdata_fn):
        self.name(owner)
        self.buf += struct.pack(">HHI", rtype, 1, ttl)
        at = len(self.buf)
        self.buf += b"\0\0"
        rdata_fn()
        struct.pack_into(">H", self.buf, at, len(self.buf) - at - 2)


def _dns_type(t):
    return DNS_TYPES[t.upper()] if isinstance(t, str) else t


def _dns_answer_list(name, answers):
    """Normalizes answers to (owner, type, value): a 2-tuple (type, value)
    is owned by the question name, or after a CNAME by its target."""
    out, owner = [], name
    for a in answers:
        if len(a) == 2:
            t, v = a
            o = owner
        else:
            o, t, v = a
        out.append((o, _dns_type(t), v))
        if _dns_type(t) == 5:
            owner = v
    return out


def dns_message(ident=0x1234, flags=0x0100, questions=(), answers=(), authority=(), ttl=300,
                compress=True):
    """A DNS message. questions: [(name, type)]; answers / authority:
    [(owner, type, value)] with value an address (A/AAAA), a name
    (CNAME/NS/PTR), an (mname, rname, serial) tuple (SOA) or raw bytes."""
    w = _DnsWriter(compress)
    struct.pack_into(">HHHHHH", w.buf, 0, ident, flags, len(questions), len(answers), len(authority), 0)
    for name, t in questions:
        w.name(name)
        w.buf += struct.pack(">HH", _dns_type(t), 1)
    for owner, t, v in list(answers) + list(authority):
        t = _dns_type(t)

        def rdata(t=t, v=v):
            if isinstance(v, (bytes, bytearray)):
                w.buf += v
            elif t in (1, 28):
                w.buf += addr_bytes(v)
            elif t in (2, 5, 12):
                w.name(v)
            elif t == 6:
                mname, rname, serial = v
                w.name(mname)
                w.name(rname)
                w.buf += struct.pack(">IIIII", serial, 7200, 3600, 1209600, 300)
            else:
                raise ValueError(f"give rdata bytes for type {t}")
        w.rr(owner, t, ttl, rdata)
    return bytes(w.buf)


# ---------------------------------------------------------------------------
# Device inventory: DHCP, mDNS, NetBIOS name service
# ---------------------------------------------------------------------------

DHCP_DISCOVER, DHCP_REQUEST, DHCP_ACK = 1, 3, 5
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"


def dhcp_message(op, mac_addr, msg_type, xid=0x3903F326, ciaddr="0.0.0.0", yiaddr="0.0.0.0",
                 hostname=None, vendor_class=None, prl=None, requested=None, fqdn=None):
    """A DHCP message (RFC 2131) with options 53, 50, 12, 60, 55 and 81."""
    fixed = struct.pack(">BBBBIHH", op, 1, 6, 0, xid, 0, 0x8000) + addr_bytes(ciaddr) + \
        addr_bytes(yiaddr) + bytes(8) + mac(mac_addr) + bytes(10) + bytes(64) + bytes(128)
    opts = bytes([53, 1, msg_type])
    if requested:
        opts += bytes([50, 4]) + addr_bytes(requested)
    if hostname:
        opts += bytes([12, len(hostname)]) + hostname.encode()
    if vendor_class:
        opts += bytes([60, len(vendor_class)]) + vendor_class.encode()
    if prl:
        opts += bytes([55, len(prl)]) + bytes(prl)
    if fqdn:
        opts += bytes([81, 3 + len(fqdn), 0, 0, 0]) + fqdn.encode()
    return fixed + struct.pack(">I", 0x63825363) + opts + b"\xff"


def dhcp_request_frame(mac_addr, hostname=None, vendor_class=None, prl=None, requested=None):
    """A client's DHCPREQUEST broadcast from 0.0.0.0:68 to 255.255.255.255:67."""
    msg = dhcp_message(1, mac_addr, DHCP_REQUEST, hostname=hostname, vendor_class=vendor_class,
                       prl=prl, requested=requested)
    return ether(udp_packet("0.0.0.0", "255.255.255.255", 68, 67, msg), src=mac_addr, dst=BROADCAST_MAC)


def nbns_name(name, suffix=0x00):
    """A NetBIOS name first-level encoded (RFC 1001 14.1): 32 letters."""
    raw = name.upper().encode()[:15].ljust(15, b" ") + bytes([suffix])
    return "".join(chr(ord("A") + (b >> 4)) + chr(ord("A") + (b & 15)) for b in raw)


def nbns_registration(name, addr):
    """A NetBIOS name registration request (opcode 5) for name at addr,
    with its NB additional record, as Windows broadcasts it."""
    enc = nbns_name(name)
    w = _DnsWriter(False)
    struct.pack_into(">HHHHHH", w.buf, 0, 0x8001, 0x2910, 1, 0, 0, 1)
    w.name(enc)
    w.buf += struct.pack(">HH", 0x20, 1)
    w.rr(enc, 0x20, 300000, lambda: w.buf.extend(b"\x00\x00" + addr_bytes(addr)))
    return bytes(w.buf)


def mdns_announcement(hostname, addr, services=()):
    """An mDNS response (RFC 6762) announcing hostname.local at addr and a
    PTR for each service type ("_ipp._tcp") to an instance of hostname."""
    answers = [(f"{hostname}.local", "AAAA" if is_v6(addr) else "A", addr)]
    for svc in services:
        answers.append((f"{svc}.local", "PTR", f"{hostname}.{svc}.local"))
    return dns_message(ident=0, flags=0x8400, answers=answers, ttl=120)


def mdns_frame(mac_addr, src, hostname, services=()):
    dst = "ff02::fb" if is_v6(src) else "224.0.0.251"
    dmac = "33:33:00:00:00:fb" if is_v6(src) else "01:00:5e:00:00:fb"
    pkt = udp_packet(src, dst, 5353, 5353, mdns_announcement(hostname, src, services))
    return ether(pkt, src=mac_addr, dst=dmac)


def dns_query(name, qtype="A", ident=0x1234, rd=True, compress=True):
    """A standard query for name."""
    return dns_message(ident, 0x0100 if rd else 0, [(name, qtype)], compress=compress)


def dns_response(name, answers=(), qtype="A", ident=0x1234, rcode="NOERROR", ttl=300, aa=False,
                 compress=True, soa=None):
    """A response to dns_query(name, qtype). answers: [("A", "192.0.2.1"),
    ("CNAME", "x.example"), ("AAAA", "2001:db8::1"), ...] (see
    _dns_answer_list); names are compressed with pointers. rcode is a name
    or number; an NXDOMAIN answer carries an SOA of the parent zone in the
    authority section unless soa=False."""
    rc = DNS_RCODES[rcode] if isinstance(rcode, str) else rcode
    flags = 0x8000 | (0x0400 if aa else 0) | 0x0100 | 0x0080 | rc
    auth = []
    if soa or (soa is None and rc == 3):
        zone = name.split(".", 1)[1] if "." in name else name
        auth = [(zone, "SOA", ("ns1." + zone, "hostmaster." + zone, 2024010101))]
    return dns_message(ident, flags, [(name, qtype)], _dns_answer_list(name, answers), auth, ttl,
                       compress)


def dns_pointer_loop(ident=0x0BAD, kind="pair"):
    """A malicious response whose answer names loop through compression
    pointers: kind "self" (a pointer to itself) or "pair" (the answer name
    points at the CNAME target, which points back at the answer name)."""
    q = dns_message(ident, 0x8180, [("loop.example", "A")])
    hdr = bytearray(q)
    struct.pack_into(">H", hdr, 6, 1)  # ancount
    owner = len(hdr)
    if kind == "self":
        return bytes(hdr) + struct.pack(">HHHIH", 0xC000 | owner, 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    if kind != "pair":
        raise ValueError("kind is 'self' or 'pair'")
    target = owner + 2 + 10  # after the owner pointer and type/class/ttl/rdlength
    rdata = b"\x03www" + struct.pack(">H", 0xC000 | owner)
    return bytes(hdr) + struct.pack(">HHHIH", 0xC000 | target, 5, 1, 60, len(rdata)) + rdata


def dns_over_tcp(msg):
    """A DNS message behind its 2-byte length (RFC 1035 4.2.2)."""
    return struct.pack(">H", len(msg)) + msg


# ---------------------------------------------------------------------------
# HTTP/1.1 (RFC 9112)
# ---------------------------------------------------------------------------

DEFAULT_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def http_request(method="GET", host="www.example.com", url="/", user_agent=DEFAULT_UA, headers=(),
                 body=b"", version="HTTP/1.1"):
    """An HTTP request head (and body). Content-Length is added when there
    is a body or the method is POST/PUT; user_agent=None leaves it out."""
    lines = [f"{method} {url} {version}", f"Host: {host}"]
    if user_agent is not None:
        lines.append(f"User-Agent: {user_agent}")
    lines.append("Accept: */*")
    lines += [f"{k}: {v}" for k, v in headers]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_response(status=200, reason=None, body=b"", content_type="text/html", headers=()):
    reasons = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
               404: "Not Found", 500: "Internal Server Error"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Status')}", "Server: pcapgen",
             f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# ---------------------------------------------------------------------------
# HTTP/2 (RFC 9113) frames, and HPACK (RFC 7541) header blocks
# ---------------------------------------------------------------------------

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_DATA, H2_HEADERS, H2_PRIORITY, H2_RST_STREAM, H2_SETTINGS = 0, 1, 2, 3, 4
H2_PUSH_PROMISE, H2_PING, H2_GOAWAY, H2_WINDOW_UPDATE, H2_CONTINUATION = 5, 6, 7, 8, 9
H2_END_STREAM, H2_END_HEADERS, H2_PADDED, H2_PRIORITY_FLAG = 0x1, 0x4, 0x8, 0x20
# A few entries of RFC 7541 appendix A's static table.
_HPACK_STATIC = {(":method", "GET"): 2, (":method", "POST"): 3, (":path", "/"): 4,
                 (":scheme", "http"): 6, (":status", "200"): 8, (":status", "404"): 13}


def h2_frame(ftype, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + \
        (stream & 0x7FFFFFFF).to_bytes(4, "big") + payload


def h2_settings(pairs=(), ack=False):
    return h2_frame(H2_SETTINGS, 1 if ack else 0, 0,
                    b"".join(k.to_bytes(2, "big") + v.to_bytes(4, "big") for k, v in pairs))


def h2_goaway(last_stream, code=0):
    return h2_frame(H2_GOAWAY, 0, 0, last_stream.to_bytes(4, "big") + code.to_bytes(4, "big"))


def h2_rst(stream, code):
    return h2_frame(H2_RST_STREAM, 0, stream, code.to_bytes(4, "big"))


def h2_data(stream, data, end=False, pad=0):
    payload = (bytes([pad]) + data + b"\0" * pad) if pad else data
    return h2_frame(H2_DATA, (H2_END_STREAM if end else 0) | (H2_PADDED if pad else 0), stream,
                    payload)


def h2_headers(stream, block, end=False, pad=0, weight=None, split=None):
    """A HEADERS frame with the header block (padded, with a priority
    weight: the byte on the wire, one less than RFC 9113's weight); with split, the block is cut there into a CONTINUATION."""
    first, rest = (block[:split], block[split:]) if split else (block, b"")
    flags = (H2_END_STREAM if end else 0) | (0 if split else H2_END_HEADERS)
    payload = first
    if weight is not None:
        flags |= H2_PRIORITY_FLAG
        payload = (0).to_bytes(4, "big") + bytes([weight]) + payload
    if pad:
        flags |= H2_PADDED
        payload = bytes([pad]) + payload + b"\0" * pad
    out = h2_frame(H2_HEADERS, flags, stream, payload)
    if split:
        out += h2_frame(H2_CONTINUATION, H2_END_HEADERS, stream, rest)
    return out


class HpackEncoder:
    """One direction's HPACK encoder without Huffman: static table hits are
    indexed; other fields are literals with incremental indexing, and a
    field seen before is an index into the dynamic table (evicted as RFC
    7541 section 4.4 says, so a decoder's table stays in step)."""

    def __init__(self, size=4096):
        self.size, self.table = size, []

    @staticmethod
    def _int(v, prefix, first=0):
        top = (1 << prefix) - 1
        if v < top:
            return bytes([first | v])
        out, v = [first | top], v - top
        while v >= 128:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        return bytes(out + [v])

    def _str(self, s):
        b = s.encode()
        return self._int(len(b), 7) + b

    def encode(self, headers):
        out = b""
        for name, value in headers:
            if (name, value) in _HPACK_STATIC:
                out += self._int(_HPACK_STATIC[(name, value)], 7, 0x80)
            elif (name, value) in self.table:
                out += self._int(62 + self.table.index((name, value)), 7, 0x80)
            else:
                out += b"\x40" + self._str(name) + self._str(value)
                self.table.insert(0, (name, value))
                while sum(len(n) + len(v) + 32 for n, v in self.table) > self.size:
                    self.table.pop()
        return out


# ---------------------------------------------------------------------------
# TLS (RFC 8446, RFC 5246) ClientHello and friends
# ---------------------------------------------------------------------------

GREASE = tuple(0x0A0A + 0x1010 * i for i in range(16))
DEFAULT_CIPHERS = (0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
                   0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035)
DEFAULT_SIG_ALGS = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)
EXT_SNI, EXT_GROUPS, EXT_POINT_FORMATS, EXT_SIG_ALGS, EXT_ALPN = 0, 10, 11, 13, 16
EXT_PADDING, EXT_EMS, EXT_TICKET, EXT_VERSIONS, EXT_KEY_SHARE, EXT_RENEG = 21, 23, 35, 43, 51, 0xFF01


def _u8list(b):
    return bytes([len(b)]) + b


def _u16list(b):
    return struct.pack(">H", len(b)) + b


def _u16s(vals):
    return b"".join(struct.pack(">H", v) for v in vals)


def tls_records(content_type, data, version=0x0303, max_len=16384):
    """data cut into TLS records of at most max_len bytes."""
    out = b""
    for i in range(0, max(len(data), 1), max_len):
        chunk = data[i:i + max_len]
        out += struct.pack(">BHH", content_type, version, len(chunk)) + chunk
    return out


def _tls_ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def _seeded(n, *parts):
    h = hashlib.sha256(repr(parts).encode()).digest()
    while len(h) < n:
        h += hashlib.sha256(h).digest()
    return h[:n]


def tls_client_hello_handshake(sni=None, alpn=None, ciphers=DEFAULT_CIPHERS,
                               supported_versions=(0x0304, 0x0303), groups=(29, 23, 24),
                               ec_point_formats=(0,), signature_algorithms=DEFAULT_SIG_ALGS,
                               grease=False, version=0x0303, random=None, session_id=None,
                               key_share=True, extra_extensions=(), padding=None):
    """The ClientHello handshake message (type 1, 24-bit length, body).

    Every list may be empty or None to leave its extension out. grease=True
    puts RFC 8701 GREASE values where Chrome does (first cipher, first and
    last extension, first group, first version, a key share), or pass five
    values (cipher, first ext, group, version, last ext). extra_extensions:
    [(type, body)] appended before the last GREASE. padding: bytes of a
    padding extension (21) added last.
    """
    if grease is True:
        grease = (GREASE[0], GREASE[1], GREASE[2], GREASE[3], GREASE[4])
    g_cipher, g_ext1, g_group, g_ver, g_ext2 = grease if grease else (None,) * 5
    rnd = random if random is not None else _seeded(32, "random", sni, tuple(alpn or ()))
    sid = session_id if session_id is not None else _seeded(32, "sid", sni)
    cl = ([g_cipher] if g_cipher is not None else []) + list(ciphers or ())
    exts = []
    if g_ext1 is not None:
        exts.append((g_ext1, b""))
    if sni is not None:
        host = sni.encode()
        exts.append((EXT_SNI, _u16list(b"\0" + _u16list(host))))
    exts.append((EXT_EMS, b""))
    exts.append((EXT_RENEG, b"\0"))
    if groups:
        exts.append((EXT_GROUPS, _u16list(_u16s(([g_group] if g_group is not None else []) + list(groups)))))
    if ec_point_formats:
        exts.append((EXT_POINT_FORMATS, _u8list(bytes(ec_point_formats))))
    exts.append((EXT_TICKET, b""))
    if alpn:
        exts.append((EXT_ALPN, _u16list(b"".join(_u8list(p.encode()) for p in alpn))))
    if signature_algorithms:
        exts.append((EXT_SIG_ALGS, _u16list(_u16s(signature_algorithms))))
    if key_share and groups:
        shares = b""
        if g_group is not None:
            shares += struct.pack(">HH", g_group, 1) + b"\0"
        shares += struct.pack(">HH", groups[0], 32) + _seeded(32, "share", sni)
        exts.append((EXT_KEY_SHARE, _u16list(shares)))
    if supported_versions:
        exts.append((EXT_VERSIONS, _u8list(_u16s(([g_ver] if g_ver is not None else []) +
                                                  list(supported_versions)))))
    exts += list(extra_extensions)
    if g_ext2 is not None:
        exts.append((g_ext2, b"\0"))
    if padding is not None:
        exts.append((EXT_PADDING, b"\0" * padding))
    ext_bytes = b"".join(_tls_ext(t, b) for t, b in exts)
    if len(ext_bytes) > 0xFFFF:
        raise ValueError("extensions longer than 65535 bytes")
    body = (struct.pack(">H", version) + rnd + _u8list(sid) + _u16list(_u16s(cl)) + b"\x01\x00" +
            _u16list(ext_bytes))
    return struct.pack(">I", (1 << 24) | len(body)) + body


def tls_client_hello(record_version=0x0301, **kw):
    """A ClientHello in TLS handshake record(s); kw as tls_client_hello_handshake."""
    return tls_records(22, tls_client_hello_handshake(**kw), version=record_version)


def _hello_ext_len(hs):
    """The extensions-block length of a ClientHello handshake message."""
    b = hs[4:]
    i = 34 + 1 + b[34]
    i += 2 + struct.unpack(">H", b[i:i + 2])[0]
    i += 1 + b[i]
    return struct.unpack(">H", b[i:i + 2])[0]


def tls_client_hello_oversized(declared_len=70000, sni="big.example", complete=True, **kw):
    """A ClientHello whose handshake length field says declared_len (~70 KB,
    beyond one 16 KiB record and beyond 64 KiB): a long cipher list plus a
    padding extension make the body exactly that long. complete=True returns
    every record (5 of them for 70000); False only the first record, so the
    message is announced but never delivered."""
    base = tls_client_hello_handshake(sni=sni, **kw)
    need = declared_len - (len(base) - 4)
    if need < 4:
        raise ValueError("declared_len is smaller than a plain ClientHello")
    exts_len = _hello_ext_len(base)
    pad = min(need - 4, 0xFFFF - exts_len - 4)
    extra = need - 4 - pad
    if extra % 2:
        pad -= 1
        extra += 1
    n_extra = extra // 2
    ciphers = list(kw.pop("ciphers", DEFAULT_CIPHERS))
    ciphers += [0x0100 + (i % 0xF000) for i in range(n_extra)]  # unassigned values
    hs = tls_client_hello_handshake(sni=sni, ciphers=ciphers, padding=pad, **kw)
    assert len(hs) - 4 == declared_len, (len(hs) - 4, declared_len)
    recs = tls_records(22, hs, version=0x0301)
    return recs if complete else recs[:5 + 16384]


def tls_server_hello(cipher=0x1301, version=0x0303, tls13=True, alpn=None, random=None):
    """A ServerHello record (TLS 1.3 style with supported_versions and a
    key share when tls13, else plain TLS 1.2)."""
    exts = b""
    if tls13:
        exts += _tls_ext(EXT_VERSIONS, struct.pack(">H", 0x0304))
        exts += _tls_ext(EXT_KEY_SHARE, struct.pack(">HH", 29, 32) + _seeded(32, "sshare", cipher))
    if alpn:
        exts += _tls_ext(EXT_ALPN, _u16list(_u8list(alpn.encode())))
    rnd = random if random is not None else _seeded(32, "srandom", cipher)
    body = (struct.pack(">H", version) + rnd + _u8list(_seeded(32, "sid")) + struct.pack(">HB", cipher, 0) +
            _u16list(exts))
    return tls_records(22, struct.pack(">I", (2 << 24) | len(body)) + body)


def tls_server_hello_handshake(cipher=0xC02F, version=0x0303, extensions=((EXT_RENEG, b"\0"),),
                               alpn=None, supported_version=None, random=None):
    """A ServerHello handshake message (type 2, 24-bit length, body):
    extensions [(type, body)] in order, then ALPN (alpn) and
    supported_versions (supported_version) when given."""
    exts = list(extensions)
    if alpn:
        exts.append((EXT_ALPN, _u16list(_u8list(alpn.encode()))))
    if supported_version is not None:
        exts.append((EXT_VERSIONS, struct.pack(">H", supported_version)))
    rnd = random if random is not None else _seeded(32, "srandom", cipher)
    body = (struct.pack(">H", version) + rnd + _u8list(_seeded(32, "sid")) + struct.pack(">HB", cipher, 0) +
            _u16list(b"".join(_tls_ext(t, b) for t, b in exts)))
    return struct.pack(">I", (2 << 24) | len(body)) + body


def tls_certificate_handshake(ders):
    """A Certificate handshake message (type 11) carrying the DER
    certificates in ders, leaf first (RFC 5246 section 7.4.2)."""
    lst = b"".join(struct.pack(">I", len(d))[1:] + d for d in ders)
    body = struct.pack(">I", len(lst))[1:] + lst
    return struct.pack(">I", (11 << 24) | len(body)) + body


def tls_certificate_request_handshake():
    """A CertificateRequest (type 13, RFC 5246 section 7.4.4): rsa_sign
    and ecdsa_sign, two signature algorithms, no CA names."""
    body = _u8list(bytes([1, 64])) + _u16list(struct.pack(">HH", 0x0403, 0x0804)) + b"\0\0"
    return struct.pack(">I", (13 << 24) | len(body)) + body


def tls_server_flight(ders, record_max=16384, cert_request=False, **hello_kw):
    """The server's TLS 1.2 flight: ServerHello, Certificate (ders, leaf
    first), a CertificateRequest when cert_request, and ServerHelloDone,
    as one handshake stream cut into records of at most record_max bytes
    (a small record_max splits the Certificate over records)."""
    hs = (tls_server_hello_handshake(**hello_kw) + tls_certificate_handshake(ders) +
          (tls_certificate_request_handshake() if cert_request else b"") + b"\x0e\0\0\0")
    return tls_records(22, hs, max_len=record_max)


def tls_client_flight(ders=None, record_max=16384, seed="cli"):
    """The client's second TLS 1.2 flight: a Certificate when ders is not
    None (leaf first; [] is the empty list of a client without one),
    ClientKeyExchange (an ECDHE point), CertificateVerify when it sent a
    certificate, then ChangeCipherSpec and the encrypted Finished."""
    hs = b""
    if ders is not None:
        hs += tls_certificate_handshake(ders)
    point = b"\x04" + _seeded(64, "point", seed)
    hs += struct.pack(">I", (16 << 24) | (len(point) + 1)) + bytes([len(point)]) + point
    if ders:
        sig = _seeded(72, "sig", seed)
        body = struct.pack(">HH", 0x0403, len(sig)) + sig
        hs += struct.pack(">I", (15 << 24) | len(body)) + body
    return (tls_records(22, hs, max_len=record_max) + tls_change_cipher_spec() +
            tls_records(22, _seeded(40, "finished", seed)))


def ja3s(server_flight):
    """(JA3S string, MD5 hex) of the ServerHello at the start of
    server_flight (records as built here)."""
    hs = _tls_handshake_from_records(server_flight)
    if len(hs) < 4 or hs[0] != 2:
        raise ValueError("not a ServerHello")
    b = hs[4:4 + int.from_bytes(hs[1:4], "big")]
    ver = struct.unpack(">H", b[:2])[0]
    i = 34
    i += 1 + b[i]
    cipher = struct.unpack(">H", b[i:i + 2])[0]
    i += 3
    exts = []
    if i + 2 <= len(b):
        end = i + 2 + struct.unpack(">H", b[i:i + 2])[0]
        i += 2
        while i + 4 <= end:
            t, ln = struct.unpack(">HH", b[i:i + 4])
            if t not in GREASE:
                exts.append(t)
            i += 4 + ln
    s = f"{ver},{cipher}," + "-".join(str(t) for t in exts)
    return s, hashlib.md5(s.encode()).hexdigest()


def tls_change_cipher_spec():
    return tls_records(20, b"\x01")


def tls_app_data(n, seed="data"):
    """One application_data record with n opaque bytes."""
    return tls_records(23, _seeded(n, "app", seed, n))


def _tls_handshake_from_records(data):
    """The handshake bytes inside the handshake records at the start of data."""
    hs, i = b"", 0
    while i + 5 <= len(data) and data[i] == 22:
        n = struct.unpack(">H", data[i + 3:i + 5])[0]
        hs += data[i + 5:i + 5 + n]
        i += 5 + n
    return hs


def ja3(client_hello):
    """(JA3 string, MD5 hex) of a ClientHello given as TLS record bytes (as
    built here), ignoring GREASE values as JA3 does."""
    hs = _tls_handshake_from_records(client_hello)
    if len(hs) < 4 or hs[0] != 1:
        raise ValueError("not a ClientHello")
    b = hs[4:4 + int.from_bytes(hs[1:4], "big")]
    ver = struct.unpack(">H", b[:2])[0]
    i = 34
    i += 1 + b[i]
    n = struct.unpack(">H", b[i:i + 2])[0]
    ciphers = struct.unpack(f">{n // 2}H", b[i + 2:i + 2 + n])
    i += 2 + n
    i += 1 + b[i]
    ext_end = i + 2 + struct.unpack(">H", b[i:i + 2])[0]
    i += 2
    exts, groups, fmts = [], [], []
    while i + 4 <= ext_end:
        t, ln = struct.unpack(">HH", b[i:i + 4])
        body = b[i + 4:i + 4 + ln]
        if t not in GREASE:
            exts.append(t)
        if t == EXT_GROUPS:
            groups = struct.unpack(f">{(len(body) - 2) // 2}H", body[2:])
        elif t == EXT_POINT_FORMATS:
            fmts = list(body[1:])
        i += 4 + ln

    def j(vals):
        return "-".join(str(v) for v in vals if v not in GREASE)
    s = f"{ver},{j(ciphers)},{j(exts)},{j(groups)},{j(fmts)}"
    return s, hashlib.md5(s.encode()).hexdigest()


# ---------------------------------------------------------------------------
# Demo capture and indicator list
# ---------------------------------------------------------------------------

DEMO_INTEL = """\
# yagura demo indicators (pcapgen.py demo --intel); documentation ranges only.
# Matches in the demo capture:
203.0.113.66
198.51.100.0/24
evil.example
http://malware.example/payload.bin
# Present here, absent from the capture:
192.0.2.200
100.64.0.0/10
2001:db8:bad::1
phishing.invalid
badsite.example.org
http://phish.invalid/login.php
d41d8cd98f00b204e9800998ecf8427e
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
"""

# What the demo capture holds that the indicators above should flag.
DEMO_EXPECTED = [
    ("ip", "203.0.113.66", "10.1.0.13 fetches http://files.sharing.example/report.pdf from it"),
    ("cidr", "198.51.100.0/24", "10.1.0.14 opens TLS to api.tracker.example (198.51.100.23)"),
    ("domain", "evil.example", "10.1.0.12 resolves update.evil.example, then TLS with that SNI"),
    ("url", "http://malware.example/payload.bin", "10.1.20.30 (VLAN 20) downloads it"),
]


def demo_frames(start=DEFAULT_START):
    """A few hosts doing DNS lookups, then HTTP and TLS to the looked-up
    addresses (some of them listed in DEMO_INTEL), a ping, IPv6 and a
    VLAN-tagged host. Returns [(ts, frame)] sorted by time."""
    dns4, dns6 = ("10.1.0.2", 53), ("fd00:1::2", 53)
    out = []
    t = start

    def add(frames):
        out.extend(frames)

    def lookup(host, port, name, answers, qtype="A", rcode="NOERROR", vlan=None, server=dns4):
        nonlocal t
        add(dns_lookup((host, port), server, name, answers, qtype=qtype, rcode=rcode,
                       ident=(port * 7) & 0xFFFF, start=t, vlan=vlan))
        t += 0.05

    def session(host, port, addr, dport, cpay, spay, vlan=None, split=()):
        nonlocal t
        add(tcp_session((host, port), (addr, dport), client_payload=cpay, server_payload=spay,
                        split_at=split, start=t, vlan=vlan))
        t += 0.3

    # 10.1.0.11: ordinary browsing.
    lookup("10.1.0.11", 50001, "www.example.com", [("A", "192.0.2.10")])
    session("10.1.0.11", 50002, "192.0.2.10", 80,
            http_request(host="www.example.com", url="/index.html"),
            http_response(body=b"<html><body>hello</body></html>\n"))
    lookup("10.1.0.11", 50003, "static.example.com",
           [("CNAME", "cdn.example.net"), ("A", "192.0.2.20"), ("A", "192.0.2.21")])
    session("10.1.0.11", 50004, "192.0.2.20", 443,
            tls_client_hello(sni="static.example.com", alpn=["h2", "http/1.1"], grease=True),
            tls_server_hello(alpn="h2") + tls_change_cipher_spec() + tls_app_data(900))
    add(ping_exchange("10.1.0.11", "192.0.2.1", count=2, start=t))
    t += 2.1
    # 10.1.0.12: resolves a subdomain of a listed domain and talks TLS to it.
    lookup("10.1.0.12", 50010, "update.evil.example", [("A", "192.0.2.80")])
    session("10.1.0.12", 50011, "192.0.2.80", 443,
            tls_client_hello(sni="update.evil.example", alpn=["http/1.1"]),
            tls_server_hello() + tls_change_cipher_spec() + tls_app_data(300), split=(60,))
    lookup("10.1.0.12", 50012, "nosuch.example.org", [], rcode="NXDOMAIN")
    # 10.1.0.13: a listed IP behind an innocent name.
    lookup("10.1.0.13", 50020, "files.sharing.example", [("A", "203.0.113.66")])
    session("10.1.0.13", 50021, "203.0.113.66", 80,
            http_request(host="files.sharing.example", url="/report.pdf", user_agent="curl/7.88.1"),
            http_response(body=b"%PDF-1.4\n" + b"x" * 3000, content_type="application/pdf"))
    # 10.1.0.14: a listed CIDR; also a POST to an unlisted site.
    lookup("10.1.0.14", 50030, "api.tracker.example", [("A", "198.51.100.23")])
    session("10.1.0.14", 50031, "198.51.100.23", 443,
            tls_client_hello(sni="api.tracker.example", alpn=["h2"]),
            tls_server_hello(alpn="h2") + tls_app_data(200))
    session("10.1.0.14", 50032, "192.0.2.10", 80,
            http_request("POST", host="www.example.com", url="/login",
                         headers=[("Content-Type", "application/x-www-form-urlencoded")],
                         body=b"user=alice&pass=secret"),
            http_response(302, headers=[("Location", "/home")]))
    # 10.1.20.30 on VLAN 20: the listed URL.
    lookup("10.1.20.30", 50040, "malware.example", [("A", "192.0.2.99")], vlan=20)
    session("10.1.20.30", 50041, "192.0.2.99", 80,
            http_request(host="malware.example", url="/payload.bin", user_agent="Wget/1.21.3"),
            http_response(body=b"MZ" + b"\x90" * 2000, content_type="application/octet-stream"),
            vlan=20)
    # fd00:1::15: IPv6 only, unlisted; DNS over TCP too.
    lookup("fd00:1::15", 50050, "ipv6.example.net", [("AAAA", "2001:db8:20::5")], qtype="AAAA",
           server=dns6)
    session("fd00:1::15", 50051, "2001:db8:20::5", 443,
            tls_client_hello(sni="ipv6.example.net", alpn=["h2", "http/1.1"]),
            tls_server_hello(alpn="h2") + tls_app_data(500))
    add(dns_tcp_lookup(("fd00:1::15", 50052), dns6, "mail.example.net",
                       [("AAAA", "2001:db8:20::25")], qtype="AAAA", start=t))
    out.sort(key=lambda f: f[0])
    return out


def write_bad_captures(folder, start=DEFAULT_START):
    """Writes the malformed capture files into folder; returns their names."""
    os.makedirs(folder, exist_ok=True)
    frames = dns_lookup(("10.0.0.5", 40000), ("10.0.0.53", 53), "www.example.com",
                        [("A", "192.0.2.10")], start=start)
    p = lambda n: os.path.join(folder, n)  # noqa: E731
    write_pcap_truncated(p("truncated.pcap"), frames)
    write_pcap(p("snaplen0.pcap"), frames, snaplen=0)
    write_pcap(p("snaplen_small.pcap"), frames, snaplen=32)
    # 65000 is no assigned link type (tshark refuses it); 147 (USER0) is
    # assigned but has no decoder in the sensor.
    write_pcap(p("linktype_unsupported.pcap"), frames, linktype=65000)
    write_pcap(p("linktype_user0.pcap"), frames, linktype=147)
    write_pcap(p("zero_length.pcap"), [(start, b""), frames[0], Record(start + 1, b"", 60), frames[1]])
    with open(p("header_only_short.pcap"), "wb") as f:
        f.write(pcap_bytes([])[:16])
    return sorted(os.listdir(folder))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pcapgen.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="write the demo capture (and its indicator list)")
    d.add_argument("out")
    d.add_argument("--intel", help="also write the demo indicator list here")
    d.add_argument("--pcapng", action="store_true", help="write pcapng instead of pcap")
    b = sub.add_parser("bad", help="write malformed capture files into a folder")
    b.add_argument("folder")
    t = sub.add_parser("telescope", help="write a darknet telescope capture with known truth "
                                         "(telescopegen.py)")
    t.add_argument("out")
    t.add_argument("--hours", type=int, default=6, help="baseline hours before the surge")
    t.add_argument("--truth", help="write the truth (JSON) here")
    t.add_argument("--research", help="write the research-scanner list here")
    t.add_argument("--ending-now", action="store_true",
                   help="place the capture so its last minute closed just now (a hub takes "
                        "only recent windows)")
    args = ap.parse_args(argv)
    if args.cmd == "telescope":
        import telescopegen
        if args.ending_now:
            minutes = args.hours * 60 + telescopegen.SURGE_MINUTES
            telescopegen.START = int(time.time()) // 60 * 60 - 60 * (minutes + 1)
        truth = telescopegen.write(args.out, args.hours, truth_path=args.truth,
                                   research_path=args.research)
        print(f"wrote {args.out}: {truth['packets']} packets; telescope "
              f"{', '.join(truth['telescope'])}; surge on tcp/{truth['surge']['port']} "
              f"from {truth['surge']['minute']}")
        return 0
    if args.cmd == "demo":
        frames = demo_frames()
        (write_pcapng if args.pcapng else write_pcap)(args.out, frames)
        print(f"wrote {args.out}: {len(frames)} packets")
        if args.intel:
            with open(args.intel, "w") as f:
                f.write(DEMO_INTEL)
            n = sum(1 for ln in DEMO_INTEL.splitlines() if ln and not ln.startswith("#"))
            print(f"wrote {args.intel}: {n} indicators; expected matches:")
            for kind, value, why in DEMO_EXPECTED:
                print(f"  {kind:6} {value:38} {why}")
    else:
        for name in write_bad_captures(args.folder):
            print(os.path.join(args.folder, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
