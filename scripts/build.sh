#!/usr/bin/env bash
# Builds dist/: the single executable dist/xpu-ctk with `deno compile` where Deno can get its
# denort runtime (online, or DENORT_BIN=/path/to/denort), else the launcher dist/bin/xpu-ctk.
# Either way dist/bin/ holds xpu-ctk and the applet symlinks, so tests and users call one place.
set -euo pipefail
cd "$(dirname "$0")/.."
deno=${DENO:-.tools/node_modules/.bin/deno}
root=$PWD

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null | grep -v '^??' || true)" ]; then commit="$commit-dirty"; fi
printf '{"commit":"%s"}\n' "$commit" >build-info.json.tmp
cmp -s build-info.json.tmp build-info.json 2>/dev/null && rm build-info.json.tmp || mv build-info.json.tmp build-info.json

# Fill the module cache so the artifacts run offline.
"$deno" install --frozen --quiet
"$deno" cache --frozen --quiet main.ts

rm -rf dist
mkdir -p dist/bin
if [ -z "${XPU_NO_COMPILE:-}" ] &&
  NO_COLOR=1 "$deno" compile --allow-all --frozen --quiet --no-check --include build-info.json \
    --output dist/xpu-ctk main.ts >dist/compile.log 2>&1; then
  ln -s ../xpu-ctk dist/bin/xpu-ctk
  echo "built dist/xpu-ctk (deno compile)"
else
  reason=$(grep -m1 -E 'error sending request|DENORT|denort' dist/compile.log 2>/dev/null | sed 's/^ *[0-9]*: *//' || true)
  echo "deno compile is not possible here (${reason:-skipped by XPU_NO_COMPILE}); it needs the"
  echo "denort runtime from the network or DENORT_BIN=/path/to/denort. Building the launcher"
  echo "dist/bin/xpu-ctk instead: it runs the pinned Deno on main.ts and behaves the same."
  scripts/launcher.sh dist/bin/xpu-ctk "$root/$deno" "$root/main.ts" "$root/deno.json" "$DENO_DIR"
fi
rm -f dist/compile.log
for name in xpu-container-runtime xpu-container-runtime-hook xpu-container-toolkit; do
  ln -s xpu-ctk "dist/bin/$name"
done
