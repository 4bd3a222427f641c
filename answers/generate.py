"""A seeded generator of realistic consentry runs, with the ground truth kept.

Every run is a plain record (a dict) that `truth.py` answers the questions from in
Python, and `otlp_lines` writes as the collector's file exporter stores it (OTLP JSON,
one export request per line), so the SQL is checked against an independent answer.

What it models: installs arriving at a growing rate and churning, three releases
rolling out with a lag (some installs never upgrade), platforms, CI and IDE shares,
declared option values, feature events (one feature launched with 1.2.0), an error
burst in one command on one release, a few panics and abandoned (Ctrl-C) runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from dataclasses import dataclass

DAY_NS = 86_400 * 1_000_000_000
# The semantic conventions release consentry's names follow (its manifest::SCHEMA_URL).
SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
# 2026-06-01, a Monday: day 0 of the generated period.
START_NS = 1_780_272_000 * 1_000_000_000


def days_ago(days: int) -> int:
    """Midnight (UTC) `days` days before today, in ns: a start for runs that a gateway
    accepts now (it drops spans older than its window, 8 days by default)."""
    import time

    return (time.time_ns() // DAY_NS - days) * DAY_NS

RELEASES = [("1.0.0", -30), ("1.1.0", 21), ("1.2.0", 49)]
OSES = [("linux", "6.1.0-18-amd64", 0.55), ("darwin", "24.1.0", 0.30), ("windows", "10.0.22631", 0.15)]
ARCHES = [("amd64", 0.7), ("arm64", 0.3)]
SOURCES = [("cli", 0.85), ("vscode", 0.15)]
CHANNELS = [("cargo", 0.4), ("brew", 0.35), ("binary", 0.25)]
CI_VENDORS = [("GitHubActions", 0.7), ("GitLabCI", 0.3)]
# consentry.agent values of runs a coding agent started (about a tenth of installs).
AGENTS = ["claude-code", "cursor", "codex", "other"]


@dataclass(frozen=True)
class Settings:
    """How much to generate."""

    seed: int = 7
    installs: int = 300
    days: int = 70
    start_ns: int = START_NS
    # The share of installs outside CI whose tool sends no install id (InstallId::None).
    without_id: float = 0.0


def _pick(rng: random.Random, table):
    r = rng.random()
    acc = 0.0
    for row in table:
        acc += row[-1]
        if r < acc:
            return row[:-1] if len(row) > 2 else row[0]
    return table[-1][:-1] if len(table[-1]) > 2 else table[-1][0]


def _hex(rng: random.Random, nbytes: int) -> str:
    return "".join(f"{rng.getrandbits(8):02x}" for _ in range(nbytes))


def _version_on(day: int, lag: int, never_after: str | None) -> str:
    current = RELEASES[0][0]
    for version, released in RELEASES:
        if day >= released + lag:
            current = version
        if version == never_after:
            break
    return current


def _command(rng: random.Random, version: str, ci: bool):
    """A command, its masked argv, option names and feature events."""
    commands = ["add", "list", "done"] + (["export"] if version >= "1.2.0" else [])
    weights = [0.4, 0.3, 0.2] + ([0.15] if version >= "1.2.0" else [])
    command = rng.choices(commands, weights)[0]
    args, options, features = ["taskr", command], [], []
    if command == "add":
        args.append("*****")
        if rng.random() < 0.5:
            args += ["--priority", rng.choice(["low", "normal", "high"])]
            options.append("--priority")
        if version >= "1.1.0" and rng.random() < 0.4:
            args += ["--tag", "*****"]
            options.append("--tag")
            features.append("tags")
    elif command == "list":
        if rng.random() < 0.3:
            args.append("--all")
            options.append("--all")
        if rng.random() < 0.2:
            args += ["--priority", rng.choice(["low", "high"])]
            options.append("--priority")
    elif command == "done":
        args.append("*****")
    else:
        fmt = rng.choice(["json", "csv"]) if not ci else "json"
        args += ["--format", fmt]
        options.append("--format")
        features.append("export")
    return command, args, options, features


def _outcome(rng: random.Random, command: str, version: str, day: int):
    """(exit code, error type, panicked)."""
    if version == "1.1.0" and command == "list" and 30 <= day <= 33 and rng.random() < 0.4:
        return 2, "ConfigParse", False
    if version == "1.1.0" and rng.random() < 0.005:
        return 101, "panic", True
    if rng.random() < 0.01:
        return 130, rng.choice(["abandoned", "canceled"]), False
    if command == "done" and rng.random() < 0.08:
        return 3, "NotFound", False
    # A tool may declare 1 a success ("list" matched nothing, as grep's 1; see
    # examples/greppy): consentry then sets no error.type and it is not a failure.
    # Drawn from the day, not the generator's random stream, so every
    # other run stays what it was.
    if command == "list" and day % 9 == 4:
        return 1, "", False
    return 0, "", False


def runs(settings: Settings = Settings()) -> list[dict]:
    """Every generated run, in time order."""
    rng = random.Random(settings.seed)
    out = []
    for _ in range(settings.installs):
        # Arrivals grow over the period: later days are likelier first days.
        first = int(settings.days * (rng.random() ** 0.6))
        life = int(rng.expovariate(1 / 35)) + 1
        ci = rng.random() < 0.15
        install = {
            "install_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "os": None,
            "ci": ci,
            "ci_vendor": _pick(rng, CI_VENDORS) if ci else "",
            "source": "cli" if ci else _pick(rng, SOURCES),
            "channel": _pick(rng, CHANNELS),
            "arch": _pick(rng, ARCHES),
        }
        install["os"], install["os_version"] = _pick(rng, OSES)
        # Drawn from the id, not the seeded stream, so every other value stays as it was.
        h = hashlib.sha256(install["install_id"].encode()).digest()
        install["agent"] = "none" if ci or h[0] >= 26 else AGENTS[h[1] % len(AGENTS)]
        if not ci and h[2] < settings.without_id * 256:
            install["install_id"] = ""
        lag = int(rng.expovariate(1 / 6))
        never_after = "1.0.0" if rng.random() < 0.12 else None
        active_p = 0.9 if ci else 0.35
        for day in range(first, min(first + life, settings.days)):
            if rng.random() >= active_p:
                continue
            version = _version_on(day, lag, never_after)
            for _ in range(rng.randint(1, 8 if ci else 4)):
                command, args, options, features = _command(rng, version, ci)
                code, error, panicked = _outcome(rng, command, version, day)
                start = settings.start_ns + day * DAY_NS + rng.randrange(DAY_NS)
                base = {"add": 40, "list": 25, "done": 30, "export": 400}[command]
                ms = rng.lognormvariate(0, 0.5) * base * (0.8 if version == "1.2.0" else 1.0)
                out.append({
                    **install,
                    "version": version,
                    "instance_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "trace_id": _hex(rng, 16),
                    "span_id": _hex(rng, 8),
                    "start_ns": start,
                    "duration_ns": int(ms * 1_000_000) + 1,
                    "command": command,
                    "args": args,
                    "options": options,
                    "features": features,
                    "exit_code": code,
                    "error_type": error,
                    "panicked": panicked,
                })
                # A person's terminal, unless CI or an agent ran it or the output was
                # piped (a third of the rest); from the span id, not the seeded stream.
                piped = int(out[-1]["span_id"][:2], 16) % 3 == 0
                out[-1]["stdout_terminal"] = not ci and install["agent"] == "none" and not piped
    out.sort(key=lambda r: (r["start_ns"], r["span_id"]))
    return out


def erasure_token(install_id: str) -> str:
    """The erasure token a generated install would send with `telemetry delete` (64 hex
    characters; consentry derives it from the per-install key, which the generator does
    not model, so it is derived from the id here without touching the seeded stream)."""
    return hashlib.sha256(f"generated erasure token {install_id}".encode()).hexdigest()


def commitment(token: str) -> str:
    """`consentry.erasure.commitment`: the SHA-256 of the token as sent (its hex text)."""
    return hashlib.sha256(token.encode()).hexdigest()


def erase_request(token: str, at_ns: int, span_id: str = "00000000000000e1", service: str = "taskr") -> str:
    """The erase request `telemetry delete` sends, as the file exporter stores it."""
    span = {"traceId": "000000000000000000000000000000e1", "spanId": span_id, "name": "consentry.erase",
            "kind": 1, "startTimeUnixNano": str(at_ns), "endTimeUnixNano": str(at_ns),
            "attributes": [_kv("consentry.erasure.token", token)], "status": {}}
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [_kv("service.name", service), _kv("service.version", "1.2.0")]},
        "scopeSpans": [{"scope": {"name": "consentry", "version": "0.1.0"}, "spans": [span]}]}]},
        separators=(",", ":"))


def _kv(key: str, value) -> dict:
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]} if value else {}}}
    return {"key": key, "value": {"stringValue": value}}


def span_request(run: dict) -> dict:
    """One run as the OTLP JSON export request taskr's span arrives in."""
    res = [("consentry.channel", run["channel"]), ("consentry.ci", run["ci"])]
    if run["ci"]:
        res.append(("consentry.ci.vendor", run["ci_vendor"]))
    res.append(("consentry.agent", run["agent"]))
    if run["install_id"]:
        res.append(("app.installation.id", run["install_id"]))
    res.append(("service.instance.id", run["instance_id"]))
    # An install with an id of its own can be erased (CI runs share their vendor's id).
    if run["install_id"] and not run["ci"]:
        res.append(("consentry.erasure.commitment", commitment(erasure_token(run["install_id"]))))
    res += [
        ("consentry.source", run["source"]), ("host.arch", run["arch"]), ("os.type", run["os"]),
        ("os.version", run["os_version"]), ("process.runtime.name", "rust"),
        ("process.runtime.version", "1.95.0"), ("service.name", "taskr"), ("service.version", run["version"]),
        ("telemetry.distro.name", "consentry"), ("telemetry.distro.version", "0.1.0"),
        ("telemetry.sdk.language", "rust"), ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.version", "0.33.1"),
    ]
    if "weight" in run:
        res.append(("consentry.sample.weight", float(run["weight"])))
    attrs = [("process.executable.name", "taskr"), ("consentry.command", run["command"]),
             ("process.command_args", run["args"]), ("consentry.command.options", run["options"]),
             ("process.exit.code", run["exit_code"]), ("consentry.stdout.terminal", run["stdout_terminal"])]
    if run["error_type"]:
        attrs.append(("error.type", run["error_type"]))
    t = run["start_ns"]
    events = [{"timeUnixNano": str(t + 1000), "name": "consentry.feature",
               "attributes": [_kv("consentry.feature.name", f)]} for f in run["features"]]
    if run["panicked"]:
        events.append({"timeUnixNano": str(t + 2000), "name": "exception", "attributes": [
            _kv("exception.type", "panic"), _kv("exception.message", "index out of bounds"),
            _kv("code.file.path", "src/store.rs"), _kv("code.line.number", 88)]})
    span = {
        "traceId": run["trace_id"], "spanId": run["span_id"], "flags": 257, "name": "taskr", "kind": 1,
        "startTimeUnixNano": str(t), "endTimeUnixNano": str(t + run["duration_ns"]),
        "attributes": [_kv(k, v) for k, v in attrs], "events": events,
        "status": {"code": 2} if run["error_type"] else {},
    }
    return {"resourceSpans": [{"resource": {"attributes": [_kv(k, v) for k, v in res]},
                               "schemaUrl": SCHEMA_URL,
                               "scopeSpans": [{"scope": {"name": "consentry", "version": "0.1.0"},
                                               "schemaUrl": SCHEMA_URL, "spans": [span]}]}]}


def in_sample(key: bytes, rate: float) -> bool:
    """Whether an install with hashing key `key` is in the sample at `rate`, drawn as
    consentry draws it (`identity/sample.rs`): the top 53 bits of HMAC-SHA256(key,
    "consentry sample v1\\0") as a fraction, below the rate."""
    if rate >= 1.0:
        return True
    mac = hmac.new(key, b"consentry sample v1\0", hashlib.sha256).digest()
    return (int.from_bytes(mac[:8], "big") >> 11) / float(1 << 53) < rate


def sample(all_runs: list[dict], rate: float, seed: int = 0) -> list[dict]:
    """The runs a tool built `with_sampling(rate)` would send: every run of the installs
    in the sample, each with `weight` = 1 / rate. Each install's 32-byte key is derived
    from `seed` and its id (a stand-in for the random key consentry keeps on the
    machine), so one seed is one draw of the population and another seed another."""
    weight = 1.0 / rate
    keys: dict[str, bool] = {}
    out = []
    for r in all_runs:
        inside = keys.get(r["install_id"])
        if inside is None:
            key = hashlib.sha256(f"{seed}:{r['install_id']}".encode()).digest()
            inside = keys[r["install_id"]] = in_sample(key, rate)
        if inside:
            out.append({**r, "weight": weight})
    return out


def otlp_lines(all_runs: list[dict]) -> list[str]:
    """The file exporter's output for these runs: one JSON request per line."""
    return [json.dumps(span_request(r), separators=(",", ":")) for r in all_runs]
