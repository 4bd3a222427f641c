#!/usr/bin/env bash
# What consentry costs a CLI, against the same CLI without it and against the standard
# wiring: one command, one table (see bench/README.md).
#
#   bench/run.sh                  # full suite, about 30 minutes on 2 cores
#   bench/run.sh --no-build-time  # the same without the clean builds (about 20 minutes)
#   bench/exit_path.py            # the exit-path matrix alone (about 5 minutes once built)
#   bench/run.sh --short          # CI: counts only; fails if an opted-out run creates a
#                                 # thread, process, socket or file (under a minute once built)
#
# Everything talks to 127.0.0.1 only. Results (JSON, criterion's estimates, the report)
# go to $CARGO_TARGET_DIR/bench-results.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
results="$CARGO_TARGET_DIR/bench-results"
mkdir -p "$results"

mode=full build_time=--build-time
for arg in "$@"; do
  case "$arg" in
    --short) mode=short ;;
    --no-build-time) build_time= ;;
    *) echo "usage: bench/run.sh [--short | --no-build-time]" >&2; exit 2 ;;
  esac
done

if [[ $mode == short ]]; then
  python3 bench/wall.py --short --json "$results/wall-short.json"
  python3 bench/report.py --wall "$results/wall-short.json"
  exit
fi

rounds=3
status=0
{
  echo "consentry benchmark suite, $(date -u +%Y-%m-%d), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  python3 bench/wall.py --runs 25 --json "$results/wall.json" || status=$?
  # The exit path on real networks (Toxiproxy from .ci/install-deps.sh): RTT x protocol
  # x TLS, black hole, trickle, spool 1,000 vs empty, delivery delay.
  python3 bench/exit_path.py --runs 25 --json "$results/exit-path.json" || status=$?
  # Sizes (HTTP with and without TLS, gRPC, both) and opted-out peak RSS, each against
  # the CLI without consentry built and run in this same invocation.
  python3 bench/footprint.py $build_time --json "$results/footprint.json"
  rm -rf "$results/criterion"
  for r in $(seq 1 $rounds); do
    echo "criterion round $r of $rounds..." >&2
    CRITERION_HOME="$results/criterion" cargo bench -q --locked -p consentry --bench overhead -- \
      --save-baseline "r$r" --noplot >"$results/criterion-r$r.log" 2>&1
  done
  python3 bench/report.py --wall "$results/wall.json" --footprint "$results/footprint.json" \
    --criterion "$results/criterion" --rounds $rounds
  exit $status
} 2>&1 | tee "$results/report.txt"
