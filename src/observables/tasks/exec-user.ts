// An exec's user given as a string (`app`, `1000`, `app:staff`): resolved as create$ resolves
// its `user`, against the container's image's /etc/passwd and /etc/group.

import type { CallOptions } from "../../services/call-options.js";
import type { DomainContext } from "../client/context.js";
import type { ContainerInfo } from "../containers/container-info.js";
import { readUserFiles } from "../images/user-files.js";
import { resolveImage } from "../images/image-reader.js";
import { OCI_VERSION } from "../spec/default-spec.js";
import { applySpecOpts, type SpecImageContext, type SpecOpt } from "../spec/spec-opts.js";
import type { Spec, User } from "../spec/types.js";

/**
 * The uid, gid and supplementary groups of `user` (withUser's forms; `opt` is its `withUser(user)`,
 * made by the caller before any RPC so that a malformed string fails first) in the image the
 * container was created from (its host-platform manifest). A numeric user needs no files where
 * the layers cannot be read here; a name does. InvalidArgumentError for an unknown user. @internal
 */
export async function execUser(
  ctx: DomainContext,
  info: ContainerInfo,
  user: string,
  opt: SpecOpt,
  call: CallOptions,
): Promise<User> {
  let image: SpecImageContext | undefined;
  if (info.image) {
    const resolved = await resolveImage(ctx.services, info.image, undefined, call, ctx.blobs);
    image = { config: {}, ...(await readUserFiles(ctx, resolved, [user], call)) };
  }
  const base: Spec = { ociVersion: OCI_VERSION, process: { user: { uid: 0, gid: 0 }, cwd: "/" } };
  const spec = applySpecOpts(base, { namespace: ctx.namespace, id: info.id, ...(image ? { image } : {}) }, [opt]);
  return spec.process?.user ?? { uid: 0, gid: 0 };
}
