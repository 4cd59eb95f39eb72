#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use, skipping those already present.
set -euo pipefail
packages=(runc busybox-static hyperfine strace podman docker.io containerd gcc libc6-dev)
# enroot, built from ../shared/vendor for its end-to-end tests, and its squashfs images; Slurm
# (one node of this host, for srun --container) and munge, its authentication.
packages+=(libbsd-dev makeself squashfs-tools slurmctld slurmd slurm-client munge)
# The pinned Deno comes from npm.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: ${packages[*]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]} (run: sudo make deps)" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
