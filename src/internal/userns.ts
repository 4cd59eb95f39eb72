/**
 * Whether this process runs in a user namespace other than the host's.
 * @module
 */

/** True when this process is not in the initial user namespace (its root is not the host's). */
export function inUserNamespace(
  uidMap: string = Deno.readTextFileSync("/proc/self/uid_map"),
): boolean {
  return uidMap.trim().split(/\s+/).join(" ") !== "0 0 4294967295";
}
