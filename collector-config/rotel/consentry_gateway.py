"""consentry ingest gateway checks for Rotel (rotel-agent --otlp-with-trace-processor).

The same policy as collector-config/gateway.yaml, as a Rotel Python processor:

- drop every scope that is not consentry's, and spans missing a required key;
- keep only the attribute keys consentry can emit (resource, scope, span and event
  attributes; generated from consentry's data manifest);
- mask values that look like e-mail addresses, tokens, credentials or home-directory
  paths (string values, array elements, span and event names) with ****;
- clear the status message, trace state and links, truncate long values.

Every batch that needed a correction is reported on stderr as one line with running
totals (counts and key names only, never values), e.g.
  consentry-gateway: dropped_spans=1 removed_keys=3 masked_values=2 (removed: host.name)

The blocks between BEGIN/END GENERATED are written by scripts/gen-gateway-allowlist.sh.
"""

import re
import sys

from rotel_sdk.open_telemetry.common.v1 import ArrayValue, KeyValue

# BEGIN GENERATED consentry-allowed-keys (scripts/gen-gateway-allowlist.sh)
ALLOWED_KEYS = frozenset({
    'consentry.command',
    'consentry.install.id',
    'error.type',
    'host.arch',
    'os.type',
    'os.version',
    'process.command_args',
    'process.executable.name',
    'process.exit.code',
    'service.name',
    'service.version',
})
# END GENERATED consentry-allowed-keys
# BEGIN GENERATED consentry-required-keys (scripts/gen-gateway-allowlist.sh)
REQUIRED_RESOURCE_KEYS = (
    'service.name',
    'consentry.install.id',
)
REQUIRED_SPAN_KEYS = (
    'consentry.command',
    'process.exit.code',
)
# END GENERATED consentry-required-keys
# BEGIN GENERATED consentry-secret-patterns (scripts/gen-gateway-allowlist.sh)
SECRET_PATTERNS = (
    '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}',
    "/(home|Users)/[^ ',;]+",
    "/root(/[^ ',;]*)?",
    "~/[^ ',;]*",
    "[A-Za-z]:.{1,2}(Users|Documents and Settings).{1,2}[^',;]+",
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
MAX_VALUE_LEN = 256
MAX_NAME_LEN = 128
MASK = "****"

_SECRET = re.compile("|".join(f"(?:{p})" for p in SECRET_PATTERNS))
_totals = {"dropped_spans": 0, "removed_keys": 0, "masked_values": 0}


def _scrub(text, limit):
    masked = _SECRET.sub(MASK, text)
    return masked[:limit], masked != text


def _clean_attributes(attributes, batch):
    """Returns the attributes to keep; counts what was removed or masked."""
    kept = []
    for kv in attributes:
        if kv.key not in ALLOWED_KEYS:
            batch["removed_keys"] += 1
            batch["removed"].add(kv.key)
            continue
        value = kv.value.value if kv.value is not None else None
        if isinstance(value, str):
            clean, masked = _scrub(value, MAX_VALUE_LEN)
            if masked:
                batch["masked_values"] += 1
            kept.append(KeyValue.new_string_value(kv.key, clean) if clean != value else kv)
        elif isinstance(value, ArrayValue):
            items = [v.value for v in value]
            if not all(isinstance(i, str) for i in items):
                batch["removed_keys"] += 1
                batch["removed"].add(kv.key)
                continue
            if any(_SECRET.search(i) for i in items):
                # Same as the otelcol gateway: the array becomes its masked text.
                batch["masked_values"] += 1
                kept.append(KeyValue.new_string_value(kv.key, _scrub(repr(items), 4 * MAX_VALUE_LEN)[0]))
            else:
                kept.append(kv)
        elif isinstance(value, (bool, int, float)):
            kept.append(kv)
        else:
            # Bytes, maps, empty values: consentry never sends them.
            batch["removed_keys"] += 1
            batch["removed"].add(kv.key)
    return kept


def _has(attributes, key):
    return any(kv.key == key for kv in attributes)


def process_spans(resource_spans):
    batch = {"dropped_spans": 0, "removed_keys": 0, "masked_values": 0, "removed": set()}
    resource = resource_spans.resource
    resource_ok = resource is not None and all(_has(resource.attributes, k) for k in REQUIRED_RESOURCE_KEYS)
    kept_scopes = []
    for scope_spans in resource_spans.scope_spans:
        scope = scope_spans.scope
        spans = list(scope_spans.spans)
        if not resource_ok or scope is None or scope.name != SCOPE:
            batch["dropped_spans"] += len(spans)
            continue
        scope.attributes = _clean_attributes(scope.attributes, batch)
        scope.version = (scope.version or "")[:64]
        kept_spans = []
        for span in spans:
            if not all(_has(span.attributes, k) for k in REQUIRED_SPAN_KEYS):
                batch["dropped_spans"] += 1
                continue
            span.attributes = _clean_attributes(span.attributes, batch)
            span.name, masked = _scrub(span.name, MAX_NAME_LEN)
            batch["masked_values"] += masked
            span.trace_state = ""
            span.links = []
            if span.status is not None and span.status.message:
                span.status.message = ""
            for event in span.events:
                event.name, masked = _scrub(event.name, MAX_NAME_LEN)
                batch["masked_values"] += masked
                event.attributes = _clean_attributes(event.attributes, batch)
            kept_spans.append(span)
        scope_spans.spans = kept_spans
        if kept_spans:
            kept_scopes.append(scope_spans)
    resource_spans.scope_spans = kept_scopes
    if resource is not None:
        resource.attributes = _clean_attributes(resource.attributes, batch)

    if batch["dropped_spans"] or batch["removed_keys"] or batch["masked_values"]:
        for k in _totals:
            _totals[k] += batch[k]
        removed = ", ".join(sorted(batch["removed"]))
        print(
            "consentry-gateway: "
            + " ".join(f"{k}={v}" for k, v in _totals.items())
            + (f" (removed: {removed})" if removed else ""),
            file=sys.stderr,
            flush=True,
        )
