import { assertEquals } from "./assert.ts";
import { ROOT } from "./helpers.ts";

function* walk(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Static imports of each source file, as project-relative paths or bare specifiers. */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(file);
  const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)";/gms)].map((m) =>
    m[1]!
  );
  return specs.map((s) =>
    s.startsWith(".") ? new URL(s, `file://${file}`).pathname.slice(ROOT.length + 1) : s
  );
}

const files = [...walk(`${ROOT}/src`)].map((f) => ({
  rel: f.slice(ROOT.length + 1),
  imports: importsOf(f),
}));
const area = (rel: string) => rel.split("/")[1] ?? "";
const HOT = ["runtime", "hook", "oci", "modes", "discover", "edits", "internal"];

Deno.test("main.ts statically imports only src/internal/argv0.ts", () => {
  assertEquals(importsOf(`${ROOT}/main.ts`), ["src/internal/argv0.ts"]);
});

Deno.test("runtime, hook and cli never import each other", () => {
  const bad = files.flatMap((f) =>
    ["runtime", "hook", "cli"].includes(area(f.rel))
      ? f.imports.filter((i) =>
        ["runtime", "hook", "cli"].includes(area(i)) && area(i) !== area(f.rel)
      )
        .map((i) => `${f.rel} -> ${i}`)
      : []
  );
  assertEquals(bad, []);
});

Deno.test("only cli imports engine", () => {
  const bad = files.flatMap((f) =>
    area(f.rel) !== "cli" && area(f.rel) !== "engine"
      ? f.imports.filter((i) => area(i) === "engine").map((i) => `${f.rel} -> ${i}`)
      : []
  );
  assertEquals(bad, []);
});

Deno.test("internal imports nothing from src/ outside internal", () => {
  const bad = files.flatMap((f) =>
    area(f.rel) === "internal"
      ? f.imports.filter((i) => i.startsWith("src/") && area(i) !== "internal").map((i) =>
        `${f.rel} -> ${i}`
      )
      : []
  );
  assertEquals(bad, []);
});

Deno.test("the hot path imports no node:fs, node:process, node:child_process or node:util", () => {
  const bad = files.flatMap((f) =>
    HOT.includes(area(f.rel))
      ? f.imports.filter((i) => /^node:(fs|process|child_process|util)(\/|$)/.test(i)).map((i) =>
        `${f.rel} -> ${i}`
      )
      : []
  );
  assertEquals(bad, []);
});

Deno.test("every export has a JSDoc comment", () => {
  const bad: string[] = [];
  for (const f of walk(`${ROOT}/src`)) {
    const lines = Deno.readTextFileSync(f).split("\n");
    lines.forEach((line, i) => {
      if (!/^export (async )?(function|const|class|interface|type|let) /.test(line)) return;
      let j = i - 1;
      while (j >= 0 && lines[j]!.trim() === "") j--;
      if (!lines[j]?.trim().endsWith("*/")) bad.push(`${f.slice(ROOT.length + 1)}:${i + 1}`);
    });
  }
  assertEquals(bad, []);
});
