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

/** Options of {@link transaction$}. */
export interface TransactionOptions {
  /**
   * Receives clean-up failures nobody else will see: rollbacks or finally-steps that failed after
   * the subscriber left (an AggregateError of the failures). Default: `process.emitWarning` with
   * that error (listen with `process.on("warning", …)`).
   */
  readonly onCleanupError?: (error: AggregateError) => void;
}

/**
 * A cold Observable over a multi-step operation that must leave nothing behind: steps run to
 * completion even if the subscriber leaves (cancelling a Create half-way could orphan what the
 * daemon made), and after each step an unsubscribe or a failure triggers the registered
 * rollbacks, newest first, and then the finally-steps, newest first. Emits the body's result
 * once, then completes; errors are ContainerdErrors.
 *
 * Clean-up failures are never dropped:
 * - the body failed: they are attached to the error as `cause` (an AggregateError);
 * - the body succeeded but finally-steps failed: the subscriber gets the result, and the failures
 *   go to `onCleanupError` (the result is already valid);
 * - the subscriber left: they go to `onCleanupError` (default `process.emitWarning`).
 *
 * `onStart`, if given, receives at subscription a promise that settles when everything (body,
 * rollbacks, clean-ups) is over.
 *
 * @example
 * ```ts skip
 * transaction$(async (tx) => {
 *   await tx.step(snapshots.prepare$(...)); tx.onRollback(() => snapshots.remove$(...));
 *   return tx.step(containers.create$(...));
 * }, undefined, { onCleanupError: (e) => console.error("left behind:", e.errors) });
 * ```
 */
export function transaction$<T>(
  body: (tx: Tx) => Promise<T>,
  onStart?: (done: Promise<void>) => void,
  options: TransactionOptions = {},
): Observable<T> {
  const report = options.onCleanupError ?? ((e: AggregateError) => process.emitWarning(e));
  const unseen = (failures: unknown[], what: string) => {
    if (failures.length > 0)
      report(new AggregateError(failures, `${what}: ${failures.length} clean-up step(s) failed`));
  };
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
        // Unsubscribed before the result was delivered: nobody owns it; undo, then clean up.
        if (tx.cancelled) {
          const failures = [...(await drain(rollbacks)), ...(await drain(finals))];
          return unseen(failures, "unsubscribed: rollback");
        }
        const failures = await drain(finals);
        // Checked again after the last await: the subscriber may leave while clean-ups run, and
        // then nobody would receive (and own) the result.
        if (tx.cancelled) return unseen([...failures, ...(await drain(rollbacks))], "unsubscribed: rollback");
        unseen(failures, "finally-steps after success");
        subscriber.next(value);
        subscriber.complete();
      },
      async (err: unknown) => {
        const failures = [...(await drain(rollbacks)), ...(await drain(finals))];
        const error = ContainerdError.from(err);
        if (tx.cancelled) return unseen(failures, `unsubscribed, failed (${error.message}): rollback`);
        if (failures.length > 0 && error.cause === undefined) {
          Object.defineProperty(error, "cause", { value: new AggregateError(failures, "rollback failed") });
        } else if (failures.length > 0) {
          unseen(failures, `failed (${error.message}): rollback`);
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
