# Sourced by bench/run.sh and bench/compare.sh: writes the cases' fixtures into $work and defines
# CASES (names, in order), case_prepare NAME (the untimed step before each run) and
# case_command NAME BIN (the timed command, BIN being a dist/bin directory).
# Needs: root (the checkout), work (a scratch directory), deno.

# One config for the legacy cases: /bin/true is the no-op low-level runtime and the no-op cli,
# and the driver root holds libxpuml.so.1, so mode "auto" finds a legacy host (cli and library
# present) as it would on a machine with the driver installed.
mkdir -p "$work/xdg/xpu-container-runtime" "$work/driverhost/usr/local/xpu/lib64"
: >"$work/driverhost/usr/local/xpu/lib64/libxpuml.so.1"
cat >"$work/xdg/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
[xpu-container-runtime-hook]
path = "$root/dist/bin/xpu-container-runtime-hook"
[xpu-container-cli]
path = "/bin/true"
root = "$work/driverhost"
TOML
export XDG_CONFIG_HOME=$work/xdg

# (a) the floor: an empty script through the same launcher, Deno flags and kind of code cache.
scripts/launcher.sh "$work/floor" "$deno" "$root/bench/empty.js" "$root/dist/deno-dir"

mkdir -p "$work/small" "$work/large" "$work/hook" "$work/csv" "$work/driver/lib"
"$deno" run --quiet -A --cached-only bench/make_spec.ts "$work/small/orig.json"
"$deno" run --quiet -A --cached-only bench/make_spec.ts "$work/large/orig.json" 5000 500
cp "$work/small/orig.json" "$work/hook/config.json"
# Libraries only (CXPU_VISIBLE_DEVICES=none), so the case needs no mknod and no root.
sed 's/CXPU_VISIBLE_DEVICES=0/CXPU_VISIBLE_DEVICES=none/' "$work/small/orig.json" >"$work/csv/orig.json"
# (f): a 200-line CSV spec over a driver root of 200 libraries. The bundle has a root filesystem,
# as engines mount one before create: as root the shim prepares it (200 read-only binds in a
# private mount namespace, ldconfig -r); without root it adds the helper hook instead.
mkdir -p "$work/specs" "$work/csv/rootfs/etc"
for i in $(seq 1 200); do
  : >"$work/driver/lib/libbench$i.so"
  echo "lib, /lib/libbench$i.so"
done >"$work/specs/bench.csv"
mkdir -p "$work/xdgcsv/xpu-container-runtime"
cat >"$work/xdgcsv/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
mode = "csv"
[xpu-container-runtime.modes.csv]
mount-spec-path = "$work/specs"
[xpu-container-cli]
root = "$work/driver"
[xpu-ctk]
path = "$root/dist/bin/xpu-ctk"
TOML
# (g): 50 spec files of 4 devices each (YAML, as generated); 8 devices requested across them.
# The spec cache lives in the work directory (its default is /run/xpu-container-toolkit); the
# specs are remembered once they are two seconds old, as on a host whose specs were generated
# at boot.
mkdir -p "$work/cdi" "$work/cdibundle" "$work/xdgcdi/xpu-container-runtime"
for s in $(seq 1 50); do
  {
    echo "cdiVersion: 0.5.0"
    echo "kind: vendor$s.example.com/xpu"
    echo "devices:"
    for d in 0 1 2 3; do
      echo "  - name: \"$d\""
      echo "    containerEdits:"
      echo "      deviceNodes:"
      echo "        - {path: /dev/xpu$d, type: c, major: 240, minor: $d, fileMode: 438}"
    done
    echo "containerEdits:"
    echo "  mounts:"
    echo "    - {hostPath: /usr/lib/libvendor$s.so, containerPath: /usr/lib/libvendor$s.so, options: [ro, nosuid, nodev, bind]}"
  } >"$work/cdi/vendor$s.yaml"
done
sed 's|CXPU_VISIBLE_DEVICES=0|CXPU_VISIBLE_DEVICES=vendor1.example.com/xpu=0,vendor9.example.com/xpu=1,vendor17.example.com/xpu=2,vendor25.example.com/xpu=3,vendor33.example.com/xpu=0,vendor41.example.com/xpu=1,vendor49.example.com/xpu=2,vendor50.example.com/xpu=3|' \
  "$work/small/orig.json" >"$work/cdibundle/orig.json"
cat >"$work/xdgcdi/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
[xpu-container-runtime.modes.cdi]
spec-dirs = ["$work/cdi"]
cache-dir = "$work/cdi-cache"
TOML
# (h): CXPU_DEVICE_COUNT=1 on a legacy host of two devices (mknod: root only), the state in the
# work directory; the spec is c's with the count instead of the list, so h - c is the allocation
# step. /bin/true creates nothing: each create drops the last one's entry and writes the state.
mkdir -p "$work/count" "$work/driverhost/dev" "$work/xdgcount/xpu-container-runtime"
for n in 0 1; do mknod "$work/driverhost/dev/xpu$n" c 240 "$n" 2>/dev/null || true; done
sed 's/CXPU_VISIBLE_DEVICES=0/CXPU_DEVICE_COUNT=1/' "$work/small/orig.json" >"$work/count/orig.json"
sed "\$a [xpu-allocator]\nstate-dir = \"$work/alloc\"" "$work/xdg/xpu-container-runtime/config.toml" \
  >"$work/xdgcount/xpu-container-runtime/config.toml"
printf '{"ociVersion":"1.0.2","id":"bench-id","status":"creating","pid":1,"bundle":"%s"}' \
  "$work/hook" >"$work/state.json"

CASES=(a-floor b-state-passthrough c-legacy-create d-legacy-create-large a-floor-stdin
  f-csv-create g-cdi-create e-hook-prestart j-front-prestart h-count-create a-floor-true
  i-state-fast)

# (j): the prestart hook a create by the build in BIN injects in legacy mode (the front, which
# starts no Deno, from a build that has one), run as runc runs it with e's state on its stdin;
# the cli is /bin/true. Each build's bundle is made once, the first time its command is asked for.
front_command() {
  local dir
  dir=$work/front-$(printf '%s' "$1" | md5sum | cut -c1-12)
  if [ ! -e "$dir/command" ]; then
    mkdir -p "$dir"
    cp "$work/small/orig.json" "$dir/config.json"
    "$1/xpu-container-runtime" create --bundle "$dir" bench-id >/dev/null
    "$deno" run --quiet -A --cached-only bench/hook_command.ts "$dir/config.json" \
      "$work/state.json" >"$dir/command"
  fi
  cat "$dir/command"
}

# The floor a case is measured against: the hooks read their state from stdin through `sh`; the
# fast path starts no Deno, so its floor is the no-op runtime run directly.
case_floor() {
  case $1 in
  e-hook-prestart | j-front-prestart) echo a-floor-stdin ;;
  i-state-fast) echo a-floor-true ;;
  *) echo a-floor ;;
  esac
}

# (i) The shim records its decision for a config older than two seconds (its changes must show in
# the file's times): one call for a build in BIN (a dist/bin directory) records it where that
# build's front looks, in its own run/ directory.
sleep 2.1
prime_fast() {
  "$1/xpu-container-runtime" state bench-id >/dev/null 2>&1 || true
}

# The spec is restored before every create, so each run really rewrites it.
case_prepare() {
  case $1 in
  c-legacy-create) echo "cp $work/small/orig.json $work/small/config.json" ;;
  d-legacy-create-large) echo "cp $work/large/orig.json $work/large/config.json" ;;
  f-csv-create) echo "cp $work/csv/orig.json $work/csv/config.json" ;;
  g-cdi-create) echo "cp $work/cdibundle/orig.json $work/cdibundle/config.json" ;;
  h-count-create) echo "cp $work/count/orig.json $work/count/config.json" ;;
  *) echo true ;;
  esac
}

case_command() {
  local rt=$2/xpu-container-runtime
  case $1 in
  a-floor) echo "$work/floor" ;;
  a-floor-true) echo /bin/true state bench-id ;;
  # --debug=false changes nothing the shim does, but the front leaves every flag it does not
  # skip to the shim: this measures the shim's own pass-through.
  b-state-passthrough) echo "$rt --debug=false state bench-id" ;;
  i-state-fast) echo "$rt state bench-id" ;;
  c-legacy-create) echo "$rt create --bundle $work/small bench-id" ;;
  d-legacy-create-large) echo "$rt create --bundle $work/large bench-id" ;;
  # The hook reads the state from stdin, so its floor runs through the same shell.
  a-floor-stdin) echo "sh -c 'exec $work/floor <$work/state.json'" ;;
  f-csv-create) echo "env XDG_CONFIG_HOME=$work/xdgcsv $rt create --bundle $work/csv bench-id" ;;
  g-cdi-create) echo "env XDG_CONFIG_HOME=$work/xdgcdi $rt create --bundle $work/cdibundle bench-id" ;;
  e-hook-prestart) echo "sh -c 'exec $2/xpu-container-runtime-hook prestart <$work/state.json'" ;;
  j-front-prestart) front_command "$2" ;;
  h-count-create) echo "env XDG_CONFIG_HOME=$work/xdgcount $rt create --bundle $work/count bench-id" ;;
  esac
}
