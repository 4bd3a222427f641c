#!/usr/bin/env bash
# Rewrites the generated blocks of the ingest gateway from consentry's data manifest
# (`cargo run -p consentry --example manifest -- --keys`), from
# collector-config/value-shapes.txt (where each key may appear, its type and the shape
# of its values) and from collector-config/secret-patterns.txt:
#
#   collector-config/gateway.yaml              processor consentrygate: keys, required
#                                              keys, shapes, secret patterns
#   collector-config/rotel/consentry_gateway.py the same, for Rotel's Python processor
#
# Each block sits between "BEGIN GENERATED <name>" and "END GENERATED <name>" comment
# lines; nothing outside them is touched. A manifest key without a shape, or a shape
# for a key the manifest does not have, fails (and --check prints it).
#
#   scripts/gen-gateway-allowlist.sh            rewrite the blocks
#   scripts/gen-gateway-allowlist.sh --check    exit 1 (and show the diff) if they are stale
#   ... --keys-file FILE                        take the keys from FILE instead of cargo
#   ... --no-cargo                              take them from value-shapes.txt (CI keeps its
#                                               keys equal to the manifest): for an operator
#                                               without a Rust toolchain, instant
#   ... --extra-keys FILE                       also allow the keys in FILE (one a line): the
#                                               spans and events a tool declared, named
#                                               `<tool>.<field>` (`<tool> telemetry show`
#                                               lists them; `Telemetry::declared_keys()`),
#                                               with the @declared rule of value-shapes.txt
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
keys_file=""
extra_keys=""
while (($#)); do
  case "$1" in
    --check) check=1 ;;
    --keys-file) keys_file="$2"; shift ;;
    --no-cargo) keys_file="-" ;;
    --extra-keys) extra_keys="$2"; shift ;;
    *) echo "usage: $0 [--check] [--keys-file FILE | --no-cargo] [--extra-keys FILE]" >&2; exit 2 ;;
  esac
  shift
done

# Keys every consentry span carries; a span missing one is not consentry's. Each must be
# in the manifest (checked below), so a rename there fails here. A span a tool declared
# (a phase of a command) is a child of the command span and has no exit code of its
# own, but it carries `consentry.command`; a span without a parent is a command span
# and must carry `process.exit.code` too. `app.installation.id` is not required: a
# tool may send no install id (`InstallId::None`, or CI runs with
# `with_shared_ci_id(false)`).
required_resource="service.name"
required_span="consentry.command"
required_root="process.exit.code"
# The erase request (`<tool> telemetry delete`): a span of this name (consentry's
# `manifest::ERASE_SPAN`) keeps only the keys whose `where` is `erase` and must carry
# these, each of its shape; no other span may carry them.
erase_name="consentry.erase"
required_erase="consentry.erasure.token"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ "$keys_file" == "-" ]]; then
  sed -nE 's/^([A-Za-z0-9_.-]+) *[|].*/\1/p' "$root/collector-config/value-shapes.txt" > "$tmp/keys"
elif [[ -n "$keys_file" ]]; then
  cp "$keys_file" "$tmp/keys"
else
  (cd "$root" && cargo run -q -p consentry --example manifest -- --keys) > "$tmp/keys"
fi
touch "$tmp/extra"
if [[ -n "$extra_keys" ]]; then
  cp "$extra_keys" "$tmp/extra"
fi

REQUIRED_RESOURCE="$required_resource" REQUIRED_SPAN="$required_span" REQUIRED_ROOT="$required_root" \
  ERASE_NAME="$erase_name" REQUIRED_ERASE="$required_erase" \
  CHECK="$check" python3 - "$root" "$tmp/keys" "$tmp/extra" <<'PY'
import difflib, os, re, sys

root, keys_path, extra_path = sys.argv[1], sys.argv[2], sys.argv[3]
keys = sorted({l.strip() for l in open(keys_path) if l.strip()})
extra = sorted({l.strip() for l in open(extra_path) if l.strip()} - set(keys))
if not keys:
    sys.exit("gen-gateway-allowlist: the manifest printed no keys")
for k in keys + extra:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", k):
        sys.exit(f"gen-gateway-allowlist: unexpected key {k!r}")
req_res = os.environ["REQUIRED_RESOURCE"].split()
req_span = os.environ["REQUIRED_SPAN"].split()
req_root = os.environ["REQUIRED_ROOT"].split()
erase_name = os.environ["ERASE_NAME"]
req_erase = os.environ["REQUIRED_ERASE"].split()
for k in req_res + req_span + req_root + req_erase:
    if k not in keys:
        sys.exit(f"gen-gateway-allowlist: required key {k} is not in consentry's manifest")

# value-shapes.txt: key | where | type | options | shape
shapes = {}
for n, line in enumerate(open(os.path.join(root, "collector-config/value-shapes.txt")), 1):
    if not line.strip() or line.startswith("#"):
        continue
    parts = [p.strip() for p in line.rstrip("\n").split("|", 4)]
    if len(parts) != 5:
        sys.exit(f"value-shapes.txt:{n}: expected key | where | type | options | shape")
    key, where, typ, opts, shape = parts
    rule = {"where": where, "type": typ, "shape": shape}
    for o in opts.split():
        name, _, val = o.partition("=")
        if name in ("min", "max", "truncate"):
            rule[name] = int(val)
        elif name == "scan" and not val:
            rule["scan"] = True
        else:
            sys.exit(f"value-shapes.txt:{n}: unknown option {o!r}")
    if typ not in ("str", "strs", "int", "double", "bool", "token"):
        sys.exit(f"value-shapes.txt:{n}: unknown type {typ!r}")
    if (typ in ("str", "strs", "token")) != bool(shape):
        sys.exit(f"value-shapes.txt:{n}: strings need a shape, other types none")
    if shape:
        re.compile(shape)  # Python (Rotel); RE2 checks it when the collector validates
    shapes[key] = rule
missing = [k for k in keys if k not in shapes]
unknown = [k for k in shapes if not k.startswith("@") and k not in keys]
if missing or unknown:
    # On stdout too: --check shows what to add.
    msg = (f"gen-gateway-allowlist: manifest keys without a shape in value-shapes.txt: {missing}; "
           f"shapes for keys the manifest does not have: {unknown}")
    print(msg)
    sys.exit(msg)
declared = shapes["@declared"]
rules = [(k, shapes[k]) for k in keys] + [(k, declared) for k in extra]

patterns_path = os.path.join(root, "collector-config/secret-patterns.txt")
patterns = [l.rstrip("\n") for l in open(patterns_path)]
patterns = [p for p in patterns if p.strip() and not p.startswith("#")]
for p in patterns:
    if "\\" in p or '"' in p:
        sys.exit(f"gen-gateway-allowlist: pattern {p!r} has a backslash or double quote")
    re.compile(p)  # also valid for Python (Rotel)

def yq(s):  # YAML single-quoted scalar
    return "'" + s.replace("'", "''") + "'"

def yaml_rule(k, r):
    fields = [f"key: {k}", f"where: {r['where']}", f"type: {r['type']}"]
    if r["shape"]:
        fields.append(f"shape: {yq(r['shape'])}")
    for o in ("min", "max", "truncate"):
        if o in r:
            fields.append(f"{o}: {r[o]}")
    if r.get("scan"):
        fields.append("scan: true")
    return "  - {" + ", ".join(fields) + "}"

def py_rule(k, r):
    return (f"    {k!r}: Rule({r['where']!r}, {r['type']!r}, {r['shape']!r}, {r.get('min')!r}, "
            f"{r.get('max')!r}, {r.get('truncate', 0)!r}, {bool(r.get('scan'))!r}),")

yaml_blocks = {
    "consentry-manifest": ["keys:"] + [yaml_rule(k, r) for k, r in rules],
    "consentry-secret-patterns": ["secret_patterns:"] + [f"  - {yq(p)}" for p in patterns],
    "consentry-required-keys": [f"required_resource: [{', '.join(req_res)}]",
                                f"required_span: [{', '.join(req_span)}]",
                                f"required_root: [{', '.join(req_root)}]",
                                f"erase_name: {erase_name}",
                                f"required_erase: [{', '.join(req_erase)}]"],
    "consentry-shapes": [f"name: {yq(shapes['@name']['shape'])}",
                         f"scope_version: {yq(shapes['@scope.version']['shape'])}",
                         f"schema_url: {yq(shapes['@schema_url']['shape'])}"],
}
py_blocks = {
    "consentry-manifest": ["KEYS = {"] + [py_rule(k, r) for k, r in rules] + ["}"],
    "consentry-required-keys": ["REQUIRED_RESOURCE_KEYS = ("] + [f"    {k!r}," for k in req_res] + [")",
        "REQUIRED_SPAN_KEYS = ("] + [f"    {k!r}," for k in req_span] + [")",
        "REQUIRED_ROOT_KEYS = ("] + [f"    {k!r}," for k in req_root] + [")",
        f"ERASE_NAME = {erase_name!r}",
        "REQUIRED_ERASE_KEYS = ("] + [f"    {k!r}," for k in req_erase] + [")"],
    "consentry-secret-patterns": ["SECRET_PATTERNS = ("] + [f"    {p!r}," for p in patterns] + [")"],
    "consentry-shapes": [f"NAME_SHAPE = {shapes['@name']['shape']!r}",
                         f"SCOPE_VERSION_SHAPE = {shapes['@scope.version']['shape']!r}",
                         f"SCHEMA_URL_SHAPE = {shapes['@schema_url']['shape']!r}"],
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
