import { test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  hot,
  isNotFound,
  lifecycle$,
  NotFoundError,
  withCleanup,
  type Container,
  type ExitStatus,
  type Task,
} from "../../src/index.js";
import { transaction$ } from "../../src/observables/rx/transaction.js";
import { Inflight } from "../../src/observables/client/inflight.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

test("hot(): subscribes the source at once, once; replays the result to early and late subscribers", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("---a|");
    const h = hot(source); // the result arrives with completion (frame 4): one value, then complete
    expectObservable(h, "-^----").toBe("----(a|)");
    expectObservable(h, "------^-").toBe("------(a|)");
    expectSubscriptions(source.subscriptions).toBe("^---!");
  });
});

test("hot(): errors are replayed too", () => {
  scheduler().run(({ cold, expectObservable }) => {
    const h = hot(cold("--#", undefined, new Error("gone")));
    expectObservable(h, "----^").toBe("----#", undefined, new Error("gone"));
  });
});

test("hot(): released when every subscriber leaves before the result; re-armed by a later subscriber", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("-----a|");
    const h = hot(source);
    expectObservable(h, "^-!").toBe("---");
    expectObservable(h, "----^------").toBe("----------(a|)");
    expectSubscriptions(source.subscriptions).toBe(["^-!", "----^-----!"]);
  });
});

test("withCleanup(): clean-up after completion, error and unsubscribe; the result settles after it", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const done = cold("--|");
    expectObservable(withCleanup(cold("-a|"), () => done)).toBe("-a--|");
    expectSubscriptions(done.subscriptions).toBe("--^-!");
    const onError = cold("--|");
    expectObservable(withCleanup(cold("-a#"), () => onError)).toBe("-a--#");
    expectSubscriptions(onError.subscriptions).toBe("--^-!");
    const onUnsub = cold("--|");
    expectObservable(
      withCleanup(cold("-a---b|"), () => onUnsub),
      "^--!",
    ).toBe("-a--");
    expectSubscriptions(onUnsub.subscriptions).toBe("---^-!");
  });
});

test("lifecycle$: wait$ is subscribed at or before start$; events in order; clean-up last", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const exitedAt = new Date(0);
    const waitSource = cold<ExitStatus>("----x|", { x: { code: 0, exitedAt } });
    const start = cold<number>("-p|", { p: 42 });
    const task = { wait$: () => hot(waitSource), start$: () => start } as unknown as Task;
    const newTask = cold<Task>("-t|", { t: task });
    const container = { id: "c1", newTask$: () => newTask } as unknown as Container;
    const create = cold<Container>("-c|", { c: container });
    const remove = cold("--|");
    const out = lifecycle$(create, {}, () => remove);
    expectObservable(out).toBe("-c-s---x-|", {
      c: { type: "created", containerId: "c1" },
      s: { type: "started", containerId: "c1", pid: 42 },
      x: { type: "exited", containerId: "c1", status: { code: 0, exitedAt } },
    });
    expectSubscriptions(waitSource.subscriptions).toBe("--^----!");
    expectSubscriptions(start.subscriptions).toBe("--^-!");
    expectSubscriptions(remove.subscriptions).toBe("-------^-!");
  });
});

test("lifecycle$: a failed create removes nothing (never someone else's container)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const remove = cold("--|");
    const out = lifecycle$(cold<Container>("-#", undefined, new Error("exists")), {}, () => remove);
    expectObservable(out).toBe("-#", undefined, new Error("exists"));
    expectSubscriptions(remove.subscriptions).toBe([]);
  });
});

test("lifecycle$: unsubscribing while running removes the container (which kills the task)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const waitSource = cold<ExitStatus>("--------x|", { x: { code: 0, exitedAt: new Date(0) } });
    const task = { wait$: () => hot(waitSource), start$: () => cold<number>("-p|", { p: 7 }) } as unknown as Task;
    const container = {
      id: "c2",
      newTask$: (): Observable<Task> => cold<Task>("-t|", { t: task }),
    } as unknown as Container;
    const remove = cold("-|");
    const out = lifecycle$(cold<Container>("-c|", { c: container }), {}, () => remove);
    expectObservable(out, "^-----!").toBe("-c-s--", {
      c: { type: "created", containerId: "c2" },
      s: { type: "started", containerId: "c2", pid: 7 },
    });
    expectSubscriptions(remove.subscriptions).toBe("------^!");
  });
});

test("lifecycle$ with piped IO: output events after started, exited only after the output's EOF, then IO closed", async () => {
  let closed = 0;
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const exitedAt = new Date(0);
    const waitSource = cold<ExitStatus>("--x|", { x: { code: 0, exitedAt } });
    const start = cold<number>("-p|", { p: 9 });
    const a = Buffer.from("a");
    const b = Buffer.from("b");
    const stdout = cold<Buffer>("-a---a|", { a });
    const stderr = cold<Buffer>("--b|", { b });
    const io = {
      config: { stdin: "", stdout: "/fifo/x-stdout", stderr: "/fifo/x-stderr", terminal: false },
      close: async () => void closed++,
    };
    const task = {
      io,
      wait$: () => hot(waitSource),
      start$: () => start,
      stdout$: stdout,
      stderr$: stderr,
    } as unknown as Task;
    const container = { id: "c3", newTask$: () => cold<Task>("-t|", { t: task }) } as unknown as Container;
    const remove = cold("-|");
    const out = lifecycle$(cold<Container>("-c|", { c: container }), {}, () => remove);
    // The completion follows io.close(), a Promise: it settles after virtual time, checked below.
    expectObservable(out).toBe("-c-s-ob--ax", {
      c: { type: "created", containerId: "c3" },
      s: { type: "started", containerId: "c3", pid: 9 },
      o: { type: "output", containerId: "c3", stream: "stdout", data: a },
      a: { type: "output", containerId: "c3", stream: "stdout", data: a },
      b: { type: "output", containerId: "c3", stream: "stderr", data: b },
      x: { type: "exited", containerId: "c3", status: { code: 0, exitedAt } },
    });
    expectSubscriptions(waitSource.subscriptions).toBe("--^--!");
    expectSubscriptions(start.subscriptions).toBe("--^-!");
    expectSubscriptions(stdout.subscriptions).toBe("----^-----!");
    expectSubscriptions(stderr.subscriptions).toBe("----^--!");
    expectSubscriptions(remove.subscriptions).toBe("----------^!");
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, 1, "the task's IO was closed after remove()");
});

test("hot(): subscribers coming and going share one source subscription while at least one stays", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("------a|");
    const h = hot(source);
    expectObservable(h, "^--!").toBe("---");
    expectObservable(h, "--^-----").toBe("-------(a|)");
    expectObservable(h, "-----^--").toBe("-------(a|)");
    expectSubscriptions(source.subscriptions).toBe("^------!");
  });
});

// transaction$ and Inflight settle through Promises, so virtual time advances one frame at a time,
// with the microtasks run in between (a plain flush would run every frame before any Promise).
/** Steps `sch` frame by frame, letting Promises settle between frames, until nothing is left. */
async function drive(sch: TestScheduler): Promise<void> {
  for (let guard = 0; guard < 10_000; guard++) {
    await new Promise((r) => setImmediate(r));
    const next = sch.actions[0];
    if (!next) return;
    sch.maxFrames = next.delay;
    sch.flush();
  }
  assert.fail("drive: virtual time did not settle after 10000 frames");
}

const txScheduler = () => {
  const sch = scheduler();
  return { sch, cold: <T>(m: string, v?: Record<string, T>, e?: unknown) => sch.createColdObservable<T>(m, v, e) };
};

test("transaction$: unsubscribed mid-step: the step finishes, then rollbacks newest first, then finally-steps", async () => {
  const { sch, cold } = txScheduler();
  const step1 = cold("-a|");
  const step2 = cold("-----b|");
  const undoA = cold("--|");
  const undoB = cold("-|");
  const fin = cold("--|");
  const reported: AggregateError[] = [];
  const seen: string[] = [];
  const sub = transaction$(
    async (tx) => {
      await tx.step(step1);
      tx.onRollback(() => undoA);
      tx.onFinally(() => fin);
      await tx.step(step2);
      tx.onRollback(() => undoB);
      return "made";
    },
    undefined,
    { onCleanupError: (e) => reported.push(e) },
  ).subscribe({ next: (v) => seen.push(v), complete: () => seen.push("complete") });
  sch.schedule(() => sub.unsubscribe(), 30);
  await drive(sch);
  // frames of 10: step2 ends at 80, then B (80-90), A (90-110), and the finally-step last (110-130)
  sch.expectSubscriptions(step1.subscriptions).toBe("^-!");
  sch.expectSubscriptions(step2.subscriptions).toBe("--^-----!");
  sch.expectSubscriptions(undoB.subscriptions).toBe("--------^!");
  sch.expectSubscriptions(undoA.subscriptions).toBe("---------^-!");
  sch.expectSubscriptions(fin.subscriptions).toBe("-----------^-!");
  sch.flush();
  assert.deepEqual(seen, [], "nothing emitted to a subscriber that left");
  assert.deepEqual(reported, []);
});

test("transaction$: a rollback that fails after an unsubscribe is reported to onCleanupError, and the other rollbacks still run", async () => {
  const { sch, cold } = txScheduler();
  const undoA = cold("-|");
  const undoB = cold("--#", undefined, new Error("snapshot busy"));
  const reported: AggregateError[] = [];
  const sub = transaction$(
    async (tx) => {
      await tx.step(cold("-a|"));
      tx.onRollback(() => undoA);
      tx.onRollback(() => undoB);
      await tx.step(cold("--b|"));
      return 1;
    },
    undefined,
    { onCleanupError: (e) => reported.push(e) },
  ).subscribe();
  sch.schedule(() => sub.unsubscribe(), 30);
  await drive(sch);
  sch.expectSubscriptions(undoB.subscriptions).toBe("-----^-!");
  sch.expectSubscriptions(undoA.subscriptions).toBe("-------^!");
  sch.flush();
  assert.equal(reported.length, 1, "one report");
  assert.ok(reported[0] instanceof AggregateError);
  assert.deepEqual(
    reported[0].errors.map((e: Error) => e.message),
    ["snapshot busy"],
  );
});

test("transaction$: a failed step: rollbacks, then finally-steps, then the error with the clean-up failures as cause", async () => {
  const { sch, cold } = txScheduler();
  const undo = cold("-#", undefined, new Error("undo failed"));
  const fin = cold("-|");
  const errors: unknown[] = [];
  transaction$(async (tx) => {
    await tx.step(cold("-a|"));
    tx.onRollback(() => undo);
    tx.onFinally(() => fin);
    await tx.step(cold("-#", undefined, new NotFoundError("gone")));
    return 1;
  }).subscribe({ error: (e: unknown) => errors.push(e) });
  await drive(sch);
  sch.expectSubscriptions(undo.subscriptions).toBe("---^!");
  sch.expectSubscriptions(fin.subscriptions).toBe("----^!");
  sch.flush();
  assert.equal(errors.length, 1);
  assert.ok(isNotFound(errors[0]));
  const cause = (errors[0] as Error).cause;
  assert.ok(cause instanceof AggregateError);
  assert.deepEqual(
    cause.errors.map((e: Error) => e.message),
    ["undo failed"],
  );
});

test("transaction$: a subscriber that stays gets the result after the finally-steps; no rollback", async () => {
  const { sch, cold } = txScheduler();
  const undo = cold("-|");
  const fin = cold("--|");
  const seen: string[] = [];
  transaction$(async (tx) => {
    await tx.step(cold("-a|"));
    tx.onRollback(() => undo);
    tx.onFinally(() => fin);
    return "ok";
  }).subscribe({ next: (v) => seen.push(`${sch.now()} ${v}`), complete: () => seen.push(`${sch.now()} complete`) });
  await drive(sch);
  sch.expectSubscriptions(undo.subscriptions).toBe([]);
  sch.expectSubscriptions(fin.subscriptions).toBe("--^-!");
  sch.flush();
  assert.deepEqual(seen, ["40 ok", "40 complete"]);
});

test("Inflight: settled() waits for what was tracked on that container so far, and forgets settled operations", async () => {
  const { sch, cold } = txScheduler();
  const inflight = new Inflight();
  const at: string[] = [];
  const track = (id: string, m: string) =>
    inflight.track(
      "ns",
      id,
      lastValueFrom(cold(m), { defaultValue: undefined }).then(() => undefined),
    );
  track("c1", "--|");
  track("c1", "-----|");
  track("c2", "---------|");
  sch.schedule(() => void inflight.settled("ns", "c1").then(() => at.push(`c1 settled at ${sch.now()}`)), 10);
  sch.schedule(() => track("c1", "--------|"), 20); // after settled() was asked: not waited for
  sch.schedule(() => void inflight.settled("ns", "c3").then(() => at.push(`c3 settled at ${sch.now()}`)), 30);
  await drive(sch);
  assert.deepEqual(at, ["c3 settled at 30", "c1 settled at 50"]);
  assert.equal(
    (inflight as unknown as { running: Map<string, unknown> }).running.size,
    0,
    "nothing kept after everything settled",
  );
});
