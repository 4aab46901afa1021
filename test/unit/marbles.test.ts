import { test } from "node:test";
import assert from "node:assert/strict";
import type { Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { hot, lifecycle$, withCleanup, type Container, type ExitStatus, type Task } from "../../src/index.js";

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
    expectObservable(withCleanup(cold("-a---b|"), () => onUnsub), "^--!").toBe("-a--");
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
    const container = { id: "c2", newTask$: (): Observable<Task> => cold<Task>("-t|", { t: task }) } as unknown as Container;
    const remove = cold("-|");
    const out = lifecycle$(cold<Container>("-c|", { c: container }), {}, () => remove);
    expectObservable(out, "^-----!").toBe("-c-s--", { c: { type: "created", containerId: "c2" }, s: { type: "started", containerId: "c2", pid: 7 } });
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
    const io = { config: { stdin: "", stdout: "/fifo/x-stdout", stderr: "/fifo/x-stderr", terminal: false }, close: async () => void closed++ };
    const task = { io, wait$: () => hot(waitSource), start$: () => start, stdout$: stdout, stderr$: stderr } as unknown as Task;
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
