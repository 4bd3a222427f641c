#!/usr/bin/env bash
# The main job: start a real OpenTelemetry collector (Rotel) on loopback, run the
# instrumented example CLI a few times, and show the spans that arrived.
#
#   scripts/demo.sh
#
# Ports: CONSENTRY_DEMO_GRPC_PORT (default 14317), CONSENTRY_DEMO_HTTP_PORT (14318);
# the upstream collector of the last part uses the next two (14319, 14320).
#
# It ends with the operator's side: the upstream collector (scripts/build-collector.sh,
# cached after its first build) writes taskr's spans to a file, and
# `python3 -m answers report` turns them, with ten weeks of a seeded generated history,
# into an HTML report: CONSENTRY_DEMO_REPORT (default ./consentry-report.html). Last,
# `taskr telemetry delete`: its erase request reaches that collector, and
# `python3 -m answers erase` removes the install's spans from the file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
report_out="${CONSENTRY_DEMO_REPORT:-$PWD/consentry-report.html}"
grpc_port="${CONSENTRY_DEMO_GRPC_PORT:-14317}"
http_port="${CONSENTRY_DEMO_HTTP_PORT:-14318}"

if ! python3 -c "import rotel" 2>/dev/null; then
  echo "demo: installing the rotel collector (pip install rotel==0.0.1a15)" >&2
  python3 -m pip install -q rotel==0.0.1a15 >&2
fi
rotel="$(python3 -c "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))")"

# The operator's side (last part) needs the answers' Python packages and the upstream
# collector; both come from the real home (caches), before the demo's private one.
if ! python3 -c "import duckdb, sqlglot, altair, vl_convert" 2>/dev/null; then
  echo "demo: installing the answers' Python packages (answers/requirements.txt)" >&2
  python3 -m pip install -q --root-user-action=ignore -r "$root/answers/requirements.txt" >&2
fi
echo "demo: building the upstream collector (cached after the first build)" >&2
otelcol="$(bash "$root/scripts/build-collector.sh")"

echo "demo: building taskr" >&2
cargo build -q -p taskr --manifest-path "$root/Cargo.toml"

demo="$(mktemp -d)"
# taskr sees only the variables the demo gives it (its own, DO_NOT_TRACK, the private
# home, the terminal's): a CI system's (CI=true: a shared id that cannot be erased) or
# a coding agent's variables in the caller's environment would change what it sends.
mkdir "$demo/bin" "$demo/real"
cat > "$demo/bin/taskr" <<'WRAPPER'
#!/usr/bin/env bash
keep=()
for v in PATH HOME XDG_CONFIG_HOME XDG_STATE_HOME TERM DO_NOT_TRACK ${!TASKR_*}; do
  [[ -n "${!v+x}" ]] && keep+=("$v=${!v}")
done
exec env -i "${keep[@]}" "$(dirname "$0")/../real/taskr" "$@"
WRAPPER
ln -s "$root/target/debug/taskr" "$demo/real/taskr"
chmod +x "$demo/bin/taskr"
export PATH="$demo/bin:$PATH"
collector_pid=""
otelcol_pid=""
cleanup() {
  [[ -n "$collector_pid" ]] && kill "$collector_pid" 2>/dev/null
  [[ -n "$otelcol_pid" ]] && kill "$otelcol_pid" 2>/dev/null
  rm -rf "$demo"
}
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
# The first run is at a terminal (script(1) gives it one), where a person sees the
# notice: it shows the notice and sends nothing. Output to a pipe never counts as
# showing it, so without this step nothing would ever be sent.
echo "\$ taskr add \"email the landlord about the leak\" --priority high --tag home   # at a terminal"
script -qec 'taskr add "email the landlord about the leak" --priority high --tag home' /dev/null | tr -d '\r'
run taskr add "renew passport" -t admin
run taskr list --all
run taskr done 7
TASKR_TELEMETRY_PROTOCOL=grpc TASKR_TELEMETRY_ENDPOINT="http://127.0.0.1:$grpc_port" \
  run taskr done 1
echo "\$ DO_NOT_TRACK=1 taskr add \"this run is not sent\""
DO_NOT_TRACK=1 taskr add "this run is not sent"
run taskr telemetry status
# Delivery is the detached uploader's, within a second here; wait for it (bounded).
for _ in $(seq 100); do
  (( $(grep -c '^Span #' "$demo/collector.log" || true) >= 4 )) && break
  sleep 0.1
done

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
echo "=== (at a terminal, above) and sent nothing; the DO_NOT_TRACK run sent nothing either ==="
(( count >= 4 )) || { echo "demo: expected 4 spans, the collector has $count" >&2; exit 1; }

echo
echo "=== the user's side: what was sent (as acknowledged), and a view of their own runs ==="
sleep 0.5
echo "\$ taskr telemetry log | head -30"
taskr telemetry log | head -30
run taskr telemetry view
echo
echo "=== local mode: runs are recorded on this machine and never uploaded ==="
run taskr telemetry local
run taskr add "a task recorded locally" --priority low
run taskr telemetry status
run taskr telemetry view
sleep 0.5
after="$(grep -c '^Span #' "$demo/collector.log" || true)"
echo "=== the collector still has $after spans: the local run was not sent ==="
[[ "$after" == "$count" ]] || { echo "demo: a local-mode run reached the collector" >&2; exit 1; }
# Back to uploading: what was recorded before this switch is never sent (as-of date).
run taskr telemetry enable 2>/dev/null

echo
echo "=== the operator's answers (answers/README.md) ==="
otel_grpc=$((grpc_port + 2)) otel_http=$((http_port + 2))
CONSENTRY_OTLP_GRPC="127.0.0.1:$otel_grpc" CONSENTRY_OTLP_HTTP="127.0.0.1:$otel_http" \
  CONSENTRY_SPANS_FILE="$demo/spans.jsonl" \
  "$otelcol" --config "$root/collector-config/local.yaml" > "$demo/otelcol.log" 2>&1 &
otelcol_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$otel_http") 2>/dev/null && break
  kill -0 "$otelcol_pid" 2>/dev/null || { cat "$demo/otelcol.log"; exit 1; }
  sleep 0.1
done
export TASKR_TELEMETRY_ENDPOINT="http://127.0.0.1:$otel_http"
for args in "add buy-milk --priority high" "list --all" "done 1" "done 99"; do
  # shellcheck disable=SC2086
  taskr $args >/dev/null 2>&1 || true
done
sleep 0.5
echo "$(wc -l < "$demo/spans.jsonl") spans from these taskr runs, written by the collector's file exporter"

# Ten weeks up to yesterday, so that the runs just made continue the history.
start="$(date -u -d "70 days ago" +%F)"
(cd "$root" && python3 -m answers generate --start "$start" --out "$demo/history.jsonl")
cat "$demo/history.jsonl" "$demo/spans.jsonl" > "$demo/all.jsonl"
(cd "$root" && python3 -m answers report --input "$demo/all.jsonl" --out "$report_out")
echo "=== report: $report_out (self-contained; open it in a browser, offline) ==="

echo
echo "=== erasure without an account: the user deletes, the store erases that install ==="
run taskr telemetry delete
sleep 0.5
(cd "$root" && python3 -m answers erase --store "$demo/spans.jsonl")
kill "$otelcol_pid" && wait "$otelcol_pid" 2>/dev/null || true
otelcol_pid=""
left="$(grep -c '"app.installation.id"' "$demo/spans.jsonl" || true)"
echo "=== the store now holds $left spans of that install (the erase request arrived and was applied) ==="
[[ "$left" == 0 ]] || { echo "demo: the erase request did not erase the install" >&2; exit 1; }
