// The process user as containerd's Go client resolves it: a numeric uid takes the gid of its
// /etc/passwd entry in the image (containerd's WithUserID), and the supplementary groups of that
// user from /etc/group (WithAdditionalGIDs). The lab image has `app:x:1000:1000` and
// `wheel:x:10:root,app`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Stdio, type Containerd } from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { runPiped } from "../support/piped.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("user", { image: true })));
after(async () => dispose());

const ids = async (id: string, user: string | undefined) => {
  const r = await runPiped(client, id, Stdio.pipe(), {
    args: ["sh", "-c", "id -u; id -g; id -G"],
    ...(user ? { user } : {}),
  });
  assert.equal(r.code, 0, r.stderr.toString());
  const [uid, gid, groups] = r.stdout.toString().trim().split("\n");
  return { uid, gid, groups: (groups ?? "").split(" ").sort() };
};

test('user "1000": gid 1000 from /etc/passwd, supplementary wheel (10) from /etc/group', async () => {
  assert.deepEqual(await ids("numeric-user", "1000"), { uid: "1000", gid: "1000", groups: ["10", "1000"] });
});

test('user "4242" (no passwd entry): gid 0, as containerd falls back', async () => {
  assert.deepEqual(await ids("unknown-uid", "4242"), { uid: "4242", gid: "0", groups: ["0"] });
});

test('user "1000:1000" and "app" agree with "1000"', async () => {
  assert.deepEqual(await ids("pair-user", "1000:1000"), { uid: "1000", gid: "1000", groups: ["10", "1000"] });
  assert.deepEqual(await ids("named-user", "app"), { uid: "1000", gid: "1000", groups: ["10", "1000"] });
});
