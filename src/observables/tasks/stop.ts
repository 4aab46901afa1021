// task.stop$: the stop signal, a bounded wait for the exit, then SIGKILL to every process of the
// container (what `docker stop` and `nerdctl stop` do, with containerd's stop-signal label).

import { concatMap, concatWith, defer, ignoreElements, of, take, throwError, timeout, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { DomainContext } from "../client/context.js";
import { stopSignal$ } from "../containers/stop-signal.js";
import type { ExitStatus } from "./exit-status.js";
import { killIfRunning$ } from "./kill-if-running.js";
import type { Process } from "./process.js";
import { parseSignal, type Signal } from "./signals.js";

/** Options of `task.stop$()`. */
export interface StopOptions extends CallOptions {
  /**
   * The first signal. Default: the container's {@link STOP_SIGNAL_LABEL} label (read with
   * Containers.Get, as Go's `GetStopSignal`), else `SIGTERM`.
   */
  readonly stopSignal?: Signal;
  /** How long to wait for the exit after the first signal before SIGKILL, in ms. Default 10,000; 0 kills at once. */
  readonly graceMs?: number;
}

/**
 * The default grace period between the first signal and SIGKILL of `task.stop$()` and
 * `killAfter`: 10 s, as `docker stop`.
 *
 * @example
 * ```ts
 * task.stop$({ graceMs: DEFAULT_KILL_GRACE_MS / 2 });
 * ```
 */
export const DEFAULT_KILL_GRACE_MS = 10_000;

/** The stop$ sequence for `task` of container `containerId`. @internal */
export function stop$(
  ctx: DomainContext,
  containerId: string,
  task: Process,
  options: StopOptions = {},
): Observable<ExitStatus> {
  return defer(() => {
    const { stopSignal: signal, graceMs = DEFAULT_KILL_GRACE_MS, ...call } = options;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) {
      return throwError(
        () => new InvalidArgumentError(`stop$: graceMs must be an integer ≥ 0, got ${String(graceMs)}`),
      );
    }
    if (signal !== undefined) {
      const n = parseSignal(signal);
      if (typeof n !== "number") return throwError(() => n);
    }
    const exit$ = task.wait$(); // hot: watching before the first signal
    const first$ = signal !== undefined ? of(signal) : stopSignal$(ctx, containerId, "SIGTERM", call);
    const kill$ = killIfRunning$(task, "SIGKILL", { ...call, all: true }).pipe(ignoreElements());
    return first$.pipe(
      take(1),
      concatMap((s) => killIfRunning$(task, s, call)),
      ignoreElements(),
      concatWith(exit$.pipe(timeout({ first: graceMs, with: () => kill$.pipe(concatWith(exit$)) }))),
      take(1),
    );
  });
}
