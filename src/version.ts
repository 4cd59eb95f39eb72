/**
 * The toolkit's version, build commit and the OCI runtime-spec version it targets.
 * @module
 */

/** Toolkit version (kept equal to `version` in deno.json). */
export const VERSION = "0.1.0";

/** OCI runtime-spec version the toolkit reads and writes. */
export const OCI_SPEC_VERSION = "1.2.0";

/** The git commit recorded by `make build` in build-info.json, or "unknown". */
export function buildCommit(): string {
  try {
    const info = JSON.parse(
      Deno.readTextFileSync(new URL("../build-info.json", import.meta.url)),
    ) as { commit?: unknown };
    return typeof info.commit === "string" && info.commit ? info.commit : "unknown";
  } catch {
    return "unknown";
  }
}

/** The multi-line `--version` text for an applet. */
export function versionText(applet: string): string {
  return `${applet} version ${VERSION}\ncommit: ${buildCommit()}\nspec: ${OCI_SPEC_VERSION}\n`;
}
