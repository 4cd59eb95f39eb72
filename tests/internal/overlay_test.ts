import { assertEquals, assertThrows, assertTrue } from "../assert.ts";
import { mountsUnder, rootOnly, withTempDir } from "../helpers.ts";
import { mountOverlay, overlayPath } from "../../src/internal/overlay.ts";

Deno.test("overlayPath() escapes what separates overlayfs options and layers", () => {
  assertEquals(overlayPath("/a/b"), "/a/b");
  assertEquals(overlayPath("/a,b:c\\d"), "/a\\,b\\:c\\\\d");
});

Deno.test({
  name: "mountOverlay() takes writes over a directory with , : and \\ in its name; close undoes it",
  ignore: rootOnly("mounting an overlay needs root"),
  fn: async () => {
    await withTempDir((dir) => {
      const lower = `${dir}/low,er:dir\\x`;
      Deno.mkdirSync(`${lower}/etc`, { recursive: true, mode: 0o750 });
      Deno.chmodSync(lower, 0o751);
      Deno.writeTextFileSync(`${lower}/etc/a`, "a");
      Deno.mkdirSync(`${dir}/work,1`);
      const overlay = mountOverlay(lower, `${dir}/work,1`);
      Deno.writeTextFileSync(`${overlay.root}/etc/a`, "changed");
      Deno.writeTextFileSync(`${overlay.root}/new`, "new");
      assertEquals(Deno.readTextFileSync(`${overlay.root}/etc/a`), "changed");
      assertEquals(Deno.statSync(overlay.root).mode! & 0o7777, 0o751);
      assertEquals(Deno.readTextFileSync(`${lower}/etc/a`), "a");
      assertEquals([...Deno.readDirSync(lower)].map((e) => e.name), ["etc"]);
      assertEquals(mountsUnder(dir).length, 2);
      assertEquals(overlay.close(), []);
      assertEquals(mountsUnder(dir), []);
      assertEquals(overlay.close(), [], "a second close finds nothing to do");
    });
  },
});

Deno.test({
  name: "mountOverlay() names the directory it cannot cover, and leaves no mount",
  ignore: rootOnly("mounting an overlay needs root"),
  fn: async () => {
    await withTempDir((dir) => {
      Deno.writeTextFileSync(`${dir}/file`, "");
      for (
        const [lower, why] of [
          [`${dir}/none`, "no such directory"],
          [`${dir}/file`, "not a directory"],
          ["/proc", "Invalid argument"],
        ]
      ) {
        const work = Deno.makeTempDirSync({ dir });
        const e = assertThrows(() => mountOverlay(lower!, work), Error);
        assertEquals(e.message, `Cannot mount an overlay over "${lower}": ${why}`);
      }
      assertTrue(mountsUnder(dir).length === 0, mountsUnder(dir).join(", "));
    });
  },
});
