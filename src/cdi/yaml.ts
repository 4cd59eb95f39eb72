/**
 * The YAML library, loaded on first use (it is large, and only YAML specs need it).
 * @module
 */

/** A problem npm:yaml found in a document. */
interface YamlProblem {
  readonly message: string;
  readonly code?: string;
}

/** A document as npm:yaml parses it. */
interface YamlDocument {
  readonly errors: readonly YamlProblem[];
  readonly warnings: readonly YamlProblem[];
  toJS(options?: { maxAliasCount?: number }): unknown;
}

/** The parts of npm:yaml the toolkit uses. */
export interface Yaml {
  parseDocument(text: string, options?: { logLevel?: "silent" }): YamlDocument;
  stringify(value: unknown): string;
}

/**
 * `text` as a value. A warning (an unknown tag, say) is an error too, and neither is printed by
 * the library: the caller reports one line naming the file. Throws SyntaxError.
 */
export function parseYaml(yaml: Yaml, text: string): unknown {
  const doc = yaml.parseDocument(text, { logLevel: "silent" });
  const problem = doc.errors[0] ?? doc.warnings[0];
  // The library's messages go on with a picture of the line; its first line says it all.
  if (problem) {
    const message = problem.message.split("\n")[0]!.replace(/:$/, "");
    throw Object.assign(new SyntaxError(message), { code: problem.code });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Loads npm:yaml. */
export async function loadYaml(): Promise<Yaml> {
  const mod = (await import("yaml")) as unknown as Partial<Yaml> & { default?: Yaml };
  // Run from source the package is ESM with named exports; bundled, its CommonJS build is the
  // default export.
  return typeof mod.stringify === "function" ? (mod as Yaml) : mod.default!;
}
