import type { Subscription } from "rxjs";
import { isUnavailable } from "../../../errors/guards.js";
import type { TasksApi } from "../../../services/tasks.js";

/** The part of a `types.Process` a status check reads. */
export interface ProcessState {
  readonly id: string;
  readonly containerId: string;
  readonly status: number;
  readonly exitStatus: number;
  readonly exitedAt: Date | undefined;
}

/** What a status check answers: the process's state (undefined: none reported), or the call's error. */
export type StatusAnswer = { readonly process: ProcessState | undefined } | { readonly error: unknown };

/** Who asked for a check: answered once, with the `flag` it passed (no closure per check). */
export interface StatusAnswerer {
  answered(a: StatusAnswer, flag: boolean): void;
}

/** A status check asked for: `cancel()` before its answer means no answer (and no call, if not issued yet). */
export interface StatusCheck {
  cancel(): void;
}

class Entry implements StatusCheck {
  done = false;
  call: Subscription | undefined = undefined;
  constructor(
    readonly owner: StatusChecks,
    readonly namespace: string,
    readonly containerId: string,
    readonly execId: string,
    readonly answerer: StatusAnswerer,
    readonly flag: boolean,
  ) {}

  cancel(): void {
    if (this.done) return;
    this.done = true;
    if (this.call) {
      const call = this.call;
      this.call = undefined;
      call.unsubscribe();
      this.owner.callEnded();
    }
  }
}

type TasksLike = Pick<TasksApi, "get$"> & Partial<Pick<TasksApi, "list$">>;

const checkers = new WeakMap<object, StatusChecks>();
let depth = 0;
const dirty = new Set<StatusChecks>();

/**
 * Runs `fn` and issues the status checks it asked for together when it returns (the hub's
 * "stream is live" notification uses it: after a reconnect every pending wait checks at once).
 * @internal
 */
export function batched(fn: () => void): void {
  depth++;
  try {
    fn();
  } finally {
    if (--depth === 0) for (const c of [...dirty]) c.flush();
  }
}

/**
 * The status checks (`Tasks.Get`) of the waits of one client, batched: checks asked for together
 * (in one synchronous run, e.g. every pending wait after a reconnect, or many `wait$()` calls in a
 * loop) are issued together, when that run ends. Per namespace, {@link StatusChecks.LIST_AT} or
 * more init processes are answered by one `Tasks.List` (each one it does not list is then asked
 * with `Tasks.Get`); the other checks are `Tasks.Get` calls, at most
 * {@link StatusChecks.CONCURRENCY} at a time. A check cancelled before it is issued costs no call.
 * @internal
 */
export class StatusChecks {
  /** Init-process checks in one namespace from which one Tasks.List replaces the Tasks.Get calls. */
  static LIST_AT = 8;
  /** Tasks.Get calls in flight at most. */
  static CONCURRENCY = 16;
  /** Calls issued (diagnostics and tests): `get` and `list`. */
  readonly issued = { get: 0, list: 0 };
  private queue: Entry[] = [];
  private readonly gets: Entry[] = [];
  private running = 0;
  private scheduled = false;

  private constructor(private readonly tasks: TasksLike) {}

  /** The checker of a Tasks API object (one per client). */
  static of(tasks: TasksLike): StatusChecks {
    let c = checkers.get(tasks);
    if (!c) checkers.set(tasks, (c = new StatusChecks(tasks)));
    return c;
  }

  /**
   * Asks for the status of a process; `answerer.answered(answer, flag)` is called once (not after
   * the returned check's `cancel()`). Issued when the current {@link batched} run ends, or else in
   * a microtask (one for all the checks asked for in the same synchronous run).
   */
  check(namespace: string, containerId: string, execId: string, answerer: StatusAnswerer, flag = false): StatusCheck {
    const entry = new Entry(this, namespace, containerId, execId, answerer, flag);
    this.queue.push(entry);
    if (!this.scheduled) {
      this.scheduled = true;
      dirty.add(this);
      if (depth === 0) queueMicrotask(() => this.flush());
    }
    return entry;
  }

  /** A Tasks.Get call of a cancelled check was cut: its slot is free. @internal */
  callEnded(): void {
    this.running--;
    this.pump();
  }

  /** Issues the queued checks. @internal */
  flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    dirty.delete(this);
    const queue = this.queue.filter((e) => !e.done);
    this.queue = [];
    const byNamespace = new Map<string, Entry[]>();
    for (const e of queue) {
      if (e.execId !== "" || !this.tasks.list$) {
        this.gets.push(e);
        continue;
      }
      let list = byNamespace.get(e.namespace);
      if (!list) byNamespace.set(e.namespace, (list = []));
      list.push(e);
    }
    for (const [namespace, inits] of byNamespace) {
      if (inits.length >= StatusChecks.LIST_AT) this.list(namespace, inits);
      else this.gets.push(...inits);
    }
    this.pump();
  }

  private list(namespace: string, entries: Entry[]): void {
    this.issued.list++;
    this.tasks.list$!({}, { namespace }).subscribe({
      next: (r) => {
        const found = new Map<string, ProcessState>();
        for (const p of r.tasks) {
          if (p.id) found.set(p.id, p);
          if (p.containerId) found.set(p.containerId, p);
        }
        for (const e of entries) {
          if (e.done) continue;
          const p = found.get(e.containerId);
          if (p) settle(e, { process: p });
          // Not listed: containerd skips a task whose state it cannot read, so ask for that one.
          else this.gets.push(e);
        }
        this.pump();
      },
      error: (error: unknown) => {
        for (const e of entries) {
          if (e.done) continue;
          if (isUnavailable(error)) settle(e, { error });
          else this.gets.push(e);
        }
        this.pump();
      },
    });
  }

  private pump(): void {
    while (this.running < StatusChecks.CONCURRENCY && this.gets.length > 0) {
      const e = this.gets.shift()!;
      if (e.done) continue;
      this.running++;
      this.issued.get++;
      let process: ProcessState | undefined;
      const end = (a: StatusAnswer) => {
        if (!e.call && e.done) return;
        e.call = undefined;
        this.running--;
        settle(e, a);
        this.pump();
      };
      const call = this.tasks
        .get$({ containerId: e.containerId, execId: e.execId }, { namespace: e.namespace })
        .subscribe({
          next: (r) => (process = r.process),
          error: (error: unknown) => end({ error }),
          complete: () => end({ process }),
        });
      if (!call.closed && !e.done) e.call = call;
    }
  }
}

function settle(e: Entry, a: StatusAnswer): void {
  if (e.done) return;
  e.done = true;
  e.answerer.answered(a, e.flag);
}
