import { Observable } from "rxjs";

/**
 * Runs `cleanup()` after `body$` ends, however it ends: on completion (then completes), on error
 * (then re-reports the body's error), or on unsubscribe (in the background). The resulting
 * Observable settles only once the clean-up has finished, so a caller that sees it complete can
 * rely on the clean-up being done. `track`, if given, receives a promise for each clean-up when it
 * starts, settling (rejecting with its error) when it ends: the client registers it so that
 * `close$()` can wait for a clean-up nobody else waits for (the one after an unsubscribe).
 *
 * @example
 * ```ts
 * withCleanup(task.start$(), () => task.delete$({ kill: true }))
 * ```
 */
export function withCleanup<T>(
  body$: Observable<T>,
  cleanup: () => Observable<unknown>,
  track?: (done: Promise<void>) => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let ended = false;
    const end = (settle: (cleanupError?: unknown) => void) => {
      ended = true;
      let resolve = (): void => undefined;
      let reject = (_e: unknown): void => undefined;
      if (track) {
        const done = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        done.catch(() => undefined);
        track(done);
      }
      cleanup().subscribe({
        error: (e: unknown) => {
          reject(e);
          settle(e);
        },
        complete: () => {
          resolve();
          settle();
        },
      });
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
