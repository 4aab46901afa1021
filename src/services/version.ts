// One-line Observable wrappers over Version's RPCs; all plumbing lives in Rpc.
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Empty } from "../../generated/google/protobuf/empty.js";
import { defer, from, type Observable } from "rxjs";
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
    /**
     * The daemon's version string (`Version.Version`, e.g. `2.1.9+unknown`), asked at most once
     * per client (every `withNamespace` copy shares it) and then cached: the first subscription
     * issues the `Version` RPC (5 s deadline), later ones emit the cached answer without a call.
     * Emits the version, or `undefined` when the daemon did not answer (that is not cached: the
     * next subscription asks again), then completes; never errors. Unsubscribing does not cancel
     * the shared ask. This is the version rxcontainerd itself uses to explain errors
     * (`NotImplementedError.daemonVersion`, `TaskGoneError.daemonVersion`).
     *
     * @example
     * ```ts
     * client.services.version.daemonVersion$().subscribe((v) => console.log(v ?? "unknown"));
     * ```
     */
    daemonVersion$: (): Observable<string | undefined> => defer(() => from(rpc.daemonVersion())),
  };
}

/** The methods of `versionApi`. */
export type VersionApi = ReturnType<typeof versionApi>;
