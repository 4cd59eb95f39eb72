/**
 * Hostile input to run, xpu-docker, allocations and lock, through the commands users call: each
 * gets a message naming the flag, file or key and the problem, and the exit code of its kind.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { bin, q, run, runBin, withTempDir } from "../helpers.ts";

for (const key of ["toString", "constructor", "valueOf", "hasOwnProperty"]) {
  Deno.test(`xpu-ctk run --profile: isolationOptions.${key} is an unknown key`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/p.json`;
      Deno.writeTextFileSync(path, `{"isolationOptions": {${q(key)}: 1}}`);
      const out = await runBin("xpu-ctk", ["run", "--profile", path]);
      assertEquals(out.code, 2, out.stderr);
      assertStringIncludes(
        out.stderr,
        `Invalid profile "${path}": key "isolationOptions.${key}": unknown key; known: network`,
      );
    });
  });
}

Deno.test("xpu-ctk run: an empty --rootfs or rootFs is an error, not the working directory", async () => {
  await withTempDir(async (dir) => {
    const empty = await runBin("xpu-ctk", ["run", "--rootfs", "", "--", "/bin/true"], { cwd: dir });
    assertEquals(empty.code, 2, empty.stderr);
    assertStringIncludes(empty.stderr, 'xpu-ctk: Invalid --rootfs "": expected a directory');
    const bundle = await runBin("xpu-ctk", ["run", "--bundle="], { cwd: dir });
    assertEquals(bundle.code, 2, bundle.stderr);
    assertStringIncludes(bundle.stderr, 'xpu-ctk: Invalid --bundle "": expected a directory');
    Deno.writeTextFileSync(`${dir}/p.json`, '{"rootFs": ""}');
    const profile = await runBin("xpu-ctk", ["run", "--profile", "p.json"], { cwd: dir });
    assertEquals(profile.code, 2, profile.stderr);
    assertStringIncludes(
      profile.stderr,
      'Invalid profile "p.json": key "rootFs": expected a directory, found an empty string',
    );
  });
});

Deno.test("xpu-ctk run: a --rootfs or --bundle that is no directory is named before runc runs", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/file`, "");
    for (
      const [args, message] of [
        [["--rw", "--rootfs", `${dir}/file`], `Cannot run --rootfs "${dir}/file": not a directory`],
        [["--rootfs", `${dir}/none`], `Cannot run --rootfs "${dir}/none": no such directory`],
        [["--bundle", `${dir}/none`], `Cannot run --bundle "${dir}/none": no such directory`],
      ] as const
    ) {
      const out = await runBin("xpu-ctk", ["run", ...args, "--", "/bin/true"]);
      assertEquals([out.code, out.stderr], [1, `xpu-ctk: ${message}\n`]);
    }
  });
});

Deno.test("xpu-ctk run --bundle takes a profile that gives only what applies to a bundle", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/name.json`, '{"name": "job-1"}');
    const named = await runBin("xpu-ctk", [
      "run",
      "--bundle",
      `${dir}/none`,
      "--profile",
      `${dir}/name.json`,
    ]);
    // Past the option checks: the missing bundle is what stops it.
    assertEquals(named.code, 1, named.stderr);
    assertStringIncludes(named.stderr, `Cannot run --bundle "${dir}/none": no such directory`);
    Deno.writeTextFileSync(`${dir}/rootfs.json`, '{"rootFs": "/r"}');
    const rootfs = await runBin("xpu-ctk", [
      "run",
      "--bundle",
      `${dir}/none`,
      "--profile",
      `${dir}/rootfs.json`,
    ]);
    assertEquals(rootfs.code, 2, rootfs.stderr);
    assertStringIncludes(
      rootfs.stderr,
      `Invalid profile "${dir}/rootfs.json": key "rootFs": Give exactly one of --rootfs and --bundle`,
    );
  });
});

Deno.test("xpu-docker --help prints its own help when there is no docker", async () => {
  const out = await runBin("xpu-docker", ["--help"], { env: { XPU_DOCKER: "no-such-docker" } });
  assertEquals(out.code, 1);
  assertMatch(out.stdout, /^Usage: xpu-docker run \[--xpus LIST \| --xpu-count N\]/);
  assertStringIncludes(out.stdout, "  --xpu-count N  ");
  assertStringIncludes(out.stderr, 'xpu-docker: Cannot find "no-such-docker" on PATH');
});

Deno.test("xpu-ctk allocations release and lock quote what they were given", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    Deno.writeTextFileSync(config, `[xpu-allocator]\nstate-dir = ${q(`${dir}/alloc`)}\n`);
    const id = 'a"\nb';
    const out = await runBin("xpu-ctk", ["--config", config, "allocations", "release", id]);
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      `xpu-ctk: No container or environment ${JSON.stringify(id)} holds an XPU\n`,
    );
    const lock = await runBin("xpu-ctk", ["--config", config, "lock", "--xpus", "0", "--", id]);
    assertEquals([lock.code, lock.stderr], [
      1,
      `xpu-ctk: Command ${JSON.stringify(id)} not found\n`,
    ]);
  });
});

Deno.test("an argument that is not UTF-8 is refused by position, exit 2, for every name", async () => {
  // Deno.Command passes strings as UTF-8: the raw byte goes through a shell.
  const cases: [string, string][] = [["xpu-ctk", "run --name"], [
    "xpu-container-runtime",
    "create x",
  ]];
  for (const [name, args] of cases) {
    const out = await run("bash", ["-c", `"$0" ${args} $'a\\xffb'`, bin(name)]);
    assertEquals(out.code, 2, `${name}: ${out.stderr}`);
    assertEquals(out.stderr, `${name}: Argument 3 is not valid UTF-8\n`);
  }
  // Valid non-ASCII arguments pass on to the toolkit.
  const ok = await runBin("xpu-ctk", ["config", "get", "café"]);
  assertEquals(ok.stderr, 'xpu-ctk: Unknown config key "café"\n');
});
