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

interface Entry {
  readonly namespace: string;
  readonly containerId: string;
  readonly execId: string;
  readonly answer: (a: StatusAnswer) => void;
  done: boolean;
  call: Subscription | undefined;
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
   * Asks for the status of a process; `answer` is called once (not after the returned cancel).
   * Issued when the current {@link batched} run ends, or else in a microtask.
   */
  check(namespace: string, containerId: string, execId: string, answer: (a: StatusAnswer) => void): () => void {
    const entry: Entry = { namespace, containerId, execId, answer, done: false, call: undefined };
    this.queue.push(entry);
    dirty.add(this);
    if (depth === 0 && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        if (dirty.has(this)) this.flush();
      });
    }
    return () => {
      if (entry.done) return;
      entry.done = true;
      if (entry.call) {
        entry.call.unsubscribe();
        entry.call = undefined;
        this.running--;
        this.pump();
      }
    };
  }

  /** Issues the queued checks. @internal */
  flush(): void {
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
  e.answer(a);
}
