import { assertEquals } from "../assert.ts";
import { specShapeProblem } from "../../src/oci/spec_shape.ts";
import { parseLossless } from "../../src/oci/spec_file.ts";

const shape = (json: string) => specShapeProblem(parseLossless(json) as Record<string, unknown>);

Deno.test("specShapeProblem() takes integers past 2^53 and refuses raw fractions where runc wants integers", () => {
  assertEquals(shape('{"process": {"user": {"uid": 18446744073709551615, "gid": 0}}}'), undefined);
  assertEquals(
    shape('{"linux": {"devices": [{"path": "/dev/x", "major": 1.50}]}}'),
    "linux.devices[0].major: expected an integer, found a number",
  );
  assertEquals(
    shape('{"hooks": {"poststop": [{"path": "/x", "timeout": 1e3}]}}'),
    "hooks.poststop[0].timeout: expected an integer, found a number",
  );
});

Deno.test("specShapeProblem() reads both forms of process.capabilities and nothing it does not use", () => {
  assertEquals(shape('{"process": {"capabilities": ["CAP_SYS_ADMIN"]}}'), undefined);
  assertEquals(shape('{"process": {"capabilities": {"bounding": [], "effective": 5}}}'), undefined);
  assertEquals(
    shape('{"process": {"capabilities": "CAP_SYS_ADMIN"}}'),
    "process.capabilities: expected an object or an array, found a string",
  );
  assertEquals(
    shape('{"process": {"capabilities": {"bounding": [1]}}}'),
    "process.capabilities.bounding[0]: expected a string, found a number",
  );
  // Fields the toolkit does not touch, and hook lists it does not know, are left alone.
  assertEquals(
    shape('{"process": {"args": 5, "cwd": []}, "hooks": {"custom": 5}, "x": null}'),
    undefined,
  );
});
