import { Observable } from "rxjs";
import { transaction$, type Tx } from "./transaction.js";

/**
 * A {@link transaction$} that also streams progress: `emit` forwards values live (while someone
 * is subscribed); the body's returned values are emitted only after every clean-up ran (so a
 * subscriber that takes them and leaves cannot trigger a rollback of what they describe), then
 * the Observable completes.
 * @internal
 */
export function progressTransaction$<P, R>(
  body: (tx: Tx, emit: (p: P) => void) => Promise<readonly R[]>,
): Observable<P | R> {
  return new Observable<P | R>((subscriber) => {
    const sub = transaction$((tx) =>
      body(tx, (p) => {
        if (!tx.cancelled) subscriber.next(p);
      }),
    ).subscribe({
      next: (results) => {
        for (const r of results) subscriber.next(r);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => sub.unsubscribe();
  });
}
