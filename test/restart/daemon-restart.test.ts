import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { isNotFound, type Containerd, type Task, type Container } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { killDaemon, shimPids, startDaemon } from "../support/lab-control.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("restart", { image: true })));
after(async () => dispose());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
test("kill -9 containerd while 20 tasks are waited; restart: every wait$ emits its real exit code", async (t) => {
  const specs = Array.from({ length: 20 }, (_, i) => ({ id: `w-${i}`, code: i + 1, sleep: i < 10 ? 1 : 7 }));
  const containers: Container[] = [];
  const tasks: Task[] = [];
  for (const s of specs) {
    const c = await lastValueFrom(client.containers.create$(s.id, { image: BUSYBOX, args: ["sh", "-c", `sleep ${s.sleep}; exit ${s.code}`] }));
    containers.push(c);
    tasks.push(await lastValueFrom(c.newTask$()));
  }
  const exits = tasks.map((task) => settle(lastValueFrom(task.wait$())));
  for (const task of tasks) await lastValueFrom(task.start$());
  killDaemon();
  await sleep(4000); // the first ten exit while the daemon is down
  startDaemon();
  const results = await Promise.all(exits);
  t.diagnostic(`exit codes after restart: ${JSON.stringify(results.map((r) => r.value?.code ?? String(r.error)))}`);
  assert.deepEqual(results.map((r) => r.error), specs.map(() => undefined));
  assert.deepEqual(results.map((r) => r.value?.code), specs.map((s) => s.code));
  const deleted = [];
  for (const task of tasks) deleted.push((await lastValueFrom(task.delete$())).code);
  assert.deepEqual(deleted, specs.map((s) => s.code), "delete$ agrees");
  for (const c of containers) await lastValueFrom(c.delete$());
});

test("shim killed while the daemon is down: wait$ errors with NotFoundError after the restart", async () => {
  const c = await lastValueFrom(client.containers.create$("lost", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(c.newTask$());
  const exit = settle(lastValueFrom(task.wait$()));
  await lastValueFrom(task.start$());
  const shims = shimPids(client.namespace, "lost");
  assert.equal(shims.length, 1, "one shim for the task");
  killDaemon();
  for (const pid of shims) process.kill(pid, "SIGKILL");
  process.kill(task.pid, "SIGKILL");
  await sleep(500);
  startDaemon();
  const r = await exit;
  assert.ok(isNotFound(r.error), `expected NotFoundError, got ${r.value ? JSON.stringify(r.value) : String(r.error)}`);
  await lastValueFrom(c.delete$());
});
