#!/usr/bin/env bash
# Installs the built artifact: the compiled dist/xpu-ctk and its runtime front, or the launcher
# with a private copy of the pinned Deno, the bundle and a fresh code cache (warmed and
# checkpointed unless staged in DESTDIR, where the launcher cannot run yet); then the applet
# symlinks, the default config only where none exists (an operator's file is never overwritten),
# and the enroot hook (replacing only a hook xpu-ctk wrote). The runtime's decision is kept in
# /run/xpu-container-toolkit.
# Usage: scripts/install.sh DESTDIR PREFIX SYSCONFDIR
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=$1 prefix=$2 sysconfdir=$3
bindir=$prefix/bin
libdir=$prefix/lib/xpu-container-toolkit
rundir=/run/xpu-container-toolkit
[ -e dist/bin/xpu-ctk ] || { echo "install: dist/bin/xpu-ctk is missing: run make build" >&2; exit 1; }
install -d "$destdir$bindir"

if [ -f dist/xpu-ctk ]; then
  install -m 0755 dist/xpu-ctk "$destdir$bindir/xpu-ctk"
else
  rm -rf "$destdir$libdir"
  install -d "$destdir$libdir" "$destdir$libdir/deno-dir"
  cp -a dist/js "$destdir$libdir/"
  install -m 0755 "$(readlink -f .tools/node_modules/.bin/deno)" "$destdir$libdir/deno"
  # DENO_DIR holds V8's code cache, which saves milliseconds on every container start.
  scripts/launcher.sh "$destdir$bindir/xpu-ctk" "$libdir/deno" "$libdir/js" "$libdir/deno-dir" \
    "$rundir"
fi
# The applet names: the symlinks the build made beside xpu-ctk, and the compiled build's front.
for link in dist/bin/*; do
  name=${link##*/}
  if [ "$name" = xpu-ctk ]; then
    continue
  elif [ -L "$link" ]; then
    ln -sfn xpu-ctk "$destdir$bindir/$name"
  else
    scripts/launcher.sh --front "$destdir$bindir/$name" "$bindir/xpu-ctk" "$rundir"
  fi
done
if [ ! -f dist/xpu-ctk ] && [ -z "$destdir" ]; then
  scripts/warm-cache.sh "$bindir" "$libdir/deno" "$libdir/js" "$libdir/deno-dir"
fi

conf=$destdir$sysconfdir/xpu-container-runtime/config.toml
if [ -e "$conf" ]; then
  echo "kept existing $conf"
else
  install -d "$(dirname "$conf")"
  dist/bin/xpu-ctk config default >"$conf.tmp"
  chmod 0644 "$conf.tmp"
  mv "$conf.tmp" "$conf"
  echo "installed default config $conf"
fi

# The enroot hook is the file "xpu-ctk runtime configure --runtime=enroot" writes, which is the
# one place that knows its text: its dry run prints it (after a "==> PATH <==" line), or nothing
# when the file holds it already. The default config applies (no XDG_CONFIG_HOME of this shell).
hook=$destdir$sysconfdir/enroot/hooks.d/98-xpu.sh
install -d "$(dirname "$hook")"
err=$(mktemp)
if text=$(env -u XDG_CONFIG_HOME dist/bin/xpu-ctk runtime configure --runtime=enroot \
  --config "$hook" --runtime-path "$bindir/xpu-ctk" --dry-run 2>"$err"); then
  if [ -n "$text" ]; then
    printf '%s\n' "$text" | sed 1d >"$hook.tmp"
    chmod 0755 "$hook.tmp"
    mv "$hook.tmp" "$hook"
    echo "installed enroot hook $hook"
  fi
else
  echo "kept existing $hook: $(cat "$err")"
fi
rm -f "$err"
echo "installed $destdir$bindir/xpu-ctk and its applet names"
