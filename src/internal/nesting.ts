/**
 * How deeply an input document may nest. Parsers and everything after them (validation,
 * `JSON.stringify`, the YAML library's composer) recurse, so a file nested some thousand levels
 * deep would end in V8's "Maximum call stack size exceeded" instead of a message naming it. No
 * real spec, config or engine file comes near the limit.
 * @module
 */

/** The most levels of arrays and objects (the document itself being the first) an input may have. */
export const MAX_NESTING = 100;

/** The problem of a document deeper than MAX_NESTING, as messages quote it. */
export const TOO_DEEP = `nested deeper than ${MAX_NESTING} levels`;

/** The problem of a document that contains itself (a YAML alias inside its own anchor). */
export const CIRCULAR = "an alias refers to a node that contains it";

/** A document nested too deeply, or one that contains itself. */
export class NestingError extends Error {
  override name = "NestingError";
}

/**
 * Why `value` cannot be used, or undefined: deeper than MAX_NESTING, or containing itself. The
 * walk is iterative, so it never overflows the stack itself.
 */
export function nestingProblem(value: unknown): string | undefined {
  // Two stacks rather than a tuple per node, and index loops over arrays: config.json files hold
  // thousands of env entries, and this runs on every container create.
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  // The containers from the root to the one being looked at: in a depth-first walk the last
  // container seen at each smaller depth is an ancestor of the node being looked at.
  const path: object[] = [];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (typeof node !== "object" || node === null) continue;
    path.length = depth - 1;
    path.push(node);
    if (depth > MAX_NESTING) return new Set(path).size < path.length ? CIRCULAR : TOO_DEEP;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const inner = node[i];
        if (typeof inner === "object" && inner !== null) {
          nodes.push(inner);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in node) {
      const inner = (node as Record<string, unknown>)[key];
      if (typeof inner === "object" && inner !== null) {
        nodes.push(inner);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** True for the RangeError V8 throws when a recursion runs out of stack. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
