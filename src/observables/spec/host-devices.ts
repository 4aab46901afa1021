// Device nodes of the host this process runs on (containerd's oci.DeviceFromPath and
// HostDevices / getDevices), for the device spec options.

import { constants, lstatSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { LinuxDevice } from "./linux-types.js";

/** Directories of /dev that getDevices does not walk. */
const SKIPPED_DIRS = new Set(["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]);

class NotADevice extends Error {}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** glibc's gnu_dev_major / gnu_dev_minor. */
function majorMinor(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major & 0xffffffffn), minor: Number(minor & 0xffffffffn) };
}

function fromPath(path: string): LinuxDevice {
  const st = lstatSync(path, { bigint: true });
  const format = Number(st.mode & BigInt(constants.S_IFMT));
  const type =
    format === constants.S_IFBLK ? "b" : format === constants.S_IFCHR ? "c" : format === constants.S_IFIFO ? "p" : "";
  if (type === "") throw new NotADevice(`${path} is not a device node`);
  return {
    type,
    path,
    ...majorMinor(st.rdev),
    fileMode: Number(st.mode & ~BigInt(constants.S_IFMT)),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/**
 * The device node at `path` on this host (not following a symlink): type `c`, `b` or `p`,
 * major, minor, mode bits (without the file type), uid and gid, like containerd's
 * `oci.DeviceFromPath`. InvalidArgumentError for a path that is missing or not a device.
 *
 * @example
 * ```ts
 * deviceFromPath("/dev/null"); // { type: "c", path: "/dev/null", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }
 * ```
 */
export function deviceFromPath(path: string): LinuxDevice {
  try {
    return fromPath(path);
  } catch (e) {
    throw new InvalidArgumentError(`device ${JSON.stringify(path)}: ${describe(e)}`);
  }
}

function walk(dir: string, containerPath: string): LinuxDevice[] {
  const out: LinuxDevice[] = [];
  // Sorted by name, as Go's os.ReadDir.
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name)) continue;
      out.push(...walk(path, containerPath === "" ? "" : join(containerPath, entry.name)));
      continue;
    }
    if (entry.name === "console") continue;
    let device: LinuxDevice;
    try {
      device = fromPath(path);
    } catch (e) {
      if (e instanceof NotADevice || (e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    if (device.type === "p") continue;
    out.push(containerPath === "" ? device : { ...device, path: join(containerPath, basename(path)) });
  }
  return out;
}

/**
 * The device nodes at `path` on this host: the one device, or, for a directory, every block and
 * character device under it (skipping `pts`, `shm`, `fd`, `mqueue`, `console` and FIFOs), in
 * name order, like containerd's `getDevices`. A `containerPath` renames them inside the
 * container. InvalidArgumentError for a missing path or a file that is not a device.
 *
 * @example
 * ```ts
 * hostDevices("/dev/snd");           // the sound devices, at the same paths in the container
 * hostDevices("/dev/fuse", "/dev/f"); // one device, renamed
 * ```
 */
export function hostDevices(path = "/dev", containerPath = ""): LinuxDevice[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new InvalidArgumentError(`device path ${JSON.stringify(path)}: ${describe(e)}`);
  }
  if (!isDir) {
    const device = deviceFromPath(path);
    return [containerPath === "" ? device : { ...device, path: containerPath }];
  }
  try {
    return walk(path, containerPath);
  } catch (e) {
    throw new InvalidArgumentError(`device path ${JSON.stringify(path)}: ${describe(e)}`);
  }
}
