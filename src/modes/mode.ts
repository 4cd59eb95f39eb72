/**
 * What a mode is: an ordered list of named steps, each reading the container and the host and
 * returning the changes it makes to the spec; and the request steps every create runs before
 * the mode is chosen. The modes themselves are chosen in factory.ts; modify_spec.ts runs the
 * steps.
 * @module
 */

import type { Config, Mode } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import type { ContainerEdits, SpecChanges } from "../edits/edits.ts";
import type { MessageLog } from "../internal/log.ts";
import type { DeviceRequest } from "./request.ts";
import type { HostProbe } from "./resolve.ts";

/** The name of a mode (what `auto` resolves to). */
export type ModeName = Exclude<Mode, "auto">;

/** What the toolkit knows of a mode without loading its code. */
export interface ModeInfo {
  readonly name: ModeName;
  /**
   * How the mode gives devices: `cli`, xpu-container-cli run by the prestart hook (so every
   * container needs the cli, and the OCI hook alone, e.g. podman's hooks.d, can carry the mode
   * out), or `spec`, edits to the spec, which only the shim (or the engine's CDI) can make.
   */
  readonly devicesBy: "cli" | "spec";
  /** True when a container may ask for the mode's devices by annotations alone (cdi). */
  readonly acceptsAnnotations: boolean;
  /** The mode's steps, in order; a mode's code is loaded when its steps are first asked for. */
  steps(): Promise<readonly Step[]>;
}

/** What the steps need to know of the runtime call besides the config and the spec. */
export interface Caller {
  /** The bundle directory (a relative `root.path` is relative to it). */
  readonly bundle: string;
  /** The spec file, as messages name it. */
  readonly specPath: string;
  readonly containerId: string | undefined;
  /** The config file injected hooks must be told about, when it is not the default one. */
  readonly hookConfigPath: string | undefined;
  /** The caller's PATH, for finding binaries. */
  readonly path: string | undefined;
  /** argv[0] of this process, to find the binaries beside it. */
  readonly argv0: string;
  /** Where the steps' messages go: the runtime's logger, or a test's list. */
  readonly log: MessageLog;
  /** The low-level runtime's state directory, where the allocator sees which containers live. */
  readonly runtimeRoot: string;
  /** The low-level runtime runs the container rootless (undefined: it does not). */
  readonly rootless?: boolean;
}

/** What a request step reads: the container as the engine wrote it. */
export interface RequestStepInput {
  readonly config: Config;
  readonly spec: Spec;
  readonly caller: Caller;
}

/** What a request step returns: its changes to the spec, and what they gave the container. */
export interface RequestStepResult extends SpecChanges {
  /** The container now holds devices the allocator chose: its poststop hook releases them. */
  readonly allocated?: boolean;
}

/**
 * A named step every create runs before its mode is chosen, because what it changes decides
 * what the container asks for (the allocation writes the devices it chose into the spec).
 */
export interface RequestStep {
  /** The step's name, for tests and messages: `allocate`. */
  readonly name: string;
  /** Throws (RequestError for the container's request) when the container cannot be set up. */
  run(input: RequestStepInput): RequestStepResult | Promise<RequestStepResult>;
}

/** What a step reads. */
export interface StepInput {
  readonly config: Config;
  /** The spec as the earlier steps left it (steps only read it: they return their changes). */
  readonly spec: Spec;
  /** The edits the earlier steps made, merged in order (in `spec` already). */
  readonly added: ContainerEdits;
  /** What the container asks for; undefined only in a mode that accepts annotations. */
  readonly request: DeviceRequest | undefined;
  /** True when a request step gave the container devices the allocator chose. */
  readonly allocated: boolean;
  readonly mode: ModeInfo;
  readonly host: HostProbe;
  readonly caller: Caller;
}

/** What a step returns: its changes to the spec, or that the container needs nothing. */
export interface StepResult extends SpecChanges {
  /** Why the container needs nothing after all; its spec is then left exactly as it was. */
  readonly nothingToDo?: string;
}

/** One named step of a mode. */
export interface Step {
  /** The step's name, for tests and messages: `removeOurHooks`, `csv`, `memoryInstance`. */
  readonly name: string;
  /** Throws (RequestError for the container's request) when the container cannot be set up. */
  run(input: StepInput): StepResult | Promise<StepResult>;
}

/** True when every container of `mode` needs xpu-container-cli (its prestart hook runs it). */
export function needsCli(mode: ModeInfo): boolean {
  return mode.devicesBy === "cli";
}

/** True when the OCI hook alone can carry `mode` out, without the shim editing the spec. */
export function hookCanCarryOut(mode: ModeInfo): boolean {
  return mode.devicesBy === "cli";
}
