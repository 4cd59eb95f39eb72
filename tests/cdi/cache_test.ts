import { assertEquals, assertMatch, assertTrue } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { CACHE_FILE, SpecCache } from "../../src/cdi/cache.ts";
import { loadRegistry } from "../../src/cdi/registry.ts";

const SPEC = "cdiVersion: 0.5.0\nkind: a.com/x\ndevices:\n  - name: d0\n" +
  "    containerEdits:\n      env: [A=1]\n";

// Files change in the same millisecond the tests read them: a negative age makes every file old
// enough to be remembered (the two-second rule has its own test).
const SETTLED = -1000;

function open(dir: string, racyMs = SETTLED): SpecCache {
  const cache = SpecCache.open(dir, racyMs);
  if (typeof cache === "string") throw new Error(cache);
  return cache;
}

/** Devices of a registry over `specs`, read through a fresh cache that is saved afterwards. */
async function devices(specs: string, cacheDir: string, racyMs = SETTLED): Promise<string[]> {
  const cache = open(cacheDir, racyMs);
  const registry = await loadRegistry([specs], new Set(["a.com/x"]), cache);
  assertEquals(cache.save(), undefined);
  return [...registry.devices.values()].map((d) => `${d.name} ${d.device.containerEdits.env}`);
}

Deno.test("the spec cache is created 0700 and remembers specs by file identity", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/specs`);
    Deno.writeTextFileSync(`${dir}/specs/x.yaml`, SPEC);
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), ["a.com/x=d0 A=1"]);
    assertEquals(Deno.statSync(`${dir}/cache`).mode! & 0o777, 0o700);
    const saved = JSON.parse(Deno.readTextFileSync(`${dir}/cache/${CACHE_FILE}`));
    assertEquals(Object.keys(saved.entries), [`${dir}/specs/x.yaml`]);

    // A cached spec is used as it is in the cache...
    saved.entries[`${dir}/specs/x.yaml`].spec.devices[0].containerEdits.env = ["B=2"];
    Deno.writeTextFileSync(`${dir}/cache/${CACHE_FILE}`, JSON.stringify(saved));
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), ["a.com/x=d0 B=2"]);
    // ...until its file changes: a new file in its place is read again.
    Deno.writeTextFileSync(`${dir}/specs/x.yaml.new`, SPEC.replace("A=1", "C=3"));
    Deno.renameSync(`${dir}/specs/x.yaml.new`, `${dir}/specs/x.yaml`);
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), ["a.com/x=d0 C=3"]);

    // A removed file is forgotten.
    Deno.removeSync(`${dir}/specs/x.yaml`);
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), []);
    const after = JSON.parse(Deno.readTextFileSync(`${dir}/cache/${CACHE_FILE}`));
    assertEquals(after.entries, {});
  });
});

Deno.test("a spec file changed in the last two seconds is not remembered", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/specs`);
    Deno.writeTextFileSync(`${dir}/specs/x.yaml`, SPEC);
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`, 2000), ["a.com/x=d0 A=1"]);
    assertEquals([...Deno.readDirSync(`${dir}/cache`)], []);
  });
});

Deno.test("a corrupt, foreign or other build's cache file is started afresh", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/specs`);
    Deno.writeTextFileSync(`${dir}/specs/x.yaml`, SPEC);
    Deno.mkdirSync(`${dir}/cache`, { mode: 0o700 });
    const file = `${dir}/cache/${CACHE_FILE}`;
    const poisoned = (build: string) =>
      JSON.stringify({
        build,
        entries: {
          [`${dir}/specs/x.yaml`]: {
            id: SpecCache.identity(Deno.statSync(`${dir}/specs/x.yaml`)),
            kind: "a.com/x",
            spec: JSON.parse(JSON.stringify({
              cdiVersion: "0.5.0",
              kind: "a.com/x",
              devices: [{ name: "d0", containerEdits: { env: ["EVIL=1"] } }],
            })),
          },
        },
      });
    await devices(`${dir}/specs`, `${dir}/cache`);
    const build = JSON.parse(Deno.readTextFileSync(file)).build as string;

    for (
      const [what, text, mode] of [
        ["not JSON", "{", 0o600],
        ["another build", poisoned("0.0.0+other"), 0o600],
        ["writable by others", poisoned(build), 0o666],
        ["writable by the group", poisoned(build), 0o620],
      ] as const
    ) {
      Deno.writeTextFileSync(file, text);
      Deno.chmodSync(file, mode);
      assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), ["a.com/x=d0 A=1"], what);
      assertEquals(Deno.statSync(file).mode! & 0o777, 0o600, what);
    }
    // The same poisoned content, trusted, is used: the checks above are what kept it out.
    Deno.writeTextFileSync(file, poisoned(build));
    Deno.chmodSync(file, 0o600);
    assertEquals(await devices(`${dir}/specs`, `${dir}/cache`), ["a.com/x=d0 EVIL=1"]);
  });
});

Deno.test("a cache directory others may write is not used", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/cache`);
    Deno.chmodSync(`${dir}/cache`, 0o777);
    const cache = SpecCache.open(`${dir}/cache`);
    assertTrue(typeof cache === "string");
    assertMatch(cache as string, /is not a directory that only this user may write/);
    Deno.symlinkSync(`${dir}/cache`, `${dir}/link`);
    assertMatch(SpecCache.open(`${dir}/link`) as string, /is not a directory/);
    assertMatch(SpecCache.open(`${dir}/missing/parent`) as string, /cannot create/);
    // Its own modes are right, but anyone may rename its parent's entries.
    Deno.mkdirSync(`${dir}/open/cache`, { recursive: true, mode: 0o700 });
    Deno.chmodSync(`${dir}/open`, 0o777);
    assertMatch(SpecCache.open(`${dir}/open/cache`) as string, /only this user may write/);
  });
});
