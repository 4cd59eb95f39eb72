#!/usr/bin/env bash
# The README demo: a busybox container with simulated XPUs, run through the xpu-container-runtime
# shim and runc in legacy mode. The shim injects our prestart hook; the hook runs the vendor's
# xpu-container-cli, simulated by testdata/bin/fake-xpu-container-cli, which creates the
# requested device nodes inside the container. Needs root (runc, mknod).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (runc and mknod need it)" >&2; exit 1; }
work=$(mktemp -d /tmp/xpu-demo.XXXXXX)
id=xpu-demo-$$
cleanup() {
  runc --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== A simulated XPU host: driver root $work/driver"
mkdir -p "$work/driver/dev"
mknod -m 0666 "$work/driver/dev/xpu0" c 240 0
mknod -m 0666 "$work/driver/dev/xpu1" c 240 1
mknod -m 0666 "$work/driver/dev/xpuctrl" c 240 255
ls -l "$work/driver/dev"

echo "== A busybox bundle asking for XPU 1"
mkdir -p "$work/bundle/rootfs/bin"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for applet in sh ls cat; do ln -s busybox "$work/bundle/rootfs/bin/$applet"; done
(cd "$work/bundle" && runc spec)
DENO_DIR=$root/.deno .tools/node_modules/.bin/deno eval --quiet '
  const path = Deno.args[0];
  const spec = JSON.parse(Deno.readTextFileSync(path));
  spec.process.terminal = false;
  spec.process.args = ["sh", "-c", "ls -l /dev/xpu*; cat /xpu-configured"];
  spec.process.env.push("XPU_VISIBLE_DEVICES=1");
  spec.root.readonly = false;
  Deno.writeTextFileSync(path, JSON.stringify(spec, null, "\t"));
' "$work/bundle/config.json"

mkdir -p "$work/xdg/xpu-container-runtime"
cat >"$work/xdg/xpu-container-runtime/config.toml" <<TOML
[xpu-container-cli]
path = "$root/testdata/bin/fake-xpu-container-cli"
root = "$work/driver"
[xpu-container-runtime]
runtimes = ["runc"]
mode = "legacy"
[xpu-container-runtime-hook]
path = "$root/dist/bin/xpu-container-runtime-hook"
TOML

echo "== xpu-container-runtime run (the container's output follows)"
XDG_CONFIG_HOME=$work/xdg dist/bin/xpu-container-runtime --root "$work/state" run --bundle "$work/bundle" "$id"

echo "== The prestart hook the shim added to config.json"
grep -A8 '"prestart"' "$work/bundle/config.json"
