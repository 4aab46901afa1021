import type { Readable } from "node:stream";
import { concatMap, defer, isObservable, map, Observable, toArray } from "rxjs";
import { ContainerdError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isDataLoss } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import { validated } from "../rx/validated.js";
import { checkLabels } from "../client/labels.js";
import { checkExpected, openBlobWriter, type WrittenBlob } from "./blob-writer.js";
import { asyncChunks } from "../rx/chunks.js";
import { sha256DigestError } from "../oci/oci.js";
import { filterList } from "../events/filters.js";

/** A committed blob's metadata (`Content.Info`). */
export interface ContentInfo {
  readonly digest: string;
  readonly size: number;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  readonly labels: Readonly<Record<string, string>>;
}

/** An ingest in progress or interrupted (`Content.Status`): resumable from `offset`. */
export interface ContentStatus {
  readonly ref: string;
  readonly offset: number;
  readonly total: number;
  readonly expected: string;
  readonly startedAt?: Date;
  readonly updatedAt?: Date;
}

/** Options of {@link ContentStore.write$}. */
export interface ContentWriteOptions extends CallOptions {
  /** The blob's digest (`sha256:…`) and size: verified locally before Commit, and by the daemon. */
  readonly expected: { readonly digest: string; readonly size: number };
  /** Labels set at commit, e.g. `containerd.io/gc.ref.content.*` or `containerd.io/uncompressed`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of {@link ContentStore.read$}. */
export interface ContentReadOptions extends CallOptions {
  /** First byte to read. Default 0. */
  readonly offset?: number;
  /** Bytes to read. Default: to the end. */
  readonly size?: number;
}

const checkRef = (r: string) =>
  typeof r === "string" && r !== "" ? undefined : new InvalidArgumentError("content ref must not be empty");

type RawInfo = {
  digest: string;
  size: { toNumber(): number };
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
  labels: { [k: string]: string };
};
function toInfo(i: RawInfo | undefined): ContentInfo {
  return {
    digest: i?.digest ?? "",
    size: i?.size.toNumber() ?? 0,
    ...(i?.createdAt ? { createdAt: i.createdAt } : {}),
    ...(i?.updatedAt ? { updatedAt: i.updatedAt } : {}),
    labels: { ...(i?.labels ?? {}) },
  };
}

/**
 * The content store of the client's namespace (`client.content`): immutable blobs addressed by
 * digest. Every method is cold (the RPC fires on subscribe; unsubscribing cancels it); digests
 * and refs are validated first (InvalidArgumentError, no RPC). Content nothing references (an
 * image, a label, a lease) is garbage-collected: write under a lease (`CallOptions.lease`).
 *
 * @example
 * ```ts
 * client.content.info$("sha256:…").subscribe((i) => console.log(i.size, i.labels));
 * ```
 */
export class ContentStore {
  /** @internal */
  constructor(
    private readonly services: Services,
    private readonly namespace: string,
  ) {}

  private call(options?: CallOptions): CallOptions {
    return { ...options, namespace: this.namespace };
  }

  /** Content.Info; emits the blob's metadata. NotFoundError if absent. */
  info$(digest: string, options?: CallOptions): Observable<ContentInfo> {
    return validated(
      () => sha256DigestError(digest),
      () => this.services.content.info$({ digest }, this.call(options)).pipe(map((r) => toInfo(r.info))),
    );
  }

  /** Content.List with filters (ORed), e.g. `labels."containerd.io/uncompressed"`; emits one array. */
  list$(filters: string | readonly string[] = [], options?: CallOptions): Observable<ContentInfo[]> {
    return this.services.content.list$({ filters: filterList(filters) }, this.call(options)).pipe(
      concatMap((r) => r.info.map(toInfo)),
      toArray(),
    );
  }

  /**
   * Content.Read; emits the blob's bytes as Buffer chunks (as the daemon sends them, ≤ 1 MiB),
   * then completes. NotFoundError if absent; OutOfRangeError-like errors from the daemon for a
   * bad range. Unsubscribing cancels the stream.
   */
  read$(digest: string, options: ContentReadOptions = {}): Observable<Buffer> {
    const { offset, size, ...call } = options;
    return validated(
      () =>
        sha256DigestError(digest) ??
        checkExpected({ ...(offset !== undefined ? { size: offset } : {}) }) ??
        checkExpected({ ...(size !== undefined ? { size } : {}) }),
      () =>
        this.services.content
          .read$({ digest, offset: offset ?? 0, size: size ?? 0 }, this.call(call))
          .pipe(map((r) => r.data)),
    );
  }

  /**
   * Writes a blob through the Content.Write stream: Stat first — if `expected.digest` is already
   * stored, completes at once (`existed: true`); if an earlier write with the same `ref` was
   * interrupted, resumes at the daemon's offset (the source is still read from its start, and
   * the skipped bytes hashed and checked against what the daemon holds) — then writes in ≤ 1 MiB
   * messages (at most 4 in flight) and commits with the expected digest and size. Emits
   * `{ digest, size, existed }` once. Errors: InvalidArgumentError for a bad ref or descriptor
   * (no RPC); DataLossError when the data's digest or size differ from `expected` (the ingest is
   * then aborted). If the source errors or you unsubscribe, the stream is cancelled and the
   * partial ingest is kept for a later resume (`status$(ref)`; `abort$(ref)` discards it).
   * A `Readable` source is consumed with backpressure and destroyed when the write ends,
   * however it ends: also when the blob is already stored (nothing read) or on unsubscribe. An
   * Observable source is buffered as fast as it emits, and unsubscribed when the write ends. If
   * another writer holds `ref` (containerd's "ref … locked"), the write waits for it, like Go's
   * `content.OpenWriter`, until it is done or you unsubscribe.
   *
   * @example
   * ```ts
   * const data = Buffer.from("hello");
   * const expected = { digest: `sha256:${createHash("sha256").update(data).digest("hex")}`, size: data.length };
   * client.content.write$("greeting", of(data), { expected, labels: { app: "demo" }, lease: leaseId })
   *   .subscribe((b) => console.log(b.digest, b.existed));
   * ```
   */
  write$(
    ref: string,
    source: Observable<Uint8Array> | Readable,
    options: ContentWriteOptions,
  ): Observable<WrittenBlob> {
    const { expected, labels, ...call } = options ?? ({} as Partial<ContentWriteOptions>);
    return validated(
      () =>
        checkRef(ref) ??
        (expected
          ? (sha256DigestError(expected.digest) ?? checkExpected(expected))
          : new InvalidArgumentError("write$ needs expected { digest, size }")),
      () =>
        defer(() => {
          const ac = new AbortController();
          // Whatever ends the write (done, blob already stored, error, unsubscribe), a Readable
          // source is destroyed — its file or socket closed — even if it was never read.
          const release = (): void => {
            ac.abort();
            if (!isObservable(source) && !source.destroyed) source.destroy();
          };
          return new Observable<WrittenBlob>((subscriber) => {
            const chunks = asyncChunks(source, ac.signal);
            void (async () => {
              const w = await openBlobWriter(this.services, ref, expected, this.call(call), { signal: ac.signal });
              if (w === "exists") {
                ac.abort();
                return { digest: expected.digest, size: expected.size, existed: true };
              }
              try {
                for await (const chunk of chunks) await w.write(chunk);
                return await w.commit(labels);
              } catch (e) {
                if (ac.signal.aborted) w.close();
                else if (isDataLoss(e)) await w.abort();
                else w.close();
                throw e;
              }
            })()
              .finally(release) // releases the source whatever happened (a Readable, or an eager Observable subscription)
              .then(
                (r) => {
                  subscriber.next(r);
                  subscriber.complete();
                },
                (e: unknown) => subscriber.error(ContainerdError.from(e)),
              );
            return release;
          });
        }),
    );
  }

  /** Content.Delete; emits `undefined`. NotFoundError if absent. */
  delete$(digest: string, options?: CallOptions): Observable<void> {
    return validated(
      () => sha256DigestError(digest),
      () => this.services.content.delete$({ digest }, this.call(options)).pipe(map(() => undefined)),
    );
  }

  /** Content.Abort: discards the ingest `ref`; emits `undefined`. NotFoundError if there is none. */
  abort$(ref: string, options?: CallOptions): Observable<void> {
    return validated(
      () => checkRef(ref),
      () => this.services.content.abort$({ ref }, this.call(options)).pipe(map(() => undefined)),
    );
  }

  /** Content.Status of an ingest (offset = bytes the daemon holds). NotFoundError if there is none. */
  status$(ref: string, options?: CallOptions): Observable<ContentStatus> {
    return validated(
      () => checkRef(ref),
      () =>
        this.services.content.status$({ ref }, this.call(options)).pipe(
          map((r) => {
            const s = r.status;
            return {
              ref: s?.ref ?? ref,
              offset: s?.offset.toNumber() ?? 0,
              total: s?.total.toNumber() ?? 0,
              expected: s?.expected ?? "",
              ...(s?.startedAt ? { startedAt: s.startedAt } : {}),
              ...(s?.updatedAt ? { updatedAt: s.updatedAt } : {}),
            };
          }),
        ),
    );
  }

  /** Content.ListStatuses: ingests whose ref matches the filters (ORed); emits one array. */
  statuses$(filters: string | readonly string[] = [], options?: CallOptions): Observable<ContentStatus[]> {
    return this.services.content.listStatuses$({ filters: filterList(filters) }, this.call(options)).pipe(
      map((r) =>
        r.statuses.map((s) => ({
          ref: s.ref,
          offset: s.offset.toNumber(),
          total: s.total.toNumber(),
          expected: s.expected,
          ...(s.startedAt ? { startedAt: s.startedAt } : {}),
          ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
        })),
      ),
    );
  }

  /**
   * Content.Update of labels: sets the given labels, leaving the others (field mask
   * `labels.<key>`); an empty value removes one. Emits the blob's metadata afterwards.
   * NotFoundError if absent.
   */
  update$(digest: string, labels: Readonly<Record<string, string>>, options?: CallOptions): Observable<ContentInfo> {
    if (typeof labels !== "object" || labels === null)
      return validated(
        () => new InvalidArgumentError("labels must be an object"),
        () => this.info$(digest),
      );
    const set = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ""));
    // An empty mask would mean "replace every label": an empty update is just a read.
    if (Object.keys(labels).length === 0) return this.info$(digest, options);
    return validated(
      () => sha256DigestError(digest) ?? checkLabels("content labels", labels),
      () =>
        this.services.content
          .update$(
            {
              info: { digest, labels: set },
              updateMask: Object.keys(labels).map((k) => `labels.${k}`),
            },
            this.call(options),
          )
          .pipe(map((r) => toInfo(r.info))),
    );
  }
}
