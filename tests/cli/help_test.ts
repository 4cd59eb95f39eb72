import { assertEquals, assertStringIncludes } from "../assert.ts";
import { runBin, TESTDATA } from "../helpers.ts";
import { ROOT } from "../../src/cli/main.ts";
import type { Command } from "../../src/cli/command.ts";

/** Every command of the tree with the names that reach it, the root first. */
function commands(command: Command, names: string[] = []): [string[], Command][] {
  return [
    [names, command],
    ...(command.subcommands ?? []).flatMap((c) => commands(c, [...names, c.name])),
  ];
}

/** The golden file of the command reached by `names`: help/xpu-ctk.txt, help/hook/oci.txt. */
function golden(names: readonly string[]): string {
  return `${TESTDATA}/golden/help/${names.length === 0 ? "xpu-ctk" : names.join("/")}.txt`;
}

for (const [names, command] of commands(ROOT)) {
  const shown = ["xpu-ctk", ...names].join(" ");
  Deno.test(`${shown} --help matches its golden file, and help ${shown} agrees`, async () => {
    // A command that reads its own arguments prints its own help (tests/cli/docker_test.ts).
    const out = await runBin(
      "xpu-ctk",
      command.rawArgs ? ["help", ...names] : [...names, "--help"],
    );
    assertEquals(out.code, 0, out.stderr);
    const file = golden(names);
    if (Deno.env.get("UPDATE_GOLDEN")) {
      Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      Deno.writeTextFileSync(file, out.stdout);
    }
    assertEquals(out.stdout, Deno.readTextFileSync(file));
    const viaHelp = await runBin("xpu-ctk", ["help", ...names]);
    assertEquals(viaHelp, out);
    for (const sub of command.subcommands ?? []) {
      assertStringIncludes(out.stdout, `  ${sub.name}  `);
      assertEquals(sub.summary !== "", true, `${shown} ${sub.name} has no summary`);
    }
  });
}

Deno.test("the tree holds the helper hooks, hook oci, hook enroot and runtime exec", () => {
  const names = commands(ROOT).map(([n]) => n.join(" "));
  for (
    const want of [
      "hook oci",
      "hook create-symlinks",
      "hook update-ldcache",
      "hook chmod",
      "hook enroot",
    ]
  ) {
    assertEquals(names.includes(want), true, want);
  }
  assertEquals(names.includes("runtime exec"), true);
});

Deno.test("a pass-through command after other arguments is a usage error naming its help", async () => {
  const out = await runBin("xpu-ctk", ["hook", "--config", "/nonexistent", "oci", "prestart"]);
  assertEquals(out.code, 2);
  assertStringIncludes(out.stderr, "'xpu-ctk hook oci --help'");
});

Deno.test("a usage line that continues the one before it names no program", async () => {
  for (const [names, command] of commands(ROOT)) {
    if (command.rawArgs || command.applet) continue;
    const out = await runBin("xpu-ctk", [...names, "--help"]);
    const usage = out.stdout.split("\n\n")[0]!.split("\n");
    assertEquals(usage.length, command.usage.length, names.join(" "));
    command.usage.forEach((line, i) => {
      const named = /^(Usage:| {6}) xpu-ctk /.test(usage[i]!);
      assertEquals(named, !line.startsWith(" "), `${names.join(" ")}: ${usage[i]}`);
    });
  }
});
