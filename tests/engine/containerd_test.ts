import { assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import { TESTDATA, withTempDir } from "../helpers.ts";
import {
  configureContainerd,
  type ContainerdOptions,
  unconfigureContainerd,
} from "../../src/engine/containerd.ts";
import { apply } from "../../src/engine/engine.ts";
import { parseContainerdToml, type Table } from "../../src/engine/containerd_toml.ts";

const SHIM = "/usr/bin/xpu-container-runtime";
const V2 = "io.containerd.grpc.v1.cri";
const V3 = "io.containerd.cri.v1.runtime";

function options(dir: string, more: Partial<ContainerdOptions> = {}): ContainerdOptions {
  return {
    config: `${dir}/config.toml`,
    runtimeName: "xpu",
    runtimePath: SHIM,
    setAsDefault: false,
    containerdBinary: null,
    ...more,
  };
}

/** Configures, returning the drop-in as parsed TOML and the config.toml text. */
function configure(dir: string, more: Partial<ContainerdOptions> = {}) {
  apply(`${dir}/config.toml`, () => configureContainerd(options(dir, more)));
  const dropIn = Deno.readTextFileSync(`${dir}/conf.d/99-xpu.toml`);
  return {
    // Plain objects, for assertEquals (the parser's tables have no prototype).
    dropIn: structuredClone(parseContainerdToml(dropIn, "drop-in")),
    dropInText: dropIn,
    config: Deno.readTextFileSync(`${dir}/config.toml`),
  };
}

function at(doc: unknown, ...path: string[]): unknown {
  let node = doc;
  for (const p of path) node = (node as Table | undefined)?.[p];
  return node;
}

/**
 * A stand-in containerd binary: `--version` prints `version`, `config dump` and `config default`
 * print `dump`. Returns its path.
 */
function fakeContainerd(dir: string, version: string, dump: string): string {
  Deno.writeTextFileSync(`${dir}/dump.toml`, dump);
  const path = `${dir}/containerd`;
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\ncase "$*" in\n--version) echo "containerd github.com/containerd/containerd ${version} 0123abc" ;;\n` +
      `*config\\ dump|config\\ default) cat "${dir}/dump.toml" ;;\n*) exit 3 ;;\nesac\n`,
  );
  Deno.chmodSync(path, 0o755);
  return path;
}

function fixture(dir: string, name: string): string {
  const text = Deno.readTextFileSync(`${TESTDATA}/engines/${name}`);
  Deno.writeTextFileSync(`${dir}/config.toml`, text);
  return text;
}

Deno.test("configureContainerd() from the files of Debian's stock config: its CNI paths, runc and the xpu runtime in one CRI section", async () => {
  await withTempDir((dir) => {
    const original = fixture(dir, "containerd-debian.toml");
    const { dropIn, config } = configure(dir, { configSource: "file" });
    assertEquals(dropIn.version, 2n);
    const cri = at(dropIn, "plugins", V2) as Table;
    assertEquals(at(cri, "cni"), { bin_dir: "/usr/lib/cni", conf_dir: "/etc/cni/net.d" });
    assertEquals(at(cri, "containerd", "runtimes", "runc"), {
      runtime_type: "io.containerd.runc.v2",
    });
    assertEquals(at(cri, "containerd", "runtimes", "xpu"), {
      runtime_type: "io.containerd.runc.v2",
      container_annotations: ["cdi.k8s.io/*"],
      options: { BinaryName: SHIM },
    });
    assertEquals(
      config,
      original.replace(
        "version = 2\n",
        `version = 2\nimports = ["${dir}/conf.d/99-xpu.toml"] # added by xpu-ctk runtime configure\n`,
      ),
    );
    assertEquals(configureContainerd(options(dir, { configSource: "file" })).changes, []);
    apply(`${dir}/config.toml`, () => unconfigureContainerd(options(dir)));
    assertEquals(Deno.readTextFileSync(`${dir}/config.toml`), original);
  });
});

Deno.test("configureContainerd() on a version 1 config writes a version 1 drop-in (short plugin names, no version)", async () => {
  await withTempDir((dir) => {
    fixture(dir, "containerd-v1.toml");
    const { dropIn, dropInText } = configure(dir, { configSource: "file" });
    assertEquals(dropIn.version, undefined);
    assertEquals(at(dropIn, "plugins", "cri", "sandbox_image"), "registry.k8s.io/pause:3.6");
    assertEquals(
      at(dropIn, "plugins", "cri", "containerd", "runtimes", "xpu", "options"),
      { BinaryName: SHIM, SystemdCgroup: true },
    );
    assertStringIncludes(dropInText, "[plugins.cri.containerd.runtimes.xpu.options]\n");
  });
});

Deno.test("configureContainerd() without --set-as-default after it gives the operator's default back", async () => {
  await withTempDir((dir) => {
    fixture(dir, "containerd-debian.toml");
    const first = configure(dir, { configSource: "file", setAsDefault: true });
    assertEquals(at(first.dropIn, "plugins", V2, "containerd", "default_runtime_name"), "xpu");
    const second = configure(dir, { configSource: "file" });
    assertEquals(at(second.dropIn, "plugins", V2, "containerd", "default_runtime_name"), undefined);
  });
});

const DUMP_17 = `version = 2
[plugins."${V2}"]
  enable_cdi = false
  cdi_spec_dirs = ["/etc/cdi", "/var/run/cdi"]
  sandbox_image = "registry.k8s.io/pause:3.8"
  [plugins."${V2}".containerd]
    default_runtime_name = "runc"
    [plugins."${V2}".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["*"]
      sandbox_mode = "podsandbox"
      [plugins."${V2}".containerd.runtimes.runc.options]
        BinaryName = ""
        SystemdCgroup = true
`;

Deno.test("configureContainerd() on containerd 1.7: the dumped section with CDI enabled, runc's options, no pod annotations", async () => {
  await withTempDir((dir) => {
    fixture(dir, "containerd-debian.toml");
    const binary = fakeContainerd(dir, "v1.7.2", DUMP_17);
    const { dropIn } = configure(dir, { containerdBinary: binary, cdiEnabled: true });
    const cri = at(dropIn, "plugins", V2) as Table;
    assertEquals(cri.enable_cdi, true);
    assertEquals(cri.cdi_spec_dirs, ["/etc/cdi", "/var/run/cdi"]);
    assertEquals(cri.sandbox_image, "registry.k8s.io/pause:3.8");
    assertEquals(at(cri, "containerd", "runtimes", "xpu"), {
      runtime_type: "io.containerd.runc.v2",
      sandbox_mode: "podsandbox",
      container_annotations: ["cdi.k8s.io/*"],
      options: { BinaryName: SHIM, SystemdCgroup: true },
    });
  });
});

Deno.test("configureContainerd() refuses --cdi.enabled on containerd 1.6 and changes nothing", async () => {
  await withTempDir((dir) => {
    const original = fixture(dir, "containerd-debian.toml");
    const binary = fakeContainerd(dir, "1.6.20~ds1", DUMP_17);
    assertThrows(
      () => configureContainerd(options(dir, { containerdBinary: binary, cdiEnabled: true })),
      Error,
      `Cannot configure containerd: "--cdi.enabled" needs containerd 1.7 or later (enable_cdi), and "${binary}" is "1.6.20~ds1"; it was left unchanged`,
    );
    assertEquals(Deno.readTextFileSync(`${dir}/config.toml`), original);
  });
});

const DUMP_20 = `version = 3
[plugins."${V3}"]
  enable_cdi = true
  [plugins."${V3}".containerd]
    default_runtime_name = "runc"
    [plugins."${V3}".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      sandboxer = "podsandbox"
      [plugins."${V3}".containerd.runtimes.runc.options]
        SystemdCgroup = true
`;

Deno.test("configureContainerd() on containerd 2.x with a version 2 config: the minimal drop-in in version 2 names", async () => {
  await withTempDir((dir) => {
    fixture(dir, "containerd-debian.toml");
    const binary = fakeContainerd(dir, "v2.0.0", DUMP_20);
    const { dropIn } = configure(dir, { containerdBinary: binary, setAsDefault: true });
    assertEquals(dropIn, {
      version: 2n,
      plugins: {
        [V2]: {
          containerd: {
            default_runtime_name: "xpu",
            runtimes: {
              xpu: {
                runtime_type: "io.containerd.runc.v2",
                container_annotations: ["cdi.k8s.io/*"],
                options: { BinaryName: SHIM, SystemdCgroup: true },
              },
            },
          },
        },
      },
    });
  });
});

Deno.test("configureContainerd() with a version 3 config: the minimal drop-in, version 3, CDI in the runtime plugin", async () => {
  await withTempDir((dir) => {
    fixture(dir, "containerd-v3.toml");
    const { dropIn } = configure(dir, { configSource: "file", cdiEnabled: true });
    assertEquals(dropIn, {
      version: 3n,
      plugins: {
        [V3]: {
          enable_cdi: true,
          cdi_spec_dirs: ["/etc/cdi", "/var/run/cdi"],
          containerd: {
            runtimes: {
              xpu: {
                runtime_type: "io.containerd.runc.v2",
                container_annotations: ["cdi.k8s.io/*"],
                options: { BinaryName: SHIM },
              },
            },
          },
        },
      },
    });
  });
});

Deno.test("configureContainerd() adds no entry when a pattern already imports the drop-in, and refuses a CRI section imported after it", async () => {
  await withTempDir((dir) => {
    const text = `version = 2\nimports = ["${dir}/conf.d/*.toml"]\n`;
    Deno.writeTextFileSync(`${dir}/config.toml`, text);
    Deno.mkdirSync(`${dir}/conf.d`);
    Deno.writeTextFileSync(
      `${dir}/conf.d/10-site.toml`,
      `version = 2\n[plugins."${V2}"]\n  sandbox_image = "s"\n`,
    );
    const { dropIn, config } = configure(dir, { configSource: "file" });
    assertEquals(config, text);
    assertEquals(at(dropIn, "plugins", V2, "sandbox_image"), "s");
    Deno.writeTextFileSync(
      `${dir}/conf.d/99-zz.toml`,
      `version = 2\n[plugins."${V2}"]\n  sandbox_image = "z"\n`,
    );
    assertThrows(
      () => configureContainerd(options(dir, { configSource: "file" })),
      Error,
      `"${dir}/conf.d/99-zz.toml" is imported after "${dir}/conf.d/99-xpu.toml" and would replace its CRI section`,
    );
  });
});

Deno.test("configureContainerd() refuses what containerd itself could not load, and leaves it alone", async () => {
  await withTempDir((dir) => {
    for (
      const [text, message] of [
        [
          'version = 2\nimports = ["gone.toml"]\n',
          `"${dir}/gone.toml", imported by "${dir}/config.toml", cannot be read: it does not exist`,
        ],
        [
          "version = 4\n",
          `"${dir}/config.toml" has config version 4; xpu-ctk knows versions 1 to 3`,
        ],
        [
          'version = "2"\n',
          `"version" in "${dir}/config.toml" is a string ("2"); containerd reads only an integer`,
        ],
        ['imports = "/a.toml"\n', '"imports" in'],
      ]
    ) {
      Deno.writeTextFileSync(`${dir}/config.toml`, text!);
      const e = assertThrows(
        () => configureContainerd(options(dir, { configSource: "file" })),
        Error,
      );
      assertStringIncludes(e.message, message!);
      assertEquals(e.message.startsWith("Cannot configure containerd: "), true);
      assertEquals(e.message.endsWith("; it was left unchanged"), true);
      assertEquals(Deno.readTextFileSync(`${dir}/config.toml`), text);
    }
  });
});

Deno.test("configureContainerd() --config-source=command without a containerd binary says what to use instead", async () => {
  await withTempDir((dir) => {
    assertThrows(
      () => configureContainerd(options(dir, { configSource: "command" })),
      Error,
      "Cannot configure containerd: --config-source=command needs the containerd binary, and none was found on PATH; use --config-source=file; it was left unchanged",
    );
  });
});

Deno.test("configureContainerd() creates a config.toml where there was none, and unconfigure removes it again", async () => {
  await withTempDir((dir) => {
    const { config } = configure(dir, { configSource: "file" });
    assertEquals(
      config,
      "# Written by xpu-ctk runtime configure: there was no config.toml; unconfigure removes it.\n" +
        `version = 2\nimports = ["${dir}/conf.d/99-xpu.toml"] # added by xpu-ctk runtime configure\n`,
    );
    apply(`${dir}/config.toml`, () => unconfigureContainerd(options(dir)));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["conf.d"]);
    assertEquals([...Deno.readDirSync(`${dir}/conf.d`)], []);
  });
});

Deno.test("unconfigureContainerd() refuses an imports form it cannot edit and keeps the drop-in", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/config.toml`, "[imports]\nx = 1\n");
    assertThrows(
      () => unconfigureContainerd(options(dir)),
      Error,
      "Cannot unconfigure containerd: ",
    );
  });
});

Deno.test("configureContainerd() notes a disabled CRI plugin, and CDI on a containerd whose version it cannot tell", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(
      `${dir}/config.toml`,
      'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n',
    );
    const plan = configureContainerd(options(dir, { configSource: "file", cdiEnabled: true }));
    assertEquals(plan.notes, [
      "containerd's version is unknown: enable_cdi takes effect only on containerd 1.7 or later",
      `containerd's CRI plugin is disabled (disabled_plugins in "${dir}/config.toml" or its imports): ` +
      "Kubernetes uses the xpu runtime only once it is enabled",
      "Restart containerd to use it: systemctl restart containerd",
    ]);
  });
});
