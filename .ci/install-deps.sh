#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmarks need on a fresh machine, and
# nothing that is already there: strace (opt-out tests, bench/run.sh counts), binutils
# (strip and nm for the benchmark's binary sizes), GNU time (its peak memory), Go >= 1.23 (to build the
# collector with ocb), the rotel wheel (second collector, demo, Rotel gateway), gzip and
# python3; for the operator's answers (answers/): headless Chromium (report test), Java
# and Maven (Kafka's jars, copied from Maven Central into the cache) and the pinned
# Python packages of answers/requirements.txt; cargo itself must already be present
# (the machine's Rust toolchain).
set -euo pipefail

need_apt=()
command -v strace >/dev/null || need_apt+=(strace)
command -v curl >/dev/null || need_apt+=(curl)
command -v strip >/dev/null && command -v nm >/dev/null || need_apt+=(binutils)  # bench/footprint.py
[[ -x /usr/bin/time ]] || need_apt+=(time)              # bench/wall.py: peak RSS of each run
command -v unzip >/dev/null || need_apt+=(unzip)
command -v gzip >/dev/null || need_apt+=(gzip)          # gateway bad-input test (decompression bomb)
command -v patch >/dev/null || need_apt+=(patch)        # bench/real-clis/fetch.sh
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)  # rotel wheel, gateway allowlist generator
command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null \
  || need_apt+=(chromium-headless-shell)                # answers report test
command -v java >/dev/null || need_apt+=(default-jre-headless)  # Kafka for the answers tests
command -v mvn >/dev/null || need_apt+=(maven)
if ((${#need_apt[@]})); then
  echo "install-deps: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need_apt[@]}" >&2
fi

if ! command -v cargo >/dev/null; then
  echo "install-deps: cargo is missing; this project needs a Rust toolchain (1.88+) on PATH" >&2
  exit 1
fi

go_ok() {
  command -v go >/dev/null || return 1
  local v
  v="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
  [[ "$(printf '%s\n' 1.23 "$v" | sort -V | head -1)" == 1.23 ]]
}
if ! go_ok; then
  # The Go toolchain is itself published as a module (golang.org/toolchain) on the
  # Go module proxy; fetch that zip rather than an installer from elsewhere.
  ver="go1.24.4"
  arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
  dest="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/toolchain-$ver"
  if [[ ! -x "$dest/bin/go" ]]; then
    echo "install-deps: fetching Go $ver from the module proxy" >&2
    proxy="${GOPROXY:-https://proxy.golang.org}"; proxy="${proxy%%,*}"
    tmp="$(mktemp -d)"
    curl -fsSL "$proxy/golang.org/toolchain/@v/v0.0.1-$ver.linux-$arch.zip" -o "$tmp/go.zip"
    unzip -q "$tmp/go.zip" -d "$tmp"
    mkdir -p "$(dirname "$dest")"
    rm -rf "$dest"
    mv "$tmp/golang.org/toolchain@v0.0.1-$ver.linux-$arch" "$dest"
    rm -rf "$tmp"
  fi
  echo "$dest/bin" > "${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/go-path"
fi

if ! python3 -c "import rotel" 2>/dev/null; then
  echo "install-deps: pip install rotel==0.0.1a15" >&2
  python3 -m pip install -q rotel==0.0.1a15 >&2
fi

# Toxiproxy (network faults on loopback for tests/exit_path.rs and bench/run.sh: latency,
# bandwidth, slow close, reset, timeout), built from its Go module like the collector and
# cached; the tests find it through CONSENTRY_TOXIPROXY (.ci/env.sh sets it).
toxiproxy_ver="v2.12.0"
toxiproxy_dir="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/toxiproxy-$toxiproxy_ver"
if [[ ! -x "$toxiproxy_dir/toxiproxy-server" ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
  echo "install-deps: go install github.com/Shopify/toxiproxy/v2 $toxiproxy_ver" >&2
  mkdir -p "$toxiproxy_dir"
  GOBIN="$toxiproxy_dir/bin" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$toxiproxy_ver" \
    "github.com/Shopify/toxiproxy/v2/cmd/cli@$toxiproxy_ver" >&2
  mv "$toxiproxy_dir/bin/server" "$toxiproxy_dir/toxiproxy-server"
  mv "$toxiproxy_dir/bin/cli" "$toxiproxy_dir/toxiproxy-cli"
  rmdir "$toxiproxy_dir/bin"
fi

# The operator's answers: pinned Python packages (pip is quick when they are present).
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$(dirname "$0")/../answers/requirements.txt" >&2

# Kafka (KRaft) jars for the answers end-to-end tests, from Maven Central, cached.
kafka_pom="$(dirname "$0")/../answers/kafka/pom.xml"
kafka_version="$(sed -nE 's#.*<version>(4\.[0-9.]+)</version>.*#\1#p' "$kafka_pom" | head -1)"
kafka_dir="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/kafka-$kafka_version"
if [[ ! -f "$kafka_dir/.complete" ]]; then
  echo "install-deps: fetching Kafka $kafka_version jars (mvn dependency:copy-dependencies)" >&2
  rm -rf "$kafka_dir"
  mkdir -p "$kafka_dir"
  mvn -q -B -f "$kafka_pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$kafka_dir/libs" >&2
  touch "$kafka_dir/.complete"
fi
