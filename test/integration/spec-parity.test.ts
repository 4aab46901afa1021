// Specs beside what containerd's Go client makes: `ctr containers create` with a flag, and
// `create$` with the matching options and spec builders, against the same lab daemon and image,
// in the same namespace. The whole spec is compared. `ctr` always applies
// WithDefaultUnixDevices, so our side adds withDefaultUnixDevices() too.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import {
  withAddedCapabilities,
  withCPUCFS,
  withDefaultUnixDevices,
  withDevices,
  withDroppedCapabilities,
  withEnvFile,
  withMemoryLimit,
  withNoNewPrivileges,
  withReadonlyRootfs,
  OCI_VERSION,
  Stdio,
  type Containerd,
  type CreateContainerOptions,
  type Spec,
  type SpecOpt,
} from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";
import { runPiped } from "../support/piped.js";

let client: Containerd;
let dispose: () => Promise<void>;
let dir: string;
before(async () => {
  ({ client, dispose } = await labClient("specpar", { image: true }));
  dir = mkdtempSync(join(tmpdir(), "spec-parity-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dispose();
});

const bin = process.env["RXC_CONTAINERD_BIN"] ? join(process.env["RXC_CONTAINERD_BIN"], "ctr") : "ctr";
const ctr = (...args: string[]): string =>
  execFileSync(bin, ["-a", labAddress(), "-n", client.namespace, ...args], { encoding: "utf8", timeout: 20_000 });

/** The spec `ctr containers create FLAGS busybox ID true` stores. */
function goSpec(id: string, flags: readonly string[]): Spec {
  ctr("containers", "create", ...flags, BUSYBOX, id, "true");
  try {
    return (JSON.parse(ctr("containers", "info", id)) as { Spec: Spec }).Spec;
  } finally {
    ctr("containers", "delete", id);
  }
}

/** The spec `create$` stores for the same command with `options` and `spec`. */
async function ourSpec(
  id: string,
  options: CreateContainerOptions,
  spec: readonly SpecOpt[] = [],
  unixDevices = true,
): Promise<Spec> {
  const c = await lastValueFrom(
    client.containers.create$(id, {
      image: BUSYBOX,
      args: ["true"],
      ...options,
      spec: [...(unixDevices ? [withDefaultUnixDevices()] : []), ...spec],
    }),
  );
  try {
    return await lastValueFrom(c.spec$());
  } finally {
    await lastValueFrom(c.delete$());
  }
}

/**
 * The cgroup path names the container, which differs between the two sides. `ociVersion` is the
 * runtime-spec version each ctr was built with (1.0.2-dev for 1.6.20, Debian's 1.2.0 for 1.7.24,
 * 1.2.1 for 2.1.9); ours is 2.1's. containerd 1.6's Go client masked no
 * /sys/devices/virtual/powercap, where ours follows 1.7 and 2.x (docs/lifecycle.md, "What create$
 * does"). Those two are put as 2.1 has them.
 */
function comparable(spec: Spec, id: string): Spec {
  const copy = structuredClone(spec);
  if (copy.linux?.cgroupsPath === `/${client.namespace}/${id}`) copy.linux.cgroupsPath = "/<ns>/<id>";
  if (/^1\.\d+\.\d+(-dev)?$/.test(copy.ociVersion ?? "")) copy.ociVersion = OCI_VERSION;
  const masked = copy.linux?.maskedPaths;
  if (masked && !masked.includes(POWERCAP) && masked.at(-2) === "/sys/firmware") masked.splice(-1, 0, POWERCAP);
  return copy;
}

const POWERCAP = "/sys/devices/virtual/powercap";

interface Case {
  readonly flags: readonly string[];
  readonly options?: CreateContainerOptions;
  readonly spec?: readonly SpecOpt[];
  /** ctr applies WithDefaultUnixDevices first; WithAllDevicesAllowed then replaces its rules. */
  readonly unixDevices?: boolean;
}

/** ctr's `containers create` flags (they differ by line). */
let createHelp: string | undefined;
const hasFlags = (flags: readonly string[]): boolean =>
  flags.every(
    (f) => !f.startsWith("--") || new RegExp(`${f}\\b`).test((createHelp ??= ctr("containers", "create", "--help"))),
  );

async function same(name: string, c: Case): Promise<Spec> {
  const go = comparable(goSpec(`go-${name}`, c.flags), `go-${name}`);
  const ours = comparable(await ourSpec(`rx-${name}`, c.options ?? {}, c.spec, c.unixDevices), `rx-${name}`);
  assert.deepEqual(ours, go);
  return ours;
}

const cases: Record<string, Case> = {
  "no flags": { flags: [] },
  "--net-host": { flags: ["--net-host"], options: { hostNetwork: true } },
  "--privileged": { flags: ["--privileged"], options: { privileged: true }, unixDevices: false },
  "--read-only --allow-new-privs --cap-add --cap-drop": {
    flags: ["--read-only", "--allow-new-privs", "--cap-add", "CAP_NET_ADMIN", "--cap-drop", "CAP_MKNOD"],
    spec: [
      withReadonlyRootfs(),
      withAddedCapabilities(["CAP_NET_ADMIN"]),
      withDroppedCapabilities(["CAP_MKNOD"]),
      withNoNewPrivileges(false),
    ],
  },
  "--cpu-quota --cpu-period --memory-limit": {
    flags: ["--cpu-quota", "50000", "--cpu-period", "100000", "--memory-limit", "268435456"],
    spec: [withCPUCFS(50_000, 100_000), withMemoryLimit(268_435_456)],
  },
  "--device": {
    flags: ["--device", "/dev/null", "--device", "/dev/net"],
    spec: [withDevices("/dev/null"), withDevices("/dev/net")],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`${name}: the same spec as ctr containers create`, async (t) => {
    if (!hasFlags(c.flags)) return t.skip(`this ctr has no ${c.flags.filter((f) => f.startsWith("--")).join(" ")}`);
    if (c.flags.includes("/dev/net") && !existsSync("/dev/net")) return t.skip("no /dev/net on this host");
    const ours = await same(name.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, ""), c);
    if (name === "--net-host") {
      assert.ok(!ours.linux?.namespaces?.some((n) => n.type === "network"), "no network namespace");
      assert.ok(ours.process?.env?.includes(`HOSTNAME=${hostname()}`));
    }
    if (name === "--privileged") assert.ok((ours.linux?.devices?.length ?? 0) > 0, "the host's devices");
  });
}

test("privileged: { hostDevices: false }: ctr's --privileged without the host's device nodes", async () => {
  const go = comparable(goSpec("go-priv-nodev", ["--privileged"]), "go-priv-nodev");
  const plain = comparable(goSpec("go-priv-plain", []), "go-priv-plain");
  delete go.linux?.devices;
  if (go.linux?.resources) go.linux.resources.devices = plain.linux?.resources?.devices ?? [];
  const ours = comparable(await ourSpec("rx-priv-nodev", { privileged: { hostDevices: false } }), "rx-priv-nodev");
  assert.deepEqual(ours, go);
});

test("--env-file: the file's lines over the image's env, as ctr", async () => {
  const file = join(dir, "env");
  writeFileSync(file, "PATH=/opt/bin\nA=1\nB=x=y\n");
  const ours = await same("env-file", { flags: ["--env-file", file], spec: [withEnvFile(file)] });
  assert.deepEqual(ours.process?.env, ["PATH=/opt/bin", "A=1", "B=x=y"]);
});

/** Interface names in a /proc/net/dev text. */
const interfaces = (procNetDev: string): string[] =>
  procNetDev
    .split("\n")
    .slice(2)
    .map((l) => l.split(":")[0]?.trim() ?? "")
    .filter((n) => n !== "")
    .sort();

test("hostNetwork runs: the host's interfaces, resolv.conf and hosts, HOSTNAME; without it, only lo", async () => {
  const script =
    'cat /proc/net/dev; echo ===; cat /etc/resolv.conf; echo ===; cat /etc/hosts; echo ===; echo "$HOSTNAME"';
  const host = await runPiped(client, "net-host", Stdio.pipe(), { args: ["sh", "-c", script], hostNetwork: true });
  assert.equal(host.code, 0, host.stderr.toString());
  const [netDev = "", resolv, hosts, name] = host.stdout.toString().split("===\n");
  assert.deepEqual(interfaces(netDev), interfaces(readFileSync("/proc/net/dev", "utf8")));
  assert.equal(resolv, readFileSync("/etc/resolv.conf", "utf8"));
  assert.equal(hosts, readFileSync("/etc/hosts", "utf8"));
  assert.equal(name, `${hostname()}\n`);
  const own = await runPiped(client, "net-own", Stdio.pipe(), { args: ["cat", "/proc/net/dev"] });
  assert.equal(own.code, 0, own.stderr.toString());
  assert.deepEqual(interfaces(own.stdout.toString()), ["lo"]);
});

test("privileged runs: this process's capabilities, the host's devices, /sys writeable", async () => {
  const script = "grep CapEff /proc/self/status; ls /dev/null /dev/net/tun 2>&1; grep ' /sys ' /proc/mounts";
  const r = await runPiped(client, "priv-run", Stdio.pipe(), { args: ["sh", "-c", script], privileged: true });
  assert.equal(r.code, 0, r.stderr.toString());
  const out = r.stdout.toString();
  const capEff = /^CapEff:.*$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[0];
  assert.ok(capEff && out.includes(capEff), `the container's ${out.split("\n")[0]} is this process's ${capEff}`);
  if (existsSync("/dev/net/tun")) assert.match(out, /^\/dev\/net\/tun$/m, "a host device node");
  assert.match(out, /^sysfs \/sys sysfs rw,/m);
  const plain = await runPiped(client, "plain-run", Stdio.pipe(), { args: ["sh", "-c", script] });
  assert.ok(!plain.stdout.toString().includes(capEff), "an unprivileged container has fewer capabilities");
  assert.match(plain.stdout.toString(), /^sysfs \/sys sysfs ro,/m);
});
