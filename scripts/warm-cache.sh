#!/usr/bin/env bash
# Fills the launcher's code cache (DENO_DIR: V8's compiled code, kept in SQLite) by running each
# applet once through BIN_DIR's names, the runtime in every mode, then checkpoints its write-ahead
# logs into the databases. The toolkit never checkpoints them itself: every call execs or exits
# before SQLite would, so each start would read the logs again. Nothing here may fail the build:
# a cold cache only costs time. Runs in a scratch directory; nothing of the host is written.
# Usage: scripts/warm-cache.sh BIN_DIR DENO_DIR
set -uo pipefail
bin=$1 deno_dir=$2
scripts=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec >/dev/null 2>&1

mkdir -p "$work/bundle/rootfs" "$work/empty" "$work/cdi"
# A CDI spec in YAML, so cdi mode loads its YAML parser as well.
printf 'cdiVersion: 0.5.0\nkind: kunlunxin.com/xpu\ndevices:\n  - name: "0"\n    containerEdits:\n      env: [WARM=1]\n' \
  >"$work/cdi/warm.yaml"
printf '{"ociVersion":"1.0.2","process":{"args":["true"],"cwd":"/","env":["CXPU_VISIBLE_DEVICES=0"]},"root":{"path":"rootfs"},"linux":{}}\n' \
  >"$work/spec.json"
for mode in legacy csv cdi; do
  mkdir -p "$work/$mode/xpu-container-runtime"
  cat >"$work/$mode/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
mode = "$mode"
[xpu-container-runtime.modes.csv]
mount-spec-path = "$work/empty"
[xpu-container-runtime.modes.cdi]
spec-dirs = ["$work/cdi"]
cache-dir = ""
[xpu-container-runtime-hook]
path = "/bin/true"
[xpu-container-cli]
path = "/bin/true"
root = "$work/empty"
[xpu-ctk]
path = "/bin/true"
TOML
  cp "$work/spec.json" "$work/bundle/config.json"
  # The shim's decision goes to the scratch directory, not to where the front looks for it.
  XDG_CONFIG_HOME=$work/$mode XPU_CTK_DECISION_DIR=$work/decision \
    "$bin/xpu-container-runtime" create --bundle "$work/bundle" warm-cache
done
export XDG_CONFIG_HOME=$work/legacy XPU_CTK_DECISION_DIR=$work/decision
"$bin/xpu-container-runtime" --version
printf '{"ociVersion":"1.0.2","id":"warm-cache","pid":1,"bundle":"%s"}' "$work/bundle" |
  "$bin/xpu-container-runtime-hook" prestart
"$bin/xpu-ctk" --help
"$bin/xpu-ctk" config
"${DENO:-$scripts/../.tools/node_modules/.bin/deno}" run --quiet --allow-read --allow-write \
  --no-config --no-lock "$scripts/checkpoint.ts" "$deno_dir"
