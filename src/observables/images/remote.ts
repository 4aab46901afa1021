import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { tryParseReference, type ImageReference } from "../oci/reference.js";
import type { RegistryClientOptions } from "../registry/registry-client.js";
import { Registry } from "../registry/registry.js";
import type { LongCallOptions } from "../content/store-context.js";

/**
 * What `pull$` and `push$` share: the call options, the registry (or its auth and plainHttp) and
 * how many blobs move at once. A bad `concurrency` is an InvalidArgumentError before any request.
 *
 * @example
 * ```ts
 * const registry = new Registry({ auth: dockerConfigAuth() });   // one token cache for both
 * client.images.pull$(ref, { registry, concurrency: 4 });
 * client.images.push$("localhost:5000/mirror/app:1", { registry, source: ref });
 * ```
 */
export interface RemoteOptions extends LongCallOptions, Pick<RegistryClientOptions, "auth" | "plainHttp"> {
  /** Blobs transferred at once. Default 3. */
  readonly concurrency?: number;
  /** A `Registry` to use (and its token cache) instead of one made from `auth` / `plainHttp`. */
  readonly registry?: Registry;
}

/** The reference, parsed, or the InvalidArgumentError for it or for a bad `concurrency`. @internal */
export function checkRemote(
  what: "pull" | "push",
  ref: string,
  options: RemoteOptions,
): ImageReference | InvalidArgumentError {
  const r = tryParseReference(ref);
  if (r instanceof InvalidArgumentError) return r;
  const c = options.concurrency;
  if (c !== undefined && !(Number.isInteger(c) && c >= 1))
    return new InvalidArgumentError(`${what} concurrency must be a positive integer, got ${String(c)}`);
  return r;
}

/** `options.registry`, or a new one with the options' auth and plainHttp. @internal */
export function registryFor(options: RemoteOptions): Registry {
  return (
    options.registry ??
    new Registry({
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}),
    })
  );
}
