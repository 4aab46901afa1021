// The process user as containerd's Go client resolves it: a numeric uid takes the gid of its
// /etc/passwd entry in the image (containerd's WithUserID), and the supplementary groups of that
// user from /etc/group (WithAdditionalGIDs). The lab image has `app:x:1000:1000` and
// `wheel:x:10:root,app`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { isInvalidArgument, Stdio, type Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { runPiped, startAndCollect } from "../support/piped.js";
import { settle } from "../support/settle.js";

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

test("exec$ with a user string: resolved in the image as create$'s; a bad or unknown one fails and leaves no process", async () => {
  const container = await lastValueFrom(
    client.containers.create$("exec-user", { image: BUSYBOX, args: ["sleep", "600"] }),
  );
  const task = await lastValueFrom(container.newTask$());
  try {
    await lastValueFrom(task.start$());
    const execIds = async (execId: string, user: string) => {
      const proc = await lastValueFrom(
        task.exec$(execId, { args: ["sh", "-c", "id -u; id -g; id -G"], user }, { io: Stdio.pipe() }),
      );
      const r = await startAndCollect(proc);
      assert.equal(r.code, 0, r.stderr.toString());
      const [uid, gid, groups] = r.stdout.toString().trim().split("\n");
      return { uid, gid, groups: (groups ?? "").split(" ").sort() };
    };
    assert.deepEqual(await execIds("as-app", "app"), { uid: "1000", gid: "1000", groups: ["10", "1000"] });
    assert.deepEqual(await execIds("as-1000", "1000"), { uid: "1000", gid: "1000", groups: ["10", "1000"] });
    assert.deepEqual(await execIds("as-4242", "4242"), { uid: "4242", gid: "0", groups: ["0"] });
    const started = client.callStats.started;
    const malformed = await settle(lastValueFrom(task.exec$("bad", { args: ["id"], user: "a:b:c" })));
    assert.ok(isInvalidArgument(malformed.error), String(malformed.error));
    assert.equal(client.callStats.started, started, "a malformed user: no RPC");
    const unknown = await settle(lastValueFrom(task.exec$("nobody-here", { args: ["id"], user: "nobody-here" })));
    assert.ok(isInvalidArgument(unknown.error), String(unknown.error));
    assert.match(String(unknown.error), /no user "nobody-here" in the image's \/etc\/passwd/);
    const pids = await lastValueFrom(task.pids$());
    assert.deepEqual(pids.map((p) => p.execId).filter(Boolean), [], "no exec process left");
    const gone = await settle(lastValueFrom(task.loadProcess$("nobody-here")));
    assert.ok(gone.error, "the failed exec was never created");
  } finally {
    await lastValueFrom(task.delete$({ kill: true }));
    await lastValueFrom(container.delete$());
  }
});
