/**
 * What modifying a bundle needs besides the config. Its own file so the mode modules that
 * modify.ts loads need not import modify.ts back.
 * @module
 */

import type { Logger } from "../internal/log.ts";

/** What modifyBundle needs besides the config. */
export interface ModifyContext {
  readonly bundle: string;
  readonly containerId: string | undefined;
  /** The config file injected hooks must be told about, when it is not the default one. */
  readonly hookConfigPath: string | undefined;
  /** The caller's PATH, for finding binaries. */
  readonly path: string | undefined;
  /** argv[0] of this process, to find the xpu-ctk beside it. */
  readonly argv0: string;
  readonly log: Logger;
  /** The low-level runtime's state directory, where it records the container's process. */
  readonly runtimeRoot: string;
}
