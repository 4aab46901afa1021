import { createHash, type Hash } from "node:crypto";
import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import { DataLossError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { digestError } from "./reference.js";

/** `sha256:<hex>` of `data`. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A fresh hash for `digest`'s algorithm (sha256, sha384 or sha512); InvalidArgumentError otherwise. */
export function hashFor(digest: string): Hash {
  const err = digestError(digest);
  if (err) throw err;
  const alg = digest.slice(0, digest.indexOf(":"));
  if (alg !== "sha256" && alg !== "sha384" && alg !== "sha512")
    throw new InvalidArgumentError(`unsupported digest algorithm ${alg}`);
  return createHash(alg);
}

/** Options of {@link verifyDigest}. */
export interface VerifyOptions {
  /** The expected total size; a different count is a DataLossError too. */
  readonly size?: number;
  /**
   * A hash already fed with the bytes before this stream (resuming at an offset), and how many
   * they were. Default: a fresh hash, 0 bytes.
   */
  readonly resume?: { readonly hash: Hash; readonly bytes: number };
}

/**
 * An operator that passes chunks through while hashing them, and errors with
 * {@link DataLossError} at completion when the digest (or `size`) does not match. The check is
 * streaming: nothing is buffered.
 *
 * @example
 * ```ts
 * fetchBlob$(client, repo, desc).pipe(verifyDigest(desc.digest, { size: desc.size }))
 * ```
 */
export function verifyDigest<T extends Uint8Array>(
  expected: string,
  options: VerifyOptions = {},
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((sub) => {
      let hash: Hash;
      try {
        hash = options.resume?.hash ?? hashFor(expected);
      } catch (e) {
        sub.error(e);
        return undefined;
      }
      let count = options.resume?.bytes ?? 0;
      return source.subscribe({
        next: (chunk) => {
          hash.update(chunk);
          count += chunk.byteLength;
          sub.next(chunk);
        },
        error: (e: unknown) => sub.error(e),
        complete: () => {
          if (options.size !== undefined && count !== options.size) {
            sub.error(new DataLossError(`size mismatch for ${expected}: got ${count} bytes, want ${options.size}`));
            return;
          }
          const got = `${expected.slice(0, expected.indexOf(":"))}:${hash.digest("hex")}`;
          if (got !== expected) sub.error(new DataLossError(`digest mismatch: got ${got}, want ${expected}`));
          else sub.complete();
        },
      });
    });
}
