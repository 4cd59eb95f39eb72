import { assertEquals, assertThrows } from "../assert.ts";
import { type ChildLimits, runQuietly, STDERR_BYTES } from "../../src/internal/quiet_child.ts";
import { libcFunctions } from "../../src/internal/libc.ts";

const LIMITS: ChildLimits = { timeoutMs: 60_000, maxBytes: 1 << 30 };

/** Runs `script` in /bin/sh; returns how it ended, its stderr as text. */
function sh(script: string, limits = LIMITS) {
  const end = runQuietly("/bin/sh", ["-c", script], limits);
  return { ...end, stderr: new TextDecoder().decode(end.stderr) };
}

Deno.test("runQuietly() reports the exit code and keeps what the child wrote to stderr", () => {
  assertEquals(sh("exit 0"), { code: 0, timedOut: false, stderr: "" });
  assertEquals(sh("echo out; echo 'no such cache' >&2; exit 7"), {
    code: 7,
    timedOut: false,
    stderr: "no such cache\n",
  });
  const big = sh(
    "i=0; while [ $i -lt 1000 ]; do echo 'line of forty characters, more or less' >&2; i=$((i+1)); done",
  );
  assertEquals(big.stderr.length, 1000 * 39);
});

Deno.test("runQuietly() names the signal that ended the child", () => {
  assertEquals(sh("kill -SEGV $$").signal, "SIGSEGV");
  assertEquals(sh("kill -TERM $$").signal, "SIGTERM");
  assertEquals(sh("kill -TERM $$").code, undefined);
});

Deno.test("runQuietly() kills a child that runs past its time limit", () => {
  const end = sh("sleep 30", { ...LIMITS, timeoutMs: 200 });
  assertEquals([end.timedOut, end.signal], [true, "SIGKILL"]);
});

Deno.test("runQuietly() starts the child with an empty environment and stdin and stdout on /dev/null", () => {
  assertEquals(sh("tr '\\0' '\\n' </proc/$$/environ >&2").stderr, "");
  assertEquals(
    sh('io=$(readlink /proc/$$/fd/0 /proc/$$/fd/1); echo "$io" >&2').stderr,
    "/dev/null\n/dev/null\n",
  );
});

Deno.test("runQuietly() caps the child's address space", () => {
  // The cap is set just after the child starts: it looks until the cap is there, or is killed
  // at the time limit.
  const script = 'while [ "$(ulimit -v)" = unlimited ]; do :; done; ulimit -v >&2';
  assertEquals(sh(script, { timeoutMs: 10_000, maxBytes: 256 << 20 }), {
    code: 0,
    timedOut: false,
    stderr: "262144\n",
  });
});

Deno.test("runQuietly() starts the child with no signal ignored or blocked, whatever this thread has", () => {
  // Deno ignores SIGPIPE; block SIGUSR1 on this thread too, which the child would inherit.
  const c = libcFunctions({
    pthread_sigmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  });
  const SIG_BLOCK = 0;
  const SIG_SETMASK = 2;
  const usr1 = new Uint8Array(128);
  usr1[1] = 1 << (10 - 1 - 8);
  const old = new Uint8Array(128);
  assertEquals(c.pthread_sigmask(SIG_BLOCK, usr1, old), 0);
  let status: Uint8Array;
  try {
    // No shell in between: dash clears its signal mask when it starts. GNU sed writes to stderr.
    status = runQuietly("/bin/sed", [
      "-E",
      "-n",
      "/^Sig(Blk|Ign)/w /dev/stderr",
      "/proc/self/status",
    ], LIMITS).stderr;
  } finally {
    c.pthread_sigmask(SIG_SETMASK, old, null);
  }
  assertEquals(
    new TextDecoder().decode(status),
    "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
  );
});

Deno.test("runQuietly() throws, naming the program and the cause, when it cannot start it", () => {
  assertThrows(
    () => runQuietly("/nonexistent/ldconfig", ["-r", "/"], LIMITS),
    Error,
    'Cannot start "/nonexistent/ldconfig": No such file or directory',
  );
  assertThrows(
    () => runQuietly("/etc/passwd", [], LIMITS),
    Error,
    'Cannot start "/etc/passwd": Permission denied',
  );
});

Deno.test("libcFunctions() calls a function by its name field, and throws on the first call of one the C library lacks", () => {
  const c = libcFunctions({
    pid: { name: "getpid", parameters: [], result: "i32" },
    missing: { name: "xpu_no_such_function", parameters: [], result: "i32" },
  });
  assertEquals(c.pid(), Deno.pid);
  assertThrows(() => c.missing(), Error, 'The C library has no "xpu_no_such_function"');
});

Deno.test("runQuietly() keeps the first STDERR_BYTES of the child's stderr; writing more fails in the child", () => {
  // A child made to write without end must not fill the host's memory, nor this process's.
  const end = sh("head -c 10485760 /dev/zero >&2");
  assertEquals([end.timedOut, end.code !== 0, end.stderr.length], [false, true, STDERR_BYTES]);
  assertEquals(sh("echo first >&2; head -c 10485760 /dev/zero >&2").stderr.slice(0, 6), "first\n");
});

Deno.test("runQuietly() leaves no file of this process open in the child but its stdin, stdout and stderr", () => {
  // dup() makes a file descriptor without close-on-exec, as a parent process may pass one.
  const c = libcFunctions({
    dup: { parameters: ["i32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
  });
  const fd = c.dup(0);
  try {
    // `exec` redirects for good: a shell keeps a copy of what a one-command redirection replaces.
    assertEquals(sh("exec >&2; ls /proc/$$/fd; :").stderr, "0\n1\n2\n");
  } finally {
    c.close(fd);
  }
});

Deno.test("runQuietly() waits for its child where the caller ignores SIGCHLD, and leaves it ignored", async () => {
  const script = new URL("./quiet_child_sigchld.ts", import.meta.url).pathname;
  const run = async (trap: string) => {
    const out = await new Deno.Command("/bin/bash", {
      args: ["-c", `${trap} exec "$0" run --allow-all --no-check "$1"`, Deno.execPath(), script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    return new TextDecoder().decode(out.stdout).trim();
  };
  assertEquals(await run("trap '' CHLD;"), "3 ignored");
  assertEquals(await run(""), "3 default");
});
