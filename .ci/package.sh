#!/usr/bin/env bash
# The crates as crates.io would have them: packaged (each verified by building the
# tarball on its own, consentry-clap against the packaged consentry), a publish dry
# run, and each published crate's own tests built and run from its unpacked tarball,
# with the lock file it ships. See RELEASING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(-p consentry -p consentry-clap)
# A copy unpacked by an earlier run with the same version would be reused as it is.
rm -rf target/package
cargo package "${crates[@]}" --locked
cargo publish --dry-run "${crates[@]}" --locked
version="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "consentry"))')"
root="$PWD/target/package"
# Each tarball is tested from a copy outside this repository, as a user who downloaded
# it would build it: no config of ours (.cargo/config.toml) applies there.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The unpacked tarballs live where `cargo package` left them; their tests use the
# workspace's target dir, so the dependencies the workspace built are not built again.
for crate in consentry consentry-clap; do
  [[ -f "$root/$crate-$version/Cargo.toml" ]] || { echo "package.sh: $crate-$version is missing" >&2; exit 1; }
  cp -r "$root/$crate-$version" "$scratch/"
  dir="$scratch/$crate-$version"
  echo "ci: tests of the published $crate $version" >&2
  if [[ $crate == consentry ]]; then
    (cd "$dir" && CARGO_TARGET_DIR="$root/.." cargo test --locked --lib --tests)
  else
    # consentry is not on crates.io yet: the packaged one stands in for it (in a
    # config file, so the cargo builds the tests start see it too), which changes the
    # shipped lock file's entry for it (so no --locked here).
    mkdir -p "$dir/.cargo"
    printf '[patch.crates-io]\nconsentry = { path = "%s" }\n' "$scratch/consentry-$version" \
      > "$dir/.cargo/config.toml"
    (cd "$dir" && CARGO_TARGET_DIR="$root/.." cargo test --lib --tests)
  fi
done
