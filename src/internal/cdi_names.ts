/**
 * CDI names: kinds (`vendor/class`) and fully-qualified device names (`vendor/class=name`).
 * @module
 */

const LETTER = /[A-Za-z]/;
const ALNUM = /[A-Za-z0-9]/;

/** Why a vendor or class name is invalid, or undefined when it is valid. */
export function vendorOrClassProblem(name: string, what: "vendor" | "class"): string | undefined {
  if (name === "") return `empty ${what}`;
  if (!LETTER.test(name[0]!)) return `${what} "${name}" should start with a letter`;
  const bad = [...name.slice(1, -1)].find((c) => !/[A-Za-z0-9_.-]/.test(c));
  if (bad !== undefined) return `invalid character '${bad}' in ${what} "${name}"`;
  if (!ALNUM.test(name[name.length - 1]!)) {
    return `${what} "${name}" should end with a letter or digit`;
  }
  return undefined;
}

/** Why a device name is invalid, or undefined when it is valid. */
export function deviceNameProblem(name: string): string | undefined {
  if (name === "") return "empty device name";
  if (!ALNUM.test(name[0]!)) return `device name "${name}" should start with a letter or digit`;
  const bad = [...name.slice(1, -1)].find((c) => !/[A-Za-z0-9_.:-]/.test(c));
  if (bad !== undefined) return `invalid character '${bad}' in device name "${name}"`;
  if (!ALNUM.test(name[name.length - 1]!)) {
    return `device name "${name}" should end with a letter or digit`;
  }
  return undefined;
}

/** Why a kind is invalid, or undefined when it is valid. */
export function kindProblem(kind: string): string | undefined {
  const slash = kind.indexOf("/");
  if (slash <= 0 || slash === kind.length - 1) {
    return `kind "${kind}" is not of the form vendor/class`;
  }
  return vendorOrClassProblem(kind.slice(0, slash), "vendor") ??
    vendorOrClassProblem(kind.slice(slash + 1), "class");
}

/** A parsed fully-qualified device name. */
export interface QualifiedName {
  readonly kind: string;
  readonly name: string;
}

/** Parses `vendor/class=name`; returns a problem string when it is not a valid one. */
export function parseQualifiedName(text: string): QualifiedName | string {
  const eq = text.indexOf("=");
  if (eq < 0) return `"${text}" is not a qualified device name (vendor/class=name)`;
  const kind = text.slice(0, eq);
  const name = text.slice(eq + 1);
  const problem = kindProblem(kind) ?? deviceNameProblem(name);
  return problem ? `invalid device "${text}": ${problem}` : { kind, name };
}

/** True when `text` is a valid fully-qualified device name: exactly when it parses. */
export function isQualifiedName(text: string): boolean {
  return typeof parseQualifiedName(text) !== "string";
}

/** The kind of the fully-qualified device name `text`, or undefined when it is not one. */
export function kindOf(text: string): string | undefined {
  const parsed = parseQualifiedName(text);
  return typeof parsed === "string" ? undefined : parsed.kind;
}

/** `kind=name`. */
export function qualify(kind: string, name: string): string {
  return `${kind}=${name}`;
}
