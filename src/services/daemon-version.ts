/** `major.minor` of a containerd version. */
export interface MajorMinor {
  readonly major: number;
  readonly minor: number;
}

/**
 * `major.minor` of a containerd version string as `Version.Version` reports it, whatever the
 * build adds: `1.6.20~ds1` (Debian), `v1.7.24` (upstream), `2.1.9+unknown`, `2.0` (a
 * `since` of the availability table). Undefined for anything else (`""`, `fake`, `dev-1.7`).
 *
 * @example
 * ```ts
 * parseContainerdVersion("1.6.20~ds1"); // { major: 1, minor: 6 }
 * ```
 */
export function parseContainerdVersion(version: string | undefined): MajorMinor | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? "");
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * Whether a containerd version string (see {@link parseContainerdVersion}) is at least
 * `major.minor`; `undefined` when it cannot be parsed (no version, or not a version), so a
 * caller says "unknown" rather than guessing. The one version comparison of this library: what
 * a daemon lacks (UNIMPLEMENTED), whether Transfer exists, whether a restart reaps tasks.
 *
 * @example
 * ```ts
 * versionAtLeast("2.1.9+unknown", 1, 7); // true
 * versionAtLeast("1.6.20~ds1", 1, 7); // false
 * versionAtLeast("", 1, 7); // undefined
 * ```
 */
export function versionAtLeast(version: string | undefined, major: number, minor: number): boolean | undefined {
  const v = parseContainerdVersion(version);
  if (!v) return undefined;
  return v.major !== major ? v.major > major : v.minor >= minor;
}

/**
 * {@link versionAtLeast} with the minimum written as a version string (`"1.7"`, the `since` of a
 * `NotImplementedError`); `undefined` if either cannot be parsed.
 *
 * @example
 * ```ts
 * versionAtLeastSince("v1.7.24", "1.7"); // true
 * ```
 */
export function versionAtLeastSince(version: string | undefined, since: string | undefined): boolean | undefined {
  const need = parseContainerdVersion(since);
  return need ? versionAtLeast(version, need.major, need.minor) : undefined;
}
