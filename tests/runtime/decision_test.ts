import { assertEquals, assertMatch, assertStringIncludes, assertTrue } from "../assert.ts";
import { q, ROOT, run, withTempDir } from "../helpers.ts";
import { defaultConfigPath } from "../../src/config/load.ts";
import {
  DECISION_FILE,
  DECISION_VARIABLES,
  decisionHeader,
  type DecisionInputs,
  decisionText,
  recordDecision,
} from "../../src/runtime/decision.ts";
import { fileTimes } from "../../src/internal/mtime.ts";
import { exists, runtimesConfig } from "./fast_path.ts";
import { untouchedNeedles } from "../../src/modes/untouched.ts";

/** Inputs for a config in `dir` naming `dir/runc`, settled: the shim started a minute later. */
function inputs(dir: string, over: Partial<DecisionInputs> = {}): DecisionInputs {
  const configPath = `${dir}/config.toml`;
  try {
    Deno.lstatSync(configPath);
  } catch {
    Deno.writeTextFileSync(
      configPath,
      `[xpu-container-runtime]\nruntimes = [${q(`${dir}/runc`)}]\n`,
    );
    Deno.writeTextFileSync(`${dir}/runc`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/runc`, 0o755);
  }
  return {
    configPath,
    configExists: true,
    env: { PATH: "/nonexistent/bin", XDG_CONFIG_HOME: dir },
    config: runtimesConfig([`${dir}/runc`]),
    runtime: `${dir}/runc`,
    quiet: true,
    startedMs: Date.now() + 60_000,
    ...over,
  };
}

Deno.test("the decision names the build, the config, its needles, the caller's variables and the runtime", async () => {
  await withTempDir((dir) => {
    const decided = decisionText(inputs(dir, { env: { PATH: "/usr/bin:/bin" } }));
    assertEquals(decided, {
      text: [
        decisionHeader(),
        `config ${dir}/config.toml`,
        "create fast",
        ...untouchedNeedles(runtimesConfig([`${dir}/runc`]))!.map((n) => `needle ${n}`),
        "unset XDG_CONFIG_HOME",
        "env PATH=/usr/bin:/bin",
        `runtime ${dir}/runc`,
        "end\n",
      ].join("\n"),
    });
  });
});

Deno.test("a config whose needles cannot prove a spec untouched leaves every create to the shim", async () => {
  await withTempDir((dir) => {
    const base = runtimesConfig([`${dir}/runc`]);
    const runtime = base["xpu-container-runtime"];
    const config = {
      ...base,
      "xpu-container-runtime": {
        ...runtime,
        modes: { ...runtime.modes, cdi: { ...runtime.modes.cdi, "annotation-prefixes": [""] } },
      },
    };
    const decided = decisionText(inputs(dir, { env: { PATH: "/usr/bin:/bin" }, config }));
    if (!("text" in decided)) throw new Error(decided.why);
    assertEquals(decided.text.split("\n")[2], "create shim");
    assertEquals(decided.text.includes("needle"), false);
  });
});

Deno.test("the decision keeps a record for each of the last callers of one config", async () => {
  await withTempDir((dir) => {
    const caller = (path: string) => inputs(dir, { env: { PATH: path } });
    let text = "";
    for (const path of ["/a", "/b", "/a", "/c", "/d", "/e"]) {
      const decided = decisionText(caller(path), text);
      if (!("text" in decided)) throw new Error(decided.why);
      text = decided.text;
    }
    const paths = text.split("\n").filter((l) => l.startsWith("env PATH=")).map((l) => l.slice(9));
    // The latest first, each caller once, four at most: /b has gone.
    assertEquals(paths, ["/e", "/d", "/c", "/a"]);
    assertEquals(text.split("\n").filter((l) => l.startsWith("config ")).length, 1);
    // A decision for another config is not kept.
    const other = decisionText(inputs(dir, { configPath: `${dir}/other.toml` }), text);
    assertTrue("text" in other && !other.text.includes("env PATH=/e"));
  });
});

Deno.test("the decision lists the candidates found wanting before the runtime", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/a`);
    Deno.mkdirSync(`${dir}/b`);
    Deno.writeTextFileSync(`${dir}/a/docker-runc`, "not executable\n");
    Deno.copyFileSync(`${ROOT}/testdata/bin/fake-runc`, `${dir}/b/runc`);
    const found = decisionText(inputs(dir, {
      env: { PATH: `${dir}/a:relative:${dir}/b` },
      config: runtimesConfig(["docker-runc", "runc"]),
      runtime: `${dir}/b/runc`,
    }));
    if (!("text" in found)) throw new Error(found.why);
    const skips = found.text.split("\n").filter((l) => l.startsWith("skip "));
    assertEquals(skips.slice(0, 2), [`skip ${dir}/a/docker-runc`, `skip ${dir}/b/docker-runc`]);
    assertTrue(skips.includes("skip /usr/bin/docker-runc"));
    assertTrue(skips.includes(`skip ${dir}/a/runc`));
    assertTrue(!skips.some((s) => s.includes("relative")));
  });
});

Deno.test("no decision where the front could not act as the shim would", async () => {
  await withTempDir((dir) => {
    const cases: [Partial<DecisionInputs>, RegExp][] = [
      [{ quiet: false }, /logs on every call/],
      [{ configExists: false }, /no config file/],
      [{ configPath: "relative/config.toml" }, /relative or not printable/],
      [{ env: { PATH: "/bin", XDG_CONFIG_HOME: "/x\u00e9" } }, /not printable ASCII/],
      [{ env: { PATH: "/bin\n/x" } }, /not printable ASCII/],
      [{ runtime: "/somewhere/else" }, /changed while it was chosen/],
      [{ env: { PATH: `/${"p".repeat(9000)}` } }, /too long/],
    ];
    for (const [over, why] of cases) {
      const decided = decisionText(inputs(dir, over));
      if (!("why" in decided)) throw new Error(`Recorded: ${JSON.stringify(over)}`);
      assertMatch(decided.why, why);
    }
    // A runtime found by a relative name depends on the directory the shim runs in.
    Deno.writeTextFileSync(`${dir}/rel`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/rel`, 0o755);
    const relative = decisionText(
      inputs(dir, { config: runtimesConfig(["./rel"]), runtime: "./rel" }),
    );
    assertTrue("why" in relative);
  });
});

Deno.test("the decision's variables are all that pick the config file", () => {
  const asked = new Set<string>();
  defaultConfigPath((name) => {
    asked.add(name);
    return undefined;
  });
  for (const name of asked) assertTrue(DECISION_VARIABLES.includes(name), name);
  assertTrue(DECISION_VARIABLES.includes("PATH"));
});

Deno.test("recordDecision writes the decision owner-only with the config's exact time, once", async () => {
  await withTempDir((dir) => {
    const input = inputs(dir);
    const file = `${dir}/decisions/${DECISION_FILE}`;
    assertMatch(recordDecision(`${dir}/decisions`, input)!, /^Recorded the decision in /);
    const text = decisionText(input);
    assertEquals("text" in text ? text.text : "", Deno.readTextFileSync(file));
    assertEquals(Deno.statSync(file).mode! & 0o777, 0o644);
    assertEquals(Deno.statSync(`${dir}/decisions`).mode! & 0o777, 0o700);
    assertEquals(fileTimes(file).mtime, fileTimes(input.configPath).mtime);
    // Up to date: nothing is written again.
    const ino = Deno.statSync(file).ino;
    assertEquals(recordDecision(`${dir}/decisions`, input), undefined);
    assertEquals(Deno.statSync(file).ino, ino);
    // Nothing without a directory; a relative one is refused.
    assertEquals(recordDecision(undefined, input), undefined);
    assertStringIncludes(recordDecision("decisions", input)!, "not an absolute directory path");
  });
});

Deno.test("recordDecision records nothing for a config changed in the last two seconds", async () => {
  await withTempDir((dir) => {
    const note = recordDecision(`${dir}/decisions`, inputs(dir, { startedMs: Date.now() }));
    assertMatch(note!, /changed in the last two seconds/);
    assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "decisions"), false);
  });
});

Deno.test("recordDecision records nothing for a config whose time is whole seconds, and removes its decision", async () => {
  await withTempDir((dir) => {
    const input = inputs(dir);
    assertMatch(recordDecision(`${dir}/decisions`, input)!, /^Recorded/);
    Deno.utimeSync(input.configPath, 1, 1);
    assertMatch(
      recordDecision(`${dir}/decisions`, input)!,
      /modification time is in whole seconds/,
    );
    assertEquals(exists(`${dir}/decisions/${DECISION_FILE}`), false);
  });
});

Deno.test("recordDecision removes a decision its config no longer supports, not another config's", async () => {
  await withTempDir((dir) => {
    const file = `${dir}/decisions/${DECISION_FILE}`;
    recordDecision(`${dir}/decisions`, inputs(dir));
    // A caller that cannot be recorded: the decision still holds for the others.
    const note = recordDecision(`${dir}/decisions`, inputs(dir, { env: { PATH: "/x\n" } }));
    assertMatch(note!, /PATH is not printable ASCII/);
    Deno.statSync(file);
    // Another config's reasons are its own.
    recordDecision(`${dir}/decisions`, inputs(dir, { configPath: `${dir}/other`, quiet: false }));
    Deno.statSync(file);
    // The config's own (here: the shim would log on every call) hold for every caller.
    recordDecision(`${dir}/decisions`, inputs(dir, { quiet: false }));
    assertEquals(exists(file), false);
  });
});

Deno.test("recordDecision keeps out of a directory others may write, and removes its decision", async () => {
  await withTempDir((dir) => {
    const file = `${dir}/decisions/${DECISION_FILE}`;
    recordDecision(`${dir}/decisions`, inputs(dir));
    Deno.chmodSync(`${dir}/decisions`, 0o777);
    assertMatch(
      recordDecision(`${dir}/decisions`, inputs(dir))!,
      /not in a directory that only this user may write/,
    );
    assertEquals([...Deno.readDirSync(`${dir}/decisions`)].length, 0);
    Deno.chmodSync(`${dir}/decisions`, 0o700);
    recordDecision(`${dir}/decisions`, inputs(dir));
    // A decision others may write is written again, owner-only.
    Deno.chmodSync(file, 0o666);
    assertMatch(recordDecision(`${dir}/decisions`, inputs(dir))!, /^Recorded/);
    assertEquals(Deno.statSync(file).mode! & 0o777, 0o644);
  });
});

/** scripts/fast_path.ts run with `args`. */
function fastPathScript(args: string[]) {
  return run(`${ROOT}/.tools/node_modules/.bin/deno`, [
    "run",
    "--allow-read",
    "--no-config",
    "--no-lock",
    `${ROOT}/scripts/fast_path.ts`,
    ...args,
  ], { env: { DENO_DIR: `${ROOT}/.deno` } });
}

Deno.test("scripts/fast_path.ts fills in every fact and writes bash that parses", async () => {
  const out = await fastPathScript(["/run/it's here"]);
  assertEquals(out.code, 0, out.stderr);
  assertTrue(!/@[A-Z_]+@/.test(out.stdout), "a fact was left unfilled");
  assertStringIncludes(out.stdout, `__xpu_decision_dir='/run/it'\\''s here'`);
  assertStringIncludes(out.stdout, `'${decisionHeader()}'`);
  const parse = await run("bash", ["-n"], { stdin: out.stdout });
  assertEquals(parse.code, 0, parse.stderr);
  assertEquals((await fastPathScript([])).code, 2);
});
