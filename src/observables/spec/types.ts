// OCI runtime spec (config.json) as plain JSON data. Field names are the JSON names of
// opencontainers/runtime-spec `specs-go/config.go`; fields Go marks `omitempty` are optional.
// Linux only: the windows/solaris/vm/zos sections are not modelled (they survive a
// structuredClone untyped). 64-bit integers are JS numbers: keep them within Number.MAX_SAFE_INTEGER.
// The Linux section's types are in ./linux-types.ts.

import type { Linux, LinuxCapabilities, LinuxIDMapping, POSIXRlimit } from "./linux-types.js";

/**
 * The whole runtime spec, as stored in a container record and handed to the runtime.
 *
 * @example
 * ```ts
 * const spec: Spec = { ociVersion: "1.2.1", root: { path: "rootfs" },
 *   process: { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"] } };
 * ```
 */
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

/**
 * The container's init process.
 *
 * @example
 * ```ts
 * const p: Process = { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh", "-c", "echo hi"], env: ["PATH=/bin"] };
 * ```
 */
export interface Process {
  terminal?: boolean;
  consoleSize?: Box;
  user: User;
  args?: string[];
  /** Windows only. */
  commandLine?: string;
  env?: string[];
  /** Absolute path. */
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

/**
 * Console size in characters.
 *
 * @example
 * ```ts
 * const size: Box = { height: 24, width: 80 };
 * ```
 */
export interface Box {
  height: number;
  width: number;
}

/**
 * The user the process runs as.
 *
 * @example
 * ```ts
 * const u: User = { uid: 1000, gid: 1000, additionalGids: [1000, 27] };
 * ```
 */
export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

/**
 * The root filesystem; `path` is relative to the bundle (containerd uses `"rootfs"`).
 *
 * @example
 * ```ts
 * const root: Root = { path: "rootfs", readonly: true };
 * ```
 */
export interface Root {
  path: string;
  readonly?: boolean;
}

/**
 * A mount in the container.
 *
 * @example
 * ```ts
 * const m: Mount = { destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro"] };
 * ```
 */
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: LinuxIDMapping[];
  gidMappings?: LinuxIDMapping[];
}

/**
 * A lifecycle hook command.
 *
 * @example
 * ```ts
 * const h: Hook = { path: "/usr/bin/setup-net", args: ["setup-net", "--bridge"], timeout: 5 };
 * ```
 */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

/**
 * Hooks by lifecycle stage (`prestart` is deprecated in the spec but still honoured by runc).
 *
 * @example
 * ```ts
 * const hooks: Hooks = { poststop: [{ path: "/usr/bin/cleanup" }] };
 * ```
 */
export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}
