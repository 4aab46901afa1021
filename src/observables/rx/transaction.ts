import { isObservable, lastValueFrom, Observable } from "rxjs";
import { CanceledError, ContainerdError } from "../../errors/containerd-error.js";

/** Steps of a multi-RPC operation; see {@link transaction$}. */
export interface Tx {
  /**
   * Runs one step to completion and returns its last value. Never cancelled half-way; throws
   * CanceledError instead of starting when the subscriber has already gone.
   */
  step<T>(obs: Observable<T>): Promise<T>;
  /** Registers an undo action, run (newest first) if the operation fails or is unsubscribed. */
  onRollback(undo: Undo): void;
  /** Registers a clean-up run whatever happens (after rollbacks), e.g. deleting a temporary lease. */
  onFinally(cleanup: Undo): void;
  /** True once the subscriber has gone away. */
  readonly cancelled: boolean;
}

/** An undo or clean-up action: an Observable (run to completion) or a Promise. */
export type Undo = () => Observable<unknown> | Promise<unknown>;

async function drain(actions: Undo[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const action of actions.reverse()) {
    try {
      const r = action();
      await (isObservable(r) ? lastValueFrom(r, { defaultValue: undefined }) : r);
    } catch (e) {
      failures.push(e);
    }
  }
  return failures;
}

/**
 * A cold Observable over a multi-step operation that must leave nothing behind: steps run to
 * completion even if the subscriber leaves (cancelling a Create half-way could orphan what the
 * daemon made), and after each step an unsubscribe or a failure triggers the registered
 * rollbacks, newest first. Emits the body's result once, then completes; errors are
 * ContainerdErrors. Clean-up failures are attached to the error as `cause` when the body failed,
 * and otherwise ignored (best effort, like the Go client's deferred clean-ups). `onStart`, if
 * given, receives at subscription a promise that settles when everything (body, rollbacks,
 * clean-ups) is over.
 *
 * @example
 * ```ts skip
 * transaction$(async (tx) => {
 *   await tx.step(snapshots.prepare$(...)); tx.onRollback(() => snapshots.remove$(...));
 *   return tx.step(containers.create$(...));
 * });
 * ```
 */
export function transaction$<T>(body: (tx: Tx) => Promise<T>, onStart?: (done: Promise<void>) => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    const rollbacks: Undo[] = [];
    const finals: Undo[] = [];
    const tx = {
      cancelled: false,
      // Checks for cancellation before a step, never after: a step that completed did its effect,
      // and the caller must get the chance to register its undo (rollbacks run at the end).
      async step<S>(obs: Observable<S>): Promise<S> {
        if (tx.cancelled) throw new CanceledError("operation unsubscribed");
        return lastValueFrom(obs);
      },
      onRollback: (undo: Undo) => void rollbacks.push(undo),
      onFinally: (cleanup: Undo) => void finals.push(cleanup),
    };
    const done = body(tx).then(
      async (value) => {
        await drain(finals);
        // Checked after the last await: the subscriber may leave while clean-ups run, and then
        // nobody would receive (and own) the result.
        if (tx.cancelled) {
          await drain(rollbacks);
          return;
        }
        subscriber.next(value);
        subscriber.complete();
      },
      async (err: unknown) => {
        const undoFailures = await drain(rollbacks);
        await drain(finals);
        const error = ContainerdError.from(err);
        if (undoFailures.length > 0 && error.cause === undefined) {
          Object.defineProperty(error, "cause", { value: new AggregateError(undoFailures, "rollback failed") });
        }
        subscriber.error(error);
      },
    );
    onStart?.(done);
    return () => {
      tx.cancelled = true;
    };
  });
}
