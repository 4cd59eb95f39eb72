/**
 * Slurm's native OCI containers end to end: munged, slurmctld and slurmd for one node of this
 * host (private sockets, ports, state and spool; a GRES of two simulated XPUs), oci.conf written
 * by `xpu-ctk runtime configure --runtime=slurm`, and `srun --container` as root and as an
 * unprivileged user under rootless runc. Every daemon is stopped by its PID.
 */
import { assertEquals } from "../assert.ts";
import { type Output, q, run, runBin, withTempDir } from "../helpers.ts";
import { makeBundle, makeRootfs, runcUnavailable } from "./bundle.ts";
import { inPrivateDev, xpuNodes } from "./private_dev.ts";

/** nobody: a user with no rights of its own. */
const USER = 65534;

const NEEDS = [
  "/usr/sbin/munged",
  "/usr/sbin/slurmctld",
  "/usr/sbin/slurmd",
  "/usr/bin/srun",
  "/usr/bin/sinfo",
  "/usr/bin/unshare",
  "/usr/bin/setpriv",
];

/** True when Slurm tests cannot run here, said loudly; under CI that is an error. */
function slurmUnavailable(): boolean {
  if (runcUnavailable()) return true;
  const missing = NEEDS.filter((p) => {
    try {
      Deno.statSync(p);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return false;
  const why = `Slurm end-to-end tests need ${missing.join(", ")}: run make deps`;
  if (Deno.env.get("CI")) throw new Error(why);
  console.warn(`SKIPPED: ${why}`);
  return true;
}

const PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

interface Cluster {
  readonly dir: string;
  /** What srun needs: SLURM_CONF and a PATH. */
  readonly env: Record<string, string>;
}

async function must(what: string, out: Promise<Output>): Promise<void> {
  const r = await out;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stdout}${r.stderr}`);
}

/** The host's name as Slurm's NodeName (its first label). */
function nodeName(): string {
  return Deno.hostname().split(".")[0]!;
}

function slurmConf(dir: string, port: number): string {
  const node = nodeName();
  return `ClusterName=xpu-e2e
SlurmctldHost=${node}(127.0.0.1)
SlurmctldPort=${port}
SlurmdPort=${port + 1}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=${dir}/munge/munge.socket
CredType=cred/munge
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/run/slurmctld.pid
SlurmdPidFile=${dir}/run/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
GresTypes=gpu
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=${node} NodeAddr=127.0.0.1 CPUs=1 RealMemory=100 Gres=gpu:xpu:2 State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`;
}

/** The PIDs in the pid files the daemons wrote. */
function daemonPids(dir: string): number[] {
  return ["munge/munged.pid", "run/slurmctld.pid", "run/slurmd.pid"].flatMap((f) => {
    try {
      const pid = Number(Deno.readTextFileSync(`${dir}/${f}`).trim());
      return Number.isSafeInteger(pid) && pid > 1 ? [pid] : [];
    } catch {
      return [];
    }
  });
}

function alive(pid: number): boolean {
  try {
    // A zombie is gone for our purposes.
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** Stops slurmd, slurmctld and munged by their PIDs: TERM, then KILL after 10 s. */
async function stopDaemons(dir: string): Promise<void> {
  const pids = daemonPids(dir).reverse();
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  for (let i = 0; i < 100 && pids.some(alive); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of pids.filter(alive)) Deno.kill(pid, "SIGKILL");
}

/** Starts the cluster in `dir`: munged, slurmctld, and slurmd with a private /dev. */
async function startCluster(dir: string): Promise<Cluster> {
  for (const d of ["munge", "etc", "state", "spool", "log", "run", "csv"]) {
    Deno.mkdirSync(`${dir}/${d}`, { mode: 0o755, recursive: true });
  }
  Deno.writeFileSync(`${dir}/munge/munge.key`, crypto.getRandomValues(new Uint8Array(1024)), {
    mode: 0o600,
  });
  await must(
    "munged",
    run("munged", [
      "--force",
      `--socket=${dir}/munge/munge.socket`,
      `--key-file=${dir}/munge/munge.key`,
      `--log-file=${dir}/munge/munged.log`,
      `--pid-file=${dir}/munge/munged.pid`,
      `--seed-file=${dir}/munge/munged.seed`,
    ]),
  );
  const port = 20000 + Math.floor(Math.random() * 20000) * 2;
  const conf = `${dir}/etc/slurm.conf`;
  Deno.writeTextFileSync(conf, slurmConf(dir, port));
  Deno.writeTextFileSync(
    `${dir}/etc/gres.conf`,
    `NodeName=${nodeName()} Name=gpu Type=xpu File=/dev/xpu[0-1]\n`,
  );
  // The operator's step: oci.conf beside slurm.conf, where Slurm reads it.
  await must(
    "xpu-ctk runtime configure --runtime=slurm",
    runBin("xpu-ctk", [
      "runtime",
      "configure",
      "--runtime=slurm",
      "--config",
      `${dir}/etc/oci.conf`,
    ]),
  );
  // The runtime runs with slurmd's environment: its config comes through XDG_CONFIG_HOME. The
  // simulated XPUs are in slurmd's private /dev, at the paths a host's real ones have.
  Deno.writeTextFileSync(
    `${dir}/csv/xpu.csv`,
    "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\n",
  );
  Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(
    `${dir}/xdg/xpu-container-runtime/config.toml`,
    `[xpu-container-runtime]\nmode = "csv"\nruntimes = ["runc"]\n` +
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
  );
  const env = { SLURM_CONF: conf, PATH };
  await must("slurmctld", run("slurmctld", ["-i", "-f", conf], { clearEnv: true, env }));
  const [cmd, ...args] = inPrivateDev(["slurmd", "-f", conf], xpuNodes(2));
  await must(
    "slurmd",
    run(cmd!, args, { clearEnv: true, env: { ...env, XDG_CONFIG_HOME: `${dir}/xdg` } }),
  );
  for (let i = 0; i < 300; i++) {
    const state = await run("sinfo", ["-h", "-o", "%t"], { clearEnv: true, env });
    if (state.stdout.trim() === "idle") return { dir, env };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `The node did not become idle: ${Deno.readTextFileSync(`${dir}/log/slurmd.log`)}`,
  );
}

/** `srun --container=BUNDLE` listing the container's XPU nodes, as `uid`. */
function srunXpus(c: Cluster, bundle: string, uid: number): Promise<Output> {
  const as = uid === 0 ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"];
  const argv = [
    ...as,
    "srun",
    `--container=${bundle}`,
    "sh",
    "-c",
    "for f in /dev/xpu*; do [ ! -e $f ] || echo $f; done",
  ];
  return run(argv[0]!, argv.slice(1), {
    clearEnv: true,
    env: { ...c.env, CXPU_VISIBLE_DEVICES: "1" },
    cwd: "/",
    timeoutMs: 120_000,
  });
}

/** A `runc spec --rootless` busybox bundle made by `uid`, whose ids it maps. */
async function rootlessBundle(dir: string, uid: number): Promise<string> {
  Deno.mkdirSync(dir);
  makeRootfs(dir);
  await must("chown", run("chown", ["-R", `${uid}:${uid}`, dir]));
  await must(
    "runc spec --rootless",
    run("setpriv", [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      "--clear-groups",
      "runc",
      "spec",
      "--rootless",
    ], {
      cwd: dir,
    }),
  );
  const spec = JSON.parse(Deno.readTextFileSync(`${dir}/config.json`));
  spec.process.terminal = false;
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(spec, null, "\t"));
  return dir;
}

Deno.test({
  name:
    "srun --container with CXPU_VISIBLE_DEVICES=1 gives /dev/xpu1, not /dev/xpu0 (root, and a user under rootless runc)",
  ignore: slurmUnavailable(),
  fn: async () => {
    // runc's state: the directories oci.conf names, per user.
    const states = ["/tmp/xpu-oci-root", "/tmp/xpu-oci-nobody"].filter((d) => {
      try {
        Deno.statSync(d);
        return false;
      } catch {
        return true;
      }
    });
    await withTempDir(async (dir) => {
      Deno.chmodSync(dir, 0o755);
      try {
        const cluster = await startCluster(`${dir}/slurm`);
        const asRoot = await srunXpus(cluster, makeBundle(`${dir}/root`, { args: ["sh"] }), 0);
        assertEquals([asRoot.code, asRoot.stdout], [0, "/dev/xpu1\n/dev/xpuctrl\n"], asRoot.stderr);
        const bundle = await rootlessBundle(`${dir}/user`, USER);
        const asUser = await srunXpus(cluster, bundle, USER);
        assertEquals([asUser.code, asUser.stdout], [0, "/dev/xpu1\n/dev/xpuctrl\n"], asUser.stderr);
      } finally {
        await stopDaemons(`${dir}/slurm`);
        for (const d of states) await run("rm", ["-rf", d]);
      }
      assertEquals(daemonPids(`${dir}/slurm`).filter(alive), []);
    });
  },
});
