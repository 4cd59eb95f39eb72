#!/usr/bin/env bash
# The README demo: busybox containers with simulated XPUs, run by `xpu-ctk run` through the
# xpu-container-runtime shim and runc. Needs root (runc, mknod).
#   1. csv mode: the CSV spec lists the driver's files; devices and libraries go into the spec.
#      CXPU_VISIBLE_DEVICES (from --xpus) picks host devices; the image's own
#      XPU_VISIBLE_DEVICES reaches the container untouched, for the XPU runtime inside.
#   2. legacy mode: the shim injects our prestart hook, which runs the vendor's
#      xpu-container-cli (simulated by testdata/bin/fake-xpu-container-cli), and with a
#      memory limit the hooks that create and destroy the container's memory instance.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (runc and mknod need it)" >&2; exit 1; }
work=$(mktemp -d /tmp/xpu-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== A simulated XPU host (driver root $work/driver)"
drv=$work/driver
mkdir -p "$drv/dev" "$drv/usr/local/xpu/lib64" "$drv/usr/bin"
mknod -m 0666 "$drv/dev/xpu0" c 240 0
mknod -m 0666 "$drv/dev/xpu1" c 240 1
mknod -m 0666 "$drv/dev/xpuctrl" c 240 255
echo "simulated libxpuml" >"$drv/usr/local/xpu/lib64/libxpuml.so.1.2.3"
ln -s libxpuml.so.1.2.3 "$drv/usr/local/xpu/lib64/libxpuml.so.1"
ls -l "$drv/dev"
mkdir -p "$work/csv"
cat >"$work/csv/xpu.csv" <<CSV
dev, /dev/xpu0
dev, /dev/xpu1
dev, /dev/xpuctrl
lib, /usr/local/xpu/lib64/libxpuml.so.1
CSV

# A busybox-static root filesystem (one per run: helper hooks write into the rootfs).
rootfs() {
  mkdir -p "$1/bin" "$1/etc" "$1/dev" "$1/proc" "$1/sys"
  cp /bin/busybox "$1/bin/busybox"
  for applet in sh ls cat readlink; do ln -s busybox "$1/bin/$applet"; done
}
rootfs "$work/rootfs-csv"
rootfs "$work/rootfs-legacy"

show='echo "request: CXPU_VISIBLE_DEVICES=$CXPU_VISIBLE_DEVICES, for the XPU runtime: XPU_VISIBLE_DEVICES=${XPU_VISIBLE_DEVICES:-(unset)}"; echo "devices:"; ls -l /dev/xpu*; echo "library:"; ls -l /usr/local/xpu/lib64/ 2>/dev/null; cat /etc/ld.so.conf.d/* 2>/dev/null; cat /xpu-configured 2>/dev/null; true'

echo
echo "== 1. csv mode: xpu-ctk run --rootfs … --xpus 1 --env XPU_VISIBLE_DEVICES=0"
cat >"$work/csv.toml" <<TOML
[xpu-container-cli]
root = "$drv"
[xpu-container-runtime]
mode = "csv"
[xpu-container-runtime.modes.csv]
mount-spec-path = "$work/csv"
TOML
dist/bin/xpu-ctk --config "$work/csv.toml" run --rootfs "$work/rootfs-csv" --xpus 1 \
  --env XPU_VISIBLE_DEVICES=0 -- sh -c "$show"

echo
echo "== 2. legacy mode with the (simulated) xpu-container-cli: xpu-ctk run --rw --xpus 0 --memory-limit 4g"
cat >"$work/legacy.toml" <<TOML
[xpu-container-cli]
root = "$drv"
path = "$root/testdata/bin/fake-xpu-container-cli"
environment = ["FAKE_CLI_LOG=$work/cli.log"]
[xpu-container-runtime]
mode = "legacy"
TOML
dist/bin/xpu-ctk --config "$work/legacy.toml" run --rootfs "$work/rootfs-legacy" --rw --xpus 0 \
  --memory-limit 4g -- sh -c "$show"
echo "xpu-container-cli was called with:"
sed -n 's/^argv=/  /p' "$work/cli.log"
