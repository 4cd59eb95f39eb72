import { assertEquals, assertMatch, assertTrue } from "./assert.ts";
import { ROOT, run, withTempDir } from "./helpers.ts";
import { HOOK_NAMES, RUNTIME_NAMES } from "../src/internal/argv0.ts";

const DENO = `${ROOT}/.tools/node_modules/.bin/deno`;

/** Writes a small code-split bundle in esbuild's chunk format; returns what its entry prints. */
function writeBundle(dir: string): void {
  const files: Record<string, string> = {
    "main.js": `import {
  shared
} from "./chunk-A.js";
import {
  base
} from "./chunk-B.js";

// main
async function run() {
  const lazy = await import(new URL("./lazy-X.js", import.meta.url).href);
  return [shared(), base(), lazy.late(), lazy.side()].join(" ");
}
export {
  run,
  shared
};
`,
    "chunk-A.js": `import {
  base
} from "./chunk-B.js";

// a
function shared() {
  return "shared+" + base();
}

export {
  shared
};
`,
    "chunk-B.js": `// b
let count = 0;
function base() {
  return "base" + ++count;
}

export {
  base
};
`,
    "chunk-C.js": `// c
function onlyLazy() {
  return "c";
}

export {
  onlyLazy
};
`,
    "lazy-X.js": `import {
  shared
} from "./chunk-A.js";
import {
  onlyLazy
} from "./chunk-C.js";

// lazy
function late() {
  return "late:" + shared() + ":" + onlyLazy();
}
function side() {
  return "side";
}

export {
  late,
  side
};
`,
  };
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${name}`, text);
}

/** Runs scripts/merge_chunks.ts on the bundle in `dir`. */
function mergeChunks(dir: string) {
  return run(DENO, [
    "run",
    "-A",
    "--no-config",
    "--no-lock",
    `${ROOT}/scripts/merge_chunks.ts`,
    dir,
    "main.js",
  ]);
}

/** Runs the bundle in `dir` the way the launcher does: a caller imports the entry, then runs it. */
async function runEntry(dir: string) {
  Deno.writeTextFileSync(
    `${dir}/../start.js`,
    `const { run } = await import("./${
      dir.split("/").pop()
    }/main.js");\nconsole.log(await run());\n`,
  );
  return await run(DENO, [
    "run",
    "--quiet",
    "--allow-read",
    "--no-config",
    "--no-lock",
    `${dir}/../start.js`,
  ], {
    env: { DENO_DIR: `${ROOT}/.deno` },
  });
}
Deno.test("merge_chunks folds shared chunks into their first loader and keeps behaviour", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    const before = await runEntry(dir);
    assertEquals(before.code, 0, before.stderr);

    const merged = await mergeChunks(dir);
    assertEquals(merged.code, 0, merged.stderr);
    // The entry holds A and B; the lazy module holds C and takes A's names from the entry.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["lazy-X.js", "main.js"]);
    const lazy = Deno.readTextFileSync(`${dir}/lazy-X.js`);
    assertMatch(lazy, /^import \{ shared \} from "\.\/main\.js";/);
    assertTrue(lazy.includes("function onlyLazy()"));
    const main = Deno.readTextFileSync(`${dir}/main.js`);
    assertTrue(main.indexOf("function base()") < main.indexOf("function shared()"));

    // Same output, and module state (the counter) is still shared by one instance.
    const after = await runEntry(dir);
    assertEquals(after.code, 0, after.stderr);
    assertEquals(after.stdout, before.stdout);
    assertEquals(after.stdout, "shared+base1 base2 late:shared+base3:c side\n");
  });
});

Deno.test("merge_chunks refuses a module the entry does not reach", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    Deno.writeTextFileSync(`${dir}/stray.js`, 'import { base } from "./chunk-B.js";\n');
    const out = await mergeChunks(dir);
    assertEquals(out.code, 1);
    assertMatch(out.stderr, /stray\.js is not reached from main\.js/);
  });
});

Deno.test("merge_chunks refuses an entry that awaits at its top level what imports from it", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    const main = Deno.readTextFileSync(`${dir}/main.js`);
    Deno.writeTextFileSync(`${dir}/main.js`, main.replace("// main\n", "// main\nawait run();\n"));
    const out = await mergeChunks(dir);
    assertEquals(out.code, 1);
    assertMatch(out.stderr, /main\.js awaits at its top level and lazy-X\.js imports from it/);
  });
});

Deno.test("merge_chunks renames a name two parts declare, in the later part only", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    // esbuild renames only within a chunk: chunk-A may declare B's `count` too, and use it in
    // ways a rename must respect (property names, strings, regular expressions, templates).
    const a = Deno.readTextFileSync(`${dir}/chunk-A.js`);
    Deno.writeTextFileSync(
      `${dir}/chunk-A.js`,
      a.replace("// a\n", "// a\nvar count = 5;\n").replace(
        `return "shared+" + base();`,
        `const o = { count: count, n: "count" };\n  if (!/count/.test(\`count \${o.count}\`)) return count;\n  ` +
          `return "shared+" + base();`,
      ),
    );
    const before = await runEntry(dir);
    assertEquals(before.code, 0, before.stderr);
    const out = await mergeChunks(dir);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["lazy-X.js", "main.js"]);
    const main = Deno.readTextFileSync(`${dir}/main.js`);
    assertTrue(main.includes("let count = 0;"), main);
    assertTrue(main.includes("var count$1 = 5;"), main);
    assertTrue(
      main.includes(
        `const o = { count: count$1, n: "count" };\n  if (!/count/.test(\`count \${o.count}\`)) return count$1;`,
      ),
      main,
    );
    const after = await runEntry(dir);
    assertEquals(after.stdout, before.stdout);
    assertEquals(after.stdout, "shared+base1 base2 late:shared+base3:c side\n");
  });
});

Deno.test("merge_chunks leaves a host split when a rename would be a guess", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    // `{ count }` would need to become `{ count: count$1 }`: left to esbuild's layout instead.
    const a = Deno.readTextFileSync(`${dir}/chunk-A.js`);
    Deno.writeTextFileSync(
      `${dir}/chunk-A.js`,
      a.replace("// a\n", "// a\nvar count = 5;\nvar box = { count };\n"),
    );
    const before = await runEntry(dir);
    const out = await mergeChunks(dir);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stderr, /main\.js left split: "count" is declared twice/);
    assertTrue(Deno.statSync(`${dir}/chunk-A.js`).isFile);
    const after = await runEntry(dir);
    assertEquals(after.stdout, before.stdout);
    assertEquals(after.stdout, "shared+base1 base2 late:shared+base3:c side\n");
  });
});

Deno.test("merge_chunks points the entry at external bundles and makes lazy imports computed", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/bundle`;
    Deno.mkdirSync(dir);
    writeBundle(dir);
    const main = Deno.readTextFileSync(`${dir}/main.js`).replace(
      `import(new URL("./lazy-X.js", import.meta.url).href)`,
      `import("./lazy-X.js")`,
    ).replace("// main\n", `// main\nvar other = () => import("./src/other/main.ts");\n`);
    Deno.writeTextFileSync(`${dir}/main.js`, main);
    const out = await run(DENO, [
      "run",
      "-A",
      "--no-config",
      "--no-lock",
      `${ROOT}/scripts/merge_chunks.ts`,
      dir,
      "main.js",
      "./src/other/main.ts=./other/main.js",
    ]);
    assertEquals(out.code, 0, out.stderr);
    const merged = Deno.readTextFileSync(`${dir}/main.js`);
    assertTrue(merged.includes(`import(new URL("./lazy-X.js", import.meta.url).href)`), merged);
    assertTrue(merged.includes(`import(new URL("./other/main.js", import.meta.url).href)`), merged);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["lazy-X.js", "main.js"],
    );
    const after = await runEntry(dir);
    assertEquals(after.stdout, "shared+base1 base2 late:shared+base3:c side\n");
  });
});

Deno.test("the build folds every applet's shared chunks", () => {
  // merge_chunks.ts folded every applet's shared chunks: only lazily imported modules remain.
  for (const applet of ["runtime", "hook", "cli"]) {
    const files = [...Deno.readDirSync(`${ROOT}/dist/js/${applet}`)].map((e) => e.name);
    assertEquals(files.filter((f) => f.startsWith("chunk-")), [], applet);
  }
});

Deno.test("the runtime loads each spec-editing mode as one lazy module, which loads no other mode", () => {
  const dir = `${ROOT}/dist/js/runtime`;
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  const modes = ["csv", "cdi"].map((m) => files.filter((f) => f.startsWith(`${m}-`)));
  assertEquals(modes.map((m) => m.length), [1, 1]);
  const [csv, cdi] = modes.map((m) => m[0]!);
  const text = (f: string) => Deno.readTextFileSync(`${dir}/${f}`);
  assertTrue(!text(csv!).includes(cdi!) && !text(cdi!).includes(csv!), `${csv} and ${cdi}`);
  const loader = files.filter((f) => text(f).includes(`import(new URL("./${csv}"`));
  assertEquals(loader.length, 1);
  assertTrue(text(loader[0]!).includes(`import(new URL("./${cdi}"`), loader[0]!);
  assertTrue(!text("main.js").includes(`"./${csv}"`), "main.js loads no mode");
});

Deno.test("the launcher starts the applet entries for exactly argv0.ts's names", () => {
  const launcher = Deno.readTextFileSync(`${ROOT}/dist/bin/xpu-ctk`);
  const names = (entry: string) =>
    launcher.match(new RegExp(`^(.*)\\) __xpu_entry='[^']*/${entry}' ;;$`, "m"))?.[1]?.split(" | ");
  assertEquals(names("runtime.js"), [...RUNTIME_NAMES]);
  assertEquals(names("hook.js"), [...HOOK_NAMES]);
  assertEquals(names("main.js"), ["*"]);
});

Deno.test("the launcher runs Deno with the V8 flags of scripts/v8-flags.sh", () => {
  const flags = Deno.readTextFileSync(`${ROOT}/scripts/v8-flags.sh`).match(/^V8_FLAGS=(\S+)$/m)
    ?.[1];
  assertTrue(flags !== undefined && flags.includes("--no-lazy"), "V8_FLAGS is one line");
  const launcher = Deno.readTextFileSync(`${ROOT}/dist/bin/xpu-ctk`);
  assertTrue(launcher.includes(` run --v8-flags=${flags} `), launcher);
});
