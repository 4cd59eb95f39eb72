import { assertEquals, assertStringIncludes } from "../assert.ts";
import { configEnv, runBin, TESTDATA, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";
const FIXTURE = Deno.readTextFileSync(`${TESTDATA}/engines/oci.conf`);

function slurm(
  action: string,
  file: string,
  env: Record<string, string> = {},
  extra: string[] = [],
) {
  return runBin(
    "xpu-ctk",
    ["runtime", action, "--runtime=slurm", "--config", file, "--runtime-path", SHIM, ...extra],
    { env },
  );
}

Deno.test("runtime configure --runtime=slurm warns when the host's mode would be legacy", async () => {
  await withTempDir(async (dir) => {
    const env = configEnv(`${dir}/xdg`, '[xpu-container-runtime]\nmode = "legacy"\n');
    const out = await slurm("configure", `${dir}/oci.conf`, env);
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(
      out.stderr,
      'Warning: XPU containers on this host get legacy mode (mode "legacy" is configured), ' +
        "which cannot work under rootless runc",
    );
    assertStringIncludes(out.stderr, "ConstrainDevices=yes in cgroup.conf");
    assertStringIncludes(out.stderr, "gres.conf NodeName=… Name=gpu Type=xpu File=/dev/xpu[0-N]");
    const csv = configEnv(`${dir}/xdg2`, '[xpu-container-runtime]\nmode = "csv"\n');
    const quiet = await slurm("configure", `${dir}/other.conf`, csv);
    assertEquals(quiet.code, 0, quiet.stderr);
    assertEquals(quiet.stderr.includes("Warning"), false);
  });
});

Deno.test("runtime configure --runtime=slurm replaces the RunTime lines whatever their case", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/oci.conf`;
    Deno.writeTextFileSync(file, "runtimerun=/bin/true\nRUNTIMEQUERY = x\nContainerPath=/c\n");
    assertEquals((await slurm("configure", file)).code, 0);
    const lines = Deno.readTextFileSync(file).split("\n");
    assertEquals(lines.map((l) => l.slice(0, l.indexOf("="))), [
      "RunTimeRun",
      "RunTimeQuery",
      "ContainerPath",
      "RunTimeKill",
      "RunTimeDelete",
      "",
    ]);
  });
});

Deno.test("runtime unconfigure --runtime=slurm keeps later edits and puts the replaced lines back", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/oci.conf`;
    Deno.writeTextFileSync(file, FIXTURE);
    assertEquals((await slurm("configure", file)).code, 0);
    Deno.writeTextFileSync(file, `${Deno.readTextFileSync(file)}ContainerPath=/srv/c\n`);
    const out = await slurm("unconfigure", file);
    assertEquals(out.code, 0, out.stderr);
    const runtimeLines = FIXTURE.split("\n").filter((l) =>
      l.startsWith("RunTime") && !l.startsWith("RunTimeEnv")
    );
    assertEquals(
      Deno.readTextFileSync(file),
      [
        "# Slurm OCI containers, as runc's example in oci.conf(5) has them.",
        'RunTimeEnvExclude="^(SLURM_CONF|SLURM_CONF_SERVER)="',
        "ContainerPath=/srv/c",
        ...runtimeLines,
        "",
      ].join("\n"),
    );
    // Nothing of ours is left: a second unconfigure changes nothing.
    const again = await slurm("unconfigure", file);
    assertEquals(again.stderr, "xpu-ctk: nothing to change\n");
  });
});

Deno.test("runtime configure --runtime=slurm refuses a runtime path a shell would split", async () => {
  await withTempDir(async (dir) => {
    const out = await runBin("xpu-ctk", [
      "runtime",
      "configure",
      "--runtime=slurm",
      "--config",
      `${dir}/oci.conf`,
      "--runtime-path",
      "/opt/x y/xpu-container-runtime",
    ]);
    assertEquals(out.code, 1);
    assertStringIncludes(
      out.stderr,
      'Cannot configure Slurm: the runtime path "/opt/x y/xpu-container-runtime" may hold only',
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("runtime unconfigure --runtime=slurm leaves a file without the shim alone", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/oci.conf`;
    Deno.writeTextFileSync(file, FIXTURE);
    const out = await slurm("unconfigure", file);
    assertEquals([out.code, out.stderr], [0, "xpu-ctk: nothing to change\n"]);
    assertEquals(Deno.readTextFileSync(file), FIXTURE);
  });
});
