#!/usr/bin/env bash
# Builds dist/: the single executable dist/xpu-ctk with `deno compile` where Deno can get its
# denort runtime (online, or DENORT_BIN=/path/to/denort), else the launcher dist/bin/xpu-ctk,
# which runs the code-split bundle in dist/js/ with its own code cache in dist/deno-dir/. Either
# way dist/bin/ holds xpu-ctk and the applet names, so tests and users call one place: symlinks,
# except the compiled build's runtime name, a front that skips Deno where it can (see
# scripts/launcher.sh). Both record the runtime's decision in dist/run/ (/run/… when installed).
set -euo pipefail
cd "$(dirname "$0")/.."
deno=${DENO:-.tools/node_modules/.bin/deno}
root=$PWD
export NO_COLOR=1
source scripts/v8-flags.sh
# The applets the launcher starts directly and their names, from src/internal/argv0.ts.
applets=$("$deno" run --quiet --no-config --no-lock scripts/applets.ts)
# Names that run one xpu-ctk command (xpu-docker): symlinks only, started like xpu-ctk itself.
commands=$("$deno" run --quiet --no-config --no-lock scripts/applets.ts --commands)

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
printf '{"commit":"%s"}\n' "$commit" >build-info.json

# Fill the npm cache from the frozen lock (the only step that may need the registry).
"$deno" install --frozen --quiet

rm -rf dist
mkdir -p dist/bin
# --no-code-cache: a compiled binary keeps its code cache in one file in the temp directory,
# written by whichever user runs it first and holding only the modules loaded at start-up (not
# the applet, which main.ts imports lazily): root would read a file another user may have made.
if [ -z "${XPU_NO_COMPILE:-}" ] &&
  "$deno" compile --v8-flags="$V8_FLAGS" --no-code-cache --allow-all --frozen --quiet --no-check \
    --include build-info.json --output dist/xpu-ctk main.ts >dist/compile.log 2>&1; then
  ln -s ../xpu-ctk dist/bin/xpu-ctk
  scripts/launcher.sh --front dist/bin/xpu-container-runtime "$root/dist/xpu-ctk" "$root/dist/run"
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
  # scripts/merge_chunks.ts makes the lazy imports computed, folds shared chunks into the
  # modules that load them first (fewer modules per call), and points main.js at the applets.
  merge() { "$deno" run --quiet --allow-read --allow-write --no-config --no-lock scripts/merge_chunks.ts "$@"; }
  bundle --outdir dist/js --external ./src/runtime/main.ts --external ./src/hook/main.ts \
    --external ./src/cli/main.ts main.ts
  externals=()
  for applet in runtime hook cli; do
    bundle --code-splitting --outdir "dist/js/$applet" "src/$applet/main.ts"
    merge "dist/js/$applet" main.js
    externals+=("./src/$applet/main.ts=./$applet/main.js")
  done
  merge dist/js main.js "${externals[@]}"
  # version.ts reads ../build-info.json beside the applet's directory.
  cp build-info.json dist/js/build-info.json
  # The launcher starts the runtime and hook names at these entries (see scripts/launcher.sh).
  while read -r applet _; do
    printf 'import { invocation, main } from "./%s/main.js";\nDeno.exit(await main(invocation(Deno.args)));\n' "$applet" \
      >"dist/js/$applet.js"
  done <<<"$applets"
  scripts/launcher.sh dist/bin/xpu-ctk "$root/$deno" "$root/dist/js" "$root/dist/deno-dir" \
    "$root/dist/run"
fi
rm -f dist/compile.log
for name in $(cut -d' ' -f2- <<<"$applets") $commands; do
  [ -e "dist/bin/$name" ] || ln -s xpu-ctk "dist/bin/$name"
done
if [ ! -e dist/xpu-ctk ]; then
  scripts/warm-cache.sh "$root/dist/bin" "$root/$deno" "$root/dist/js" "$root/dist/deno-dir"
fi
