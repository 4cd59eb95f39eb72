#!/bin/sh
# Runs a command (the test suite) so that what it writes to the toolkit's host state directory
# (/run/xpu-container-toolkit: allocations, the CDI spec cache, runtime decisions) goes to a tmpfs
# of its own: as root, in a mount namespace whose mounts do not reach the host's; without root, as
# it is (the toolkit's defaults there are not writable then anyway).
# Usage: scripts/test-ns.sh COMMAND [ARG…]
set -eu
state=/run/xpu-container-toolkit
[ "$(id -u)" -eq 0 ] || exec "$@"
mkdir -p "$state"
exec unshare --mount --propagation slave -- sh -c '
  mount -t tmpfs -o mode=0755 xpu-test-state "$0" && exec "$@"' "$state" "$@"
