// Spec options for the process, environment, hostname, mounts, root and annotations
// (containerd oci/spec_opts.go). All are pure: each returns a new Spec.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { DEFAULT_PATH_ENV, envFromRecord, mergeEnv } from "./env.js";
import { defineSpecOpt, ensureProcess, type SpecOpt } from "./spec-opts.js";
import type { Mount } from "./types.js";
import { checkInteger, checkStrings } from "./validate.js";

/**
 * Replaces the process arguments (and clears the Windows `commandLine`), like `WithProcessArgs`.
 *
 * @example
 * ```ts
 * applySpecOpts(spec, ctx, [withProcessArgs("sh", "-c", "echo hello")]);
 * ```
 */
export function withProcessArgs(...args: string[]): SpecOpt {
  const copy = checkStrings("withProcessArgs", args);
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    p.args = [...copy];
    delete p.commandLine;
  });
}

/**
 * Sets environment variables by key, like `WithEnv`: `KEY=value` replaces KEY's entry in place
 * or appends it; a bare `KEY` (or, in the record form, an `undefined` value) removes KEY. An empty
 * list changes nothing.
 *
 * @example
 * ```ts
 * withEnv(["LANG=C.UTF-8", "DEBUG"]);           // set LANG, remove DEBUG
 * withEnv({ LANG: "C.UTF-8", DEBUG: undefined }); // the same
 * ```
 */
export function withEnv(env: readonly string[] | Readonly<Record<string, string | undefined>>): SpecOpt {
  const entries = Array.isArray(env)
    ? checkStrings("withEnv", env)
    : envFromRecord(env as Record<string, string | undefined>);
  return defineSpecOpt((draft) => {
    if (entries.length === 0) return;
    const p = ensureProcess(draft);
    p.env = mergeEnv(p.env ?? [], entries);
  });
}

/**
 * Sets PATH to containerd's default ({@link DEFAULT_PATH_ENV}), like `WithDefaultPathEnv`.
 *
 * @example
 * ```ts
 * applySpecOpts(spec, ctx, [withDefaultPathEnv()]).process?.env; // [..., "PATH=/usr/local/sbin:…:/bin"]
 * ```
 */
export function withDefaultPathEnv(): SpecOpt {
  return withEnv([DEFAULT_PATH_ENV]);
}

/**
 * Sets the working directory, which must be absolute (runc rejects relative ones).
 *
 * @example
 * ```ts
 * withProcessCwd("/srv/app");
 * ```
 */
export function withProcessCwd(cwd: string): SpecOpt {
  if (typeof cwd !== "string" || !cwd.startsWith("/")) {
    throw new InvalidArgumentError(`withProcessCwd: cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  }
  return defineSpecOpt((draft) => {
    ensureProcess(draft).cwd = cwd;
  });
}

/**
 * Sets the container's hostname (takes effect with a new uts namespace).
 *
 * @example
 * ```ts
 * withHostname("web-1");
 * ```
 */
export function withHostname(name: string): SpecOpt {
  return defineSpecOpt((draft) => {
    draft.hostname = name;
  });
}

/**
 * Gives the process a terminal (`terminal: true`) and adds `TERM=xterm` unless the env already
 * sets TERM, like `WithTTY`. `withTTY(false)` only clears `terminal`. The task must then be
 * created with terminal IO.
 *
 * @example
 * ```ts
 * applySpecOpts(spec, ctx, [withProcessArgs("sh"), withTTY()]);
 * ```
 */
export function withTTY(enabled = true): SpecOpt {
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    p.terminal = enabled;
    if (enabled && !(p.env ?? []).some((e) => e.startsWith("TERM="))) {
      p.env = [...(p.env ?? []), "TERM=xterm"];
    }
  });
}

/**
 * Sets the terminal's size in characters (`process.consoleSize`), like `WithTTYSize`.
 *
 * @example
 * ```ts
 * composeSpecOpts(withTTY(), withTTYSize(120, 40));
 * ```
 */
export function withTTYSize(width: number, height: number): SpecOpt {
  checkInteger("withTTYSize: width", width, 0, 0xffff);
  checkInteger("withTTYSize: height", height, 0, 0xffff);
  return defineSpecOpt((draft) => {
    ensureProcess(draft).consoleSize = { width, height };
  });
}

/**
 * Appends mounts, like `WithMounts` (existing mounts, including the defaults, stay).
 *
 * @example
 * ```ts
 * withMounts([{ destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro"] }]);
 * ```
 */
export function withMounts(mounts: readonly Mount[]): SpecOpt {
  if (!Array.isArray(mounts) || mounts.some((m) => typeof m?.destination !== "string" || m.destination === "")) {
    throw new InvalidArgumentError("withMounts: every mount needs a destination");
  }
  const copy = structuredClone(mounts as Mount[]);
  return defineSpecOpt((draft) => {
    draft.mounts = [...(draft.mounts ?? []), ...structuredClone(copy)];
  });
}

/**
 * Makes the root filesystem read-only, like `WithRootFSReadonly`.
 *
 * @example
 * ```ts
 * applySpecOpts(spec, ctx, [withReadonlyRootfs()]).root; // { path: "rootfs", readonly: true }
 * ```
 */
export function withReadonlyRootfs(): SpecOpt {
  return defineSpecOpt((draft) => {
    draft.root = { ...(draft.root ?? { path: "" }), readonly: true };
  });
}

/**
 * Adds or replaces annotations, keeping the others, like `WithAnnotations`.
 *
 * @example
 * ```ts
 * withAnnotations({ "io.example/owner": "ci" });
 * ```
 */
export function withAnnotations(annotations: Readonly<Record<string, string>>): SpecOpt {
  const copy = { ...annotations };
  return defineSpecOpt((draft) => {
    draft.annotations = { ...draft.annotations, ...copy };
  });
}
