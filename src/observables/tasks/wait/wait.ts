import {
  catchError,
  concatMap,
  defaultIfEmpty,
  EMPTY,
  of,
  filter,
  map,
  merge,
  ReplaySubject,
  switchMap,
  take,
  throwError,
  type Observable,
} from "rxjs";
import { ContainerdError } from "../../../errors/containerd-error.js";
import { TaskGoneError } from "../../../errors/task-gone.js";
import { isNotFound, isUnavailable } from "../../../errors/guards.js";
import type { TasksApi } from "../../../services/tasks.js";
import type { EventHub, WaitMode } from "./exit-hub.js";
import type { ExitStatus } from "../exit-status.js";
import { hot } from "../../rx/hot.js";

/** What a wait needs to know about its process. */
export interface WaitTarget {
  readonly namespace: string;
  readonly containerId: string;
  /** "" for the init process. */
  readonly execId: string;
  /** The process's pid once known (0 before start), read when an event arrives. */
  pid(): number;
}

const STOPPED = 3;

/**
 * The shared wait of one process (one per Process object: `wait$()` returns its `exit$`).
 *
 * `exit$` is hot (see {@link hot}): armed at construction. It emits the first definitive answer,
 * once, from:
 *
 * - the client's shared `/tasks/exit` stream ({@link EventHub}), demultiplexed to this process
 *   (and, once the pid is known, to this pid, so a late exit of an earlier task with the same id
 *   cannot match). The listener is registered first;
 * - a `Tasks.Get` status check, made each time the hub confirms its stream live (at once if it
 *   already is, and again after every reconnect): a process already `stopped` answers with its
 *   exit status; otherwise every later exit reaches the stream. A status that says running never
 *   completes the wait. No RPC stays open;
 * - in the hub's `"rpc"` mode (the daemon refused the probe), also a `Tasks.Wait` RPC per epoch;
 * - after a failed `start$` (an exec whose binary is missing publishes no exit), one `Tasks.Wait`,
 *   which the daemon answers at once.
 *
 * UNAVAILABLE from a check is not reported: the hub reconnects (once for every wait) and the
 * check runs again. NotFoundError (explained) if the task or process is gone; other failures
 * are reported. No deadline: bound it with RxJS `timeout`.
 * @internal
 */
export class ExitWait {
  /** The exit, hot; see the class doc. */
  readonly exit$: Observable<ExitStatus>;
  private readonly startFailures = new ReplaySubject<void>(1);

  /**
   * @param daemonVersion$ the daemon's version (Version), asked only to explain a process that is
   *   gone after a reconnect: containerd >= 1.7 reaps, at restart, tasks that exited while it was down.
   */
  constructor(tasks: TasksApi, hub: EventHub, target: WaitTarget, daemonVersion$: Observable<string> = EMPTY) {
    const { namespace, containerId, execId } = target;
    const what = execId ? `process "${execId}" of task "${containerId}"` : `task "${containerId}"`;
    const gone = (e: ContainerdError, afterRestart: boolean): Observable<never> => {
      const init = { cause: e, ...(e.method ? { method: e.method } : {}) };
      if (!afterRestart)
        return throwError(
          () =>
            new TaskGoneError(
              `${what} not found in namespace "${namespace}": it was deleted, or containerd removed it because ` +
                `its shim was lost; there is no exit status to report (${e.rawMessage})`,
              "deleted",
              init,
            ),
        );
      return daemonVersion$.pipe(
        take(1),
        catchError(() => of(undefined)),
        defaultIfEmpty(undefined),
        concatMap((version: string | undefined) => {
          const m = /(\d+)\.(\d+)/.exec(version ?? "");
          const reaps = m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 7);
          const daemon = version ? `this daemon is ${version}` : "the daemon did not say its version";
          return throwError(() =>
            reaps
              ? new TaskGoneError(
                  `${what} is gone (namespace "${namespace}"): containerd >= 1.7 reaps, when it restarts, tasks ` +
                    `that exited while it was down (or whose shim was lost), and ${daemon}; its exit status is lost (${e.rawMessage})`,
                  "reaped-after-restart",
                  { ...init, daemonVersion: version },
                )
              : new TaskGoneError(
                  `${what} not found in namespace "${namespace}" after the daemon restarted: its shim was lost ` +
                    `while the daemon was down (${daemon}; 1.6 keeps tasks that merely exited); there is no exit status to report (${e.rawMessage})`,
                  "shim-lost-after-restart",
                  { ...init, ...(version ? { daemonVersion: version } : {}) },
                ),
          );
        }),
      );
    };
    const checked = (source: Observable<ExitStatus>, afterRestart = false) =>
      source.pipe(
        catchError((e: unknown) =>
          isUnavailable(e) ? EMPTY : isNotFound(e) ? gone(e, afterRestart) : throwError(() => ContainerdError.from(e)),
        ),
      );
    const fromEvent$ = hub.exits$(namespace, containerId, execId || containerId).pipe(
      filter((e) => target.pid() === 0 || e.pid === target.pid()),
      map((e): ExitStatus => ({ code: e.exitStatus, exitedAt: e.exitedAt ?? new Date() })),
    );
    const fromStatus$ = tasks.get$({ containerId, execId }, { namespace }).pipe(
      filter((r) => r.process?.status === STOPPED),
      map((r): ExitStatus => ({ code: r.process?.exitStatus ?? 0, exitedAt: r.process?.exitedAt ?? new Date() })),
    );
    // Tasks.Wait may last for ever: no client default deadline.
    const fromRpc$ = tasks
      .wait$({ containerId, execId }, { namespace, timeoutMs: Infinity })
      .pipe(map((r): ExitStatus => ({ code: r.exitStatus, exitedAt: r.exitedAt ?? new Date() })));
    // A check after the first one follows a reconnect: the daemon may have restarted meanwhile.
    const check = (mode: WaitMode, afterRestart: boolean) =>
      checked(mode === "events" ? fromStatus$ : merge(fromRpc$, fromStatus$), afterRestart);
    const fromChecks$ = hub.ready$.pipe(switchMap((r, i) => check(r.mode, i > 0)));
    const fromStartFailure$ = this.startFailures.pipe(
      take(1),
      switchMap(() => checked(fromRpc$)),
    );
    this.exit$ = hot(merge(fromEvent$, fromChecks$, fromStartFailure$).pipe(take(1)));
  }

  /** `start$` failed: no exit event may ever come (an exec whose binary is missing); ask Tasks.Wait. */
  startFailed(): void {
    this.startFailures.next();
  }
}
