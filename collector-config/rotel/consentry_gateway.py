"""consentry ingest gateway checks for Rotel (rotel-agent --otlp-with-trace-processor).

The same policy as collector-config/gateway.yaml's consentrygate processor, as a Rotel
Python processor, from the same generated rules (consentry's data manifest,
value-shapes.txt, secret-patterns.txt):

- pass the erase request (a span named ERASE_NAME, consentry's `telemetry delete`)
  with its proof only, of its shape, and nothing else;
- drop every scope that is not consentry's, spans missing a required key (a span
  without a parent, a command span, must carry the exit code), spans whose times are
  outside the window around their arrival, or that end before they start;
- keep only the keys consentry can emit, each where it can appear (resource, span,
  event), with a value of its type and range; no scope or link attributes;
- replace with ***** every string that is not of its key's shape (each element of an
  array), and the secret patterns inside tokens and free text with ****;
- bound events, links and array elements; clear status messages and trace states;
- keep a schema URL only when it is a semantic conventions release's.

Every batch that needed a correction is reported on stderr as one line with running
totals (counts and key names only, never values), e.g.
  consentry-gateway: dropped_spans=1 removed_keys=3 masked_values=2 dropped_events=0 ... (removed: host.name)

The blocks between BEGIN/END GENERATED are written by scripts/gen-gateway-allowlist.sh.
"""

import math
import re
import sys
import time
from collections import namedtuple

from rotel_sdk.open_telemetry.common.v1 import AnyValue, ArrayValue, KeyValue

Rule = namedtuple("Rule", "where type shape min max truncate scan")

# BEGIN GENERATED consentry-shapes (scripts/gen-gateway-allowlist.sh)
NAME_SHAPE = '[A-Za-z0-9][A-Za-z0-9._-]{0,63}'
SCOPE_VERSION_SHAPE = '[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}([-+][0-9A-Za-z.-]{1,32})?'
SCHEMA_URL_SHAPE = 'https://opentelemetry[.]io/schemas/[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}'
# END GENERATED consentry-shapes
# BEGIN GENERATED consentry-required-keys (scripts/gen-gateway-allowlist.sh)
REQUIRED_RESOURCE_KEYS = (
    'service.name',
)
REQUIRED_SPAN_KEYS = (
    'consentry.command',
)
REQUIRED_ROOT_KEYS = (
    'process.exit.code',
)
ERASE_NAME = 'consentry.erase'
REQUIRED_ERASE_KEYS = (
    'consentry.erasure.token',
)
# END GENERATED consentry-required-keys
# BEGIN GENERATED consentry-manifest (scripts/gen-gateway-allowlist.sh)
KEYS = {
    'app.installation.id': Rule('resource', 'str', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', None, None, 0, False),
    'code.file.path': Rule('event', 'str', '[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,15}', None, None, 256, True),
    'code.line.number': Rule('event', 'int', '', 0, 10000000, 0, False),
    'consentry.agent': Rule('resource', 'str', '[a-z][a-z0-9-]{0,31}', None, None, 0, False),
    'consentry.channel': Rule('resource', 'str', '[A-Za-z0-9][A-Za-z0-9._-]{0,63}', None, None, 0, True),
    'consentry.ci': Rule('resource', 'bool', '', None, None, 0, False),
    'consentry.ci.vendor': Rule('resource', 'str', '[A-Za-z][A-Za-z0-9_. -]{0,63}', None, None, 0, True),
    'consentry.command': Rule('span', 'str', '[(][a-z]{1,16}[)]|[A-Za-z][A-Za-z0-9_-]{0,63}( [A-Za-z][A-Za-z0-9_-]{0,63}){0,7}', None, None, 0, True),
    'consentry.command.options': Rule('span', 'strs', '-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9_.-]{0,62}|--[*]{5}', None, None, 0, False),
    'consentry.count.name': Rule('event', 'str', '[A-Za-z0-9._-]{1,64}', None, None, 0, True),
    'consentry.count.value': Rule('event', 'int', '', 0, None, 0, False),
    'consentry.erasure.commitment': Rule('resource', 'str', '[0-9a-f]{64}', None, None, 0, False),
    'consentry.erasure.token': Rule('erase', 'str', '[0-9a-f]{64}', None, None, 0, False),
    'consentry.feature.name': Rule('event', 'str', '[A-Za-z0-9._-]{1,64}', None, None, 0, True),
    'consentry.project.id': Rule('span', 'str', '[0-9a-f]{16,128}', None, None, 0, False),
    'consentry.sample.weight': Rule('resource', 'double', '', 1, 1000000, 0, False),
    'consentry.source': Rule('resource', 'str', '[A-Za-z0-9][A-Za-z0-9._-]{0,63}', None, None, 0, True),
    'consentry.stdin.terminal': Rule('span', 'bool', '', None, None, 0, False),
    'consentry.stdout.terminal': Rule('span', 'bool', '', None, None, 0, False),
    'error.type': Rule('span', 'str', '-?[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}', None, None, 0, True),
    'exception.message': Rule('event', 'str', '(?s:.*)', None, None, 1024, True),
    'exception.type': Rule('event', 'str', '[A-Za-z0-9][A-Za-z0-9_.:<>-]{0,127}', None, None, 0, True),
    'host.arch': Rule('resource', 'str', '[a-z0-9_]{1,32}', None, None, 0, False),
    'os.type': Rule('resource', 'str', '[a-z][a-z0-9_]{0,31}', None, None, 0, False),
    'os.version': Rule('resource', 'str', '[0-9][0-9A-Za-z._+~-]{0,63}', None, None, 0, True),
    'process.args_count': Rule('span', 'int', '', 0, 1048576, 0, False),
    'process.command_args': Rule('span', 'strs', '[*]{5}|--|-[A-Za-z]|--[A-Za-z][A-Za-z0-9_-]{0,39}|--[*]{5}|[A-Za-z0-9._-]{1,64}', None, None, 0, True),
    'process.executable.name': Rule('span', 'str', '[A-Za-z0-9][A-Za-z0-9._-]{0,63}', None, None, 0, True),
    'process.exit.code': Rule('span', 'int', '', -2147483648, 4294967295, 0, False),
    'process.pid': Rule('span', 'int', '', 0, 4294967295, 0, False),
    'process.runtime.name': Rule('resource', 'str', '[a-z][a-z0-9_]{0,31}', None, None, 0, False),
    'process.runtime.version': Rule('resource', 'str', '[0-9][0-9A-Za-z.+_-]{0,63}', None, None, 0, False),
    'service.instance.id': Rule('resource', 'str', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', None, None, 0, False),
    'service.name': Rule('resource', 'str', '[A-Za-z0-9][A-Za-z0-9._-]{0,63}', None, None, 0, True),
    'service.version': Rule('resource', 'str', '[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}', None, None, 0, True),
    'telemetry.distro.name': Rule('resource', 'str', '[a-z][a-z0-9._-]{0,63}', None, None, 0, False),
    'telemetry.distro.version': Rule('resource', 'str', '[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}([-+][0-9A-Za-z.-]{1,32})?', None, None, 0, False),
    'telemetry.sdk.language': Rule('resource', 'str', '[a-z][a-z0-9_]{0,15}', None, None, 0, False),
    'telemetry.sdk.name': Rule('resource', 'str', '[a-z][a-z0-9._-]{0,63}', None, None, 0, False),
    'telemetry.sdk.version': Rule('resource', 'str', '[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}([-+][0-9A-Za-z.-]{1,32})?', None, None, 0, False),
}
# END GENERATED consentry-manifest
# BEGIN GENERATED consentry-secret-patterns (scripts/gen-gateway-allowlist.sh)
SECRET_PATTERNS = (
    '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}',
    "/(home|Users)/[^ ',;]+",
    "/root(/[^ ',;]*)?",
    "~/[^ ',;]*",
    "[A-Za-z]:.{1,2}(Users|Documents and Settings).{1,2}[^',;]+",
    '[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}',
    "[A-Za-z][A-Za-z0-9+.-]*://[^/ '@:]+:[^/ '@]+@",
    'gh[pousr]_[A-Za-z0-9]{20,}',
    'github_pat_[A-Za-z0-9_]{20,}',
    'glpat-[A-Za-z0-9_-]{20,}',
    'xox[abposr]-[A-Za-z0-9-]{10,}',
    '(AKIA|ASIA)[0-9A-Z]{16}',
    'AIza[0-9A-Za-z_-]{35}',
    'sk-[A-Za-z0-9_-]{20,}',
    '[rs]k_(live|test)_[A-Za-z0-9]{16,}',
    'npm_[A-Za-z0-9]{36}',
    'pypi-[A-Za-z0-9_-]{32,}',
    'eyJ[A-Za-z0-9_-]{8,}[.][A-Za-z0-9_-]{8,}[.][A-Za-z0-9_-]*',
    '-----BEGIN [A-Z ]*PRIVATE KEY-----',
    "(?i:bearer|token|api[_-]?key|secret|passw(or)?d)[=: ]+[^ ',;]{8,}",
)
# END GENERATED consentry-secret-patterns

SCOPE = "consentry"
MASK = "*****"
SECRET_MASK = "****"
# The same limits as gateway.yaml's consentrygate (past, future, max_duration, ...).
PAST_NS = 192 * 3600 * 10**9
FUTURE_NS = 3600 * 10**9
MAX_DURATION_NS = 192 * 3600 * 10**9
MAX_EVENTS = 128
MAX_LINKS = 4
MAX_ARRAY = 256

_SECRET = re.compile("|".join(f"(?:{p})" for p in SECRET_PATTERNS))
_NAME = re.compile(NAME_SHAPE)
_SCOPE_VERSION = re.compile(SCOPE_VERSION_SHAPE)
_SCHEMA_URL = re.compile(SCHEMA_URL_SHAPE)
_SHAPES = {k: re.compile(r.shape) for k, r in KEYS.items() if r.shape}
_WHERE = {"resource": ("resource",), "span": ("span",), "event": ("event",), "span+event": ("span", "event"),
          "erase": ("erase",)}
_PLACES = {k: _WHERE[r.where] for k, r in KEYS.items()}
_COUNTS = ("dropped_spans", "removed_keys", "masked_values", "dropped_events", "dropped_links", "dropped_elements")
_totals = dict.fromkeys(_COUNTS, 0)


def _scrub(text, limit):
    """Secret patterns masked, cut to `limit` (scope versions, key names in reports)."""
    masked = _SECRET.sub(SECRET_MASK, text)
    return masked[:limit], masked != text


def _value(key, rule, s):
    """The string as it may leave, and whether it changed."""
    orig = s
    if rule.truncate and len(s.encode()) > rule.truncate:
        s = s.encode()[: rule.truncate].decode(errors="ignore")
    if not _SHAPES[key].fullmatch(s):
        return MASK, True
    if rule.scan:
        s = _SECRET.sub(SECRET_MASK, s)
    return s, s != orig


def _clean_attributes(attributes, place, batch):
    """Cleans a Rotel AttributesList in place (it cannot be replaced by a Python list):
    deletes keys consentry cannot send here and values of another type or range, masks
    strings not of their shape; counts what it changed."""
    for i in reversed(range(len(attributes))):
        kv = attributes[i]
        key = kv.key
        rule = KEYS.get(key)
        value = kv.value.value if kv.value is not None else None
        drop = True
        if rule is None or place not in _PLACES[key]:
            batch["removed"].add(key)
        elif isinstance(value, str):
            if rule.type in ("str", "token"):
                drop = False
                clean, changed = _value(key, rule, value)
                if changed:
                    batch["masked_values"] += 1
                    attributes[i] = KeyValue.new_string_value(key, clean)
        elif isinstance(value, ArrayValue):
            if rule.type == "strs":
                drop = False
                items = [v.value for v in value]
                if len(items) > MAX_ARRAY:
                    batch["dropped_elements"] += len(items) - MAX_ARRAY
                    items = items[:MAX_ARRAY]
                strs = [x for x in items if isinstance(x, str)]
                batch["dropped_elements"] += len(items) - len(strs)
                out = []
                for x in strs:
                    clean, changed = _value(key, rule, x)
                    batch["masked_values"] += changed
                    out.append(clean)
                # Rotel 0.0.1a15 writes back an array the processor has read in reverse
                # order; hand it the elements reversed so that they leave in order. The
                # end-to-end test compares the arrays with what consentry sent.
                arr = ArrayValue()
                for x in reversed(out):
                    arr.append(AnyValue(x))
                attributes[i] = KeyValue.new_array_value(key, arr)
        elif isinstance(value, bool):
            drop = rule.type not in ("bool", "token")
        elif isinstance(value, int):
            if rule.type in ("int", "token"):
                lo = rule.min if rule.min is not None else -(2**63)
                hi = rule.max if rule.max is not None else 2**63 - 1
                drop = not lo <= value <= hi
        elif isinstance(value, float):
            if rule.type == "double":
                lo = rule.min if rule.min is not None else -math.inf
                hi = rule.max if rule.max is not None else math.inf
                drop = not lo <= value <= hi  # NaN too
            else:
                drop = rule.type != "token"
        # Anything else (bytes, maps, empty values) consentry never sends.
        if drop:
            batch["removed_keys"] += 1
            del attributes[i]


def _has(attributes, keys):
    present = {kv.key for kv in attributes}
    return all(k in present for k in keys)


def _ok_name(name):
    return bool(_NAME.fullmatch(name)) and not _SECRET.search(name)


def process_spans(resource_spans):
    try:
        _process(resource_spans)
    except Exception as e:  # fail closed: forward nothing from a batch we could not check
        resource_spans.scope_spans = []
        if resource_spans.resource is not None:
            attributes = resource_spans.resource.attributes
            for i in reversed(range(len(attributes))):
                del attributes[i]
        tb = e.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        # The exception's type and line only: its message could quote a value.
        print(
            f"consentry-gateway: dropped a batch that failed the checks ({type(e).__name__} at line {tb.tb_lineno})",
            file=sys.stderr,
            flush=True,
        )


def _span(span, oldest, newest, batch):
    """Checks one span in place; False: drop it."""
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if not oldest <= start <= newest or end < start or end - start > MAX_DURATION_NS:
        batch["reasons"].add("time")
        return False
    if not any(span.trace_id) or not any(span.span_id):
        batch["reasons"].add("id")
        return False
    if span.name == ERASE_NAME:
        return _erase_request(span, batch)
    _clean_attributes(span.attributes, "span", batch)
    required = REQUIRED_SPAN_KEYS + (REQUIRED_ROOT_KEYS if not any(span.parent_span_id or b"") else ())
    if not _has(span.attributes, required):
        batch["reasons"].add("required_key")
        return False
    if not _ok_name(span.name):
        batch["masked_values"] += 1
        span.name = MASK
    span.trace_state = ""
    if span.status is not None and span.status.message:
        span.status.message = ""
    events = list(span.events)
    if len(events) > MAX_EVENTS:
        batch["dropped_events"] += len(events) - MAX_EVENTS
        events = events[:MAX_EVENTS]
    kept = []
    for event in events:
        if not oldest <= event.time_unix_nano <= newest:
            batch["dropped_events"] += 1
            continue
        if not _ok_name(event.name):
            batch["masked_values"] += 1
            event.name = MASK
        _clean_attributes(event.attributes, "event", batch)
        kept.append(event)
    span.events = kept
    links = list(span.links)
    if len(links) > MAX_LINKS:
        batch["dropped_links"] += len(links) - MAX_LINKS
        links = links[:MAX_LINKS]
    for link in links:
        attributes = link.attributes
        for i in reversed(range(len(attributes))):
            batch["removed_keys"] += 1
            del attributes[i]
        if link.trace_state:
            batch["masked_values"] += 1
            link.trace_state = ""
    span.links = links
    return True


def _erase_request(span, batch):
    """The erase request's span (consentry's `telemetry delete`): only its proof passes,
    and only of its shape (a masked token proves nothing: the span is dropped); its
    events and links go. The store erases the rows whose commitment is the token's
    SHA-256."""
    _clean_attributes(span.attributes, "erase", batch)
    values = [kv.value.value if kv.value is not None else None for kv in span.attributes]
    if not _has(span.attributes, REQUIRED_ERASE_KEYS) or any(not isinstance(v, str) or v == MASK for v in values):
        batch["reasons"].add("erase_proof")
        return False
    span.parent_span_id = b""
    span.trace_state = ""
    if span.status is not None and span.status.message:
        span.status.message = ""
    batch["dropped_events"] += len(list(span.events))
    span.events = []
    batch["dropped_links"] += len(list(span.links))
    span.links = []
    return True


def _process(resource_spans):
    batch = dict.fromkeys(_COUNTS, 0)
    batch["removed"] = set()
    batch["reasons"] = set()
    now = time.time_ns()
    oldest, newest = now - PAST_NS, now + FUTURE_NS
    resource = resource_spans.resource
    if resource is not None:
        _clean_attributes(resource.attributes, "resource", batch)
    resource_ok = resource is not None and _has(resource.attributes, REQUIRED_RESOURCE_KEYS)
    # Rotel does not write a resource's schema URL back (the scope's it does), so a
    # foreign one cannot be cleared: its spans are dropped instead.
    foreign_schema = bool(resource_spans.schema_url) and not _SCHEMA_URL.fullmatch(resource_spans.schema_url)
    kept_scopes = []
    for scope_spans in resource_spans.scope_spans:
        scope = scope_spans.scope
        spans = list(scope_spans.spans)
        if not resource_ok or foreign_schema or scope is None or scope.name != SCOPE:
            batch["dropped_spans"] += len(spans)
            batch["reasons"].add("required_key" if not resource_ok else
                                 "schema_url" if foreign_schema else "foreign_scope")
            continue
        attributes = scope.attributes
        for i in reversed(range(len(attributes))):
            batch["removed_keys"] += 1
            batch["removed"].add(attributes[i].key)
            del attributes[i]
        if scope.version and not _SCOPE_VERSION.fullmatch(scope.version):
            batch["masked_values"] += 1
            scope.version = ""
        if scope_spans.schema_url and not _SCHEMA_URL.fullmatch(scope_spans.schema_url):
            batch["masked_values"] += 1
            scope_spans.schema_url = ""
        kept_spans = []
        for span in spans:
            if _span(span, oldest, newest, batch):
                kept_spans.append(span)
            else:
                batch["dropped_spans"] += 1
        scope_spans.spans = kept_spans
        if kept_spans:
            kept_scopes.append(scope_spans)
    resource_spans.scope_spans = kept_scopes

    if any(batch[k] for k in _COUNTS):
        for k in _COUNTS:
            _totals[k] += batch[k]
        # Key names come from the client too: scrubbed, shortened, at most ten.
        removed = ", ".join(_scrub(k, 64)[0] for k in sorted(batch["removed"])[:10])
        reasons = ", ".join(sorted(batch["reasons"]))
        print(
            "consentry-gateway: "
            + " ".join(f"{k}={v}" for k, v in _totals.items())
            + (f" (dropped: {reasons})" if reasons else "")
            + (f" (removed: {removed})" if removed else ""),
            file=sys.stderr,
            flush=True,
        )
