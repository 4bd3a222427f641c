#!/usr/bin/env bash
# Proof on real CLIs from crates.io, wired to consentry as the docs tell an author: fd
# and pastel (clap, one call), rust-parallel (clap, a command that takes the rest of the
# line), jaq (its own parser, consentry::cli). Each runs its OWN integration tests opted
# out, opted in against a real collector, and against a black hole (bench/README.md,
# "Real CLIs").
#
#   bench/real-clis/run.sh           # all four, three rounds of every state (suite times
#                                    # are noisy)
#   bench/real-clis/run.sh --short   # CI: fd, pastel and jaq, one round; under a minute
#                                    # once built (the first build of the three takes
#                                    # about 11 minutes on 2 cores; rust-parallel's 4 more)
#
# Fails if a CLI's test fails in any state, if a run opted in has no span at the
# collector (or a span has no run), or if the black hole slows the suite beyond the
# exit budget. Results: $cache/results.json (cache dir: see fetch.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=3
# rust-parallel (tokio) is left out of CI's short form: its first build would add about
# 4 minutes, and its shape is tested in CI by examples/runr (bench/README.md).
clis=(fd pastel rust-parallel jaq)
for arg in "$@"; do
  case "$arg" in
    --short) rounds=1 clis=(fd pastel jaq) ;;
    *) echo "usage: bench/real-clis/run.sh [--short]" >&2; exit 2 ;;
  esac
done
# One run at a time per cache: the working copies and the binaries swapped for the
# counting wrapper are shared.
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/real-clis"
mkdir -p "$cache_dir"
exec 9>"$cache_dir/.run-lock"
flock 9
source "$root/.ci/env.sh"
otelcol="${CONSENTRY_OTELCOL:-$(bash "$root/scripts/build-collector.sh")}"
cache="$(bash "$here/fetch.sh")"
python3 "$here/harness.py" --cache "$cache" --otelcol "$otelcol" \
  --config "$root/collector-config/local.yaml" --json "$cache/results.json" --rounds "$rounds" \
  "${clis[@]}"
