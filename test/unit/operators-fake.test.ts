// The container operators marble-tested on rxcontainerd/testing's fake containerd: the real
// client (run$, wait$, kill$, delete$) runs under them on virtual time, so these tests see the
// frames at which runs start, signals land and exits arrive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { catchError, defer, filter, map, of } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  exitCode,
  isExitCodeError,
  killAfter,
  lines,
  mapJobs,
  restartOnExit,
  throwOnNonZeroExit,
  type Containerd,
} from "../../src/index.js";
import { createFakeContainerd, fakeStdio, recordSubscriptions, runMarbles } from "../../src/testing.js";

const BUSYBOX = "docker.io/library/busybox:latest";
const newScheduler = () => new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));

/** Every container and task of the fake's namespace, after the pipeline ended. */
async function leftovers(client: Containerd): Promise<number> {
  const { containers } = await new Promise<{ containers: unknown[] }>((resolve, reject) =>
    client.services.containers.list$({}).subscribe({ next: resolve, error: reject }),
  );
  return containers.length;
}

test("restartOnExit on the fake: runs again after each failure, backoff on virtual time, stops at success", async () => {
  const scheduler = newScheduler();
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable, expectSubscriptions }) => {
    client = createFakeContainerd({
      scheduler,
      tasks: {
        flaky: [
          { exitCode: 1, exitAt: 5 },
          { exitCode: 2, exitAt: 5 },
          { exitCode: 0, exitAt: 5 },
        ],
      },
    });
    const run = recordSubscriptions(
      defer(() => client!.run$("flaky", { image: BUSYBOX })),
      scheduler,
    );
    const codes$ = run.observable.pipe(restartOnExit({ backoff: 10, scheduler }), exitCode());
    // run 1: 0–5, restart 10 ms later: 15–20, then 30–35 (exit 0: no restart, the stream completes)
    expectObservable(codes$).toBe("5ms a 14ms b 14ms (c|)", { a: 1, b: 2, c: 0 });
    expectSubscriptions(run.subscriptions).toBe(["^ 4ms !", "15ms ^ 4ms !", "30ms ^ 4ms !"]);
  });
  assert.equal(await leftovers(client!), 0, "every run removed its container");
});

test("restartOnExit on the fake: maxRestarts bounds the runs", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { crash: { exitCode: 7, exitAt: 3 } } });
    const codes$ = client
      .run$("crash", { image: BUSYBOX })
      .pipe(restartOnExit({ maxRestarts: 2, backoff: 1, scheduler }), exitCode());
    expectObservable(codes$).toBe("3ms a 3ms b 3ms (c|)", { a: 7, b: 7, c: 7 });
  });
});

test("killAfter on the fake: SIGTERM at the deadline, SIGKILL after the grace when SIGTERM is ignored", async () => {
  const scheduler = newScheduler();
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable }) => {
    client = createFakeContainerd({
      scheduler,
      tasks: {
        stubborn: { exitAt: "never", signals: { SIGTERM: "ignore" } },
        polite: { exitAt: "never", signals: { SIGTERM: { exitCode: 0, after: 5 } } },
      },
    });
    const stubborn$ = client
      .run$("stubborn", { image: BUSYBOX })
      .pipe(killAfter(30, { grace: 20, scheduler }), exitCode());
    const polite$ = client.run$("polite", { image: BUSYBOX }).pipe(killAfter(30, { grace: 20, scheduler }), exitCode());
    expectObservable(stubborn$).toBe("50ms (k|)", { k: 137 });
    expectObservable(polite$).toBe("35ms (k|)", { k: 0 });
  });
  assert.equal(await leftovers(client!), 0, "both runs removed their containers");
});

test("killAfter on the fake: a process that exits before the deadline is never signalled", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { quick: { exitCode: 4, exitAt: 8 } } });
    const events$ = client.run$("quick", { image: BUSYBOX }).pipe(killAfter(30, { grace: 20, scheduler }));
    const signals$ = client.events$('topic=="/tasks/exit"').pipe(map((e) => e.topic));
    expectObservable(events$.pipe(exitCode())).toBe("8ms (k|)", { k: 4 });
    // One exit event (the task's own), none from a kill.
    expectObservable(signals$, "^ 40ms !").toBe("8ms e", { e: "/tasks/exit" });
  });
});

test("lines on the fake's scripted output: multi-byte characters split across chunks stay whole", async () => {
  const scheduler = newScheduler();
  const euro = Buffer.from("€");
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({
      scheduler,
      tasks: {
        talk: {
          exitAt: 9,
          output: [
            { at: 2, stdout: Buffer.concat([Buffer.from("price "), euro.subarray(0, 2)]) },
            { at: 4, stdout: Buffer.concat([euro.subarray(2), Buffer.from("5\nno newline")]) },
          ],
        },
      },
    });
    const lines$ = client.run$("talk", { image: BUSYBOX, io: fakeStdio(client) }).pipe(lines());
    expectObservable(lines$).toBe("4ms a 4ms (b|)", { a: "price €5", b: "no newline" });
  });
});

test("throwOnNonZeroExit on the fake: a non-zero exit becomes ExitCodeError in the error channel", async () => {
  const scheduler = newScheduler();
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { job: { exitCode: 3, exitAt: 10 }, ok: { exitAt: 10 } } });
    const failed$ = client.run$("job", { image: BUSYBOX }).pipe(
      throwOnNonZeroExit(),
      filter(() => false),
      catchError((e: unknown) => of(isExitCodeError(e) ? `ExitCodeError ${e.exitCode} ${e.message}` : String(e))),
    );
    const ok$ = client.run$("ok", { image: BUSYBOX }).pipe(throwOnNonZeroExit(), exitCode());
    expectObservable(failed$).toBe("10ms (e|)", { e: 'ExitCodeError 3 [ExitCode] container "job" exited with code 3' });
    expectObservable(ok$).toBe("10ms (z|)", { z: 0 });
  });
});

test("mapJobs on the fake: at most 2 containers at once, in order of arrival", async () => {
  const scheduler = newScheduler();
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable, expectSubscriptions }) => {
    client = createFakeContainerd({ scheduler, tasks: (id) => ({ exitCode: Number(id.slice(4)), exitAt: 10 }) });
    const jobs = [1, 2, 3, 4].map((n) =>
      recordSubscriptions(
        defer(() => client!.run$(`job-${n}`, { image: BUSYBOX })),
        scheduler,
      ),
    );
    const codes$ = of(...jobs.map((j) => j.observable.pipe(exitCode()))).pipe(mapJobs(2));
    expectObservable(codes$).toBe("10ms (ab) 6ms (cd|)", { a: 1, b: 2, c: 3, d: 4 });
    expectSubscriptions(jobs[0]!.subscriptions).toBe("^ 9ms !");
    expectSubscriptions(jobs[1]!.subscriptions).toBe("^ 9ms !");
    expectSubscriptions(jobs[2]!.subscriptions).toBe("10ms ^ 9ms !");
    expectSubscriptions(jobs[3]!.subscriptions).toBe("10ms ^ 9ms !");
  });
  assert.equal(await leftovers(client!), 0, "every job removed its container");
});

test("mapJobs on the fake: unsubscribing part way removes the running jobs' containers", async () => {
  const scheduler = newScheduler();
  let client: Containerd | undefined;
  await runMarbles(scheduler, ({ expectObservable }) => {
    client = createFakeContainerd({ scheduler, tasks: () => ({ exitAt: "never" }) });
    const codes$ = of(1, 2, 3).pipe(
      map((n) => client!.run$(`svc-${n}`, { image: BUSYBOX }).pipe(exitCode())),
      mapJobs(2),
    );
    expectObservable(codes$, "^ 20ms !").toBe("");
  });
  // run$'s clean-up (kill, delete) ran when mapJobs unsubscribed the two running jobs.
  assert.equal(await leftovers(client!), 0, "no container left after the unsubscribe");
});
