import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { shellQuote } from "../../src/internal/quote.ts";

const GOLDEN = `${TESTDATA}/golden/xpu-docker/dry-run.txt`;

/** Command lines whose --dry-run output the golden file holds. */
const CASES: readonly (readonly string[])[] = [
  ["run", "--dry-run", "--xpu-count", "2", "--rm", "ubuntu", "nvidia-smi"],
  ["run", "--xpus=0,2", "--dry-run", "-it", "ubuntu"],
  [
    "run",
    "--xpu-count=1",
    "--xpu-memory",
    "8g",
    "--eid",
    "team-a",
    "--over-subscribe",
    "--device-locks",
    "--wait",
    "30s",
    "--dry-run",
    "ubuntu",
  ],
  ["run", "--dry-run", "--over-subscribe", "--no-over-subscribe", "--no-device-locks", "img"],
  // docker's options with values, in every form, before the image; ours are taken out.
  [
    "--context",
    "remote",
    "run",
    "--dry-run",
    "-e",
    "A=1",
    "-eB=2",
    "-ite",
    "C=3",
    "--name",
    "it's a $name",
    "-v",
    "/a b:/c",
    "--network=host",
    "--xpu-count",
    "1",
    "ubuntu:24.04",
    "sh",
    "-c",
    "echo \"$HOME\" `id` \\ 'q'\nnext line",
    "",
    "--xpu-count",
    "9",
  ],
  ["container", "run", "--dry-run", "--xpus", "all", "--", "--odd-image"],
  ["run", "--dry-run"],
  ["ps", "-a", "--dry-run"],
];

function render(args: readonly string[], stdout: string): string {
  return `$ xpu-docker ${args.map(shellQuote).join(" ")}\n${stdout}\n`;
}

Deno.test("xpu-docker --dry-run prints the docker command, matching the golden file", async () => {
  const env = { XPU_DOCKER: "/usr/bin/docker" };
  let text = "";
  for (const args of CASES.slice(0, -1)) {
    const out = await runBin("xpu-docker", args, { env });
    assertEquals([out.code, out.stderr], [0, ""], args.join(" "));
    text += render(args, out.stdout);
  }
  if (Deno.env.get("UPDATE_GOLDEN")) Deno.writeTextFileSync(GOLDEN, text);
  assertEquals(text, Deno.readTextFileSync(GOLDEN));
});

/** A fake docker in `dir` that prints its arguments, each ended by a NUL. */
function fakeDocker(dir: string): string {
  const path = `${dir}/docker`;
  Deno.writeTextFileSync(path, "#!/bin/sh\nprintf '%s\\0' \"$@\"\n");
  Deno.chmodSync(path, 0o755);
  return path;
}

Deno.test("xpu-docker runs docker with the arguments its dry run prints, whatever they hold", async () => {
  await withTempDir(async (dir) => {
    const docker = fakeDocker(dir);
    for (const args of CASES) {
      const plain = args.filter((a) => a !== "--dry-run");
      const ran = await runBin("xpu-docker", plain, { env: { XPU_DOCKER: docker } });
      assertEquals(ran.code, 0, ran.stderr);
      const dry = await runBin("xpu-docker", args, { env: { XPU_DOCKER: docker } });
      if (args[0] === "ps") {
        // Any other command reaches docker unchanged, --dry-run too.
        assertEquals(dry.stdout, `${args.join("\0")}\0`);
        continue;
      }
      // bash runs the printed command: docker gets what xpu-docker gave it.
      const viaShell = await run("bash", ["-c", dry.stdout]);
      assertEquals(viaShell.stdout, ran.stdout, args.join(" "));
    }
  });
});

Deno.test("shellQuote makes one word of any text for bash", async () => {
  const words = [
    "",
    "plain",
    "two words",
    "it's",
    "'",
    "''",
    '"$HOME"',
    "$(id)`id`",
    "a\nb\n",
    "\\",
    "*?[a]",
    "~root",
    "!x",
    "tab\there",
    "\x01\x7f é ☃",
    "-e",
    "A=b c",
  ];
  const out = await run("bash", ["-c", `printf '%s\\0' ${words.map(shellQuote).join(" ")}`]);
  assertEquals(out.stdout.split("\0").slice(0, -1), words);
});

Deno.test("xpu-docker finds XPU_DOCKER on PATH and names the runtime from XPU_DOCKER_RUNTIME", async () => {
  await withTempDir(async (dir) => {
    fakeDocker(dir);
    Deno.renameSync(`${dir}/docker`, `${dir}/my-docker`);
    const out = await runBin("xpu-docker", ["run", "--xpu-count", "1", "img"], {
      env: {
        XPU_DOCKER: "my-docker",
        PATH: `${dir}:/usr/bin:/bin`,
        XPU_DOCKER_RUNTIME: "nvidia-xpu",
      },
    });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "run\0--runtime=nvidia-xpu\0-e\0CXPU_DEVICE_COUNT=1\0img\0");
    const missing = await runBin("xpu-docker", ["ps"], {
      env: { XPU_DOCKER: "no-such-docker", PATH: dir },
    });
    assertEquals(missing.code, 1);
    assertEquals(
      missing.stderr,
      'xpu-docker: Cannot find "no-such-docker" on PATH: set XPU_DOCKER to the docker binary\n',
    );
  });
});

Deno.test("xpu-docker --help prints its options, then docker's help", async () => {
  await withTempDir(async (dir) => {
    const docker = fakeDocker(dir);
    const out = await runBin("xpu-docker", ["run", "--help"], { env: { XPU_DOCKER: docker } });
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stdout, /^Usage: xpu-docker run \[--xpus LIST \| --xpu-count N\]/);
    assertStringIncludes(out.stdout, "  --xpu-count N  ");
    assertStringIncludes(out.stdout, "docker's help follows.\nrun\0--runtime=xpu\0--help\0");
  });
});

for (
  const [args, message] of [
    [["--xpu-count", "0"], 'Invalid --xpu-count "0": expected a number of devices, 1 to 1024'],
    [["--xpu-memory=lots"], 'Invalid --xpu-memory "lots": '],
    [["--wait", "forever"], 'Invalid --wait "forever": expected a duration'],
    [["--xpus", "0,-1"], 'Invalid --xpus "0,-1": '],
    [["--eid", "a b"], 'Invalid --eid "a b": expected printable ASCII'],
    [["--xpus", "1", "--xpu-count", "1"], "Give --xpus or --xpu-count, not both"],
    [["--xpu-count"], "Option --xpu-count needs a value"],
  ] as const
) {
  Deno.test(`xpu-docker run ${args.join(" ")} is a usage error before docker runs`, async () => {
    const out = await runBin("xpu-docker", ["run", ...args, ...(args.length > 1 ? ["img"] : [])], {
      env: { XPU_DOCKER: "/nonexistent/docker" },
    });
    assertEquals(out.code, 2);
    assertStringIncludes(out.stderr, `xpu-docker: ${message}`);
    assertStringIncludes(out.stderr, "Run 'xpu-docker --help' for more.");
  });
}

Deno.test("xpu-ctk docker is xpu-docker", async () => {
  const args = ["run", "--dry-run", "--xpu-count", "1", "img"];
  const env = { XPU_DOCKER: "/usr/bin/docker" };
  assertEquals(
    await runBin("xpu-ctk", ["docker", ...args], { env }),
    await runBin("xpu-docker", args, { env }),
  );
});
