import { mergeAll, type ObservableInput, type OperatorFunction } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { validated } from "../rx/validated.js";

/**
 * Runs jobs with a bound: the source emits jobs (cold Observables such as `client.run$(id, …)`),
 * and at most `concurrency` of them are subscribed at a time; the next one starts when a running
 * one completes. Emits every value of every job as it arrives (a `run$` event names its
 * container); completes when the source and every job have completed.
 *
 * Clean-up: unsubscribing unsubscribes every running job (a `run$` then kills its task and
 * removes its container, snapshot and IO in the background: `client.close$()` waits for that)
 * and starts no further job. The first job that errors does the same to all the others, then
 * its error is the result's. Nothing timed: no scheduler. InvalidArgumentError for a
 * `concurrency` that is not a positive integer (or Infinity), before any job starts.
 *
 * @example
 * ```ts
 * from(["a", "b", "c", "d", "e", "f"])
 *   .pipe(
 *     map((id) => client.run$(`job-${id}`, { image, args: ["sh", "-c", "sleep 1"] })),
 *     mapJobs(2),
 *   )
 *   .subscribe((e) => { if (e.type === "exited") console.log(e.containerId, e.status.code); });
 * ```
 */
export function mapJobs<T>(concurrency: number): OperatorFunction<ObservableInput<T>, T> {
  return (source) =>
    validated(
      () =>
        concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1)
          ? undefined
          : new InvalidArgumentError(`mapJobs concurrency must be a positive integer, got ${concurrency}`),
      () => source.pipe(mergeAll(concurrency)),
    );
}
