import { Observable, catchError, concatMap, defer, map, of, switchMap, throwError } from "rxjs";
import {
  DataLossError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
} from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import { hashFor, sha256Digest } from "../oci/digest.js";
import { failWith$, readBody$ } from "./http.js";
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_SIZE,
  isIndexMediaType,
  isManifestMediaType,
} from "../oci/media-types.js";
import { DEFAULT_PLATFORM, formatPlatform, parsePlatform, selectManifest } from "../oci/platforms.js";
import { type ImageReference, digestError, parseReference } from "../oci/reference.js";
import type { RegistryClient } from "./registry-client.js";

/** What {@link resolve$} found: the normalized reference and its root descriptor. */
export interface Resolved {
  readonly reference: ImageReference;
  readonly descriptor: Descriptor;
}

/** A fetched manifest or index: its verified bytes and parsed JSON. */
export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly json: ImageIndex | ImageManifest;
}

/** The reference as parsed, or parsed now (InvalidArgumentError in the error channel). */
export function toReference(ref: string | ImageReference): ImageReference {
  return typeof ref === "string" ? parseReference(ref) : ref;
}

function mediaTypeOf(res: Response): string {
  return (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
}

/**
 * Resolves a reference to its root descriptor like containerd's docker resolver: HEAD
 * `manifests/<tag|digest>` with content negotiation (OCI index and manifest, Docker manifest list
 * and v2), trusting `Docker-Content-Digest` only for tags, and falling back to a GET that hashes
 * the body when a header is missing. A digest reference not found as a manifest is tried as a
 * blob. Errors: NotFoundError, UnauthenticatedError, PermissionDeniedError, UnavailableError, …
 *
 * @example
 * ```ts
 * resolve$(client, "localhost:5000/busybox:latest").subscribe(({ descriptor }) => console.log(descriptor.digest));
 * ```
 */
export function resolve$(client: RegistryClient, ref: string | ImageReference): Observable<Resolved> {
  return defer(() => {
    const reference = toReference(ref);
    const object = reference.digest ?? reference.tag ?? "latest";
    const paths = reference.digest
      ? [`manifests/${reference.digest}`, `blobs/${reference.digest}`]
      : [`manifests/${object}`];
    const tryPath = (i: number): Observable<Descriptor> =>
      resolvePath$(client, reference, paths[i] ?? "").pipe(
        catchError((e: unknown) => (isNotFound(e) && i + 1 < paths.length ? tryPath(i + 1) : throwError(() => e))),
      );
    return tryPath(0).pipe(map((descriptor) => ({ reference, descriptor })));
  });
}

function resolvePath$(client: RegistryClient, reference: ImageReference, path: string): Observable<Descriptor> {
  const base = { domain: reference.domain, repository: reference.path, path, headers: { accept: MANIFEST_ACCEPT } };
  return client.request$({ ...base, method: "HEAD" }, (res, url) => {
    if (!res.ok) return failWith$<Descriptor>({ method: "HEAD", url }, res);
    const lengthHeader = res.headers.get("content-length");
    const size = lengthHeader === null ? -1 : Number(lengthHeader);
    const header = res.headers.get("docker-content-digest") ?? "";
    const digest = reference.digest ?? (header !== "" && size >= 0 ? header : undefined);
    if (digest !== undefined && reference.digest === undefined && digestError(digest)) {
      return throwError(
        () => new InvalidArgumentError(`${JSON.stringify(digest)} in Docker-Content-Digest is not a valid digest`),
      );
    }
    if (size > MAX_MANIFEST_SIZE)
      return throwError(() => new ResourceExhaustedError(`rejecting ${size} byte manifest for ${reference.string}`));
    const mediaType = mediaTypeOf(res);
    if (digest !== undefined && size >= 0 && mediaType !== "") return of({ mediaType, digest, size });
    // Missing headers: GET and hash, reading at most MAX_MANIFEST_SIZE bytes.
    const tooBig = (n: number) =>
      new ResourceExhaustedError(
        `rejecting manifest for ${reference.string}: more than ${MAX_MANIFEST_SIZE} bytes (${n})`,
      );
    return client.request$({ ...base, method: "GET" }, (got, gotUrl) =>
      (got.ok
        ? readBody$(got, MAX_MANIFEST_SIZE, tooBig)
        : failWith$<Buffer>({ method: "GET", url: gotUrl }, got)
      ).pipe(
        map((bytes) => {
          const computed = reference.digest ? digestOf(reference.digest, bytes) : sha256Digest(bytes);
          if (reference.digest && computed !== reference.digest) {
            throw new DataLossError(`digest mismatch for ${reference.string}: got ${computed}`);
          }
          return {
            mediaType: mediaTypeOf(got) || jsonMediaType(bytes),
            digest: reference.digest ?? computed,
            size: bytes.length,
          };
        }),
      ),
    );
  });
}

/** `bytes`' digest in the algorithm of `like` (sha256, sha384 or sha512; InvalidArgumentError otherwise). */
export function digestOf(like: string, bytes: Uint8Array): string {
  return `${like.slice(0, like.indexOf(":"))}:${hashFor(like).update(bytes).digest("hex")}`;
}

function jsonMediaType(bytes: Buffer): string {
  try {
    const v = JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown; manifests?: unknown };
    if (typeof v.mediaType === "string") return v.mediaType;
    return Array.isArray(v.manifests)
      ? "application/vnd.oci.image.index.v1+json"
      : "application/vnd.oci.image.manifest.v1+json";
  } catch {
    return "application/octet-stream";
  }
}

/**
 * Fetches the manifest or index `descriptor` points at (GET `manifests/<digest>`), verifies its
 * digest (sha256, sha384 or sha512) and size (DataLossError) and parses it. The body is read
 * incrementally and abandoned as soon as it grows past the descriptor's size (DataLossError);
 * a descriptor over 4 MiB is a ResourceExhaustedError and an unsupported digest algorithm an
 * InvalidArgumentError, both before any request.
 *
 * @example
 * ```ts
 * fetchManifest$(client, ref, descriptor).subscribe(({ json }) => console.log(json.mediaType));
 * ```
 */
export function fetchManifest$(
  client: RegistryClient,
  ref: string | ImageReference,
  descriptor: Descriptor,
): Observable<FetchedManifest> {
  return defer(() => {
    const reference = toReference(ref);
    const bad = digestError(descriptor.digest);
    if (bad) throw bad;
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0)
      throw new InvalidArgumentError(`invalid size ${descriptor.size} for manifest ${descriptor.digest}`);
    if (descriptor.size > MAX_MANIFEST_SIZE)
      throw new ResourceExhaustedError(`rejecting ${descriptor.size} byte manifest ${descriptor.digest}`);
    const accept = descriptor.mediaType ? `${descriptor.mediaType}, ${MANIFEST_ACCEPT}` : MANIFEST_ACCEPT;
    const req = {
      domain: reference.domain,
      repository: reference.path,
      method: "GET",
      path: `manifests/${descriptor.digest}`,
      headers: { accept },
    };
    const tooBig = (n: number) =>
      new DataLossError(`size mismatch for ${descriptor.digest}: got more than ${descriptor.size} bytes (${n})`);
    return client
      .request$(req, (res, url) =>
        res.ok ? readBody$(res, descriptor.size, tooBig) : failWith$<Buffer>({ method: "GET", url }, res),
      )
      .pipe(
        map((bytes) => {
          if (bytes.length !== descriptor.size)
            throw new DataLossError(
              `size mismatch for ${descriptor.digest}: got ${bytes.length}, want ${descriptor.size}`,
            );
          const got = digestOf(descriptor.digest, bytes);
          if (got !== descriptor.digest)
            throw new DataLossError(`digest mismatch: got ${got}, want ${descriptor.digest}`);
          let json: ImageIndex | ImageManifest;
          try {
            json = JSON.parse(bytes.toString("utf8")) as ImageIndex | ImageManifest;
          } catch (e) {
            throw new DataLossError(`manifest ${descriptor.digest} is not JSON`, { cause: e });
          }
          return { descriptor, bytes, json };
        }),
      );
  });
}

/** Options of {@link resolveManifest$}. */
export interface ResolveManifestOptions {
  /** The platform to pick from an index: a platform object or `os/arch[/variant]`. Default: the host platform (`hostPlatform()`). */
  readonly platform?: Platform | string;
}

/** What {@link resolveManifest$} found. */
export interface ResolvedManifest {
  readonly reference: ImageReference;
  /** The root descriptor (an index, or the manifest itself). */
  readonly root: Descriptor;
  /** The image manifest for the platform. */
  readonly manifest: FetchedManifest & { readonly json: ImageManifest };
  /** The index the manifest was chosen from, if the root is one. */
  readonly index?: FetchedManifest & { readonly json: ImageIndex };
}

/**
 * Resolves `ref` and, if it names an index or manifest list, picks the manifest for `platform`
 * (containerd's `platforms.Only` matching: exact first, then compatible variants) and fetches it.
 * No match is a NotFoundError.
 *
 * @example
 * ```ts
 * resolveManifest$(client, "localhost:5000/app:1", { platform: "linux/arm/v7" })
 *   .subscribe(({ manifest }) => console.log(manifest.json.layers.length));
 * ```
 */
export function resolveManifest$(
  client: RegistryClient,
  ref: string | ImageReference,
  options: ResolveManifestOptions = {},
): Observable<ResolvedManifest> {
  return defer(() => {
    const platform =
      typeof options.platform === "string" ? parsePlatform(options.platform) : (options.platform ?? DEFAULT_PLATFORM);
    return resolve$(client, ref).pipe(
      switchMap(({ reference, descriptor }) =>
        fetchManifest$(client, reference, descriptor).pipe(map((root) => ({ reference, root }))),
      ),
      concatMap(({ reference, root }): Observable<ResolvedManifest> => {
        const mediaType = root.descriptor.mediaType || (root.json.mediaType ?? "");
        if (
          isIndexMediaType(mediaType) ||
          (Array.isArray((root.json as ImageIndex).manifests) && !isManifestMediaType(mediaType))
        ) {
          const index = root as FetchedManifest & { json: ImageIndex };
          const chosen = selectManifest(index.json.manifests, platform);
          if (!chosen) {
            const have = index.json.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : "?")).join(", ");
            return throwError(
              () =>
                new NotFoundError(
                  `no manifest for platform ${formatPlatform(platform)} in ${reference.string} (has ${have})`,
                ),
            );
          }
          return fetchManifest$(client, reference, chosen).pipe(
            map((m) => ({
              reference,
              root: root.descriptor,
              index,
              manifest: m as FetchedManifest & { json: ImageManifest },
            })),
          );
        }
        return of({ reference, root: root.descriptor, manifest: root as FetchedManifest & { json: ImageManifest } });
      }),
    );
  });
}
