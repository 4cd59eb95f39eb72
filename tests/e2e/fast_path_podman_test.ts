/**
 * Podman's containers through the runtime's fast path: conmon runs the runtime's create with
 * SIGPIPE ignored, which the front hands on reset through env(1) once the shim has found that env
 * does so. A container that asks for nothing then lives without a Deno start, its create included.
 * @module
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { configEnv, q, withTempDir } from "../helpers.ts";
import { cleanUp, IMAGE, importImage, podman, podmanUnavailable, RUN_FLAGS } from "./podman.ts";
import { countingBuild, settle } from "../runtime/fast_path.ts";
import { DECISION_DIR_ENV, DECISION_FILE } from "../../src/runtime/decision.ts";
import { ENV_RECORD_FILE } from "../../src/runtime/env_signal.ts";

Deno.test({
  name: "podman: a container that asks for nothing starts no Deno once decided, create included",
  ignore: podmanUnavailable(),
  fn: () =>
    withTempDir(async (dir) => {
      await importImage(dir);
      try {
        const build = await countingBuild(`${dir}/build`);
        const { XDG_CONFIG_HOME } = configEnv(`${dir}/xdg`, `[xpu-container-runtime]\n`);
        // Podman hands the runtime none of its caller's variables: a wrapper names the config
        // and the decision's directory (sh passes an ignored SIGPIPE on as it got it).
        const wrapper = `${dir}/runtime`;
        Deno.writeTextFileSync(
          wrapper,
          `#!/bin/sh\nexport XDG_CONFIG_HOME=${q(XDG_CONFIG_HOME!)} ${DECISION_DIR_ENV}=${
            q(`${dir}/decisions`)
          } PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n` +
            `exec ${q(`${build.bin}/xpu-container-runtime`)} "$@"\n`,
        );
        Deno.chmodSync(wrapper, 0o755);
        await settle();
        const life = async () => {
          const before = build.starts();
          const out = await podman(dir, [
            "--runtime",
            wrapper,
            "run",
            ...RUN_FLAGS,
            IMAGE,
            "echo",
            "lived",
          ]);
          assertEquals([out.code, out.stdout], [0, "lived\n"], out.stderr);
          return build.starts() - before;
        };
        // The first container's calls go to the shim until it has decided.
        assertEquals((await life()) > 0, true);
        Deno.statSync(`${dir}/decisions/${DECISION_FILE}`);
        assertMatch(
          Deno.readTextFileSync(`${dir}/decisions/${ENV_RECORD_FILE}`),
          /\ndefault-signal yes\n$/,
        );
        assertEquals(await life(), 0);
        assertEquals(await life(), 0);
      } finally {
        await cleanUp(dir);
      }
    }),
});
