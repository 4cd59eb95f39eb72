/**
 * Folds a code-split bundle's shared chunks into the modules that load them first, so a call
 * opens as few modules as possible (each costs Deno a read, a cache lookup and V8 set-up, ~0.3
 * ms) while lazily imported code stays lazy. The entry absorbs every chunk it imports statically;
 * then each lazily imported module absorbs the chunks it imports statically that are not already
 * in a module loaded before it. Modules importing a folded chunk import from its new home.
 * Relies on esbuild's chunk format: `import {…} from "./x.js";` lines at the top, one
 * `export {…};` list, and top-level declarations at the start of a line. Chunks may declare
 * the same top-level name (esbuild renames only within a chunk, e.g. an npm package's constant
 * and one of ours): the later part's declaration is renamed (`NAME$1`) throughout that part,
 * which esbuild's output allows because it never shadows a top-level name in a nested scope. A
 * host whose clash cannot be renamed safely (the name is also an object key shorthand, or one
 * part imports it) is left as esbuild wrote it, with a note on stderr. A lazily
 * imported module may now import from the module that loads it, so that module must not await
 * the lazy import at its top level (the two would wait for each other); this is checked.
 *
 * Before merging, it rewrites the bundle as the launcher needs it: each `SPECIFIER=PATH` names an
 * import the entry left external (another bundle, e.g. `./src/cli/main.ts=./cli/main.js`), and
 * every `import("./x.js")` in DIR becomes `import(new URL("./x.js", import.meta.url).href)`:
 * Deno reads (and parses) every statically analyzable dynamic import before running anything,
 * so a computed one makes each call read only what it runs. Modules in subdirectories of DIR
 * are other bundles, never merged.
 * Usage: deno run -A scripts/merge_chunks.ts DIR ENTRY.js [SPECIFIER=PATH…]
 * @module
 */

interface Binding {
  /** The name in the exporting module. */
  local: string;
  /** The name it is exported or imported as. */
  name: string;
}

interface Module {
  file: string;
  /** Static imports: the file and the bindings taken from it. */
  imports: { from: string; bindings: Binding[] }[];
  /** Files imported lazily, by `import(new URL("./x.js", import.meta.url).href)` or `import("./x.js")`. */
  lazy: string[];
  exports: Binding[];
  /** The code without its static import statements and its export list. */
  body: string;
}

const DYNAMIC = /import\("(\.\/[A-Za-z0-9_/-]+\.js)"\)/g;
const IMPORT = /^import\s*(?:\{([^}]*)\}\s*from\s*)?"\.\/([^"]+)";\n/gm;
const EXPORT = /^export\s*\{([^}]*)\};\n?/m;
const LAZY = /import\((?:new URL\()?"\.\/([^"]+)"/g;

function bindings(list: string): Binding[] {
  return list.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const [local, name] = s.split(/\s+as\s+/) as [string, string | undefined];
    return { local, name: name ?? local };
  });
}

function parse(dir: string, file: string): Module {
  const text = Deno.readTextFileSync(`${dir}/${file}`);
  const imports = [...text.matchAll(IMPORT)].map((m) => ({
    from: m[2]!,
    bindings: bindings(m[1] ?? ""),
  }));
  const exported = text.match(EXPORT);
  return {
    file,
    imports,
    // A module in a subdirectory belongs to another bundle.
    lazy: [...new Set([...text.matchAll(LAZY)].map((m) => m[1]!).filter((f) => !f.includes("/")))],
    exports: exported ? bindings(exported[1]!) : [],
    body: text.replace(IMPORT, "").replace(EXPORT, ""),
  };
}

/** The names a module declares at its top level (esbuild puts those at the start of a line). */
function declaredNames(body: string): string[] {
  const names: string[] = [];
  for (const m of body.matchAll(/^(?:async\s+)?function\*?\s+([\w$]+)|^class\s+([\w$]+)/gm)) {
    names.push(m[1] ?? m[2]!);
  }
  for (const m of body.matchAll(/^(?:var|let|const)\s+([^=;]+)/gm)) {
    // `var a = 1`, `var a, b;`, `var { a, b: c } = x`: every identifier not followed by `:`.
    for (const id of m[1]!.matchAll(/([\w$]+)\s*(:)?/g)) if (!id[2]) names.push(id[1]!);
  }
  return names;
}

/** Keywords after which a `/` starts a regular expression, not a division. */
const BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** Tokens after which `{` opens a block, not an object literal. */
const BEFORE_BLOCK = new Set([
  "",
  ")",
  ">",
  ";",
  "{",
  "}",
  "else",
  "try",
  "finally",
  "do",
  "static",
]);

/**
 * `code` with every reference to the top-level name `from` renamed `to`, skipping strings,
 * comments, regular expressions, property names and class members; undefined where a use is
 * ambiguous to this small lexer (an object shorthand `{ from }`, or `from(` opening a block or
 * an object method), so the caller keeps the modules apart rather than guess.
 */
function renameIn(code: string, from: string, to: string): string | undefined {
  let out = "";
  let i = 0;
  /** The last significant token: an identifier, a number, or a punctuator. */
  let last = "";
  /**
   * Open brackets: `(`, `[`, `{` (an object literal or pattern), `block{` (a block: a function's
   * or statement's), `class{` (a class body) and `${` (a template's expression).
   */
  const stack: string[] = [];
  let classPending = false;
  const copyTo = (end: number) => {
    out += code.slice(i, end);
    i = end;
  };
  /** Copies template text from `i` (just inside a backtick or after `}`) to its end or `${`. */
  const template = () => {
    let j = i;
    while (j < code.length && code[j] !== "`") {
      if (code[j] === "\\") j += 2;
      else if (code[j] === "$" && code[j + 1] === "{") {
        copyTo(j + 2);
        stack.push("${");
        last = "{";
        return;
      } else j++;
    }
    copyTo(j + 1);
    last = "`";
  };
  while (i < code.length) {
    const c = code[i]!;
    const rest = code.slice(i, i + 2);
    if (/\s/.test(c)) copyTo(i + 1);
    else if (rest === "//") copyTo(code.indexOf("\n", i) < 0 ? code.length : code.indexOf("\n", i));
    else if (rest === "/*") copyTo(code.indexOf("*/", i + 2) + 2);
    else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === "\\" ? 2 : 1;
      copyTo(j + 1);
      last = c;
    } else if (c === "`") {
      copyTo(i + 1);
      template();
    } else if (
      c === "/" && (last === "" || BEFORE_EXPRESSION.has(last) ||
        (!/^[\w$)\]}`'"]/.test(last) && last !== "." && !/[\w$]$/.test(last)))
    ) {
      let j = i + 1;
      let inClass = false;
      while (j < code.length && (inClass || code[j] !== "/")) {
        if (code[j] === "\\") j++;
        else if (code[j] === "[") inClass = true;
        else if (code[j] === "]") inClass = false;
        j++;
      }
      j++;
      while (j < code.length && /[\w$]/.test(code[j]!)) j++;
      copyTo(j);
      last = "/re/";
    } else if (/[0-9]/.test(c)) {
      copyTo(i + code.slice(i).match(/^[\w.]+/)![0].length);
      last = "0";
    } else if (/[\w$\\\u0080-\uffff]/.test(c)) {
      const word = code.slice(i).match(/^[\w$\\\u0080-\uffff]+/)![0];
      const next = code.slice(i + word.length).match(/^\s*(.)/)?.[1] ?? "";
      const top = stack.at(-1);
      let rename = word === from && last !== ".";
      if (
        rename && top === "class{" &&
        ["{", "}", ";", "get", "set", "static", "async", "*"].includes(last)
      ) {
        rename = false; // a class member's name
      } else if (rename && top === "{" && (last === "{" || last === ",")) {
        if (next === ":") rename = false; // an object key (or a label)
        else if (next === "," || next === "}" || next === "(") return undefined;
      } else if (rename && top === "{" && ["get", "set", "async"].includes(last)) {
        return undefined;
      }
      if (word === "class") classPending = true;
      out += rename ? to : word;
      i += word.length;
      last = word;
    } else {
      if (code.startsWith("...", i)) {
        copyTo(i + 3);
        last = "...";
        continue;
      }
      if (c === "(" || c === "[") stack.push(c);
      else if (c === "{") {
        stack.push(classPending ? "class{" : BEFORE_BLOCK.has(last) ? "block{" : "{");
        classPending = false;
      } else if (c === ")" || c === "]") stack.pop();
      else if (c === "}") {
        if (stack.pop() === "${") {
          copyTo(i + 1);
          template();
          continue;
        }
      } else if (c === ";") classPending = false;
      copyTo(i + 1);
      last = c;
    }
  }
  return out;
}

/**
 * Makes `parts` (a host and the chunks it absorbs) bind each name once, renaming the later of
 * two top-level declarations of a name in its own part. Returns a name it could not make
 * unique, or undefined.
 */
function deduplicate(parts: Module[]): string | undefined {
  const inside = new Set(parts.map((m) => m.file));
  const imported = new Map<string, string>();
  const seen = new Set<string>();
  const taken = new Set(parts.flatMap((m) => [
    ...m.body.matchAll(/[\w$]+/g).map((x) => x[0]),
    ...m.imports.flatMap((i) => i.bindings.map((b) => b.name)),
  ]));
  for (const m of parts) {
    for (const { from, bindings: bs } of m.imports) {
      if (inside.has(from)) continue;
      for (const b of bs) {
        // The same name from the same module is one binding; from another it is a clash.
        if (imported.has(b.name) && imported.get(b.name) !== from) return b.name;
        if (seen.has(b.name)) return b.name;
        imported.set(b.name, from);
      }
    }
    for (const name of new Set(declaredNames(m.body))) {
      if (!seen.has(name) && !imported.has(name)) {
        seen.add(name);
        continue;
      }
      // Parts that take the name from this one refer to it by this name.
      const shared = parts.some((p) =>
        p.imports.some((i) => i.from === m.file && i.bindings.some((b) => b.local === name))
      );
      let n = 1;
      while (taken.has(`${name}$${n}`)) n++;
      const fresh = `${name}$${n}`;
      const body = shared ? undefined : renameIn(m.body, name, fresh);
      if (body === undefined) return name;
      taken.add(fresh);
      m.body = body;
      m.exports = m.exports.map((b) => b.local === name ? { ...b, local: fresh } : b);
      seen.add(fresh);
    }
  }
  return undefined;
}

const [dir, entry, ...externals] = Deno.args;
if (!dir || !entry) throw new Error("usage: merge_chunks.ts DIR ENTRY.js [SPECIFIER=PATH…]");

for (const e of Deno.readDirSync(dir)) {
  if (!e.isFile || !e.name.endsWith(".js")) continue;
  let text = Deno.readTextFileSync(`${dir}/${e.name}`);
  if (e.name === entry) {
    for (const pair of externals) {
      const [specifier, path] = pair.split("=");
      if (!specifier || !path) throw new Error(`merge_chunks: ${pair} is not SPECIFIER=PATH`);
      if (!text.includes(`"${specifier}"`)) {
        throw new Error(`merge_chunks: ${dir}/${entry} does not import ${specifier}`);
      }
      text = text.replaceAll(`"${specifier}"`, `"${path}"`);
    }
  }
  const computed = text.replace(
    DYNAMIC,
    (_, file) => `import(new URL("${file}", import.meta.url).href)`,
  );
  Deno.writeTextFileSync(`${dir}/${e.name}`, computed);
}

const modules = new Map<string, Module>();
const load = (file: string): Module => {
  let m = modules.get(file);
  if (!m) modules.set(file, m = parse(dir, file));
  return m;
};

/** Where each folded chunk now lives. */
const home = new Map<string, string>();

/** Folds into `host` the chunks it reaches by static imports, dependencies first. */
function absorb(host: string): string[] {
  const order: string[] = [];
  const visit = (file: string) => {
    for (const { from } of load(file).imports) {
      if (from === host || home.has(from) || order.includes(from)) continue;
      visit(from);
      order.push(from);
    }
  };
  visit(host);
  for (const chunk of order) home.set(chunk, host);
  return order;
}

const plan: { host: string; chunks: string[] }[] = [];
const queue = [entry];
home.set(entry, entry);
while (queue.length > 0) {
  const host = queue.shift()!;
  const chunks = absorb(host);
  plan.push({ host, chunks });
  for (const file of [host, ...chunks]) {
    for (const lazy of load(file).lazy) {
      if (!home.has(lazy)) {
        home.set(lazy, lazy);
        queue.push(lazy);
      }
    }
  }
}

const list = (bs: Binding[]) =>
  bs.map((b) => b.name === b.local ? b.name : `${b.local} as ${b.name}`).join(", ");

/** The import statements `parts` need once folded chunks are imported from their homes. */
function importLines(parts: Module[], inside: Set<string>): string {
  const byHome = new Map<string, Map<string, Binding>>();
  for (const { from, bindings: bs } of parts.flatMap((m) => m.imports)) {
    if (inside.has(from)) continue;
    const target = home.get(from) ?? from;
    const names = byHome.get(target) ?? new Map<string, Binding>();
    for (const b of bs) names.set(b.name, b);
    byHome.set(target, names);
  }
  return [...byHome].map(([from, names]) =>
    names.size === 0
      ? `import "./${from}";\n`
      : `import { ${list([...names.values()])} } from "./${from}";\n`
  ).join("");
}

/** `body` with lazy imports of folded modules pointed at their homes. */
function retarget(body: string): string {
  return body.replace(LAZY, (whole, file: string) => whole.replace(file, home.get(file) ?? file));
}

for (const step of plan) {
  const clash = deduplicate([step.host, ...step.chunks].map((f) => load(f)));
  if (clash === undefined) continue;
  console.error(`merge_chunks: ${dir}/${step.host} left split: "${clash}" is declared twice`);
  for (const chunk of step.chunks) home.set(chunk, chunk);
  step.chunks = [];
}

for (const { host, chunks } of plan) {
  const inside = new Set([host, ...chunks]);
  const parts = [host, ...chunks].map((f) => load(f));
  // Within one build esbuild imports names as exported; renaming on import would need aliases.
  for (const m of parts) {
    for (const imp of m.imports) {
      if (!inside.has(imp.from)) continue;
      const exports = load(imp.from).exports;
      for (const b of imp.bindings) {
        const e = exports.find((x) => x.name === b.local);
        if (!e || e.local !== b.name) {
          throw new Error(
            `${m.file}: import of ${b.local} as ${b.name} from ${imp.from} is renamed`,
          );
        }
      }
    }
  }
  // A module may re-export what it imported from a chunk it now contains: list each name once.
  const exports = [...new Map(parts.flatMap((m) => m.exports).map((b) => [b.name, b])).values()];
  const exportList = exports.length === 0 ? "" : `export { ${list(exports)} };\n`;
  const body = [...chunks.map((f) => load(f).body), load(host).body].map(retarget).join("\n");
  Deno.writeTextFileSync(`${dir}/${host}`, importLines(parts, inside) + body + exportList);
  for (const chunk of chunks) Deno.removeSync(`${dir}/${chunk}`);
}

for (const { host } of plan) {
  const importers = [...home.values()].filter((f) =>
    f !== host && modules.get(f)?.imports.some((i) => home.get(i.from) === host)
  );
  if (importers.length > 0 && /^(?![\s/*]).*\bawait\b/m.test(load(host).body)) {
    throw new Error(`${dir}/${host} awaits at its top level and ${importers[0]} imports from it`);
  }
}

// Modules that were not hosts (none, in a bundle whose every module is reached from the entry)
// would still name folded chunks; fail loudly rather than leave a broken import.
for (const e of Deno.readDirSync(dir)) {
  if (!e.name.endsWith(".js") || home.get(e.name) === e.name) continue;
  throw new Error(`${dir}/${e.name} is not reached from ${entry}`);
}
