#!/usr/bin/env bash
# Fills the launcher's code cache (DENO_DIR: V8's compiled code, kept in SQLite), then checkpoints
# its write-ahead logs into the databases: the toolkit never does, since every call execs or
# exits before SQLite would, so each start would read the logs again. Deno writes a module's code
# when its event loop next turns, which a call that execs at once may never reach: so every module
# of the applets is first imported by scripts/warm_modules.js (with the launcher's Deno, V8 flags
# and cache), then each applet runs once to its end, which caches its entry. Nothing here may fail
# the build (a cold cache only costs time), and nothing of the host is written.
# Usage: scripts/warm-cache.sh BIN_DIR DENO BUNDLE_DIR DENO_DIR
set -uo pipefail
bin=$1 deno=$2 bundle=$3 deno_dir=$4
scripts=$(dirname "$0")
source "$scripts/v8-flags.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec >/dev/null 2>&1

DENO_DIR=$deno_dir DENO_NO_UPDATE_CHECK=1 "$deno" run --v8-flags="$V8_FLAGS" --quiet --allow-read \
  --cached-only --no-config --no-lock "$scripts/warm_modules.js" "$bundle"
export XDG_CONFIG_HOME=$work XPU_CTK_DECISION_DIR=$work
"$bin/xpu-container-runtime" --help
"$bin/xpu-container-runtime-hook" -version
"$bin/xpu-ctk" --help
"${DENO:-$scripts/../.tools/node_modules/.bin/deno}" run --quiet --allow-read --allow-write \
  --no-config --no-lock "$scripts/checkpoint.ts" "$deno_dir"
