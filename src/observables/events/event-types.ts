import { EVENT_DECODERS, type EventPayloads } from "../../services/event-payloads.js";

export type { EventPayloads } from "../../services/event-payloads.js";

/** Every type URL this library decodes. */
export type KnownEventTypeUrl = keyof EventPayloads;
/** The decoded payload type of a known type URL. */
export type EventPayload<U extends KnownEventTypeUrl> = EventPayloads[U];

/** A type URL this library does not know (a newer daemon, a custom publisher). */
export type UnknownEventTypeUrl = string & { readonly __unknownEventTypeUrl: unique symbol };

interface EnvelopeBase {
  /** When the event was published (for a shim's retried event: the original time). */
  readonly timestamp: Date;
  /** The namespace the event happened in (the daemon sends all namespaces unless filtered). */
  readonly namespace: string;
  /** e.g. `/tasks/exit`. */
  readonly topic: string;
}

/** A decoded event; `switch (e.typeUrl)` narrows `e.event`. */
export type KnownEnvelope = {
  [U in KnownEventTypeUrl]: EnvelopeBase & {
    readonly typeUrl: U;
    readonly event: EventPayload<U>;
    readonly decoded: true;
  };
}[KnownEventTypeUrl];

/** An event this library cannot decode: the raw bytes, never an error. */
export interface UnknownEnvelope extends EnvelopeBase {
  readonly typeUrl: UnknownEventTypeUrl;
  readonly event: Uint8Array;
  readonly decoded: false;
}

/**
 * One containerd event: a discriminated union on `decoded`, then on `typeUrl` (TypeScript only
 * narrows on `typeUrl` once `decoded` has excluded the open-ended unknown case), or use
 * {@link isEvent}.
 *
 * @example
 * ```ts
 * client.events$('topic~="^/tasks/"').subscribe((e) => {
 *   if (!e.decoded) return console.log("raw", e.typeUrl, e.event.length);
 *   switch (e.typeUrl) {
 *     case "containerd.events.TaskExit": console.log(e.event.containerId, e.event.exitStatus); break;
 *     case "containerd.events.TaskOOM": console.log("OOM", e.event.containerId); break;
 *   }
 * });
 * ```
 */
export type Envelope = KnownEnvelope | UnknownEnvelope;

/**
 * Type guard: is `e` a decoded event of type `typeUrl`?
 *
 * @example
 * ```ts
 * client.events$().pipe(filter((e) => isEvent(e, "containerd.events.TaskOOM"))).subscribe((e) => console.log(e.event.containerId));
 * ```
 */
export function isEvent<U extends KnownEventTypeUrl>(
  e: Envelope,
  typeUrl: U,
): e is Extract<KnownEnvelope, { typeUrl: U }> {
  return e.decoded && e.typeUrl === typeUrl;
}

/**
 * Decodes a raw envelope (`Events.Subscribe`'s message). Unknown type URLs and payloads that fail
 * to decode arrive undecoded, never as an error.
 */
export function decodeEnvelope(raw: {
  timestamp: Date | undefined;
  namespace: string;
  topic: string;
  event: { typeUrl: string; value: Uint8Array } | undefined;
}): Envelope {
  const base = { timestamp: raw.timestamp ?? new Date(0), namespace: raw.namespace, topic: raw.topic };
  const typeUrl = raw.event?.typeUrl ?? "";
  const value = raw.event?.value ?? new Uint8Array();
  const decoder = (EVENT_DECODERS as Record<string, { decode(b: Uint8Array): unknown }>)[typeUrl];
  if (decoder) {
    try {
      return { ...base, typeUrl, event: decoder.decode(value), decoded: true } as KnownEnvelope;
    } catch {
      // fall through: undecodable bytes are delivered raw
    }
  }
  return { ...base, typeUrl: typeUrl as UnknownEventTypeUrl, event: value, decoded: false };
}
