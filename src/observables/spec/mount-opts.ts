// Removing and resizing the default mounts (containerd's WithoutMounts, WithoutRunMount,
// WithDevShmSize).

import { posix } from "node:path";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { defineSpecOpt, type SpecOpt } from "./spec-opts.js";
import { checkInteger, checkStrings } from "./validate.js";

/**
 * Removes the mounts whose destination (cleaned) is one of `destinations`, like `WithoutMounts`.
 *
 * @example
 * ```ts
 * withoutMounts("/dev/mqueue", "/run");
 * ```
 */
export function withoutMounts(...destinations: string[]): SpecOpt {
  const drop = new Set(checkStrings("withoutMounts", destinations));
  return defineSpecOpt((draft) => {
    draft.mounts = (draft.mounts ?? []).filter(
      (m) => !drop.has(posix.normalize(m.destination).replace(/(.)\/$/, "$1")),
    );
  });
}

/**
 * Removes the `/run` tmpfs of the default spec, like `WithoutRunMount`.
 *
 * @example
 * ```ts
 * withoutRunMount(); // the image's own /run is used
 * ```
 */
export function withoutRunMount(): SpecOpt {
  return withoutMounts("/run");
}

/**
 * Sets the size of the `/dev/shm` tmpfs in KiB (replacing its `size=` option), like
 * `WithDevShmSize`. InvalidArgumentError when applied to a spec without that mount (Go's
 * `ErrNoShmMount`).
 *
 * @example
 * ```ts
 * withDevShmSize(256 * 1024); // 256 MiB
 * ```
 */
export function withDevShmSize(kib: number): SpecOpt {
  checkInteger("withDevShmSize: KiB", kib, 1);
  return defineSpecOpt((draft) => {
    const shm = (draft.mounts ?? []).find(
      (m) => posix.normalize(m.destination) === "/dev/shm" && m.source === "shm" && m.type === "tmpfs",
    );
    if (!shm) throw new InvalidArgumentError("withDevShmSize: the spec has no /dev/shm mount (tmpfs, source shm)");
    shm.options = [...(shm.options ?? []).filter((o) => !o.startsWith("size=")), `size=${kib}k`];
  });
}
