import { AsyncSubject, Observable, type Subscription } from "rxjs";

/**
 * Makes a single-result Observable hot: `source` is subscribed at once (before this returns), its
 * one result (or error) is replayed to every subscriber, early or late, and it is subscribed only
 * once however many subscribers come. When every subscriber has unsubscribed before the result
 * arrived, the source is released; a later subscriber re-arms it (subscribes to `source` again).
 *
 * @example
 * ```ts
 * const exit$ = hot(client.services.tasks.wait$({ containerId: "web" }).pipe(take(1)));
 * // the RPC is already in flight; subscribe whenever:
 * exit$.subscribe(console.log);
 * ```
 */
export function hot<T>(source: Observable<T>): Observable<T> {
  let result = new AsyncSubject<T>();
  let settled = false;
  let connection: Subscription | undefined;
  let refs = 0;
  const arm = () => {
    const subject = result;
    connection = source.subscribe({
      next: (v) => subject.next(v),
      error: (e: unknown) => {
        settled = true;
        subject.error(e);
      },
      complete: () => {
        settled = true;
        subject.complete();
      },
    });
  };
  arm();
  return new Observable<T>((subscriber) => {
    if (!connection && !settled) {
      result = new AsyncSubject<T>();
      arm();
    }
    refs++;
    const sub = result.subscribe(subscriber);
    return () => {
      sub.unsubscribe();
      refs--;
      if (refs === 0 && connection && !settled) {
        connection.unsubscribe();
        connection = undefined;
      }
    };
  });
}
