// Environment-list helpers (`KEY=value` entries), after containerd's replaceOrAppendEnvValues.

/**
 * The PATH containerd uses when neither the image nor the caller sets one.
 *
 * @example
 * ```ts
 * withEnv([DEFAULT_PATH_ENV]);
 * ```
 */
export const DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The key of an env entry: the text before the first `=` (the whole entry when there is none). */
function envKey(entry: string): string {
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : entry.slice(0, eq);
}

/**
 * Merges `overrides` into `defaults` by key and returns a new list; neither input is changed.
 *
 * - `KEY=value` replaces the existing entry for KEY in place, or is appended.
 * - A bare `KEY` (no `=`) removes KEY.
 * - Unlike Go's `replaceOrAppendEnvValues`, entries appended by an earlier override are
 *   themselves replaced or removed by later ones, so the result never holds a key twice
 *   (unless `defaults` already did).
 *
 * @example
 * ```ts
 * mergeEnv(["PATH=/bin", "A=1"], ["A=2", "B=3", "PATH"]); // ["A=2", "B=3"]
 * ```
 */
export function mergeEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const result: (string | undefined)[] = [...defaults];
  const index = new Map<string, number>();
  defaults.forEach((e, i) => index.set(envKey(e), i));
  for (const value of overrides) {
    const key = envKey(value);
    const at = index.get(key);
    if (!value.includes("=")) {
      if (at !== undefined) {
        result[at] = undefined;
        index.delete(key);
      }
    } else if (at !== undefined) {
      result[at] = value;
    } else {
      index.set(key, result.push(value) - 1);
    }
  }
  return result.filter((e): e is string => e !== undefined);
}

/**
 * Converts a record to `KEY=value` entries; an `undefined` value becomes a bare `KEY` (an unset
 * for {@link mergeEnv}).
 *
 * @example
 * ```ts
 * envFromRecord({ A: "1", B: undefined }); // ["A=1", "B"]
 * ```
 */
export function envFromRecord(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
}
