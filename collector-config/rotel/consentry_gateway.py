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

from rotel_sdk.open_telemetry.common.v1 import AnyValue, ArrayValue, KeyValue

# BEGIN GENERATED consentry-allowed-keys (scripts/gen-gateway-allowlist.sh)
ALLOWED_KEYS = frozenset({
    'code.file.path',
    'code.line.number',
    'consentry.agent',
    'consentry.channel',
    'consentry.ci',
    'consentry.ci.vendor',
    'consentry.command',
    'consentry.command.options',
    'consentry.count.name',
    'consentry.count.value',
    'consentry.feature.name',
    'consentry.install.id',
    'consentry.project.id',
    'consentry.session.id',
    'consentry.source',
    'consentry.stdout.terminal',
    'error.type',
    'exception.message',
    'exception.type',
    'host.arch',
    'os.type',
    'os.version',
    'process.args_count',
    'process.command_args',
    'process.executable.name',
    'process.exit.code',
    'process.interactive',
    'process.pid',
    'process.runtime.name',
    'process.runtime.version',
    'service.name',
    'service.version',
})
# END GENERATED consentry-allowed-keys
# BEGIN GENERATED consentry-required-keys (scripts/gen-gateway-allowlist.sh)
REQUIRED_RESOURCE_KEYS = (
    'service.name',
)
REQUIRED_SPAN_KEYS = (
    'consentry.command',
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
    """Cleans a Rotel AttributesList in place (it cannot be replaced by a Python list):
    deletes keys consentry cannot send, masks secrets; counts what it changed."""
    for i in reversed(range(len(attributes))):
        kv = attributes[i]
        value = kv.value.value if kv.value is not None else None
        if kv.key not in ALLOWED_KEYS:
            drop = True
        elif isinstance(value, str):
            clean, masked = _scrub(value, MAX_VALUE_LEN)
            if masked:
                batch["masked_values"] += 1
            if clean != value:
                attributes[i] = KeyValue.new_string_value(kv.key, clean)
            drop = False
        elif isinstance(value, ArrayValue):
            items = [v.value for v in value]
            drop = not all(isinstance(x, str) for x in items)
            if not drop and any(_SECRET.search(x) for x in items):
                # Same as the otelcol gateway: the array becomes its masked text.
                batch["masked_values"] += 1
                attributes[i] = KeyValue.new_string_value(kv.key, _scrub(repr(items), 4 * MAX_VALUE_LEN)[0])
            elif not drop:
                # Rotel 0.0.1a15 writes back an array the processor has read in reverse
                # order; hand it the elements reversed so that they leave in order. The
                # end-to-end test compares the arrays with what consentry sent.
                arr = ArrayValue()
                for x in reversed(items):
                    arr.append(AnyValue(x))
                attributes[i] = KeyValue.new_array_value(kv.key, arr)
        else:
            # Numbers and booleans pass; bytes, maps and empty values consentry never sends.
            drop = not isinstance(value, (bool, int, float))
        if drop:
            batch["removed_keys"] += 1
            batch["removed"].add(kv.key)
            del attributes[i]


def _has(attributes, key):
    return any(kv.key == key for kv in attributes)


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


def _process(resource_spans):
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
        _clean_attributes(scope.attributes, batch)
        version, masked = _scrub(scope.version or "", 64)
        batch["masked_values"] += masked
        if version != (scope.version or ""):
            scope.version = version
        kept_spans = []
        for span in spans:
            if not all(_has(span.attributes, k) for k in REQUIRED_SPAN_KEYS):
                batch["dropped_spans"] += 1
                continue
            _clean_attributes(span.attributes, batch)
            span.name, masked = _scrub(span.name, MAX_NAME_LEN)
            batch["masked_values"] += masked
            span.trace_state = ""
            span.links = []
            if span.status is not None and span.status.message:
                span.status.message = ""
            for event in span.events:
                event.name, masked = _scrub(event.name, MAX_NAME_LEN)
                batch["masked_values"] += masked
                _clean_attributes(event.attributes, batch)
            kept_spans.append(span)
        scope_spans.spans = kept_spans
        if kept_spans:
            kept_scopes.append(scope_spans)
    resource_spans.scope_spans = kept_scopes
    if resource is not None:
        _clean_attributes(resource.attributes, batch)

    if batch["dropped_spans"] or batch["removed_keys"] or batch["masked_values"]:
        for k in _totals:
            _totals[k] += batch[k]
        # Key names come from the client too: scrubbed, shortened, at most ten.
        removed = ", ".join(_scrub(k, 64)[0] for k in sorted(batch["removed"])[:10])
        print(
            "consentry-gateway: "
            + " ".join(f"{k}={v}" for k, v in _totals.items())
            + (f" (removed: {removed})" if removed else ""),
            file=sys.stderr,
            flush=True,
        )
