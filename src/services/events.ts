// One-line Observable wrappers over Events's RPCs; all plumbing lives in Rpc.
import {
  EventsService,
  ForwardRequest,
  PublishRequest,
  SubscribeRequest,
} from "../../generated/github.com/containerd/containerd/api/services/events/v1/events.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.events.v1.Events` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.events.subscribe$({ filters: ['topic=="/tasks/exit"'] }).subscribe((e) => console.log(e.topic));
 * ```
 */
export function eventsApi(rpc: Rpc) {
  return {
    /** `Publish` — Publish an event to a topic.  The event will be packed into a timestamp envelope with the namespace introspected from the context. The envelope will then be dispatched. (emits the response). */
    publish$: rpc.unary(EventsService.publish, PublishRequest),
    /** `Forward` — Forward sends an event that has already been packaged into an envelope with a timestamp and namespace.  This is useful if earlier timestamping is required or when forwarding on behalf of another component, namespace or publisher. (emits the response). */
    forward$: rpc.unary(EventsService.forward, ForwardRequest),
    /** `Subscribe` — Subscribe to a stream of events, possibly returning only that match any of the provided filters.  Unlike many other methods in containerd, subscribers will get messages from all namespaces unless otherwise specified. If this is not desired, a filter can be provided in the format 'namespace==<namespace>' to restrict the received events. (emits each streamed message). */
    subscribe$: rpc.serverStream(EventsService.subscribe, SubscribeRequest),
  };
}

/** The methods of `eventsApi`. */
export type EventsApi = ReturnType<typeof eventsApi>;
