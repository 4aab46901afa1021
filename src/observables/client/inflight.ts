import { ContainerdError } from "../../errors/containerd-error.js";

/** A clean-up that `close$()` could not see through. */
export interface Leftover {
  /** What the clean-up was removing, e.g. `run$ teardown of container "job-1" (namespace "ci")`. */
  readonly what: string;
  /** `timeout`: still running when the bound passed (then cancelled); `failed`: it errored. */
  readonly reason: "timeout" | "failed";
  /** The clean-up's error, for `failed`. */
  readonly error?: ContainerdError;
}

const MAX_FAILURES = 100;

interface Entry {
  readonly what: string;
  readonly done: Promise<unknown>;
  failure?: ContainerdError;
}

/**
 * The client's own work that must finish even after the subscriber left, so that nothing is left
 * on the daemon: multi-step operations per container (create$, newTask$, exec$ transactions, which
 * finish and roll back after an unsubscribe), and client-wide clean-ups (the teardown `run$`
 * starts when it ends or is unsubscribed: kill, task delete with its IO drain, container and
 * snapshot removal). A forced removal waits for the per-container operations first: deleting a
 * container while its Tasks.Create is in flight would orphan the task and its shim (containerd's
 * Containers.Delete does not check for tasks). `close$()` waits for all of them ({@link drain}).
 * Shared by `withNamespace` clients. @internal
 */
export class Inflight {
  private readonly running = new Map<string, Set<Promise<void>>>();
  private readonly all = new Set<Entry>();
  /** Clean-ups that failed and were not reported by a drain yet (the newest {@link MAX_FAILURES}). */
  private failures: Entry[] = [];

  /** Registers an operation on container `id` of `namespace` until `done` settles. */
  track(namespace: string, id: string, done: Promise<void>): void {
    const key = `${namespace}/${id}`;
    let set = this.running.get(key);
    if (!set) this.running.set(key, (set = new Set()));
    set.add(done);
    void done.finally(() => {
      set.delete(done);
      if (set.size === 0 && this.running.get(key) === set) this.running.delete(key);
    });
    this.cleanup(`operation on container ${JSON.stringify(id)} (namespace ${JSON.stringify(namespace)})`, done);
  }

  /**
   * Registers a client-wide clean-up until `done` settles; a rejection is kept for {@link drain}'s
   * report. `what` names what it removes.
   */
  cleanup(what: string, done: Promise<unknown>): void {
    const entry: Entry = { what, done };
    this.all.add(entry);
    done.then(
      () => this.all.delete(entry),
      (e: unknown) => {
        entry.failure = ContainerdError.from(e);
        this.all.delete(entry);
        this.failures.push(entry);
        if (this.failures.length > MAX_FAILURES) this.failures.shift();
      },
    );
  }

  /** Number of operations and clean-ups still running. */
  get pending(): number {
    return this.all.size;
  }

  /** Resolves once every operation registered on that container so far has settled. */
  async settled(namespace: string, id: string): Promise<void> {
    await Promise.allSettled([...(this.running.get(`${namespace}/${id}`) ?? [])]);
  }

  /**
   * Waits until nothing is running (including clean-ups registered meanwhile, e.g. a rollback
   * that a cancelled step triggered), at most `timeoutMs`. Resolves with what is still running at
   * the bound (`timeout`) and what failed since the last drain (`failed`). Never rejects.
   */
  async drain(timeoutMs: number): Promise<Leftover[]> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    try {
      while (this.all.size > 0) {
        const current = Promise.allSettled([...this.all].map((e) => e.done));
        if ((await Promise.race([current, expired])) === "timeout") break;
      }
    } finally {
      clearTimeout(timer);
    }
    const failed = this.failures
      .splice(0)
      .map((e): Leftover => ({ what: e.what, reason: "failed", ...(e.failure ? { error: e.failure } : {}) }));
    const late = [...this.all].map((e): Leftover => ({ what: e.what, reason: "timeout" }));
    return [...failed, ...late];
  }
}
