import { VirtualTimeScheduler } from "rxjs";
import { TestScheduler, type RunHelpers } from "rxjs/testing";
import { animationFrameProvider } from "rxjs/internal/scheduler/animationFrameProvider";
import { dateTimestampProvider } from "rxjs/internal/scheduler/dateTimestampProvider";
import { immediateProvider } from "rxjs/internal/scheduler/immediateProvider";
import { intervalProvider } from "rxjs/internal/scheduler/intervalProvider";
import { performanceTimestampProvider } from "rxjs/internal/scheduler/performanceTimestampProvider";
import { timeoutProvider } from "rxjs/internal/scheduler/timeoutProvider";

/** Options of {@link runMarbles}. */
export interface RunMarblesOptions {
  /**
   * Virtual time (ms) after which flushing gives up with an error, so that something that keeps
   * scheduling for ever (an `interval`) fails the test instead of hanging it. Default one hour.
   */
  readonly maxFrames?: number;
}

/** The TestScheduler members `run` uses, private in its typings. */
interface RunInternals {
  runMode: boolean;
  createAnimator(): { animate: RunHelpers["animate"]; delegate: typeof animationFrameProvider.delegate };
  createDelegates(): {
    immediate: typeof immediateProvider.delegate;
    interval: typeof intervalProvider.delegate;
    timeout: typeof timeoutProvider.delegate;
  };
}

const isPromiseLike = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const flushFrames = VirtualTimeScheduler.prototype.flush;

/**
 * `TestScheduler.run` for code that awaits between its steps. rxcontainerd's multi-step
 * operations (`create$`, `newTask$`, `run$`'s clean-up, `delete$`…) await promises between RPCs,
 * and `TestScheduler.run` flushes virtual time synchronously, before any promise continuation can
 * run, so they would never finish inside it. `runMarbles` sets up exactly what `run` sets up (run
 * mode, one frame = 1 ms, virtual `Date.now()` and timers for every RxJS scheduler), calls
 * `callback` with the same helpers, then flushes virtual time one frame at a time, letting
 * promise continuations settle before each frame, and finally checks every `expectObservable` /
 * `expectSubscriptions` (a mismatch rejects with your assertion's error). No real time passes:
 * a test of an hour of container life runs in milliseconds. `helpers.flush()` flushes
 * synchronously, as in `run`.
 *
 * `callback` may be async (a scenario that awaits `lastValueFrom(…)`): virtual time then advances
 * whenever it waits, and runs on after it settles until nothing is scheduled; the promise
 * resolves with its result (or rejects with its error). If it waits while nothing is scheduled
 * (no frame to advance to), runMarbles rejects instead of hanging.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestScheduler } from "rxjs/testing";
 * const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
 * await runMarbles(scheduler, ({ expectObservable }) => {
 *   const client = createFakeContainerd({ scheduler, tasks: { job: { exitCode: 3, exitAt: 10 } } });
 *   const types$ = client.run$("job", { image: "docker.io/library/busybox:latest" }).pipe(map((e) => e.type));
 *   expectObservable(types$).toBe("(ab) 6ms (c|)", { a: "created", b: "started", c: "exited" });
 * });
 * ```
 */
export async function runMarbles<T>(
  scheduler: TestScheduler,
  callback: (helpers: RunHelpers) => T | PromiseLike<T>,
  options: RunMarblesOptions = {},
): Promise<T> {
  const internals = scheduler as unknown as RunInternals;
  const prevFrameTimeFactor = TestScheduler.frameTimeFactor;
  const prevMaxFrames = scheduler.maxFrames;
  TestScheduler.frameTimeFactor = 1;
  scheduler.maxFrames = Infinity;
  internals.runMode = true;
  const animator = internals.createAnimator();
  const delegates = internals.createDelegates();
  animationFrameProvider.delegate = animator.delegate;
  dateTimestampProvider.delegate = scheduler;
  immediateProvider.delegate = delegates.immediate;
  intervalProvider.delegate = delegates.interval;
  timeoutProvider.delegate = delegates.timeout;
  performanceTimestampProvider.delegate = scheduler;
  const helpers: RunHelpers = {
    cold: scheduler.createColdObservable.bind(scheduler),
    hot: scheduler.createHotObservable.bind(scheduler),
    flush: scheduler.flush.bind(scheduler),
    time: scheduler.createTime.bind(scheduler),
    expectObservable: scheduler.expectObservable.bind(scheduler),
    expectSubscriptions: scheduler.expectSubscriptions.bind(scheduler),
    animate: animator.animate,
  };
  try {
    const ret = callback(helpers);
    let pending = isPromiseLike(ret);
    if (isPromiseLike(ret)) ret.then(settled, settled);
    function settled() {
      pending = false;
    }
    const limit = options.maxFrames ?? 3_600_000;
    const hot = scheduler.hotObservables;
    while (hot.length > 0) hot.shift()?.setup();
    for (let idle = 0; ;) {
      await turn();
      const next = scheduler.actions[0];
      if (!next) {
        if (!pending) break;
        if (++idle < 3) continue;
        throw new Error(
          "runMarbles: the callback is still waiting, but nothing is scheduled, so virtual time cannot " +
            "advance (it waits on something outside the scheduler, or on what will never happen)",
        );
      }
      idle = 0;
      if (next.delay > limit) {
        throw new Error(
          `runMarbles: virtual time reached ${next.delay} ms, past maxFrames (${limit}): something keeps scheduling`,
        );
      }
      scheduler.maxFrames = next.delay;
      flushFrames.call(scheduler);
    }
    scheduler.maxFrames = Infinity;
    scheduler.flush(); // nothing left to run: checks the expectations
    return await ret;
  } finally {
    TestScheduler.frameTimeFactor = prevFrameTimeFactor;
    scheduler.maxFrames = prevMaxFrames;
    internals.runMode = false;
    animationFrameProvider.delegate = undefined;
    dateTimestampProvider.delegate = undefined;
    immediateProvider.delegate = undefined;
    intervalProvider.delegate = undefined;
    timeoutProvider.delegate = undefined;
    performanceTimestampProvider.delegate = undefined;
  }
}
