// The one way a test waits for a condition: poll with a bound, and fail with a message that says
// what was awaited (and the last value seen) instead of hanging until the runner's timeout.

export interface WaitForOptions {
  /** What is awaited, for the failure message. */
  readonly message: string;
  /** Give up after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between polls. Default 20 ms. */
  readonly intervalMs?: number;
}

/**
 * Resolves with the first truthy result of `cond` (sync or async), polled every `intervalMs`;
 * rejects with `waitFor: <message>` after `timeoutMs`. An error thrown by `cond` fails at once.
 */
export async function waitFor<T>(cond: () => T | Promise<T>, options: WaitForOptions): Promise<NonNullable<T>> {
  const { message, timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await cond();
    if (last) return last as NonNullable<T>;
    if (Date.now() >= deadline) {
      throw new Error(`waitFor: ${message} (not within ${timeoutMs} ms; last value ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
