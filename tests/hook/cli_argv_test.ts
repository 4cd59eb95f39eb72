import { assertEquals, assertThrows } from "../assert.ts";
import { configureArgv, globalFlags, instanceArgv } from "../../src/hook/cli_argv.ts";
import { configFromString } from "../../src/config/load.ts";
import { deviceRequest, RequestError } from "../../src/modes/request.ts";

const PID = 4242;
const ROOTFS = "/b/rootfs";
const TAIL = [`--pid=${PID}`, ROOTFS];
const DEFAULT_HEAD = ["--load-kmods", "configure", "--ldconfig=@/sbin/ldconfig"];

interface Case {
  name: string;
  env: string[];
  toml?: string;
  debug?: boolean;
  argv: string[];
}

const CASES: Case[] = [
  {
    name: "one device, defaults",
    env: ["XPU_VISIBLE_DEVICES=0"],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "two devices",
    env: ["XPU_VISIBLE_DEVICES=0,1"],
    argv: [...DEFAULT_HEAD, "--device=0,1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "a range",
    env: ["XPU_VISIBLE_DEVICES=1-3"],
    argv: [...DEFAULT_HEAD, "--device=1,2,3", "--utility", "--compute", ...TAIL],
  },
  {
    name: "spaces and duplicates",
    env: ["XPU_VISIBLE_DEVICES= 2 ,0,2"],
    argv: [...DEFAULT_HEAD, "--device=2,0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "all",
    env: ["XPU_VISIBLE_DEVICES=all"],
    argv: [...DEFAULT_HEAD, "--device=all", "--utility", "--compute", ...TAIL],
  },
  {
    name: "none: no --device",
    env: ["XPU_VISIBLE_DEVICES=none"],
    argv: [...DEFAULT_HEAD, "--utility", "--compute", ...TAIL],
  },
  {
    name: "a UUID",
    env: ["XPU_VISIBLE_DEVICES=XPU-8f2a-11"],
    argv: [...DEFAULT_HEAD, "--device=XPU-8f2a-11", "--utility", "--compute", ...TAIL],
  },
  {
    name: "CXPU_VISIBLE_DEVICES fallback",
    env: ["CXPU_VISIBLE_DEVICES=3"],
    argv: [...DEFAULT_HEAD, "--device=3", "--utility", "--compute", ...TAIL],
  },
  {
    name: "XPU_ wins over CXPU_",
    env: ["CXPU_VISIBLE_DEVICES=3", "XPU_VISIBLE_DEVICES=1"],
    argv: [...DEFAULT_HEAD, "--device=1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "first duplicate env wins",
    env: ["XPU_VISIBLE_DEVICES=1", "XPU_VISIBLE_DEVICES=2"],
    argv: [...DEFAULT_HEAD, "--device=1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "capability compute",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=compute"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compute", ...TAIL],
  },
  {
    name: "capabilities in the requested order",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=compat32,compute"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compat32", "--compute", ...TAIL],
  },
  {
    name: "capability all: the supported set",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=all"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compute", "--compat32", "--utility", ...TAIL],
  },
  {
    name: "capability all with a narrower supported set",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=all"],
    toml: 'supported-driver-capabilities = "utility"',
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", ...TAIL],
  },
  {
    name: "empty capabilities: defaults",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES="],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "one requirement",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_REQUIRE_DRIVER=driver>=5.0"],
    argv: [
      ...DEFAULT_HEAD,
      "--device=0",
      "--require=driver>=5.0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "requirements sorted by name",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_REQUIRE_Z=z>1", "XPU_REQUIRE_A=a>1", "XPU_REQUIRE_M=m>1"],
    argv: [
      ...DEFAULT_HEAD,
      "--device=0",
      "--require=a>1",
      "--require=m>1",
      "--require=z>1",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "XPU_DISABLE_REQUIRE",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_REQUIRE_A=a>1", "XPU_DISABLE_REQUIRE=true"],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "config disable-require",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_REQUIRE_A=a>1"],
    toml: "disable-require = true",
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "root",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nroot = "/run/xpu/driver"',
    argv: [
      "--root=/run/xpu/driver",
      ...DEFAULT_HEAD,
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "load-kmods off",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: "[xpu-container-cli]\nload-kmods = false",
    argv: [
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "no-pivot",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: "[xpu-container-cli]\nno-pivot = true",
    argv: [
      "--load-kmods",
      "--no-pivot",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "debug file",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\ndebug = "/var/log/x.log"',
    argv: [
      "--load-kmods",
      "--debug=/var/log/x.log",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "hook -debug wins over the debug file",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\ndebug = "/var/log/x.log"',
    debug: true,
    argv: [
      "--load-kmods",
      "--debug=/dev/stderr",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "hook -debug alone",
    env: ["XPU_VISIBLE_DEVICES=0"],
    debug: true,
    argv: [
      "--load-kmods",
      "--debug=/dev/stderr",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "ldcache",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nldcache = "/etc/ld.so.cache"',
    argv: [
      "--load-kmods",
      "--ldcache=/etc/ld.so.cache",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "user",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nuser = "root:video"',
    argv: [
      "--load-kmods",
      "--user=root:video",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "ldconfig without @",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nldconfig = "/sbin/ldconfig.real"',
    argv: [
      "--load-kmods",
      "configure",
      "--ldconfig=/sbin/ldconfig.real",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "ldconfig empty: no flag",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nldconfig = ""',
    argv: ["--load-kmods", "configure", "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "no-cgroups",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml: "[xpu-container-cli]\nno-cgroups = true",
    argv: [...DEFAULT_HEAD, "--no-cgroups", "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "every global flag, in order",
    env: ["XPU_VISIBLE_DEVICES=0"],
    toml:
      '[xpu-container-cli]\nroot = "/r"\nno-pivot = true\ndebug = "/d"\nldcache = "/c"\nuser = "u:g"\nno-cgroups = true',
    argv: [
      "--root=/r",
      "--load-kmods",
      "--no-pivot",
      "--debug=/d",
      "--ldcache=/c",
      "--user=u:g",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--no-cgroups",
      "--device=0",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "everything at once",
    env: [
      "XPU_VISIBLE_DEVICES=1,0-1",
      "XPU_DRIVER_CAPABILITIES=utility,compat32",
      "XPU_REQUIRE_B=b",
      "XPU_REQUIRE_A=a",
    ],
    toml: '[xpu-container-cli]\nroot = "/r"\nload-kmods = false\nno-cgroups = true',
    argv: [
      "--root=/r",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--no-cgroups",
      "--device=1,0",
      "--require=a",
      "--require=b",
      "--utility",
      "--compat32",
      ...TAIL,
    ],
  },
  {
    name: "unprivileged with the env var refused but a volume-mount request",
    env: ["XPU_VISIBLE_DEVICES=all"],
    toml:
      "accept-xpu-visible-devices-envvar-when-unprivileged = false\naccept-xpu-visible-devices-as-volume-mounts = true",
    argv: [...DEFAULT_HEAD, "--device=2", "--utility", "--compute", ...TAIL],
  },
  {
    name: "env entry without = is an empty value",
    env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES"],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
];

for (const c of CASES) {
  Deno.test(`configureArgv(): ${c.name}`, async () => {
    const { config } = await configFromString(c.toml ?? "");
    const mounts = c.name.includes("volume-mount")
      ? [{ destination: "/var/run/xpu-container-devices/2", source: "/dev/null" }]
      : [];
    const request = deviceRequest({ process: { env: c.env }, mounts }, config);
    assertEquals(configureArgv(config, request!, PID, ROOTFS, c.debug ?? false), c.argv);
  });
}

Deno.test("configureArgv() is not reached for containers that ask for nothing", async () => {
  const { config } = await configFromString("");
  for (const env of [[], ["XPU_VISIBLE_DEVICES=void"], ["XPU_VISIBLE_DEVICES="]]) {
    assertEquals(deviceRequest({ process: { env } }, config), undefined);
  }
});

Deno.test("an unknown capability never reaches the cli", async () => {
  const { config } = await configFromString("");
  assertThrows(
    () =>
      deviceRequest({
        process: { env: ["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=graphics"] },
      }, config),
    RequestError,
    '"graphics"',
  );
});

Deno.test("instanceArgv() creates and destroys with a 12-character instance id", async () => {
  const { config } = await configFromString('[xpu-container-cli]\nroot = "/r"');
  const request = deviceRequest({
    process: { env: ["XPU_VISIBLE_DEVICES=1,2", "XPU_MEMORY_LIMIT=2g"] },
  }, config)!;
  assertEquals(instanceArgv(config, "create", "0123456789abcdef", request, false), [
    "--root=/r",
    "--load-kmods",
    "cxpu",
    "--create",
    "--instance=0123456789ab",
    "--device=1,2",
    "--mmem=2147483648",
  ]);
  assertEquals(instanceArgv(config, "destroy", "short", request, true), [
    "--root=/r",
    "--load-kmods",
    "--debug=/dev/stderr",
    "cxpu",
    "--destroy",
    "--instance=short",
    "--device=1,2",
  ]);
});

Deno.test("globalFlags() of the defaults is --load-kmods alone", async () => {
  assertEquals(globalFlags((await configFromString("")).config, false), ["--load-kmods"]);
});
