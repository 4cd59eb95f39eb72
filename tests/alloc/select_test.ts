import { assertEquals } from "../assert.ts";
import { type Ask, choose, isRefusal } from "../../src/alloc/select.ts";
import type { Device, Holding } from "../../src/alloc/model.ts";

const G = 1024n ** 3n;
const T0 = "2025-01-02T03:04:05.678Z";

const devices = (n: number, memory?: bigint): Device[] =>
  Array.from({ length: n }, (_, index) => ({ index, memory }));

const held = (
  container: string,
  devs: number[],
  memory?: bigint,
  extra: Partial<Holding> = {},
): Holding => ({
  container,
  environment: container,
  devices: devs,
  memory,
  explicit: false,
  since: T0,
  ...extra,
});

const ask = (extra: Partial<Ask> = {}): Ask => ({
  container: "new",
  environment: "new",
  count: 1,
  memory: undefined,
  oversubscribe: false,
  ...extra,
});

interface Row {
  readonly name: string;
  readonly devices: Device[];
  readonly holdings: Holding[];
  readonly ask: Ask;
  /** The devices chosen, or the refusal's message. */
  readonly want: number[] | string;
  readonly oversubscribed?: number[];
  readonly joined?: boolean;
  readonly waitingHelps?: boolean;
}

const ROWS: Row[] = [
  {
    name: "exclusive: the first free device in index order",
    devices: devices(3),
    holdings: [held("a", [0])],
    ask: ask(),
    want: [1],
  },
  {
    name: "exclusive: two devices",
    devices: devices(4),
    holdings: [held("a", [1])],
    ask: ask({ count: 2 }),
    want: [0, 2],
  },
  {
    name: "exclusive: a device shared by memory is not free",
    devices: devices(2, 16n * G),
    holdings: [held("a", [0], 1n * G)],
    ask: ask(),
    want: [1],
  },
  {
    name: "exclusive: none free names each holder",
    devices: devices(2),
    holdings: [held("a", [0]), held("b", [1], undefined, { since: "2025-01-02T04:00:00.000Z" })],
    ask: ask(),
    want:
      "No XPU free: 1 requested, 0 free (xpu0 held by a since 2025-01-02T03:04:05Z; xpu1 held by b since 2025-01-02T04:00:00Z)",
    waitingHelps: true,
  },
  {
    name: "exclusive: the message of the issue",
    devices: devices(2),
    holdings: [held("c1", [0])],
    ask: ask({ count: 2 }),
    want: "No XPU free: 2 requested, 1 free (xpu0 held by c1 since 2025-01-02T03:04:05Z)",
  },
  {
    name: "more than the host has: waiting does not help",
    devices: devices(2),
    holdings: [],
    ask: ask({ count: 3, oversubscribe: true }),
    want: "3 XPUs requested, and the host has 2",
    waitingHelps: false,
  },
  {
    name: "packing: a device with room is taken before an empty one",
    devices: devices(2, 16n * G),
    holdings: [held("a", [0], 8n * G)],
    ask: ask({ memory: 8n * G }),
    want: [0],
  },
  {
    name: "packing: a full device is skipped",
    devices: devices(2, 16n * G),
    holdings: [held("a", [0], 8n * G), held("b", [0], 4n * G)],
    ask: ask({ memory: 8n * G }),
    want: [1],
  },
  {
    name: "packing: an exclusive holder leaves no room",
    devices: devices(2, 16n * G),
    holdings: [held("a", [0])],
    ask: ask({ memory: 1n * G }),
    want: [1],
  },
  {
    name: "packing: per-device memory",
    devices: [{ index: 0, memory: 4n * G }, { index: 1, memory: 32n * G }],
    holdings: [],
    ask: ask({ memory: 8n * G }),
    want: [1],
  },
  {
    name: "packing: a device of unknown memory is never shared",
    devices: [{ index: 0, memory: undefined }, { index: 1, memory: 8n * G }],
    holdings: [],
    ask: ask({ memory: 8n * G }),
    want: [1],
  },
  {
    name: "packing: no room reports used and total memory",
    devices: devices(1, 16n * G),
    holdings: [held("a", [0], 12n * G)],
    ask: ask({ memory: 8n * G }),
    want:
      "No XPU free: 1 requested with 8 GiB each, 0 free (xpu0 held by a since 2025-01-02T03:04:05Z (12 GiB of 16 GiB used))",
    waitingHelps: true,
  },
  {
    name: "packing: larger than every device, waiting does not help",
    devices: devices(2, 16n * G),
    holdings: [],
    ask: ask({ memory: 32n * G }),
    want: "No XPU free: 1 requested with 32 GiB each, 0 free (xpu0 free; xpu1 free)",
    waitingHelps: false,
  },
  {
    name: "packing: unknown memory everywhere names the config key",
    devices: devices(2),
    holdings: [],
    ask: ask({ memory: 1n * G }),
    want:
      "XPUs are shared by memory, and the memory of the host's XPUs is unknown: set [xpu-allocator] device-memory",
    waitingHelps: false,
  },
  {
    name: "sharing: the environment's devices, even when busy",
    devices: devices(2),
    holdings: [held("a", [1], undefined, { environment: "job" })],
    ask: ask({ environment: "job" }),
    want: [1],
    joined: true,
  },
  {
    name: "sharing: a count other than the environment's is refused",
    devices: devices(3),
    holdings: [held("a", [1], undefined, { environment: "job" })],
    ask: ask({ environment: "job", count: 2 }),
    want: '2 XPUs requested, and environment "job" holds 1 (xpu1)',
    waitingHelps: false,
  },
  {
    name: "sharing: memory counts once per environment",
    devices: devices(2, 16n * G),
    holdings: [
      held("a", [0], 8n * G, { environment: "job" }),
      held("b", [0], 8n * G, { environment: "job" }),
    ],
    ask: ask({ memory: 8n * G }),
    want: [0],
  },
  {
    name: "sharing: a larger share must still fit",
    devices: devices(1, 16n * G),
    holdings: [held("a", [0], 4n * G, { environment: "job" }), held("b", [0], 8n * G)],
    ask: ask({ environment: "job", memory: 12n * G }),
    want:
      "No XPU free: 1 requested with 12 GiB each, 0 free (xpu0 held by b since 2025-01-02T03:04:05Z, job since 2025-01-02T03:04:05Z (12 GiB of 16 GiB used))",
  },
  {
    name: "the container's own earlier holding does not count",
    devices: devices(1),
    holdings: [held("new", [0])],
    ask: ask(),
    want: [0],
  },
  {
    name: "over-subscription: free ones first, then the least loaded",
    devices: devices(3),
    holdings: [
      held("a", [0]),
      held("b", [0]),
      held("c", [1]),
    ],
    ask: ask({ count: 2, oversubscribe: true }),
    want: [1, 2],
    oversubscribed: [1],
  },
  {
    name: "over-subscription: fewest environments, then least memory, then index",
    devices: devices(3, 16n * G),
    holdings: [
      held("a", [0], 16n * G),
      held("b", [1], 10n * G),
      held("c", [2], 12n * G),
    ],
    ask: ask({ memory: 8n * G, oversubscribe: true }),
    want: [1],
    oversubscribed: [1],
  },
  {
    name: "over-subscription: not used while enough are free",
    devices: devices(2),
    holdings: [],
    ask: ask({ count: 2, oversubscribe: true }),
    want: [0, 1],
    oversubscribed: [],
  },
  {
    name: "explicit lists are held: counts avoid them",
    devices: devices(3),
    holdings: [held("x", [0, 1], undefined, { explicit: true })],
    ask: ask(),
    want: [2],
  },
  {
    name: "explicit lists are held: memory shares count",
    devices: devices(2, 16n * G),
    holdings: [held("x", [0], 12n * G, { explicit: true })],
    ask: ask({ memory: 8n * G }),
    want: [1],
  },
  {
    name: "ordering: unsorted devices and holdings give the same answer",
    devices: [...devices(4)].reverse(),
    holdings: [held("b", [2]), held("a", [0])],
    ask: ask({ count: 2 }),
    want: [1, 3],
  },
];

for (const row of ROWS) {
  Deno.test(`choose(): ${row.name}`, () => {
    const got = choose(row.devices, row.holdings, row.ask);
    if (typeof row.want === "string") {
      if (!isRefusal(got)) throw new Error(`Expected a refusal, got ${JSON.stringify(got)}`);
      assertEquals(got.problem, row.want);
      if (row.waitingHelps !== undefined) assertEquals(got.waitingHelps, row.waitingHelps);
      return;
    }
    if (isRefusal(got)) throw new Error(`Expected devices, got "${got.problem}"`);
    assertEquals(got.devices, row.want);
    assertEquals(got.joined, row.joined ?? false);
    if (row.oversubscribed) assertEquals(got.oversubscribed, row.oversubscribed);
  });
}

Deno.test("choose() is deterministic: the same input gives the same answer every time", () => {
  const hs = [held("a", [0], 2n * G), held("b", [1], 4n * G), held("c", [0], 2n * G)];
  const first = JSON.stringify(choose(devices(3, 8n * G), hs, ask({ memory: 4n * G, count: 2 })));
  for (let i = 0; i < 20; i++) {
    const shuffled = [...hs].sort(() => Math.random() - 0.5);
    assertEquals(
      JSON.stringify(choose(devices(3, 8n * G), shuffled, ask({ memory: 4n * G, count: 2 }))),
      first,
    );
  }
});
