/**
 * A small synchronous logger: levels, runc-style JSON or text lines, append-only file sinks.
 * Synchronous writes matter because the runtime `execve`s right after its last log line.
 * @module
 */

import { writeAll } from "./io.ts";

/** Log levels, least to most severe. */
export type Level = "debug" | "info" | "warn" | "error";

/** Line formats: runc's JSON lines or logrus-style text. */
export type LogFormat = "json" | "text";

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
// logrus (and so runc, and containerd reading runc's log) spells the warn level "warning".
const LOGRUS_NAME: Record<Level, string> = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
};

/** One log line in `format`, newline-terminated, e.g. `{"level":"info","msg":"…","time":"…"}`. */
export function formatLine(format: LogFormat, level: Level, msg: string, time: Date): string {
  const stamp = time.toISOString();
  if (format === "json") {
    return `${JSON.stringify({ level: LOGRUS_NAME[level], msg, time: stamp })}\n`;
  }
  return `time=${JSON.stringify(stamp)} level=${LOGRUS_NAME[level]} msg=${JSON.stringify(msg)}\n`;
}

interface Sink {
  level: Level;
  readonly file: boolean;
  /** What a message about this sink calls it. */
  readonly name: string;
  write(level: Level, msg: string, time: Date): void;
  close(): void;
}

/** Where code that only reports sends its messages: a Logger, or a test's list. */
export interface MessageLog {
  debug(msg: string | (() => string)): void;
  info(msg: string): void;
  warn(msg: string): void;
}

/** A logger writing each message synchronously to every sink whose level admits it. */
export class Logger {
  #sinks: Sink[] = [];

  /** True when some sink would record a message at `level`. */
  enabled(level: Level): boolean {
    return this.#sinks.some((s) => RANK[level] >= RANK[s.level]);
  }

  /**
   * Appends to `path` (created 0640 if missing). Returns an error message instead of throwing,
   * because a log file that cannot be opened must not stop a container.
   */
  addFile(path: string, format: LogFormat, level: Level): string | undefined {
    try {
      const file = Deno.openSync(path, { append: true, create: true, mode: 0o640 });
      this.#sinks.push({
        level,
        file: true,
        name: `log file "${path}"`,
        write: (l, msg, time) => writeAll(file, formatLine(format, l, msg, time)),
        close: () => file.close(),
      });
      return undefined;
    } catch (e) {
      return `Cannot open log file "${path}": ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Writes `prefix: msg` lines (warnings as `prefix: warning: msg`) to stderr. */
  addStderr(prefix: string, level: Level): void {
    this.#sinks.push({
      level,
      file: false,
      name: "stderr",
      write: (l, msg) => {
        const tag = l === "warn" ? "warning: " : l === "debug" ? "debug: " : "";
        writeAll(Deno.stderr, `${prefix}: ${tag}${msg}\n`);
      },
      close: () => {},
    });
  }

  /**
   * Sets the level of every file sink: a file opened before the config was read, so that no
   * failure misses it, gets the configured level once it is known.
   */
  setFileLevel(level: Level): void {
    for (const sink of this.#sinks) if (sink.file) sink.level = level;
  }

  /** Records `msg` at `level`. */
  log(level: Level, msg: string): void {
    const time = new Date();
    for (const sink of [...this.#sinks]) {
      if (RANK[level] < RANK[sink.level]) continue;
      try {
        sink.write(level, msg, time);
      } catch (e) {
        // A full disk under a log must not stop a container, nor leave its spec half done.
        this.#sinks = this.#sinks.filter((s) => s !== sink);
        try {
          sink.close();
        } catch {
          // Already unusable.
        }
        const why = e instanceof Error ? e.message : String(e);
        if (sink.file) this.warn(`Cannot write ${sink.name}: ${why}; it gets no more messages`);
      }
    }
  }

  /** Records a debug message; `msg` may be a thunk so costly messages are built only when kept. */
  debug(msg: string | (() => string)): void {
    if (this.enabled("debug")) this.log("debug", typeof msg === "string" ? msg : msg());
  }

  /** Records an info message. */
  info(msg: string): void {
    this.log("info", msg);
  }

  /** Records a warning. */
  warn(msg: string): void {
    this.log("warn", msg);
  }

  /** Records an error. */
  error(msg: string): void {
    this.log("error", msg);
  }

  /** Closes file sinks; later messages go nowhere. */
  close(): void {
    for (const sink of this.#sinks) sink.close();
    this.#sinks = [];
  }
}
