import { assertEquals, assertMatch, assertNotMatch } from "../assert.ts";
import { run, runBin, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile, XPU_MAJOR } from "./driver.ts";

const ignore = runcUnavailable();

function leftovers(): string[] {
  return [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")].map((e) => e.name).filter((n) =>
    n.startsWith("xpu-ctk-run-")
  );
}

Deno.test({
  name:
    "xpu-ctk run: a rootfs with the requested XPU, the container's exit code, nothing left behind",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      Deno.mkdirSync(`${dir}/share`);
      Deno.writeTextFileSync(`${dir}/share/note`, "from the host\n");
      const before = leftovers();
      const out = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--xpus",
        "1",
        "--env",
        "GREETING=hi",
        "--env",
        "XPU_VISIBLE_DEVICES=0",
        "--mount",
        `${dir}/share:/share:ro`,
        "--name",
        "xpu-run-test",
        "--",
        "sh",
        "-c",
        "ls -l /dev/xpu*; echo $GREETING; echo $CXPU_VISIBLE_DEVICES/$XPU_VISIBLE_DEVICES; cat /share/note; touch /share/x 2>&1; touch /root-write 2>&1; exit 7",
      ]);
      assertEquals(out.code, 7, out.stderr);
      assertMatch(out.stdout, new RegExp(`${XPU_MAJOR},\\s+1 .* /dev/xpu1\\n`));
      assertNotMatch(out.stdout, /xpu0/);
      // XPU_VISIBLE_DEVICES is the XPU runtime's, inside: it reaches the container untouched.
      assertMatch(out.stdout, /\nhi\n1\/0\nfrom the host\n/);
      assertMatch(out.stdout, /touch: \/share\/x: Read-only file system/);
      assertMatch(out.stdout, /touch: \/root-write: Read-only file system/);
      assertEquals(leftovers(), before);
      assertEquals((await run("runc", ["--root", `${dir}/none`, "list", "-q"])).stdout, "");
    });
  },
});

Deno.test({
  name: "xpu-ctk run --bundle runs an existing bundle through the shim",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      makeRootfs(`${dir}/b`);
      const spec = JSON.parse(
        Deno.readTextFileSync(new URL("../../testdata/bundles/runc-spec.json", import.meta.url)),
      );
      spec.process.terminal = false;
      spec.process.args = ["sh", "-c", "ls /dev/xpu*"];
      spec.process.env.push("CXPU_VISIBLE_DEVICES=0");
      Deno.writeTextFileSync(`${dir}/b/config.json`, JSON.stringify(spec));
      const out = await runBin("xpu-ctk", ["--config", config, "run", "--bundle", `${dir}/b`]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, "/dev/xpu0\n/dev/xpuctrl\n");
    });
  },
});

for (
  const [args, message] of [
    [["run"], /Give exactly one of --rootfs and --bundle/],
    [["run", "--rootfs", "/r", "--bundle", "/b"], /Give exactly one of --rootfs and --bundle/],
    [["run", "--bundle", "/b", "--xpus", "0"], /--xpus applies to --rootfs/],
    [["run", "--rootfs", "/r", "--network", "bridge"], /--network must be host or none/],
    [["run", "--rootfs", "/r", "--env", "NOEQUALS"], /Invalid --env "NOEQUALS"/],
    [["run", "--rootfs", "/r", "--mount", "relative:/x"], /Invalid --mount "relative:\/x"/],
    [
      ["run", "--rootfs", "/r", "--xpus", "none,0"],
      /Invalid --xpus "none,0": "none" cannot be combined with other devices/,
    ],
    [
      ["run", "--rootfs", "/r", "--xpus", "99999999999999999999"],
      /Invalid --xpus "99999999999999999999": index "99999999999999999999" is out of range/,
    ],
    [
      ["run", "--rootfs", "/r", "--memory-limit", "99999999999t"],
      /Invalid --memory-limit "99999999999t": must fit in 64 bits: at most 9223372036854775807 bytes/,
    ],
    [
      ["run", "--rootfs", "/r", "--xpus", "0", "--env", "CXPU_VISIBLE_DEVICES=1"],
      /--xpus and --env CXPU_VISIBLE_DEVICES= both set CXPU_VISIBLE_DEVICES: give one/,
    ],
  ] as const
) {
  Deno.test(`xpu-ctk ${args.join(" ")} is a usage error`, async () => {
    const out = await runBin("xpu-ctk", [...args]);
    assertEquals(out.code, 2);
    assertMatch(out.stderr, message);
  });
}
