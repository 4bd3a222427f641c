#!/usr/bin/env python3
"""The exit path on real networks: what an opted-in run of the example CLI costs when
the collector is 0, 20, 100 or 300 ms away (Toxiproxy latency on loopback), over HTTP
and gRPC, plain and TLS (a self-signed CA trusted through TASKR_TELEMETRY_CA_FILE), a
black hole and a trickle (1 KB/s); a spool of 1,000 requests against an empty one; and
how long each span takes to reach the collector after its run ended.

    python3 bench/exit_path.py [--runs N] [--json FILE]

Whole-process wall time from here (fork, exec, exit), every variant once per round in
an order shuffled every round, after a warm-up round; medians and p99 (the largest of
fewer than 100 runs), added time against the CLI built without consentry in the same
rounds. Delivery delay: one run at a time per network variant, the time from the run's
exit to its span appearing in the collector's output file (polled every 10 ms).

Everything is on 127.0.0.1; every loop is bounded in count and time.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import ARGS, BlackHole, ROOT, build, home_env, run_checked, timed_run, wait_port, ports  # noqa: E402
from netfaults import Toxiproxy, certificates, lock_spool, spans_by_install  # noqa: E402

RTTS = [0, 20, 100, 300]


def start_collector(tmp, name, tls):
    otelcol = subprocess.run(["bash", str(ROOT / "scripts/build-collector.sh")],
                             check=True, capture_output=True, text=True).stdout.strip()
    # Reserved (answers/tests/ports.py) until the caller has stopped the collector.
    reserved = ports.reserve(2)
    grpc, http = (r.port for r in reserved)
    out = Path(tmp) / f"spans-{name}.jsonl"
    env = dict(os.environ, CONSENTRY_OTLP_GRPC=f"127.0.0.1:{grpc}", CONSENTRY_OTLP_HTTP=f"127.0.0.1:{http}",
               CONSENTRY_SPANS_FILE=str(out))
    configs = ["--config", str(ROOT / "collector-config/local.yaml")]
    if tls:
        overlay = Path(tmp) / "tls.yaml"
        cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        overlay.write_text("receivers:\n  otlp:\n    protocols:\n" + "".join(
            f"      {p}:\n        tls:\n          cert_file: {cert}\n          key_file: {key}\n" for p in ("grpc", "http")))
        configs += ["--config", str(overlay)]
    proc = subprocess.Popen([otelcol, *configs], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(http, proc)
    wait_port(grpc, proc)
    return proc, {"http": http, "grpc": grpc}, out, reserved


def variants(bins, tmp, tox, plain, tls, hole, trickle):
    """(key, label, binary, env, collector output or None)."""
    exe = bins["both"]
    ca = str(Path(tmp) / "ca.pem")
    v = [("a", "a  without consentry", bins["none"], {}, None)]
    for proto in ("http", "grpc"):
        for secure, (ports, out) in (("plain", plain), ("tls", tls)):
            for rtt in RTTS:
                key = f"{proto}-{secure}-{rtt}"
                port = tox.proxy(key, ports[proto], rtt)
                scheme = "https" if secure == "tls" else "http"
                host = "localhost" if secure == "tls" else "127.0.0.1"
                env = {"TASKR_TELEMETRY_ENDPOINT": f"{scheme}://{host}:{port}",
                       "TASKR_TELEMETRY_PROTOCOL": "grpc" if proto == "grpc" else "http/protobuf"}
                if secure == "tls":
                    env["TASKR_TELEMETRY_CA_FILE"] = ca
                v.append((key, f"{proto:4} {secure:5} {rtt:3} ms RTT", exe, env, out))
    v.append(("hole", "http  black hole", exe, {"TASKR_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{hole}"}, None))
    v.append(("trickle", "http  trickle 1 KB/s", exe, {"TASKR_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{trickle}"}, None))
    v.append(("optout", "opted out (DO_NOT_TRACK=1)", exe, {"DO_NOT_TRACK": "1"}, None))
    busy = {"TASKR_TELEMETRY_ENDPOINT": "http://127.0.0.1:9"}
    v.append(("spool0", "spool empty, sender busy", exe, busy, None))
    v.append(("spool1000", "spool 1,000, sender busy", exe, busy, None))
    return v


def prepare(tmp, vs):
    """Past the notice; the two spool homes get a held sender lock (a sender that never
    finishes, so the spool stays as it is), and one of them 1,000 requests."""
    held = []
    for key, label, exe, extra, _ in vs:
        env = home_env(tmp, key, extra)
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
        if key != "a":
            # Past the notice: shown only on a terminal, so `telemetry enable` (which
            # shows and records it) stands in for the user's first run on one.
            run_checked(label, [exe, "telemetry", "enable"], env, tmp)
        if key.startswith("spool"):
            held.append(lock_spool(Path(env["HOME"])))
            if key == "spool1000":
                for _ in range(1000):
                    run_checked(label, [exe, *ARGS], env, tmp)
    return held


def uploader_starts(vs, tmp):
    """Uploaders started so far per opted-in variant, from its spool state."""
    out = {}
    for key, _, _, extra, _ in vs:
        if key in ("a", "optout"):
            continue
        state = Path(home_env(tmp, key, extra)["HOME"]) / ".local/state/taskr/telemetry-spool/state.toml"
        m = re.search(r"(?m)^uploader_starts = (\d+)$", state.read_text() if state.exists() else "")
        out[key] = int(m.group(1)) if m else 0
    return out


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]


def timing(vs, tmp, runs):
    times = {k: [] for k, *_ in vs}
    envs = {k: home_env(tmp, k, extra) for k, _, _, extra, _ in vs}
    rng = random.Random(10)
    for round_no in range(runs + 1):
        order = list(vs)
        rng.shuffle(order)
        for key, label, exe, _, _ in order:
            dt, code = timed_run(exe, envs[key], tmp)
            if code:
                sys.exit(f"{label}: exit {code}")
            if round_no:
                times[key].append(dt)
    return times


def allow_uploader_start(spool):
    """Makes the next run the first of its minute (one uploader start a minute per user):
    forgets the last start in the spool's state, as if it was a minute ago."""
    state = spool / "state.toml"
    try:
        text = state.read_text()
    except FileNotFoundError:
        return
    state.write_text(re.sub(r"(?m)^uploader_started_ms = \d+$", "uploader_started_ms = 0", text))


def delivery(vs, tmp, samples):
    """Per network variant: seconds from a run's exit to its span in the collector file,
    for a run that starts the uploader or finds one running (runs start one a minute:
    the timing rounds' runs left requests for the next start; each sample is made the
    first run of its minute)."""
    out = {}
    for key, label, exe, extra, spans_file in vs:
        if spans_file is None:
            continue
        env = home_env(tmp, key, extra)
        install = (Path(env["HOME"]) / ".config/taskr/telemetry-install-id").read_text().strip()
        spool = Path(env["HOME"]) / ".local/state/taskr/telemetry-spool"
        allow_uploader_start(spool)
        run_checked(label, [exe, *ARGS], env, tmp)
        settle = time.monotonic() + 60
        while any(spool.glob("*.otlp")) and time.monotonic() < settle:
            time.sleep(0.05)
        delays = []
        for _ in range(samples):
            allow_uploader_start(spool)
            before = len(spans_by_install(spans_file).get(install, []))
            subprocess.run([str(exe), *ARGS], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
            ended = time.monotonic()
            deadline = ended + 60
            while len(spans_by_install(spans_file).get(install, [])) <= before and time.monotonic() < deadline:
                time.sleep(0.01)
            delays.append(time.monotonic() - ended if time.monotonic() < deadline else float("inf"))
        out[key] = delays
    return out


def report(vs, times, delays, counts, runs):
    base, base_p99 = statistics.median(times["a"]), p99(times["a"])
    rows, targets = [], []
    print(f"\nexit path: whole-process wall time of `taskr {' '.join(ARGS)}`, {runs} interleaved runs each;"
          f" added = median (p99) minus (a)'s median (p99) in the same rounds")
    print(f"{'variant':28} {'median':>8} {'p99':>8} {'added':>7} {'added p99':>9} {'delivery s (med/max)':>22}"
          f" {'spans sent/arrived':>18}")
    for key, label, *_ in vs:
        med, hi = statistics.median(times[key]), p99(times[key])
        d = delays.get(key)
        dcol = f"{statistics.median(d):7.2f} / {max(d):6.2f}" if d else ""
        ccol = f"{counts[key][0]} / {counts[key][1]}" if key in counts else ""
        print(f"{label:28} {med:8.2f} {hi:8.2f} {med - base:7.2f} {hi - base_p99:9.2f} {dcol:>22} {ccol:>18}")
        rows.append({"key": key, "median": med, "p99": hi, "added": med - base, "added_p99": hi - base_p99,
                     "delivery_s": d, "sent_arrived": counts.get(key)})
        if key == "a" or key.startswith("spool"):
            continue
        if key == "optout":
            targets.append((f"{label}: added median <= 0.1 ms", f"{med - base:.2f} ms", med - base <= 0.1))
            continue
        # Issue 18: added median <= 0.5 ms and p99 <= 5 ms (were 2 ms and 10 ms).
        targets.append((f"{label}: added median <= 0.5 ms", f"{med - base:.2f} ms", med - base <= 0.5))
        targets.append((f"{label}: added p99 <= 5 ms", f"{hi - base_p99:.2f} ms", hi - base_p99 <= 5.0))
        if d:
            targets.append((f"{label}: every span delivered within 60 s", f"max {max(d):.2f} s", max(d) <= 60))
        if key in counts:
            sent, arrived, distinct = counts[key]
            targets.append((f"{label}: exactly once by span id", f"{sent} runs, {arrived} spans, {distinct} ids",
                            sent == arrived == distinct))
    extra = statistics.median(times["spool1000"]) - statistics.median(times["spool0"])
    targets.append(("spool of 1,000 vs empty: added <= 2 ms", f"{extra:.2f} ms", extra <= 2.0))
    print("\ntargets")
    for t, m, ok in targets:
        print(f"  {'PASS ' if ok else 'SHORT'} {t:60} {m}")
    return rows, [(t, m, "PASS" if ok else "SHORT") for t, m, ok in targets]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=25, help="timed rounds (>= 25 for the report)")
    ap.add_argument("--delivery-samples", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    bins = build(["none", "both"])
    tmp = tempfile.mkdtemp(prefix="consentry-exit-")
    procs, held, reserved, hole, tox = [], [], [], None, None
    try:
        certificates(Path(tmp))
        cp, plain_ports, plain_out, plain_held = start_collector(tmp, "plain", False)
        procs.append(cp)
        reserved += plain_held
        ct, tls_ports, tls_out, tls_held = start_collector(tmp, "tls", True)
        procs.append(ct)
        reserved += tls_held
        tox = Toxiproxy()
        hole = BlackHole()
        trickle = tox.proxy("trickle", plain_ports["http"], 0, bandwidth_kbs=1)
        vs = variants(bins, tmp, tox, (plain_ports, plain_out), (tls_ports, tls_out), hole.port, trickle)
        held = prepare(tmp, vs)
        t0 = time.monotonic()
        times = timing(vs, tmp, args.runs)
        times_span_s = time.monotonic() - t0
        starts = uploader_starts(vs, tmp)
        delays = delivery(vs, tmp, args.delivery_samples)
        time.sleep(35)  # every uploader has ended (watchdog 30 s)
        counts = {}
        for key, _, _, extra, spans_file in vs:
            if spans_file is None:
                continue
            env = home_env(tmp, key, extra)
            install = (Path(env["HOME"]) / ".config/taskr/telemetry-install-id").read_text().strip()
            ids = spans_by_install(spans_file).get(install, [])
            counts[key] = (args.runs + 2 + args.delivery_samples, len(ids), len(set(ids)))
        rows, targets = report(vs, times, delays, counts, args.runs)
        timed = args.runs + 1
        print(f"\nuploader starts during the {timed} timed runs of each variant (state.toml), "
              f"{times_span_s:.0f} s in all: " + ", ".join(f"{k} {n}" for k, n in starts.items()))
        most = max(starts.values())
        allowed = 1 + int(times_span_s // 60)
        ok = most <= allowed
        print(f"  {'PASS ' if ok else 'SHORT'} {'at most one uploader start a minute per user':60} "
              f"{most} in {times_span_s:.0f} s")
        targets.append(("at most one uploader start a minute per user", f"{most} in {times_span_s:.0f} s",
                        "PASS" if ok else "SHORT"))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"rows": rows, "targets": targets, "runs": args.runs}, indent=1))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        ports.release(reserved)
        if tox:
            tox.close()
        if hole:
            hole.close()
        for f in held:
            f.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
