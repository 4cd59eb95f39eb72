// The Deno floor: what any toolkit call costs before it does anything.
