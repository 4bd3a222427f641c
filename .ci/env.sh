# Sourced by .ci/run and scripts: puts a Go fetched by install-deps.sh on PATH.
go_path_file="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/go-path"
if [[ -f "$go_path_file" ]]; then
  PATH="$(cat "$go_path_file"):$PATH"
  export PATH
fi
