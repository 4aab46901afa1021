// Spec options for the process user (containerd oci/spec_opts.go WithUser, WithUIDGID,
// WithAdditionalGIDs). Names are resolved from the image's /etc/passwd and /etc/group text in
// SpecContext.image instead of mounting the snapshot.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import {
  findGroup,
  findUser,
  parseGroup,
  parseId,
  parsePasswd,
  supplementaryGids,
  type PasswdEntry,
} from "./passwd.js";
import { defineSpecOpt, ensureProcess, type SpecContext, type SpecOpt } from "./spec-opts.js";
import { checkInteger } from "./validate.js";

/** runc's (and so containerd's) highest uid/gid. */
const MAX_ID = 2 ** 31 - 1;

const FORMS = "user, uid, user:group, uid:gid, uid:group or user:gid";

function users(ctx: SpecContext): PasswdEntry[] | undefined {
  const text = ctx.image?.passwd;
  return text === undefined ? undefined : parsePasswd(text);
}

/** `gids` with `primary` put first unless it is already there (containerd's ensureAdditionalGids). */
function withPrimary(primary: number, gids: readonly number[]): number[] {
  return gids.includes(primary) ? [...gids] : [primary, ...gids];
}

/** Supplementary gids of `username` from the image's /etc/group (none without the file). */
function memberGids(ctx: SpecContext, username: string | undefined): number[] {
  const text = ctx.image?.group;
  return username === undefined || text === undefined ? [] : supplementaryGids(parseGroup(text), username);
}

function resolve(spec: string, userPart: string, groupPart: string | undefined, ctx: SpecContext) {
  const passwd = users(ctx);
  const numericUid = parseId(userPart);
  let entry: PasswdEntry | undefined;
  if (numericUid === undefined) {
    if (passwd === undefined) {
      throw new InvalidArgumentError(
        `withUser(${JSON.stringify(spec)}): cannot resolve user name ${JSON.stringify(userPart)} without the image's /etc/passwd ` +
          "(set ctx.image.passwd, or use a numeric uid:gid)",
      );
    }
    entry = findUser(passwd, userPart);
    if (entry === undefined) {
      throw new InvalidArgumentError(
        `withUser(${JSON.stringify(spec)}): no user ${JSON.stringify(userPart)} in the image's /etc/passwd`,
      );
    }
  } else {
    entry = passwd && findUser(passwd, numericUid);
  }
  const uid = entry?.uid ?? (numericUid as number);
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined) {
    const numericGid = parseId(groupPart);
    if (numericGid !== undefined) {
      gid = numericGid;
    } else {
      const text = ctx.image?.group;
      if (text === undefined) {
        throw new InvalidArgumentError(
          `withUser(${JSON.stringify(spec)}): cannot resolve group name ${JSON.stringify(groupPart)} without the image's /etc/group ` +
            "(set ctx.image.group, or use a numeric gid)",
        );
      }
      const group = findGroup(parseGroup(text), groupPart);
      if (group === undefined) {
        throw new InvalidArgumentError(
          `withUser(${JSON.stringify(spec)}): no group ${JSON.stringify(groupPart)} in the image's /etc/group`,
        );
      }
      gid = group.gid;
    }
  }
  return { uid, gid, additionalGids: withPrimary(gid, memberGids(ctx, entry?.name)) };
}

/**
 * Sets the process user from an OCI image `User` string: `user`, `uid`, `user:group`,
 * `uid:gid`, `uid:group` or `user:gid` (like containerd's `WithUser`).
 *
 * - Names are looked up in `ctx.image.passwd` / `ctx.image.group`; an unknown name, or a name
 *   when that text is missing, throws InvalidArgumentError when the option is applied.
 * - With only a user, the gid is that user's passwd gid (0 for a numeric uid with no entry).
 * - `additionalGids` is the primary gid followed by the gids of the groups in /etc/group that
 *   list the user as a member (what containerd's `WithAdditionalGIDs` computes); just
 *   `[gid]` when the user has no name or there is no group text.
 * - A string that is empty, has more than one `:` or an empty part throws at once.
 *
 * @example
 * ```ts
 * const ctx = { namespace: "default", id: "web",
 *   image: { config: {}, passwd: "app:x:1000:1000::/home/app:/bin/sh\n", group: "docker:x:999:app\n" } };
 * applySpecOpts(spec, ctx, [withUser("app")]).process?.user; // { uid: 1000, gid: 1000, additionalGids: [1000, 999] }
 * applySpecOpts(spec, ctx, [withUser("1001:1001")]).process?.user; // { uid: 1001, gid: 1001, additionalGids: [1001] }
 * ```
 */
export function withUser(user: string): SpecOpt {
  const parts = typeof user === "string" ? user.split(":") : [];
  if (parts.length === 0 || parts.length > 2 || parts.some((p) => p === "")) {
    throw new InvalidArgumentError(`withUser: invalid user ${JSON.stringify(user)} (expected ${FORMS})`);
  }
  const [userPart = "", groupPart] = parts;
  return defineSpecOpt((draft, ctx) => {
    const p = ensureProcess(draft);
    p.user = { ...p.user, ...resolve(user, userPart, groupPart, ctx) };
  });
}

/**
 * Sets uid and gid directly (no lookups), with `additionalGids: [gid]`, like `WithUIDGID`.
 * Both must be integers from 0 to 2³¹−1.
 *
 * @example
 * ```ts
 * withUIDGID(65534, 65534); // nobody:nogroup
 * ```
 */
export function withUIDGID(uid: number, gid: number): SpecOpt {
  checkInteger("withUIDGID: uid", uid, 0, MAX_ID);
  checkInteger("withUIDGID: gid", gid, 0, MAX_ID);
  return defineSpecOpt((draft) => {
    const p = ensureProcess(draft);
    p.user = { ...p.user, uid, gid, additionalGids: [gid] };
  });
}

/**
 * Replaces `additionalGids` with the current gid followed by the gids of the groups that list
 * `user` (a name, or a uid looked up in /etc/passwd) as a member, like containerd's
 * `WithAdditionalGIDs`. uid and gid are unchanged. Without the passwd text (for a uid) or the
 * group text, the result is just `[gid]`.
 *
 * @example
 * ```ts
 * withAdditionalGIDs("root"); // what withImageConfig applies when the image sets no User
 * ```
 */
export function withAdditionalGIDs(user: string): SpecOpt {
  if (typeof user !== "string" || user === "") {
    throw new InvalidArgumentError(`withAdditionalGIDs: invalid user ${JSON.stringify(user)}`);
  }
  return defineSpecOpt((draft, ctx) => {
    const p = ensureProcess(draft);
    const uid = parseId(user);
    const passwd = users(ctx);
    const name = uid === undefined ? user : passwd && findUser(passwd, uid)?.name;
    p.user = { ...p.user, additionalGids: withPrimary(p.user.gid, memberGids(ctx, name)) };
  });
}
