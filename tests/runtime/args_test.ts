import { assertEquals, assertThrows } from "../assert.ts";
import {
  bundleDir,
  containerId,
  parseRuntimeArgs,
  runsRootless,
  RuntimeArgsError,
} from "../../src/runtime/args.ts";

type Row = [string[], string | undefined, string | undefined, "json" | "text", boolean];
// args, command, log, log format, debug
const COMMANDS: Row[] = [
  [
    [
      "--root",
      "/r",
      "--log",
      "/l",
      "--log-format",
      "json",
      "create",
      "--bundle",
      "/b",
      "--pid-file",
      "/p",
      "id",
    ],
    "create",
    "/l",
    "json",
    false,
  ],
  [["create", "--bundle", "/b", "--pid-file", "/p", "id"], "create", undefined, "text", false],
  [["--log=/l", "--log-format=json", "run", "id"], "run", "/l", "json", false],
  [["--root", "create", "state", "x"], "state", undefined, "text", false],
  [["--root=create", "delete", "x"], "delete", undefined, "text", false],
  [["-root", "/r", "-log", "/l", "kill", "x", "9"], "kill", "/l", "text", false],
  [["--debug", "state", "x"], "state", undefined, "text", true],
  [["--debug=false", "state", "x"], "state", undefined, "text", false],
  [["--debug=true", "--systemd-cgroup", "start", "x"], "start", undefined, "text", true],
  [
    ["--criu", "/c", "--rootless", "true", "checkpoint", "x"],
    "checkpoint",
    undefined,
    "text",
    false,
  ],
  [["--some-new-flag", "ps", "x"], "ps", undefined, "text", false],
  [["--version"], undefined, undefined, "text", false],
  [[], undefined, undefined, "text", false],
  [["--", "create", "x"], "create", undefined, "text", false],
];

for (const [args, command, log, format, debug] of COMMANDS) {
  Deno.test(`parseRuntimeArgs() reads ${JSON.stringify(args)}`, () => {
    const parsed = parseRuntimeArgs(args);
    assertEquals(
      [parsed.command, parsed.log, parsed.logFormat, parsed.debug],
      [command, log, format, debug],
    );
  });
}

Deno.test("parseRuntimeArgs() sees --version and --help only before the subcommand", () => {
  assertEquals(parseRuntimeArgs(["--version"]).version, true);
  assertEquals(parseRuntimeArgs(["-v"]).version, true);
  assertEquals(parseRuntimeArgs(["--help"]).help, true);
  assertEquals(parseRuntimeArgs(["exec", "x", "--version"]).version, false);
});

Deno.test("parseRuntimeArgs() returns the arguments after the subcommand", () => {
  assertEquals(parseRuntimeArgs(["--root", "/r", "create", "-b", "/b", "id"]).commandArgs, [
    "-b",
    "/b",
    "id",
  ]);
});

const BUNDLES: [string[], string][] = [
  [["--bundle", "/b", "id"], "/b"],
  [["--bundle=/b", "id"], "/b"],
  [["-b", "/b", "id"], "/b"],
  [["-b=/b", "id"], "/b"],
  [["-bundle", "/b", "id"], "/b"],
  [["-bundle=/b", "id"], "/b"],
  [["--b", "/b", "id"], "/b"],
  [["--b=/b", "id"], "/b"],
  [["--pid-file", "/p", "id"], "/cwd"],
  [["--bundle", "rel/b", "id"], "/cwd/rel/b"],
  [["--bundle", "/first", "--bundle", "/second", "id"], "/second"],
  [["--console-socket", "/s", "--bundle", "/b with space", "id"], "/b with space"],
];

for (const [args, expected] of BUNDLES) {
  Deno.test(`bundleDir() of ${JSON.stringify(args)} is ${expected}`, () => {
    assertEquals(bundleDir(args, "/cwd"), expected);
  });
}

for (const args of [["--bundle"], ["-b"], ["--bundle", "--pid-file", "/p", "id"], ["--bundle="]]) {
  Deno.test(`bundleDir() rejects ${JSON.stringify(args)}: bundle flag without value`, () => {
    assertThrows(() => bundleDir(args, "/cwd"), RuntimeArgsError, "needs a bundle directory");
  });
}

Deno.test("containerId() is the last positional argument", () => {
  assertEquals(containerId(["--bundle", "/b", "--pid-file", "/p", "abc"]), "abc");
  assertEquals(containerId(["abc"]), "abc");
  assertEquals(containerId([]), undefined);
  assertEquals(containerId(["--detach"]), undefined);
  // A flag's value is not the id; nor is what runc would refuse as one.
  assertEquals(containerId(["--bundle", "/b"]), undefined);
  assertEquals(containerId(["-b", "/b", "--console-socket", "/s"]), undefined);
  assertEquals(containerId(["--bundle=/b", "id-1.2_x+y"]), "id-1.2_x+y");
  assertEquals(containerId(["--bundle", "/b", "a\nb"]), undefined);
  assertEquals(containerId(["--bundle", "/b", "../../x"]), undefined);
  assertEquals(containerId(["--bundle", "/b", ".."]), undefined);
  assertEquals(containerId(["--bundle", "/b", "--", "-x"]), "-x");
  // runc takes its flags after the id too (Slurm's RunTimeRun is `run ID -b BUNDLE`), and wants
  // exactly one argument besides them.
  assertEquals(containerId(["abc", "--detach"]), "abc");
  assertEquals(containerId(["vm.u.2.0.0", "-b", "/spool/oci-job2/"]), "vm.u.2.0.0");
  assertEquals(containerId(["--pid-file", "/p", "abc", "--bundle", "/b"]), "abc");
  assertEquals(containerId(["abc", "def"]), undefined);
  assertEquals(containerId(["abc", "-b", "/b", "def"]), undefined);
  assertEquals(containerId(["abc", "--", "def"]), undefined);
  assertEquals(containerId(["abc", "--bundle"]), undefined);
});

Deno.test("runsRootless() follows runc: --rootless=true, or a caller that is not root unless --rootless=false", () => {
  const rows: [string[], number, boolean][] = [
    [["--rootless=true", "run", "x"], 0, true],
    [["--rootless", "true", "run", "x"], 0, true],
    [["--root", "/r", "--rootless=true", "create", "x"], 0, true],
    [["run", "x"], 0, false],
    [["run", "x"], 1000, true],
    [["--rootless=auto", "run", "x"], 1000, true],
    [["--rootless=auto", "run", "x"], 0, false],
    [["--rootless=false", "run", "x"], 1000, false],
    // Go's ParseBool, as runc reads the flag.
    [["--rootless=1", "run", "x"], 0, true],
    [["--rootless=TRUE", "run", "x"], 0, true],
    [["--rootless=t", "run", "x"], 0, true],
    [["--rootless=F", "run", "x"], 1000, false],
    [["--rootless=0", "run", "x"], 1000, false],
    [["--rootless=AUTO", "run", "x"], 0, false],
  ];
  for (const [args, uid, rootless] of rows) {
    const parsed = parseRuntimeArgs(args);
    assertEquals(runsRootless(parsed, uid, () => false), rootless, `${args.join(" ")} as ${uid}`);
    assertEquals(parsed.command, args.at(-2));
  }
});

Deno.test("runsRootless(): root in a user namespace runs rootless unless --rootless says otherwise", () => {
  const inUserNs = () => true;
  assertEquals(runsRootless(parseRuntimeArgs(["run", "x"]), 0, inUserNs), true);
  assertEquals(runsRootless(parseRuntimeArgs(["--rootless=auto", "run", "x"]), 0, inUserNs), true);
  assertEquals(
    runsRootless(parseRuntimeArgs(["--rootless=false", "run", "x"]), 0, inUserNs),
    false,
  );
});
