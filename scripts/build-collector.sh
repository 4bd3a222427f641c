#!/usr/bin/env bash
# Builds the upstream OpenTelemetry Collector from collector-config/builder-config.yaml
# with the collector builder (ocb), caching the binary outside the repository by the
# manifest's hash so that repeated runs skip the build. Prints the binary's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$root/collector-config/builder-config.yaml"
# ocb is the same release as the manifest's dist.version.
builder_version="v$(sed -nE 's/^  version: ([0-9.]+).*/\1/p' "$manifest" | head -1)"
cache="${CONSENTRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev}"
# The gateway's own processor (collector-config/consentrygate) is part of the binary.
gate="$root/collector-config/consentrygate"
gate_module="$(sed -n 's/^module //p' "$gate/go.mod")"
hash="$( (cat "$manifest"; echo "$builder_version"; cat "$gate"/go.mod "$gate"/go.sum "$gate"/*.go) | sha256sum | cut -c1-16)"
out="$cache/otelcol-$hash"
bin="$out/otelcol-consentry"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
source "$root/.ci/env.sh"
if ! command -v go >/dev/null; then
  echo "build-collector: go is not installed (run .ci/install-deps.sh)" >&2
  exit 1
fi
gobin="$(go env GOPATH)/bin"
if [[ ! -x "$gobin/builder" ]] || ! "$gobin/builder" version 2>/dev/null | grep -q "${builder_version#v}"; then
  echo "build-collector: installing ocb $builder_version" >&2
  go install "go.opentelemetry.io/collector/cmd/builder@$builder_version" >&2
fi
mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
sed -e "s#output_path: .*#output_path: $work/dist#" -e "s#path: ./consentrygate#path: $gate#" \
  "$manifest" > "$work/manifest.yaml"
echo "build-collector: building collector (manifest $hash); this takes a few minutes once" >&2
# ocb generates the sources; the modules are resolved here rather than by ocb's own
# `go mod tidy`, which also resolves every component's test-only imports, some of
# which the module proxy does not serve. `go get` of the exact component versions
# named in the generated sources, then `go build`, fetches only what the binary links.
"$gobin/builder" --config "$work/manifest.yaml" --skip-get-modules --skip-compilation >&2
core_version="$(grep -m1 -oE 'otlpreceiver v[0-9.]+' "$manifest" | cut -d' ' -f2)"
(
  cd "$work/dist"
  # Some ocb releases write a go.mod even with --skip-get-modules; start from a fresh one.
  rm -f go.mod go.sum
  go mod init otelcol-consentry >&2
  go mod edit -require="$gate_module@v0.0.0" -replace="$gate_module=$gate"
  mapfile -t mods < <(grep -ohE '"(go.opentelemetry.io|github.com)/[^ "]+ v[0-9.]+"' ./*.go | tr -d '"' | sed 's/ /@/' | sort -u)
  go get "${mods[@]}" "go.opentelemetry.io/collector/otelcol@$core_version" \
    "go.opentelemetry.io/collector/service@$core_version" >&2
  go build -mod=mod -trimpath -ldflags="-s -w" -o otelcol-consentry . >&2
)
mkdir -p "$out"
mv "$work/dist/otelcol-consentry" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$bin"
