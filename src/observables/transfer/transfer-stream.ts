import { concat, map, of, type Observable } from "rxjs";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import {
  packStreamInit,
  unpackStreamMessage,
  type PackedMessage,
  type StreamMessage,
} from "../../services/transfer-payloads.js";

/** What a Streaming stream emits: `ready` once the daemon has registered it, then its messages. */
export type StreamEvent = { readonly type: "ready" } | StreamMessage;

/**
 * Opens the Streaming stream `id` (containerd ≥ 1.7) for a Transfer to name: sends its
 * `StreamInit`, then `outgoing` (completing `outgoing` half-closes the stream). Emits `ready` when
 * the daemon's acknowledgement arrives (from then on a Transfer naming `id` finds the stream),
 * then each message the daemon sends, decoded; completes when the daemon closes the stream.
 * Unsubscribing cancels the call. NotImplementedError on a daemon without Streaming (1.6).
 *
 * @example
 * ```ts
 * import { NEVER } from "rxjs";
 * openStream$(client.services, "progress-1", NEVER).subscribe((m) => console.log(m.type));
 * ```
 */
export function openStream$(
  services: Pick<Services, "streaming">,
  id: string,
  outgoing: Observable<PackedMessage>,
  options?: CallOptions,
): Observable<StreamEvent> {
  return services.streaming
    .stream$(concat(of(packStreamInit(id)), outgoing), options)
    .pipe(map((m, i): StreamEvent => (i === 0 ? { type: "ready" } : unpackStreamMessage(m))));
}
