import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { concatMap, lastValueFrom, toArray } from "rxjs";
import { isAlreadyExists, isFailedPrecondition, isNotFound, type Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("life", { image: true })));
after(async () => dispose());

test("exit 7: wait$ and delete$ both give 7; a second wait$ gives 7 again; status stopped", async () => {
  const c = await lastValueFrom(client.containers.create$("exit7", { image: BUSYBOX, args: ["sh", "-c", "exit 7"] }));
  const task = await lastValueFrom(c.newTask$());
  assert.ok(task.pid > 0);
  const exit$ = task.wait$();
  const startedAt = Date.now();
  await lastValueFrom(task.start$());
  const exit = await lastValueFrom(exit$);
  assert.equal(exit.code, 7);
  assert.equal((await lastValueFrom(task.wait$())).code, 7);
  assert.equal((await lastValueFrom(exit$)).code, 7, "replayed to a late subscriber");
  const st = await lastValueFrom(task.status$());
  assert.equal(st.status, "stopped");
  assert.equal(st.exitStatus, 7);
  assert.ok(st.exitedAt && st.exitedAt.getTime() >= startedAt - 1000);
  const del = await lastValueFrom(task.delete$());
  assert.equal(del.code, 7);
  const again = await settle(lastValueFrom(task.wait$()));
  assert.ok(isNotFound(again.error), String(again.error));
  await lastValueFrom(c.delete$());
});

test("kill SIGKILL -> 137; second kill NotFound; delete of running FailedPrecondition; delete({kill})", async () => {
  const c = await lastValueFrom(client.containers.create$("killme", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.start$());
  const running = await settle(lastValueFrom(task.delete$()));
  assert.ok(isFailedPrecondition(running.error), String(running.error));
  const cdel = await settle(lastValueFrom(c.delete$()));
  assert.ok(isFailedPrecondition(cdel.error), String(cdel.error));
  const exit$ = task.wait$();
  await lastValueFrom(task.kill$("SIGKILL"));
  assert.equal((await lastValueFrom(exit$)).code, 137);
  const second = await settle(lastValueFrom(task.kill$("KILL")));
  assert.ok(isNotFound(second.error), String(second.error));
  assert.equal((await lastValueFrom(task.delete$())).code, 137);
  await lastValueFrom(c.delete$());

  const c2 = await lastValueFrom(client.containers.create$("killme2", { image: BUSYBOX, args: ["sleep", "600"] }));
  const t2 = await lastValueFrom(c2.newTask$());
  await lastValueFrom(t2.start$());
  assert.equal((await lastValueFrom(t2.delete$({ kill: true }))).code, 137);
  await lastValueFrom(c2.delete$());
});

test("run$ emits created, started, exited and removes everything", async () => {
  const events = await lastValueFrom(
    client.run$("runner", { image: BUSYBOX, args: ["sh", "-c", "exit 3"] }).pipe(toArray()),
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ["created", "started", "exited"],
  );
  const exited = events[2];
  assert.ok(exited?.type === "exited" && exited.status.code === 3);
  const left = await lastValueFrom(client.containers.list$());
  assert.deepEqual(left, []);
  const snaps = await lastValueFrom(
    client.services.snapshots.list$({ snapshotter: "overlayfs" }).pipe(
      concatMap((r) => r.info),
      toArray(),
    ),
  );
  assert.ok(!snaps.some((s) => s.name === "runner"), "snapshot removed");
});

test("a duplicate container id: AlreadyExistsError saying the container exists (not the snapshot); the first is untouched", async () => {
  const c = await lastValueFrom(client.containers.create$("dup", { image: BUSYBOX, args: ["true"] }));
  const again = await settle(lastValueFrom(client.containers.create$("dup", { image: BUSYBOX, args: ["true"] })));
  assert.ok(isAlreadyExists(again.error), String(again.error));
  assert.match(String((again.error as Error).message), /container "dup" already exists/);
  assert.equal((await lastValueFrom(c.info$())).snapshotKey, "dup", "the existing container keeps its snapshot");
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(c.delete$());
});
