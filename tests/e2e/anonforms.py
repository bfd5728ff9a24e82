"""Every form a recipient can be written in, made here independently of the
hub's C code (src/mail/anon_forms.c), and a search of JSON answers for them.

The length rules are the hub's (src/mail/anon-int.h), so the search looks
for exactly what the hub must remove:
  - an address is searched for whatever its length;
  - a local part alone: at least MIN_LOCAL bytes and not a role name;
  - a display name: at least MIN_NAME bytes;
  - a base64 form: at least MIN_B64 characters of its stable middle.
"""
import base64
import re
import urllib.parse

MIN_LOCAL = 5
MIN_NAME = 5
MIN_B64 = 6
ROLES = {"abuse", "admin", "billing", "contact", "hello", "help", "hostmaster", "info",
         "marketing", "newsletter", "noreply", "no-reply", "office", "postmaster", "root",
         "sales", "security", "service", "support", "team", "webmaster"}


def local_ok(local):
    return len(local.encode()) >= MIN_LOCAL and local.lower() not in ROLES


def name_ok(name):
    return len(name.encode()) >= MIN_NAME and "@" not in name


def b64_stable(data, shift, url=False):
    """The characters of base64(shift unknown bytes + data + more) that data
    alone determines: the part found wherever data stands in a blob."""
    enc = (base64.urlsafe_b64encode if url else base64.b64encode)(b"\0" * shift + data + b"\0\0\0")
    enc = enc.decode()
    lo, hi = 8 * shift, 8 * (shift + len(data))
    return enc[-(-lo // 6):hi // 6]


def forms(value):
    """(label, needle, exact) for every form of value: exact needles are
    searched case-sensitively (base64), the rest case-folded."""
    out = []
    raw = value.encode()
    out.append(("plain", value.lower(), False))
    pct = urllib.parse.quote(value, safe="")
    pct_all = "".join(f"%{b:02x}" for b in raw)
    out += [("percent", pct.lower(), False), ("percent-all", pct_all, False),
            ("percent2", pct.replace("%", "%25").lower(), False),
            ("percent2-all", pct_all.replace("%", "%25"), False)]
    if "@" in value:
        out += [("entity-dec", value.replace("@", "&#64;").lower(), False),
                ("entity-hex", value.replace("@", "&#x40;").lower(), False),
                ("entity-named", value.replace("@", "&commat;").lower(), False),
                ("qp", value.replace("@", "=40").lower(), False)]
    if " " in value:
        out.append(("form-plus", value.replace(" ", "+").lower(), False))
    out += [("entity-all", "".join(f"&#{b};" for b in raw), False),
            ("qp-all", "".join(f"={b:02x}" for b in raw), False)]
    for variant in {value, value.lower()}:
        vb = variant.encode()
        out.append(("hex", vb.hex(), False))
        for shift in range(3):
            for url in (False, True):
                s = b64_stable(vb, shift, url)
                if len(s) >= MIN_B64:
                    out.append((f"base64{'url' if url else ''}-{shift}", s, True))
    return out


def needles(addresses, names=(), own_domains=()):
    """(what, label, needle, exact) for the recipients' addresses, their
    local parts and names (length rules above) and own domains."""
    out = []
    for a in sorted(set(addresses)):
        vals = [a]
        local = a.split("@", 1)[0]
        if local_ok(local):
            vals.append(local)
        for v in vals:
            out += [(v, lab, n, ex) for lab, n, ex in forms(v)]
    for nm in sorted(set(names)):
        if name_ok(nm):
            out += [(nm, lab, n, ex) for lab, n, ex in forms(nm)]
    for d in own_domains:
        out += [(d, lab, n, ex) for lab, n, ex in forms(d)]
    return out


def strings(obj):
    """Every key and string value of a JSON value (but the keys of the
    report's "redactions", the names of kinds such as "recipient")."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "redactions":
                yield from (x for x in strings(v) if isinstance(v, list))
                continue
            yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)
    elif isinstance(obj, str):
        yield obj


SOFT = re.compile(r"=\r?\n")
# The hub's placeholders: a name like "recipient" is not found in them.
MARK = re.compile(r"\[(?:recipient|own-domain|internal-ip|internal-host|pii)[^\]]*\]")


def hits(obj, ndl):
    """(what, label, needle, context) of each needle found in obj's strings,
    also once quoted-printable soft line breaks are taken out."""
    found = []
    for s in strings(obj):
        s = MARK.sub("\0", s)
        views = {s, SOFT.sub("", s)}
        for v in views:
            low = v.lower()
            for what, lab, n, exact in ndl:
                i = v.find(n) if exact else low.find(n)
                if i >= 0:
                    found.append((what, lab, n, v[max(0, i - 60):i + len(n) + 60]))
    return found
