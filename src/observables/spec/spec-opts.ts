// Spec options: pure functions from a Spec to a new Spec (containerd's oci.SpecOpts without the
// client and container arguments), how to write them, combine them and apply them.

import type { ImageConfig } from "./image-types.js";
import type { Linux, LinuxResources } from "./linux-types.js";
import type { Process, Spec } from "./types.js";

/**
 * What a spec option may know about the container being created.
 *
 * @example
 * ```ts
 * const ctx: SpecContext = { namespace: "default", id: "web", image: { config: file.config ?? {}, passwd, group } };
 * ```
 */
export interface SpecContext {
  /** The containerd namespace the container lives in. */
  readonly namespace: string;
  /** The container id. */
  readonly id: string;
  /** The image the container is created from, when there is one. */
  readonly image?: SpecImageContext;
}

/**
 * The image facts spec options use. `passwd` and `group` are the text of the image's
 * /etc/passwd and /etc/group when the caller could read them (containerd's Go client mounts the
 * snapshot to do so; a remote client usually can't). Without them, user and group names cannot
 * be resolved.
 *
 * @example
 * ```ts
 * const image: SpecImageContext = { config: { User: "app", Cmd: ["serve"] },
 *   passwd: "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", group: "app:x:1000:\n" };
 * ```
 */
export interface SpecImageContext {
  readonly config: ImageConfig;
  readonly passwd?: string;
  readonly group?: string;
}

/**
 * A spec option: returns a new Spec and never changes its input. The builders check their own
 * arguments when called and throw InvalidArgumentError for bad ones (a negative memory limit, a
 * malformed user string…); options that depend on the context (`withUser` with names,
 * `withImageConfig`) throw it when applied.
 *
 * @example
 * ```ts
 * const withDebugAnnotation: SpecOpt = (spec) => ({ ...spec, annotations: { ...spec.annotations, debug: "1" } });
 * ```
 */
export type SpecOpt = (spec: Spec, ctx: SpecContext) => Spec;

/**
 * Builds a {@link SpecOpt} from a function that edits a private deep copy (`structuredClone`) of
 * the spec in place. The easy way to write a pure option.
 *
 * @example
 * ```ts
 * const withSysctl = (key: string, value: string) =>
 *   defineSpecOpt((draft) => { draft.linux = { ...draft.linux, sysctl: { ...draft.linux?.sysctl, [key]: value } }; });
 * ```
 */
export function defineSpecOpt(edit: (draft: Spec, ctx: SpecContext) => void): SpecOpt {
  return (spec, ctx) => {
    const draft = structuredClone(spec);
    edit(draft, ctx);
    return draft;
  };
}

/**
 * Combines options into one that applies them left to right (containerd's `oci.Compose`).
 *
 * @example
 * ```ts
 * const asApp = composeSpecOpts(withUser("app"), withProcessCwd("/srv"), withNoNewPrivileges(true));
 * ```
 */
export function composeSpecOpts(...opts: readonly SpecOpt[]): SpecOpt {
  return (spec, ctx) => (opts.length === 0 ? structuredClone(spec) : opts.reduce((s, opt) => opt(s, ctx), spec));
}

/**
 * Applies the options left to right and returns the resulting spec (a new object; `spec` is
 * unchanged). The first option that throws stops the run; wrap the call in try/catch, or in an
 * Observable factory, to turn that into an error notification.
 *
 * @example
 * ```ts
 * const ctx = { namespace: "default", id: "web" };
 * const spec = applySpecOpts(defaultSpec(ctx.namespace, ctx.id), ctx, [withProcessArgs("sleep", "60"), withTTY()]);
 * ```
 */
export function applySpecOpts(spec: Spec, ctx: SpecContext, opts: readonly SpecOpt[]): Spec {
  return composeSpecOpts(...opts)(spec, ctx);
}

/**
 * Returns `draft.process`, creating an empty one (uid/gid 0, cwd "") first if missing. For use
 * inside {@link defineSpecOpt}.
 *
 * @example
 * ```ts
 * defineSpecOpt((draft) => { ensureProcess(draft).oomScoreAdj = 500; });
 * ```
 */
export function ensureProcess(draft: Spec): Process {
  return (draft.process ??= { user: { uid: 0, gid: 0 }, cwd: "" });
}

/**
 * Returns `draft.linux`, creating an empty one first if missing. For use inside
 * {@link defineSpecOpt}.
 *
 * @example
 * ```ts
 * defineSpecOpt((draft) => { ensureLinux(draft).rootfsPropagation = "rslave"; });
 * ```
 */
export function ensureLinux(draft: Spec): Linux {
  return (draft.linux ??= {});
}

/**
 * Returns `draft.linux.resources`, creating the path first if missing. For use inside
 * {@link defineSpecOpt}.
 *
 * @example
 * ```ts
 * defineSpecOpt((draft) => { ensureResources(draft).unified = { "memory.high": "400M" }; });
 * ```
 */
export function ensureResources(draft: Spec): LinuxResources {
  return (ensureLinux(draft).resources ??= {});
}
