#!/usr/bin/env bash
# The main job: start a real OpenTelemetry collector (Rotel) on loopback, run the
# instrumented example CLI a few times, and show the spans that arrived.
#
#   scripts/demo.sh
#
# Ports: CONSENTRY_DEMO_GRPC_PORT (default 14317), CONSENTRY_DEMO_HTTP_PORT (14318).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
grpc_port="${CONSENTRY_DEMO_GRPC_PORT:-14317}"
http_port="${CONSENTRY_DEMO_HTTP_PORT:-14318}"

if ! python3 -c "import rotel" 2>/dev/null; then
  echo "demo: installing the rotel collector (pip install rotel==0.0.1a15)" >&2
  python3 -m pip install -q rotel==0.0.1a15 >&2
fi
rotel="$(python3 -c "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))")"

echo "demo: building taskr" >&2
cargo build -q -p taskr --manifest-path "$root/Cargo.toml"
export PATH="$root/target/debug:$PATH"

demo="$(mktemp -d)"
collector_pid=""
cleanup() { [[ -n "$collector_pid" ]] && kill "$collector_pid" 2>/dev/null; rm -rf "$demo"; }
trap cleanup EXIT

"$rotel" start --exporter blackhole --debug-log traces --debug-log-verbosity detailed \
  --otlp-grpc-endpoint "127.0.0.1:$grpc_port" --otlp-http-endpoint "127.0.0.1:$http_port" \
  > "$demo/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null && break
  kill -0 "$collector_pid" 2>/dev/null || { cat "$demo/collector.log"; exit 1; }
  sleep 0.1
done

# A private home so the demo leaves no settings or install id behind.
export HOME="$demo/home" XDG_CONFIG_HOME="$demo/home/.config"
export TASKR_TELEMETRY_ENDPOINT="http://127.0.0.1:$http_port"
cd "$demo"
run() { echo "\$ $*"; "$@" || echo "(exit code $?)"; }
run taskr add "email the landlord about the leak" --priority high --tag home
run taskr add "renew passport" -t admin
run taskr list --all
run taskr done 7
TASKR_TELEMETRY_PROTOCOL=grpc TASKR_TELEMETRY_ENDPOINT="http://127.0.0.1:$grpc_port" \
  run taskr done 1
echo "\$ DO_NOT_TRACK=1 taskr add \"this run is not sent\""
DO_NOT_TRACK=1 taskr add "this run is not sent"
run taskr telemetry status
sleep 0.5

echo
echo "=== spans received by the collector (Rotel debug output) ==="
awk '
  /^Resource attributes:/ { inres = 1; n++; next }
  /^ScopeSpans/           { inres = 0 }
  /^ *-> / && inres && n == 1 { sub(/^ */, ""); res = res "  " $0 "\n" }
  /^Span #/               { printf "%s", (n == 1 && !shown++ ? "resource (every span):\n" res : ""); print "span " n ":" }
  /^ *-> (Timestamp|DroppedAttributesCount|Attributes::)/ { next }
  /^ *-> Name: /          { sub(/^ *-> Name: /, ""); print "  event " $0; next }
  /^ *-> / && !inres      { sub(/^ */, ""); print "  " $0 }
' "$demo/collector.log"
count="$(grep -c '^Span #' "$demo/collector.log" || true)"
echo "=== $count spans received. Of the 5 runs with telemetry on, the first showed the notice"
echo "=== (on stderr, above) and sent nothing; the DO_NOT_TRACK run sent nothing either ==="
