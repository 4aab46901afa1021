import { Observable, type Subscriber, type Subscription } from "rxjs";
import { ContainerdError, NotFoundError } from "../../../errors/containerd-error.js";
import { isNotFound, isUnavailable } from "../../../errors/guards.js";
import type { TasksApi } from "../../../services/tasks.js";
import type { EventHub, WaitMode } from "./exit-hub.js";
import type { ExitStatus } from "../exit-status.js";
import { StatusChecks, type StatusAnswer } from "./status-checks.js";

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

type Outcome = { readonly value: ExitStatus } | { readonly error: ContainerdError };

/**
 * The shared wait of one process (one per Process object: `wait$()` returns its `exit$`).
 *
 * `exit$` is hot (like `hot()` of rx/hot): armed at construction. It emits the first definitive answer,
 * once, from:
 *
 * - the client's shared `/tasks/exit` stream ({@link EventHub}), demultiplexed to this process
 *   (and, once the pid is known, to this pid, so a late exit of an earlier task with the same id
 *   cannot match). The listener is registered first;
 * - a status check ({@link StatusChecks}: `Tasks.Get`, or one `Tasks.List` for many waits of a
 *   namespace), made each time the hub confirms its stream live (at once if it already is, and
 *   again after every reconnect, batched with the other waits' checks): a process already
 *   `stopped` answers with its exit status; otherwise every later exit reaches the stream. A
 *   status that says running never completes the wait. No RPC stays open;
 * - in the hub's `"rpc"` mode (the daemon refused the probe), also a `Tasks.Wait` RPC per epoch;
 * - after a failed `start$` (an exec whose binary is missing publishes no exit), one `Tasks.Wait`,
 *   which the daemon answers at once.
 *
 * When every subscriber has unsubscribed before the answer, the wait is released (its listener
 * and checks), and a later subscriber arms it again. UNAVAILABLE from a check is not reported:
 * the hub reconnects (once for every wait) and the check runs again. NotFoundError (explained) if
 * the task or process is gone; other failures are reported. No deadline: bound it with RxJS
 * `timeout`. Written with callbacks rather than operators: a pending wait holds a listener, two
 * closures and this object (a few hundred bytes), not a chain of subscribers.
 * @internal
 */
export class ExitWait {
  /** The exit, hot; see the class doc. */
  readonly exit$: Observable<ExitStatus>;
  private outcome: Outcome | undefined;
  private subscribers: Subscriber<ExitStatus>[] = [];
  private disarm: (() => void) | undefined;
  private startFailure: Subscription | undefined;
  private hasStartFailed = false;

  constructor(
    private readonly tasks: TasksApi,
    private readonly hub: EventHub,
    private readonly target: WaitTarget,
  ) {
    this.arm();
    this.exit$ = new Observable<ExitStatus>((subscriber) => this.subscribe(subscriber));
  }

  /** `start$` failed: no exit event may ever come (an exec whose binary is missing); ask Tasks.Wait. */
  startFailed(): void {
    if (this.hasStartFailed || this.outcome) return;
    this.hasStartFailed = true;
    if (this.disarm) this.startFailure = this.waitRpc();
  }

  private subscribe(subscriber: Subscriber<ExitStatus>): (() => void) | undefined {
    if (this.outcome) {
      deliver(subscriber, this.outcome);
      return undefined;
    }
    if (!this.disarm) this.arm();
    this.subscribers.push(subscriber);
    return () => {
      const i = this.subscribers.indexOf(subscriber);
      if (i >= 0) this.subscribers.splice(i, 1);
      if (this.subscribers.length === 0 && !this.outcome) this.release();
    };
  }

  private arm(): void {
    const { namespace, containerId, execId } = this.target;
    const unlisten = this.hub.listen(namespace, containerId, execId || containerId, {
      next: (e) => {
        const pid = this.target.pid();
        if (pid === 0 || e.pid === pid)
          this.settle({ value: { code: e.exitStatus, exitedAt: e.exitedAt ?? new Date() } });
      },
      error: (err: unknown) => this.settle({ error: ContainerdError.from(err) }),
    });
    let cancelCheck: (() => void) | undefined;
    const unready = this.hub.onReady((r) => {
      cancelCheck?.();
      cancelCheck = this.check(r.mode);
    });
    this.disarm = () => {
      unlisten();
      unready();
      cancelCheck?.();
    };
    if (this.outcome) return this.release(); // the hub was closed
    if (this.hasStartFailed && !this.outcome) this.startFailure = this.waitRpc();
  }

  private release(): void {
    this.disarm?.();
    this.disarm = undefined;
    this.startFailure?.unsubscribe();
    this.startFailure = undefined;
  }

  private settle(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.release();
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const s of subscribers) deliver(s, outcome);
  }

  /** One epoch's checks; returns their cancel. */
  private check(mode: WaitMode): () => void {
    const { namespace, containerId, execId } = this.target;
    const cancel = StatusChecks.of(this.tasks).check(namespace, containerId, execId, (a) => this.answered(a));
    if (mode === "events") return cancel;
    const rpc = this.waitRpc();
    return () => {
      cancel();
      rpc.unsubscribe();
    };
  }

  private answered(a: StatusAnswer): void {
    if ("error" in a) return this.failed(a.error);
    const p = a.process;
    if (p?.status === STOPPED) this.settle({ value: { code: p.exitStatus, exitedAt: p.exitedAt ?? new Date() } });
  }

  /** Tasks.Wait (no client default deadline: it may last for ever). */
  private waitRpc(): Subscription {
    const { namespace, containerId, execId } = this.target;
    return this.tasks.wait$({ containerId, execId }, { namespace, timeoutMs: Infinity }).subscribe({
      next: (r) => this.settle({ value: { code: r.exitStatus, exitedAt: r.exitedAt ?? new Date() } }),
      error: (e: unknown) => this.failed(e),
    });
  }

  private failed(e: unknown): void {
    if (isUnavailable(e)) return;
    const { namespace, containerId, execId } = this.target;
    const what = execId ? `process "${execId}" of task "${containerId}"` : `task "${containerId}"`;
    this.settle({
      error: isNotFound(e)
        ? new NotFoundError(
            `${what} not found in namespace "${namespace}": it was deleted, or containerd removed it because ` +
              `its shim was lost (e.g. killed while the daemon was down); there is no exit status to report (${e.rawMessage})`,
            { cause: e, ...(e.method ? { method: e.method } : {}) },
          )
        : ContainerdError.from(e),
    });
  }
}

function deliver(subscriber: Subscriber<ExitStatus>, outcome: Outcome): void {
  if ("error" in outcome) return subscriber.error(outcome.error);
  subscriber.next(outcome.value);
  subscriber.complete();
}
