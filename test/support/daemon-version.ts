// The lab daemon's containerd line, detected from the daemon itself (Version), for tests whose
// expectation differs by version (docs/compatibility.md).
import { lastValueFrom } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { parseContainerdVersion, versionAtLeast } from "../../src/services/daemon-version.js";

export interface DaemonVersion {
  /** As the daemon reports it, e.g. `1.6.20~ds1`, `2.1.9+unknown`. */
  readonly version: string;
  readonly revision: string;
  readonly major: number;
  readonly minor: number;
}

/** Asks the daemon for its version and parses major.minor. */
export async function daemonVersion(client: Containerd): Promise<DaemonVersion> {
  const v = await lastValueFrom(client.version$());
  const m = parseContainerdVersion(v.version);
  if (!m) throw new Error(`unparseable containerd version ${JSON.stringify(v.version)}`);
  return { version: v.version, revision: v.revision, ...m };
}

/** Whether the daemon's version is at least major.minor. */
export const atLeast = (v: DaemonVersion, major: number, minor: number): boolean =>
  versionAtLeast(v.version, major, minor) === true;
