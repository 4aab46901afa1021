import { lastValueFrom, Observable, takeUntil } from "rxjs";
import { CanceledError, ContainerdError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";

/**
 * What a {@link cancellable} body gets: the subscription's AbortSignal (aborted on unsubscribe),
 * and `call(options)`, the caller's CallOptions with that signal joined to the caller's own.
 * @internal
 */
export interface Cancel {
  readonly signal: AbortSignal;
  /** `options` whose `signal` aborts when either the caller's signal or the subscription ends. */
  call<O extends CallOptions>(options: O): O & { signal: AbortSignal };
  /** `promise`, or CanceledError as soon as the subscription ends (for waits that are not RPCs). */
  until<T>(promise: Promise<T>): Promise<T>;
  /** The last value of `obs` (undefined if none); unsubscribed from when the subscription ends. */
  last<T>(obs: Observable<T>): Promise<T | undefined>;
}

/**
 * A cold Observable over an async multi-RPC operation that is cancelled as a whole on
 * unsubscribe: every RPC the body issues with `cancel.call(options)` is cancelled on the daemon,
 * and no RPC starts afterwards (the adapter refuses an aborted signal). For operations that have
 * nothing to roll back; those that do use `transaction$`. Emits the body's result once and
 * completes; errors are ContainerdErrors. @internal
 *
 * @example
 * ```ts
 * cancellable(async (c) => lastValueFrom(client.services.tasks.get$({ containerId: "web" }, c.call({ timeoutMs: 5000 }))));
 * ```
 */
export function cancellable<T>(body: (cancel: Cancel) => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    const signal = controller.signal;
    const joined: (() => void)[] = [];
    const canceled = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(new CanceledError("operation unsubscribed")), { once: true });
    });
    canceled.catch(() => undefined); // only ever awaited through until/last
    const cancel: Cancel = {
      signal,
      until: <T>(promise: Promise<T>) => Promise.race([promise, canceled]),
      last: <T>(obs: Observable<T>) =>
        Promise.race([
          lastValueFrom(obs.pipe(takeUntil(canceled.catch(() => true))), { defaultValue: undefined }),
          canceled,
        ]),
      call: <O extends CallOptions>(options: O) => {
        const theirs = options.signal;
        if (!theirs) return { ...options, signal };
        // Both signals, without AbortSignal.any (Node >= 20.3); the listener goes at teardown.
        const both = new AbortController();
        const abort = () => both.abort(theirs.aborted ? theirs.reason : signal.reason);
        if (theirs.aborted || signal.aborted) abort();
        theirs.addEventListener("abort", abort, { once: true });
        signal.addEventListener("abort", abort, { once: true });
        joined.push(() => {
          theirs.removeEventListener("abort", abort);
          signal.removeEventListener("abort", abort);
        });
        return { ...options, signal: both.signal };
      },
    };
    body(cancel).then(
      (value) => {
        subscriber.next(value);
        subscriber.complete();
      },
      (e: unknown) => subscriber.error(ContainerdError.from(e)),
    );
    return () => {
      controller.abort(new CanceledError("operation unsubscribed")); // also on completion: frees the waits
      joined.forEach((off) => off());
    };
  });
}

/** Throws CanceledError when `signal` is aborted: for the awaits between RPCs that are not calls. @internal */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CanceledError("operation unsubscribed");
}
