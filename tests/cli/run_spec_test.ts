import { assertEquals, assertThrows } from "../assert.ts";
import { IsolationError, parseIsolation, type RunIsolation } from "../../src/cli/run_isolation.ts";
import { hostNetworkMounts, isolateSpec, runSpec } from "../../src/cli/run_spec.ts";

const CALLER = { uid: 1000, gid: 1000 };

function spec(values: Record<string, string | boolean>, id = "box") {
  const iso: RunIsolation = parseIsolation(values, id, CALLER, 8);
  return isolateSpec(
    runSpec({
      rootfs: "/r",
      args: ["sh"],
      env: [],
      mounts: hostNetworkMounts(["/etc/resolv.conf"]),
      readonly: true,
      hostNetwork: true,
      terminal: false,
    }),
    iso,
  );
}

function namespaces(s: ReturnType<typeof spec>): string[] {
  return (s.linux!.namespaces as { type: string }[]).map((n) => n.type);
}

Deno.test("run spec: hostname defaults to the id, user 0:0, cwd /, no limits", () => {
  const s = spec({});
  assertEquals(s.hostname, "box");
  assertEquals(s.process!.user, { uid: 0, gid: 0 });
  assertEquals(s.process!["cwd"], "/");
  assertEquals(s.linux!.resources, { devices: [{ allow: false, access: "rwm" }] });
  assertEquals(namespaces(s), ["pid", "ipc", "uts", "mount"]);
});

Deno.test("run spec: --network host binds resolv.conf read-only", () => {
  const m = spec({}).mounts!.find((m) => m.destination === "/etc/resolv.conf");
  assertEquals(m, {
    destination: "/etc/resolv.conf",
    type: "bind",
    source: "/etc/resolv.conf",
    options: ["rbind", "nosuid", "nodev", "noexec", "ro"],
  });
});

Deno.test("run spec: hostname, user, workdir, limits and host namespaces", () => {
  const s = spec({
    hostname: "node-1",
    user: "1000:100",
    workdir: "/work/./x/",
    memory: "1g",
    cpus: "1.5",
    "pids-limit": "64",
    pid: "host",
    ipc: "host",
  });
  assertEquals(s.hostname, "node-1");
  assertEquals(s.process!.user, { uid: 1000, gid: 100 });
  assertEquals(s.process!["cwd"], "/work/x");
  assertEquals(s.linux!.resources!["memory"], { limit: 1073741824 });
  assertEquals(s.linux!.resources!["cpu"], { quota: 150000, period: 100000 });
  assertEquals(s.linux!.resources!["pids"], { limit: 64 });
  assertEquals(namespaces(s), ["uts", "mount"]);
  assertEquals(spec({ user: "7" }).process!.user, { uid: 7, gid: 7 });
});

Deno.test("run spec: --uts host leaves the hostname out", () => {
  const s = spec({ uts: "host" });
  assertEquals("hostname" in s, false);
  assertEquals(namespaces(s), ["pid", "ipc", "mount"]);
});

Deno.test("run spec: --rootless maps the caller to root as runc spec --rootless does", () => {
  const s = spec({ rootless: true });
  assertEquals(namespaces(s), ["pid", "ipc", "uts", "mount", "user"]);
  assertEquals(s.linux!["uidMappings"], [{ containerID: 0, hostID: 1000, size: 1 }]);
  assertEquals(s.linux!["gidMappings"], [{ containerID: 0, hostID: 1000, size: 1 }]);
  assertEquals(s.linux!.resources, undefined);
  const sys = s.mounts!.find((m) => m.destination === "/sys");
  assertEquals(sys?.type, "none");
  const pts = s.mounts!.find((m) => m.destination === "/dev/pts");
  assertEquals(pts?.options?.includes("gid=5"), false);
});

for (
  const [values, message] of [
    [{ memory: "1m" }, 'Invalid --memory "1m": must be at least 6 MiB'],
    [{ memory: "lots" }, 'Invalid --memory "lots": expected bytes'],
    [{ memory: "9000t" }, 'Invalid --memory "9000t": must be at most'],
    [{ cpus: "0" }, 'Invalid --cpus "0": must be from 0.01 to 8'],
    [{ cpus: "9" }, 'Invalid --cpus "9": must be from 0.01 to 8'],
    [{ cpus: "1e3" }, 'Invalid --cpus "1e3": expected a number of CPUs'],
    [{ "pids-limit": "0" }, 'Invalid --pids-limit "0": expected a number from 1 to 4194304'],
    [{ "pids-limit": "-1" }, 'Invalid --pids-limit "-1"'],
    [{ user: "alice" }, 'Invalid --user "alice": expected UID or UID:GID as numbers'],
    [{ user: "4294967295" }, 'Invalid --user "4294967295"'],
    [{ workdir: "rel" }, 'Invalid --workdir "rel": expected an absolute path'],
    [{ workdir: "/a/../b" }, 'Invalid --workdir "/a/../b"'],
    [{ hostname: "-x" }, 'Invalid --hostname "-x"'],
    [{ hostname: "a".repeat(65) }, "Invalid --hostname"],
    [{ pid: "container" }, 'Invalid --pid "container": expected host or private'],
    [{ uts: "host", hostname: "h" }, "--hostname needs a UTS namespace"],
    [{ rootless: true, memory: "1g" }, "--memory cannot be set with --rootless"],
    [{ rootless: true, user: "1" }, "--user cannot be set with --rootless"],
  ] as const
) {
  Deno.test(`run spec: ${JSON.stringify(values)} is refused`, () => {
    assertThrows(() => parseIsolation(values, "box", CALLER, 8), IsolationError, message);
  });
}
