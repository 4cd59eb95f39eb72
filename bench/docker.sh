#!/usr/bin/env bash
# (h) `docker run --rm busybox true` through --runtime=xpu versus --runtime=runc on a private
# dockerd (root, after make build and make deps). Prints the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/docker.sh: needs root" >&2; exit 1; }
docker=/usr/bin/docker
[ -x "$docker" ] || docker=docker
work=$(mktemp -d /tmp/xpu-bench-docker.XXXXXX)
sock=$work/docker.sock
cleanup() {
  [ -f "$work/docker.pid" ] && kill "$(cat "$work/docker.pid")" 2>/dev/null || true
  for _ in $(seq 1 60); do [ -e "$work/docker.pid" ] || break; sleep 0.5; done
  rm -rf "$work"
}
trap cleanup EXIT

echo '{}' >"$work/daemon.json"
dist/bin/xpu-ctk runtime configure --runtime=docker --config "$work/daemon.json" \
  --runtime-path "$root/dist/bin/xpu-container-runtime" 2>/dev/null
# The shim reads the default config from the scratch directory, so its decision can be recorded
# (the warm-up runs do, once the file is two seconds old) and the runtime's fast path taken.
mkdir -p "$work/xdg/xpu-container-runtime"
dist/bin/xpu-ctk config default >"$work/xdg/xpu-container-runtime/config.toml"
XDG_CONFIG_HOME=$work/xdg dockerd --host "unix://$sock" --data-root "$work/data" --exec-root "$work/exec" \
  --pidfile "$work/docker.pid" --config-file "$work/daemon.json" \
  --iptables=false --ip-masq=false --bridge=none --storage-driver vfs >"$work/dockerd.log" 2>&1 &
for _ in $(seq 1 120); do "$docker" -H "unix://$sock" info >/dev/null 2>&1 && break; sleep 0.5; done
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/true"
tar -C "$work/rootfs" -c . | "$docker" -H "unix://$sock" import - busybox-xpu >/dev/null
sleep 2

d="$docker -H unix://$sock run --rm --network none"
hyperfine -N --warmup 3 --runs "$runs" --style basic --export-json "$work/h.json" \
  -n runc "$d --runtime=runc busybox-xpu true" \
  -n xpu "$d --runtime=xpu -e CXPU_VISIBLE_DEVICES=void busybox-xpu true"
"$root/.tools/node_modules/.bin/deno" eval --quiet '
  const r = JSON.parse(Deno.readTextFileSync(Deno.args[0])).results;
  const [runc, xpu] = [r[0].median * 1000, r[1].median * 1000];
  console.log(`h-docker-run  runc ${runc.toFixed(1)} ms  xpu ${xpu.toFixed(1)} ms  ratio ${(xpu / runc).toFixed(3)}`);
' "$work/h.json"
