#!/bin/sh
# Runs a command (the test suite) so that what it writes to the toolkit's host state directory
# (/run/xpu-container-toolkit: allocations, the CDI spec cache, runtime decisions) goes to a tmpfs
# of its own: as root, in a mount namespace whose mounts do not reach the host's; without root, as
# it is (the toolkit's defaults there are not writable then anyway). Where no mount namespace can
# be made (a container without CAP_SYS_ADMIN), it says so and runs the command as it is.
# Usage: scripts/test-ns.sh COMMAND [ARG…]
set -eu
state=/run/xpu-container-toolkit
[ "$(id -u)" -eq 0 ] || exec "$@"
if ! mkdir -p "$state" || ! unshare --mount --propagation slave true 2>/dev/null; then
  echo "test-ns: no private mount namespace here; the tests may write to $state" >&2
  exec "$@"
fi
exec unshare --mount --propagation slave -- sh -c '
  mount -t tmpfs -o mode=0755 xpu-test-state "$0" ||
    echo "test-ns: cannot mount a tmpfs on $0; the tests may write to it" >&2
  exec "$@"' "$state" "$@"
