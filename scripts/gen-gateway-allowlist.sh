#!/usr/bin/env bash
# Rewrites the generated blocks of the ingest gateway from consentry's data manifest
# (`cargo run -p consentry --example manifest -- --keys`) and from
# collector-config/secret-patterns.txt:
#
#   collector-config/gateway.yaml              allowed keys, required keys, secret patterns
#   collector-config/rotel/consentry_gateway.py the same, for Rotel's Python processor
#
# Each block sits between "BEGIN GENERATED <name>" and "END GENERATED <name>" comment
# lines; nothing outside them is touched.
#
#   scripts/gen-gateway-allowlist.sh            rewrite the blocks
#   scripts/gen-gateway-allowlist.sh --check    exit 1 (and show the diff) if they are stale
#   ... --keys-file FILE                        take the keys from FILE instead of cargo
#   ... --extra-keys FILE                       also allow the keys in FILE (one a line): the
#                                               spans and events a tool declared, named
#                                               `<tool>.<field>` (`<tool> telemetry show`
#                                               lists them; `Telemetry::declared_keys()`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
keys_file=""
extra_keys=""
while (($#)); do
  case "$1" in
    --check) check=1 ;;
    --keys-file) keys_file="$2"; shift ;;
    --extra-keys) extra_keys="$2"; shift ;;
    *) echo "usage: $0 [--check] [--keys-file FILE] [--extra-keys FILE]" >&2; exit 2 ;;
  esac
  shift
done

# Keys every consentry span carries; a span missing one is not consentry's. Each must be
# in the manifest (checked below), so a rename there fails here. `process.exit.code` is
# not among them: a span a tool declared (a phase of a command) is a child of the
# command span and has no exit code of its own, but it carries `consentry.command`.
# `consentry.install.id` is not among them either: a tool may send no install id
# (`InstallId::None`, or CI runs with `with_shared_ci_id(false)`).
required_resource="service.name"
required_span="consentry.command"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ -n "$keys_file" ]]; then
  cp "$keys_file" "$tmp/keys"
else
  (cd "$root" && cargo run -q -p consentry --example manifest -- --keys) > "$tmp/keys"
fi
if [[ -n "$extra_keys" ]]; then
  cat "$extra_keys" >> "$tmp/keys"
fi

REQUIRED_RESOURCE="$required_resource" REQUIRED_SPAN="$required_span" CHECK="$check" \
  python3 - "$root" "$tmp/keys" <<'PY'
import difflib, os, re, sys

root, keys_path = sys.argv[1], sys.argv[2]
keys = sorted({l.strip() for l in open(keys_path) if l.strip()})
if not keys:
    sys.exit("gen-gateway-allowlist: the manifest printed no keys")
for k in keys:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", k):
        sys.exit(f"gen-gateway-allowlist: unexpected key {k!r}")
req_res = os.environ["REQUIRED_RESOURCE"].split()
req_span = os.environ["REQUIRED_SPAN"].split()
for k in req_res + req_span:
    if k not in keys:
        sys.exit(f"gen-gateway-allowlist: required key {k} is not in consentry's manifest")

patterns_path = os.path.join(root, "collector-config/secret-patterns.txt")
patterns = [l.rstrip("\n") for l in open(patterns_path)]
patterns = [p for p in patterns if p.strip() and not p.startswith("#")]
for p in patterns:
    if "\\" in p or '"' in p:
        sys.exit(f"gen-gateway-allowlist: pattern {p!r} has a backslash or double quote")
    re.compile(p)  # also valid for Python (Rotel)

def yq(s):  # YAML single-quoted scalar
    return "'" + s.replace("'", "''") + "'"

combined = "|".join(f"(?:{p})" for p in patterns)

yaml_blocks = {
    "consentry-allowed-keys": ["allowed_keys:"] + [f"  - {k}" for k in keys],
    "consentry-secret-patterns": ["blocked_values:"] + [f"  - {yq(p)}" for p in patterns],
    "consentry-required-keys": [f"- {yq(f'resource.attributes[{chr(34)}{k}{chr(34)}] == nil')}" for k in req_res]
    + [f"- {yq(f'attributes[{chr(34)}{k}{chr(34)}] == nil')}" for k in req_span],
    "consentry-secret-patterns-ottl": [f"- {yq(f'replace_pattern(name, {chr(34)}{combined}{chr(34)}, {chr(34)}****{chr(34)})')}"],
}
py_blocks = {
    "consentry-allowed-keys": ["ALLOWED_KEYS = frozenset({"] + [f"    {k!r}," for k in keys] + ["})"],
    "consentry-required-keys": ["REQUIRED_RESOURCE_KEYS = ("] + [f"    {k!r}," for k in req_res] + [")",
        "REQUIRED_SPAN_KEYS = ("] + [f"    {k!r}," for k in req_span] + [")"],
    "consentry-secret-patterns": ["SECRET_PATTERNS = ("] + [f"    {p!r}," for p in patterns] + [")"],
}

def rewrite(path, blocks):
    text = open(path).read().split("\n")
    out, i, seen = [], 0, set()
    while i < len(text):
        line = text[i]
        m = re.search(r"BEGIN GENERATED (\S+)", line)
        if not m:
            out.append(line); i += 1; continue
        name = m.group(1)
        if name not in blocks:
            sys.exit(f"{path}: unknown generated block {name}")
        indent = line[: len(line) - len(line.lstrip())]
        out.append(line)
        j = i + 1
        while j < len(text) and f"END GENERATED {name}" not in text[j]:
            j += 1
        if j == len(text):
            sys.exit(f"{path}: BEGIN GENERATED {name} has no END")
        out.extend(indent + b for b in blocks[name])
        out.append(text[j])
        seen.add(name)
        i = j + 1
    missing = set(blocks) - seen
    if missing:
        sys.exit(f"{path}: missing generated blocks {sorted(missing)}")
    return "\n".join(out)

stale = False
for rel, blocks in [("collector-config/gateway.yaml", yaml_blocks),
                    ("collector-config/rotel/consentry_gateway.py", py_blocks)]:
    path = os.path.join(root, rel)
    old = open(path).read()
    new = rewrite(path, blocks)
    if old == new:
        continue
    if os.environ["CHECK"] == "1":
        stale = True
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), rel, rel + " (generated)"))
    else:
        open(path, "w").write(new)
        print(f"gen-gateway-allowlist: rewrote {rel}", file=sys.stderr)
if stale:
    sys.exit("gen-gateway-allowlist: generated blocks are stale; run scripts/gen-gateway-allowlist.sh")
PY
