#!/usr/bin/env bash
# Per-call overhead of the toolkit, measured with hyperfine against the Deno floor.
# Usage: bench/run.sh   (after make build; RUNS=N to change the number of runs)
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

# One hyperfine run for all cases, so drift in the machine's load hits them alike.
args=()
for name in "${CASES[@]}"; do
  args+=(--prepare "$(case_prepare "$name")" -n "$name" "$(case_command "$name" "$root/dist/bin")")
done
hyperfine -N --warmup 5 --runs "$runs" --style basic --export-json "$work/results.json" "${args[@]}"

echo
"$deno" run --quiet -A --cached-only bench/report.ts "$work/results.json"
