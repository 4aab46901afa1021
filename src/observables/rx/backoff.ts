import { asyncScheduler, retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from "rxjs";

/** Exponential backoff with jitter, for re-subscribing after the daemon goes away. */
export interface BackoffConfig {
  /** First delay. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Cap. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  readonly multiplier?: number;
  /** Random spread as a fraction of the delay (0.2 = ±20 %). Default 0.2. */
  readonly jitter?: number;
  /** Give up (re-emit the error) after this many consecutive failures. Default: never. */
  readonly maxRetries?: number;
  /** Which errors to retry. Default: all. */
  readonly retryIf?: (error: unknown) => boolean;
  /** Scheduler for the delays (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Source of randomness for jitter, in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, config: BackoffConfig = {}): number {
  const { initialDelayMs = 100, maxDelayMs = 5000, multiplier = 2, jitter = 0.2, random = Math.random } = config;
  const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** (attempt - 1));
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Re-subscribes to the source after an error, waiting {@link backoffDelay} between attempts; the
 * attempt count resets once the source emits again.
 *
 * @example
 * ```ts
 * client.services.events.subscribe$({}).pipe(retryWithBackoff({ maxDelayMs: 2000 }))
 * ```
 */
export function retryWithBackoff<T>(config: BackoffConfig = {}): MonoTypeOperatorFunction<T> {
  const { maxRetries = Infinity, retryIf = () => true, scheduler = asyncScheduler } = config;
  return retry<T>({
    resetOnSuccess: true,
    delay: (error: unknown, attempt: number) =>
      attempt > maxRetries || !retryIf(error)
        ? throwError(() => error)
        : timer(backoffDelay(attempt, config), scheduler),
  });
}
