/**
 * The YAML library, loaded on first use (it is large, and only YAML specs need it).
 * @module
 */

/** The parts of npm:yaml the toolkit uses. */
export interface Yaml {
  parse(text: string): unknown;
  stringify(value: unknown): string;
}

/** Loads npm:yaml. */
export async function loadYaml(): Promise<Yaml> {
  const mod = (await import("yaml")) as unknown as Partial<Yaml> & { default?: Yaml };
  // Run from source the package is ESM with named exports; bundled, its CommonJS build is the
  // default export.
  return typeof mod.stringify === "function" ? (mod as Yaml) : mod.default!;
}
