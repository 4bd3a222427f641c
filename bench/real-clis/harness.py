"""Runs a real CLI's own integration tests with consentry wired in, in three states:
opted out, opted in against a real collector, and against a black hole; counts the
runs independently of consentry and the spans the collector received (see
bench/README.md, "Real CLIs")."""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from parts import BlackHole, Collector, received_spans

# name: (package, version, binary, integration test target, telemetry enable command)
CLIS = {
    "fd": ("fd-find", "10.5.0", "fd", "tests", ["--telemetry", "enable"]),
    "pastel": ("pastel", "0.12.0", "pastel", "integration_tests", ["telemetry", "enable"]),
    "rust-parallel": ("rust-parallel", "1.24.0", "rust-parallel", "integration_tests",
                      ["--telemetry", "enable"]),
    "jaq": ("jaq", "3.1.2", "jaq", "golden", ["--telemetry", "enable"]),
}
DELIVERY_TIMEOUT_S = 90.0  # the contract says within a minute; the uploader lives 30 s
SUITE_TIMEOUT_S = 900.0
EXIT_BUDGET_S = 0.3  # consentry's DEFAULT_EXIT_BUDGET, which both patches keep

# Counts the run, then becomes the real binary under the name the test used (clap
# takes the program name from it). The process keeps its pid across exec, so the pid
# written here is the `process.pid` of the run's span.
WRAPPER = """#!/bin/bash
# One write per line (O_APPEND): parallel runs never interleave. The config home says
# whose settings the run read: a test may give the tool a fresh one (a new user).
[[ -n "$REAL_CLIS_RUNS" ]] &&
  printf '%s\t%s\t%s\n' $$ "$XDG_CONFIG_HOME" "$(printf '%q ' "$@")" >>"$REAL_CLIS_RUNS"
exec -a "$0" "$0.real" "$@"
"""


def build(work, target_dir, binary, test):
    """Builds the binary and the integration test; returns their paths."""
    real = Path(target_dir) / "debug" / f"{binary}.real"
    if real.exists():  # a wrapper left in place: give cargo its binary back
        os.replace(real, real.with_suffix(""))
    cmd = ["cargo", "test", "--no-run", "--test", test, "--message-format=json-render-diagnostics"]
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    out = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE, check=True, text=True)
    exe, tests = None, []
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
            continue
        kind, name = msg["target"]["kind"], msg["target"]["name"]
        if kind == ["bin"] and name == binary:
            exe = Path(msg["executable"])
        elif kind == ["test"] and name == test:
            tests.append(msg["executable"])
    if exe is None or not tests:
        raise RuntimeError(f"cargo did not report the {binary} binary and its tests")
    return exe, tests


def state_env(root, tool, runs_file, extra):
    """A private HOME and XDG dirs; nothing telemetry-related inherited from the caller."""
    prefix = re.sub(r"[^A-Z0-9]", "_", tool.upper()) + "_TELEMETRY_"
    env = {k: v for k, v in os.environ.items()
           if k != "DO_NOT_TRACK" and not k.startswith(prefix)
           and not k.startswith("CARGO_BIN_EXE_")}
    for var, sub in [("HOME", "home"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_DATA_HOME", "data")]:
        path = Path(root) / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["REAL_CLIS_RUNS"] = str(runs_file)
    env.update(extra)
    return env


def run_suite(tests, work, env, log):
    passed = failed = 0
    failures = []
    started = time.monotonic()
    with open(log, "w") as out:
        for test in tests:
            proc = subprocess.run([test], cwd=work, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=SUITE_TIMEOUT_S)
            out.write(proc.stdout)
            for m in re.finditer(r"test result: \w+\. (\d+) passed; (\d+) failed", proc.stdout):
                passed += int(m.group(1))
                failed += int(m.group(2))
            failures += re.findall(r"^test (\S+) \.\.\. FAILED$", proc.stdout, re.M)
    return passed, failed, failures, time.monotonic() - started


# Words that read like consentry's own, given where the tool takes positionals or the
# rest of the command line: (arguments, the tool's own stdout for them). The option
# shape must leave every such word to the tool.
WORD_CHECKS = {
    # Searches for "telemetry" in a directory holding telemetry-notes.txt.
    "fd": (["telemetry"], "telemetry-notes.txt\n"),
    # The command's own arguments, after the command: echo prints them.
    "rust-parallel": (["-j1", "echo", "--telemetry", "status", "--disable-telemetry", ":::",
                       "x"], "--telemetry status --disable-telemetry x\n"),
    # Positional arguments of the filter ($ARGS.positional), after --args.
    "jaq": (["-nc", "--args", "$ARGS.positional", "telemetry", "status", "--", "--telemetry",
             "status"], '["telemetry","status","--telemetry","status"]\n'),
}


def word_taken(cli, exe, env, root):
    """Whether the tool, given words that read like consentry's (WORD_CHECKS), does
    anything but what it does without consentry. Run outside the count."""
    args, expected = WORD_CHECKS[cli]
    where = Path(root) / "word"
    where.mkdir()
    (where / "telemetry-notes.txt").write_text("")
    (where / "status").write_text("")
    out = subprocess.run([str(exe) + ".real", *args], cwd=where, env=env,
                         stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return (out.returncode, out.stdout) != (0, expected)


def read_runs(runs_file):
    """[(pid, config home, command line shell-quoted)] of every run the wrapper
    counted, in the order they started."""
    try:
        lines = Path(runs_file).read_text().splitlines()
    except FileNotFoundError:
        return []
    return [tuple(line.split("\t", 2)) for line in lines]


def runs_of_new_users(runs, own_config):
    """Every run in a config home a test made itself: a new user who has not seen the
    notice. The notice is shown only on a terminal and the suite's stderr is a pipe, so
    such runs show nothing and send nothing (consentry's contract)."""
    return {pid for pid, config, _ in runs if config != own_config}


def last_uploader_start_s(spool):
    """When a run last started the uploader (Unix seconds), from the spool state."""
    try:
        m = re.search(r"(?m)^uploader_started_ms = (\d+)$", (spool / "state.toml").read_text())
    except OSError:
        return 0.0
    return int(m.group(1)) / 1000 if m else 0.0


def wait_for_spans(spans_file, pids, exe, env, binary):
    """Bounded wait until a span arrived for every run (delivery may be by a later
    run's sender or the detached uploader). Runs start one uploader a minute; a span
    spooled after that uploader ended waits for the tool's next run after the minute.
    The suite is over, so after 10 s the harness does what that next run does: once a
    minute has passed since the last start, it starts the uploader (the real binary
    with the uploader's marker, as consentry starts it)."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    started = time.monotonic()
    spool = Path(env["XDG_STATE_HOME"]) / binary / "telemetry-spool"
    next_run = None
    while True:
        spans, records = received_spans(spans_file)
        got = {s["pid"] for s in spans.values()}
        if pids <= got or time.monotonic() > deadline:
            break
        if (next_run is None and time.monotonic() > started + 10
                and time.time() >= last_uploader_start_s(spool) + 60):
            next_run = subprocess.Popen([str(exe) + ".real", "__consentry-upload"],
                                        env=dict(env, CONSENTRY_UPLOADER_SPOOL=str(spool)),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    waited = time.monotonic() - started
    if next_run is not None:
        try:
            next_run.wait(timeout=35)  # the uploader's watchdog ends it within 30 s
        except subprocess.TimeoutExpired:
            next_run.kill()
            next_run.wait()
    time.sleep(2)  # late duplicates would show up in the record count
    spans, records = received_spans(spans_file)
    return spans, records, waited


def one_state(state, cli, exe, tests, work, scratch, otelcol, config):
    package, version, binary, test, enable = CLIS[cli]
    root = Path(tempfile.mkdtemp(prefix=f"{cli}-{state}-", dir=scratch))
    runs_file = root / "runs.txt"
    endpoint_var = re.sub(r"[^A-Z0-9]", "_", binary.upper()) + "_TELEMETRY_ENDPOINT"
    server = None
    extra = {"DO_NOT_TRACK": "1"} if state == "off" else {}
    if state == "on":
        server = Collector(otelcol, config, root)
    elif state == "blackhole":
        server = BlackHole()
    if server is not None:
        extra[endpoint_var] = server.url
    env = state_env(root, binary, runs_file, extra)
    try:
        if state != "off":
            # The user agreed before: `enable` shows the notice and records it, so the
            # suite's first run already sends (this run is not counted and sends nothing).
            subprocess.run([str(exe) + ".real", *enable], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hijacked = state == "off" and cli in WORD_CHECKS and word_taken(cli, exe, env, root)
        passed, failed, failures, secs = run_suite(tests, work, env, root / "suite.log")
        runs = read_runs(runs_file)
        pids = [pid for pid, _, _ in runs]
        row = {"cli": cli, "state": state, "passed": passed, "failed": failed,
               "failures": failures, "suite_s": round(secs, 2), "runs": len(pids),
               "log": str(root / "suite.log")}
        if state == "off" and cli in WORD_CHECKS:
            row["telemetry_word_taken"] = hijacked
        if state == "on":
            notice = runs_of_new_users(runs, env["XDG_CONFIG_HOME"])
            spans, records, waited = wait_for_spans(server.spans_file, set(pids) - notice, exe, env, binary)
            got = {s["pid"] for s in spans.values()}
            row.update(spans=len(spans), span_records=records, delivery_wait_s=round(waited, 1),
                       new_user_notice_runs=len(notice),
                       runs_without_span={p: f"{c} {a}" for p, c, a in runs
                                          if p not in got and p not in notice},
                       notice_runs_with_span=sorted(notice & got),
                       spans_without_run=sorted(got - set(pids)),
                       usage_errors=sum(1 for s in spans.values() if s["error"] == "usage"))
        if state == "blackhole":
            row["connections"] = server.accepted
        return row
    finally:
        if server is not None:
            server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--otelcol", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--states", default="off,on,blackhole")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("clis", nargs="+", choices=sorted(CLIS))
    args = ap.parse_args()
    cache = Path(args.cache)
    rows, ok = [], True
    for cli in args.clis:
        package, version, binary, test, _ = CLIS[cli]
        work = cache / "work" / f"{package}-{version}"
        target = cache / f"target-{package}"
        t0 = time.monotonic()
        exe, tests = build(work, target, binary, test)
        print(f"{cli}: built in {time.monotonic() - t0:.0f} s", flush=True)
        real = exe.with_name(exe.name + ".real")
        os.replace(exe, real)
        try:
            exe.write_text(WRAPPER)
            exe.chmod(0o755)
            # Kept for a look at the logs, markers and spool until the next run.
            scratch = cache / "last-run" / cli
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir(parents=True)
            for round_ in range(1, args.rounds + 1):
                for state in args.states.split(","):
                    row = one_state(state, cli, exe, tests, work, scratch,
                                    args.otelcol, args.config)
                    row["round"] = round_
                    print(json.dumps(row), flush=True)
                    rows.append(row)
        finally:
            os.replace(real, exe)
    ok = report(rows)
    Path(args.json).write_text(json.dumps(rows, indent=2))
    sys.exit(0 if ok else 1)


def report(rows):
    ok = True
    print("\n| CLI | state | round | tests passed | failed | runs | spans received "
          "| new-user notice runs | usage errors | suite time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    off = {}
    for r in rows:
        if r["state"] == "off":
            off.setdefault(r["cli"], []).append(r["suite_s"])
    for r in rows:
        extra = [r.get(k, "-") for k in ("spans", "new_user_notice_runs", "usage_errors")]
        print(f"| {r['cli']} | {r['state']} | {r['round']} | {r['passed']} | {r['failed']} "
              f"| {r['runs']} | {' | '.join(map(str, extra))} | {r['suite_s']:.1f} s |")
        if r.get("telemetry_word_taken"):
            ok = False
            print(f"FAIL {r['cli']}: {' '.join(WORD_CHECKS[r['cli']][0])} did not do what "
                  "it does without consentry")
        if r["failed"] or not r["passed"]:
            ok = False
            print(f"FAIL {r['cli']} {r['state']}: {r['failures']} (log {r['log']})")
        if r["state"] == "on" and (r["runs_without_span"] or r["spans_without_run"]
                                   or r["notice_runs_with_span"]
                                   or r["span_records"] != r["spans"]):
            ok = False
            print(f"FAIL {r['cli']} on: runs without a span {r['runs_without_span']}, spans "
                  f"without a run {r['spans_without_run']}, {r['span_records']} records")
        if r["state"] == "blackhole" and r["cli"] in off:
            base = statistics.median(off[r["cli"]])
            # Each run may wait at most the exit budget, even if they ran one by one.
            limit = base + r["runs"] * EXIT_BUDGET_S
            extra_ms = (r["suite_s"] - base) / max(r["runs"], 1) * 1000
            print(f"  {r['cli']} black hole, round {r['round']}: {r['suite_s']:.1f} s vs "
                  f"{base:.1f} s opted out (median) "
                  f"({extra_ms:+.1f} ms per run; limit {limit:.1f} s)")
            if r["suite_s"] > limit:
                ok = False
                print(f"FAIL {r['cli']} black hole: slower than the exit budget allows")
    return ok


if __name__ == "__main__":
    main()
