/**
 * Checking a CDI spec by the CDI rules; every problem names the field it is about.
 * @module
 */

import { deviceNameProblem, kindProblem } from "../internal/cdi_names.ts";
import { envAssignment } from "../internal/env.ts";
import { CDI_VERSIONS, type CdiSpec, compareVersions } from "./spec.ts";
import { minimumVersion } from "./version.ts";
import { HOOK_POINTS } from "../oci/spec.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Checker {
  readonly problems: string[] = [];

  add(field: string, message: string): void {
    this.problems.push(`${field}: ${message}`);
  }

  fields(value: Obj, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(field ? `${field}.${key}` : key, "unknown field");
    }
  }

  string(value: unknown, field: string, required: boolean): value is string {
    if (value === undefined) {
      if (required) this.add(field, "missing");
      return false;
    }
    if (typeof value !== "string") {
      this.add(field, `expected a string, found ${JSON.stringify(value)}`);
      return false;
    }
    return true;
  }

  absolute(value: unknown, field: string, required: boolean): void {
    if (this.string(value, field, required) && !value.startsWith("/")) {
      this.add(field, `"${value}" is not an absolute path`);
    }
  }

  integer(value: unknown, field: string, min: number): void {
    if (value === undefined) return;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      this.add(field, `expected an integer of at least ${min}, found ${JSON.stringify(value)}`);
    }
  }

  strings(value: unknown, field: string): value is string[] {
    if (value === undefined) return false;
    if (!Array.isArray(value)) {
      this.add(field, "expected an array of strings");
      return false;
    }
    let ok = true;
    value.forEach((v, i) => {
      if (typeof v !== "string") {
        this.add(`${field}[${i}]`, `expected a string, found ${JSON.stringify(v)}`);
        ok = false;
      }
    });
    return ok;
  }

  env(value: unknown, field: string): void {
    if (!this.strings(value, field)) return;
    value.forEach((e, i) => {
      if (envAssignment(e) === undefined) {
        this.add(`${field}[${i}]`, `"${e}" is not of the form KEY=VALUE`);
      }
    });
  }

  annotations(value: unknown, field: string): void {
    if (value === undefined) return;
    if (!isObj(value)) return this.add(field, "expected a map of strings");
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") {
        this.add(`${field}.${k}`, `expected a string, found ${JSON.stringify(v)}`);
      }
    }
  }

  list(value: unknown, field: string, each: (item: Obj, field: string) => void): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) return this.add(field, "expected an array");
    value.forEach((item, i) => {
      if (isObj(item)) each(item, `${field}[${i}]`);
      else this.add(`${field}[${i}]`, "expected an object");
    });
  }

  edits(value: unknown, field: string): boolean {
    if (!isObj(value)) {
      this.add(field, "expected an object");
      return false;
    }
    this.fields(value, field, [
      "env",
      "deviceNodes",
      "mounts",
      "hooks",
      "additionalGids",
      "intelRdt",
      "netDevices",
    ]);
    this.env(value.env, `${field}.env`);
    this.list(value.deviceNodes, `${field}.deviceNodes`, (n, f) => {
      this.fields(n, f, [
        "path",
        "hostPath",
        "type",
        "major",
        "minor",
        "fileMode",
        "permissions",
        "uid",
        "gid",
      ]);
      this.absolute(n.path, `${f}.path`, true);
      this.absolute(n.hostPath, `${f}.hostPath`, false);
      if (this.string(n.type, `${f}.type`, false) && !["b", "c", "u", "p"].includes(n.type)) {
        this.add(`${f}.type`, `"${n.type}" is not a device type (b, c, u or p)`);
      }
      if (
        this.string(n.permissions, `${f}.permissions`, false) && !/^[rwm]+$/.test(n.permissions)
      ) {
        this.add(`${f}.permissions`, `"${n.permissions}" is not a combination of r, w and m`);
      }
      for (const k of ["major", "minor", "fileMode", "uid", "gid"]) {
        this.integer(n[k], `${f}.${k}`, 0);
      }
    });
    this.list(value.mounts, `${field}.mounts`, (m, f) => {
      this.fields(m, f, ["hostPath", "containerPath", "type", "options"]);
      this.absolute(m.hostPath, `${f}.hostPath`, true);
      this.absolute(m.containerPath, `${f}.containerPath`, true);
      this.string(m.type, `${f}.type`, false);
      this.strings(m.options, `${f}.options`);
    });
    this.list(value.hooks, `${field}.hooks`, (h, f) => {
      this.fields(h, f, ["hookName", "path", "args", "env", "timeout"]);
      if (
        this.string(h.hookName, `${f}.hookName`, true) &&
        !(HOOK_POINTS as readonly string[]).includes(h.hookName)
      ) {
        this.add(`${f}.hookName`, `"${h.hookName}" is not an OCI hook (${HOOK_POINTS.join(", ")})`);
      }
      this.absolute(h.path, `${f}.path`, true);
      this.strings(h.args, `${f}.args`);
      this.env(h.env, `${f}.env`);
      this.integer(h.timeout, `${f}.timeout`, 1);
    });
    if (value.additionalGids !== undefined) {
      if (!Array.isArray(value.additionalGids)) {
        this.add(`${field}.additionalGids`, "expected an array of integers");
      } else {value.additionalGids.forEach((g, i) =>
          this.integer(g, `${field}.additionalGids[${i}]`, 0)
        );}
    }
    if (value.intelRdt !== undefined && !isObj(value.intelRdt)) {
      this.add(`${field}.intelRdt`, "expected an object");
    }
    this.list(value.netDevices, `${field}.netDevices`, (d, f) => {
      this.fields(d, f, ["hostInterfaceName", "name"]);
      this.string(d.hostInterfaceName, `${f}.hostInterfaceName`, true);
      this.string(d.name, `${f}.name`, true);
    });
    return ["env", "deviceNodes", "mounts", "hooks", "additionalGids", "intelRdt", "netDevices"]
      .some((k) => {
        const v = value[k];
        return Array.isArray(v) ? v.length > 0 : v !== undefined;
      });
  }
}

/** Every problem of `doc` as a CDI spec, each `field: message`; empty when it is valid. */
export function validateSpec(doc: unknown): string[] {
  const c = new Checker();
  if (!isObj(doc)) {
    c.add("(document)", "expected a mapping with cdiVersion, kind and devices");
    return c.problems;
  }
  c.fields(doc, "", ["cdiVersion", "kind", "annotations", "devices", "containerEdits"]);
  let version: string | undefined;
  if (c.string(doc.cdiVersion, "cdiVersion", true)) {
    if (CDI_VERSIONS.includes(doc.cdiVersion)) version = doc.cdiVersion;
    else {c.add(
        "cdiVersion",
        `unknown version "${doc.cdiVersion}" (known: ${CDI_VERSIONS.join(", ")})`,
      );}
  }
  if (c.string(doc.kind, "kind", true)) {
    const problem = kindProblem(doc.kind);
    if (problem) c.add("kind", problem);
  }
  c.annotations(doc.annotations, "annotations");
  if (doc.containerEdits !== undefined) c.edits(doc.containerEdits, "containerEdits");
  if (!Array.isArray(doc.devices) || doc.devices.length === 0) {
    c.add("devices", "a spec needs at least one device");
  } else {
    const seen = new Map<string, number>();
    doc.devices.forEach((d, i) => {
      const f = `devices[${i}]`;
      if (!isObj(d)) return c.add(f, "expected an object");
      c.fields(d, f, ["name", "annotations", "containerEdits"]);
      if (c.string(d.name, `${f}.name`, true)) {
        const problem = deviceNameProblem(d.name);
        if (problem) c.add(`${f}.name`, problem);
        if (seen.has(d.name)) {
          c.add(`${f}.name`, `"${d.name}" is also devices[${seen.get(d.name)}]`);
        } else seen.set(d.name, i);
      }
      c.annotations(d.annotations, `${f}.annotations`);
      if (d.containerEdits === undefined) c.add(`${f}.containerEdits`, "missing");
      else if (!c.edits(d.containerEdits, `${f}.containerEdits`)) {
        c.add(
          `${f}.containerEdits`,
          "a device must edit something (env, deviceNodes, mounts, hooks…)",
        );
      }
    });
  }
  if (version && c.problems.length === 0) {
    const needed = minimumVersion(doc as unknown as CdiSpec);
    if (compareVersions(needed.version, version) > 0) {
      c.add(
        "cdiVersion",
        `"${version}" is too old for this content: ${
          needed.reasons.join(", ")
        } need ${needed.version}`,
      );
    }
  }
  return c.problems;
}
