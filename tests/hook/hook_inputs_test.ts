/**
 * The hooks on bad input, through `xpu-container-runtime-hook` and `xpu-ctk hook …`: the OCI
 * state on stdin nested too deeply or not UTF-8, a config.json of the wrong shape. Each exits 1
 * with one line naming what and where; no input file changes.
 */
import { assertEquals } from "../assert.ts";
import { digests, runBin, withTempDir } from "../helpers.ts";

const HOOK = "xpu-container-runtime-hook";

/** A bundle whose config.json is `spec`; returns its path. */
function bundle(dir: string, spec: string): string {
  const b = `${dir}/bundle`;
  Deno.mkdirSync(`${b}/rootfs`, { recursive: true });
  Deno.writeTextFileSync(`${b}/config.json`, spec);
  return b;
}

const GOOD_SPEC = JSON.stringify({
  root: { path: "rootfs" },
  process: { env: ["CXPU_VISIBLE_DEVICES=0"] },
});

Deno.test("the hook refuses an OCI state nested 100,000 deep, naming stdin and the limit", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, GOOD_SPEC);
    const deep = `{"pid": 1, "bundle": ${JSON.stringify(b)}, "x": ${"[".repeat(100_000)}${
      "]".repeat(100_000)
    }}`;
    for (
      const [name, args] of [[HOOK, ["prestart"]], ["xpu-ctk", [
        "hook",
        "chmod",
        "--mode",
        "644",
        "--path",
        "/x",
      ]]] as const
    ) {
      const out = await runBin(name, args, { stdin: deep });
      const who = name === HOOK ? `${HOOK}: prestart` : "xpu-ctk hook chmod";
      assertEquals(out, {
        code: 1,
        stdout: "",
        stderr: `${who}: Cannot read the container state on stdin: nested deeper than 100 levels\n`,
      });
    }
  });
});

Deno.test("the hook refuses an OCI state that is not UTF-8, naming the byte", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, GOOD_SPEC);
    const bytes = new TextEncoder().encode(`{"pid": 1, "bundle": ${JSON.stringify(`${b}@`)}}`);
    const at = bytes.indexOf("@".charCodeAt(0));
    bytes[at] = 0xfe;
    const out = await runBin(HOOK, ["prestart"], { stdin: bytes });
    assertEquals(out, {
      code: 1,
      stdout: "",
      stderr:
        `${HOOK}: prestart: Cannot read the container state on stdin: invalid UTF-8 at byte ${at} (0xFE)\n`,
    });
  });
});

const SHAPES: [string, string][] = [
  [
    '{"process": {"env": {"CXPU_VISIBLE_DEVICES": "0"}}}',
    "process.env: expected an array, found an object",
  ],
  ['{"root": {"path": 5}, "process": {"env": []}}', "root.path: expected a string, found a number"],
  ['{"root": "rootfs"}', "root: expected an object, found a string"],
];

for (const [spec, problem] of SHAPES) {
  Deno.test(`the hooks refuse a config.json where ${problem.split(":")[0]} is wrong`, async () => {
    await withTempDir(async (dir) => {
      const b = bundle(dir, spec);
      const file = `${b}/config.json`;
      const before = await digests([file]);
      const state = JSON.stringify({ pid: 1, bundle: b });
      const calls: [string, string[], string][] = [
        [HOOK, ["prestart"], `${HOOK}: prestart`],
        [HOOK, ["poststop", "id"], `${HOOK}: poststop`],
        ["xpu-ctk", ["hook", "create-symlinks", "--link", "a::/b"], "xpu-ctk hook create-symlinks"],
      ];
      for (const [name, args, who] of calls) {
        const out = await runBin(name, args, { stdin: state });
        assertEquals(out, {
          code: 1,
          stdout: "",
          stderr: `${who}: Invalid OCI spec "${file}": ${problem}\n`,
        });
      }
      assertEquals(await digests([file]), before);
    });
  });
}
