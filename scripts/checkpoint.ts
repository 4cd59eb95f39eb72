/**
 * Checkpoints every SQLite database in a directory (Deno's DENO_DIR caches) whose write-ahead log
 * is not empty, truncating the log: its pages move into the database file, so a process that
 * opens the database next reads no log. Prints nothing; a database that cannot be opened is left
 * as it is.
 * Usage: deno run --allow-read --allow-write --no-config --no-lock scripts/checkpoint.ts DIR
 * @module
 */
import { DatabaseSync } from "node:sqlite";

const [dir] = Deno.args;
if (dir === undefined) {
  console.error("usage: checkpoint.ts DIR");
  Deno.exit(2);
}
for (const entry of Deno.readDirSync(dir)) {
  if (!entry.name.endsWith("-wal")) continue;
  const path = `${dir}/${entry.name.slice(0, -"-wal".length)}`;
  try {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
  } catch {
    // Not a database, or one in use that cannot be checkpointed now: the next start reads its log.
  }
}
