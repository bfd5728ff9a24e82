"""Validates EVE events against Suricata's own EVE schema
(../shared/data/eve/suricata-eve-schema.json, the file Suricata's CI checks
every record with), so a field name or value format that drifts from
Suricata's shows up in every e2e test that writes EVE, not only in the
conformance runner.

Events of a type Suricata defines are checked against Suricata's schema:
it has one top-level object per event type (dns, flow, tls, ...), so a
type is Suricata's when the schema has a property of that name. yagura's
own types (yagura_stats, ...) are not Suricata's to judge: assert_valid
checks them against the repository's own schema
(src/output/eve-yagura.schema.json).

The schema is GPL-2.0 and stays where it is: it is read from the shared
data folder and never copied into the repository."""
import functools
import json

from conftest import ROOT, SHARED_DATA

SCHEMA_PATH = SHARED_DATA / "eve" / "suricata-eve-schema.json"
# yagura's own event types (yagura_stats, ...) have a schema of their own
# in the repository, documented with the README's EVE section.
YAGURA_SCHEMA_PATH = ROOT / "src" / "output" / "eve-yagura.schema.json"


def available():
    """Whether validation can run (schema present, jsonschema installed)."""
    if not SCHEMA_PATH.is_file():
        return False
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft7Validator(schema), frozenset(schema.get("properties", {}))


@functools.lru_cache(maxsize=1)
def _yagura_validator():
    import jsonschema
    return jsonschema.Draft7Validator(json.loads(YAGURA_SCHEMA_PATH.read_text()))


def yagura_errors(event):
    """Errors of an event of a type only yagura has, against the
    repository's own schema."""
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:200]}"
            for e in _yagura_validator().iter_errors(event)]


def is_suricata_type(event_type):
    return event_type in _validator()[1]


def errors(event):
    """Schema errors of one event as short strings; [] when it validates or
    when its type is not one of Suricata's."""
    v, types = _validator()
    if event.get("event_type") not in types:
        return []
    out = []
    for err in v.iter_errors(event):
        path = ".".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{path}: {err.message[:200]}")
    return out


def count(events):
    """(checked, valid) over the events of Suricata's types."""
    checked = valid = 0
    for e in events:
        if not is_suricata_type(e.get("event_type")):
            continue
        checked += 1
        valid += not errors(e)
    return checked, valid


# Types whose move to the schema is still under way: assert_valid leaves
# them out (count() does not). Empty it as each type is done.
PENDING = set()


def assert_valid(events, where=""):
    """Fails with the first few schema errors of events of Suricata's types.
    Does nothing (silently) when the schema or jsonschema is absent: the
    tests that need validation say so themselves through available()."""
    if not available():
        return
    bad = []
    for n, e in enumerate(events):
        if e.get("event_type") in PENDING:
            continue
        errs = errors(e) if is_suricata_type(e.get("event_type")) else yagura_errors(e)
        if errs:
            bad.append(f"event {n} ({e.get('event_type')}): " + "; ".join(errs[:3]))
    assert not bad, f"{where}: {len(bad)} EVE event(s) do not validate against " \
                    f"Suricata's schema:\n" + "\n".join(bad[:10])
