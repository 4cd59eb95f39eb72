import { assertEquals } from "../assert.ts";
import { baseName, chooseApplet, invocation } from "../../src/internal/argv0.ts";
import { bin, run, runBin } from "../helpers.ts";

const CASES: [string, string[], string, string[]][] = [
  ["xpu-container-runtime", ["state", "x"], "runtime", ["state", "x"]],
  ["/usr/bin/xpu-container-runtime", ["--version"], "runtime", ["--version"]],
  ["xpu-container-runtime-hook", ["prestart"], "hook", ["prestart"]],
  ["/usr/local/bin/xpu-container-toolkit", ["poststop", "id"], "hook", ["poststop", "id"]],
  ["xpu-ctk", ["config"], "cli", ["config"]],
  ["/opt/anything", [], "cli", []],
  ["xpu-ctk", ["runtime", "exec", "--", "create", "--bundle", "b"], "runtime", [
    "create",
    "--bundle",
    "b",
  ]],
  ["xpu-ctk", ["runtime", "exec", "state", "x"], "runtime", ["state", "x"]],
  ["xpu-ctk", ["hook", "oci", "prestart"], "hook", ["prestart"]],
  ["xpu-ctk", ["hook", "create-symlinks", "--link", "a::/b"], "hook", [
    "create-symlinks",
    "--link",
    "a::/b",
  ]],
  ["xpu-ctk", ["hook", "update-ldcache"], "hook", ["update-ldcache"]],
  ["xpu-ctk", ["hook", "chmod"], "hook", ["chmod"]],
  ["xpu-ctk", ["hook", "bogus"], "cli", ["hook", "bogus"]],
  ["xpu-ctk", ["help", "hook", "oci"], "hook", ["--help"]],
  ["xpu-ctk", ["help", "hook", "chmod"], "hook", ["chmod", "--help"]],
  ["xpu-ctk", ["help", "runtime", "exec"], "runtime", ["--help"]],
  ["xpu-ctk", ["help", "hook"], "cli", ["help", "hook"]],
  ["xpu-ctk", ["help", "hook", "oci", "x"], "cli", ["help", "hook", "oci", "x"]],
  ["xpu-container-runtime", ["runtime", "exec"], "runtime", ["runtime", "exec"]],
];

for (const [argv0, args, applet, rest] of CASES) {
  Deno.test(`chooseApplet() sends ${argv0} ${args.join(" ")} to ${applet}`, () => {
    assertEquals(chooseApplet(argv0, args), { applet, args: rest });
  });
}

Deno.test("invocation() reads argv[0] (XPU_ARGV0 here) and gives it with the applet's arguments", () => {
  Deno.env.set("XPU_ARGV0", "/opt/bin/xpu-ctk");
  try {
    assertEquals(invocation(["runtime", "exec", "--", "state", "x"]), {
      argv0: "/opt/bin/xpu-ctk",
      applet: "runtime",
      args: ["state", "x"],
    });
  } finally {
    Deno.env.delete("XPU_ARGV0");
  }
});

Deno.test("baseName() takes the last component", () => {
  assertEquals(baseName("/a/b/xpu-ctk"), "xpu-ctk");
  assertEquals(baseName("xpu-ctk"), "xpu-ctk");
  assertEquals(baseName("/a/b/"), "b");
});

for (
  const [name, applet] of [
    ["xpu-ctk", "xpu-ctk"],
    ["xpu-container-runtime", "xpu-container-runtime"],
    ["xpu-container-runtime-hook", "xpu-container-runtime-hook"],
    ["xpu-container-toolkit", "xpu-container-runtime-hook"],
  ]
) {
  Deno.test(`${name} --version names the ${applet} applet, commit and spec version`, async () => {
    const flag = applet === "xpu-container-runtime-hook" ? "-version" : "--version";
    const out = await runBin(name!, [flag], {
      // A runtime found nowhere: the shim prints its own version before looking for runc.
      env: { PATH: "/nonexistent" },
    });
    const first = out.stdout.split("\n")[0];
    assertEquals(first, `${applet} version 0.1.0`);
    // make build records the checkout's commit; "unknown" would mean build-info.json was not found.
    assertEquals(/^commit: [0-9a-f]{12}(-dirty)?$/m.test(out.stdout), true, out.stdout);
    assertEquals(/^spec: 1\.2\.0$/m.test(out.stdout), true, out.stdout);
  });
}

Deno.test("XPU_ARGV0 overrides argv[0]", async () => {
  const out = await run(bin("xpu-ctk"), ["--version"], {
    env: { XPU_ARGV0: "xpu-container-runtime-hook" },
  });
  assertEquals(out.stdout.split("\n")[0], "xpu-container-runtime-hook version 0.1.0");
});

Deno.test("xpu-ctk runtime exec and hook oci reach the runtime and the hook", async () => {
  const rt = await runBin("xpu-ctk", ["runtime", "exec", "--", "--help"]);
  assertEquals(rt.stdout.startsWith("Usage: xpu-container-runtime"), true, rt.stdout);
  const hook = await runBin("xpu-ctk", ["hook", "oci", "--help"]);
  assertEquals(hook.stdout.startsWith("Usage: xpu-container-runtime-hook"), true, hook.stdout);
});
