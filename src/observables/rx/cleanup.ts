import { Observable } from "rxjs";

/**
 * Runs `cleanup()` after `body$` ends, however it ends: on completion (then completes), on error
 * (then re-reports the body's error), or on unsubscribe (in the background). The resulting
 * Observable settles only once the clean-up has finished, so a caller that sees it complete can
 * rely on the clean-up being done.
 *
 * @example
 * ```ts
 * withCleanup(task.start$(), () => task.delete$({ kill: true }))
 * ```
 */
export function withCleanup<T>(body$: Observable<T>, cleanup: () => Observable<unknown>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let ended = false;
    const end = (settle: (cleanupError?: unknown) => void) => {
      ended = true;
      cleanup().subscribe({ error: (e: unknown) => settle(e), complete: () => settle() });
    };
    const sub = body$.subscribe({
      next: (v) => subscriber.next(v),
      error: (e: unknown) => end(() => subscriber.error(e)),
      complete: () => end((ce) => (ce === undefined ? subscriber.complete() : subscriber.error(ce))),
    });
    return () => {
      sub.unsubscribe();
      if (!ended) end(() => undefined);
    };
  });
}
