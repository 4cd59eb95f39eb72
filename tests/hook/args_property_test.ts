import { assertEquals, assertTrue } from "../assert.ts";
import { forAll, type Gen } from "../gen.ts";
import { HOOK_COMMANDS, type HookArgs, parseHookArgs } from "../../src/hook/args.ts";
import { type HelperArgs, parseHelperArgs } from "../../src/internal/helper_hooks.ts";
import { UsageError } from "../../src/internal/errors.ts";

/** `fn`'s result, or the message of the UsageError it threw; anything else thrown fails. */
function outcome<T>(fn: () => T): T | string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) return `usage: ${e.message}`;
    throw e;
  }
}

/** A flag or file value: anything, often one that looks like a flag or command. */
function anyValue(g: Gen): string {
  return g.chance(0.3)
    ? g.pick(["", "-", "--", "-debug", "prestart", "--link", "a=b", "="])
    : g.text();
}

/** A hook command line and what it means: the parse, or the usage error. */
function hookModel(g: Gen): { args: string[]; expected: HookArgs | string } {
  const args: string[] = [];
  let debug = false;
  let config: string | undefined;
  let version = false;
  let help = false;
  let error: string | undefined;
  for (let n = g.int(5); n > 0; n--) {
    const dash = g.pick(["-", "--"]);
    const kind = g.int(10);
    let arg: string;
    if (kind < 3) {
      const value = g.pick([undefined, "true", "false", "1", "0", "yes"]);
      arg = value === undefined ? `${dash}debug` : `${dash}debug=${value}`;
      args.push(arg);
      debug = value === undefined || value === "true" || value === "1";
    } else if (kind < 6) {
      // Like Go's flag package, -config takes the next argument, whatever it is.
      arg = `${dash}config`;
      if (g.chance(0.05)) {
        args.push(arg);
        return { args, expected: error ?? `usage: Flag "${arg}" needs a file` };
      }
      const value = anyValue(g);
      if (g.chance(0.5)) arg = `${arg}=${value}`;
      args.push(...(arg.includes("=") ? [arg] : [arg, value]));
      if (value === "") error ??= `usage: Flag "${arg}" needs a file`;
      else config = value;
    } else if (kind < 8) {
      arg = `${dash}${g.pick(["version", "h", "help"])}`;
      args.push(arg);
      if (arg.endsWith("version")) version = true;
      else help = true;
    } else {
      arg = g.pick(["-", "---debug", "-bogus", "--config-file", `-x${g.text(3)}`]);
      args.push(arg);
      error ??= `usage: Unknown flag "${arg}"`;
    }
  }
  const done = (expected: HookArgs | string) => ({ args, expected: error ?? expected });
  const flagsOnly = { debug, config, version, help, command: undefined, id: undefined };
  if (g.chance(0.1)) return done(version || help ? flagsOnly : "usage: Missing command");
  const command = g.chance(0.8) ? g.pick(HOOK_COMMANDS) : g.pick(["prestop", "create", "x"]);
  args.push(command);
  const needsId = command === "createRuntime" || command === "poststop";
  const rest = g.array(2, (g) => g.chance(0.5) ? g.text(12) : anyValue(g));
  args.push(...rest);
  if (version || help) return done(flagsOnly);
  if (!(HOOK_COMMANDS as readonly string[]).includes(command)) {
    return done(`usage: Unknown command "${command}"`);
  }
  if (needsId && rest.length === 0) return done(`usage: Command "${command}" needs a container id`);
  const extra = rest[needsId ? 1 : 0];
  if (extra !== undefined) return done(`usage: Unexpected argument "${extra}"`);
  return done({
    debug,
    config,
    version,
    help,
    command: command as HookArgs["command"],
    id: rest[0],
  });
}

Deno.test("parseHookArgs() agrees with a model of Go-style flags and the hook commands (generated)", () => {
  forAll(20260201, 5000, hookModel, ({ args, expected }) => {
    assertEquals(outcome(() => parseHookArgs(Object.freeze([...args]))), expected);
  });
});

/** Any argv at all. */
function anyArgv(g: Gen): string[] {
  return g.array(
    8,
    (g) =>
      g.chance(0.5)
        ? `${g.pick(["-", "--", "---", ""])}${
          g.pick(["debug", "config", "version", "h", "help", "link", "folder", "path", "mode", ""])
        }${g.pick(["", "=", `=${g.text()}`])}`
        : g.chance(0.3)
        ? g.pick([...HOOK_COMMANDS, "x"])
        : anyValue(g),
  );
}

Deno.test("the hook's and the helper hooks' argv parsers throw nothing but UsageError (generated)", () => {
  forAll(20260202, 10000, anyArgv, (argv) => {
    const args = Object.freeze([...argv]);
    const hook = outcome(() => parseHookArgs(args));
    const helper = outcome(() => parseHelperArgs(args));
    assertEquals(args, argv, "argv unchanged");
    for (const result of [hook, helper]) {
      if (typeof result === "string") assertTrue(/^usage: [A-Z]/.test(result), result);
    }
    if (typeof helper !== "string") {
      // Every value came from the command line, whole or after a flag's "=", and is not empty.
      for (const v of [...helper.links, ...helper.folders, ...helper.paths]) {
        assertTrue(v !== "" && args.some((a) => a === v || a.endsWith(`=${v}`)), v);
      }
    }
  });
});

const LISTS = { link: "links", folder: "folders", path: "paths" } as const;

/** A helper hook command line and what it means: the parse, or the usage error. */
function helperModel(g: Gen): { args: string[]; expected: HelperArgs | string } {
  const args: string[] = [];
  const expected = {
    links: [] as string[],
    folders: [] as string[],
    paths: [] as string[],
    mode: undefined as string | undefined,
    config: undefined as string | undefined,
    help: false,
  };
  let error: string | undefined;
  for (let n = g.int(7); n > 0 && error === undefined; n--) {
    const dash = g.pick(["-", "--"]);
    const kind = g.int(10);
    if (kind < 7) {
      const name = g.pick(["link", "folder", "path", "mode", "config"] as const);
      const value = g.chance(0.05) ? "" : g.chance(0.5) ? g.text(12) : anyValue(g);
      const last = g.chance(0.03);
      if (last) args.push(`${dash}${name}`);
      else if (g.chance(0.5)) args.push(`${dash}${name}=${value}`);
      else args.push(`${dash}${name}`, value);
      if (last || value === "") {
        error = `usage: Flag "--${name}" needs a value`;
        if (last) break;
      } else if (name === "mode" || name === "config") expected[name] = value;
      else expected[LISTS[name]].push(value);
    } else if (kind < 8) {
      args.push(`${dash}${g.pick(["h", "help", "help=no"])}`);
      expected.help = true;
    } else if (kind < 9) {
      const arg = g.pick(["--links", "-bogus", "--folder-", "---link", `${dash}help-me`]);
      args.push(arg);
      error = `usage: Unknown flag "${arg}"`;
    } else {
      const arg = g.pick(["x", "", "-", "-Link", "--link!", "/a"]);
      args.push(arg);
      error = `usage: Unexpected argument "${arg}"`;
    }
  }
  return { args, expected: error ?? expected };
}

Deno.test("parseHelperArgs() agrees with a model of the helper hooks' flags (generated)", () => {
  forAll(20260203, 5000, helperModel, ({ args, expected }) => {
    assertEquals(outcome(() => parseHelperArgs(Object.freeze([...args]))), expected);
  });
});
