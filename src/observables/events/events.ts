import { defer, map, tap, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { isUnavailable } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { isConnectFailure, isMisconfiguredChannel } from "../../services/call-control.js";
import type { EventsApi } from "../../services/events.js";
import { retryWithBackoff, type BackoffConfig } from "../rx/backoff.js";
import { decodeEnvelope, type Envelope } from "./event-types.js";
import { parseFilter, quoteFilterValue } from "./filters.js";
import { validated } from "../rx/validated.js";

/** Options of `events$`. */
export interface EventsOptions extends CallOptions {
  /**
   * Re-subscribe when the stream fails because the daemon went away (UNAVAILABLE), with backoff
   * (default on: `true`; `false` to get the error instead). Events published while the daemon
   * was down are lost — containerd keeps no history — and nothing is emitted in their place.
   */
  readonly reconnect?: boolean | BackoffConfig;
  /**
   * How many attempts to open the stream may fail to reach the daemon before it has ever been
   * reached, after which `events$` errors with that attempt's UnavailableError (which names the
   * address and hints at `CONTAINERD_ADDRESS`) instead of retrying. Counts only while the stream
   * has never connected: once it has (an attempt reached the daemon), later outages are retried
   * as `reconnect` says. Default `Infinity`: a wrong address or a daemon that is not up yet is
   * retried in silence (watch `client.connectivity$`, which then never reaches `READY`). Ignored
   * with `reconnect: false`, where the first failure errors. Must be an integer >= 1. A TLS
   * setting that does not match the server's (untrusted certificate, wrong name, TLS against
   * plain text or the reverse) errors at once: retrying cannot fix it.
   *
   * @example
   * ```ts
   * client.events$([], { maxConnectAttempts: 3 }).subscribe({ error: (e) => console.error(e.message) });
   * // UnavailableError: [Unavailable] cannot connect to containerd at "/run/containerd/containerd.sock": …
   * ```
   */
  readonly maxConnectAttempts?: number;
}

/** Prefixes every filter (or makes one) with `namespace=="ns"`, ANDed, so only that namespace's events come. */
export function scopeFilters(filters: readonly string[], namespace: string): string[] {
  const ns = `namespace==${quoteFilterValue(namespace)}`;
  return filters.length === 0 ? [ns] : filters.map((f) => (f === "" ? ns : `${ns},${f}`));
}

/**
 * Events.Subscribe, decoded: cold (one stream per subscription), filters validated client-side
 * first (InvalidArgumentError, no RPC), reconnecting on UNAVAILABLE unless told not to. @internal
 */
export function events$(api: EventsApi, filters: readonly string[], options: EventsOptions = {}): Observable<Envelope> {
  const { reconnect = true, maxConnectAttempts = Infinity, ...given } = options;
  const call = { timeoutMs: Infinity, ...given }; // a stream is open-ended: no client default deadline
  const check = () => {
    if (!(maxConnectAttempts === Infinity || (Number.isInteger(maxConnectAttempts) && maxConnectAttempts >= 1))) {
      return new InvalidArgumentError(
        `maxConnectAttempts must be an integer >= 1 (or Infinity), got ${maxConnectAttempts}`,
      );
    }
    for (const f of filters) {
      const parsed = parseFilter(f);
      if (!Array.isArray(parsed)) return parsed;
    }
    return undefined;
  };
  return validated(check, () =>
    defer(() => {
      // Per subscription: whether an attempt ever reached the daemon, and how many did not.
      let connected = false;
      let unreached = 0;
      const stream$ = api.subscribe$({ filters: [...filters] }, call).pipe(
        tap({
          next: () => (connected = true),
          error: (e: unknown) => {
            if (!isConnectFailure(e)) connected = true;
          },
        }),
        map((e) => decodeEnvelope(e)),
      );
      if (reconnect === false) return stream$;
      const retryIf = (e: unknown): boolean =>
        isUnavailable(e) &&
        !isMisconfiguredChannel(e) &&
        (connected || !isConnectFailure(e) || ++unreached < maxConnectAttempts);
      return stream$.pipe(retryWithBackoff({ maxDelayMs: 2000, ...(reconnect === true ? {} : reconnect), retryIf }));
    }),
  );
}
