/**
 * Execs a program with exactly the argv and environment list given, duplicates and entries
 * without `=` included, which no spawning API here can produce.
 * Usage: deno run -A tests/runtime/exec_env.ts '{"path": …, "argv": […], "env": […]}'
 * @module
 */
import { execve } from "../../src/internal/exec.ts";

const { path, argv, env } = JSON.parse(Deno.args[0]!) as {
  path: string;
  argv: string[];
  env: string[];
};
await execve(path, argv, env);
