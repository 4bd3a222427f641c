#!/usr/bin/env python3
"""Whole-process cost of consentry in the example CLI: wall time, peak memory, and
what a run creates (threads, processes, sockets, files written, descriptors open at
exit), under each telemetry condition, against the same CLI built without consentry.

    python3 bench/wall.py [--runs N] [--json FILE]     # full: timing, memory, counts
    python3 bench/wall.py --short [--json FILE]        # counts only (CI)

Timing runs every variant once per round, round after round, in an order shuffled
every round (interleaved, so machine noise falls on all alike), after one warm-up
round; it prints the median, the max, and the ratio to variant (a) measured in the
same run. Peak memory is each run's maximum resident set size, from GNU time in a
second run per round. Counts come from one strace'd run per variant, in a home past
the notice (for d and e: the first run that tries the network).

Every variant has a home of its own: the spool and the back-off state are per user,
so a failing collector in one variant never puts another into back-off.

`--short` builds the debug CLI (already built by `cargo test`), counts only the
opted-out variants and one opted-in positive control against a refused port, and
exits 1 when an opted-out run creates a thread, process, socket or file, or leaves a
descriptor open that a run without telemetry does not, or when the opted-in run opens
a socket itself (`own_sockets`: exit never touches the network; the socket belongs to
the uploader it starts) or starts more than one process. No collector is needed.

Talks only to 127.0.0.1; every loop is bounded in count and time.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from procs import (ARGS, TIME, BlackHole, build, home_env, ports, refused_port, rss_run, run_checked,
                   start_collector, timed_run)
from strace_counts import counts_phase, opted_out_breaches, print_counts

BUDGET_MS = 300.0  # consentry's default exit budget (DEFAULT_EXIT_BUDGET)


def variants(bins, tmp, http, grpc, down, hole, short):
    """(key, label, binary, extra env). Each gets its own home under tmp."""
    ep = lambda port: {"TASKR_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{port}"}  # noqa: E731
    with_t, std = bins["both"], bins.get("standard")
    v = []
    if "none" in bins:
        v.append(("a", "a  without consentry", bins["none"], {}))
    v += [
        ("b", "b  opted out (DO_NOT_TRACK=1)", with_t, {"DO_NOT_TRACK": "1", **ep(http)}),
        ("b_tool", "b' opted out (TASKR_TELEMETRY_OPTOUT=1)", with_t, {"TASKR_TELEMETRY_OPTOUT": "1", **ep(http)}),
        ("b_file", "b\" opted out (telemetry disable)", with_t, ep(http)),
    ]
    if short:
        # Positive control: an opted-in run against a refused port must be seen making
        # its export thread and socket, or the counting is broken.
        v.append(("d", "d  opted in, collector down (control)", with_t, ep(down)))
        return v
    v += [
        ("c", "c  opted in, collector up, HTTP", with_t, ep(http)),
        ("c_grpc", "c' opted in, collector up, gRPC", with_t, {**ep(grpc), "TASKR_TELEMETRY_PROTOCOL": "grpc"}),
        ("d", "d  opted in, collector down", with_t, ep(down)),
        ("e", "e  opted in, black hole", with_t, ep(hole)),
        ("f", "f  print mode (TASKR_TELEMETRY_DEBUG=1)", with_t, {"TASKR_TELEMETRY_DEBUG": "1", **ep(http)}),
        ("gc", "gc standard wiring, collector up", std, ep(http)),
        ("gd", "gd standard wiring, collector down", std, ep(down)),
        ("ge", "ge standard wiring, black hole", std, ep(hole)),
    ]
    return v


def prepare(bins, tmp, vs):
    """Puts every user past the notice (and the b" user into `telemetry disable`)."""
    for key, label, exe, extra in vs:
        env = home_env(tmp, key, extra)
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
        if key == "b_file":
            run_checked(label, [exe, "telemetry", "disable"], env, tmp)
        elif key not in ("b", "b_tool", "a") and exe == bins["both"]:
            # Past the notice: shown only on a terminal, so `telemetry enable` (which
            # shows and records it) stands in for the user's first run on one.
            run_checked(label, [exe, "telemetry", "enable"], env, tmp)


def timing_phase(vs, tmp, runs):
    """Round after round, each variant once timed and once under GNU time for its
    memory, in an order shuffled every round (fixed seed), so that neither noise nor a
    neighbour (a run after a 5 s one, after a cold binary) falls on one variant alone."""
    times = {k: [] for k, *_ in vs}
    rss = {k: [] for k, *_ in vs}
    envs = {k: home_env(tmp, k, extra) for k, _, _, extra in vs}
    rng = random.Random(6)
    out = Path(tmp) / "time.out"
    for round_no in range(runs + 1):  # round 0 is the warm-up
        order = list(vs)
        rng.shuffle(order)
        for key, label, exe, _ in order:
            dt, code = timed_run(exe, envs[key], tmp)
            kib, code2 = rss_run(exe, envs[key], tmp, out)
            if code or code2:
                sys.exit(f"{label}: exit {code or code2}")
            if round_no:
                times[key].append(dt)
                rss[key].append(kib)
    return times, rss


def print_timing(vs, times, rss, runs):
    base = statistics.median(times["a"])
    base_rss = statistics.median(rss["a"])
    print(f"\nwhole-process wall time and peak RSS of `taskr {' '.join(ARGS)}`, {runs} interleaved runs each")
    print(f"{'variant':42} {'median ms':>9} {'max ms':>8} {'ratio':>6} {'added ms':>8} {'max added':>9}"
          f" {'RSS KiB':>8} {'RSS ratio':>9}")
    for key, label, _, _ in vs:
        med, mx = statistics.median(times[key]), max(times[key])
        r = statistics.median(rss[key])
        print(f"{label:42} {med:9.2f} {mx:8.2f} {med / base:6.3f} {med - base:8.2f} {mx - base:9.2f}"
              f" {r:8.0f} {r / base_rss:9.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--short", action="store_true", help="counts of the opted-out paths only (CI)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    if args.runs < 20 and not args.short:
        sys.exit("--runs must be at least 20")
    if not shutil.which("strace"):
        sys.exit("strace is required (Debian package strace; .ci/install-deps.sh installs it)")
    if not args.short and not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} is required (Debian package time; .ci/install-deps.sh installs it)")
    names = ["both"] if args.short else ["none", "standard", "both"]
    bins = build(names, release=not args.short)
    tmp = tempfile.mkdtemp(prefix="consentry-bench-")
    collector = hole = None
    held = []
    refused = refused_port()
    try:
        down = refused.getsockname()[1]
        if args.short:
            http = grpc = down  # nothing listens; opted-out runs must not look
        else:
            collector, grpc, http, held = start_collector(tmp)
            hole = BlackHole()
        vs = variants(bins, tmp, http, grpc, down, hole.port if hole else down, args.short)
        prepare(bins, tmp, vs)
        counts = counts_phase(vs, tmp)
        result = {"counts": counts, "labels": {k: label for k, label, *_ in vs}, "budget_ms": BUDGET_MS}
        if not args.short:
            # Fresh homes for timing, past the notice again: the counted runs changed
            # the back-off state of d and e.
            shutil.rmtree(Path(tmp) / "homes")
            prepare(bins, tmp, vs)
            times, rss = timing_phase(vs, tmp, args.runs)
            result.update(times_ms=times, rss_kib=rss, runs=args.runs)
            print_timing(vs, times, rss, args.runs)
        print_counts(vs, counts)
        bad = opted_out_breaches(counts)
        result["opted_out_breaches"] = bad
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
    finally:
        if collector:
            collector.terminate()
            collector.wait(timeout=10)
        ports.release(held)
        refused.close()
        if hole:
            hole.close()
        shutil.rmtree(tmp, ignore_errors=True)
    if bad:
        print("\nFAIL: an opted-out run created something:\n  " + "\n  ".join(bad))
        sys.exit(1)
    print("\nopted-out runs: no thread, process, socket, connection or file; no extra descriptor at exit")


if __name__ == "__main__":
    main()
