# Sourced by .ci/run and scripts: puts a Go fetched by install-deps.sh on PATH.
go_path_file="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/go-path"
if [[ -f "$go_path_file" ]]; then
  PATH="$(cat "$go_path_file"):$PATH"
  export PATH
fi
# Toxiproxy built by install-deps.sh (network faults for tests and benchmarks).
if [[ -z "${CONSENTRY_TOXIPROXY:-}" ]]; then
  _tp="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/toxiproxy-v2.12.0/toxiproxy-server"
  [[ -x "$_tp" ]] && export CONSENTRY_TOXIPROXY="$_tp"
  unset _tp
fi
