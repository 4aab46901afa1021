// task.stop$ marble-tested on rxcontainerd/testing's fake containerd: the stop signal (given, from
// the container's stop-signal label, or SIGTERM), the grace period on virtual time, SIGKILL after
// it, and nothing more once unsubscribed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { concatMap, defer, lastValueFrom, map, type Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  isInvalidArgument,
  STOP_SIGNAL_LABEL,
  type Containerd,
  type CreateContainerOptions,
  type StopOptions,
  type Task,
} from "../../src/index.js";
import { createFakeContainerd, recordSubscriptions, runMarbles } from "../../src/testing.js";

const BUSYBOX = "docker.io/library/busybox:latest";
const newScheduler = () => new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));

/** A started task of container `id` (created at frame 0 on the fake). */
const started$ = (client: Containerd, id: string, options: Partial<CreateContainerOptions> = {}): Observable<Task> =>
  client.containers.create$(id, { image: BUSYBOX, ...options }).pipe(
    concatMap((c) => c.newTask$()),
    concatMap((t) => t.start$().pipe(map(() => t))),
  );

const stopCode$ = (
  client: Containerd,
  id: string,
  options: StopOptions,
  create: Partial<CreateContainerOptions> = {},
) =>
  started$(client, id, create).pipe(
    concatMap((t) => t.stop$(options)),
    map((s) => s.code),
  );

test("stop$ on the fake: SIGTERM ends a polite process; an ignoring one gets SIGKILL after graceMs", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({
      scheduler,
      tasks: {
        polite: { exitAt: "never", signals: { SIGTERM: { exitCode: 0, after: 5 } } },
        stubborn: { exitAt: "never", signals: { SIGTERM: "ignore" } },
        quick: { exitAt: "never", signals: { SIGTERM: "ignore" } },
      },
    });
    expectObservable(stopCode$(client, "polite", { graceMs: 20 })).toBe("5ms (c|)", { c: 0 });
    expectObservable(stopCode$(client, "stubborn", { graceMs: 20 })).toBe("20ms (c|)", { c: 137 });
    expectObservable(stopCode$(client, "quick", { graceMs: 0 })).toBe("(c|)", { c: 137 });
  });
});

test("stop$ on the fake: the signal is the option, else the container's stop-signal label, else SIGTERM", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const script = {
      exitAt: "never" as const,
      signals: {
        SIGTERM: { exitCode: 15, after: 1 },
        SIGUSR1: { exitCode: 10, after: 2 },
        SIGQUIT: { exitCode: 3, after: 3 },
      },
    };
    const client = createFakeContainerd({ scheduler, tasks: { a: script, b: script, c: script, d: script } });
    expectObservable(stopCode$(client, "a", {})).toBe("1ms (c|)", { c: 15 });
    expectObservable(stopCode$(client, "b", {}, { imageStopSignal: "SIGUSR1" })).toBe("2ms (c|)", { c: 10 });
    expectObservable(stopCode$(client, "c", {}, { labels: { [STOP_SIGNAL_LABEL]: "SIGQUIT" } })).toBe("3ms (c|)", {
      c: 3,
    });
    expectObservable(stopCode$(client, "d", { stopSignal: "SIGQUIT" }, { imageStopSignal: "SIGUSR1" })).toBe(
      "3ms (c|)",
      { c: 3 },
    );
  });
});

test("stop$ on the fake: unsubscribed during the grace, it sends no SIGKILL; the task keeps running", async () => {
  const scheduler = newScheduler();
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable, expectSubscriptions, cold }) => {
    client = createFakeContainerd({
      scheduler,
      tasks: { stubborn: { exitAt: "never", signals: { SIGTERM: "ignore" } } },
    });
    const stop = recordSubscriptions(
      started$(client, "stubborn").pipe(concatMap((t) => t.stop$({ graceMs: 20 }))),
      scheduler,
    );
    expectObservable(stop.observable.pipe(map((s) => s.code)), "^ 9ms !").toBe("");
    expectSubscriptions(stop.subscriptions).toBe(["^ 9ms !"]);
    const status$ = cold("40ms x").pipe(
      concatMap(() => client!.containers.load$("stubborn")),
      concatMap((c) => c.task$()),
      concatMap((t) => t.status$()),
      map((s) => s.status),
    );
    expectObservable(status$).toBe("40ms s", { s: "running" });
  });
});

test("stop$ on the fake: an exited task gives its status at once; bad options are InvalidArgument before any RPC", async () => {
  const scheduler = newScheduler();
  let task: Task | undefined;
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable }) => {
    client = createFakeContainerd({ scheduler, tasks: { done: { exitCode: 4, exitAt: 2 } } });
    const late$ = started$(client, "done").pipe(
      concatMap((t) => {
        task = t;
        return defer(() => t.wait$()).pipe(concatMap(() => t.stop$()));
      }),
      map((s) => s.code),
    );
    expectObservable(late$).toBe("2ms (c|)", { c: 4 });
  });
  const before = client!.callStats.started;
  for (const options of [{ graceMs: -1 }, { graceMs: 1.5 }, { stopSignal: "SIGNOPE" }] as StopOptions[]) {
    const error = await lastValueFrom(task!.stop$(options)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isInvalidArgument(error), `${JSON.stringify(options)}: ${String(error)}`);
  }
  assert.equal(client!.callStats.started, before, "no RPC for bad options");
  const bad = await lastValueFrom(
    client!.containers.create$("bad", { image: BUSYBOX, imageStopSignal: "SIGNOPE" }),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isInvalidArgument(bad), String(bad));
});

test("container.stopSignal$ on the fake: the stop-signal label, else SIGTERM; a label that is no signal is InvalidArgument", async () => {
  const scheduler = newScheduler();
  const client = createFakeContainerd({ scheduler });
  const signalOf = async (id: string, labels: Record<string, string>) => {
    const c = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, labels }));
    return lastValueFrom(c.stopSignal$()).then(
      (s) => s,
      (e: unknown) => e,
    );
  };
  assert.equal(await signalOf("plain", {}), "SIGTERM");
  assert.equal(await signalOf("quit", { [STOP_SIGNAL_LABEL]: "SIGQUIT" }), "SIGQUIT");
  const bad = await signalOf("bad", { [STOP_SIGNAL_LABEL]: "SIGNOPE" });
  assert.ok(isInvalidArgument(bad), String(bad));
  assert.match(String(bad), /io\.containerd\.image\.config\.stop-signal="SIGNOPE" is not a signal/);
});
