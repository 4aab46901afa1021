// One-line Observable wrappers over Streaming's RPCs; all plumbing lives in Rpc.
import { StreamingService } from "../../generated/github.com/containerd/containerd/api/services/streaming/v1/streaming.js";
import { Any } from "../../generated/google/protobuf/any.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.streaming.v1.Streaming` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 * containerd ≥ 1.7: an older daemon answers `NotImplementedError` (unknown service).
 *
 * @example
 * ```ts
 * client.services.streaming.stream$(of({ typeUrl: "containerd.types.transfer.StreamInit", value: Buffer.alloc(0) })).subscribe(console.log);
 * ```
 */
export function streamingApi(rpc: Rpc) {
  return {
    /** `Stream` — a bidirectional stream of `Any`s; the first message sent is a `containerd.types.StreamInit`
     * naming the stream (emits each message the daemon sends, e.g. Transfer's progress). */
    stream$: rpc.bidi(StreamingService.stream, Any),
  };
}

/** The methods of `streamingApi`. */
export type StreamingApi = ReturnType<typeof streamingApi>;
