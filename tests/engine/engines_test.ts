import { assertEquals, assertMatch } from "../assert.ts";
import { digests, runBin, TESTDATA, withTempDir } from "../helpers.ts";

const ENGINES = `${TESTDATA}/engines`;
const SHIM = "/usr/bin/xpu-container-runtime";
const HOOK = "/usr/bin/xpu-container-runtime-hook";

interface Case {
  name: string;
  runtime: string;
  /** Fixture copied to the config's place, if any. */
  fixture?: string;
  /** The config file's name in the temp dir. */
  file: string;
  extra?: string[];
}

const CASES: Case[] = [
  { name: "docker", runtime: "docker", fixture: "daemon.json", file: "daemon.json" },
  {
    name: "docker-default",
    runtime: "docker",
    fixture: "daemon.json",
    file: "daemon.json",
    extra: ["--set-as-default"],
  },
  {
    name: "docker-compact",
    runtime: "docker",
    fixture: "daemon-compact.json",
    file: "daemon.json",
  },
  { name: "docker-new", runtime: "docker", file: "daemon.json" },
  // containerd from its files: the output does not depend on the installed containerd's defaults.
  {
    name: "containerd-v2",
    runtime: "containerd",
    fixture: "containerd-v2.toml",
    file: "config.toml",
    extra: ["--config-source=file"],
  },
  {
    name: "containerd-v3",
    runtime: "containerd",
    fixture: "containerd-v3.toml",
    file: "config.toml",
    extra: ["--set-as-default", "--config-source=file"],
  },
  {
    name: "containerd-new",
    runtime: "containerd",
    file: "config.toml",
    extra: ["--config-source=file"],
  },
  { name: "crio", runtime: "crio", file: "crio.conf", extra: ["--set-as-default"] },
  { name: "podman", runtime: "podman", file: "hooks.d/99-xpu.json", extra: ["--mode=hook"] },
  { name: "slurm", runtime: "slurm", fixture: "oci.conf", file: "oci.conf" },
  { name: "slurm-new", runtime: "slurm", file: "oci.conf" },
  { name: "enroot", runtime: "enroot", file: "hooks.d/98-xpu.sh" },
];

/** The binary each engine registers. */
const BINARY: Record<string, string> = {
  podman: HOOK,
  enroot: "/usr/bin/xpu-ctk",
};

function args(c: Case, dir: string, action = "configure"): string[] {
  const path = BINARY[c.runtime] ?? SHIM;
  return [
    "runtime",
    action,
    `--runtime=${c.runtime}`,
    "--config",
    `${dir}/${c.file}`,
    "--runtime-path",
    path,
    ...(c.extra ?? []),
  ];
}

function setup(c: Case, dir: string): string | undefined {
  if (!c.fixture) return undefined;
  const text = Deno.readTextFileSync(`${ENGINES}/${c.fixture}`);
  Deno.writeTextFileSync(`${dir}/${c.file}`, text);
  return text;
}

/** Every file below `dir` with its content, for before/after comparisons. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p.slice(dir.length + 1)] = Deno.readTextFileSync(p);
    }
  };
  walk(dir);
  return out;
}

for (const c of CASES) {
  Deno.test(`runtime configure --runtime=${c.runtime} (${c.name}) --dry-run matches the golden file and writes nothing`, async () => {
    await withTempDir(async (dir) => {
      setup(c, dir);
      const before = tree(dir);
      const out = await runBin("xpu-ctk", [...args(c, dir), "--dry-run"]);
      assertEquals(out.code, 0, out.stderr);
      const normalised = out.stdout.replaceAll(dir, "<dir>");
      const golden = `${TESTDATA}/golden/engines/${c.name}.txt`;
      if (Deno.env.get("UPDATE_GOLDEN")) {
        Deno.mkdirSync(`${TESTDATA}/golden/engines`, { recursive: true });
        Deno.writeTextFileSync(golden, normalised);
      }
      assertEquals(normalised, Deno.readTextFileSync(golden));
      assertEquals(tree(dir), before);
    });
  });

  Deno.test(`runtime configure --runtime=${c.runtime} (${c.name}) writes what --dry-run showed, is idempotent, and unconfigure restores the file`, async () => {
    await withTempDir(async (dir) => {
      const original = setup(c, dir);
      const dry = (await runBin("xpu-ctk", [...args(c, dir), "--dry-run"])).stdout;
      assertEquals((await runBin("xpu-ctk", args(c, dir))).code, 0);
      const after = tree(dir);
      const blocks = dry.split(/^==> (.*) <==\n/m).slice(1);
      assertEquals(blocks.length > 0, true);
      for (let i = 0; i < blocks.length; i += 2) {
        assertEquals(after[blocks[i]!.slice(dir.length + 1)], blocks[i + 1]);
      }
      const again = await runBin("xpu-ctk", args(c, dir));
      assertEquals(again.stderr, "xpu-ctk: nothing to change\n");
      assertEquals(tree(dir), after);
      assertEquals((await runBin("xpu-ctk", args(c, dir, "unconfigure"))).code, 0);
      const restored = tree(dir);
      if (original !== undefined) assertEquals(restored[c.file], original);
      // Docker's file did not exist before, so it goes, and with it the record of that.
      else if (c.runtime === "docker") assertEquals(Object.keys(restored), []);
      // No drop-in or hook file is left behind.
      assertEquals(
        Object.keys(restored).filter((f) =>
          !f.endsWith(".bak") && !f.endsWith(".xpu-ctk-original") && f !== c.file
        ),
        [],
      );
    });
  });
}

Deno.test("runtime configure keeps a .bak of the file it edits", async () => {
  await withTempDir(async (dir) => {
    const original = setup(CASES[0]!, dir)!;
    await runBin("xpu-ctk", args(CASES[0]!, dir));
    assertEquals(Deno.readTextFileSync(`${dir}/daemon.json.bak`), original);
  });
});

for (
  const [runtime, fixture, file, message] of [
    [
      "docker",
      "daemon-broken.json",
      "daemon.json",
      /^xpu-ctk: Cannot configure Docker: ".*daemon\.json" is not valid JSON \(.*\); it was left unchanged\n$/,
    ],
    [
      "containerd",
      "containerd-broken.toml",
      "config.toml",
      /^xpu-ctk: Cannot configure containerd: Invalid config ".*config\.toml": line 2, column \d+: .*; it was left unchanged\n$/,
    ],
  ] as const
) {
  Deno.test(`runtime configure --runtime=${runtime} refuses a file it cannot parse and leaves it alone`, async () => {
    await withTempDir(async (dir) => {
      const text = Deno.readTextFileSync(`${ENGINES}/${fixture}`);
      Deno.writeTextFileSync(`${dir}/${file}`, text);
      const out = await runBin("xpu-ctk", [
        "runtime",
        "configure",
        `--runtime=${runtime}`,
        "--config",
        `${dir}/${file}`,
      ]);
      assertEquals(out.code, 1);
      assertMatch(out.stderr, message);
      assertEquals(tree(dir), { [file]: text });
    });
  });
}

for (
  const [extra, message] of [
    [
      ["--runtime=lxc"],
      /Unknown --runtime "lxc": expected docker, containerd, crio, podman, slurm or enroot/,
    ],
    [["--runtime=docker", "--runtime-name=a b"], /Invalid --runtime-name "a b"/],
    [
      ["--runtime=enroot", "--runtime-name=x"],
      /--runtime-name and --set-as-default apply to docker, containerd, crio or podman only/,
    ],
    [["--runtime=enroot", "--set-as-default"], /apply to docker, containerd, crio or podman only/],
  ] as const
) {
  Deno.test(`runtime configure ${extra.join(" ")} is a usage error`, async () => {
    const out = await runBin("xpu-ctk", ["runtime", "configure", ...extra]);
    assertEquals(out.code, 2);
    assertMatch(out.stderr, message);
  });
}

for (
  const [runtime, file, text, message] of [
    [
      "docker",
      "daemon.json",
      `{"x": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      'Cannot configure Docker: "FILE" is nested deeper than 100 levels; it was left unchanged',
    ],
    [
      "containerd",
      "config.toml",
      `version = 2\nx = ${"[".repeat(5000)}${"]".repeat(5000)}\n`,
      'Cannot configure containerd: Invalid config "FILE": line 2, column 105: nested deeper than 100 levels; it was left unchanged',
    ],
    [
      "containerd",
      "config.toml",
      `version = 2\n[${Array(5000).fill("t").join(".")}]\n`,
      'Cannot configure containerd: Invalid config "FILE": nested deeper than 100 levels; it was left unchanged',
    ],
  ] as const
) {
  const how = text.includes("[t.") ? "table headers" : "arrays";
  Deno.test(`runtime configure --runtime=${runtime} refuses a ${file} of ${how} nested too deeply`, async () => {
    await withTempDir(async (dir) => {
      Deno.writeTextFileSync(`${dir}/${file}`, text);
      const before = await digests([`${dir}/${file}`]);
      const out = await runBin(
        "xpu-ctk",
        [
          "runtime",
          "configure",
          `--runtime=${runtime}`,
          "--config",
          `${dir}/${file}`,
          "--config-source=file",
        ].slice(0, runtime === "docker" ? 5 : 6),
      );
      assertEquals(out, {
        code: 1,
        stdout: "",
        stderr: `xpu-ctk: ${message.replace("FILE", `${dir}/${file}`)}\n`,
      });
      assertEquals(await digests([`${dir}/${file}`]), before);
    });
  });
}

for (
  const [runtime, extra, message] of [
    ["docker", ["--config", ""], '--config must name a file, not ""'],
    ["podman", ["--config", "", "--mode=runtime"], '--config must name a file, not ""'],
    ["docker", ["--runtime-path", ""], '--runtime-path must be an absolute path, not ""'],
    [
      "docker",
      ["--runtime-path", "bin/shim"],
      '--runtime-path must be an absolute path, not "bin/shim"',
    ],
    ["crio", ["--runtime-path", "shim"], '--runtime-path must be an absolute path, not "shim"'],
    [
      "containerd",
      ["--runtime-path", "./shim"],
      '--runtime-path must be an absolute path, not "./shim"',
    ],
  ] as const
) {
  Deno.test(`runtime configure --runtime=${runtime} ${extra.map((a) => a || "''").join(" ")} is a usage error that makes nothing`, async () => {
    await withTempDir(async (dir) => {
      for (const action of ["configure", "unconfigure"]) {
        const out = await runBin(
          "xpu-ctk",
          ["runtime", action, `--runtime=${runtime}`, "--config", `${dir}/engine.conf`, ...extra],
          { cwd: dir },
        );
        assertEquals(out.code, 2, out.stderr);
        assertEquals(out.stderr.split("\n")[0], `xpu-ctk: ${message}`);
        assertEquals(tree(dir), {});
      }
    });
  });
}
