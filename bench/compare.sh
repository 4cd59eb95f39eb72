#!/usr/bin/env bash
# A/B comparison of two builds: each case runs on build A then B (then B then A, alternating),
# many times, and the median of the paired differences is printed. Pairing cancels the drift in
# this machine's load, which is larger than most changes worth measuring.
# Usage: bench/compare.sh BIN_A BIN_B [CASE…]   (BIN_*: dist/bin directories; RUNS=N, default 60)
# e.g. bench/snapshot.sh /tmp/before; <change, make build>; bench/compare.sh /tmp/before/bin dist/bin
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,6s/^# \{0,1\}//p' "$0" >&2; exit 2; }
bin_a=$(realpath "$1") bin_b=$(realpath "$2")
shift 2
cd "$(dirname "$0")/.."
root=$PWD
deno=$root/.tools/node_modules/.bin/deno
export DENO_DIR=${DENO_DIR:-$root/.deno} DENO_NO_UPDATE_CHECK=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. bench/fixtures.sh
prime_fast "$bin_a"
prime_fast "$bin_b"

plan=()
for name in "${@:-${CASES[@]}}"; do
  case $name in a-floor*) continue ;; esac
  plan+=("$name" "$(case_prepare "$name")" "$(case_command "$name" "$bin_a")" \
    "$(case_command "$name" "$bin_b")")
done
"$deno" run --quiet -A --cached-only bench/compare.ts "${RUNS:-60}" "${plan[@]}"
