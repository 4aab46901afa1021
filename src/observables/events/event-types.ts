import * as C from "../../../generated/github.com/containerd/containerd/api/events/container.js";
import * as Ct from "../../../generated/github.com/containerd/containerd/api/events/content.js";
import * as I from "../../../generated/github.com/containerd/containerd/api/events/image.js";
import * as N from "../../../generated/github.com/containerd/containerd/api/events/namespace.js";
import * as S from "../../../generated/github.com/containerd/containerd/api/events/snapshot.js";
import * as T from "../../../generated/github.com/containerd/containerd/api/events/task.js";

/** Payload type of every event containerd 1.6 publishes, by type URL (images live under their service's package). */
export interface EventPayloads {
  "containerd.events.TaskCreate": T.TaskCreate;
  "containerd.events.TaskStart": T.TaskStart;
  "containerd.events.TaskDelete": T.TaskDelete;
  "containerd.events.TaskIO": T.TaskIO;
  "containerd.events.TaskExit": T.TaskExit;
  "containerd.events.TaskOOM": T.TaskOOM;
  "containerd.events.TaskExecAdded": T.TaskExecAdded;
  "containerd.events.TaskExecStarted": T.TaskExecStarted;
  "containerd.events.TaskPaused": T.TaskPaused;
  "containerd.events.TaskResumed": T.TaskResumed;
  "containerd.events.TaskCheckpointed": T.TaskCheckpointed;
  "containerd.events.ContainerCreate": C.ContainerCreate;
  "containerd.events.ContainerUpdate": C.ContainerUpdate;
  "containerd.events.ContainerDelete": C.ContainerDelete;
  "containerd.events.ContentDelete": Ct.ContentDelete;
  "containerd.services.images.v1.ImageCreate": I.ImageCreate;
  "containerd.services.images.v1.ImageUpdate": I.ImageUpdate;
  "containerd.services.images.v1.ImageDelete": I.ImageDelete;
  "containerd.events.NamespaceCreate": N.NamespaceCreate;
  "containerd.events.NamespaceUpdate": N.NamespaceUpdate;
  "containerd.events.NamespaceDelete": N.NamespaceDelete;
  "containerd.events.SnapshotPrepare": S.SnapshotPrepare;
  "containerd.events.SnapshotCommit": S.SnapshotCommit;
  "containerd.events.SnapshotRemove": S.SnapshotRemove;
}

/** Decoders by type URL. */
const DECODERS: { readonly [U in keyof EventPayloads]: { decode(input: Uint8Array): EventPayloads[U] } } = {
  "containerd.events.TaskCreate": T.TaskCreate,
  "containerd.events.TaskStart": T.TaskStart,
  "containerd.events.TaskDelete": T.TaskDelete,
  "containerd.events.TaskIO": T.TaskIO,
  "containerd.events.TaskExit": T.TaskExit,
  "containerd.events.TaskOOM": T.TaskOOM,
  "containerd.events.TaskExecAdded": T.TaskExecAdded,
  "containerd.events.TaskExecStarted": T.TaskExecStarted,
  "containerd.events.TaskPaused": T.TaskPaused,
  "containerd.events.TaskResumed": T.TaskResumed,
  "containerd.events.TaskCheckpointed": T.TaskCheckpointed,
  "containerd.events.ContainerCreate": C.ContainerCreate,
  "containerd.events.ContainerUpdate": C.ContainerUpdate,
  "containerd.events.ContainerDelete": C.ContainerDelete,
  "containerd.events.ContentDelete": Ct.ContentDelete,
  "containerd.services.images.v1.ImageCreate": I.ImageCreate,
  "containerd.services.images.v1.ImageUpdate": I.ImageUpdate,
  "containerd.services.images.v1.ImageDelete": I.ImageDelete,
  "containerd.events.NamespaceCreate": N.NamespaceCreate,
  "containerd.events.NamespaceUpdate": N.NamespaceUpdate,
  "containerd.events.NamespaceDelete": N.NamespaceDelete,
  "containerd.events.SnapshotPrepare": S.SnapshotPrepare,
  "containerd.events.SnapshotCommit": S.SnapshotCommit,
  "containerd.events.SnapshotRemove": S.SnapshotRemove,
};

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
export type KnownEnvelope = { [U in KnownEventTypeUrl]: EnvelopeBase & { readonly typeUrl: U; readonly event: EventPayload<U>; readonly decoded: true } }[KnownEventTypeUrl];

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
export function isEvent<U extends KnownEventTypeUrl>(e: Envelope, typeUrl: U): e is Extract<KnownEnvelope, { typeUrl: U }> {
  return e.decoded && e.typeUrl === typeUrl;
}

/**
 * Decodes a raw envelope (`Events.Subscribe`'s message). Unknown type URLs and payloads that fail
 * to decode arrive undecoded, never as an error.
 */
export function decodeEnvelope(raw: { timestamp: Date | undefined; namespace: string; topic: string;
  event: { typeUrl: string; value: Uint8Array } | undefined }): Envelope {
  const base = { timestamp: raw.timestamp ?? new Date(0), namespace: raw.namespace, topic: raw.topic };
  const typeUrl = raw.event?.typeUrl ?? "";
  const value = raw.event?.value ?? new Uint8Array();
  const decoder = (DECODERS as Record<string, { decode(b: Uint8Array): unknown }>)[typeUrl];
  if (decoder) {
    try {
      return { ...base, typeUrl, event: decoder.decode(value), decoded: true } as KnownEnvelope;
    } catch {
      // fall through: undecodable bytes are delivered raw
    }
  }
  return { ...base, typeUrl: typeUrl as UnknownEventTypeUrl, event: value, decoded: false };
}
