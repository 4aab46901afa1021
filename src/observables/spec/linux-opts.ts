// Spec options for Linux namespaces, cgroup resources, capabilities, rlimits and
// no_new_privileges (containerd oci/spec_opts.go, spec_opts_linux.go). All are pure.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { LinuxNamespace, LinuxNamespaceType, POSIXRlimit } from "./linux-types.js";
import { defineSpecOpt, ensureLinux, ensureProcess, ensureResources, type SpecOpt } from "./spec-opts.js";
import { checkInteger, checkStrings } from "./validate.js";

const NAMESPACE_TYPES: readonly string[] = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup"];

function checkNamespaceType(what: string, type: string): void {
  if (!NAMESPACE_TYPES.includes(type)) {
    throw new InvalidArgumentError(
      `${what}: unknown namespace type ${JSON.stringify(type)} (expected one of ${NAMESPACE_TYPES.join(", ")})`,
    );
  }
}

/**
 * Shares a host namespace by removing that type from the spec's namespace list, like
 * `WithHostNamespace` (all entries of the type are removed).
 *
 * @example
 * ```ts
 * withHostNamespace("network"); // the container uses the host's network stack
 * ```
 */
export function withHostNamespace(type: LinuxNamespaceType): SpecOpt {
  checkNamespaceType("withHostNamespace", type);
  return defineSpecOpt((draft) => {
    const linux = ensureLinux(draft);
    linux.namespaces = (linux.namespaces ?? []).filter((n) => n.type !== type);
  });
}

/**
 * Adds a namespace, replacing an existing one of the same type in place, like
 * `WithLinuxNamespace`. Give a `path` to join an existing namespace.
 *
 * @example
 * ```ts
 * withLinuxNamespace({ type: "network", path: "/var/run/netns/blue" });
 * ```
 */
export function withLinuxNamespace(ns: LinuxNamespace): SpecOpt {
  checkNamespaceType("withLinuxNamespace", ns?.type);
  const copy: LinuxNamespace = { ...ns };
  return defineSpecOpt((draft) => {
    const linux = ensureLinux(draft);
    const list = linux.namespaces ?? [];
    const at = list.findIndex((n) => n.type === copy.type);
    linux.namespaces = at < 0 ? [...list, { ...copy }] : list.map((n, i) => (i === at ? { ...copy } : n));
  });
}

/**
 * Sets the memory limit in bytes (`linux.resources.memory.limit`), like `WithMemoryLimit`.
 *
 * @example
 * ```ts
 * withMemoryLimit(256 * 1024 * 1024);
 * ```
 */
export function withMemoryLimit(bytes: number): SpecOpt {
  checkInteger("withMemoryLimit: bytes", bytes, 0);
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    r.memory = { ...r.memory, limit: bytes };
  });
}

/**
 * Sets the maximum number of processes (`linux.resources.pids.limit`), like `WithPidsLimit`.
 * `-1` means unlimited.
 *
 * @example
 * ```ts
 * withPidsLimit(128);
 * ```
 */
export function withPidsLimit(limit: number): SpecOpt {
  checkInteger("withPidsLimit: limit", limit, -1);
  return defineSpecOpt((draft) => {
    ensureResources(draft).pids = { limit };
  });
}

/**
 * Sets the relative CPU weight (`linux.resources.cpu.shares`; cgroup v1 shares, 1024 is the
 * kernel default), like `WithCPUShares`.
 *
 * @example
 * ```ts
 * withCPUShares(512); // half the default weight
 * ```
 */
export function withCPUShares(shares: number): SpecOpt {
  checkInteger("withCPUShares: shares", shares, 0);
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    r.cpu = { ...r.cpu, shares };
  });
}

const CAPABILITY = /^CAP_[A-Z0-9_]+$/;

function checkCaps(what: string, caps: readonly string[]): string[] {
  const copy = checkStrings(what, caps);
  const bad = copy.find((c) => !CAPABILITY.test(c));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `${what}: ${JSON.stringify(bad)} is not a capability name (expected e.g. "CAP_NET_ADMIN")`,
    );
  }
  return copy;
}

/** The three sets containerd's capability options edit. */
const SETS = ["bounding", "effective", "permitted"] as const;

/**
 * Sets the bounding, effective and permitted capability sets to exactly `caps`, like
 * `WithCapabilities` (inheritable and ambient are left alone). Names need the `CAP_` prefix.
 *
 * @example
 * ```ts
 * withCapabilities(["CAP_NET_BIND_SERVICE"]);
 * ```
 */
export function withCapabilities(caps: readonly string[]): SpecOpt {
  const copy = checkCaps("withCapabilities", caps);
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    p.capabilities = { ...p.capabilities, bounding: [...copy], effective: [...copy], permitted: [...copy] };
  });
}

/**
 * Adds capabilities to the bounding, effective and permitted sets (skipping ones already there),
 * like `WithAddedCapabilities`.
 *
 * @example
 * ```ts
 * withAddedCapabilities(["CAP_NET_ADMIN", "CAP_SYS_PTRACE"]);
 * ```
 */
export function withAddedCapabilities(caps: readonly string[]): SpecOpt {
  const copy = checkCaps("withAddedCapabilities", caps);
  return defineSpecOpt((draft) => {
    const c = (ensureProcess(draft).capabilities ??= {});
    for (const set of SETS) {
      const list = c[set] ?? [];
      c[set] = [...list, ...copy.filter((cap, i) => !list.includes(cap) && copy.indexOf(cap) === i)];
    }
  });
}

/**
 * Removes capabilities from the bounding, effective and permitted sets, like
 * `WithDroppedCapabilities`.
 *
 * @example
 * ```ts
 * withDroppedCapabilities(["CAP_NET_RAW", "CAP_MKNOD"]);
 * ```
 */
export function withDroppedCapabilities(caps: readonly string[]): SpecOpt {
  const copy = checkCaps("withDroppedCapabilities", caps);
  return defineSpecOpt((draft) => {
    const c = (ensureProcess(draft).capabilities ??= {});
    for (const set of SETS) {
      c[set] = (c[set] ?? []).filter((cap) => !copy.includes(cap));
    }
  });
}

/**
 * Sets the inheritable and ambient capability sets to `caps`, like `WithAmbientCapabilities`:
 * a non-root process keeps them across exec. Names need the `CAP_` prefix.
 *
 * @example
 * ```ts
 * composeSpecOpts(withUIDGID(1000, 1000), withAmbientCapabilities(["CAP_NET_BIND_SERVICE"]));
 * ```
 */
export function withAmbientCapabilities(caps: readonly string[]): SpecOpt {
  const copy = checkCaps("withAmbientCapabilities", caps);
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    p.capabilities = { ...p.capabilities, inheritable: [...copy], ambient: [...copy] };
  });
}

/**
 * Sets `process.noNewPrivileges` (containerd's `WithNoNewPrivileges` / `WithNewPrivileges`).
 * The default spec already has it on. `false` removes the field, as Go's JSON omits a false one.
 *
 * @example
 * ```ts
 * withNoNewPrivileges(false); // allow setuid binaries to gain privileges
 * ```
 */
export function withNoNewPrivileges(enabled = true): SpecOpt {
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    if (enabled) p.noNewPrivileges = true;
    else delete p.noNewPrivileges;
  });
}

/**
 * Sets a resource limit, replacing an existing one of the same type in place or appending it.
 * Limits must be safe integers (so "unlimited", 2⁶⁴−1, can't be expressed) with soft ≤ hard.
 *
 * @example
 * ```ts
 * withRlimit({ type: "RLIMIT_NOFILE", soft: 4096, hard: 65536 });
 * ```
 */
export function withRlimit(rlimit: POSIXRlimit): SpecOpt {
  const { type, hard, soft } = rlimit ?? {};
  if (typeof type !== "string" || !/^RLIMIT_[A-Z]+$/.test(type)) {
    throw new InvalidArgumentError(
      `withRlimit: ${JSON.stringify(type)} is not an rlimit type (expected e.g. "RLIMIT_NOFILE")`,
    );
  }
  checkInteger(`withRlimit: ${type} hard`, hard, 0);
  checkInteger(`withRlimit: ${type} soft`, soft, 0, hard);
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    const list = p.rlimits ?? [];
    const at = list.findIndex((r) => r.type === type);
    const next = { type, hard, soft };
    p.rlimits = at < 0 ? [...list, next] : list.map((r, i) => (i === at ? next : r));
  });
}
