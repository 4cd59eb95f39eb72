import { assertEquals, assertThrows } from "../assert.ts";
import { configureArgv, globalFlags, instanceArgv } from "../../src/modes/cli_argv.ts";
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "two devices",
    env: ["CXPU_VISIBLE_DEVICES=0,1"],
    argv: [...DEFAULT_HEAD, "--device=0,1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "a range",
    env: ["CXPU_VISIBLE_DEVICES=1-3"],
    argv: [...DEFAULT_HEAD, "--device=1,2,3", "--utility", "--compute", ...TAIL],
  },
  {
    name: "spaces and duplicates",
    env: ["CXPU_VISIBLE_DEVICES= 2 ,0,2"],
    argv: [...DEFAULT_HEAD, "--device=2,0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "all",
    env: ["CXPU_VISIBLE_DEVICES=all"],
    argv: [...DEFAULT_HEAD, "--device=all", "--utility", "--compute", ...TAIL],
  },
  {
    name: "none: no --device",
    env: ["CXPU_VISIBLE_DEVICES=none"],
    argv: [...DEFAULT_HEAD, "--utility", "--compute", ...TAIL],
  },
  {
    name: "a UUID",
    env: ["CXPU_VISIBLE_DEVICES=XPU-8f2a-11"],
    argv: [...DEFAULT_HEAD, "--device=XPU-8f2a-11", "--utility", "--compute", ...TAIL],
  },
  {
    name: "a 30-character serial stays a string",
    env: ["CXPU_VISIBLE_DEVICES=123456789012345678901234567890-s"],
    argv: [
      ...DEFAULT_HEAD,
      "--device=123456789012345678901234567890-s",
      "--utility",
      "--compute",
      ...TAIL,
    ],
  },
  {
    name: "leading zeros of an index dropped",
    env: ["CXPU_VISIBLE_DEVICES=007,7"],
    argv: [...DEFAULT_HEAD, "--device=7", "--utility", "--compute", ...TAIL],
  },
  {
    name: "XPU_VISIBLE_DEVICES is the XPU runtime's: CXPU_ decides",
    env: ["XPU_VISIBLE_DEVICES=1", "CXPU_VISIBLE_DEVICES=3"],
    argv: [...DEFAULT_HEAD, "--device=3", "--utility", "--compute", ...TAIL],
  },
  {
    name: "XPU_VISIBLE_DEVICES accepted by the config when CXPU_ is unset",
    env: ["XPU_VISIBLE_DEVICES=1"],
    toml: "accept-xpu-visible-devices-envvar = true",
    argv: [...DEFAULT_HEAD, "--device=1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "XPU_ aliases for capabilities and requirements",
    env: ["CXPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=compute", "XPU_REQUIRE_A=a>1"],
    argv: [...DEFAULT_HEAD, "--device=0", "--require=a>1", "--compute", ...TAIL],
  },
  {
    name: "first duplicate env wins",
    env: ["CXPU_VISIBLE_DEVICES=1", "CXPU_VISIBLE_DEVICES=2"],
    argv: [...DEFAULT_HEAD, "--device=1", "--utility", "--compute", ...TAIL],
  },
  {
    name: "capability compute",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=compute"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compute", ...TAIL],
  },
  {
    name: "capabilities in the requested order",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=compat32,compute"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compat32", "--compute", ...TAIL],
  },
  {
    name: "capability all: the supported set",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=all"],
    argv: [...DEFAULT_HEAD, "--device=0", "--compute", "--compat32", "--utility", ...TAIL],
  },
  {
    name: "capability all with a narrower supported set",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=all"],
    toml: 'supported-driver-capabilities = "utility"',
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", ...TAIL],
  },
  {
    name: "empty capabilities: defaults",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES="],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "one requirement",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_REQUIRE_DRIVER=driver>=5.0"],
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
    env: [
      "CXPU_VISIBLE_DEVICES=0",
      "CXPU_REQUIRE_Z=z>1",
      "CXPU_REQUIRE_A=a>1",
      "CXPU_REQUIRE_M=m>1",
    ],
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
    name: "CXPU_DISABLE_REQUIRE",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_REQUIRE_A=a>1", "CXPU_DISABLE_REQUIRE=true"],
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "config disable-require",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_REQUIRE_A=a>1"],
    toml: "disable-require = true",
    argv: [...DEFAULT_HEAD, "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "root",
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
    env: ["CXPU_VISIBLE_DEVICES=0"],
    toml: '[xpu-container-cli]\nldconfig = ""',
    argv: ["--load-kmods", "configure", "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "no-cgroups",
    env: ["CXPU_VISIBLE_DEVICES=0"],
    toml: "[xpu-container-cli]\nno-cgroups = true",
    argv: [...DEFAULT_HEAD, "--no-cgroups", "--device=0", "--utility", "--compute", ...TAIL],
  },
  {
    name: "every global flag, in order",
    env: ["CXPU_VISIBLE_DEVICES=0"],
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
      "CXPU_VISIBLE_DEVICES=1,0-1",
      "CXPU_DRIVER_CAPABILITIES=utility,compat32",
      "CXPU_REQUIRE_B=b",
      "CXPU_REQUIRE_A=a",
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
    env: ["CXPU_VISIBLE_DEVICES=all"],
    toml:
      "accept-xpu-visible-devices-envvar-when-unprivileged = false\naccept-xpu-visible-devices-as-volume-mounts = true",
    argv: [...DEFAULT_HEAD, "--device=2", "--utility", "--compute", ...TAIL],
  },
  {
    name: "env entry without = is an empty value",
    env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES"],
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
  for (
    const env of [[], ["CXPU_VISIBLE_DEVICES=void"], ["CXPU_VISIBLE_DEVICES="], [
      "XPU_VISIBLE_DEVICES=0,1",
    ]]
  ) {
    assertEquals(deviceRequest({ process: { env } }, config), undefined);
  }
});

Deno.test("an unknown capability never reaches the cli", async () => {
  const { config } = await configFromString("");
  assertThrows(
    () =>
      deviceRequest({
        process: { env: ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=graphics"] },
      }, config),
    RequestError,
    '"graphics"',
  );
});

Deno.test("instanceArgv() creates and destroys with a 12-character instance id", async () => {
  const { config } = await configFromString('[xpu-container-cli]\nroot = "/r"');
  assertEquals(instanceArgv(config, "create", "0123456789abcdef", "1,2", 2n ** 31n, false), [
    "--root=/r",
    "--load-kmods",
    "cxpu",
    "--create",
    "--instance=0123456789ab",
    "--device=1,2",
    "--mmem=2147483648",
  ]);
  assertEquals(instanceArgv(config, "destroy", "short", "1,2", 2n ** 31n, true), [
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
