/**
 * Linux's signal names and numbers (the same on x86_64 and aarch64, the architectures Deno runs
 * on), for exit codes of 128 + signal and for saying which signal ended a child.
 * @module
 */

/** The standard signals, at their numbers (index 0 is no signal). */
const NAMES = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
] as const;

/** The number of the signal `name` ("SIGKILL": 9), 0 for a name not known. */
export function signalNumber(name: string): number {
  return Math.max(0, NAMES.indexOf(name as typeof NAMES[number]));
}

/** The name of signal `n` ("SIGKILL" for 9; "signal 40" for one without a name here). */
export function signalName(n: number): string {
  return NAMES[n] || `signal ${n}`;
}
