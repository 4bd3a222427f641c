#!/usr/bin/env bash
# Starts Rotel (rotel-agent from the `rotel` wheel) with one of the setups in this
# folder: `run.sh local` or `run.sh gateway`, then any extra rotel-agent flags.
# CONSENTRY_ROTEL overrides the binary. Runs in the foreground (exec).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
setup="${1:?usage: run.sh local|gateway [rotel-agent flags]}"
shift
[[ -f "$here/$setup.env" ]] || { echo "run.sh: no setup $setup" >&2; exit 2; }
set -a
# shellcheck source=/dev/null
source "$here/$setup.env"
set +a
# Empty values would still count as set for rotel-agent's flags.
for v in $(compgen -v ROTEL_); do [[ -n "${!v}" ]] || unset "$v"; done
bin="${CONSENTRY_ROTEL:-$(python3 -c 'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))')}"
exec "$bin" start "$@"
