#!/usr/bin/env python3
"""Footprint of consentry in the example CLI: the added size of the release binary,
stripped, per transport feature (HTTP with and without TLS, gRPC, both); which crates
the HTTP-only build adds (symbol sizes from `nm`); the peak RSS of an opted-out run
(`DO_NOT_TRACK=1`) against the CLI without consentry, measured in the same run; and,
with --build-time, the added clean build time.

    python3 bench/footprint.py [--build-time] [--rss-runs N] [--json FILE]

Sizes are exact and need no repetition. Peak RSS is GNU time's, N interleaved runs per
build (shuffled every round), median. Build times are one clean build each, in a fresh
target dir, one after another (two cores; noisy, and said so).
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
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import ARGS, FEATURES, ROOT, TARGET, build, home_env, rss_run  # noqa: E402

LABELS = {
    "none": "a  without consentry",
    "http": "HTTP + TLS (telemetry-http,-tls)",
    "http_plain": "HTTP, no TLS (telemetry-http)",
    "grpc": "gRPC only (telemetry-grpc)",
    "both": "both (taskr's default)",
    "standard": "standard wiring (opentelemetry-otlp)",
}

# Crates grouped by what they are there for.
GROUPS = [
    ("HTTP client (ureq)", r"^(ureq|ureq_proto|http|httparse|percent_encoding|utf8_zero|base64|url|idna)$"),
    ("TLS (rustls, webpki roots)", r"^(rustls|rustls_pki_types|rustls_webpki|webpki|webpki_roots|zeroize|subtle)$"),
    # In every build for SHA-256 and HMAC; with TLS also rustls' cryptography.
    ("ring (hashes; with TLS, rustls' crypto)", r"^(ring|untrusted)$"),
    ("OpenTelemetry SDK, tracing bridge", r"^(opentelemetry|opentelemetry_sdk|tracing_opentelemetry)$"),
    ("OTLP protobuf + JSON (print mode)", r"^(opentelemetry_proto|prost|serde_json|hex|const_hex|base64)$"),
    ("regex (scrubbing)", r"^(regex|regex_lite|regex_automata|regex_syntax|aho_corasick|memchr)$"),
    ("gRPC (tonic, tokio, hyper, h2)", r"^(tonic|tonic_types|tokio|hyper|hyper_util|h2|tower|tower_layer|tower_service|"
                                      r"http_body|http_body_util|bytes|futures_\w+|pin_project\w*|indexmap|hashbrown|"
                                      r"slab|socket2|mio|axum|tokio_stream|tokio_util|sync_wrapper)$"),
    ("consentry", r"^(consentry|consentry_clap)$"),
    ("std (threads, net, process; generic code)", r"^std$"),
    ("unnamed data", r"^\(unnamed data\)$"),
    ("ids, OS calls, serde (uuid, getrandom, rustix)", r"^(toml|toml_\w+|serde\w*|winnow|uuid|directories|dirs_\w+|"
                                              r"cpufeatures|getrandom|tempfile|fastrand|rustix|linux_raw_sys|thiserror)$"),
]


def strip_copy(path, out):
    subprocess.run(["strip", "-o", str(out), str(path)], check=True)
    return out.stat().st_size


STD = {"core", "alloc", "std", "hashbrown", "compiler_builtins"}


def crate_of(sym):
    """The crate a demangled symbol is there for: the first crate named in it that is
    not the standard library (so `core::ptr::drop_in_place<ureq::Agent>` and
    `<http::Uri as core::fmt::Display>::fmt` count for ureq and http), else `std`;
    C and assembly symbols (all from ring here) count for ring; unnamed data apart."""
    crates = re.findall(r"(?:^|[<\s(\[&*,;])([A-Za-z_][A-Za-z0-9_]*)::", sym)
    for c in crates:
        if c not in STD:
            return c
    if crates or sym.startswith("<"):
        return "std"
    if sym.startswith("anon."):
        return "(unnamed data)"
    return "ring"


def crate_sizes(binary):
    out = subprocess.run(["nm", "-C", "-S", "--size-sort", str(binary)], check=True, capture_output=True,
                         text=True).stdout
    sizes = defaultdict(int)
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        size, _type, sym = int(parts[1], 16), parts[2], parts[3]
        sizes[crate_of(sym)] += size
    return sizes


def group_of(crate):
    for name, pattern in GROUPS:
        if re.match(pattern, crate):
            return name
    return "other"


def opted_out_rss(bins, runs):
    """Median peak RSS (KiB) of an opted-out run (DO_NOT_TRACK=1) of each binary, in a
    home of its own, runs interleaved in a shuffled order per round after a warm-up."""
    rss = {n: [] for n in bins}
    with tempfile.TemporaryDirectory(prefix="footprint-rss-") as tmp:
        envs = {n: home_env(tmp, n, {"DO_NOT_TRACK": "1"}) for n in bins}
        out = Path(tmp) / "time.out"
        for n in bins:
            Path(envs[n]["HOME"]).mkdir(parents=True, exist_ok=True)
        for rnd in range(runs + 1):
            order = list(bins)
            random.shuffle(order)
            for n in order:
                kib, code = rss_run(bins[n], envs[n], tmp, out)
                if code != 0:
                    sys.exit(f"{n}: `taskr {' '.join(ARGS)}` exited {code}")
                if rnd:
                    rss[n].append(kib)
    return rss


def crate_count(name):
    """Packages a release build of taskr with `name`'s features compiles (the CLI too)."""
    out = subprocess.run(["cargo", "tree", "-q", "--locked", "-p", "taskr", *FEATURES[name], "-e", "normal,build",
                          "--prefix", "none"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return len({line.replace(" (*)", "").strip() for line in out.splitlines() if line.strip()})


def clean_build_seconds(name):
    """One clean release build of taskr with `name`'s features in a fresh target dir."""
    d = Path(tempfile.mkdtemp(prefix="clean-", dir=TARGET))
    try:
        env = dict(os.environ, CARGO_TARGET_DIR=str(d))
        env.pop("RUSTC_WRAPPER", None)
        t0 = time.monotonic()
        subprocess.run(["cargo", "build", "-q", "--release", "--locked", "-p", "taskr", *FEATURES[name]],
                       cwd=ROOT, env=env, check=True)
        return time.monotonic() - t0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-time", action="store_true", help="also time clean builds (slow: minutes)")
    ap.add_argument("--rss-runs", type=int, default=25)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--builds", default="none,http_plain,http,grpc,standard,both",
                    help="comma-separated feature sets to build and size (none and http are always in)")
    args = ap.parse_args()
    for tool in ("strip", "nm"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required (Debian package binutils)")
    wanted = sorted(set(args.builds.split(",")) | {"none", "http"}, key=list(FEATURES).index)
    bins = build(wanted)
    stripped_dir = TARGET / "bench-bin" / "stripped"
    stripped_dir.mkdir(parents=True, exist_ok=True)
    sizes = {n: strip_copy(p, stripped_dir / p.name) for n, p in bins.items()}
    base = sizes["none"]
    print("\nrelease binary of taskr, stripped")
    print(f"{'build':40} {'bytes':>10} {'MiB':>6} {'added MiB':>9} {'ratio':>6}")
    for n in [n for n in ["none", "http_plain", "http", "grpc", "both", "standard"] if n in bins]:
        print(f"{LABELS[n]:40} {sizes[n]:10} {sizes[n] / 2**20:6.2f} {(sizes[n] - base) / 2**20:9.2f}"
              f" {sizes[n] / base:6.2f}")

    # What the HTTP-only build adds, by crate and by group (symbol sizes of the
    # unstripped binaries: code and named data; unnamed data and metadata are not in it).
    with_h, without = crate_sizes(bins["http"]), crate_sizes(bins["none"])
    delta = {c: with_h.get(c, 0) - without.get(c, 0) for c in set(with_h) | set(without)}
    groups = defaultdict(int)
    for c, d in delta.items():
        groups[group_of(c)] += d
    symbolized = sum(delta.values())
    print(f"\nwhat the HTTP + TLS build adds, by symbol size (nm; {symbolized / 2**20:.2f} MiB of the "
          f"{(sizes['http'] - base) / 2**20:.2f} MiB are in named symbols)")
    print(f"{'group':50} {'KiB':>7}")
    for g, d in sorted(groups.items(), key=lambda x: -x[1]):
        print(f"{g:50} {d / 1024:7.0f}")
    top = sorted(delta.items(), key=lambda x: -x[1])[:15]
    print("largest crates: " + ", ".join(f"{c} {d / 1024:.0f} KiB" for c, d in top))

    rss_bins = {n: bins[n] for n in ("none", "http_plain", "http", "both") if n in bins}
    rss = opted_out_rss(rss_bins, args.rss_runs)
    base_rss = statistics.median(rss["none"])
    print(f"\npeak RSS of an opted-out run (DO_NOT_TRACK=1), {args.rss_runs} interleaved runs, median")
    print(f"{'build':40} {'KiB':>8} {'max KiB':>8} {'ratio':>6}")
    for n in rss_bins:
        med = statistics.median(rss[n])
        print(f"{LABELS[n]:40} {med:8.0f} {max(rss[n]):8.0f} {med / base_rss:6.2f}")

    crates = {n: crate_count(n) for n in ("none", "http_plain", "http", "both")}
    print("\ncrates compiled for a release build (cargo tree, normal and build dependencies, proc macros included)")
    for n, c in crates.items():
        print(f"{LABELS[n]:40} {c:5} {c - crates['none']:+5}")

    # Issue 18's targets, against the same CLI without consentry.
    mib = 2**20
    targets = [("HTTP + TLS adds <= 2.0 MiB stripped", (sizes["http"] - base) / mib, 2.0, "MiB")]
    if "http_plain" in sizes:
        targets.append(("HTTP without TLS adds <= 1.0 MiB stripped", (sizes["http_plain"] - base) / mib, 1.0, "MiB"))
    for n in rss_bins:
        if n != "none":
            targets.append((f"{LABELS[n]}: opted-out peak RSS <= 1.15x", statistics.median(rss[n]) / base_rss, 1.15, "x"))
    targets.append(("default features (HTTP + TLS) add <= 40 crates", crates["http"] - crates["none"], 40, "crates"))

    result = {"stripped_bytes": sizes, "http_groups_bytes": dict(groups),
              "http_crates_bytes": dict(top), "labels": LABELS, "opted_out_rss_kib": rss}
    if args.build_time:
        order = ["none", "http", "both"]
        secs = {n: clean_build_seconds(n) for n in order}
        print("\nclean release build of taskr (fresh target dir, one build each, 2 cores, shared machine)")
        print(f"{'build':40} {'seconds':>8} {'added s':>8}")
        for n in order:
            print(f"{LABELS[n]:40} {secs[n]:8.1f} {secs[n] - secs['none']:8.1f}")
        result["clean_build_s"] = secs
        targets.append(("clean build with the default features <= 1.3x", secs["http"] / secs["none"], 1.3, "x"))
    print("\ntargets")
    for what, got, limit, unit in targets:
        print(f"  {'PASS ' if got <= limit else 'SHORT'} {what:60} {got:.2f} {unit}")
    result["crates"] = crates
    result["targets"] = [(w, g, "PASS" if g <= lim else "SHORT") for w, g, lim, _ in targets]
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
