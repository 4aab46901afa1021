import { Observable, type Subscription, concatMap, defer, from, last, map, of, switchMap, throwError } from "rxjs";
import { DataLossError, InvalidArgumentError, UnknownError } from "../../errors/containerd-error.js";
import { sha256Digest } from "../oci/digest.js";
import { failWith$, mustParseUrl } from "./http.js";
import { type Descriptor, MAX_MANIFEST_SIZE } from "../oci/media-types.js";
import { type ImageReference, digestError } from "../oci/reference.js";
import type { RegistryClient } from "./registry-client.js";
import { digestOf, fetchManifest$, toReference } from "./resolve.js";

/** The outcome of a blob or manifest push. */
export interface PushResult {
  readonly descriptor: Descriptor;
  /** The registry had the blob already (HEAD said so); nothing was uploaded. */
  readonly existed: boolean;
}

/**
 * Blob content read on demand: `read(offset, length)` emits the bytes of that range (in any
 * number of chunks) and completes. {@link pushBlob$} asks for the next range only when the
 * request body has been sent on, so at most one range is in memory per upload whatever the
 * registry's speed (`images.push$` reads the content store this way).
 */
export interface RangeSource {
  /** Emits bytes `[offset, offset + length)` and completes; unsubscribing stops the read. */
  read(offset: number, length: number): Observable<Uint8Array>;
  /** Bytes per range. Default 1 MiB. */
  readonly rangeSize?: number;
}

/** Options of {@link pushBlob$}. */
export interface PushBlobOptions {
  /** Upload a buffer in PATCH chunks of this many bytes instead of one monolithic PUT. */
  readonly chunkSize?: number;
}

/**
 * HEAD `blobs/<digest>`: emits the blob's size if the repository has it, undefined if not.
 *
 * @example
 * ```ts
 * blobExists$(client, "localhost:5000/app", digest).subscribe((size) => console.log(size !== undefined));
 * ```
 */
export function blobExists$(
  client: RegistryClient,
  ref: string | ImageReference,
  digest: string,
  options: { push?: boolean } = {},
): Observable<number | undefined> {
  return defer(() => {
    const reference = toReference(ref);
    const err = digestError(digest);
    if (err) throw err;
    const req = {
      domain: reference.domain,
      repository: reference.path,
      method: "HEAD",
      path: `blobs/${digest}`,
      push: options.push === true,
    };
    return client.request$(req, (res, url) => {
      if (res.status === 404) return of(undefined);
      if (!res.ok) return failWith$<number | undefined>({ method: "HEAD", url }, res);
      const len = res.headers.get("content-length");
      return of(len === null ? -1 : Number(len));
    });
  });
}

/** Appends `digest=<d>` to an upload location. */
function withDigest(location: string, digest: string): string {
  const u = mustParseUrl(location, undefined, "upload location");
  u.searchParams.set("digest", digest);
  return u.toString();
}

function locationOf(res: Response, url: string): string {
  const loc = res.headers.get("location");
  if (!loc)
    throw new UnknownError(
      `upload to ${mustParseUrl(url, undefined, "upload URL").origin} answered ${res.status} without a Location`,
    );
  return mustParseUrl(loc, url, "upload Location").toString();
}

/**
 * Pushes one blob like containerd's pusher: HEAD first (an existing blob is not uploaded again:
 * `existed: true`); otherwise POST `blobs/uploads/`, then either one PUT `?digest=` with the whole
 * content (monolithic; `content` may be a buffer, a {@link RangeSource} read as the request
 * body is sent, with backpressure, or an Observable of chunks, streamed but buffered as fast as
 * it emits since an Observable cannot be paused) or, with `chunkSize`, PATCH chunks of a buffer
 * with `Content-Range` followed by the closing PUT. A buffer that does not match the descriptor's
 * size or digest (sha256, sha384, sha512) is an InvalidArgumentError before any request; a
 * registry that reports another digest is a DataLossError.
 *
 * @example
 * ```ts
 * pushBlob$(client, "localhost:5000/app", { mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, digest: sha256Digest(buf), size: buf.length }, buf).subscribe();
 * ```
 */
export function pushBlob$(
  client: RegistryClient,
  ref: string | ImageReference,
  descriptor: Descriptor,
  content: Uint8Array | Observable<Uint8Array> | RangeSource,
  options: PushBlobOptions = {},
): Observable<PushResult> {
  return defer(() => {
    const reference = toReference(ref);
    const err = digestError(descriptor.digest);
    if (err) throw err;
    if (content instanceof Uint8Array) {
      if (content.byteLength !== descriptor.size)
        throw new InvalidArgumentError(`content is ${content.byteLength} bytes, descriptor says ${descriptor.size}`);
      if (digestOf(descriptor.digest, content) !== descriptor.digest)
        throw new InvalidArgumentError(`content does not match ${descriptor.digest}`);
    }
    const base = { domain: reference.domain, repository: reference.path, push: true };
    const upload$ = blobExists$(client, reference, descriptor.digest, { push: true }).pipe(
      switchMap((size) => {
        if (size !== undefined) return of({ descriptor, existed: true });
        return client
          .request$(
            { ...base, method: "POST", path: "blobs/uploads/", headers: { "content-length": "0" } },
            (res, url) => {
              if (res.status !== 202) return failWith$<string>({ method: "POST", url }, res);
              return of(locationOf(res, url));
            },
          )
          .pipe(
            switchMap((location) => {
              const chunk = options.chunkSize;
              if (chunk !== undefined && content instanceof Uint8Array)
                return patchChunks$(client, base, location, content, chunk);
              return of(location);
            }),
            switchMap((location) => {
              const finalChunked = options.chunkSize !== undefined && content instanceof Uint8Array;
              const body = finalChunked
                ? undefined
                : content instanceof Uint8Array
                  ? content
                  : isRangeSource(content)
                    ? () => rangeStream(content, descriptor.size)
                    : () => toStream(content);
              const headers: Record<string, string> = { "content-type": "application/octet-stream" };
              if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
              if (finalChunked) headers["content-length"] = "0";
              const put = {
                ...base,
                method: "PUT",
                path: withDigest(location, descriptor.digest),
                headers,
                ...(body === undefined ? {} : { body }),
              };
              return client.request$(put, (res, url) => {
                if (res.status !== 201 && res.status !== 204) return failWith$<PushResult>({ method: "PUT", url }, res);
                const got = res.headers.get("docker-content-digest");
                if (got && got !== descriptor.digest)
                  return throwError(() => new DataLossError(`registry stored ${got}, want ${descriptor.digest}`));
                return of({ descriptor, existed: false });
              });
            }),
          );
      }),
    );
    return client.limiter.run(upload$);
  });
}

function patchChunks$(
  client: RegistryClient,
  base: { domain: string; repository: string; push: boolean },
  location: string,
  content: Uint8Array,
  chunkSize: number,
): Observable<string> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    return throwError(() => new InvalidArgumentError(`invalid chunkSize ${chunkSize}`));
  const starts: number[] = [];
  for (let s = 0; s < content.byteLength; s += chunkSize) starts.push(s);
  let loc = location;
  return from(starts).pipe(
    concatMap((start) => {
      const body = content.subarray(start, Math.min(start + chunkSize, content.byteLength));
      const headers = {
        "content-type": "application/octet-stream",
        "content-range": `${start}-${start + body.byteLength - 1}`,
        "content-length": String(body.byteLength),
      };
      return client.request$({ ...base, method: "PATCH", path: loc, headers, body }, (res, url) => {
        if (res.status !== 202 && res.status !== 204) return failWith$<string>({ method: "PATCH", url }, res);
        loc = locationOf(res, url);
        return of(loc);
      });
    }),
    last(undefined, location),
  );
}

function isRangeSource(c: Observable<Uint8Array> | RangeSource): c is RangeSource {
  return typeof (c as Partial<RangeSource>).read === "function" && !(c instanceof Observable);
}

/**
 * A web ReadableStream of an Observable's chunks (subscribed when the request body is read).
 * An Observable cannot be paused: its chunks are queued as they come.
 */
function toStream(source: Observable<Uint8Array>): ReadableStream<Uint8Array> {
  let sub: Subscription | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      sub = source.subscribe({
        next: (c) => controller.enqueue(c),
        error: (e: unknown) => controller.error(e),
        complete: () => controller.close(),
      });
    },
    cancel() {
      sub?.unsubscribe();
    },
  });
}

/**
 * A pull-based web ReadableStream of `size` bytes from `source`: `pull()` (called by the
 * consumer only when its queue wants more) reads the next range, so nothing is read ahead of the
 * socket. Cancelling stops the range being read.
 */
function rangeStream(source: RangeSource, size: number): ReadableStream<Uint8Array> {
  const rangeSize = source.rangeSize ?? 1 << 20;
  let offset = 0;
  let sub: Subscription | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= size) {
          controller.close();
          return undefined;
        }
        const length = Math.min(rangeSize, size - offset);
        return new Promise<void>((resolve, reject) => {
          let got = 0;
          sub = source.read(offset, length).subscribe({
            next: (c) => {
              got += c.byteLength;
              controller.enqueue(c);
            },
            error: (e: unknown) => reject(e),
            complete: () => {
              if (got === 0) reject(new DataLossError(`content ended at ${offset} of ${size} bytes`));
              offset += got;
              resolve();
            },
          });
        });
      },
      cancel() {
        sub?.unsubscribe();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Pushes a manifest or index: PUT `manifests/<tag>` (the reference's tag, which tags it) or
 * `manifests/<digest>` when the reference has only a digest, with `Content-Type: mediaType`.
 * Push the blobs (and child manifests) first; the registry refuses a manifest whose blobs it lacks.
 *
 * @example
 * ```ts
 * pushManifest$(client, "localhost:5000/app:v1", bytes, "application/vnd.oci.image.manifest.v1+json").subscribe();
 * ```
 */
export function pushManifest$(
  client: RegistryClient,
  ref: string | ImageReference,
  manifest: Uint8Array,
  mediaType: string,
): Observable<PushResult> {
  return defer(() => {
    const reference = toReference(ref);
    if (manifest.byteLength > MAX_MANIFEST_SIZE)
      throw new InvalidArgumentError(`manifest of ${manifest.byteLength} bytes is over ${MAX_MANIFEST_SIZE}`);
    if (!mediaType) throw new InvalidArgumentError("manifest media type is required");
    const digest = reference.digest ? digestOf(reference.digest, manifest) : sha256Digest(manifest);
    if (reference.digest && reference.digest !== digest)
      throw new InvalidArgumentError(`manifest is ${digest}, reference says ${reference.digest}`);
    const descriptor: Descriptor = { mediaType, digest, size: manifest.byteLength };
    const object = reference.tag ?? digest;
    const req = {
      domain: reference.domain,
      repository: reference.path,
      push: true,
      method: "PUT",
      path: `manifests/${object}`,
      headers: { "content-type": mediaType, "content-length": String(manifest.byteLength) },
      body: manifest,
    };
    return client.request$(req, (res, url) => {
      if (res.status !== 201 && res.status !== 200 && res.status !== 204)
        return failWith$<PushResult>({ method: "PUT", url }, res);
      const got = res.headers.get("docker-content-digest");
      if (got && got !== digest)
        return throwError(() => new DataLossError(`registry stored manifest ${got}, want ${digest}`));
      return of({ descriptor, existed: false });
    });
  }).pipe(map((r) => r));
}

/**
 * Tags an existing manifest: fetches it by digest and PUTs it under `tag` with its media type.
 *
 * @example
 * ```ts
 * tagManifest$(client, "localhost:5000/app", descriptor, "stable").subscribe();
 * ```
 */
export function tagManifest$(
  client: RegistryClient,
  ref: string | ImageReference,
  descriptor: Descriptor,
  tag: string,
): Observable<PushResult> {
  return defer(() => {
    const reference = toReference(ref);
    const target = toReference(`${reference.name}:${tag}`);
    // The same bounded, verified read as a pull's (size and digest checked), then the PUT by tag.
    return fetchManifest$(client, reference, descriptor).pipe(
      switchMap(({ bytes }) => pushManifest$(client, target, bytes, descriptor.mediaType)),
    );
  });
}
