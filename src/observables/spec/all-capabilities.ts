// Every capability at once (containerd's WithAllCurrentCapabilities / WithAllKnownCapabilities,
// and pkg/cap's list).

import { readFileSync } from "node:fs";
import { NotImplementedError } from "../../errors/containerd-error.js";
import { withCapabilities } from "./linux-opts.js";
import type { SpecOpt } from "./spec-opts.js";

/**
 * The Linux capabilities by number (0 to 40, kernel 5.9 and later), as containerd's `cap.Known()`.
 *
 * @example
 * ```ts
 * KNOWN_CAPABILITIES[21]; // "CAP_SYS_ADMIN"
 * ```
 */
export const KNOWN_CAPABILITIES: readonly string[] = Object.freeze([
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
]);

/**
 * The known capabilities set in a `/proc/<pid>/status` text's `CapEff` line, by number (bits
 * beyond {@link KNOWN_CAPABILITIES} are left out), as containerd's `cap.Current()` reads them.
 * Without a `status` argument, this process's own (`/proc/self/status`); NotImplementedError
 * where there is none (not Linux).
 *
 * @example
 * ```ts
 * effectiveCapabilities("CapEff:\t0000000000000005\n"); // ["CAP_CHOWN", "CAP_DAC_READ_SEARCH"]
 * ```
 */
export function effectiveCapabilities(status?: string): string[] {
  let text = status;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/status", "utf8");
    } catch (e) {
      throw new NotImplementedError(
        `no /proc/self/status to read this process's capabilities from (${String(e)}): ` +
          "use withAllKnownCapabilities(), or withCapabilities([...])",
      );
    }
  }
  const hex = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(text)?.[1];
  if (hex === undefined) throw new NotImplementedError("no CapEff line in the process status");
  const bits = BigInt(`0x${hex}`);
  return KNOWN_CAPABILITIES.filter((_, i) => ((bits >> BigInt(i)) & 1n) === 1n);
}

/**
 * Sets the bounding, effective and permitted sets to this process's effective capabilities, like
 * `WithAllCurrentCapabilities`: what a privileged container gets (see {@link withPrivileged}).
 * Read when the option is applied, from `/proc/self/status`, so it is right when this process
 * runs as the daemon does on the daemon's host (root, for a rootful containerd); a capability the
 * daemon lacks would make the runtime fail. NotImplementedError off Linux: then use
 * {@link withAllKnownCapabilities}.
 *
 * @example
 * ```ts
 * client.containers.create$("admin", { image, spec: [withAllCurrentCapabilities()] });
 * ```
 */
export function withAllCurrentCapabilities(): SpecOpt {
  return (spec, ctx) => withCapabilities(effectiveCapabilities())(spec, ctx);
}

/**
 * Sets the bounding, effective and permitted sets to every capability in
 * {@link KNOWN_CAPABILITIES}, like `WithAllKnownCapabilities`.
 *
 * @example
 * ```ts
 * withAllKnownCapabilities(); // 41 capabilities, whatever this process holds
 * ```
 */
export function withAllKnownCapabilities(): SpecOpt {
  return withCapabilities(KNOWN_CAPABILITIES);
}
