#!/usr/bin/env bash
# Per-call overhead of the toolkit, measured with hyperfine against the Deno floor.
# Usage: bench/run.sh   (after make build; RUNS=N to change the number of runs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-40}
deno=$root/.tools/node_modules/.bin/deno
export DENO_DIR=${DENO_DIR:-$root/.deno} DENO_NO_UPDATE_CHECK=1
command -v hyperfine >/dev/null || { echo "hyperfine is missing: make deps" >&2; exit 1; }
[ -x dist/bin/xpu-ctk ] || { echo "dist/bin/xpu-ctk is missing: make build" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# (a) the floor: an empty script through the same launcher and Deno flags.
scripts/launcher.sh "$work/floor" "$deno" "$root/bench/empty.js" "$DENO_DIR"

# One config for every case: /bin/true is the no-op low-level runtime and the no-op cli.
mkdir -p "$work/xdg/xpu-container-runtime"
cat >"$work/xdg/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
[xpu-container-runtime-hook]
path = "$root/dist/bin/xpu-container-runtime-hook"
[xpu-container-cli]
path = "/bin/true"
TOML
export XDG_CONFIG_HOME=$work/xdg

mkdir -p "$work/small" "$work/large" "$work/hook" "$work/csv" "$work/driver/lib"
"$deno" run --quiet -A --cached-only bench/make_spec.ts "$work/small/orig.json"
"$deno" run --quiet -A --cached-only bench/make_spec.ts "$work/large/orig.json" 5000 500
cp "$work/small/orig.json" "$work/hook/config.json"
# Libraries only (XPU_VISIBLE_DEVICES=none), so the case needs no mknod and no root.
sed 's/XPU_VISIBLE_DEVICES=0/XPU_VISIBLE_DEVICES=none/' "$work/small/orig.json" >"$work/csv/orig.json"
# (f): a 200-line CSV spec over a driver root of 200 libraries.
for i in $(seq 1 200); do
  : >"$work/driver/lib/libbench$i.so"
  echo "lib, /lib/libbench$i.so"
done >"$work/specs.csv"
mkdir -p "$work/specs" && mv "$work/specs.csv" "$work/specs/bench.csv"
cat >"$work/xdg-csv.toml" <<TOML
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
sed 's|XPU_VISIBLE_DEVICES=0|XPU_VISIBLE_DEVICES=vendor1.example.com/xpu=0,vendor9.example.com/xpu=1,vendor17.example.com/xpu=2,vendor25.example.com/xpu=3,vendor33.example.com/xpu=0,vendor41.example.com/xpu=1,vendor49.example.com/xpu=2,vendor50.example.com/xpu=3|' \
  "$work/small/orig.json" >"$work/cdibundle/orig.json"
cat >"$work/xdgcdi/xpu-container-runtime/config.toml" <<TOML
[xpu-container-runtime]
runtimes = ["/bin/true"]
[xpu-container-runtime.modes.cdi]
spec-dirs = ["$work/cdi"]
TOML
mkdir -p "$work/xdgcsv/xpu-container-runtime"
mv "$work/xdg-csv.toml" "$work/xdgcsv/xpu-container-runtime/config.toml"
printf '{"ociVersion":"1.0.2","id":"bench-id","status":"creating","pid":1,"bundle":"%s"}' \
  "$work/hook" >"$work/state.json"

rt=$root/dist/bin/xpu-container-runtime
# One hyperfine run for all cases, so drift in the machine's load hits them alike. Each case has
# its own --prepare; the spec is restored before every create, so each run really rewrites it.
hyperfine -N --warmup 5 --runs "$runs" --style basic --export-json "$work/results.json" \
  --prepare true -n a-floor "$work/floor" \
  --prepare true -n b-state-passthrough "$rt state bench-id" \
  --prepare "cp $work/small/orig.json $work/small/config.json" \
  -n c-legacy-create "$rt create --bundle $work/small bench-id" \
  --prepare "cp $work/large/orig.json $work/large/config.json" \
  -n d-legacy-create-large "$rt create --bundle $work/large bench-id" \
  --prepare true -n a-floor-stdin "sh -c 'exec $work/floor <$work/state.json'" \
  --prepare "cp $work/csv/orig.json $work/csv/config.json" -n f-csv-create \
  "env XDG_CONFIG_HOME=$work/xdgcsv $rt create --bundle $work/csv bench-id" \
  --prepare "cp $work/cdibundle/orig.json $work/cdibundle/config.json" -n g-cdi-create \
  "env XDG_CONFIG_HOME=$work/xdgcdi $rt create --bundle $work/cdibundle bench-id" \
  --prepare true -n e-hook-prestart \
  "sh -c 'exec $root/dist/bin/xpu-container-runtime-hook prestart <$work/state.json'"

echo
"$deno" run --quiet -A --cached-only bench/report.ts "$work/results.json"
