import { assertEquals } from "../assert.ts";
import {
  DEFAULT_ENGINE,
  DEFAULT_RUNTIME_NAME,
  engineList,
  ENGINES,
  findEngine,
} from "../../src/engine/registry.ts";

Deno.test("ENGINES lists each engine once, docker first", () => {
  assertEquals(ENGINES.map((e) => e.name), [
    "docker",
    "containerd",
    "crio",
    "podman",
    "slurm",
    "enroot",
  ]);
  assertEquals(DEFAULT_ENGINE.name, "docker");
});

Deno.test("findEngine() finds an engine by name, and nothing else", () => {
  assertEquals(findEngine("crio")?.name, "crio");
  assertEquals(findEngine("podman")?.kind, "podman");
  assertEquals(findEngine("lxc"), undefined);
});

Deno.test("engineList() joins the names as prose", () => {
  assertEquals(engineList(), "docker, containerd, crio, podman, slurm or enroot");
  assertEquals(
    engineList((e) => e === DEFAULT_ENGINE ? `${e.name} (the default)` : e.name),
    "docker (the default), containerd, crio, podman, slurm or enroot",
  );
  assertEquals(engineList(undefined, ENGINES.slice(0, 2)), "docker or containerd");
});

Deno.test("each engine names the command that says it is installed", () => {
  assertEquals(
    Object.fromEntries(ENGINES.map((e) => [e.name, e.command])),
    {
      docker: "dockerd",
      containerd: "containerd",
      crio: "crio",
      podman: "podman",
      slurm: "slurmd",
      enroot: "enroot",
    },
  );
});

Deno.test("status() of the drop-in engines names the drop-in for the runtime name", () => {
  assertEquals(
    findEngine("containerd")?.status(DEFAULT_RUNTIME_NAME).file,
    "/etc/containerd/conf.d/99-xpu.toml",
  );
  assertEquals(findEngine("crio")?.status("other").file, "/etc/crio/crio.conf.d/99-other.conf");
});
