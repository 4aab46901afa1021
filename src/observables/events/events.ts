import { map, type Observable } from "rxjs";
import { isUnavailable } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
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
  const { reconnect = true, ...given } = options;
  const call = { timeoutMs: Infinity, ...given }; // a stream is open-ended: no client default deadline
  const check = () => {
    for (const f of filters) {
      const parsed = parseFilter(f);
      if (!Array.isArray(parsed)) return parsed;
    }
    return undefined;
  };
  return validated(check, () => {
    const stream$ = api.subscribe$({ filters: [...filters] }, call).pipe(map((e) => decodeEnvelope(e)));
    if (reconnect === false) return stream$;
    return stream$.pipe(retryWithBackoff({ maxDelayMs: 2000, ...(reconnect === true ? {} : reconnect), retryIf: isUnavailable }));
  });
}
