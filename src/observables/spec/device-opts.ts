// Devices and the device cgroup (containerd's WithAllDevicesAllowed, WithParentCgroupDevices,
// WithDefaultUnixDevices, WithHostDevices, WithDevices, WithLinuxDevice(s)).

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { hostDevices } from "./host-devices.js";
import type { LinuxDevice, LinuxDeviceCgroup } from "./linux-types.js";
import { defineSpecOpt, ensureLinux, ensureResources, type SpecOpt } from "./spec-opts.js";

const PERMISSIONS = /^[rwm]{1,3}$/;

function checkPermissions(what: string, permissions: string): void {
  if (typeof permissions !== "string" || !PERMISSIONS.test(permissions)) {
    throw new InvalidArgumentError(`${what}: permissions must be some of "rwm", got ${JSON.stringify(permissions)}`);
  }
}

/**
 * Lets the container read, write and mknod every device: the device cgroup's rules become
 * `[{ allow: true, access: "rwm" }]`, like `WithAllDevicesAllowed`.
 *
 * @example
 * ```ts
 * withAllDevicesAllowed();
 * ```
 */
export function withAllDevicesAllowed(): SpecOpt {
  return defineSpecOpt((draft) => {
    ensureResources(draft).devices = [{ allow: true, access: "rwm" }];
  });
}

/**
 * Removes the device cgroup's rules, so the container inherits its parent cgroup's, like
 * `WithParentCgroupDevices`.
 *
 * @example
 * ```ts
 * withParentCgroupDevices();
 * ```
 */
export function withParentCgroupDevices(): SpecOpt {
  return defineSpecOpt((draft) => {
    delete ensureResources(draft).devices;
  });
}

/** The rules WithDefaultUnixDevices appends, in its order. */
const UNIX_DEVICES: readonly (readonly [number, number | undefined])[] = [
  [1, 3], // /dev/null
  [1, 8], // /dev/random
  [1, 7], // /dev/full
  [5, 0], // /dev/tty
  [1, 5], // /dev/zero
  [1, 9], // /dev/urandom
  [5, 1], // /dev/console
  [136, undefined], // /dev/pts/*
  [5, 2], // /dev/ptmx
];

/**
 * Appends device cgroup rules that allow `rwm` on /dev/null, random, full, tty, zero, urandom,
 * console, the pts devices and ptmx, like `WithDefaultUnixDevices` (which `ctr run` applies).
 *
 * @example
 * ```ts
 * withDefaultUnixDevices();
 * ```
 */
export function withDefaultUnixDevices(): SpecOpt {
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    const rules: LinuxDeviceCgroup[] = UNIX_DEVICES.map(([major, minor]) => ({
      allow: true,
      type: "c",
      major,
      ...(minor === undefined ? {} : { minor }),
      access: "rwm",
    }));
    r.devices = [...(r.devices ?? []), ...rules];
  });
}

/**
 * Appends device nodes to `linux.devices` as given (no cgroup rule), like `WithLinuxDevices`.
 *
 * @example
 * ```ts
 * withLinuxDevices([{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]);
 * ```
 */
export function withLinuxDevices(devices: readonly LinuxDevice[]): SpecOpt {
  const copy = devices.map((d) => ({ ...d }));
  return defineSpecOpt((draft) => {
    const linux = ensureLinux(draft);
    linux.devices = [...(linux.devices ?? []), ...copy];
  });
}

/**
 * Adds this host's device nodes at `devicePath` (one device, or every device in a directory
 * tree) and a cgroup rule allowing `permissions` on each, like `WithDevices` (`ctr run --device`).
 * A `containerPath` puts them elsewhere in the container. The host read happens when the option
 * is applied, on this process's host: use it with a daemon on the same host. InvalidArgumentError
 * for a missing path, a file that is not a device, or permissions other than some of `rwm`.
 *
 * @example
 * ```ts
 * client.containers.create$("fuse", { image, spec: [withDevices("/dev/fuse")] });
 * ```
 */
export function withDevices(devicePath: string, containerPath = "", permissions = "rwm"): SpecOpt {
  checkPermissions("withDevices", permissions);
  return defineSpecOpt((draft) => {
    const devices = hostDevices(devicePath, containerPath);
    const linux = ensureLinux(draft);
    const r = ensureResources(draft);
    linux.devices = [...(linux.devices ?? []), ...devices];
    r.devices = [
      ...(r.devices ?? []),
      ...devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: permissions })),
    ];
  });
}

/**
 * Adds every device node of this host's `/dev` (not `pts`, `shm`, `fd`, `mqueue`, `console`)
 * to `linux.devices`, without cgroup rules, like `WithHostDevices`; pair it with
 * {@link withAllDevicesAllowed}, as `ctr run --privileged` does. Read when applied, on this
 * process's host.
 *
 * @example
 * ```ts
 * client.containers.create$("dind", { image, spec: [withPrivileged(), withAllDevicesAllowed(), withHostDevices()] });
 * ```
 */
export function withHostDevices(): SpecOpt {
  return defineSpecOpt((draft) => {
    const linux = ensureLinux(draft);
    linux.devices = [...(linux.devices ?? []), ...hostDevices("/dev")];
  });
}
