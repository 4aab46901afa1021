import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { from, lastValueFrom, mergeMap, range, throwError, timeout, toArray } from "rxjs";
import { Containerd } from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("many", { image: true })));
after(async () => dispose());

// 500 lifecycles on the main line (2.x), 200 on 1.6 and 1.7, to keep CI's three lines within its
// 30 minutes; bench/soak.ts runs thousands (docs/benchmarks.md, "Soak").
const N = Number(process.env["RXC_TRUE_LOOP"] ?? (/^2\./.test(process.env["RXC_CONTAINERD"] ?? "2.1") ? 500 : 200));

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
    const exit = await lastValueFrom(
      exit$.pipe(
        timeout({ first: 30_000, with: () => throwError(() => new Error(`no exit for task ${i} within 30 s`)) }),
      ),
    );
    codes.set(exit.code, (codes.get(exit.code) ?? 0) + 1);
    if (exit.code === 0) delivered++;
    await lastValueFrom(task.delete$());
  }
  await lastValueFrom(c.delete$());
  t.diagnostic(
    `true-loop: ${delivered}/${N} exits delivered with code 0; codes ${JSON.stringify([...codes])}; event streams opened ${client.eventStreamsOpened - streamsBefore}`,
  );
  assert.equal(delivered, N);
  assert.ok(client.eventStreamsOpened - streamsBefore <= 1, "waits share the client's one event stream");
});

const AT_ONCE = Number(process.env["RXC_WAIT_AT_ONCE"] ?? 500);

test(`${AT_ONCE} tasks waited at once use one events stream (count the streams) and deliver every exit`, async (t) => {
  // A client of its own, so its event hub (and stream counter) starts fresh.
  const waiter = new Containerd({ address: labAddress(), namespace: client.namespace });
  const code = (i: number) => (i * 7) % 251; // distinct codes for neighbours, 0..250
  const ms = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;
  let t0 = performance.now();
  // Every task traps SIGTERM and exits with its own code; until then all of them are running.
  const running = await lastValueFrom(
    range(0, AT_ONCE).pipe(
      mergeMap(async (i) => {
        const c = await lastValueFrom(
          waiter.containers.create$(`at-once-${i}`, {
            image: BUSYBOX,
            args: ["sh", "-c", `trap 'exit ${code(i)}' TERM; sleep 1000 & wait`],
          }),
        );
        const task = await lastValueFrom(c.newTask$());
        const exit = settle(
          lastValueFrom(
            task.wait$().pipe(
              timeout({
                first: 120_000,
                with: () => throwError(() => new Error(`no exit for at-once-${i} within 120 s`)),
              }),
            ),
          ),
        );
        await lastValueFrom(task.start$());
        return { i, c, task, exit };
      }, 12),
      toArray(),
    ),
  );
  running.sort((a, b) => a.i - b.i);
  t.diagnostic(`at-once: ${AT_ONCE} containers created, tasks started and waited in ${ms(t0)}`);
  const statuses = await lastValueFrom(
    from(running).pipe(
      mergeMap((r) => r.task.status$(), 32),
      toArray(),
    ),
  );
  assert.deepEqual(new Set(statuses.map((s) => s.status)), new Set(["running"]), "all running at the same time");
  // While the waits are pending, the client holds its one events stream and no other call.
  const open = waiter.callStats.active;
  t.diagnostic(`at-once: ${AT_ONCE} pending waits hold ${open} open call(s); wait mode ${String(waiter.waitMode)}`);
  assert.equal(waiter.waitMode, "events");
  assert.equal(open, 1, "1 stream and 0 other calls while the waits are pending");
  t0 = performance.now();
  await lastValueFrom(
    from(running).pipe(
      mergeMap((r) => r.task.kill$("SIGTERM"), 32),
      toArray(),
    ),
  );
  const results = await Promise.all(running.map((r) => r.exit));
  t.diagnostic(
    `at-once: SIGTERM to ${AT_ONCE} tasks and every exit delivered in ${ms(t0)}; ` +
      `event streams opened ${waiter.eventStreamsOpened}; calls started ${waiter.callStats.started}`,
  );
  assert.deepEqual(
    results.map((r) => r.error),
    running.map(() => undefined),
  );
  assert.deepEqual(
    results.map((r) => r.value?.code),
    running.map((r) => code(r.i)),
  );
  assert.equal(waiter.eventStreamsOpened, 1, "every wait$ shares the client's one events stream");
  t0 = performance.now();
  const deleted = await lastValueFrom(
    from(running).pipe(
      mergeMap(async (r) => {
        const { code: c } = await lastValueFrom(r.task.delete$());
        await lastValueFrom(r.c.delete$());
        return c;
      }, 16),
      toArray(),
    ),
  );
  t.diagnostic(`at-once: ${AT_ONCE} tasks and containers deleted in ${ms(t0)}`);
  assert.equal(deleted.length, AT_ONCE);
  assert.deepEqual((await lastValueFrom(waiter.services.tasks.list$({}))).tasks, [], "no task left");
  waiter.close();
});
