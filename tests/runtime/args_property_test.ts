import { assertEquals, assertTrue } from "../assert.ts";
import { forAll, type Gen } from "../gen.ts";
import { bin, withTempDir } from "../helpers.ts";
import {
  bundleDir,
  containerId,
  parseRuntimeArgs,
  RuntimeArgsError,
} from "../../src/runtime/args.ts";

const VALUE_FLAGS = ["root", "log", "log-format", "criu", "rootless"];
const COMMANDS = ["create", "run", "state", "kill", "delete", "start", "exec", "ps", "events"];

/** What an engine's command line says, which the parser must find in its rendering. */
interface Model {
  readonly args: string[];
  readonly command: string | undefined;
  readonly log: string | undefined;
  readonly logFormat: "json" | "text";
  readonly debug: boolean;
  readonly version: boolean;
  readonly help: boolean;
  readonly commandArgs: string[];
  /** The bundle the flags name (the last one), before it is made absolute. */
  readonly bundle: string | undefined;
  /** A bundle flag with an empty value: refused, wherever it is. */
  readonly emptyBundle: boolean;
  readonly id: string | undefined;
}

/** Any argument an engine or a fuzzer might pass, flags and values included. */
function anyValue(g: Gen): string {
  return g.chance(0.3)
    ? g.pick(["", "-", "--", "create", "--bundle", "-b", "json", "x=y"])
    : g.text();
}

/** A value that a separate flag value can be: not empty, not starting with "-". */
function plainValue(g: Gen): string {
  const v = g.text(6).replace(/^-+/, "");
  return v === "" ? "v" : v;
}

/**
 * runc's global flags in each of their forms, an optional subcommand, and its arguments with
 * the bundle flag in each of its forms, rendered; and what each of them means.
 */
function model(g: Gen, logFile?: string): Model {
  const args: string[] = [];
  let log: string | undefined;
  let logFormat: "json" | "text" = "text";
  let debug = false;
  let version = false;
  let help = false;
  for (let n = g.int(6); n > 0; n--) {
    const dash = g.pick(["-", "--"]);
    const kind = g.int(4);
    if (kind === 0) {
      const name = g.pick(VALUE_FLAGS);
      // Go's flag package takes the next argument as the value, whatever it is.
      const value = name === "log" && logFile !== undefined
        ? logFile
        : name === "log-format" && g.chance(0.5)
        ? g.pick(["json", "text"])
        : anyValue(g);
      if (g.chance(0.5)) args.push(`${dash}${name}`, value);
      else args.push(`${dash}${name}=${value}`);
      if (name === "log") log = value;
      if (name === "log-format") logFormat = value === "json" ? "json" : "text";
    } else if (kind === 1) {
      const value = g.pick([undefined, "true", "false", "1", "0", ""]);
      args.push(value === undefined ? `${dash}debug` : `${dash}debug=${value}`);
      debug = value === undefined || value === "true" || value === "1";
    } else if (kind === 2) {
      const flag = g.pick(["version", "v", "help", "h"]);
      args.push(`${dash}${flag}`);
      if (flag.startsWith("v")) version = true;
      else help = true;
    } else {
      args.push(`${dash}${g.pick(["systemd-cgroup", "new-flag"])}${g.chance(0.3) ? "=x" : ""}`);
    }
  }
  if (g.chance(0.1)) args.push("--");
  if (g.chance(0.1)) {
    return {
      args,
      command: undefined,
      log,
      logFormat,
      debug,
      version,
      help,
      commandArgs: [],
      bundle: undefined,
      emptyBundle: false,
      id: undefined,
    };
  }
  const command = g.chance(0.8) ? g.pick(COMMANDS) : plainValue(g);
  args.push(command);
  const commandArgs: string[] = [];
  let bundle: string | undefined;
  let emptyBundle = false;
  for (let n = g.int(5); n > 0; n--) {
    const kind = g.int(4);
    if (kind === 0) {
      const value = plainValue(g);
      const flag = g.pick(["--bundle", "-bundle", "-b"]);
      if (g.chance(0.5)) commandArgs.push(flag, value);
      else commandArgs.push(`${flag}=${value}`);
      bundle = value;
    } else if (kind === 1) {
      commandArgs.push(g.pick(["--pid-file", "--console-socket"]), `/${plainValue(g)}`);
    } else if (kind === 2) {
      commandArgs.push(g.pick(["--detach", "--no-pivot", `--preserve-fds=${g.int(9)}`]));
    } else {
      commandArgs.push(`${g.pick(["--pid-file", "--bundle", "-b"])}=${anyValue(g)}`);
      if (!commandArgs.at(-1)!.startsWith("--pid-file")) {
        bundle = commandArgs.at(-1)!.replace(/^[^=]*=/, "");
        emptyBundle ||= bundle === "";
      }
    }
  }
  // Engines always end with the id; without one (or with one runc refuses) there is none.
  let id: string | undefined;
  if (g.chance(0.8)) {
    const pushed = plainValue(g);
    commandArgs.push(pushed);
    if (/^[\w+.-]+$/.test(pushed) && pushed !== "." && pushed !== ".." && !pushed.startsWith("-")) {
      id = pushed;
    }
  }
  args.push(...commandArgs);
  return {
    args,
    command,
    log,
    logFormat,
    debug,
    version,
    help,
    commandArgs,
    bundle,
    emptyBundle,
    id,
  };
}

Deno.test("parseRuntimeArgs(), bundleDir() and containerId() read what engines write (generated)", () => {
  forAll(20260101, 5000, model, (m) => {
    const args = Object.freeze([...m.args]);
    const parsed = parseRuntimeArgs(args);
    assertEquals(parsed.command, m.command, "command");
    assertEquals(parsed.log, m.log, "log");
    assertEquals(parsed.logFormat, m.logFormat, "log format");
    assertEquals(parsed.debug, m.debug, "debug");
    assertEquals(parsed.version, m.version, "version");
    assertEquals(parsed.help, m.help, "help");
    assertEquals(parsed.commandArgs, m.commandArgs, "the arguments after the subcommand");
    assertEquals(containerId(parsed.commandArgs), m.id, "id");
    let bundle: string | RuntimeArgsError;
    try {
      bundle = bundleDir(parsed.commandArgs, "/cwd/");
    } catch (e) {
      if (!(e instanceof RuntimeArgsError)) throw e;
      bundle = e;
    }
    const expected = m.bundle === undefined
      ? "/cwd/"
      : m.emptyBundle
      ? undefined
      : m.bundle.startsWith("/")
      ? m.bundle
      : `/cwd/${m.bundle}`;
    if (expected === undefined) {
      assertTrue(bundle instanceof RuntimeArgsError, "an empty bundle flag is an error");
    } else assertEquals(bundle, expected, "bundle");
  });
});

/** Any argv at all: flags, values, garbage, decoding artifacts. */
function anyArgv(g: Gen): string[] {
  return g.array(
    10,
    (g) =>
      g.chance(0.4)
        ? `${g.pick(["-", "--", "---"])}${
          g.pick([...VALUE_FLAGS, "bundle", "b", "debug", "v", ""])
        }${g.pick(["", "=", `=${g.text()}`])}`
        : anyValue(g),
  );
}

Deno.test("the runtime's argv parsers never throw but RuntimeArgsError, never change argv (generated)", () => {
  forAll(20260102, 10000, anyArgv, (argv) => {
    const args = Object.freeze([...argv]);
    const parsed = parseRuntimeArgs(args);
    assertEquals(args, argv);
    const rest = parsed.commandArgs;
    assertEquals(rest, args.slice(args.length - rest.length), "commandArgs is argv's tail");
    if (parsed.command === undefined) assertEquals(rest, []);
    else assertEquals(args[args.length - rest.length - 1], parsed.command);
    const id = containerId(rest);
    // runc takes flags after the id too: the id is one of the arguments.
    assertTrue(id === undefined || rest.includes(id));
    try {
      assertTrue(bundleDir(rest, "/cwd").startsWith("/"), "the bundle is absolute");
    } catch (e) {
      if (!(e instanceof RuntimeArgsError)) throw e;
      assertTrue(e.message.startsWith('Flag "'), e.message);
    }
  });
});

const FAKE_RUNC = `#!/bin/sh
printf '%s\\0' "$@" >"$ARGV_LOG"
`;

Deno.test("the shim hands runc every generated argv byte for byte", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/runc`, FAKE_RUNC, { mode: 0o755 });
    Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
    Deno.writeTextFileSync(
      `${dir}/xdg/xpu-container-runtime/config.toml`,
      `[xpu-container-runtime]\nruntimes = [${JSON.stringify(`${dir}/runc`)}]\n`,
    );
    Deno.mkdirSync(`${dir}/b`);
    Deno.writeTextFileSync(`${dir}/b/config.json`, '{"ociVersion":"1.0.2","process":{"env":[]}}');
    const cases: string[][] = [];
    forAll(20260103, 60, (g) => {
      // The shim writes to --log: only to a file of the test's.
      const m = model(g, `${dir}/log`);
      // Arguments reach a process as C strings of UTF-8: no NUL, no lone surrogate.
      const args = m.args.filter((a) => !a.includes("\0") && a.isWellFormed());
      // A create or run must find the bundle to read it: named in some form.
      const i = args.indexOf(m.command ?? "");
      if (m.command === "create" || m.command === "run") {
        args.splice(i + 1, args.length, g.pick(["--bundle", "-b", "-bundle=", "--bundle="]), "id");
        args[i + 1] = args[i + 1]!.endsWith("=") ? `${args[i + 1]}${dir}/b` : args[i + 1]!;
        if (!args[i + 1]!.includes("=")) args.splice(i + 2, 0, `${dir}/b`);
      }
      return m.command === undefined || args.length !== m.args.length && i < 0 ? [] : args;
    }, (argv) => void (argv.length > 0 && cases.push(argv)));
    assertTrue(cases.length > 30, `only ${cases.length} command lines`);
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (args, j) => {
          const log = `${dir}/argv${i + j}`;
          const out = await new Deno.Command(bin("xpu-container-runtime"), {
            args,
            cwd: `${dir}/b`,
            env: { XDG_CONFIG_HOME: `${dir}/xdg`, ARGV_LOG: log },
            stdout: "null",
            stderr: "piped",
          }).output();
          const why = `${JSON.stringify(args)}: ${new TextDecoder().decode(out.stderr)}`;
          assertEquals(out.code, 0, why);
          const got = Deno.readTextFileSync(log).split("\0").slice(0, -1);
          assertEquals(got, args, why);
        }),
      );
    }
  });
});
