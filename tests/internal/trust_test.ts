import { assertEquals } from "../assert.ts";
import { distrust, ignoredWarning, untrustedReason } from "../../src/internal/trust.ts";
import { rootOnly, withTempDir } from "../helpers.ts";

// Directories are remembered within a process: each test makes its own, modes set before a check.

function file(path: string, mode: number): string {
  Deno.writeTextFileSync(path, "x");
  Deno.chmodSync(path, mode);
  return path;
}

function dir(path: string, mode: number): string {
  Deno.mkdirSync(path);
  Deno.chmodSync(path, mode);
  return path;
}

Deno.test("untrustedReason() accepts a file and directories only root may write, and a missing path", async () => {
  await withTempDir((tmp) => {
    const d = dir(`${tmp}/d`, 0o755);
    assertEquals(untrustedReason(file(`${d}/a`, 0o644)), undefined);
    assertEquals(untrustedReason(file(`${d}/b`, 0o600)), undefined);
    assertEquals(untrustedReason(d), undefined);
    assertEquals(untrustedReason(`${d}/missing`), undefined);
    assertEquals(untrustedReason(`${d}/missing/deeper`), undefined);
    assertEquals(untrustedReason(`${d}/a/not-a-dir`), undefined);
  });
});

Deno.test("untrustedReason() names the group and world write bits of the file and its mode", async () => {
  await withTempDir((tmp) => {
    const cases: [number, string][] = [
      [0o666, "it is writable by group and others (mode 0666)"],
      [0o646, "it is writable by others (mode 0646)"],
      [0o664, "it is writable by group (mode 0664)"],
      [0o4777, "it is writable by group and others (mode 4777)"],
    ];
    for (const [mode, reason] of cases) {
      assertEquals(untrustedReason(file(`${tmp}/f${mode.toString(8)}`, mode)), reason);
    }
    // The directory a caller reads is held to the file's rule: sticky does not make it safe.
    assertEquals(
      untrustedReason(dir(`${tmp}/sticky-itself`, 0o1777)),
      "it is writable by group and others (mode 1777)",
    );
  });
});

Deno.test("untrustedReason() takes a sticky ancestor like /tmp, not an open one", async () => {
  await withTempDir((tmp) => {
    const sticky = dir(`${tmp}/sticky`, 0o1777);
    assertEquals(untrustedReason(file(`${sticky}/a`, 0o644)), undefined);
    const open = dir(`${tmp}/open`, 0o777);
    Deno.mkdirSync(`${open}/sub`);
    const f = file(`${open}/sub/a`, 0o644);
    assertEquals(
      untrustedReason(f),
      `its directory "${open}" is writable by group and others (mode 0777)`,
    );
    assertEquals(
      untrustedReason(`${tmp}/sticky/../open/sub/./a`),
      `its directory "${open}" is writable by group and others (mode 0777)`,
    );
    const group = dir(`${tmp}/group`, 0o775);
    assertEquals(
      untrustedReason(file(`${group}/a`, 0o644)),
      `its directory "${group}" is writable by group (mode 0775)`,
    );
  });
});

Deno.test("untrustedReason() follows symlinks: the target and every directory on the way count", async () => {
  await withTempDir((tmp) => {
    const safe = dir(`${tmp}/safe`, 0o755);
    const open = dir(`${tmp}/open`, 0o777);
    const good = file(`${safe}/good`, 0o644);
    const bad = file(`${safe}/bad`, 0o666);
    Deno.symlinkSync(bad, `${safe}/to-bad`);
    assertEquals(
      untrustedReason(`${safe}/to-bad`),
      "it is writable by group and others (mode 0666)",
    );
    Deno.symlinkSync("good", `${safe}/to-good`);
    assertEquals(untrustedReason(`${safe}/to-good`), undefined);
    // A link others may replace, because its directory is open, is as bad as an open file.
    Deno.symlinkSync(good, `${open}/to-good`);
    assertEquals(
      untrustedReason(`${open}/to-good`),
      `its directory "${open}" is writable by group and others (mode 0777)`,
    );
    Deno.mkdirSync(`${open}/sub`);
    file(`${open}/sub/x`, 0o644);
    Deno.symlinkSync("../open/sub", `${safe}/via`);
    assertEquals(
      untrustedReason(`${safe}/via/x`),
      `its directory "${open}" is writable by group and others (mode 0777)`,
    );
    Deno.symlinkSync("loop", `${safe}/loop`);
    assertEquals(
      untrustedReason(`${safe}/loop`),
      "it cannot be checked: too many levels of symlinks",
    );
    assertEquals(untrustedReason(`${safe}/dangling`), undefined);
  });
});

Deno.test({
  name: "untrustedReason() rejects a file, directory or link owned by another user",
  ignore: rootOnly("chown"),
  fn: async () => {
    await withTempDir((tmp) => {
      const f = file(`${tmp}/theirs`, 0o644);
      Deno.chownSync(f, 1000, 1000);
      assertEquals(untrustedReason(f), "it is owned by uid 1000");
      const d = `${tmp}/their-dir`;
      Deno.mkdirSync(d);
      Deno.chownSync(d, 1000, 1000);
      assertEquals(
        untrustedReason(file(`${d}/a`, 0o644)),
        `its directory "${d}" is owned by uid 1000`,
      );
      // In a sticky directory the owner of a link may replace it.
      const sticky = dir(`${tmp}/sticky`, 0o1777);
      Deno.symlinkSync(file(`${tmp}/ours`, 0o644), `${sticky}/link`);
      const chown = new Deno.Command("chown", { args: ["-h", "1000:1000", `${sticky}/link`] });
      assertEquals(chown.outputSync().code, 0);
      assertEquals(
        untrustedReason(`${sticky}/link`),
        `its link "${sticky}/link" is owned by uid 1000`,
      );
    });
  },
});

Deno.test("ignoredWarning() says what is ignored, why, and how to fix it", () => {
  assertEquals(
    ignoredWarning("CDI spec", "/etc/cdi/x.yaml", "it is writable by others (mode 0646)"),
    'Ignoring CDI spec "/etc/cdi/x.yaml": it is writable by others (mode 0646); make it owned ' +
      "by root and not writable by group or others (chmod go-w)",
  );
  assertEquals(
    ignoredWarning("config", "/x/c.toml", 'its directory "/x" is owned by uid 1000'),
    'Ignoring config "/x/c.toml": its directory "/x" is owned by uid 1000; make that directory ' +
      "owned by root and not writable by group or others (chmod go-w)",
  );
  assertEquals(
    ignoredWarning("CSV spec", "/s/l.csv", 'its link "/s/l.csv" is owned by uid 7'),
    'Ignoring CSV spec "/s/l.csv": its link "/s/l.csv" is owned by uid 7; replace that link ' +
      "with one owned by root",
  );
});

Deno.test("distrust() is the warning for an untrusted path and undefined for a trusted one", async () => {
  await withTempDir((tmp) => {
    assertEquals(distrust("CSV spec", file(`${tmp}/ok.csv`, 0o644)), undefined);
    assertEquals(
      distrust("CSV spec", file(`${tmp}/open.csv`, 0o646)),
      `Ignoring CSV spec "${tmp}/open.csv": it is writable by others (mode 0646); make it owned ` +
        "by root and not writable by group or others (chmod go-w)",
    );
  });
});

Deno.test("untrustedReason() after a read: a path gone since is a problem, not a pass", async () => {
  await withTempDir((dir) => {
    assertEquals(untrustedReason(`${dir}/missing.toml`), undefined);
    assertEquals(
      untrustedReason(`${dir}/missing.toml`, undefined, true),
      "it was removed or replaced while it was read",
    );
    assertEquals(untrustedReason(file(`${dir}/c.toml`, 0o644), undefined, true), undefined);
  });
});
