import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { lastValue, libraryPathLine, requestEnvironment } from "../../src/hook/enroot/environ.ts";
import { environLine, fstabLine, LineError } from "../../src/hook/enroot/lines.ts";
import { enrootSetup } from "../../src/hook/enroot/setup.ts";
import { slurmAllocation, withinAllocation } from "../../src/hook/enroot/slurm.ts";
import { enrootConfigureArgv } from "../../src/modes/cli_argv.ts";
import { configFromString } from "../../src/config/load.ts";
import { type DeviceRequest, deviceRequest, RequestError } from "../../src/modes/request.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) => {
  const all = parts.flatMap((p) => typeof p === "string" ? [...enc(p)] : p);
  return new Uint8Array(all);
};

Deno.test("requestEnvironment() takes a variable's last value in ENROOT_ENVIRON, as 98-nvidia.sh does", () => {
  const env = requestEnvironment(
    {},
    enc(
      "CXPU_VISIBLE_DEVICES=0\nPATH=/bin\nCXPU_DRIVER_CAPABILITIES=compute\n" +
        "CXPU_VISIBLE_DEVICES=1\n",
    ),
    "/run/environment",
  );
  assertEquals([...env], [["CXPU_VISIBLE_DEVICES", "1"], ["CXPU_DRIVER_CAPABILITIES", "compute"]]);
});

Deno.test("requestEnvironment() lets the hook's own environment win, even when empty", () => {
  const env = requestEnvironment(
    { CXPU_VISIBLE_DEVICES: "", XPU_REQUIRE_X: "x>1", HOME: "/root" },
    enc("CXPU_VISIBLE_DEVICES=all\n"),
    "/e",
  );
  assertEquals(env.get("CXPU_VISIBLE_DEVICES"), "");
  assertEquals(env.get("XPU_REQUIRE_X"), "x>1");
  assertEquals(env.has("HOME"), false);
});

Deno.test("requestEnvironment() skips what is not NAME=VALUE, and never decodes other variables", () => {
  const env = requestEnvironment(
    {},
    bytes(
      "garbage without equals\n=noname\n9X=1\n CXPU_VISIBLE_DEVICES=9\n",
      "LANG=",
      [0xff, 0xfe],
      "\n",
      [0xc3, 0x28],
      "=1\nCXPU_VISIBLE_DEVICES=2\r\n",
    ),
    "/e",
  );
  // " CXPU_…" is not a name; the value keeps its CR, which the device list trims.
  assertEquals([...env], [["CXPU_VISIBLE_DEVICES", "2\r"]]);
});

Deno.test("requestEnvironment() refuses a request variable that is not UTF-8, naming the file, line and byte", () => {
  const e = assertThrows(
    () =>
      requestEnvironment(
        {},
        bytes("A=1\nCXPU_VISIBLE_DEVICES=0", [0xff], "\n"),
        "/run/environment",
      ),
    Error,
  );
  assertEquals(
    e.message,
    'Invalid ENROOT_ENVIRON "/run/environment": line 2: CXPU_VISIBLE_DEVICES: invalid UTF-8 at byte 26 (0xFF)',
  );
});

Deno.test("requestEnvironment() reads an enormous file line by line", () => {
  const big = new Uint8Array(8 * 1024 * 1024).fill(0x41);
  const file = new Uint8Array(big.length + 30);
  file.set(big);
  file.set(enc("\nCXPU_VISIBLE_DEVICES=1\n"), big.length);
  assertEquals(requestEnvironment({}, file, "/e").get("CXPU_VISIBLE_DEVICES"), "1");
});

Deno.test("lastValue() returns the bytes of a variable's last value, as they are", () => {
  const file = bytes("LD_LIBRARY_PATH=/a\nLD_LIBRARY_PATH=/b", [0xff], "\nX=1\n");
  assertEquals(lastValue(file, "LD_LIBRARY_PATH"), bytes("/b", [0xff]));
  assertEquals(lastValue(file, "NONE"), undefined);
});

Deno.test("libraryPathLine() puts the directories in front of the container's value", () => {
  assertEquals(libraryPathLine(["/x/lib", "/y"], undefined), enc("LD_LIBRARY_PATH=/x/lib:/y\n"));
  assertEquals(
    libraryPathLine(["/x"], bytes("/old", [0xfe])),
    bytes("LD_LIBRARY_PATH=/x:/old", [0xfe], "\n"),
  );
  for (const bad of ["/a:b", "/a\nLD_PRELOAD=/evil.so", "rel"]) {
    assertThrows(
      () => libraryPathLine([bad], undefined),
      Error,
      "Cannot add the library directory",
    );
  }
});

Deno.test("fstabLine() writes fields as they are, and refuses what enroot's musl parser cannot read", () => {
  assertEquals(
    fstabLine("/drv/dev/xpu1", "/dev/xpu1", "none", ["x-create=file", "bind"]),
    "/drv/dev/xpu1 /dev/xpu1 none x-create=file,bind\n",
  );
  for (const source of ["/drv root/dev/xpu1", "/a\tb", "/a\\c"]) {
    assertThrows(() => fstabLine(source, "/d", "none", ["bind"]), LineError, "not an fstab field");
  }
});

Deno.test("fstabLine() and environLine() refuse what would start a line of its own", () => {
  for (
    const [source, target] of [
      ["/lib\n/etc /etc none bind", "/x"],
      ["/a", "/b\r"],
      ["/a", "/b\0"],
      ["#x", "/b"],
      ["", "/b"],
    ]
  ) {
    assertThrows(() => fstabLine(source!, target!, "none", ["bind"]), LineError, "to enroot");
  }
  assertThrows(() => fstabLine("/a", "/b", "none", ["bind", "x".repeat(5000)]), LineError, "4095");
  // enroot-mount's fgets reads 4095 bytes: a 4096-byte line, newline included, is not whole.
  const fits = "x".repeat(4095 - "/a /b none bind,\n".length);
  assertEquals(fstabLine("/a", "/b", "none", ["bind", fits]).length, 4095);
  assertThrows(() => fstabLine("/a", "/b", "none", ["bind", `${fits}x`]), LineError, "4095 bytes");
  assertThrows(() => environLine("A", "1\nLD_PRELOAD=/evil.so"), LineError, "line break");
  assertThrows(() => environLine("A=B", "1"), LineError, "not a variable name");
  assertEquals(environLine("A", "x y"), "A=x y\n");
});

Deno.test("enrootSetup() binds device nodes and mounts, and takes over the helper hooks' work", () => {
  const setup = enrootSetup({
    deviceNodes: [
      { path: "/dev/xpu1", hostPath: "/drv/dev/xpu1", type: "c", major: 240, minor: 1 },
      { path: "/dev/xpuctrl" },
    ],
    mounts: [
      {
        destination: "/usr/lib/libxpuml.so.1.2",
        source: "/drv/usr/lib/libxpuml.so.1.2",
        type: "bind",
        options: ["nosuid", "nodev", "bind", "ro"],
      },
      { destination: "/run/x", type: "tmpfs", source: "tmpfs", options: ["nosuid"] },
    ],
    env: ["XPU_X=1", "EMPTY"],
    hooks: [
      {
        hookName: "createContainer",
        path: "/usr/bin/xpu-ctk",
        args: ["xpu-ctk", "hook", "create-symlinks", "--link", "libxpuml.so.1.2::/usr/lib/l.so.1"],
      },
      {
        hookName: "createContainer",
        path: "/usr/bin/xpu-ctk",
        args: ["xpu-ctk", "hook", "update-ldcache", "--folder", "/usr/lib", "--folder", "/usr/lib"],
      },
      { hookName: "createRuntime", path: "/opt/other-hook", args: ["other", "x"] },
    ],
    additionalGids: [44],
  }, true);
  assertEquals(setup.mounts, [
    "/drv/dev/xpu1 /dev/xpu1 none x-create=file,bind,rw,nosuid,noexec,private\n",
    "/dev/xpuctrl /dev/xpuctrl none x-create=file,bind,rw,nosuid,noexec,private\n",
    "/drv/usr/lib/libxpuml.so.1.2 /usr/lib/libxpuml.so.1.2 none x-create=auto,nosuid,nodev,bind,ro\n",
    "tmpfs /run/x tmpfs x-create=dir,nosuid\n",
  ]);
  assertEquals(setup.environ, ["XPU_X=1\n", "EMPTY=\n"]);
  assertEquals(setup.links, ["libxpuml.so.1.2::/usr/lib/l.so.1"]);
  assertEquals(setup.libraryDirs, ["/usr/lib"]);
  assertEquals(setup.skipped, [
    'The createRuntime hook ["/opt/other-hook","x"] was not run: enroot runs no OCI hooks',
    "The groups 44 were not added: enroot keeps the user's",
  ]);
});

Deno.test("enrootSetup() without ENROOT_RESTRICT_DEV binds over the host's nodes and creates none", () => {
  const setup = enrootSetup({ deviceNodes: [{ path: "/dev/xpu0" }] }, false);
  assertEquals(setup.mounts, ["/dev/xpu0 /dev/xpu0 none bind,rw,nosuid,noexec,private\n"]);
});

Deno.test("enrootSetup() refuses a host path with a newline instead of writing two lines", () => {
  assertThrows(
    () => enrootSetup({ deviceNodes: [{ path: "/dev/xpu0", hostPath: "/x\n/etc /etc" }] }, true),
    LineError,
    "line break",
  );
});

async function request(env: string[]): Promise<DeviceRequest> {
  const { config } = await configFromString("");
  return deviceRequest({ process: { env } }, config)!;
}

Deno.test("slurmAllocation() reads Slurm's device variables only inside a job", () => {
  assertEquals(slurmAllocation({ SLURM_STEP_GPUS: "0" }), undefined);
  assertEquals(slurmAllocation({ SLURM_JOB_ID: "7" }), undefined);
  assertEquals(
    slurmAllocation({ SLURM_JOB_ID: "7", SLURM_JOB_GPUS: "1,0", SLURM_STEP_GPUS: "2" }),
    {
      variable: "SLURM_STEP_GPUS",
      value: "2",
      indices: ["2"],
    },
  );
  assertEquals(slurmAllocation({ SLURM_JOB_ID: "7", SLURM_JOB_GPUS: "0-1" })?.indices, ["0", "1"]);
  assertEquals(slurmAllocation({ SLURM_JOB_ID: "7", SLURM_STEP_GPUS: "" })?.indices, []);
  assertThrows(
    () => slurmAllocation({ SLURM_JOB_ID: "7", SLURM_STEP_GPUS: "GPU-abc" }),
    RequestError,
    'Invalid SLURM_STEP_GPUS "GPU-abc": expected device indices',
  );
});

Deno.test("withinAllocation() gives all the job's devices, and refuses others", async () => {
  const job = { variable: "SLURM_STEP_GPUS", value: "1", indices: ["1"] };
  assertEquals(withinAllocation(await request(["CXPU_VISIBLE_DEVICES=all"]), job).devices, ["1"]);
  assertEquals(withinAllocation(await request(["CXPU_VISIBLE_DEVICES=1"]), job).devices, ["1"]);
  assertEquals(
    withinAllocation(await request(["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1"]), job).devices,
    ["kunlunxin.com/xpu=1"],
  );
  assertEquals(withinAllocation(await request(["CXPU_VISIBLE_DEVICES=none"]), job).devices, "none");
  const none = { variable: "SLURM_STEP_GPUS", value: "", indices: [] };
  assertEquals(withinAllocation(await request(["CXPU_VISIBLE_DEVICES=all"]), none).devices, "none");
  const two = await request(["CXPU_VISIBLE_DEVICES=0,1"]);
  const e = assertThrows(() => withinAllocation(two, job), RequestError);
  assertMatch(
    e.message,
    /^XPU "0" is not among the devices Slurm gave this job \(SLURM_STEP_GPUS="1"\)$/,
  );
});

Deno.test("enrootConfigureArgv() is 98-nvidia.sh's form: --user, --no-cgroups, no --pid, no --load-kmods", async () => {
  const { config } = await configFromString(
    '[xpu-container-cli]\nroot = "/drv"\nuser = "root:video"\nno-cgroups = false\n',
  );
  const req = await request(["CXPU_VISIBLE_DEVICES=1", "CXPU_REQUIRE_A=x>1"]);
  assertEquals(enrootConfigureArgv(config, req, "/r/rootfs", true), [
    "--root=/drv",
    "--debug=/dev/stderr",
    "--user",
    "configure",
    "--ldconfig=@/sbin/ldconfig",
    "--no-cgroups",
    "--device=1",
    "--require=x>1",
    "--utility",
    "--compute",
    "/r/rootfs",
  ]);
});
