/**
 * A private /dev for end-to-end tests of programs that use the host's /dev by its path: enroot
 * (with ENROOT_RESTRICT_DEV it binds /dev/mqueue and /dev/log, which this host may lack, and a
 * hook's mount could create a node there) and rootless runc under Slurm (it binds a device node
 * from the host path the container sees). In a new mount namespace, /dev is a tmpfs holding the
 * usual nodes bound from the host's; nothing done there reaches the host's /dev.
 * @module
 */

import { XPU_MAJOR, XPUCTRL_MINOR } from "./driver.ts";

/** Shell lines making simulated XPU nodes xpu0…xpu<count-1> and xpuctrl in the private /dev. */
export function xpuNodes(count: number): string {
  const nodes = [...Array(count).keys()].map((n) =>
    `mknod -m 666 /dev/xpu${n} c ${XPU_MAJOR} ${n}`
  );
  return [...nodes, `mknod -m 666 /dev/xpuctrl c ${XPU_MAJOR} ${XPUCTRL_MINOR}`].join("\n");
}

/**
 * `argv` to run `argv` in a new mount namespace with a private /dev, after the shell lines
 * `setup` (run as root there).
 */
export function inPrivateDev(argv: readonly string[], setup = ""): string[] {
  const script = `set -e
mount --make-rprivate /
old=$(mktemp -d)
mount --rbind /dev "$old"
mount -t tmpfs -o mode=755,nosuid tmpfs /dev
for n in null zero full random urandom tty; do touch /dev/$n; mount --bind "$old/$n" /dev/$n; done
mkdir /dev/pts /dev/shm /dev/mqueue
mount --rbind "$old/pts" /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
touch /dev/log
ln -s pts/ptmx /dev/ptmx
umount -l "$old"
rmdir "$old"
${setup}
exec "$@"`;
  return ["unshare", "--mount", "sh", "-c", script, "sh", ...argv];
}
