#!/usr/bin/env bash
# Builds dist/: the single executable dist/xpu-ctk with `deno compile` where Deno can get its
# denort runtime (online, or DENORT_BIN=/path/to/denort), else the launcher dist/bin/xpu-ctk,
# which runs the code-split bundle in dist/js/. Either way dist/bin/ holds xpu-ctk and the applet
# symlinks, so tests and users call one place.
set -euo pipefail
cd "$(dirname "$0")/.."
deno=${DENO:-.tools/node_modules/.bin/deno}
root=$PWD
export NO_COLOR=1
source scripts/v8-flags.sh

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
printf '{"commit":"%s"}\n' "$commit" >build-info.json

# Fill the npm cache from the frozen lock (the only step that may need the registry).
"$deno" install --frozen --quiet

rm -rf dist
mkdir -p dist/bin
if [ -z "${XPU_NO_COMPILE:-}" ] &&
  "$deno" compile --v8-flags="$V8_FLAGS" --allow-all --frozen --quiet --no-check --include build-info.json \
    --output dist/xpu-ctk main.ts >dist/compile.log 2>&1; then
  ln -s ../xpu-ctk dist/bin/xpu-ctk
  echo "built dist/xpu-ctk (deno compile)"
else
  reason=$(grep -m1 -E 'error sending request|DENORT|denort' dist/compile.log 2>/dev/null |
    sed 's/^ *[0-9]*: *//' || true)
  echo "deno compile is not possible here (${reason:-skipped: XPU_NO_COMPILE is set}); it needs"
  echo "the denort runtime from the network or DENORT_BIN=/path/to/denort. Building the launcher"
  echo "dist/bin/xpu-ctk instead: it runs the bundled toolkit with the pinned Deno, the same way."
  # main.ts (the argv[0] dispatch) is bundled on its own, and each applet separately: one
  # shared split would scatter each applet's code over many small chunks, and every module a
  # call loads costs it time. Within an applet, code splitting keeps lazy parts lazy. The browser
  # platform makes npm packages resolve to their ES module builds: a CommonJS build would pull in
  # node:module, whose set-up costs ~20 ms on every call.
  bundle() { "$deno" bundle --frozen --quiet --platform browser "$@"; }
  bundle --outdir dist/js --external ./src/runtime/main.ts --external ./src/hook/main.ts \
    --external ./src/cli/main.ts main.ts
  for applet in runtime hook cli; do
    bundle --code-splitting --outdir "dist/js/$applet" "src/$applet/main.ts"
    sed -i "s|\"./src/$applet/main.ts\"|\"./$applet/main.js\"|" dist/js/main.js
  done
  # Deno reads (and parses) every statically analyzable dynamic import before running anything,
  # so the bundles' lazy imports are made computed: each call then reads only what it runs.
  sed -i -E 's/import\("(\.\/[A-Za-z0-9_/-]+\.js)"\)/import(new URL("\1", import.meta.url).href)/g' \
    dist/js/*.js dist/js/*/*.js
  # Shared chunks are folded into the modules that load them first: fewer modules per call.
  for applet in runtime hook cli; do
    "$deno" run --quiet --allow-read --allow-write --no-config --no-lock scripts/merge_chunks.ts \
      "dist/js/$applet" main.js
  done
  # version.ts reads ../build-info.json beside the applet's directory.
  cp build-info.json dist/js/build-info.json
  # The launcher starts the runtime and hook names at these entries (see scripts/launcher.sh).
  for applet in runtime hook; do
    printf 'import { main } from "./%s/main.js";\nDeno.exit(await main(Deno.args));\n' "$applet" \
      >"dist/js/$applet.js"
  done
  scripts/launcher.sh dist/bin/xpu-ctk "$root/$deno" "$root/dist/js" "$DENO_DIR"
fi
rm -f dist/compile.log
# The applet names are those of src/internal/argv0.ts.
names=$("$deno" run --quiet --no-config --no-lock scripts/applets.ts | cut -d' ' -f2-)
for name in $names; do
  ln -s xpu-ctk "dist/bin/$name"
done
