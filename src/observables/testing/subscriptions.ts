import { Observable, type SchedulerLike } from "rxjs";
import { SubscriptionLog } from "rxjs/internal/testing/SubscriptionLog";

/** One subscription's frames: TestScheduler's own log entry (`unsubscribedFrame` Infinity: still subscribed). */
export type SubscriptionFrames = SubscriptionLog;

/** What {@link recordSubscriptions} returns. */
export interface RecordedSubscriptions<T> {
  /** The source, logging each subscription. */
  readonly observable: Observable<T>;
  /** One entry per subscription, for `expectSubscriptions(recorded.subscriptions).toBe(…)`. */
  readonly subscriptions: SubscriptionFrames[];
}

/**
 * Logs when `source` is subscribed and when each subscription ends (unsubscribed, completed or
 * errored), in `scheduler`'s frames, as `cold()` observables do: so that marble tests can assert
 * the subscription frames of real pipelines (each `run$` of a restart loop, each job of a
 * fan-out) with `expectSubscriptions`. The entries are TestScheduler's own `SubscriptionLog`s, so
 * a strict deep-equal compares them.
 *
 * @example
 * ```ts
 * import { TestScheduler } from "rxjs/testing";
 * import assert from "node:assert/strict";
 * const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
 * await runMarbles(scheduler, ({ expectObservable, expectSubscriptions }) => {
 *   const client = createFakeContainerd({ scheduler, tasks: { job: { exitAt: 5 } } });
 *   const run = recordSubscriptions(client.run$("job", { image: "docker.io/library/busybox:latest" }), scheduler);
 *   expectObservable(run.observable.pipe(count())).toBe("5ms (n|)", { n: 3 });
 *   expectSubscriptions(run.subscriptions).toBe("^ 4ms !");
 * });
 * ```
 */
export function recordSubscriptions<T>(source: Observable<T>, scheduler: SchedulerLike): RecordedSubscriptions<T> {
  const subscriptions: SubscriptionFrames[] = [];
  const observable = new Observable<T>((subscriber) => {
    const log = new SubscriptionLog(scheduler.now());
    subscriptions.push(log);
    const inner = source.subscribe(subscriber);
    return () => {
      log.unsubscribedFrame = scheduler.now();
      inner.unsubscribe();
    };
  });
  return { observable, subscriptions };
}
