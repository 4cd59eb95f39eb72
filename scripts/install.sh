#!/usr/bin/env bash
# Installs the built artifact: the compiled dist/xpu-ctk, or the launcher with a private copy of
# the pinned Deno, the sources and a warm module cache; then the applet symlinks, and the default
# config only where none exists (an operator's file is never overwritten).
# Usage: scripts/install.sh DESTDIR PREFIX SYSCONFDIR
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=$1 prefix=$2 sysconfdir=$3
bindir=$prefix/bin
libdir=$prefix/lib/xpu-container-toolkit
install -d "$destdir$bindir"

if [ -f dist/xpu-ctk ] && [ ! -L dist/xpu-ctk ]; then
  install -m 0755 dist/xpu-ctk "$destdir$bindir/xpu-ctk"
else
  rm -rf "$destdir$libdir"
  install -d "$destdir$libdir"
  cp -a main.ts deno.json deno.lock build-info.json src "$destdir$libdir/"
  install -m 0755 "$(readlink -f .tools/node_modules/.bin/deno)" "$destdir$libdir/deno"
  # The npm packages travel with the install so it runs offline.
  cp -a "$DENO_DIR" "$destdir$libdir/deno-dir"
  rm -rf "$destdir$libdir/deno-dir/gen" "$destdir$libdir/deno-dir/remote"
  scripts/launcher.sh "$destdir$bindir/xpu-ctk" "$libdir/deno" "$libdir/main.ts" \
    "$libdir/deno.json" "$libdir/deno-dir"
fi
for name in xpu-container-runtime xpu-container-runtime-hook xpu-container-toolkit; do
  ln -sfn xpu-ctk "$destdir$bindir/$name"
done

conf=$destdir$sysconfdir/xpu-container-runtime/config.toml
if [ -e "$conf" ]; then
  echo "kept existing $conf"
else
  install -d "$(dirname "$conf")"
  XPU_ARGV0=xpu-ctk "${DENO:-.tools/node_modules/.bin/deno}" run --quiet --allow-all --cached-only \
    main.ts config default >"$conf.tmp"
  chmod 0644 "$conf.tmp"
  mv "$conf.tmp" "$conf"
  echo "installed default config $conf"
fi
echo "installed $destdir$bindir/xpu-ctk and its applet names"
