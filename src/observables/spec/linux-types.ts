// The `linux` section of the OCI runtime spec (runtime-spec `specs-go/config.go`), as JSON data.
// 64-bit integers are JS numbers: keep them within Number.MAX_SAFE_INTEGER.

/**
 * The Linux section.
 *
 * @example
 * ```ts
 * const linux: Linux = { cgroupsPath: "/default/web", namespaces: [{ type: "pid" }, { type: "mount" }] };
 * ```
 */
export interface Linux {
  uidMappings?: LinuxIDMapping[];
  gidMappings?: LinuxIDMapping[];
  sysctl?: Record<string, string>;
  resources?: LinuxResources;
  cgroupsPath?: string;
  namespaces?: LinuxNamespace[];
  devices?: LinuxDevice[];
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: {
    closID?: string;
    l3CacheSchema?: string;
    memBwSchema?: string;
    enableCMT?: boolean;
    enableMBM?: boolean;
  };
  personality?: { domain: string; flags?: string[] };
}

/**
 * Linux namespace kinds, as spelled in the spec.
 *
 * @example
 * ```ts
 * const t: LinuxNamespaceType = "network";
 * ```
 */
export type LinuxNamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";

/**
 * A namespace to create (no `path`) or to join (`path` to an nsfs file).
 *
 * @example
 * ```ts
 * const joinNet: LinuxNamespace = { type: "network", path: "/var/run/netns/blue" };
 * ```
 */
export interface LinuxNamespace {
  type: LinuxNamespaceType;
  path?: string;
}

/**
 * A user-namespace id range mapping.
 *
 * @example
 * ```ts
 * const m: LinuxIDMapping = { containerID: 0, hostID: 100000, size: 65536 };
 * ```
 */
export interface LinuxIDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/**
 * Capability sets; names carry the `CAP_` prefix.
 *
 * @example
 * ```ts
 * const caps: LinuxCapabilities = { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] };
 * ```
 */
export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/**
 * A resource limit (`setrlimit`).
 *
 * @example
 * ```ts
 * const nofile: POSIXRlimit = { type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 };
 * ```
 */
export interface POSIXRlimit {
  type: string;
  hard: number;
  soft: number;
}

/**
 * cgroup resource settings.
 *
 * @example
 * ```ts
 * const r: LinuxResources = { memory: { limit: 256 * 1024 * 1024 }, pids: { limit: 100 }, cpu: { shares: 512 } };
 * ```
 */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: Record<string, unknown>;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

/**
 * Memory cgroup settings, in bytes (`-1` means unlimited where the kernel allows it).
 *
 * @example
 * ```ts
 * const mem: LinuxMemory = { limit: 512 * 1024 * 1024, swap: 512 * 1024 * 1024 };
 * ```
 */
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

/**
 * CPU cgroup settings.
 *
 * @example
 * ```ts
 * const cpu: LinuxCPU = { shares: 1024, quota: 50000, period: 100000, cpus: "0-1" };
 * ```
 */
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

/**
 * pids cgroup setting.
 *
 * @example
 * ```ts
 * const pids: LinuxPids = { limit: 64 };
 * ```
 */
export interface LinuxPids {
  limit: number;
}

/**
 * A device cgroup rule. Omitted `type`/`major`/`minor` mean "all".
 *
 * @example
 * ```ts
 * const denyAll: LinuxDeviceCgroup = { allow: false, access: "rwm" };
 * const devNull: LinuxDeviceCgroup = { allow: true, type: "c", major: 1, minor: 3, access: "rwm" };
 * ```
 */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** `"a"`, `"b"` or `"c"`. */
  type?: string;
  major?: number;
  minor?: number;
  /** Some of `r`, `w`, `m`. */
  access?: string;
}

/**
 * A device node to create in the container.
 *
 * @example
 * ```ts
 * const fuse: LinuxDevice = { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666 };
 * ```
 */
export interface LinuxDevice {
  path: string;
  type: string;
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/**
 * A seccomp filter.
 *
 * @example
 * ```ts
 * const s: LinuxSeccomp = { defaultAction: "SCMP_ACT_ALLOW",
 *   syscalls: [{ names: ["mount", "umount2"], action: "SCMP_ACT_ERRNO" }] };
 * ```
 */
export interface LinuxSeccomp {
  /** e.g. `"SCMP_ACT_ERRNO"`. */
  defaultAction: string;
  defaultErrnoRet?: number;
  /** e.g. `"SCMP_ARCH_X86_64"`. */
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

/**
 * A seccomp rule for a set of syscalls.
 *
 * @example
 * ```ts
 * const r: LinuxSyscall = { names: ["personality"], action: "SCMP_ACT_ALLOW",
 *   args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] };
 * ```
 */
export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}
