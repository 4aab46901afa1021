import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors/containerd-error.js";
import {
  DEFAULT_UNIX_CAPABILITIES,
  OCI_VERSION,
  defaultMounts,
  defaultSpec,
} from "../../src/observables/spec/default-spec.js";

const CAPS = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

test("defaultSpec: top level, root and process", () => {
  const s = defaultSpec("ns", "id");
  assert.equal(s.ociVersion, "1.2.1");
  assert.equal(OCI_VERSION, "1.2.1");
  assert.deepEqual(s.root, { path: "rootfs" });
  assert.equal(s.hostname, undefined);
  assert.equal(s.annotations, undefined);
  const p = s.process;
  assert.ok(p);
  assert.equal(p.cwd, "/");
  assert.equal(p.args, undefined);
  assert.equal(p.env, undefined);
  assert.equal(p.terminal, undefined);
  assert.deepEqual(p.user, { uid: 0, gid: 0 });
  assert.equal(p.noNewPrivileges, true);
  assert.deepEqual(p.rlimits, [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }]);
});

test("defaultSpec: 14 capabilities in bounding/effective/permitted only", () => {
  const caps = defaultSpec("ns", "id").process?.capabilities;
  assert.ok(caps);
  assert.equal(CAPS.length, 14);
  assert.deepEqual(caps.bounding, CAPS);
  assert.deepEqual(caps.effective, CAPS);
  assert.deepEqual(caps.permitted, CAPS);
  assert.equal(caps.inheritable, undefined);
  assert.equal(caps.ambient, undefined);
  assert.deepEqual([...DEFAULT_UNIX_CAPABILITIES], CAPS);
  assert.ok(Object.isFrozen(DEFAULT_UNIX_CAPABILITIES));
});

test("defaultSpec: linux section", () => {
  const l = defaultSpec("ns", "id").linux;
  assert.ok(l);
  assert.equal(l.cgroupsPath, "/ns/id");
  assert.deepEqual(l.resources, { devices: [{ allow: false, access: "rwm" }] });
  assert.deepEqual(l.namespaces, [
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "network" },
  ]);
  assert.deepEqual(l.maskedPaths, [
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/scsi",
  ]);
  assert.deepEqual(l.readonlyPaths, ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]);
  assert.equal(l.seccomp, undefined);
});

test("defaultSpec: exactly the 7 default mounts with their options", () => {
  const mounts = defaultSpec("default", "web").mounts;
  assert.deepEqual(mounts, [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    {
      destination: "/run",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
  ]);
  assert.deepEqual(defaultMounts(), mounts);
});

test("defaultSpec: a fresh object each call, sharing nothing", () => {
  const a = defaultSpec("ns", "id");
  const b = defaultSpec("ns", "id");
  assert.deepEqual(a, b);
  assert.notEqual(a, b);
  a.process?.capabilities?.bounding?.push("CAP_SYS_ADMIN");
  a.mounts?.[0]?.options?.push("ro");
  a.linux?.maskedPaths?.pop();
  a.linux?.namespaces?.pop();
  assert.deepEqual(defaultSpec("ns", "id"), b);
  assert.equal(b.process?.capabilities?.bounding?.length, 14);
});

test("defaultSpec: JSON has the keys containerd writes and nothing else", () => {
  const json = JSON.parse(JSON.stringify(defaultSpec("default", "web"))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ["ociVersion", "process", "root", "mounts", "linux"]);
  assert.deepEqual(Object.keys(json.process as object), ["user", "cwd", "capabilities", "rlimits", "noNewPrivileges"]);
  assert.deepEqual(Object.keys(json.linux as object), [
    "resources",
    "cgroupsPath",
    "namespaces",
    "maskedPaths",
    "readonlyPaths",
  ]);
});

test("defaultSpec: rejects a bad namespace or id", () => {
  assert.throws(
    () => defaultSpec("", "id"),
    (e) => e instanceof InvalidArgumentError && /namespace/.test(e.message),
  );
  assert.throws(() => defaultSpec("ns", "../etc"), InvalidArgumentError);
  assert.throws(() => defaultSpec("ns", "a/b"), InvalidArgumentError);
});
