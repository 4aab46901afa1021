// The worked marble tests of docs/testing.md, run: keep the two in step.
import "reflect-metadata";
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  concat,
  concatMap,
  defer,
  endWith,
  filter,
  from,
  ignoreElements,
  map,
  merge,
  mergeMap,
  repeat,
  take,
  takeWhile,
  timer,
  type Observable,
  type SchedulerLike,
} from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { Test } from "@nestjs/testing";
import { Containerd } from "../../src/index.js";
import { createFakeContainerd, fakeStdio, recordSubscriptions, runMarbles } from "../../src/testing.js";

const BUSYBOX = "docker.io/library/busybox:latest";
const newScheduler = () => new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));

/** Exit code of each run, re-running after a failure with a doubling delay (10, 20, … ms). */
function runUntilSuccess(client: Containerd, id: string, scheduler: SchedulerLike, maxRuns = 5) {
  const run = recordSubscriptions(
    defer(() => client.run$(id, { image: BUSYBOX })),
    scheduler,
  );
  const codes$ = run.observable.pipe(
    filter((e) => e.type === "exited"),
    map((e) => (e.type === "exited" ? e.status.code : -1)),
    repeat({ count: maxRuns, delay: (n) => timer(10 * 2 ** (n - 1), scheduler) }),
    takeWhile((code) => code !== 0, true),
  );
  return { codes$, runs: run.subscriptions };
}

test("guide: restart on exit with backoff", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable, expectSubscriptions }) => {
    const client = createFakeContainerd({
      scheduler,
      tasks: {
        flaky: [
          { exitCode: 1, exitAt: 5 },
          { exitCode: 1, exitAt: 5 },
          { exitCode: 0, exitAt: 5 },
        ],
      },
    });
    const { codes$, runs } = runUntilSuccess(client, "flaky", scheduler);
    expectObservable(codes$).toBe("5ms a 14ms b 24ms (c|)", { a: 1, b: 1, c: 0 });
    expectSubscriptions(runs).toBe(["^ 4ms !", "15ms ^ 4ms !", "40ms ^ 4ms !"]);
  });
});

/** Runs `id`; when `deadline$` emits, SIGTERM, then SIGKILL `graceMs` later; emits the exit code. */
function runWithDeadline(
  client: Containerd,
  id: string,
  deadline$: Observable<unknown>,
  graceMs: number,
  scheduler: SchedulerLike,
): Observable<number> {
  return client.containers.create$(id, { image: BUSYBOX }).pipe(
    concatMap((container) =>
      container.newTask$().pipe(
        concatMap((task) => {
          const exit$ = task.wait$();
          const stop$ = deadline$.pipe(
            take(1),
            concatMap(() => task.kill$("SIGTERM")),
            concatMap(() => timer(graceMs, scheduler)),
            concatMap(() => task.kill$("SIGKILL")),
            ignoreElements(),
          );
          return concat(task.start$().pipe(ignoreElements()), merge(exit$, stop$).pipe(take(1))).pipe(
            concatMap((status) =>
              concat(task.delete$(), container.delete$()).pipe(ignoreElements(), endWith(status.code)),
            ),
          );
        }),
      ),
    ),
  );
}

test("guide: timeout, then SIGTERM, then SIGKILL after the grace period", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ cold, expectObservable, expectSubscriptions }) => {
    const client = createFakeContainerd({
      scheduler,
      tasks: {
        stubborn: { exitAt: "never", signals: { SIGTERM: "ignore" } },
        polite: { exitAt: "never", signals: { SIGTERM: { exitCode: 0, after: 5 } } },
      },
    });
    const stubbornDeadline = cold("30ms x");
    const politeDeadline = cold("30ms x");
    expectObservable(runWithDeadline(client, "stubborn", stubbornDeadline, 20, scheduler)).toBe("50ms (k|)", {
      k: 137,
    });
    expectObservable(runWithDeadline(client, "polite", politeDeadline, 20, scheduler)).toBe("35ms (k|)", { k: 0 });
    expectSubscriptions(stubbornDeadline.subscriptions).toBe("^ 29ms !");
    expectSubscriptions(politeDeadline.subscriptions).toBe("^ 29ms !");
  });
});

test("guide: fan-out of N jobs, at most 2 at a time", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable, expectSubscriptions }) => {
    const ids = ["a", "b", "c", "d", "e"];
    const client = createFakeContainerd({
      scheduler,
      tasks: (id) => ({ exitCode: ids.indexOf(id), exitAt: 10 }),
    });
    const runs = new Map(ids.map((id) => [id, recordSubscriptions(client.run$(id, { image: BUSYBOX }), scheduler)]));
    const results$ = from(ids).pipe(
      mergeMap(
        (id) =>
          runs.get(id)!.observable.pipe(
            filter((e) => e.type === "exited"),
            map((e) => `${id}=${e.type === "exited" ? e.status.code : ""}`),
          ),
        2,
      ),
    );
    expectObservable(results$).toBe("10ms (ab) 6ms (cd) 6ms (e|)", {
      a: "a=0",
      b: "b=1",
      c: "c=2",
      d: "d=3",
      e: "e=4",
    });
    expectSubscriptions(runs.get("a")!.subscriptions).toBe("^ 9ms !");
    expectSubscriptions(runs.get("b")!.subscriptions).toBe("^ 9ms !");
    expectSubscriptions(runs.get("c")!.subscriptions).toBe("10ms ^ 9ms !");
    expectSubscriptions(runs.get("d")!.subscriptions).toBe("10ms ^ 9ms !");
    expectSubscriptions(runs.get("e")!.subscriptions).toBe("20ms ^ 9ms !");
  });
});

/** A Nest service: plain class, the client injected. */
class ReportService {
  constructor(private readonly client: Containerd) {}

  /** Runs the report job; emits its exit code. */
  generate(id: string): Observable<number> {
    return this.client.run$(id, { image: BUSYBOX, args: ["generate-report"] }).pipe(
      filter((e) => e.type === "exited"),
      map((e) => (e.type === "exited" ? e.status.code : -1)),
    );
  }
}

test("guide: a Nest service tested without a daemon", async () => {
  const scheduler = newScheduler();
  const client = createFakeContainerd({ scheduler, tasks: { "report-1": { exitCode: 0, exitAt: 25 } } });
  const moduleRef = await Test.createTestingModule({
    providers: [
      { provide: Containerd, useValue: client },
      { provide: ReportService, useFactory: (c: Containerd) => new ReportService(c), inject: [Containerd] },
    ],
  }).compile();
  const service = moduleRef.get(ReportService);
  await runMarbles(scheduler, ({ expectObservable }) => {
    expectObservable(service.generate("report-1")).toBe("25ms (x|)", { x: 0 });
  });
  await moduleRef.close();
});

test("guide: scripted output through fakeStdio", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({
      scheduler,
      tasks: {
        web: {
          exitAt: 9,
          output: [
            { at: 2, stdout: "listening\n" },
            { at: 5, stderr: "slow request\n" },
          ],
        },
      },
    });
    const output$ = client.run$("web", { image: BUSYBOX, io: fakeStdio(client) }).pipe(
      filter((e) => e.type === "output"),
      map((e) => (e.type === "output" ? `${e.stream}: ${e.data.toString().trim()}` : "")),
    );
    expectObservable(output$).toBe("2ms a 2ms b 3ms |", { a: "stdout: listening", b: "stderr: slow request" });
  });
});

test("guide (TSDoc of runMarbles/createFakeContainerd): run$ events of a job exiting at 10", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { job: { exitCode: 3, exitAt: 10 } } });
    const types$ = client.run$("job", { image: BUSYBOX }).pipe(map((e) => e.type));
    expectObservable(types$).toBe("(ab) 6ms (c|)", { a: "created", b: "started", c: "exited" });
  });
});
