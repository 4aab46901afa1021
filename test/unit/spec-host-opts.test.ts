// The spec builders after containerd's host, confinement, device, resource and mount options:
// what each puts in the default spec, and the bad input each refuses. Their parity with
// `ctr containers create` is test/integration/spec-parity.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, NotImplementedError } from "../../src/errors/containerd-error.js";
import {
  effectiveCapabilities,
  KNOWN_CAPABILITIES,
  withAllCurrentCapabilities,
  withAllKnownCapabilities,
} from "../../src/observables/spec/all-capabilities.js";
import { defaultSpec } from "../../src/observables/spec/default-spec.js";
import {
  withAllDevicesAllowed,
  withDefaultUnixDevices,
  withDevices,
  withHostDevices,
  withLinuxDevices,
  withParentCgroupDevices,
} from "../../src/observables/spec/device-opts.js";
import { withEnvFile } from "../../src/observables/spec/env-file.js";
import { deviceFromPath, hostDevices } from "../../src/observables/spec/host-devices.js";
import { withHostHostsFile, withHostLocaltime, withHostResolvconf } from "../../src/observables/spec/host-files.js";
import { withAmbientCapabilities } from "../../src/observables/spec/linux-opts.js";
import { withDevShmSize, withoutMounts, withoutRunMount } from "../../src/observables/spec/mount-opts.js";
import { withEnv, withMounts, withTTYSize } from "../../src/observables/spec/process-opts.js";
import {
  withCgroup,
  withCPUCFS,
  withCPUs,
  withCPUsMems,
  withMemorySwap,
  withNamespacedCgroup,
} from "../../src/observables/spec/resource-opts.js";
import {
  withApparmorProfile,
  withMaskedPaths,
  withPrivileged,
  withReadonlyPaths,
  withSeccompUnconfined,
  withSelinuxLabel,
  withWriteableCgroupfs,
  withWriteableSysfs,
} from "../../src/observables/spec/security-opts.js";
import { applySpecOpts, type SpecContext, type SpecOpt } from "../../src/observables/spec/spec-opts.js";
import type { Spec } from "../../src/observables/spec/types.js";

const ctx: SpecContext = { namespace: "ns", id: "web" };
const base = (): Spec => defaultSpec("ns", "web");
const run = (...opts: SpecOpt[]): Spec => applySpecOpts(base(), ctx, opts);
const invalid = (re: RegExp) => (e: unknown) => e instanceof InvalidArgumentError && re.test((e as Error).message);

test("host files: read-only rbind mounts of /etc/hosts, /etc/resolv.conf, /etc/localtime, after the defaults", () => {
  const spec = run(withHostHostsFile(), withHostResolvconf(), withHostLocaltime());
  assert.deepEqual(spec.mounts?.slice(0, -3), base().mounts);
  assert.deepEqual(
    spec.mounts?.slice(-3),
    ["/etc/hosts", "/etc/resolv.conf", "/etc/localtime"].map((p) => ({
      destination: p,
      type: "bind",
      source: p,
      options: ["rbind", "ro"],
    })),
  );
});

test("effectiveCapabilities reads CapEff by bit number; unknown bits are left out; no line is NotImplemented", () => {
  assert.deepEqual(effectiveCapabilities("CapInh:\t0\nCapEff:\t0000000000000005\n"), [
    "CAP_CHOWN",
    "CAP_DAC_READ_SEARCH",
  ]);
  // bit 24 (CAP_SYS_RESOURCE) clear, bit 41 (unknown) set
  const caps = effectiveCapabilities("CapEff:\t000003fffeffffff\n");
  assert.equal(caps.length, 40);
  assert.ok(!caps.includes("CAP_SYS_RESOURCE"));
  assert.equal(caps.at(-1), "CAP_CHECKPOINT_RESTORE");
  assert.throws(() => effectiveCapabilities("Name:\tnode\n"), NotImplementedError);
  assert.equal(KNOWN_CAPABILITIES.length, 41);
  assert.equal(KNOWN_CAPABILITIES[21], "CAP_SYS_ADMIN");
});

test("withAllCurrentCapabilities: this process's CapEff in the three sets; withAllKnownCapabilities: all 41", () => {
  const current = effectiveCapabilities();
  const caps = run(withAllCurrentCapabilities()).process?.capabilities;
  assert.deepEqual(caps?.bounding, current);
  assert.deepEqual(caps?.effective, current);
  assert.deepEqual(caps?.permitted, current);
  assert.deepEqual(run(withAllKnownCapabilities()).process?.capabilities?.bounding, [...KNOWN_CAPABILITIES]);
});

test("withAmbientCapabilities sets inheritable and ambient only; bad names are refused", () => {
  const caps = run(withAmbientCapabilities(["CAP_NET_BIND_SERVICE"])).process?.capabilities;
  assert.deepEqual(caps?.inheritable, ["CAP_NET_BIND_SERVICE"]);
  assert.deepEqual(caps?.ambient, ["CAP_NET_BIND_SERVICE"]);
  assert.deepEqual(caps?.bounding, base().process?.capabilities?.bounding);
  assert.throws(() => withAmbientCapabilities(["NET_ADMIN"]), InvalidArgumentError);
});

test("withPrivileged: current capabilities, no masked/read-only paths, sysfs rw, no seccomp/AppArmor/SELinux", () => {
  const confined = applySpecOpts(base(), ctx, [withApparmorProfile("docker-default"), withSelinuxLabel("x:y:z:s0")]);
  confined.linux = { ...confined.linux, seccomp: { defaultAction: "SCMP_ACT_ERRNO" } };
  confined.mounts = [
    ...(confined.mounts ?? []),
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid"] },
  ];
  const spec = applySpecOpts(confined, ctx, [withPrivileged()]);
  assert.deepEqual(spec.process?.capabilities?.bounding, effectiveCapabilities());
  assert.equal(spec.linux?.maskedPaths, undefined);
  assert.equal(spec.linux?.readonlyPaths, undefined);
  assert.equal(spec.linux?.seccomp, undefined);
  assert.equal(spec.process?.apparmorProfile, undefined);
  assert.equal(spec.process?.selinuxLabel, undefined);
  assert.deepEqual(spec.mounts?.find((m) => m.type === "sysfs")?.options, ["nosuid", "noexec", "nodev", "rw"]);
  assert.deepEqual(spec.mounts?.find((m) => m.type === "cgroup")?.options, ["rw", "nosuid"]);
  assert.ok(base().linux?.maskedPaths?.length, "the default spec masks paths (so the test can fail)");
  assert.deepEqual(confined.process?.apparmorProfile, "docker-default", "the input is unchanged");
});

test("masked and read-only paths: replaced, or removed by an empty list; writeable sysfs/cgroupfs alone", () => {
  assert.deepEqual(run(withMaskedPaths(["/proc/kcore"])).linux?.maskedPaths, ["/proc/kcore"]);
  assert.deepEqual(run(withReadonlyPaths(["/proc/sys"])).linux?.readonlyPaths, ["/proc/sys"]);
  assert.equal(run(withMaskedPaths([])).linux?.maskedPaths, undefined);
  assert.throws(() => withMaskedPaths("/proc" as unknown as string[]), InvalidArgumentError);
  assert.deepEqual(run(withWriteableSysfs()).mounts?.find((m) => m.type === "sysfs")?.options, [
    "nosuid",
    "noexec",
    "nodev",
    "rw",
  ]);
  assert.deepEqual(run(withWriteableCgroupfs()).mounts, base().mounts, "no cgroup mount in the default spec");
  assert.equal(run(withSeccompUnconfined()).linux?.seccomp, undefined);
});

test("device cgroup: all allowed, parent's, and the nine default unix rules in Go's order", () => {
  assert.deepEqual(run(withAllDevicesAllowed()).linux?.resources?.devices, [{ allow: true, access: "rwm" }]);
  assert.equal(run(withParentCgroupDevices()).linux?.resources?.devices, undefined);
  const rules = run(withDefaultUnixDevices()).linux?.resources?.devices ?? [];
  assert.deepEqual(rules[0], base().linux?.resources?.devices?.[0], "appended after the deny-all");
  assert.deepEqual(
    rules.slice(1).map((r) => [r.type, r.major, r.minor, r.access, r.allow]),
    [
      ["c", 1, 3, "rwm", true],
      ["c", 1, 8, "rwm", true],
      ["c", 1, 7, "rwm", true],
      ["c", 5, 0, "rwm", true],
      ["c", 1, 5, "rwm", true],
      ["c", 1, 9, "rwm", true],
      ["c", 5, 1, "rwm", true],
      ["c", 136, undefined, "rwm", true],
      ["c", 5, 2, "rwm", true],
    ],
  );
  assert.ok(!("minor" in (rules[8] ?? {})), "the pts rule has no minor (every pts device)");
});

test("deviceFromPath and hostDevices read this host's device nodes; bad paths are InvalidArgument", () => {
  const devNull = deviceFromPath("/dev/null");
  assert.deepEqual(devNull, { type: "c", path: "/dev/null", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 });
  assert.deepEqual(hostDevices("/dev/null", "/dev/nothing"), [{ ...devNull, path: "/dev/nothing" }]);
  const all = hostDevices();
  assert.ok(
    all.some((d) => d.path === "/dev/null"),
    "/dev/null among the host's devices",
  );
  assert.ok(!all.some((d) => d.path.startsWith("/dev/pts/") || d.path === "/dev/console"), "pts and console skipped");
  const paths = all.map((d) => d.path);
  assert.deepEqual(
    paths.filter((p) => !p.slice(5).includes("/")),
    paths.filter((p) => !p.slice(5).includes("/")).sort(),
  );
  assert.throws(() => deviceFromPath("/etc/hostname"), invalid(/not a device node/));
  assert.throws(() => hostDevices("/dev/no-such-device"), invalid(/no-such-device/));
});

test("withDevices: the device and a cgroup rule with its permissions; withHostDevices: nodes only", () => {
  const spec = run(withDevices("/dev/null", "", "rw"));
  assert.deepEqual(spec.linux?.devices, [deviceFromPath("/dev/null")]);
  assert.deepEqual(spec.linux?.resources?.devices?.at(-1), {
    allow: true,
    type: "c",
    major: 1,
    minor: 3,
    access: "rw",
  });
  assert.throws(() => withDevices("/dev/null", "", "rwx"), invalid(/permissions/));
  assert.throws(() => run(withDevices("/dev/no-such-device")), invalid(/no-such-device/));
  const host = run(withHostDevices());
  assert.deepEqual(host.linux?.devices, hostDevices());
  assert.deepEqual(host.linux?.resources, base().linux?.resources);
  const given = { path: "/dev/fuse", type: "c", major: 10, minor: 229 };
  assert.deepEqual(run(withLinuxDevices([given])).linux?.devices, [given]);
});

test("resources: CFS quota and period, cpuset cpus and mems, swap; bad values are refused", () => {
  const cpu = run(withCPUCFS(150_000, 100_000), withCPUs("0-1,3"), withCPUsMems("0")).linux?.resources?.cpu;
  assert.deepEqual(cpu, { quota: 150_000, period: 100_000, cpus: "0-1,3", mems: "0" });
  assert.deepEqual(run(withMemorySwap(-1)).linux?.resources?.memory, { swap: -1 });
  assert.throws(() => withCPUCFS(-2, 100_000), InvalidArgumentError);
  assert.throws(() => withCPUCFS(1, 0.5), InvalidArgumentError);
  assert.throws(() => withCPUs("0-"), invalid(/cpuset/));
  assert.throws(() => withCPUsMems("a"), invalid(/cpuset/));
  assert.throws(() => withMemorySwap(-2), InvalidArgumentError);
});

test("cgroup path: given, or /<namespace>/<id> from the context", () => {
  assert.equal(run(withCgroup("/batch/job")).linux?.cgroupsPath, "/batch/job");
  assert.equal(run(withCgroup(""), withNamespacedCgroup()).linux?.cgroupsPath, "/ns/web");
});

test("mounts: removed by cleaned destination; /dev/shm resized; no /dev/shm is InvalidArgument", () => {
  const dests = (s: Spec) => (s.mounts ?? []).map((m) => m.destination);
  assert.deepEqual(
    dests(run(withoutRunMount())),
    dests(base()).filter((d) => d !== "/run"),
  );
  assert.deepEqual(
    dests(
      run(withMounts([{ destination: "/data/", source: "/srv", type: "bind" }]), withoutMounts("/data", "/dev/mqueue")),
    ),
    dests(base()).filter((d) => d !== "/dev/mqueue"),
  );
  const shm = run(withDevShmSize(1024)).mounts?.find((m) => m.destination === "/dev/shm");
  assert.deepEqual(shm?.options, ["nosuid", "noexec", "nodev", "mode=1777", "size=1024k"]);
  assert.throws(() => run(withoutMounts("/dev/shm"), withDevShmSize(1024)), invalid(/no \/dev\/shm mount/));
  assert.throws(() => withDevShmSize(0), InvalidArgumentError);
});

test("withEnvFile merges the file's lines over the env (CRLF, a bare KEY unsets); a missing file is InvalidArgument", () => {
  const dir = mkdtempSync(join(tmpdir(), "envfile-"));
  try {
    const file = join(dir, "env");
    writeFileSync(file, "A=1\r\nPATH=/opt/bin\nDROP\nB=x=y\n");
    const env = run(withEnv(["PATH=/bin", "DROP=1", "KEEP=2"]), withEnvFile(file)).process?.env;
    assert.deepEqual(env, ["PATH=/opt/bin", "KEEP=2", "A=1", "B=x=y"]);
    assert.throws(() => run(withEnvFile(join(dir, "missing"))), invalid(/withEnvFile: .*ENOENT/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("withTTYSize sets the console size; out-of-range sizes are refused", () => {
  assert.deepEqual(run(withTTYSize(120, 40)).process?.consoleSize, { width: 120, height: 40 });
  assert.throws(() => withTTYSize(-1, 40), InvalidArgumentError);
});
