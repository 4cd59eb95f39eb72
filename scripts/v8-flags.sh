# The V8 flags every build runs the toolkit with: `deno compile` bakes them into dist/xpu-ctk and
# scripts/launcher.sh passes them to `deno run`. Sourced by both (bash); tests/build_test.ts reads
# the assignment too, so keep it one line.
# --no-lazy: V8 compiles every function when it compiles a module, so the code cache Deno keeps
# in DENO_DIR holds them all; lazily compiled functions are left out of it and were compiled
# again on every call (bench/compare.sh: 2-10 ms per call). --min-semi-space-size: a young
# generation of 16 MB from the start, so a call that reads large specs finishes before its
# first garbage collection (cdi create: 2 ms). --no-enable-lazy-source-positions: the cached code
# keeps its source positions, which V8 otherwise recovers by parsing a function's source again
# the first time an Error's stack runs through it (0.7 ms for the first Error a call creates).
# --single-threaded: V8 runs no compile or GC tasks on background threads, which in a call this
# short only compete with it for the CPU (bench/compare.sh: 0.2-0.8 ms per call over the floor).
V8_FLAGS=--no-lazy,--no-enable-lazy-source-positions,--min-semi-space-size=16,--single-threaded
