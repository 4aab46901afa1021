import { defer, Observable, type SchedulerLike } from "rxjs";
import { CanceledError, ContainerdError } from "../../errors/containerd-error.js";
import type { CallStats } from "../call-control.js";
import type { CallDefaults, CallOptions } from "../call-options.js";

/**
 * The fake daemon's call plumbing, the counterpart of Rpc: every call is a cold Observable
 * answered on subscribe (in the caller's frame of virtual time), counted in {@link stats},
 * cancelled by its AbortSignal or by {@link close} (CanceledError, as a closed client does).
 * Nothing here opens a socket or starts a timer. @internal
 */
export class FakeCalls {
  readonly stats: CallStats = { active: 0, started: 0 };
  private readonly live = new Set<(reason: ContainerdError) => void>();
  private closed = false;

  constructor(readonly scheduler: SchedulerLike) {}

  /** A call of `method`: `body` gets the namespace and returns the answer (or throws a ContainerdError). */
  call<T>(
    method: string,
    defaults: CallDefaults,
    options: CallOptions | undefined,
    body: (namespace: string) => Observable<T>,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      const fail = (e: unknown) => subscriber.error(ContainerdError.from(e, { method }));
      if (this.closed) return fail(new CanceledError("client closed"));
      const signal = options?.signal;
      if (signal?.aborted) return fail(new CanceledError(`${method}: aborted`));
      this.stats.started++;
      this.stats.active++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.stats.active--;
        this.live.delete(cancel);
        signal?.removeEventListener("abort", onAbort);
      };
      const cancel = (reason: ContainerdError) => {
        finish();
        inner.unsubscribe();
        subscriber.error(reason);
      };
      const onAbort = () => cancel(new CanceledError(`${method}: aborted`));
      this.live.add(cancel);
      signal?.addEventListener("abort", onAbort);
      const namespace = options?.namespace ?? defaults.namespace;
      const inner = defer(() => body(namespace)).subscribe({
        next: (v) => subscriber.next(v),
        error: (e: unknown) => {
          finish();
          fail(e);
        },
        complete: () => {
          finish();
          subscriber.complete();
        },
      });
      return () => {
        finish();
        inner.unsubscribe();
      };
    });
  }

  /** Every call in flight errors with CanceledError, and later calls fail the same way. */
  close(): void {
    this.closed = true;
    for (const cancel of [...this.live]) cancel(new CanceledError("client closed"));
  }
}
