// The default Linux spec containerd 2.x's Go client generates (pkg/oci/spec.go
// populateDefaultUnixSpec and pkg/oci/mounts.go defaultMounts), as a fresh object per call.
// containerd 1.6's differs in two places: no /sys/devices/virtual/powercap among the masked
// paths (added in 1.7), and ociVersion 1.0.2-dev.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { checkIdentifier } from "../client/identifiers.js";
import type { LinuxNamespace } from "./linux-types.js";
import type { Mount, Spec } from "./types.js";

/**
 * The runtime-spec version containerd 2.1's Go client writes (`specs.Version` of runtime-spec
 * v1.2.1; 1.6's wrote `1.0.2-dev`). runc 1.1 runs such specs.
 *
 * @example
 * ```ts
 * defaultSpec("default", "web").ociVersion === OCI_VERSION; // true
 * ```
 */
export const OCI_VERSION = "1.2.1";

/**
 * The 14 capabilities containerd grants by default (bounding, permitted and effective sets).
 *
 * @example
 * ```ts
 * withCapabilities([...DEFAULT_UNIX_CAPABILITIES, "CAP_NET_ADMIN"]);
 * ```
 */
export const DEFAULT_UNIX_CAPABILITIES: readonly string[] = Object.freeze([
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
]);

const MASKED_PATHS = [
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
];

const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

const NAMESPACES: readonly LinuxNamespace["type"][] = ["pid", "ipc", "uts", "mount", "network"];

/**
 * containerd's 7 default Linux mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys,
 * /run), as a fresh array.
 *
 * @example
 * ```ts
 * defaultMounts().map((m) => m.destination); // ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/run"]
 * ```
 */
export function defaultMounts(): Mount[] {
  return [
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
  ];
}

/**
 * The spec containerd 2.x's `GenerateSpec` starts from on Linux, before any option: root
 * `rootfs`, cwd `/`, no args and no env, uid/gid 0, `noNewPrivileges`, the 14
 * {@link DEFAULT_UNIX_CAPABILITIES} in the bounding/permitted/effective sets (none inheritable or
 * ambient), `RLIMIT_NOFILE` 1024/1024, masked and read-only /proc and /sys paths (with
 * `/sys/devices/virtual/powercap`, which 1.6's Go client left readable),
 * cgroupsPath `/<namespace>/<id>`, a deny-all `rwm` device rule, new pid/ipc/uts/mount/network
 * namespaces and the 7 {@link defaultMounts}. Fields Go would omit (`omitempty`) are absent, so
 * `JSON.stringify` gives the same document containerd stores.
 *
 * Returns a fresh object each call. Throws InvalidArgumentError when `namespace` or `id` is not
 * a valid containerd identifier (containerd would reject the container anyway).
 *
 * @example
 * ```ts
 * const spec = applySpecOpts(defaultSpec("default", "web"), { namespace: "default", id: "web" },
 *   [withProcessArgs("nginx", "-g", "daemon off;")]);
 * spec.linux?.cgroupsPath; // "/default/web"
 * ```
 */
export function defaultSpec(namespace: string, id: string): Spec {
  const problem = checkIdentifier("namespace", namespace) ?? checkIdentifier("container id", id);
  if (problem) throw new InvalidArgumentError(`defaultSpec: ${problem.rawMessage}`);
  return {
    ociVersion: OCI_VERSION,
    process: {
      user: { uid: 0, gid: 0 },
      cwd: "/",
      capabilities: {
        bounding: [...DEFAULT_UNIX_CAPABILITIES],
        effective: [...DEFAULT_UNIX_CAPABILITIES],
        permitted: [...DEFAULT_UNIX_CAPABILITIES],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs" },
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      cgroupsPath: `/${namespace}/${id}`,
      namespaces: NAMESPACES.map((type) => ({ type })),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}
