// Read-only bind mounts of the daemon host's own files (containerd's WithHostHostsFile,
// WithHostResolvconf, WithHostLocaltime). The runtime mounts them on the daemon's host: nothing
// is read here.

import { defineSpecOpt, type SpecOpt } from "./spec-opts.js";

function hostFile(path: string): SpecOpt {
  return defineSpecOpt((draft) => {
    draft.mounts = [
      ...(draft.mounts ?? []),
      { destination: path, type: "bind", source: path, options: ["rbind", "ro"] },
    ];
  });
}

/**
 * Appends a read-only bind mount of the host's `/etc/hosts` (`rbind`, `ro`), like
 * `WithHostHostsFile`. With a host network (`withHostNamespace("network")`), the container then
 * resolves names as the host does.
 *
 * @example
 * ```ts
 * client.containers.create$("web", { image, spec: [withHostNamespace("network"), withHostHostsFile(), withHostResolvconf()] });
 * ```
 */
export function withHostHostsFile(): SpecOpt {
  return hostFile("/etc/hosts");
}

/**
 * Appends a read-only bind mount of the host's `/etc/resolv.conf` (`rbind`, `ro`), like
 * `WithHostResolvconf`.
 *
 * @example
 * ```ts
 * withHostResolvconf(); // the host's DNS servers inside the container
 * ```
 */
export function withHostResolvconf(): SpecOpt {
  return hostFile("/etc/resolv.conf");
}

/**
 * Appends a read-only bind mount of the host's `/etc/localtime` (`rbind`, `ro`), like
 * `WithHostLocaltime`.
 *
 * @example
 * ```ts
 * withHostLocaltime(); // the container's local time zone is the host's
 * ```
 */
export function withHostLocaltime(): SpecOpt {
  return hostFile("/etc/localtime");
}
