// One-line Observable wrappers over Diff's RPCs; all plumbing lives in Rpc.
import {
  ApplyRequest,
  DiffRequest,
  DiffService,
} from "../../generated/github.com/containerd/containerd/api/services/diff/v1/diff.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.diff.v1.Diff` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * const mounts = await lastValueFrom(client.snapshots().prepare$("unpack-1", parentChainId));
 * client.services.diff.apply$({ diff: layer, mounts }).subscribe((r) => console.log(r.applied?.digest));
 * ```
 */
export function diffApi(rpc: Rpc) {
  return {
    /** `Apply` — Apply applies the content associated with the provided digests onto the provided mounts. Archive content will be extracted and decompressed if necessary. (emits the response). */
    apply$: rpc.unary(DiffService.apply, ApplyRequest),
    /** `Diff` — Diff creates a diff between the given mounts and uploads the result to the content store. (emits the response). */
    diff$: rpc.unary(DiffService.diff, DiffRequest),
  };
}

/** The methods of `diffApi`. */
export type DiffApi = ReturnType<typeof diffApi>;
