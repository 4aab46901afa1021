import {
  asyncScheduler,
  concat,
  concatMap,
  EMPTY,
  isObservable,
  Observable,
  Subscription,
  take,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { killIfRunning$ } from "../tasks/kill-if-running.js";
import type { Process } from "../tasks/process.js";
import { parseSignal, type Signal } from "../tasks/signals.js";
import { exitOf, type ExitSource } from "./exit-of.js";
import { DEFAULT_KILL_GRACE_MS } from "../tasks/stop.js";

/** Options of {@link killAfter}. */
export interface KillAfterOptions {
  /** The first signal. Default SIGTERM. */
  readonly signal?: Signal;
  /**
   * How long after the first signal to wait for the exit before sending SIGKILL, in ms. Default
   * 10 000. `Infinity`: never escalate. Not used when `signal` is SIGKILL already.
   */
  readonly grace?: number;
  /**
   * The process to signal. Default: the task of the stream's `started` event (a `run$` stream).
   * Give it for a stream of `ExitStatus`, e.g. `task.wait$().pipe(killAfter(5000, { process: task }))`.
   */
  readonly process?: Process;
  /** Scheduler of the deadline and the grace period (a TestScheduler in marble tests). Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A deadline for a running process: `due` ms (or the first value of the `due` Observable) after
 * the process is known, sends `signal` (SIGTERM) to it; if the exit has not arrived `grace` ms
 * later, sends SIGKILL. The values pass through unchanged, so the exit (code 143 or 137 for the
 * signals) still arrives as usual.
 *
 * What it operates on: a `run$` event stream (the clock starts at the `started` event and the
 * task comes from it: image pull and create time do not count), or a stream of `ExitStatus`
 * such as `task.wait$()` with `options.process` (the clock starts at subscription). An exit in
 * the stream, its completion, its error or an unsubscribe cancels whatever is still pending.
 *
 * RPCs: Tasks.Kill (once or twice). A kill that finds the process gone already (NotFound,
 * FailedPrecondition) is ignored; another failure of the kill errors the stream. A bad
 * `signal`, `due` or `grace` is an InvalidArgumentError before anything runs.
 *
 * @example
 * ```ts
 * client.run$("job", { image, args: ["sleep", "600"] })
 *   .pipe(killAfter(30_000, { grace: 5_000 }), exitCode())
 *   .subscribe((code) => console.log(code)); // 143 (SIGTERM), or 137 if SIGKILL was needed
 * ```
 */
export function killAfter<T extends ExitSource>(
  due: number | Observable<unknown>,
  options: KillAfterOptions = {},
): MonoTypeOperatorFunction<T> {
  const { grace = DEFAULT_KILL_GRACE_MS, scheduler = asyncScheduler } = options;
  const signal = parseSignal(options.signal ?? "SIGTERM");
  return (source) =>
    new Observable<T>((subscriber) => {
      const problem = check(due, grace, signal);
      if (problem) {
        subscriber.error(problem);
        return undefined;
      }
      const first = signal as number;
      const pending = new Subscription();
      let armed = false;
      const arm = (target: Process) => {
        armed = true;
        const kill$ = (n: number) => killIfRunning$(target, n);
        const trigger$ = isObservable(due) ? due.pipe(take(1)) : timer(due, scheduler);
        const escalate$ =
          first === 9 || grace === Infinity ? EMPTY : timer(grace, scheduler).pipe(concatMap(() => kill$(9)));
        pending.add(
          trigger$.pipe(concatMap(() => concat(kill$(first), escalate$))).subscribe({
            error: (e: unknown) => subscriber.error(e),
          }),
        );
      };
      if (options.process) arm(options.process);
      const sub = source.subscribe({
        next: (value) => {
          if (!armed && "type" in value && value.type === "started" && value.task) arm(value.task);
          if (exitOf(value)) pending.unsubscribe();
          subscriber.next(value);
        },
        error: (e: unknown) => {
          pending.unsubscribe();
          subscriber.error(e);
        },
        complete: () => {
          pending.unsubscribe();
          subscriber.complete();
        },
      });
      return () => {
        pending.unsubscribe();
        sub.unsubscribe();
      };
    });
}

function check(due: number | Observable<unknown>, grace: number, signal: number | InvalidArgumentError) {
  if (signal instanceof InvalidArgumentError) return signal;
  if (typeof due === "number" && !(Number.isFinite(due) && due >= 0))
    return new InvalidArgumentError(`killAfter due must be a non-negative number of ms, got ${due}`);
  if (!(grace === Infinity || (Number.isFinite(grace) && grace >= 0)))
    return new InvalidArgumentError(`killAfter grace must be a non-negative number of ms or Infinity, got ${grace}`);
  return undefined;
}
