import { assertEquals } from "../assert.ts";
import {
  deviceInfoFromPath,
  type NodeStat,
  parseXpuNode,
  parseXpuNodeName,
  splitDev,
  type Stat,
  xpuIndexOf,
} from "../../src/discover/xpu_nodes.ts";
import { MAX_INDEX } from "../../src/internal/xpu_index.ts";

const NAMES: [string, number | "ctrl" | undefined][] = [
  ["xpu0", 0],
  ["xpu7", 7],
  ["xpu10", 10],
  [`xpu${MAX_INDEX}`, MAX_INDEX],
  ["xpuctrl", "ctrl"],
  // The driver names its nodes xpu%d: no leading zero, no sign, no index past 2^20 - 1.
  ["xpu01", undefined],
  ["xpu00", undefined],
  ["xpu-1", undefined],
  ["xpu+1", undefined],
  [`xpu${MAX_INDEX + 1}`, undefined],
  ["xpu4294967296", undefined],
  ["xpu99999999999999999999", undefined],
  ["xpu", undefined],
  ["xpu1a", undefined],
  ["xpu 1", undefined],
  ["xpuctrl0", undefined],
  ["XPU0", undefined],
  ["nvidia0", undefined],
  ["", undefined],
];

for (const [name, node] of NAMES) {
  Deno.test(`parseXpuNodeName(${JSON.stringify(name)}) is ${node}`, () => {
    assertEquals(parseXpuNodeName(name), node);
  });
}

Deno.test("parseXpuNode() reads container paths directly in /dev only", () => {
  assertEquals(parseXpuNode("/dev/xpu3"), 3);
  assertEquals(parseXpuNode("/dev/xpuctrl"), "ctrl");
  assertEquals(parseXpuNode("/dev/xpu01"), undefined);
  assertEquals(parseXpuNode("/dev/dri/xpu0"), undefined);
  assertEquals(parseXpuNode("/dev//xpu0"), undefined);
  assertEquals(parseXpuNode("/host/dev/xpu0"), undefined);
  assertEquals(parseXpuNode("xpu0"), undefined);
  assertEquals(xpuIndexOf("/dev/xpu12"), 12);
  assertEquals(xpuIndexOf("/dev/xpuctrl"), undefined);
});

Deno.test("splitDev() reads Linux's dev_t, minors past 255 included", () => {
  assertEquals(splitDev((240 << 8) | 3), { major: 240, minor: 3 });
  // Minor 0x12345: low byte in bits 0-7, the rest from bit 20 (glibc's makedev).
  assertEquals(splitDev((0x123 << 20) | (240 << 8) | 0x45), { major: 240, minor: 0x12345 });
});

/** A fake stat: what each path is, as Deno.lstatSync would answer; others do not exist. */
function fakeStat(files: Record<string, Partial<NodeStat> | Error>): Stat {
  return (path) => {
    const file = files[path];
    if (file === undefined) throw new Deno.errors.NotFound(`No such file: lstat '${path}'`);
    if (file instanceof Error) throw file;
    return {
      isFile: false,
      isDirectory: false,
      isSymlink: false,
      isCharDevice: false,
      isBlockDevice: false,
      isFifo: false,
      isSocket: false,
      rdev: 0,
      mode: 0,
      ...file,
    };
  };
}

const STAT = fakeStat({
  "/dev/xpu0": { isCharDevice: true, rdev: (240 << 8) | 0, mode: 0o20666 },
  "/dev/xpu1": { isCharDevice: true, rdev: (240 << 8) | 1, mode: 0o20660 },
  "/dev/sda": { isBlockDevice: true, rdev: (8 << 8) | 0, mode: 0o60640 },
  "/run/fifo": { isFifo: true, rdev: 0, mode: 0o10600 },
  "/dev/xpu2": { isFile: true, mode: 0o100644 },
  "/dev/xpu3": { isDirectory: true, mode: 0o40755 },
  "/dev/xpu4": { isSymlink: true, mode: 0o120777 },
  "/run/sock": { isSocket: true, mode: 0o140755 },
  "/dev/xpu5": { isCharDevice: true, rdev: (240 << 8) | 5, mode: null },
  "/secret/xpu0": new Deno.errors.PermissionDenied("Permission denied: lstat '/secret/xpu0'"),
  "/dev/xpu0/x": new Deno.errors.NotADirectory("Not a directory: lstat '/dev/xpu0/x'"),
});

const INFO: [string, ReturnType<typeof deviceInfoFromPath>][] = [
  ["/dev/xpu0", { type: "c", major: 240, minor: 0, fileMode: 0o666 }],
  ["/dev/xpu1", { type: "c", major: 240, minor: 1, fileMode: 0o660 }],
  ["/dev/sda", { type: "b", major: 8, minor: 0, fileMode: 0o640 }],
  ["/run/fifo", { type: "p", major: 0, minor: 0, fileMode: 0o600 }],
  ["/dev/xpu5", { type: "c", major: 240, minor: 5, fileMode: 0o666 }],
  ["/dev/xpu2", "it is a regular file, not a device"],
  ["/dev/xpu3", "it is a directory, not a device"],
  ["/dev/xpu4", "it is a symbolic link, not a device"],
  ["/run/sock", "it is a socket, not a device"],
  ["/dev/missing", "it does not exist"],
  ["/dev/xpu0/x", "it does not exist"],
  ["/secret/xpu0", "Permission denied: lstat '/secret/xpu0'"],
];

for (const [path, info] of INFO) {
  Deno.test(`deviceInfoFromPath(${JSON.stringify(path)}) with a fake stat`, () => {
    assertEquals(deviceInfoFromPath(path, STAT), info);
  });
}

Deno.test("deviceInfoFromPath() looks at the link itself unless told to follow it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.symlinkSync("/dev/null", `${dir}/null`);
    assertEquals(deviceInfoFromPath(`${dir}/null`), "it is a symbolic link, not a device");
    const followed = deviceInfoFromPath(`${dir}/null`, Deno.statSync);
    assertEquals(typeof followed === "string" ? followed : [followed.type, followed.major], [
      "c",
      1,
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
