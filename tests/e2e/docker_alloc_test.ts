import { assertEquals, assertMatch, assertNotEquals } from "../assert.ts";
import { bin, q, run, runBin, withTempDir } from "../helpers.ts";
import { csvConfigFile } from "./driver.ts";
import {
  DOCKER,
  type Dockerd,
  dockerdUnavailable,
  importBusybox,
  startDockerd,
} from "./dockerd.ts";

const IMAGE = "busybox-xpu";

/** What the container `id` was given: its CXPU_VISIBLE_DEVICES and the XPU nodes in its /dev. */
async function devicesOf(dockerd: Dockerd, id: string): Promise<{ env: string; nodes: string }> {
  // docker exec's environment is docker's, not the spec's: read what init was started with.
  const out = await dockerd.docker([
    "exec",
    id,
    "sh",
    "-c",
    "tr '\\0' '\\n' </proc/1/environ | sed -n 's/^CXPU_VISIBLE_DEVICES=//p'; ls /dev | grep '^xpu[0-9]' | tr '\\n' ' '",
  ]);
  assertEquals(out.code, 0, out.stderr);
  const [env, nodes] = out.stdout.split("\n");
  return { env: env!, nodes: nodes!.trim() };
}

Deno.test({
  name: "a private dockerd: three docker run -e CXPU_DEVICE_COUNT=1 at once on two XPUs get " +
    "one each or OCI runtime create failed; docker rm -f and kill -9 free the device; xpu-docker",
  ignore: dockerdUnavailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withTempDir(async (dir) => {
      // The shim finds its config through XDG_CONFIG_HOME, which dockerd passes down to it.
      const xdg = `${dir}/xdg`;
      const confDir = `${xdg}/xpu-container-runtime`;
      Deno.mkdirSync(confDir, { recursive: true });
      const configFile = csvConfigFile(confDir);
      // The shim's log, for a failure's message: it says which entries a load found stale.
      const shimLog = `${dir}/runtime.log`;
      Deno.writeTextFileSync(
        configFile,
        Deno.readTextFileSync(configFile).replace(
          "[xpu-container-runtime]\n",
          `[xpu-container-runtime]\ndebug = ${q(shimLog)}\nlog-level = "debug"\n`,
        ),
      );
      Deno.writeTextFileSync(
        configFile,
        `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n` +
          `[xpu-allocator]\nstate-dir = ${q(`${dir}/alloc`)}\n`,
        { append: true },
      );
      const env = { XDG_CONFIG_HOME: xdg };
      const daemonJson = `${dir}/daemon.json`;
      const configured = await runBin("xpu-ctk", [
        "runtime",
        "configure",
        "--runtime=docker",
        "--config",
        daemonJson,
        "--runtime-path",
        bin("xpu-container-runtime"),
      ]);
      assertEquals(configured.code, 0, configured.stderr);
      const allocations = async () => {
        const out = await runBin("xpu-ctk", ["allocations", "--json"], { env });
        assertEquals(out.code, 0, out.stderr);
        const doc = JSON.parse(out.stdout);
        return Object.fromEntries(
          doc.containers.map((c: { container: string; devices: number[] }) => [
            c.container,
            c.devices.join(","),
          ]),
        );
      };
      const stateFile = `${dir}/alloc/state.json`;
      const held = () =>
        JSON.parse(Deno.readTextFileSync(stateFile)).entries.map((
          e: { container: string },
        ) => e.container);

      const dockerd = await startDockerd(dir, daemonJson, env);
      try {
        const { docker } = dockerd;
        await importBusybox(dir, dockerd, IMAGE);
        const runOne = () =>
          docker([
            "run",
            "-d",
            "--runtime=xpu",
            "--network",
            "none",
            "-e",
            "CXPU_DEVICE_COUNT=1",
            IMAGE,
            "sleep",
            "600",
          ]);

        // Three at once on two XPUs.
        const started = await Promise.all([runOne(), runOne(), runOne()]);
        const ok = started.filter((o) => o.code === 0);
        const refused = started.filter((o) => o.code !== 0);
        if (ok.length !== 2) {
          // What each container got, and what the allocator recorded, for the failure's message.
          const got = await Promise.all(
            ok.map(async (o) =>
              `${o.stdout.trim()}: ${JSON.stringify(await devicesOf(dockerd, o.stdout.trim()))}`
            ),
          );
          let state: string;
          try {
            state = Deno.readTextFileSync(stateFile);
          } catch (e) {
            state = String(e);
          }
          let log: string;
          try {
            log = Deno.readTextFileSync(shimLog);
          } catch (e) {
            log = String(e);
          }
          assertEquals(
            ok.length,
            2,
            [...started.map((o) => o.stderr), ...got, state, log].join("\n"),
          );
        }
        assertEquals(refused[0]!.code, 125);
        assertMatch(
          refused[0]!.stderr,
          /OCI runtime create failed: .*No XPU free: 1 requested, 0 free \(xpu0 held by [0-9a-f]{64} since [^)]*xpu1 held by [0-9a-f]{64} since /,
        );
        const [a, b] = ok.map((o) => o.stdout.trim());
        const got = { [a!]: await devicesOf(dockerd, a!), [b!]: await devicesOf(dockerd, b!) };
        assertEquals([got[a!]!.env, got[b!]!.env].sort(), ["0", "1"]);
        for (const id of [a!, b!]) assertEquals(got[id]!.nodes, `xpu${got[id]!.env}`);
        assertEquals(await allocations(), { [a!]: got[a!]!.env, [b!]: got[b!]!.env });

        // docker rm -f frees a's device: the next run with a count gets it.
        const removed = await docker(["rm", "-f", a!]);
        assertEquals(removed.code, 0, removed.stderr);
        // Released eagerly by the poststop hook: the file itself says so, before any reconcile.
        assertEquals(held(), [b]);
        assertEquals(await allocations(), { [b!]: got[b!]!.env });
        const third = await runOne();
        assertEquals(third.code, 0, third.stderr);
        const c = third.stdout.trim();
        assertEquals((await devicesOf(dockerd, c)).env, got[a!]!.env);
        assertEquals(await allocations(), { [b!]: got[b!]!.env, [c]: got[a!]!.env });

        // kill -9 of b's process frees its device too, even where the engine skips poststop: the
        // state file is moved aside while docker deletes b, so b's poststop hook finds nothing to
        // release, and the next load drops b (its process and its runc state are gone).
        const pid = await docker(["inspect", "-f", "{{.State.Pid}}", b!]);
        assertEquals(pid.code, 0, pid.stderr);
        assertNotEquals(pid.stdout.trim(), "0");
        Deno.renameSync(stateFile, `${dir}/state.json.aside`);
        assertEquals((await run("kill", ["-9", pid.stdout.trim()])).code, 0);
        assertEquals((await docker(["wait", b!])).stdout.trim(), "137");
        Deno.renameSync(`${dir}/state.json.aside`, stateFile);
        assertEquals(held().sort(), [b, c].sort());
        assertEquals(await allocations(), { [c]: got[a!]!.env });
        const wrapped = await runBin("xpu-docker", [
          "run",
          "-d",
          "--xpu-count",
          "1",
          "--network",
          "none",
          IMAGE,
          "sleep",
          "600",
        ], { env: { XPU_DOCKER: DOCKER, DOCKER_HOST: dockerd.host } });
        assertEquals(wrapped.code, 0, wrapped.stderr);
        const d = wrapped.stdout.trim();
        assertEquals(
          (await docker(["inspect", "-f", "{{.HostConfig.Runtime}}", d])).stdout.trim(),
          "xpu",
        );
        assertEquals(await devicesOf(dockerd, d), {
          env: got[b!]!.env,
          nodes: `xpu${got[b!]!.env}`,
        });
        assertEquals(await allocations(), { [c]: got[a!]!.env, [d]: got[b!]!.env });

        const gone = await docker(["rm", "-f", b!, c, d]);
        assertEquals(gone.code, 0, gone.stderr);
        assertEquals(await allocations(), {});
      } finally {
        await dockerd.stop();
      }
    });
  },
});
