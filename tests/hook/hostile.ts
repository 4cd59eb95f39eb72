/**
 * Hostile container roots for the helper hooks: a decoy host tree the hooks must never change,
 * and a bundle whose rootfs the test fills with links, loops and hard links aimed at it.
 * @module
 */

/** A decoy host tree: what a hook that escaped the root would change. */
export function makeDecoy(dir: string): string {
  const d = `${dir}/decoy`;
  for (const sub of ["etc/ld.so.conf.d", "usr/lib", "dev", "lib"]) {
    Deno.mkdirSync(`${d}/${sub}`, { recursive: true });
  }
  const files: [string, string, number][] = [
    ["etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644],
    ["etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n", 0o644],
    ["etc/ld.so.conf.d/host.conf", "/opt/host/lib\n", 0o644],
    ["usr/lib/libxpu.so.1", "host library\n", 0o755],
    ["dev/xpu0", "host device stand-in\n", 0o600],
    ["secret", "PASSWORD=host-secret-value\n", 0o600],
  ];
  for (const [path, text, mode] of files) {
    Deno.writeTextFileSync(`${d}/${path}`, text);
    Deno.chmodSync(`${d}/${path}`, mode);
  }
  return d;
}

/**
 * Every entry under `dir` (links not followed): path, type, mode, mtime, link or content. Not the
 * link count: replacing a container's hard link to a host file rightly lowers it.
 */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of [...Deno.readDirSync(d)].map((e) => e.name).sort()) {
      const p = `${d}/${name}`;
      const info = Deno.lstatSync(p);
      const what = info.isSymlink
        ? `-> ${Deno.readLinkSync(p)}`
        : info.isFile
        ? JSON.stringify(Deno.readTextFileSync(p))
        : "";
      out.push(`${p} ${info.mode?.toString(8)} ${info.mtime?.getTime()} ${what}`);
      if (info.isDirectory) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A bundle at `<dir>/bundle` with an empty rootfs, and the state a runtime sends hooks. */
export function emptyBundle(dir: string): { rootfs: string; state: string } {
  const b = `${dir}/bundle`;
  Deno.mkdirSync(`${b}/rootfs`, { recursive: true });
  Deno.writeTextFileSync(
    `${b}/config.json`,
    JSON.stringify({ root: { path: "rootfs" }, process: { env: [] } }),
  );
  return {
    rootfs: `${b}/rootfs`,
    state: JSON.stringify({ id: "c", pid: 1, status: "creating", bundle: b }),
  };
}

/** Entries under `dir` (links not followed) whose name is `name`. */
export function findNamed(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.name === name) found.push(`${d}/${e.name}`);
      if (e.isDirectory && !e.isSymlink) walk(`${d}/${e.name}`);
    }
  };
  walk(dir);
  return found;
}
