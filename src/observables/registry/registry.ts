import type { Observable } from "rxjs";
import { type FetchBlobOptions, fetchBlob$ } from "./fetch.js";
import type { Descriptor } from "../oci/media-types.js";
import {
  type PushBlobOptions,
  type PushResult,
  type RangeSource,
  blobExists$,
  pushBlob$,
  pushManifest$,
  tagManifest$,
} from "./push.js";
import type { ImageReference } from "../oci/reference.js";
import { RegistryClient, type RegistryClientOptions } from "./registry-client.js";
import {
  type FetchedManifest,
  type ResolveManifestOptions,
  type Resolved,
  type ResolvedManifest,
  fetchManifest$,
  resolve$,
  resolveManifest$,
} from "./resolve.js";

/**
 * An OCI distribution (registry v2) client: resolve, fetch and push, every operation a cold
 * Observable that aborts its HTTP request on unsubscribe. Tokens and challenges are cached per
 * instance, so keep one for many operations.
 *
 * @example
 * ```ts
 * const registry = new Registry({ auth: { "localhost:5000": { username: "u", password: "p" } } });
 * registry.resolveManifest$("localhost:5000/busybox:latest").pipe(
 *   mergeMap(({ reference, manifest }) => merge(...manifest.json.layers.map((l) => registry.fetchBlob$(reference, l)))),
 * ).subscribe();
 * ```
 */
export class Registry {
  /** The transport, auth and limiter. */
  readonly client: RegistryClient;

  constructor(options: RegistryClientOptions = {}) {
    this.client = new RegistryClient(options);
  }

  /** See {@link resolve$}. */
  resolve$(ref: string | ImageReference): Observable<Resolved> {
    return resolve$(this.client, ref);
  }

  /** See {@link resolveManifest$}. */
  resolveManifest$(ref: string | ImageReference, options?: ResolveManifestOptions): Observable<ResolvedManifest> {
    return resolveManifest$(this.client, ref, options);
  }

  /** See {@link fetchManifest$}. */
  fetchManifest$(ref: string | ImageReference, descriptor: Descriptor): Observable<FetchedManifest> {
    return fetchManifest$(this.client, ref, descriptor);
  }

  /** See {@link fetchBlob$}. */
  fetchBlob$(
    ref: string | ImageReference,
    descriptor: Pick<Descriptor, "digest"> & Partial<Descriptor>,
    options?: FetchBlobOptions,
  ): Observable<Buffer> {
    return fetchBlob$(this.client, ref, descriptor, options);
  }

  /** See {@link blobExists$}. */
  blobExists$(ref: string | ImageReference, digest: string): Observable<number | undefined> {
    return blobExists$(this.client, ref, digest);
  }

  /** See {@link pushBlob$}. */
  pushBlob$(
    ref: string | ImageReference,
    descriptor: Descriptor,
    content: Uint8Array | Observable<Uint8Array> | RangeSource,
    options?: PushBlobOptions,
  ): Observable<PushResult> {
    return pushBlob$(this.client, ref, descriptor, content, options);
  }

  /** See {@link pushManifest$}. */
  pushManifest$(ref: string | ImageReference, manifest: Uint8Array, mediaType: string): Observable<PushResult> {
    return pushManifest$(this.client, ref, manifest, mediaType);
  }

  /** See {@link tagManifest$}. */
  tagManifest$(ref: string | ImageReference, descriptor: Descriptor, tag: string): Observable<PushResult> {
    return tagManifest$(this.client, ref, descriptor, tag);
  }
}
