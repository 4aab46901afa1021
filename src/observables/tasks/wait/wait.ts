import {
  catchError,
  EMPTY,
  filter,
  map,
  merge,
  ReplaySubject,
  switchMap,
  take,
  throwError,
  type Observable,
} from "rxjs";
import { ContainerdError, NotFoundError } from "../../../errors/containerd-error.js";
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

  constructor(tasks: TasksApi, hub: EventHub, target: WaitTarget) {
    const { namespace, containerId, execId } = target;
    const what = execId ? `process "${execId}" of task "${containerId}"` : `task "${containerId}"`;
    const explain = (e: unknown) =>
      isNotFound(e)
        ? new NotFoundError(
            `${what} not found in namespace "${namespace}": it was deleted, or containerd removed it because ` +
              `its shim was lost (e.g. killed while the daemon was down); there is no exit status to report (${e.rawMessage})`,
            { cause: e, ...(e.method ? { method: e.method } : {}) },
          )
        : ContainerdError.from(e);
    const checked = (source: Observable<ExitStatus>) =>
      source.pipe(catchError((e: unknown) => (isUnavailable(e) ? EMPTY : throwError(() => explain(e)))));
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
    const check = (mode: WaitMode) => checked(mode === "events" ? fromStatus$ : merge(fromRpc$, fromStatus$));
    const fromChecks$ = hub.ready$.pipe(switchMap((r) => check(r.mode)));
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
