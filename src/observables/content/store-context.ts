import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";

/** What the image/content domain objects need from their client. @internal */
export interface StoreContext {
  readonly services: Services;
  readonly namespace: string;
}

/**
 * The call options a long store operation (import, export, pull, push) takes from its caller:
 * no deadline unless `timeoutMs` is given, an AbortSignal, extra metadata.
 *
 * @example
 * ```ts
 * client.images.import$("/tmp/big.tar", { signal: AbortSignal.timeout(600_000) });
 * ```
 */
export type LongCallOptions = Pick<CallOptions, "timeoutMs" | "signal" | "metadata">;

/**
 * Call options of every RPC of a long store operation: the namespace, the lease if any, no
 * deadline unless the caller gives one (moving gigabytes takes as long as it takes), and the
 * caller's signal and metadata. @internal
 */
export function longCall(ctx: StoreContext, options: LongCallOptions, lease?: string): CallOptions {
  return {
    namespace: ctx.namespace,
    ...(lease !== undefined ? { lease } : {}),
    timeoutMs: options.timeoutMs ?? Infinity,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
}
