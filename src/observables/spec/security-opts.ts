// Confinement of a container, and dropping it (containerd's WithMaskedPaths, WithReadonlyPaths,
// WithWriteableSysfs, WithWriteableCgroupfs, WithSelinuxLabel, WithApparmorProfile,
// WithSeccompUnconfined, WithPrivileged).

import { withAllCurrentCapabilities } from "./all-capabilities.js";
import { composeSpecOpts, defineSpecOpt, ensureLinux, ensureProcess, type SpecOpt } from "./spec-opts.js";
import type { Spec } from "./types.js";
import { checkStrings } from "./validate.js";

/** Replaces `linux[field]`; an empty list removes it (Go's nil). */
function pathList(what: string, field: "maskedPaths" | "readonlyPaths", paths: readonly string[]): SpecOpt {
  const copy = checkStrings(what, paths);
  return defineSpecOpt((draft) => {
    const linux = ensureLinux(draft);
    if (copy.length === 0) delete linux[field];
    else linux[field] = copy;
  });
}

/**
 * Replaces `linux.maskedPaths` (paths the runtime hides from the container). An empty list
 * removes the field, as Go's `WithMaskedPaths(nil)` does: nothing is masked.
 *
 * @example
 * ```ts
 * withMaskedPaths(["/proc/kcore", "/proc/keys"]);
 * ```
 */
export function withMaskedPaths(paths: readonly string[]): SpecOpt {
  return pathList("withMaskedPaths", "maskedPaths", paths);
}

/**
 * Replaces `linux.readonlyPaths` (paths the runtime remounts read-only). An empty list removes
 * the field, as Go's `WithReadonlyPaths(nil)`.
 *
 * @example
 * ```ts
 * withReadonlyPaths(["/proc/sys", "/proc/sysrq-trigger"]);
 * ```
 */
export function withReadonlyPaths(paths: readonly string[]): SpecOpt {
  return pathList("withReadonlyPaths", "readonlyPaths", paths);
}

function writeable(type: string): SpecOpt {
  return defineSpecOpt((draft: Spec) => {
    for (const m of draft.mounts ?? []) {
      if (m.type === type && m.options) m.options = m.options.map((o) => (o === "ro" ? "rw" : o));
    }
  });
}

/**
 * Makes every `sysfs` mount writeable (its `ro` option becomes `rw`), like `WithWriteableSysfs`.
 *
 * @example
 * ```ts
 * withWriteableSysfs();
 * ```
 */
export function withWriteableSysfs(): SpecOpt {
  return writeable("sysfs");
}

/**
 * Makes every `cgroup` mount writeable (its `ro` option becomes `rw`), like
 * `WithWriteableCgroupfs`. The default spec has no cgroup mount; this edits one added before.
 *
 * @example
 * ```ts
 * withWriteableCgroupfs();
 * ```
 */
export function withWriteableCgroupfs(): SpecOpt {
  return writeable("cgroup");
}

/**
 * Sets the process's SELinux label, like `WithSelinuxLabel`; `""` removes it.
 *
 * @example
 * ```ts
 * withSelinuxLabel("system_u:system_r:container_t:s0:c1,c2");
 * ```
 */
export function withSelinuxLabel(label: string): SpecOpt {
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    if (label === "") delete p.selinuxLabel;
    else p.selinuxLabel = label;
  });
}

/**
 * Sets the process's AppArmor profile (one already loaded on the daemon's host), like
 * `WithApparmorProfile`; `""` removes it.
 *
 * @example
 * ```ts
 * withApparmorProfile("docker-default");
 * ```
 */
export function withApparmorProfile(profile: string): SpecOpt {
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    if (profile === "") delete p.apparmorProfile;
    else p.apparmorProfile = profile;
  });
}

/**
 * Removes the seccomp filter (`linux.seccomp`), like `WithSeccompUnconfined`.
 *
 * @example
 * ```ts
 * withSeccompUnconfined();
 * ```
 */
export function withSeccompUnconfined(): SpecOpt {
  return defineSpecOpt((draft) => {
    delete ensureLinux(draft).seccomp;
  });
}

/**
 * What containerd's `WithPrivileged` does: this process's effective capabilities
 * ({@link withAllCurrentCapabilities}), no masked or read-only paths, writeable sysfs and cgroupfs,
 * no SELinux label, AppArmor profile or seccomp filter. `ctr run --privileged` (and the
 * `privileged` option of `containers.create$`) adds {@link withAllDevicesAllowed} and
 * {@link withHostDevices}. NotImplementedError off Linux (see `withAllCurrentCapabilities`).
 *
 * @example
 * ```ts
 * client.containers.create$("dind", { image, spec: [withPrivileged(), withAllDevicesAllowed(), withHostDevices()] });
 * ```
 */
export function withPrivileged(): SpecOpt {
  return composeSpecOpts(
    withAllCurrentCapabilities(),
    withMaskedPaths([]),
    withReadonlyPaths([]),
    withWriteableSysfs(),
    withWriteableCgroupfs(),
    withSelinuxLabel(""),
    withApparmorProfile(""),
    withSeccompUnconfined(),
  );
}
