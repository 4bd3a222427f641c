#!/usr/bin/env bash
# Load test of the ingest gateway (tests/gateway_load.rs, full run): consentry-shaped
# OTLP/HTTP at rising rates against the otelcol gateway and the Rotel gateway, both
# forwarding to a sink on loopback. Prints a table. Takes about five minutes.
#   bench/gateway-load.sh [--short]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
mode=--full
[[ "${1:-}" == "--short" ]] && mode=
cargo test -q -p taskr --test gateway_load -- $mode 2>/dev/null
