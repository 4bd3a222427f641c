#!/usr/bin/env bash
# Load test of the ingest gateway (tests/gateway_load.rs, full run), release build:
# first the privacy checks' CPU per span against the minimal pipeline (ratio, target
# <= 1.5, at 1 and 50 spans per request), then consentry-shaped OTLP/HTTP at rising
# rates against the otelcol gateway and the Rotel gateway, both forwarding to a sink on
# loopback. Prints the tables; fails when a ratio is over the target. About six minutes.
#   bench/gateway-load.sh [--short | --ratio]     --ratio: the privacy checks' cost only
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
if [[ -z "${CONSENTRY_OTELCOL:-}" ]]; then
  CONSENTRY_OTELCOL="$(bash scripts/build-collector.sh)"
  export CONSENTRY_OTELCOL
fi
mode=--full
[[ "${1:-}" == "--short" ]] && mode=
[[ "${1:-}" == "--ratio" ]] && mode=--ratio
# The repository's target directory (the default); build errors are shown.
cargo test --release --locked -p taskr --test gateway_load --no-run
cargo test --release --locked -q -p taskr --test gateway_load -- $mode
