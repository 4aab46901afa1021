import {
  asyncScheduler,
  defer,
  EMPTY,
  repeat,
  tap,
  timer,
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
} from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { backoffDelay, type BackoffConfig } from "../rx/backoff.js";
import { validated } from "../rx/validated.js";
import type { ExitStatus } from "../tasks/exit-status.js";
import { exitOf, type ExitSource } from "./exit-of.js";

/** Options of {@link restartOnExit}. */
export interface RestartOnExitOptions {
  /** Restarts at most this many times (then the last run's completion ends the stream). Default Infinity. */
  readonly maxRestarts?: number;
  /**
   * Delay before each restart: a fixed number of ms, or a {@link BackoffConfig} (restart n waits
   * `backoffDelay(n, config)`: 100 ms, 200 ms, … up to 5 s with ±20 % jitter by default). Its
   * `scheduler`, `maxRetries` and `retryIf` are not used here (see `scheduler`, `maxRestarts`, `when`).
   * Default: the default BackoffConfig.
   */
  readonly backoff?: number | BackoffConfig;
  /**
   * Which exits restart: `"on-failure"` (non-zero code; the default, as `docker run --restart
   * on-failure`), `"always"`, or a predicate given the status and the number the restart would have (1 first).
   */
  readonly when?: "on-failure" | "always" | ((status: ExitStatus, restart: number) => boolean);
  /** Scheduler of the delays (a TestScheduler in marble tests). Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Re-subscribes to the source after it completes with an exit that `when` accepts, after the
 * `backoff` delay, at most `maxRestarts` times. The source is a cold run: a `run$(...)` event
 * stream (its `exited` event is the exit; `run$` has removed the container by the time it
 * completes, so the same id is free again) or any cold stream of `ExitStatus`. The last exit seen
 * in a run decides; a run that completes without an exit is not restarted.
 *
 * Emits every value of every run, in order; completes when a run is not restarted. Errors are not
 * exits: they end the stream at once, no restart (put `retryWithBackoff` before it for that).
 * Unsubscribing during a run unsubscribes that run (`run$` then removes its container); during
 * a delay, cancels the delay. InvalidArgumentError (no run) for a bad `maxRestarts` or `backoff`.
 *
 * @example
 * ```ts
 * client
 *   .run$("flaky", { image, args: ["sh", "-c", "exit $((RANDOM % 2))"] })
 *   .pipe(restartOnExit({ maxRestarts: 3, backoff: { initialDelayMs: 500 } }), exitCode())
 *   .subscribe((code) => console.log("run ended with", code));
 * ```
 */
export function restartOnExit<T extends ExitSource>(options: RestartOnExitOptions = {}): MonoTypeOperatorFunction<T> {
  const { maxRestarts = Infinity, backoff = {}, when = "on-failure", scheduler = asyncScheduler } = options;
  const accepts = when === "always" ? () => true : when === "on-failure" ? (s: ExitStatus) => s.code !== 0 : when;
  const delayOf = (restart: number) => (typeof backoff === "number" ? backoff : backoffDelay(restart, backoff));
  return (source: Observable<T>) =>
    validated(
      () => check(maxRestarts, backoff),
      () =>
        defer(() => {
          let restarts = 0;
          let last: ExitStatus | undefined;
          return defer(() => {
            last = undefined;
            return source;
          }).pipe(
            tap((value) => {
              const exit = exitOf(value);
              if (exit) last = exit.status;
            }),
            repeat({
              delay: () => {
                if (last === undefined || restarts >= maxRestarts || !accepts(last, restarts + 1)) return EMPTY;
                restarts += 1;
                return timer(delayOf(restarts), scheduler);
              },
            }),
          );
        }),
    );
}

function check(maxRestarts: number, backoff: number | BackoffConfig): InvalidArgumentError | undefined {
  if (!(maxRestarts === Infinity || (Number.isInteger(maxRestarts) && maxRestarts >= 0)))
    return new InvalidArgumentError(`restartOnExit maxRestarts must be a non-negative integer, got ${maxRestarts}`);
  if (typeof backoff === "number" && !(Number.isFinite(backoff) && backoff >= 0))
    return new InvalidArgumentError(`restartOnExit backoff must be a non-negative number of ms, got ${backoff}`);
  return undefined;
}
