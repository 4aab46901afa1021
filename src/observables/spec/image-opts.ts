// withImageConfig: applies an image's execution defaults to the spec, like containerd 1.6's
// oci.WithImageConfigArgs on Linux.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { DEFAULT_PATH_ENV, mergeEnv } from "./env.js";
import { ensureProcess, type SpecOpt } from "./spec-opts.js";
import { withAdditionalGIDs, withUser } from "./user-opts.js";
import { checkStrings } from "./validate.js";

/**
 * Applies `ctx.image.config` (which must be set) the way containerd's `WithImageConfigArgs`
 * does on Linux:
 *
 * - env: the image's `Env` (or {@link DEFAULT_PATH_ENV} when it has none), with the spec's
 *   existing env merged on top by key — so `withEnv` before this option wins over the image;
 * - args: `Entrypoint` followed by `args` when given and non-empty, else by `Cmd`. This
 *   replaces any args already set: put `withProcessArgs` *after* this option to override both;
 * - cwd: `WorkingDir`, or `/`;
 * - user: when the image sets `User`, {@link withUser} (which needs `ctx.image.passwd` / `group`
 *   for names); otherwise uid/gid stay and `additionalGids` becomes root's group memberships
 *   ({@link withAdditionalGIDs}`("root")`), `[gid]` when there is no group text.
 *
 * Throws InvalidArgumentError (when applied) if `ctx.image` is missing or the user can't be
 * resolved.
 *
 * @example
 * ```ts
 * const ctx = { namespace: "default", id: "web", image: { config: file.config ?? {}, passwd, group } };
 * const spec = applySpecOpts(defaultSpec("default", "web"), ctx, [withImageConfig(), withEnv({ MODE: "prod" })]);
 * const shell = applySpecOpts(defaultSpec("default", "web"), ctx, [withImageConfig(["sh", "-c", "env"])]);
 * ```
 */
export function withImageConfig(args?: readonly string[]): SpecOpt {
  const cmdOverride = args === undefined ? [] : checkStrings("withImageConfig", args);
  return (spec, ctx) => {
    const image = ctx.image;
    if (image === undefined) {
      throw new InvalidArgumentError("withImageConfig: the SpecContext has no image (set ctx.image.config)");
    }
    const config = image.config ?? {};
    const draft = structuredClone(spec);
    const p = ensureProcess(draft);
    const defaults = config.Env && config.Env.length > 0 ? config.Env : [DEFAULT_PATH_ENV];
    p.env = mergeEnv(defaults, p.env ?? []);
    const cmd = cmdOverride.length > 0 ? cmdOverride : (config.Cmd ?? []);
    const argv = [...(config.Entrypoint ?? []), ...cmd];
    if (argv.length > 0) p.args = argv;
    else delete p.args;
    p.cwd = config.WorkingDir ? config.WorkingDir : "/";
    const user = config.User ? withUser(config.User) : withAdditionalGIDs("root");
    return user(draft, ctx);
  };
}
