#!/usr/bin/env bash
# Gets the pinned sources of the real CLIs with cargo itself and prepares a patched
# working copy of each, wired to this workspace's consentry (bench/README.md, "Real CLIs").
#
#   bench/real-clis/fetch.sh     # prints the cache dir
#
# `cargo info NAME@VERSION` downloads the published .crate (sources and the package's
# own tests) into cargo's registry cache; nothing else touches the network here.
# Layout of the cache dir (${XDG_CACHE_HOME:-~/.cache}/consentry-dev/real-clis):
#   src/NAME-VERSION/    the published sources, untouched
#   work/NAME-VERSION/   a copy with NAME.patch applied and the path deps pointed here
#   target-NAME/         cargo's target dir, kept across runs and patch changes
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/consentry-dev/real-clis"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# The CLIs, pinned: name, version, binary.
CLIS=("fd-find 10.5.0 fd" "pastel 0.12.0 pastel" "rust-parallel 1.24.0 rust-parallel" "jaq 3.1.2 jaq")

crate_file() {
  compgen -G "$cargo_home/registry/cache/*/$1-$2.crate" | head -1 || true
}

mkdir -p "$cache/src" "$cache/work"
for entry in "${CLIS[@]}"; do
  read -r name version _ <<<"$entry"
  if [[ -z "$(crate_file "$name" "$version")" ]]; then
    # Run outside any workspace: cargo info only needs the registry.
    (cd "$cache" && cargo info -q "$name@$version" >/dev/null)
  fi
  file="$(crate_file "$name" "$version")"
  [[ -n "$file" ]] || { echo "fetch: $name $version not in cargo's registry cache" >&2; exit 1; }
  if [[ ! -d "$cache/src/$name-$version" ]]; then
    tar -xzf "$file" -C "$cache/src"
  fi
  # The working copy is remade from the pristine sources when the patch changes.
  stamp="$(cat "$here/$name.patch" <(echo "$root") | sha256sum | cut -c1-16)"
  work="$cache/work/$name-$version"
  if [[ "$(cat "$work/.patch-stamp" 2>/dev/null)" != "$stamp" ]]; then
    rm -rf "$work"
    cp -r "$cache/src/$name-$version" "$work"
    patch -s -p1 -d "$work" <"$here/$name.patch"
    sed -i "s|@CONSENTRY_WORKSPACE@|$root|g" "$work/Cargo.toml"
    echo "$stamp" >"$work/.patch-stamp"
  fi
done
echo "$cache"
