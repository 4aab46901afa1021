// The image files a process user is resolved in (/etc/passwd, /etc/group), for create$'s `user`
// and exec$'s user strings.

import { isNotFound, isNotImplemented } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { DomainContext } from "../client/context.js";
import { readImageFiles } from "./image-files.js";
import type { ResolvedImage } from "./image-reader.js";

/** The text of the image's /etc/passwd and /etc/group, when it has them. @internal */
export interface UserFiles {
  readonly passwd?: string;
  readonly group?: string;
}

/**
 * Reads /etc/passwd and /etc/group out of the image's layers (cached per client by chain ID).
 * `users` are the user strings to resolve. Numeric ones, and none at all, still work when the
 * layers cannot be read here (zstd on an older Node; for no user, layers the content store no
 * longer holds): then no files, so no lookup. A name cannot do without them. @internal
 */
export async function readUserFiles(
  ctx: DomainContext,
  image: ResolvedImage,
  users: readonly string[],
  call: CallOptions,
): Promise<UserFiles> {
  const numericOnly = users.every((u) => /^\d+(:\d+)?$/.test(u));
  const files = await readImageFiles(ctx.services, image, ["etc/passwd", "etc/group"], call, ctx.imageFiles).catch(
    (e: unknown) => {
      if (numericOnly && (isNotImplemented(e) || (users.length === 0 && isNotFound(e)))) {
        return new Map<string, Buffer>();
      }
      throw e;
    },
  );
  const passwd = files.get("etc/passwd")?.toString("utf8");
  const group = files.get("etc/group")?.toString("utf8");
  return { ...(passwd ? { passwd } : {}), ...(group ? { group } : {}) };
}
