"""Erasure on the file store (the collector's `file` exporter output the answers read):
`python3 -m answers erase --store DIR`.

consentry's `telemetry delete` sends an erase request: a span named `consentry.erase`
carrying `consentry.erasure.token`. Every span of that install carries
`consentry.erasure.commitment`, the SHA-256 of the token's text, and only the install
(which holds the key the token is derived from) can make the token. The reader
(`otlp.py`) already leaves such spans out of every answer as soon as the request is
stored; this command removes them from the files:

1. reads every file, collecting the commitments the erase requests prove and those the
   ledger already names;
2. appends each new commitment (never the token) to the ledger
   (`consentry-erasures.jsonl` beside the store's files, one `{"consentryErasure":
   {"commitment": ..., "erasedAtUnixNano": ...}}` a line), which the reader takes as
   erased too, so a span of an erased install stored later is never counted;
3. rewrites each file that holds an erased span or an erase request without them
   (temp file and rename, so a reader sees the old file or the new one), leaving every
   other line byte for byte, lines it cannot read included.

A forged token hashes to a commitment no span carries and erases nothing; a replayed
request adds nothing to the ledger. The file the collector is writing now (`--keep`,
the `CONSENTRY_FILE_PATH` of `forward-file.yaml`) must not be rewritten under it: its
rows are left out of the answers at once, and erased from disk by the first run after
it rotates.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from . import otlp

LEDGER = "consentry-erasures.jsonl"


def _commitment_of_resource(rs: dict) -> str | None:
    attrs = otlp._attrs(((rs.get("resource") or {}).get("attributes")))[0]
    return attrs.get(otlp.ERASURE_COMMITMENT)


def _without(doc: dict, erased: set) -> tuple[dict | None, int, int]:
    """The request without erased spans and erase requests: (what is left or None, spans
    erased, erase requests removed)."""
    erased_spans = requests = 0
    kept_rs = []
    for rs in doc.get("resourceSpans") or []:
        if not isinstance(rs, dict):
            kept_rs.append(rs)
            continue
        gone = _commitment_of_resource(rs) in erased
        kept_ss = []
        for ss in rs.get("scopeSpans") or []:
            spans = (ss.get("spans") or []) if isinstance(ss, dict) else []
            keep = []
            for span in spans:
                if isinstance(span, dict) and span.get("name") == otlp.ERASE_SPAN:
                    requests += 1
                elif gone:
                    erased_spans += 1
                else:
                    keep.append(span)
            if keep or not spans:
                if isinstance(ss, dict):
                    ss = {**ss, "spans": keep}
                kept_ss.append(ss)
        if kept_ss:
            kept_rs.append({**rs, "scopeSpans": kept_ss})
    if not kept_rs:
        return None, erased_spans, requests
    return {**doc, "resourceSpans": kept_rs}, erased_spans, requests


def _rewrite(path: str, erased: set) -> tuple[int, int]:
    """Rewrites `path` without erased spans and erase requests, when it holds any."""
    out, changed, spans, requests = [], False, 0, 0
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        for line in f:
            try:
                doc = json.loads(line) if len(line) <= otlp.MAX_LINE_CHARS else None
            except (ValueError, RecursionError):
                doc = None
            if not isinstance(doc, dict) or "resourceSpans" not in doc:
                out.append(line)  # not ours to judge: kept as it is
                continue
            try:
                left, s, r = _without(doc, erased)
            except (TypeError, AttributeError):
                out.append(line)
                continue
            if not s and not r:
                out.append(line)
                continue
            changed, spans, requests = True, spans + s, requests + r
            if left is not None:
                out.append(json.dumps(left, separators=(",", ":")) + "\n")
    if changed:
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".erase-", dir=d)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
                f.writelines(out)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return spans, requests


def erase(store, ledger: str | None = None, keep=()) -> dict:
    """Applies every erase request in `store` (files, directories, glob patterns, as
    `report --input` takes them). Returns what it did."""
    files = otlp.input_files(store)
    if ledger is None:
        first = store if isinstance(store, (str, os.PathLike)) else store[0]
        first = os.fspath(first)
        base = first if os.path.isdir(first) else os.path.dirname(os.path.abspath(files[0] if files else first))
        ledger = os.path.join(base, LEDGER)
    ledger = os.path.abspath(ledger)
    keep = {os.path.abspath(k) for k in keep}
    files = [os.path.abspath(f) for f in files]
    ledger_exists = os.path.isfile(ledger)
    _, skipped = otlp.read_paths(files + ([ledger] if ledger_exists and ledger not in files else []))
    known = otlp.read_paths(ledger)[1].erased if ledger_exists else set()
    new = sorted(skipped.erased - known)
    if new:
        now = time.time_ns()
        with open(ledger, "a", encoding="utf-8") as f:
            for c in new:
                f.write(json.dumps({otlp.LEDGER_KEY: {"commitment": c, "erasedAtUnixNano": str(now)}},
                                   separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
    erased_spans = requests = 0
    for path in files:
        if path == ledger or path in keep:
            continue
        s, r = _rewrite(path, skipped.erased)
        erased_spans, requests = erased_spans + s, requests + r
    return {"new_commitments": len(new), "erased_spans": erased_spans, "erase_requests_removed": requests,
            "ledger": ledger, "kept_files": sorted(keep)}
