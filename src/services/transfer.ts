// One-line Observable wrappers over Transfer's RPCs; all plumbing lives in Rpc.
import {
  TransferRequest,
  TransferService,
} from "../../generated/github.com/containerd/containerd/api/services/transfer/v1/transfer.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.transfer.v1.Transfer` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 * containerd ≥ 1.7: an older daemon answers `NotImplementedError` (unknown service).
 *
 * @example
 * ```ts
 * // source and destination are Any-packed containerd.types.transfer messages (OCIRegistry, ImageStore, …)
 * declare const source: { typeUrl: string; value: Buffer }, destination: { typeUrl: string; value: Buffer };
 * client.services.transfer.transfer$({ source, destination, options: { progressStream: "progress-1" } }).subscribe();
 * ```
 */
export function transferApi(rpc: Rpc) {
  return {
    /** `Transfer` — moves an object (image, archive, …) from `source` to `destination`, both `Any`s of the
     * `containerd.types.transfer.*` types; progress goes to the Streaming stream named in
     * `options.progressStream` (emits the empty response when the transfer is done). */
    transfer$: rpc.unary(TransferService.transfer, TransferRequest),
  };
}

/** The methods of `transferApi`. */
export type TransferApi = ReturnType<typeof transferApi>;
