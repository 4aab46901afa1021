import { Observable } from "rxjs";

/**
 * A bounded-concurrency gate shared by many Observables: at most `limit` of the Observables passed
 * to {@link Limiter.run} are subscribed at once; the others wait (FIFO) for a slot. Unsubscribing a
 * waiting one removes it from the queue.
 *
 * @example
 * ```ts
 * const limiter = new Limiter(3);
 * merge(...manifest.layers.map((d) => limiter.run(fetchBlob$(client, repo, d)))).subscribe();
 * ```
 */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`Limiter: limit must be a positive integer, got ${limit}`);
  }

  /** Subscriptions currently holding a slot. */
  get running(): number {
    return this.active;
  }

  /** Observables waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** `source`, subscribed only once a slot is free; the slot is released when it finishes or is unsubscribed. */
  run<T>(source: Observable<T>): Observable<T> {
    return new Observable<T>((sub) => {
      let holding = false;
      let inner: { unsubscribe(): void } | undefined;
      const start = (): void => {
        holding = true;
        this.active++;
        inner = source.subscribe({
          next: (v) => sub.next(v),
          error: (e: unknown) => {
            release();
            sub.error(e);
          },
          complete: () => {
            release();
            sub.complete();
          },
        });
      };
      const release = (): void => {
        if (!holding) return;
        holding = false;
        this.active--;
        const next = this.queue.shift();
        if (next) next();
      };
      if (this.active < this.limit) start();
      else this.queue.push(start);
      return () => {
        const i = this.queue.indexOf(start);
        if (i >= 0) this.queue.splice(i, 1);
        inner?.unsubscribe();
        release();
      };
    });
  }
}
