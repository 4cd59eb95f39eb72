import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { enrootHookText } from "../../src/engine/enroot.ts";
import { hasMarker } from "../../src/engine/marker.ts";
import { run, runBin, withTempDir } from "../helpers.ts";

const CTK = "/usr/bin/xpu-ctk";

function configure(args: string[]) {
  return runBin("xpu-ctk", ["runtime", "configure", "--runtime=enroot", ...args]);
}

Deno.test("enrootHookText() execs xpu-ctk hook enroot, quoting what sh would split", () => {
  assertEquals(
    enrootHookText(CTK, undefined).split("\n").at(-2),
    "exec /usr/bin/xpu-ctk hook enroot",
  );
  assertEquals(
    enrootHookText("/opt/my tk/xpu-ctk", "/etc/it's $HOME/c.toml").split("\n").at(-2),
    `exec '/opt/my tk/xpu-ctk' hook enroot --config '/etc/it'\\''s $HOME/c.toml'`,
  );
  assertEquals(hasMarker(enrootHookText(CTK, undefined)), true);
  assertEquals(hasMarker("#!/bin/sh\nexec true\n# Written by xpu-ctk runtime configure\n"), false);
});

Deno.test("the hook runs xpu-ctk with its arguments as words, whatever the paths hold", async () => {
  await withTempDir(async (dir) => {
    const args = `${dir}/args`;
    Deno.writeTextFileSync(
      `${dir}/fake ctk`,
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >${args}\n`,
    );
    Deno.chmodSync(`${dir}/fake ctk`, 0o755);
    const hook = `${dir}/98-xpu.sh`;
    Deno.writeTextFileSync(hook, enrootHookText(`${dir}/fake ctk`, `${dir}/a'b $(touch x) c`));
    Deno.chmodSync(hook, 0o755);
    const out = await run(hook, [], { cwd: dir });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(args), `hook\nenroot\n--config\n${dir}/a'b $(touch x) c\n`);
    assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "x"), false);
  });
});

Deno.test("runtime configure --runtime=enroot writes an executable hook that names a non-default config", async () => {
  await withTempDir(async (dir) => {
    const hook = `${dir}/hooks.d/98-xpu.sh`;
    const toolkit = `${dir}/xdg/xpu-container-runtime/config.toml`;
    Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
    Deno.writeTextFileSync(toolkit, "");
    const out = await runBin(
      "xpu-ctk",
      ["runtime", "configure", "--runtime=enroot", "--config", hook, "--runtime-path", CTK],
      { env: { XDG_CONFIG_HOME: `${dir}/xdg` } },
    );
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "enroot start -e CXPU_VISIBLE_DEVICES=0 IMAGE");
    assertEquals((Deno.statSync(hook).mode ?? 0) & 0o777, 0o755);
    assertEquals(
      Deno.readTextFileSync(hook).split("\n").at(-2),
      `exec ${CTK} hook enroot --config ${toolkit}`,
    );
  });
});

Deno.test("runtime configure --runtime=enroot never replaces or removes a hook it did not write", async () => {
  await withTempDir(async (dir) => {
    const hook = `${dir}/98-xpu.sh`;
    Deno.writeTextFileSync(hook, "#!/bin/sh\necho mine\n");
    const out = await configure(["--config", hook, "--runtime-path", CTK]);
    assertEquals(out.code, 1);
    assertMatch(out.stderr, /Cannot configure enroot: ".*98-xpu\.sh" was not written by xpu-ctk/);
    const un = await runBin("xpu-ctk", [
      "runtime",
      "unconfigure",
      "--runtime=enroot",
      "--config",
      hook,
    ]);
    assertEquals(un.code, 1);
    assertEquals(Deno.readTextFileSync(hook), "#!/bin/sh\necho mine\n");
  });
});
