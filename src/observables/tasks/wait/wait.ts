import { catchError, defer, EMPTY, filter, map, merge, take, throwError, type Observable } from "rxjs";
import { isNotFound, isUnavailable } from "../../../errors/guards.js";
import { retryWithBackoff } from "../../rx/backoff.js";
import type { TasksApi } from "../../../services/tasks.js";
import type { EventHub } from "./exit-hub.js";
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
 * The exit of one process, hot (see {@link hot}): three sources race, and the first definitive
 * answer wins, once.
 *
 * - the client's shared `/tasks/exit` stream, demultiplexed to this process (and, once the pid is
 *   known, to this pid, so a late exit of an earlier task with the same id cannot match);
 * - containerd's `Tasks.Wait` RPC, which the daemon answers at once for an exited process —
 *   events alone lose exits that happen before the daemon registers the subscriber;
 * - a `Tasks.Get` status check that answers only if the process is already stopped (a status
 *   that still says running never wins over an event).
 *
 * NotFoundError if the task or process is gone; UNAVAILABLE (a daemon restart) re-arms the
 * wait; any other failure of the Wait RPC is reported unless an exit arrived first.
 * @internal
 */
export function waitForExit(tasks: TasksApi, hub: EventHub, target: WaitTarget): Observable<ExitStatus> {
  const { namespace, containerId, execId } = target;
  const options = { namespace, timeoutMs: Infinity }; // a wait may last for ever: no client default deadline
  const fromEvent$ = hub.exits$(namespace, containerId, execId || containerId).pipe(
    filter((e) => target.pid() === 0 || e.pid === target.pid()),
    map((e): ExitStatus => ({ code: e.exitStatus, exitedAt: e.exitedAt ?? new Date() })),
  );
  const fromRpc$ = tasks.wait$({ containerId, execId }, options).pipe(
    map((r): ExitStatus => ({ code: r.exitStatus, exitedAt: r.exitedAt ?? new Date() })),
  );
  const fromStatus$ = tasks.get$({ containerId, execId }, options).pipe(
    filter((r) => r.process?.status === STOPPED),
    map((r): ExitStatus => ({ code: r.process?.exitStatus ?? 0, exitedAt: r.process?.exitedAt ?? new Date() })),
    catchError((e: unknown) => (isNotFound(e) ? throwError(() => e) : EMPTY)),
  );
  // If the daemon goes away (restart), the Wait RPC fails with UNAVAILABLE: re-arm with backoff,
  // which re-issues Wait and re-checks the status once the daemon is back (an exit that happened
  // meanwhile is then reported by both). A lost shim makes the task NotFound: that is reported.
  const fromDaemon$ = defer(() => merge(fromRpc$, fromStatus$)).pipe(
    retryWithBackoff({ initialDelayMs: 50, maxDelayMs: 1000, retryIf: isUnavailable }),
  );
  return hot(merge(fromEvent$, fromDaemon$).pipe(take(1)));
}
