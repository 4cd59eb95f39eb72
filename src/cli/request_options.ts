/**
 * The command-line options that stand for request variables (xpu-docker's, some of xpu-ctk
 * run's): the variable each sets and the check its value gets, the runtime's own parser, so a bad
 * value is a usage error before anything runs.
 * @module
 */

import {
  ALLOCATION_WAIT,
  ALLOW_OVERSUBSCRIPTION,
  DEVICE_COUNT,
  ENVIRONMENT_ID,
  MEMORY_LIMIT,
  MOUNT_DEVICE_LOCKS,
  VISIBLE_DEVICES,
} from "../config/variables.ts";
import { ENVIRONMENT_ID_RULE, isEnvironmentId } from "../alloc/model.ts";
import { parseCount, parseWait } from "../modes/allocation.ts";
import { parseDeviceList, parseMemorySize, RequestError } from "../modes/request.ts";
import { quote } from "../internal/quote.ts";

/** An option that sets a request variable from its value, checked as the runtime will. */
export interface ValueOption {
  readonly variable: string;
  readonly value: string;
  readonly help: string;
  /** Throws RequestError for a value the runtime would refuse. */
  readonly check: (value: string, option: string) => void;
}

/** The request options that take a value, by their xpu-docker names. */
export const VALUE_OPTIONS: Readonly<Record<string, ValueOption>> = {
  "--xpus": {
    variable: VISIBLE_DEVICES,
    value: "LIST",
    help: "These devices, e.g. 0,2",
    check: (value, option) => void parseDeviceList(value, option),
  },
  "--xpu-count": {
    variable: DEVICE_COUNT.name,
    value: "N",
    help: "N devices, picked among the free ones",
    check: (value, name) => void parseCount({ name, value }),
  },
  "--xpu-memory": {
    variable: MEMORY_LIMIT.name,
    value: "SIZE",
    help: "XPU memory limit, e.g. 8g; devices are shared by it",
    check: (value, option) => void parseMemorySize(value, option),
  },
  "--eid": {
    variable: ENVIRONMENT_ID.name,
    value: "ID",
    help: "Containers with the same ID share devices",
    check: (value, option) => {
      if (isEnvironmentId(value)) return;
      const why = `expected ${ENVIRONMENT_ID_RULE}`;
      // deno-lint-ignore xpu-messages/values-quoted -- an option's name
      throw new RequestError(`Invalid ${option} ${quote(value)}: ${why}`);
    },
  },
  "--wait": {
    variable: ALLOCATION_WAIT.name,
    value: "DUR",
    help: "Wait up to DUR (30s, 2m) for free devices",
    check: (value, name) => void parseWait({ name, value }),
  },
};

/** The request options `--[no-]NAME`: the variable each sets to 1 or 0. */
export const FLAG_OPTIONS: Readonly<Record<string, { variable: string; help: string }>> = {
  "over-subscribe": {
    variable: ALLOW_OVERSUBSCRIPTION.name,
    help: "Use busy devices when too few are free",
  },
  "device-locks": {
    variable: MOUNT_DEVICE_LOCKS.name,
    help: "Mount the devices' lock files (for flock)",
  },
};
