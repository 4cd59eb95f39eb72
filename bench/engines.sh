#!/usr/bin/env bash
# End to end: `run --rm … true` through runc and through the toolkit on a private dockerd, podman
# and a private containerd (`ctr run --runc-binary`), alternating runc and ours in one run, for
# containers asking for no XPU (void), one XPU in legacy mode (the fake cli of testdata/), in csv
# mode, in cdi mode (the shim), and through podman's native CDI with our helper hooks (cdi-native).
# Prints each row's medians, their ratio, the median of the paired ratios and how many times a
# container of ours starts Deno (counted with strace, not assumed).
# Usage: bench/engines.sh [--help]   (root, after make build and make deps)
#   RUNS=N       pairs (runc, ours) per row, default 20
#   ENGINES=…    a subset of "docker podman containerd"
#   CASES=…      a subset of "void legacy csv cdi cdi-native"
#   BIN=DIR      the toolkit's bin directory, default dist/bin (e.g. a bench/snapshot.sh copy)
# Everything runs in a private mount namespace in which /etc and /run are overlays on a temp dir,
# so the shim reads its config from /etc/xpu-container-runtime/config.toml as on a real host
# (XDG_CONFIG_HOME stays unset), podman finds the CDI specs in /etc/cdi, and nothing reaches the
# host's /etc or /run. The daemons get their own sockets and directories there too.
set -euo pipefail
usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
-h | --help) usage && exit 0 ;;
'') ;;
*) usage >&2 && exit 2 ;;
esac
# BIN is named from where the script was started.
[ -z "${BIN:-}" ] || BIN=$(realpath -m "$BIN")
cd "$(dirname "$0")/.."
root=$PWD
export LC_ALL=C

# The outer half: checks, the work directory, and the namespace the inner half runs in.
if [ -z "${XPU_BENCH_ENGINES_WORK:-}" ]; then
  fail() { echo "bench/engines.sh: $2" >&2 && exit "$1"; }
  [[ ${RUNS:-20} =~ ^[1-9][0-9]*$ ]] || fail 2 "RUNS must be a positive integer, not \"$RUNS\""
  for engine in ${ENGINES:-}; do
    [[ $engine =~ ^(docker|podman|containerd)$ ]] || fail 2 "unknown engine \"$engine\" in ENGINES"
  done
  for case in ${CASES:-}; do
    [[ $case =~ ^(void|legacy|csv|cdi|cdi-native)$ ]] || fail 2 "unknown case \"$case\" in CASES"
  done
  [ "$(id -u)" -eq 0 ] || fail 1 "needs root (daemons, mknod, a mount namespace)"
  [ -x "${BIN:-dist/bin}/xpu-ctk" ] || fail 1 "${BIN:-dist/bin}/xpu-ctk is missing: make build"
  for tool in runc unshare mount; do
    command -v "$tool" >/dev/null || fail 1 "$tool is missing: make deps"
  done
  [ -x /bin/busybox ] || fail 1 "/bin/busybox is missing: make deps installs busybox-static"
  start=$SECONDS
  work=$(mktemp -d /tmp/xpu-bench-engines.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  # Mounts made inside stay inside (unshare's default propagation is private), so the temp dir
  # is removed from here, whatever was left mounted in there.
  status=0
  XPU_BENCH_ENGINES_WORK=$work unshare --mount -- "$root/bench/engines.sh" || status=$?
  echo "wall time: $((SECONDS - start)) s" >&2
  exit "$status"
fi

work=$XPU_BENCH_ENGINES_WORK
runs=${RUNS:-20}
bin=$(realpath "${BIN:-dist/bin}")
shim=$bin/xpu-container-runtime
deno=${DENO:-$root/.tools/node_modules/.bin/deno}
runc=$(command -v runc)
results=$work/results.tsv
: >"$results"
unset XDG_CONFIG_HOME
# For the bench's own Deno scripts (the toolkit's launcher sets its own).
deno_run() { DENO_DIR=${DENO_DIR:-$root/.deno} DENO_NO_UPDATE_CHECK=1 "$deno" "$@"; }
# quietly CMD…: a setup step, whose output is shown only if it fails.
quietly() {
  "$@" >"$work/step.log" 2>&1 ||
    { cat "$work/step.log" >&2 && echo "bench/engines.sh: failed: $*" >&2 && exit 1; }
}

for dir in /etc /run; do
  mkdir -p "$work/overlay$dir/upper" "$work/overlay$dir/work"
  mount -t overlay overlay -o \
    "lowerdir=$dir,upperdir=$work/overlay$dir/upper,workdir=$work/overlay$dir/work" "$dir"
done

# The Deno binaries whose starts are counted: the pinned Deno the launcher execs, and the
# compiled binary when the build made one.
deno_bins=("$deno")
[ "$(head -c2 "$bin/xpu-ctk")" = '#!' ] || deno_bins+=("$(realpath "$bin/xpu-ctk")")

# A simulated XPU host: a driver root with two device nodes, the control node and the library
# (as tests/e2e/driver.ts makes it), its CSV spec, and the CDI specs generated for it.
drv=$work/driver
mkdir -p "$drv/dev" "$drv/usr/local/xpu/lib64" "$work/csv" "$work/cdi" /etc/cdi
mknod -m 0666 "$drv/dev/xpu0" c 240 0
mknod -m 0666 "$drv/dev/xpu1" c 240 1
mknod -m 0666 "$drv/dev/xpuctrl" c 240 255
echo "simulated libxpuml" >"$drv/usr/local/xpu/lib64/libxpuml.so.1.2.3"
ln -s libxpuml.so.1.2.3 "$drv/usr/local/xpu/lib64/libxpuml.so.1"
printf '%s\n' "dev, /dev/xpu0" "dev, /dev/xpu1" "dev, /dev/xpuctrl" \
  "lib, /usr/local/xpu/lib64/libxpuml.so.1" >"$work/csv/xpu.csv"
# cdi mode (the shim) reads its own directory; podman reads /etc/cdi (private here): the spec as
# generated, and for runc's side of cdi-native the same devices without our hooks.
quietly "$bin/xpu-ctk" cdi generate --driver-root "$drv" --from devices -o "$work/cdi/xpu.yaml"
cp "$work/cdi/xpu.yaml" /etc/cdi/xpu.yaml
quietly "$bin/xpu-ctk" cdi generate --driver-root "$drv" --from devices \
  --kind kunlunxin.com/xpu-plain -o "$work/plain.json"
quietly deno_run eval --quiet --no-config 'const s = JSON.parse(Deno.readTextFileSync(Deno.args[0]));
  delete s.containerEdits.hooks;
  Deno.writeTextFileSync(Deno.args[1], JSON.stringify(s));' "$work/plain.json" /etc/cdi/xpu-plain.json

# The shim's config, in the place a host has it; each case is one rewrite of it.
write_config() {
  mkdir -p /etc/xpu-container-runtime
  cat >/etc/xpu-container-runtime/config.toml <<TOML
[xpu-container-cli]
root = "$drv"
path = "$root/testdata/bin/fake-xpu-container-cli"
[xpu-container-runtime]
mode = "$1"
runtimes = ["$runc"]
[xpu-container-runtime.modes.csv]
mount-spec-path = "$work/csv"
[xpu-container-runtime.modes.cdi]
spec-dirs = ["$work/cdi"]
[xpu-container-runtime-hook]
path = "$bin/xpu-container-runtime-hook"
[xpu-ctk]
path = "$bin/xpu-ctk"
TOML
}

# The image every engine runs: busybox-static in a docker-archive (docker load, podman load and
# ctr images import all read one).
image=$work/image.tar
make_image() {
  local d=$work/image arch config
  mkdir -p "$d/rootfs/bin" "$d/rootfs/dev" "$d/rootfs/proc" "$d/rootfs/sys" "$d/rootfs/etc"
  cp /bin/busybox "$d/rootfs/bin/busybox"
  for applet in sh true ls; do ln -s busybox "$d/rootfs/bin/$applet"; done
  tar -C "$d/rootfs" -cf "$d/layer.tar" .
  arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$(sha256sum <"$d/layer.tar" | cut -d' ' -f1)" >"$d/config.json"
  config=$(sha256sum <"$d/config.json" | cut -d' ' -f1).json
  mv "$d/config.json" "$d/$config"
  printf '[{"Config":"%s","RepoTags":["busybox-xpu:latest"],"Layers":["layer.tar"]}]' "$config" \
    >"$d/manifest.json"
  tar -C "$d" -cf "$image" manifest.json "$config" layer.tar
}
make_image

# What each case asks for, and the mode the shim's config is in for it.
case_mode() {
  case $1 in
  void | cdi-native) echo auto ;;
  *) echo "$1" ;;
  esac
}
case_request() {
  case $1 in
  legacy | csv) echo "CXPU_VISIBLE_DEVICES=0" ;;
  cdi) echo "CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0" ;;
  esac
}

# Each engine defines ENGINE_start (fails, setting why, if the engine cannot run), ENGINE_stop,
# ENGINE_pids (its daemon, if any), ENGINE_unsupported CASE (succeeds, setting why, if the engine
# cannot run the case) and ENGINE_cmd VARIANT CASE ARGS… (sets cmd to the command that runs one
# container of ARGS, VARIANT being runc or ours).

# ---- docker: a private dockerd configured by xpu-ctk runtime configure.
docker_client=/usr/bin/docker # Debian's client matches Debian's daemon; another may come first
[ -x "$docker_client" ] || docker_client=docker
docker_pid=
docker_start() {
  local d=$work/docker
  command -v dockerd >/dev/null || { why="dockerd missing (make deps installs docker.io)" && return 1; }
  mkdir -p "$d"
  echo '{}' >"$d/daemon.json"
  "$bin/xpu-ctk" runtime configure --runtime=docker --config "$d/daemon.json" \
    --runtime-path "$shim" >"$d/configure.log" 2>&1 ||
    { why="xpu-ctk runtime configure failed: $(tail -n1 "$d/configure.log")" && return 1; }
  dockerd --host "unix://$d/docker.sock" --data-root "$d/data" --exec-root "$d/exec" \
    --pidfile "$d/docker.pid" --config-file "$d/daemon.json" \
    --iptables=false --ip-masq=false --bridge=none --storage-driver vfs >"$d/dockerd.log" 2>&1 &
  docker_pid=$!
  wait_for dockerd "$docker_pid" "$d/dockerd.log" "$docker_client" -H "unix://$d/docker.sock" info ||
    return 1
  "$docker_client" -H "unix://$d/docker.sock" load -i "$image" >/dev/null 2>"$d/load.log" ||
    { why="docker load failed: $(tail -n1 "$d/load.log")" && return 1; }
}
docker_stop() { stop_daemon "$docker_pid"; }
docker_pids() { echo "$docker_pid"; }
docker_unsupported() {
  [ "$1" = cdi-native ] &&
    why="$(dockerd --version | cut -d, -f1) takes no CDI devices (25+ does; not benchmarked)"
}
docker_cmd() {
  local variant=$1 case=$2 request
  shift 2
  request=$(case_request "$case")
  cmd=("$docker_client" -H "unix://$work/docker/docker.sock" run --rm --network none)
  if [ "$variant" = runc ]; then
    cmd+=(--runtime=runc)
  else
    cmd+=(--runtime=xpu ${request:+-e "$request"})
  fi
  cmd+=(busybox-xpu "$@")
}

# ---- podman: private storage and run roots, the shim registered by xpu-ctk runtime configure.
podman_start() {
  local d=$work/podman
  command -v podman >/dev/null || { why="podman missing (make deps)" && return 1; }
  mkdir -p "$d"
  "$bin/xpu-ctk" runtime configure --runtime=podman --mode=runtime --config "$d/containers.conf" \
    --runtime-path "$shim" >"$d/configure.log" 2>&1 ||
    { why="xpu-ctk runtime configure failed: $(tail -n1 "$d/configure.log")" && return 1; }
  podman_base runc
  "${cmd[@]}" load -i "$image" >/dev/null 2>"$d/load.log" ||
    { why="podman load failed: $(tail -n1 "$d/load.log")" && return 1; }
}
podman_stop() { :; }
podman_pids() { :; }
podman_unsupported() { false; }
# podman_base RUNTIME: sets cmd to podman with the private storage, config and RUNTIME.
podman_base() {
  local d=$work/podman
  cmd=(env "CONTAINERS_CONF=$d/containers.conf" podman --root "$d/storage" --runroot "$d/runroot"
    --cgroup-manager cgroupfs --events-backend file --storage-driver vfs --runtime "$1")
}
podman_cmd() {
  local variant=$1 case=$2 runtime=xpu flags=() request
  shift 2
  request=$(case_request "$case")
  [ -z "$request" ] || flags+=(-e "$request")
  if [ "$case" = cdi-native ]; then
    # runc either way; ours is the spec as generated, runc's side the same devices without hooks.
    runtime=runc
    flags=(--device "kunlunxin.com/xpu$([ "$variant" = runc ] && echo -plain)=0")
  elif [ "$variant" = runc ]; then
    runtime=runc flags=()
  fi
  podman_base "$runtime"
  cmd+=(run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
    "${flags[@]}" busybox-xpu "$@")
}

# ---- containerd: a private containerd (without CRI, which ctr does not use); ctr run
# --runc-binary picks the runtime per container.
containerd_pid=
containerd_start() {
  local d=$work/containerd
  command -v containerd >/dev/null && command -v ctr >/dev/null ||
    { why="containerd or ctr missing (make deps)" && return 1; }
  mkdir -p "$d"
  cat >"$d/config.toml" <<TOML
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
TOML
  containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for containerd "$containerd_pid" "$d/containerd.log" ctr --address "$d/containerd.sock" version ||
    return 1
  ctr --address "$d/containerd.sock" images import --all-platforms "$image" >/dev/null \
    2>"$d/import.log" || { why="ctr images import failed: $(tail -n1 "$d/import.log")" && return 1; }
}
containerd_stop() { stop_daemon "$containerd_pid"; }
containerd_pids() { echo "$containerd_pid"; }
containerd_unsupported() {
  [ "$1" = cdi-native ] && why="ctr $(ctr --version | cut -d' ' -f3) runs no CDI devices (not benchmarked)"
}
containers=0
containerd_cmd() {
  local variant=$1 case=$2 request
  shift 2
  request=$(case_request "$case")
  containers=$((containers + 1))
  cmd=(ctr --address "$work/containerd/containerd.sock" run --rm)
  if [ "$variant" = runc ]; then
    cmd+=(--runc-binary "$runc")
  else
    cmd+=(--runc-binary "$shim" ${request:+--env "$request"})
  fi
  cmd+=(docker.io/library/busybox-xpu:latest "bench-$BASHPID-$containers" "$@")
}

# ---- common steps.
# wait_for NAME PID LOG PROBE…: waits until PROBE succeeds, or sets why the daemon is not up.
wait_for() {
  local name=$1 pid=$2 log=$3
  shift 3
  for _ in $(seq 1 240); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { why="$name exited: $(tail -n1 "$log")" && return 1; }
    sleep 0.25
  done
  why="$name did not answer within 60 s: $(tail -n1 "$log")"
  return 1
}
# stop_daemon PID: SIGTERM, and SIGKILL if it is still there after 30 s.
stop_daemon() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 120); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
trap 'docker_stop; containerd_stop' EXIT

# The last line of a file that is not empty: what a failed client said.
last_words() { grep -v '^[[:space:]]*$' "$1" | tail -n1; }

# check ENGINE VARIANT CASE: runs one container that lists /dev and the library directory, and
# says what is wrong if the XPU is not there when asked for (or is there when not).
check() {
  local engine=$1 variant=$2 case=$3 out=$work/check.out want_dev=no want_lib=no has_dev=no has_lib=no
  case $variant:$case in
  ours:void | runc:void | runc:legacy | runc:csv | runc:cdi) ;;
  *) want_dev=yes ;;
  esac
  case $variant:$case in ours:csv | ours:cdi | ours:cdi-native) want_lib=yes ;; esac
  "${engine}_cmd" "$variant" "$case" sh -c 'ls /dev /usr/local/xpu/lib64 2>/dev/null; true'
  "${cmd[@]}" >"$out" 2>"$work/check.err" ||
    { echo "$variant: the container failed: $(last_words "$work/check.err")" && return 1; }
  grep -qx xpu0 "$out" && has_dev=yes
  grep -qx libxpuml.so.1 "$out" && has_lib=yes
  [ "$has_dev" = "$want_dev" ] ||
    { echo "$variant: /dev/xpu0 there: $has_dev, expected: $want_dev" && return 1; }
  [ "$has_lib" = "$want_lib" ] ||
    { echo "$variant: libxpuml.so.1 there: $has_lib, expected: $want_lib" && return 1; }
}

# timed ENGINE VARIANT CASE: one `true` container; sets ms to its wall time in milliseconds, or
# fails saying why.
timed() {
  local t0 t1 us
  "${1}_cmd" "$2" "$3" true
  t0=$EPOCHREALTIME
  "${cmd[@]}" >/dev/null 2>"$work/timed.err" ||
    { why="$2: the container failed: $(last_words "$work/timed.err")" && return 1; }
  t1=$EPOCHREALTIME
  us=$((10#${t1/./} - 10#${t0/./}))
  ms=$(printf '%d.%03d' $((us / 1000)) $((us % 1000)))
}

# The PIDs of $@ and of all their descendants.
process_tree() {
  ps -e -o pid=,ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      for (grew = 1; grew;) {
        grew = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
      }
      for (p in keep) print p
    }'
}

# deno_starts ENGINE CASE: runs one `true` container of ours under strace, which follows every
# fork of the client and of the daemon's process tree, and prints how many execve calls started
# a Deno binary: runtime calls, hooks and helpers, however the toolkit arranges them.
deno_starts() {
  local log=$work/strace tracer= pids=() n=0 path b
  command -v strace >/dev/null || { echo "? (strace missing: make deps)" && return 0; }
  rm -f "$log".*
  for pid in $(process_tree $("${1}_pids")); do pids+=(-p "$pid"); done
  if [ ${#pids[@]} -gt 0 ]; then
    : >"$log.err"
    strace -f -z -e trace=execve,execveat -o "$log.daemon" "${pids[@]}" 2>"$log.err" &
    tracer=$!
    # strace says "Process N attached" once per process (with its threads).
    for _ in $(seq 1 100); do
      [ "$(grep -c attached "$log.err")" -lt $((${#pids[@]} / 2)) ] || break
      kill -0 "$tracer" 2>/dev/null || { echo "? (strace: $(last_words "$log.err"))" && return 0; }
      sleep 0.1
    done
  fi
  "${1}_cmd" ours "$2" true
  # Under strace, the client's children (podman's conmon and its clean-up) are followed to their
  # end.
  strace -f -z -e trace=execve,execveat -o "$log.client" "${cmd[@]}" >/dev/null 2>"$log.client.err" ||
    { echo "? (strace: $(last_words "$log.client.err"))" && return 0; }
  if [ -n "$tracer" ]; then
    kill -INT "$tracer" 2>/dev/null || { echo "? (strace: $(last_words "$log.err"))" && return 0; }
    wait "$tracer" 2>/dev/null || true
  fi
  while read -r path; do
    for b in "${deno_bins[@]}"; do
      if [ "$path" -ef "$b" ]; then n=$((n + 1)) && break; fi
    done
  done < <(sed -n 's/.*execve\(at\)\{0,1\}([^"]*"\([^"]*\)".*/\2/p' "$log".daemon "$log".client 2>/dev/null)
  echo "$n"
}

# row ENGINE CASE: checks both sides, times RUNS pairs (runc, then ours) and counts ours' Deno
# starts; a case that cannot run is a row saying why.
row() {
  local engine=$1 case=$2 why ms a pair
  if "${engine}_unsupported" "$case"; then
    printf 'note\t%s\t%s\tskipped: %s\n' "$engine" "$case" "$why" >>"$results"
    return 0
  fi
  write_config "$(case_mode "$case")"
  for variant in runc ours; do
    why=$(check "$engine" "$variant" "$case") ||
      { printf 'note\t%s\t%s\tfailed: %s\n' "$engine" "$case" "$why" >>"$results" && return 0; }
  done
  printf '%-10s %-10s ' "$engine" "$case" >&2
  for pair in $(seq 1 "$runs"); do
    timed "$engine" runc "$case" && a=$ms && timed "$engine" ours "$case" || {
      printf 'note\t%s\t%s\tfailed in pair %s: %s\n' "$engine" "$case" "$pair" "$why" >>"$results"
      echo >&2
      return 0
    }
    printf 'pair\t%s\t%s\t%s\t%s\n' "$engine" "$case" "$a" "$ms" >>"$results"
    printf . >&2
  done
  echo >&2
  printf 'starts\t%s\t%s\t%s\n' "$engine" "$case" "$(deno_starts "$engine" "$case")" >>"$results"
}

for engine in ${ENGINES:-docker podman containerd}; do
  if "${engine}_start"; then
    for case in ${CASES:-void legacy csv cdi cdi-native}; do row "$engine" "$case"; done
  else
    printf 'note\t%s\tall\tskipped: %s\n' "$engine" "$why" >>"$results"
  fi
  "${engine}_stop"
done

deno_run run --quiet --allow-read --no-config --no-lock "$root/bench/engines_report.ts" "$results"
