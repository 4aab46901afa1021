import { Observable, type SchedulerLike, type Subscriber } from "rxjs";
import { Envelope } from "../../../generated/github.com/containerd/containerd/api/types/event.js";

/** Looks up a field path of an event (`topic`, `namespace`, `event.container_id`…). */
export type FieldLookup = (path: readonly string[]) => string | undefined;

/** Turns a Subscribe request's filters into a predicate (ORed filters of ANDed selectors). */
export type FilterMatcher = (filters: readonly string[]) => (lookup: FieldLookup) => boolean;

interface Listener {
  readonly subscriber: Subscriber<Envelope>;
  readonly matches: (lookup: FieldLookup) => boolean;
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The fake daemon's event exchange. Like containerd's, delivery is asynchronous: an event
 * published in one frame reaches subscribers in an action of the same frame of virtual time,
 * in publish order. @internal
 */
export class FakeBus {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly matcher: FilterMatcher,
  ) {}

  subscribe$(filters: readonly string[]): Observable<Envelope> {
    return new Observable<Envelope>((subscriber) => {
      const listener = { subscriber, matches: this.matcher(filters) };
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    });
  }

  /** Publishes an envelope; `fields` are the payload's fields for `event.*` filters (camelCase keys). */
  publish(
    namespace: string,
    topic: string,
    event: { readonly typeUrl: string; readonly value: Uint8Array },
    fields: Readonly<Record<string, unknown>> = {},
  ): void {
    const envelope = Envelope.fromPartial({
      timestamp: new Date(this.scheduler.now()),
      namespace,
      topic,
      event: { typeUrl: event.typeUrl, value: Buffer.from(event.value) },
    });
    const byField = new Map(Object.entries(fields).map(([k, v]) => [snake(k), v]));
    const lookup: FieldLookup = (path) => {
      if (path.length === 1 && path[0] === "topic") return topic;
      if (path.length === 1 && path[0] === "namespace") return namespace;
      if (path.length === 2 && path[0] === "event") {
        const v = byField.get(path[1] ?? "");
        return v === undefined || typeof v === "object" ? undefined : String(v as string | number | boolean);
      }
      return undefined;
    };
    const targets = [...this.listeners].filter((l) => l.matches(lookup));
    if (targets.length === 0) return;
    this.scheduler.schedule(() => {
      for (const l of targets) if (this.listeners.has(l)) l.subscriber.next(envelope);
    });
  }
}
