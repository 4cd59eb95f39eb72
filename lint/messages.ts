/**
 * Lint plugin for the error-message house rules (ARCHITECTURE.md), applied to files under src/.
 * A message is the first argument of `new Error(…)`, `new TypeError(…)`, `new RangeError(…)`,
 * `new SyntaxError(…)` or of any class named `*Error`, and the second of `usageError(ctx, …)`:
 * a string, a template, or a `+` chain of them.
 *
 * * `xpu-messages/error-message`: the message starts with a capital letter (or a quoted value,
 *   a path, or a program name of LOWERCASE_STARTS) and has no trailing period. Only the literal
 *   text is checked: a message that starts or ends with an interpolated `${value}` passes.
 * * `xpu-messages/values-quoted`: each interpolated `${value}` stands inside double quotes
 *   (`"${path}"`, `"${dir}/${name}"`; `'…'` too, for a command to type), or is quoted by
 *   `quote(…)` or `JSON.stringify(…)`, or is a list of such (`xs.map(quote).join(", ")`), unless
 *   it is no value (see notValue and isExemptName): a sentence (`errorMessage(e)`, `fsReason(e)`,
 *   `e.message`, `why`, `problems.join("; ")`), text already quoted (`shown`), a number
 *   (`x.length`, `e.line`, arithmetic), a name the toolkit's vocabulary fixes (an UPPER_CASE
 *   constant such as `VISIBLE_DEVICES` or `MEMORY_LIMIT.name`, a request variable's name, a flag's
 *   `--${name}`), a value's type (`typeof x`, `tomlKind(x)`), or a `? :` whose branches are all
 *   these. Anything else is a value from a file, a command line or the host, and is quoted so
 *   that an empty or odd one shows. A well-justified exception carries
 *   `// deno-lint-ignore xpu-messages/values-quoted` and a comment saying why.
 */

/**
 * Lowercase words a message may start with: program names, spelled as the user types them.
 * Keep this short; add a name only when the message is about that program.
 */
export const LOWERCASE_STARTS: readonly string[] = ["xpu-ctk", "ldconfig", "runc"];

/**
 * The last name of an interpolation that makes it no value: a sentence (`errorMessage(e)`,
 * `e.message`, `fsReason(e)`, `why`, `strerror(e)`), text already quoted (`shown`), a number
 * (`x.length`, `e.line`, `fileCount`), a request variable's or a flag's name, which messages
 * write bare (`Invalid CXPU_VISIBLE_DEVICES "x"`, `give --link`), or a value's type described
 * (`tomlKind(v)`: "an integer").
 */
export function isExemptName(name: string): boolean {
  return /(message|reason|problems?|why|hint|^strerror|shown|quoted|count|number|variable|flag)$/i
    .test(name) || /^(length|size|line|column|code|nlink)$/.test(name) || /Kind$/.test(name);
}

/** A value first: a quoted string, a path or a flag. */
const VALUE_START = /^["'`/-]/;

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

/**
 * Whether `text` leaves a quote open, starting with `open`: each `"` opens or closes one, and
 * so does a `'` that is not an apostrophe (between two letters, as in `podman's`).
 */
export function quoteOpenAfter(text: string, open: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') open = !open;
    else if (c === "'" && !(/\p{L}/u.test(text[i - 1] ?? "") && /\p{L}/u.test(text[i + 1] ?? ""))) {
      open = !open;
    }
  }
  return open;
}

type Node = Deno.lint.Node;

/** The name an expression ends in: `b` for `a.b`, `f` for `a.f(x)`, `x` for `x`. */
function lastName(node: Node): string | undefined {
  if (node.type === "Identifier") return node.name;
  if (node.type === "MemberExpression") {
    return node.property.type === "Identifier" ? node.property.name : undefined;
  }
  if (node.type === "CallExpression") return lastName(node.callee);
  if (node.type === "TSAsExpression" || node.type === "TSNonNullExpression") {
    return lastName(node.expression);
  }
  return undefined;
}

function isQuoting(node: Node): boolean {
  if (node.type !== "CallExpression") return false;
  const callee = node.callee;
  if (callee.type === "Identifier") return callee.name === "quote";
  return callee.type === "MemberExpression" && callee.object.type === "Identifier" &&
    callee.object.name === "JSON" && callee.property.type === "Identifier" &&
    callee.property.name === "stringify";
}

/** A part standing alone outside quotes that is no value: see notValue; a template, quoted. */
function fine(node: Node): boolean {
  return node.type === "TemplateLiteral" ? unquoted([node], false).length === 0 : notValue(node);
}

/**
 * A list whose items are quoted or no values: `xs.map(quote)`, `xs.map(JSON.stringify)`,
 * `xs.map((x) => `"${x}"`)`, `xs.flatMap((x) => x.problems)`, or one with such a name.
 */
function isFineList(node: Node): boolean {
  if (node.type !== "CallExpression" || !["map", "flatMap"].includes(lastName(node) ?? "")) {
    return isExemptName(lastName(node) ?? "");
  }
  const f = node.arguments[0];
  if (f?.type === "Identifier") return f.name === "quote";
  if (f?.type === "MemberExpression") return lastName(f) === "stringify";
  return f?.type === "ArrowFunctionExpression" && f.body.type !== "BlockStatement" &&
    fine(f.body);
}

/** True when `node`, standing outside quotes, is no value (see the module doc). */
function notValue(node: Node): boolean {
  switch (node.type) {
    case "Literal":
      return true;
    case "UnaryExpression":
      return node.operator === "typeof";
    case "BinaryExpression":
      return ["-", "*", "/", "%"].includes(node.operator);
    case "ConditionalExpression":
      return fine(node.consequent) && fine(node.alternate);
    case "Identifier":
      if (/^[A-Z][A-Z0-9_]*$/.test(node.name)) return true;
      break;
    case "MemberExpression":
      if (node.object.type === "Identifier" && /^[A-Z][A-Z0-9_]*$/.test(node.object.name)) {
        return true;
      }
      break;
    case "CallExpression":
      if (isQuoting(node)) return true;
      if (lastName(node) === "join" && node.callee.type === "MemberExpression") {
        return isFineList(node.callee.object);
      }
      break;
  }
  const name = lastName(node);
  return name !== undefined && isExemptName(name);
}

/** The parts of a message: its strings, templates and other `+` operands, in order. */
function parts(node: Node): Node[] {
  if (node.type === "BinaryExpression" && node.operator === "+") {
    return [...parts(node.left), ...parts(node.right)];
  }
  return [node];
}

/** The interpolations among `nodes` (a message's parts) that are unquoted values. */
function unquoted(nodes: readonly Node[], startOpen: boolean): Node[] {
  const out: Node[] = [];
  let open = startOpen;
  for (const node of nodes) {
    if (node.type === "Literal") {
      if (typeof node.value === "string") open = quoteOpenAfter(node.value, open);
    } else if (node.type === "TemplateLiteral") {
      node.quasis.forEach((q, i) => {
        const text = q.cooked ?? "";
        open = quoteOpenAfter(text, open);
        const e = node.expressions[i];
        // `--${name}` is a flag's name.
        if (e && !open && !text.endsWith("--") && !notValue(e)) out.push(e);
      });
    } else if (nodes.length > 1 && !open && !notValue(node)) {
      // A message that is one expression (`new Error(reason)`) is no interpolation.
      out.push(node);
    }
  }
  return out;
}

/** The message's literal start and end, for `error-message`, or undefined if none is literal. */
function headTail(nodes: readonly Node[]): [string, string] | undefined {
  const text = (n: Node | undefined, end: boolean): string | undefined => {
    if (n?.type === "Literal" && typeof n.value === "string") return n.value;
    if (n?.type === "TemplateLiteral") {
      return (end ? n.quasis[n.quasis.length - 1] : n.quasis[0])?.cooked ?? "";
    }
    return undefined;
  };
  const head = text(nodes[0], false);
  const tail = text(nodes[nodes.length - 1], true);
  return head === undefined && tail === undefined ? undefined : [head ?? "", tail ?? ""];
}

const BUILT_INS = new Set(["Error", "TypeError", "RangeError", "SyntaxError"]);

function isErrorClass(name: string): boolean {
  return BUILT_INS.has(name) || name.endsWith("Error");
}

/** The message argument of an error construction or `usageError` call, if `node` is one. */
function messageOf(node: Deno.lint.NewExpression | Deno.lint.CallExpression): Node | undefined {
  if (node.callee.type !== "Identifier") return undefined;
  if (node.type === "NewExpression") {
    return isErrorClass(node.callee.name) ? node.arguments[0] : undefined;
  }
  return node.callee.name === "usageError" ? node.arguments[1] : undefined;
}

/** A rule that runs `check` on every error message of a file under src/. */
function messageRule(
  check: (context: Deno.lint.RuleContext, message: Node) => void,
): Deno.lint.Rule {
  return {
    create(context) {
      if (!/[\\/]src[\\/]/.test(context.filename)) return {};
      const visit = (node: Deno.lint.NewExpression | Deno.lint.CallExpression) => {
        const message = messageOf(node);
        if (message && message.type !== "SpreadElement") check(context, message);
      };
      return { NewExpression: visit, CallExpression: visit };
    },
  };
}

const plugin: Deno.lint.Plugin = {
  name: "xpu-messages",
  rules: {
    "error-message": messageRule((context, message) => {
      const ends = headTail(parts(message));
      const problem = ends && messageProblem(...ends);
      if (problem) context.report({ node: message, message: problem });
    }),
    "values-quoted": messageRule((context, message) => {
      for (const value of unquoted(parts(message), false)) {
        context.report({
          node: value,
          message: `Error message value must be quoted: "${context.sourceCode.getText(value)}"` +
            ' (write "${…}" or quote(…); see lint/messages.ts for what needs none)',
        });
      }
    }),
  },
};

export default plugin;
