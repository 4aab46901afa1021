import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("many", { image: true })));
after(async () => dispose());

const N = Number(process.env["RXC_TRUE_LOOP"] ?? 500);

test(`${N} /bin/true tasks with wait$ before start$: every exit delivered with code 0, on one event stream`, async (t) => {
  const streamsBefore = client.eventStreamsOpened;
  // One container, N task lifecycles: the race under test is wait-vs-exit, not container creation.
  const c = await lastValueFrom(client.containers.create$("true-loop", { image: BUSYBOX, args: ["/bin/true"] }));
  let delivered = 0;
  const codes = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const task = await lastValueFrom(c.newTask$());
    const exit$ = task.wait$();
    await lastValueFrom(task.start$());
    const exit = await lastValueFrom(exit$);
    codes.set(exit.code, (codes.get(exit.code) ?? 0) + 1);
    if (exit.code === 0) delivered++;
    await lastValueFrom(task.delete$());
  }
  await lastValueFrom(c.delete$());
  t.diagnostic(`true-loop: ${delivered}/${N} exits delivered with code 0; codes ${JSON.stringify([...codes])}; event streams opened ${client.eventStreamsOpened - streamsBefore}`);
  assert.equal(delivered, N);
  assert.ok(client.eventStreamsOpened - streamsBefore <= 1, "waits share the client's one event stream");
});

test("50 tasks waited at once share one event stream and all exits arrive", async (t) => {
  const streamsBefore = client.eventStreamsOpened;
  const ids = Array.from({ length: 50 }, (_, i) => `par-${i}`);
  const containers = await Promise.all(ids.map((id, i) =>
    lastValueFrom(client.containers.create$(id, { image: BUSYBOX, args: ["sh", "-c", `sleep 0.5; exit ${i % 7}`] }))));
  const tasks = await Promise.all(containers.map((c) => lastValueFrom(c.newTask$())));
  const exits = tasks.map((task) => lastValueFrom(task.wait$()));
  await Promise.all(tasks.map((task) => lastValueFrom(task.start$())));
  const results = await Promise.all(exits);
  assert.deepEqual(results.map((r) => r.code), ids.map((_, i) => i % 7));
  t.diagnostic(`parallel waits: ${results.length} exits, event streams opened ${client.eventStreamsOpened - streamsBefore}`);
  assert.ok(client.eventStreamsOpened - streamsBefore <= 1);
  await Promise.all(tasks.map((task) => lastValueFrom(task.delete$())));
  await Promise.all(containers.map((c) => lastValueFrom(c.delete$())));
});
