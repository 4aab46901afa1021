import { EMPTY, Observable, type Subscriber, type Subscription } from "rxjs";
import { ContainerdError } from "../../../errors/containerd-error.js";
import { TaskGoneError } from "../../../errors/task-gone.js";
import { isNotFound, isUnavailable } from "../../../errors/guards.js";
import { versionAtLeast } from "../../../services/daemon-version.js";
import type { TasksApi } from "../../../services/tasks.js";
import type { EventHub, ExitListener, HubReady, TaskExitEvent } from "./exit-hub.js";
import type { ExitStatus } from "../exit-status.js";
import { StatusChecks, type StatusAnswer, type StatusCheck } from "./status-checks.js";

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
 * closures and this object (a few hundred bytes), not a chain of subscribers. The object is its
 * own hub listener (exits and epochs) and status-check answerer, so arming it allocates no
 * closure: issuing a wait is a map entry in the hub and, on a live stream, a queued check.
 * @internal
 */
export class ExitWait implements ExitListener {
  /** The exit, hot; see the class doc. */
  readonly exit$: Observable<ExitStatus>;
  private outcome: Outcome | undefined;
  private subscribers: Subscriber<ExitStatus>[] = [];
  private armed = false;
  /** Epochs of the hub seen while armed: a check after the first one follows a reconnect. */
  private epochs = 0;
  private checking: StatusCheck | undefined;
  private rpc: Subscription | undefined;
  private startFailure: Subscription | undefined;
  private hasStartFailed = false;

  /**
   * @param daemonVersion the daemon's version (the client's cached one), read only to explain a process that is
   *   gone after a reconnect: containerd >= 1.7 reaps, at restart, tasks that exited while it was down.
   */
  constructor(
    private readonly tasks: TasksApi,
    private readonly hub: EventHub,
    private readonly target: WaitTarget,
    private readonly daemonVersion: () => Observable<string | undefined> = () => EMPTY,
  ) {
    this.arm();
    this.exit$ = new Observable<ExitStatus>((subscriber) => this.subscribe(subscriber));
  }

  /** `start$` failed: no exit event may ever come (an exec whose binary is missing); ask Tasks.Wait. */
  startFailed(): void {
    if (this.hasStartFailed || this.outcome) return;
    this.hasStartFailed = true;
    if (this.armed) this.startFailure = this.waitRpc();
  }

  private subscribe(subscriber: Subscriber<ExitStatus>): (() => void) | undefined {
    if (this.outcome) {
      deliver(subscriber, this.outcome);
      return undefined;
    }
    if (!this.armed) this.arm();
    this.subscribers.push(subscriber);
    return () => {
      const i = this.subscribers.indexOf(subscriber);
      if (i >= 0) this.subscribers.splice(i, 1);
      if (this.subscribers.length === 0 && !this.outcome) this.release();
    };
  }

  private arm(): void {
    const { namespace, containerId, execId } = this.target;
    this.armed = true;
    this.epochs = 0;
    this.hub.add(namespace, containerId, execId || containerId, this);
    if (this.outcome) return this.release(); // the hub was closed
    if (this.hasStartFailed) this.startFailure = this.waitRpc();
  }

  /** An exit event of this process (hub listener). @internal */
  next(e: TaskExitEvent): void {
    const pid = this.target.pid();
    if (pid === 0 || e.pid === pid) this.settle({ value: { code: e.exitStatus, exitedAt: e.exitedAt ?? new Date() } });
  }

  /** The hub was closed (hub listener). @internal */
  error(err: unknown): void {
    this.settle({ error: ContainerdError.from(err) });
  }

  /** The hub's stream is confirmed live, a new epoch (hub listener): check the status once more. @internal */
  ready(r: HubReady): void {
    if (!this.armed || this.outcome) return;
    this.cancelCheck();
    const { namespace, containerId, execId } = this.target;
    // A check after this wait's first one follows a reconnect: the daemon may have restarted.
    const afterRestart = this.epochs++ > 0;
    this.checking = StatusChecks.of(this.tasks).check(namespace, containerId, execId, this, afterRestart);
    if (r.mode === "rpc") this.rpc = this.waitRpc(afterRestart);
  }

  /** The answer of this wait's status check (StatusChecks). @internal */
  answered(a: StatusAnswer, afterRestart: boolean): void {
    this.checking = undefined;
    if ("error" in a) return this.failed(a.error, afterRestart);
    const p = a.process;
    if (p?.status === STOPPED) this.settle({ value: { code: p.exitStatus, exitedAt: p.exitedAt ?? new Date() } });
  }

  private cancelCheck(): void {
    this.checking?.cancel();
    this.checking = undefined;
    this.rpc?.unsubscribe();
    this.rpc = undefined;
  }

  private release(): void {
    if (this.armed) {
      this.armed = false;
      const { namespace, containerId, execId } = this.target;
      this.hub.remove(namespace, containerId, execId || containerId, this);
      this.cancelCheck();
    }
    this.startFailure?.unsubscribe();
    this.startFailure = undefined;
  }

  /** Delivers first, then releases the listener and checks (the hub's bookkeeping is not on the exit's path). */
  private settle(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    const subscribers = this.subscribers;
    this.subscribers = [];
    try {
      for (const s of subscribers) deliver(s, outcome);
    } finally {
      this.release();
    }
  }

  /** Tasks.Wait (no client default deadline: it may last for ever). */
  private waitRpc(afterRestart = false): Subscription {
    const { namespace, containerId, execId } = this.target;
    return this.tasks.wait$({ containerId, execId }, { namespace, timeoutMs: Infinity }).subscribe({
      next: (r) => this.settle({ value: { code: r.exitStatus, exitedAt: r.exitedAt ?? new Date() } }),
      error: (e: unknown) => this.failed(e, afterRestart),
    });
  }

  private failed(e: unknown, afterRestart: boolean): void {
    if (isUnavailable(e)) return;
    if (!isNotFound(e)) return this.settle({ error: ContainerdError.from(e) });
    const { namespace, containerId, execId } = this.target;
    const what = execId ? `process "${execId}" of task "${containerId}"` : `task "${containerId}"`;
    const init = { cause: e, ...(e.method ? { method: e.method } : {}) };
    if (!afterRestart) {
      return this.settle({
        error: new TaskGoneError(
          `${what} not found in namespace "${namespace}": it was deleted, or containerd removed it because ` +
            `its shim was lost; there is no exit status to report (${e.rawMessage})`,
          "deleted",
          init,
        ),
      });
    }
    // Gone after a reconnect: say why, from the daemon's own version (asked only now).
    let version: string | undefined;
    this.daemonVersion().subscribe({
      next: (v) => (version ??= v),
      error: () => this.settle({ error: this.goneAfterRestart(what, e, init, undefined) }),
      complete: () => this.settle({ error: this.goneAfterRestart(what, e, init, version) }),
    });
  }

  private goneAfterRestart(
    what: string,
    e: ContainerdError,
    init: { cause: unknown; method?: string },
    version: string | undefined,
  ): TaskGoneError {
    const { namespace } = this.target;
    const reaps = versionAtLeast(version, 1, 7) === true;
    const daemon = version ? `this daemon is ${version}` : "the daemon did not say its version";
    return reaps
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
        );
  }
}

function deliver(subscriber: Subscriber<ExitStatus>, outcome: Outcome): void {
  if ("error" in outcome) return subscriber.error(outcome.error);
  subscriber.next(outcome.value);
  subscriber.complete();
}
