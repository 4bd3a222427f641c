#!/usr/bin/env python3
"""What a real CLI pays for consentry (issue 18's targets, measured on the CLIs of
bench/real-clis rather than on the example): each CLI's published sources built as
they are and as wired (the patch of this directory), release profile, in the same run.

    python3 bench/real-clis/cost.py [--build-time] [--json FILE] [CLI ...]

For each CLI (default: fd jaq pastel rust-parallel):
  - crates: `cargo tree -e normal,build` of the binary's package (build dependencies
    and proc macros included), distinct name+version, without and with consentry's
    default features (HTTP + TLS) and with HTTP alone;
  - size: the stripped release binary without consentry, with HTTP alone and with HTTP
    + TLS (copies of the wired sources whose consentry dependencies name exactly those
    features);
  - with --build-time: one clean release build (`-j2`, a fresh target dir) without
    consentry and one with its default features, one after the other. Noisy on a
    shared machine, and said so: one build each.

Targets (issue 18): HTTP + TLS adds <= 2.0 MiB, HTTP alone <= 1.0 MiB; <= 40 added
crates and <= 1.3x the clean build time with the default features. Each is printed
with PASS or SHORT. Release builds are kept in the cache's target-NAME-release-* dirs,
so a second run only rebuilds what changed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import CLIS  # noqa: E402

MIB = 1024 * 1024
TARGETS = {"tls": 2.0 * MIB, "plain": 1.0 * MIB, "crates": 40, "build": 1.3}


def sh(cmd, cwd, env=None, capture=True):
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL)


def crates(src):
    """Distinct packages (name version) the package's build compiles (cargo tree's default
    target: this host)."""
    cmd = ["cargo", "tree", "-e", "normal,build", "--prefix", "none"]
    out = sh(cmd, src).stdout
    return {" ".join(line.split()[:2]) for line in out.splitlines() if line.strip()}


def stripped_size(src, target_dir, binary, jobs=None):
    """Builds the binary (release) and returns the size of a stripped copy, and the
    seconds the build took."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    cmd = ["cargo", "build", "--release", "--bin", binary]
    if jobs:
        cmd += ["-j", str(jobs)]
    start = time.monotonic()
    sh(cmd, src, env=env, capture=False)
    took = time.monotonic() - start
    exe = Path(target_dir) / "release" / binary
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / binary
        shutil.copy(exe, copy)
        sh(["strip", str(copy)], tmp)
        return copy.stat().st_size, took


def bare_copy(cache, package, version):
    """A copy of the published sources to build: cargo may write its lock file."""
    src = cache / "src" / f"{package}-{version}"
    bare = cache / "bare" / f"{package}-{version}"
    if not bare.exists():
        bare.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, bare)
    return bare


def wired_copy(cache, package, version, features):
    """A copy of the wired sources whose consentry dependencies (consentry and, for the
    clap CLIs, consentry-clap, which forwards the transport features) build exactly
    `features`: a dependency's default features cannot be turned off from the command
    line, and consentry-clap's defaults (HTTP + TLS) would otherwise add TLS to every
    variant."""
    work = cache / "work" / f"{package}-{version}"
    tag = "-".join(features)
    copy = cache / "cost" / f"{package}-{version}-{tag}"
    if copy.exists():
        shutil.rmtree(copy)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(work, copy, ignore=shutil.ignore_patterns("target"))
    manifest = copy / "Cargo.toml"
    listed = ", ".join(f'"{f}"' for f in features)
    lines = []
    for line in manifest.read_text().splitlines():
        m = re.match(r'^(consentry(?:-clap)?) = \{ path = "([^"]+)".*\}$', line)
        if m:
            line = f'{m[1]} = {{ path = "{m[2]}", default-features = false, features = [{listed}] }}'
        lines.append(line)
    manifest.write_text("\n".join(lines) + "\n")
    return copy


def verdict(ok):
    return "PASS" if ok else "SHORT"


def measure(cache, name, build_time):
    package, version, binary, _test, _enable = CLIS[name]
    bare = bare_copy(cache, package, version)
    tls = wired_copy(cache, package, version, ["http", "tls"])
    plain = wired_copy(cache, package, version, ["http"])
    row = {"cli": name}
    base = crates(bare)
    row["crates_without"] = len(base)
    row["crates_added_tls"] = len(crates(tls) - base)
    row["crates_added_plain"] = len(crates(plain) - base)
    rel = cache / f"target-{package}-release"
    row["size_without"], _ = stripped_size(bare, f"{rel}-bare", binary)
    row["size_plain"], _ = stripped_size(plain, f"{rel}-plain", binary)
    row["size_tls"], _ = stripped_size(tls, f"{rel}-tls", binary)
    if build_time:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            _, row["build_s_without"] = stripped_size(bare, a, binary, jobs=2)
            _, row["build_s_tls"] = stripped_size(tls, b, binary, jobs=2)
    return row


def report(rows):
    print(f"\n{'CLI':<14}{'without':>12}{'+HTTP':>12}{'+HTTP+TLS':>12}   crates: without, added (TLS / plain)")
    for r in rows:
        print(f"{r['cli']:<14}{r['size_without'] / MIB:>10.2f}Mi"
              f"{(r['size_plain'] - r['size_without']) / MIB:>+10.2f}Mi"
              f"{(r['size_tls'] - r['size_without']) / MIB:>+10.2f}Mi"
              f"   {r['crates_without']}, +{r['crates_added_tls']} / +{r['crates_added_plain']}")
    print("\ntargets")
    for r in rows:
        tls, plain = r["size_tls"] - r["size_without"], r["size_plain"] - r["size_without"]
        lines = [
            (f"{r['cli']}: HTTP + TLS adds <= 2.0 MiB", f"{tls / MIB:.2f} MiB", tls <= TARGETS["tls"]),
            (f"{r['cli']}: HTTP alone adds <= 1.0 MiB", f"{plain / MIB:.2f} MiB", plain <= TARGETS["plain"]),
            (f"{r['cli']}: <= 40 added crates (defaults)", f"+{r['crates_added_tls']}",
             r["crates_added_tls"] <= TARGETS["crates"]),
        ]
        if "build_s_tls" in r:
            ratio = r["build_s_tls"] / r["build_s_without"]
            lines.append((f"{r['cli']}: clean release build <= 1.3x",
                          f"{r['build_s_without']:.0f} s -> {r['build_s_tls']:.0f} s, {ratio:.2f}x",
                          ratio <= TARGETS["build"]))
        for what, value, ok in lines:
            print(f"{what:<52}{value:>28}  {verdict(ok)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clis", nargs="*", default=["fd", "jaq", "pastel", "rust-parallel"])
    ap.add_argument("--build-time", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    unknown = [c for c in args.clis if c not in CLIS]
    if unknown:
        ap.error(f"unknown CLI: {', '.join(unknown)} (known: {', '.join(CLIS)})")
    cache = Path(sh(["bash", str(HERE / "fetch.sh")], HERE).stdout.strip())
    rows = [measure(cache, c, args.build_time) for c in args.clis]
    report(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
