/**
 * Lint plugin for the error-message house rules (ARCHITECTURE.md): the message of `new Error(…)`,
 * `new TypeError(…)`, `new RangeError(…)`, `new SyntaxError(…)` and of every class named `*Error`
 * starts with a capital letter and has no trailing period. Only the literal text is checked: a
 * message that starts or ends with an interpolated `${value}` passes.
 *
 * Rule: `xpu-messages/error-message`, applied to files under src/.
 */

/**
 * Lowercase words a message may start with: program names, spelled as the user types them.
 * Keep this short; add a name only when the message is about that program.
 */
export const LOWERCASE_STARTS: readonly string[] = ["xpu-ctk", "ldconfig", "runc"];

/** A value first: a quoted string or a path. */
const VALUE_START = /^["'`/]/;

/** Why `text` breaks the rules, or undefined. `text` is the message with interpolations removed. */
export function messageProblem(head: string, tail: string): string | undefined {
  if (head !== "" && !/^\p{Lu}/u.test(head) && !VALUE_START.test(head)) {
    const word = /^[^\s:]+/.exec(head)?.[0] ?? "";
    if (!LOWERCASE_STARTS.includes(word)) {
      return `Error message must start with a capital letter, a quoted value or a program name (${
        LOWERCASE_STARTS.join(", ")
      }): "${head.slice(0, 30)}"`;
    }
  }
  if (/[^.]\.$|^\.$/.test(tail)) {
    return `Error message must not end with a period: "…${tail.slice(-30)}"`;
  }
  return undefined;
}

const BUILT_INS = new Set(["Error", "TypeError", "RangeError", "SyntaxError"]);

function isErrorClass(name: string): boolean {
  return BUILT_INS.has(name) || name.endsWith("Error");
}

const plugin: Deno.lint.Plugin = {
  name: "xpu-messages",
  rules: {
    "error-message": {
      create(context) {
        if (!/[\\/]src[\\/]/.test(context.filename)) return {};
        return {
          NewExpression(node) {
            if (node.callee.type !== "Identifier" || !isErrorClass(node.callee.name)) return;
            const arg = node.arguments[0];
            let head: string;
            let tail: string;
            if (arg?.type === "Literal" && typeof arg.value === "string") {
              head = tail = arg.value;
            } else if (arg?.type === "TemplateLiteral") {
              head = arg.quasis[0]?.cooked ?? "";
              tail = arg.quasis[arg.quasis.length - 1]?.cooked ?? "";
            } else {
              return;
            }
            const problem = messageProblem(head, tail);
            if (problem) context.report({ node: arg, message: problem });
          },
        };
      },
    },
  },
};

export default plugin;
