#!/usr/bin/env bash
# Per-call overhead of the toolkit, measured with hyperfine against the Deno floor.
# Usage: bench/run.sh   (after make build; RUNS=N runs per case in ROUNDS=M rounds, default 40 in 20)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-40}
deno=$root/.tools/node_modules/.bin/deno
export DENO_DIR=${DENO_DIR:-$root/.deno} DENO_NO_UPDATE_CHECK=1
command -v hyperfine >/dev/null || { echo "hyperfine is missing: make deps" >&2; exit 1; }
[ -x dist/bin/xpu-ctk ] || { echo "dist/bin/xpu-ctk is missing: make build" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/fixtures.sh
prime_fast "$root/dist/bin"

# The machine's speed drifts, often between two levels (whether Deno's start-up threads find the
# second core free), for seconds at a time, and hyperfine runs one command after another. So the
# runs are made in many short rounds, and in each round every case runs right after a run of its
# floor (named FLOOR@CASE): the report's overhead is the median of those paired differences,
# which the drift cancels out of.
rounds=${ROUNDS:-20}
args=()
for name in "${CASES[@]}"; do
  case $name in a-floor*) continue ;; esac
  floor=$(case_floor "$name")
  args+=(--prepare true -n "$floor@$name" "$(case_command "$floor" "$root/dist/bin")")
  args+=(--prepare "$(case_prepare "$name")" -n "$name" "$(case_command "$name" "$root/dist/bin")")
done
for round in $(seq 1 "$rounds"); do
  hyperfine -N --warmup 1 --runs $(((runs + rounds - 1) / rounds)) --style none \
    --export-json "$work/round$round.json" "${args[@]}" >/dev/null
  printf '.' >&2
done
echo >&2

echo
"$deno" run --quiet -A --cached-only bench/report.ts "$work"/round*.json
