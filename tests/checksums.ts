/**
 * Checksums of input files, to show that a failing command changed none of them.
 * @module
 */

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every regular file under `dir` (recursively, links not followed) by relative path, with its
 * SHA-256 and mode: equal before and after means nothing was changed, added or removed.
 */
export async function checksums(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of Deno.readDirSync(`${dir}${rel}`)) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) {
        const mode = (Deno.statSync(`${dir}${path}`).mode ?? 0) & 0o7777;
        out[path] = `${await sha256(Deno.readFileSync(`${dir}${path}`))} ${mode.toString(8)}`;
      } else out[path] = entry.isSymlink ? `-> ${Deno.readLinkSync(`${dir}${path}`)}` : "other";
    }
  };
  await walk("");
  return out;
}
