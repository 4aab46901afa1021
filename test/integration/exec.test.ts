import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { isAlreadyExists, isInvalidArgument, isNotFound, isFailedPrecondition, isUnknown, type Containerd, type Task, type Container } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
let container: Container;
let task: Task;
before(async () => {
  ({ client, dispose } = await labClient("exec", { image: true }));
  container = await lastValueFrom(client.containers.create$("host", { image: BUSYBOX, args: ["sleep", "600"] }));
  task = await lastValueFrom(container.newTask$());
  await lastValueFrom(task.start$());
});
after(async () => {
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(container.delete$());
  await dispose();
});

test("exec sh -c 'exit 6': 6 from wait$ and delete$", async () => {
  const p = await lastValueFrom(task.exec$("six", { args: ["sh", "-c", "exit 6"] }));
  assert.equal(p.id, "six");
  const exit$ = p.wait$();
  const pid = await lastValueFrom(p.start$());
  assert.ok(pid > 0 && p.pid === pid);
  assert.equal((await lastValueFrom(exit$)).code, 6);
  assert.equal((await lastValueFrom(p.status$())).status, "stopped");
  assert.equal((await lastValueFrom(p.delete$())).code, 6);
  const gone = await settle(lastValueFrom(task.loadProcess$("six")));
  assert.ok(isNotFound(gone.error), String(gone.error));
});

test("exec of a missing binary: exec$ succeeds, start$ fails, wait$ does not hang", async () => {
  const p = await lastValueFrom(task.exec$("nobin", { args: ["/no/such/binary"] }));
  const exit$ = p.wait$();
  const started = await settle(lastValueFrom(p.start$()));
  assert.ok(isUnknown(started.error), String(started.error));
  assert.match((started.error as Error).message, /no such file|not found/i);
  const exit = await lastValueFrom(exit$);
  assert.equal(typeof exit.code, "number");
  assert.equal((await lastValueFrom(p.status$())).status, "created");
  await lastValueFrom(p.delete$());
});

test("empty exec id -> InvalidArgumentError without an RPC; duplicate -> AlreadyExistsError", async () => {
  const empty = await settle(lastValueFrom(task.exec$("", { args: ["true"] })));
  assert.ok(isInvalidArgument(empty.error), String(empty.error));
  assert.match((empty.error as Error).message, /exec id must not be empty/);
  const p = await lastValueFrom(task.exec$("dup", { args: ["sleep", "60"] }));
  const dup = await settle(lastValueFrom(task.exec$("dup", { args: ["true"] })));
  assert.ok(isAlreadyExists(dup.error), String(dup.error));
  assert.equal((await lastValueFrom(p.delete$())).code, 0, "a created-never-started exec deletes with code 0");
});

test("a running exec refuses delete; delete({kill}) works; loadProcess$ finds it", async () => {
  const p = await lastValueFrom(task.exec$("runner", { args: ["sleep", "60"] }));
  await lastValueFrom(p.start$());
  const loaded = await lastValueFrom(task.loadProcess$("runner"));
  assert.equal(loaded.pid, p.pid);
  const refused = await settle(lastValueFrom(p.delete$()));
  assert.ok(isFailedPrecondition(refused.error), String(refused.error));
  assert.match((refused.error as Error).message, /process must be stopped before deletion/);
  const pids = await lastValueFrom(task.pids$());
  assert.ok(pids.some((x) => x.pid === task.pid), "init listed");
  assert.ok(pids.some((x) => x.execId === "runner" && x.pid === p.pid), "exec listed with its id");
  assert.equal((await lastValueFrom(loaded.delete$({ kill: true }))).code, 137);
});

test("task.kill$ with execId targets the exec only", async () => {
  const p = await lastValueFrom(task.exec$("victim", { args: ["sleep", "60"] }));
  const exit$ = p.wait$();
  await lastValueFrom(p.start$());
  await lastValueFrom(task.kill$(9, { execId: "victim" }));
  assert.equal((await lastValueFrom(exit$)).code, 137);
  assert.equal((await lastValueFrom(task.status$())).status, "running");
  await lastValueFrom(p.delete$());
});

test("unknown signals are rejected client-side", async () => {
  for (const s of ["SIGNOPE", 0, 65, "RTMAX-40"]) {
    const r = await settle(lastValueFrom(task.kill$(s)));
    assert.ok(isInvalidArgument(r.error), `${String(s)}: ${String(r.error)}`);
  }
  assert.equal((await lastValueFrom(task.status$())).status, "running");
});
