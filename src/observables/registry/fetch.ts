import { EMPTY, Observable, defer, filter, map } from "rxjs";
import { InvalidArgumentError, OutOfRangeError } from "../../errors/containerd-error.js";
import { type VerifyOptions, verifyDigest } from "../oci/digest.js";
import { bodyChunks$, failWith$ } from "./http.js";
import type { Descriptor } from "../oci/media-types.js";
import { type ImageReference, digestError } from "../oci/reference.js";
import type { RegistryClient } from "./registry-client.js";
import { toReference } from "./resolve.js";

/** Options of {@link fetchBlob$}. */
export interface FetchBlobOptions {
  /**
   * Start at this byte (resuming a download): sends `Range: bytes=<offset>-`. A registry that
   * ignores the range (200 instead of 206) still works: the first `offset` bytes are skipped.
   */
  readonly offset?: number;
  /**
   * Verify the digest and size at the end (DataLossError on mismatch). Default: true when
   * `offset` is 0. For a resumed download pass `resume` (a hash fed with the first `offset` bytes)
   * to verify the whole blob.
   */
  readonly verify?: boolean;
  /** See {@link VerifyOptions.resume}. */
  readonly resume?: VerifyOptions["resume"];
  /**
   * Backpressure: after each chunk the body is read on only once the promise `pace()` returns
   * settles (e.g. the consumer's pending write). Default: read as fast as the network delivers.
   */
  readonly pace?: () => Promise<unknown>;
}

/**
 * Downloads a blob (GET `blobs/<digest>`, redirects to storage followed) as a cold
 * `Observable<Buffer>` of chunks. Unsubscribing aborts the HTTP request. Runs through the
 * client's concurrency limiter.
 *
 * @example
 * ```ts
 * const out = createWriteStream("layer.tgz");
 * fetchBlob$(client, "localhost:5000/busybox", layer).subscribe({ next: (b) => out.write(b), complete: () => out.end() });
 * ```
 */
export function fetchBlob$(
  client: RegistryClient,
  ref: string | ImageReference,
  descriptor: Pick<Descriptor, "digest"> & Partial<Pick<Descriptor, "size" | "mediaType">>,
  options: FetchBlobOptions = {},
): Observable<Buffer> {
  return defer(() => {
    const reference = toReference(ref);
    const err = digestError(descriptor.digest);
    if (err) throw err;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`invalid offset ${offset}`);
    if (descriptor.size !== undefined && offset > descriptor.size)
      throw new OutOfRangeError(`offset ${offset} is past the end of ${descriptor.digest} (${descriptor.size} bytes)`);
    const headers: Record<string, string> = { accept: descriptor.mediaType ? `${descriptor.mediaType}, */*` : "*/*" };
    if (offset > 0) headers["range"] = `bytes=${offset}-`;
    const req = {
      domain: reference.domain,
      repository: reference.path,
      method: "GET",
      path: `blobs/${descriptor.digest}`,
      headers,
    };
    // Nothing left to download (a registry would answer 416): no request at all.
    const body$ =
      descriptor.size !== undefined && offset === descriptor.size && offset > 0
        ? EMPTY
        : client.request$(req, (res, url) => {
            if (!res.ok) return failWith$<Buffer>({ method: "GET", url }, res);
            const chunks$ = bodyChunks$(res, options.pace);
            return offset > 0 && res.status !== 206 ? chunks$.pipe(skipBytes(offset)) : chunks$;
          });
    const verify = options.verify ?? (offset === 0 || options.resume !== undefined);
    if (verify && offset > 0 && options.resume === undefined) {
      throw new InvalidArgumentError(
        "verifying a download resumed at an offset needs `resume` (the hash of the bytes before it)",
      );
    }
    const verified$ = verify
      ? body$.pipe(
          verifyDigest(descriptor.digest, {
            ...(descriptor.size === undefined ? {} : { size: descriptor.size }),
            ...(options.resume ? { resume: options.resume } : {}),
          }),
        )
      : body$;
    return client.limiter.run(verified$);
  });
}

/** Drops the first `n` bytes of a chunk stream. */
function skipBytes(n: number): (source: Observable<Buffer>) => Observable<Buffer> {
  return (source) =>
    defer(() => {
      let left = n;
      return source.pipe(
        map((chunk) => {
          if (left === 0) return chunk;
          const drop = Math.min(left, chunk.length);
          left -= drop;
          return chunk.subarray(drop);
        }),
        filter((chunk) => chunk.length > 0),
      );
    });
}
