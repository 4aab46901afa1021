// Parsers for /etc/passwd and /etc/group text, after runc's libcontainer/user, used to resolve
// user and group names without mounting the image's filesystem.

/**
 * One /etc/passwd line: `name:password:uid:gid:gecos:home:shell`.
 *
 * @example
 * ```ts
 * const [root] = parsePasswd("root:x:0:0:root:/root:/bin/sh\n"); // root.uid === 0
 * ```
 */
export interface PasswdEntry {
  readonly name: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

/**
 * One /etc/group line: `name:password:gid:member1,member2`.
 *
 * @example
 * ```ts
 * const [wheel] = parseGroup("wheel:x:10:root,app\n"); // wheel.members: ["root", "app"]
 * ```
 */
export interface GroupEntry {
  readonly name: string;
  readonly password: string;
  readonly gid: number;
  readonly members: readonly string[];
}

/** The highest uid/gid containerd (following runc) accepts. */
const MAX_ID = 2 ** 31 - 1;

/**
 * Parses a decimal uid or gid as containerd does: digits only, 0 … 2³¹−1. Returns undefined for
 * anything else (which containerd then treats as a name).
 *
 * @example
 * ```ts
 * parseId("1000"); // 1000
 * parseId("app");  // undefined
 * ```
 */
export function parseId(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

/** Non-empty, non-comment lines, trimmed, split on `:`. */
function records(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

/**
 * Parses /etc/passwd text. Blank lines and `#` comments are skipped; so are lines whose uid or
 * gid is not a number (runc would read those as 0, i.e. root). Missing trailing fields are "".
 *
 * @example
 * ```ts
 * parsePasswd("app:x:1000:1000:App:/home/app:/bin/sh")[0]; // { name: "app", uid: 1000, gid: 1000, … }
 * ```
 */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of records(text)) {
    const uid = parseId(f[2] ?? "");
    const gid = parseId(f[3] ?? "");
    if (uid === undefined || gid === undefined) continue;
    out.push({
      name: f[0] ?? "",
      password: f[1] ?? "",
      uid,
      gid,
      gecos: f[4] ?? "",
      home: f[5] ?? "",
      shell: f[6] ?? "",
    });
  }
  return out;
}

/**
 * Parses /etc/group text. Blank lines and `#` comments are skipped, as are lines with a
 * non-numeric gid. The member list is split on `,`; an empty list gives `[]`.
 *
 * @example
 * ```ts
 * parseGroup("docker:x:999:app,ci")[0].members; // ["app", "ci"]
 * ```
 */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of records(text)) {
    const gid = parseId(f[2] ?? "");
    if (gid === undefined) continue;
    const list = f[3] ?? "";
    out.push({
      name: f[0] ?? "",
      password: f[1] ?? "",
      gid,
      members: list === "" ? [] : list.split(",").map((m) => m.trim()),
    });
  }
  return out;
}

/**
 * The first passwd entry with that name (a string) or uid (a number), or undefined.
 *
 * @example
 * ```ts
 * findUser(parsePasswd(passwdText), "app")?.uid;
 * findUser(parsePasswd(passwdText), 0)?.name; // "root"
 * ```
 */
export function findUser(entries: readonly PasswdEntry[], nameOrUid: string | number): PasswdEntry | undefined {
  return entries.find((u) => (typeof nameOrUid === "number" ? u.uid === nameOrUid : u.name === nameOrUid));
}

/**
 * The first group entry with that name (a string) or gid (a number), or undefined.
 *
 * @example
 * ```ts
 * findGroup(parseGroup(groupText), "docker")?.gid;
 * ```
 */
export function findGroup(entries: readonly GroupEntry[], nameOrGid: string | number): GroupEntry | undefined {
  return entries.find((g) => (typeof nameOrGid === "number" ? g.gid === nameOrGid : g.name === nameOrGid));
}

/**
 * The gids of the groups that list `username` as a member, in file order, excluding a group
 * named like the user (containerd's `WithAdditionalGIDs` filter).
 *
 * @example
 * ```ts
 * supplementaryGids(parseGroup("app:x:1000:app\nwheel:x:10:app\nusers:x:100:app"), "app"); // [10, 100]
 * ```
 */
export function supplementaryGids(entries: readonly GroupEntry[], username: string): number[] {
  return entries.filter((g) => g.name !== username && g.members.includes(username)).map((g) => g.gid);
}
