// The process user of a container from an image, beside what containerd's Go client gives for the
// same image and user: `ctr containers create` (WithImageConfig, WithUser, WithAdditionalGIDs)
// against the same lab daemon, in the same namespace. The lab's busybox has root in group wheel
// (10), and app (1000) in wheel too.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("userpar", { image: true })));
after(async () => dispose());

const bin = process.env["RXC_CONTAINERD_BIN"] ? join(process.env["RXC_CONTAINERD_BIN"], "ctr") : "ctr";
const ctr = (...args: string[]): string =>
  execFileSync(bin, ["-a", labAddress(), "-n", client.namespace, ...args], { encoding: "utf8", timeout: 20_000 });
// containerd 1.6's ctr has no `containers create --user`.
const ctrHasUser = (): boolean => /--user\b/.test(ctr("containers", "create", "--help"));

interface User {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

/** The user containerd's Go client puts in the spec for `user` (none: the image's). */
function goUser(id: string, user?: string): User {
  ctr("containers", "create", ...(user ? ["--user", user] : []), BUSYBOX, id, "true");
  try {
    const info = JSON.parse(ctr("containers", "info", id)) as { Spec: { process: { user: User } } };
    return info.Spec.process.user;
  } finally {
    ctr("containers", "delete", id);
  }
}

async function ourUser(id: string, user?: string): Promise<User> {
  const c = await lastValueFrom(
    client.containers.create$(id, { image: BUSYBOX, args: ["true"], ...(user ? { user } : {}) }),
  );
  try {
    return (await lastValueFrom(c.spec$())).process?.user as User;
  } finally {
    await lastValueFrom(c.delete$());
  }
}

test("an image without a user: root with the groups /etc/group lists root in, as the Go client", async () => {
  const go = goUser("go-none");
  const ours = await ourUser("rx-none");
  assert.deepEqual(ours, go);
  assert.deepEqual(ours, { uid: 0, gid: 0, additionalGids: [0, 10] });
});

// Only a name or a uid: ctr passes its whole --user string to WithAdditionalGIDs, so for a
// `user:group` form it looks up a user named "user:group" and finds no groups, where the Go
// client's image path (WithImageConfig: WithUser, then WithAdditionalGIDs of the uid) and this
// library give the uid's groups (spec-opts unit tests cover those forms).
for (const user of ["app", "1000", "3"]) {
  test(`user ${JSON.stringify(user)}: the same uid, gid and groups as the Go client`, async (t) => {
    if (!ctrHasUser()) return t.skip("this ctr (containerd 1.6) has no containers create --user");
    const id = user.replace(/\W/g, "-");
    assert.deepEqual(await ourUser(`rx-${id}`, user), goUser(`go-${id}`, user));
  });
}
