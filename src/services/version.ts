// One-line Observable wrappers over Version's RPCs; all plumbing lives in Rpc.
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Empty } from "../../generated/google/protobuf/empty.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.version.v1.Version` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.version.version$().subscribe((v) => console.log(v.version));
 * ```
 */
export function versionApi(rpc: Rpc) {
  return {
    /** `Version` (emits the response). */
    version$: rpc.unary(VersionService.version, Empty),
  };
}

/** The methods of `versionApi`. */
export type VersionApi = ReturnType<typeof versionApi>;
