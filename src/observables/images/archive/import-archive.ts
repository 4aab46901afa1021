import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Observable } from "rxjs";
import type { CallOptions } from "../../../services/call-options.js";
import { CanceledError, InvalidArgumentError } from "../../../errors/containerd-error.js";
import { TarStream, type TarHeader } from "../../tar/tar-stream.js";
import type { Tx } from "../../rx/transaction.js";
import type { ArchiveContents } from "./archive-types.js";
import { openArchive } from "./archive-source.js";
import { openBlobWriter, type BlobWriter } from "../../content/blob-writer.js";
import type { ImageProgress } from "../image.js";
import { registerImages, type ImportOptions } from "./import-index.js";
import { progressTransaction$ } from "../../rx/progress-transaction.js";
import { longCall, type StoreContext } from "../../content/store-context.js";
import { temporaryLease } from "../../content/temporary-lease.js";

export type { ImportOptions } from "./import-index.js";

const SMALL_FILES = new Set(["oci-layout", "index.json", "manifest.json", "repositories"]);
const MAX_SMALL = 20 << 20;
const PROGRESS_EVERY = 8 << 20;
const BLOB_NAME = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** Reads the tar once, streaming every blob into the content store. @internal */
async function ingest(
  tx: Tx,
  ctx: StoreContext,
  source: Readable | string,
  call: CallOptions,
  emit: (p: ImageProgress) => void,
): Promise<ArchiveContents> {
  const lease = call.lease ?? "";
  const contents: ArchiveContents = { small: new Map(), blobs: new Map(), links: new Map() };
  const archive = await openArchive(source);
  const tar = new TarStream();
  let current:
    | {
        header: TarHeader;
        path: string;
        writer?: BlobWriter;
        small?: Buffer[];
        bytes: number;
        next: number;
        head: Buffer[];
      }
    | undefined;
  tx.onFinally(async () => {
    archive.close();
    if (current?.writer) await current.writer.abort();
  });
  for await (const chunk of archive.chunks) {
    if (tx.cancelled) throw new CanceledError("import unsubscribed");
    for (const ev of tar.push(chunk)) {
      if (ev.kind === "entry") {
        const path = posix.normalize(ev.header.path).replace(/^(\.\/)+|\/+$/g, "");
        if (ev.header.type === "2") contents.links.set(path, posix.join(posix.dirname(path), ev.header.linkname));
        if (ev.header.type !== "0") {
          current = undefined;
          continue;
        }
        current = { header: ev.header, path, bytes: 0, next: PROGRESS_EVERY, head: [] };
        if (SMALL_FILES.has(path)) {
          if (ev.header.size > MAX_SMALL) throw new InvalidArgumentError(`archive: ${path} is ${ev.header.size} bytes`);
          current.small = [];
          continue;
        }
        const hex = BLOB_NAME.exec(path)?.[1];
        const expected = { size: ev.header.size, ...(hex ? { digest: `sha256:${hex}` } : {}) };
        const w = await openBlobWriter(ctx.services, `rxcontainerd-import-${lease}-${path}`, expected, call);
        if (w === "exists") {
          contents.blobs.set(path, { digest: expected.digest ?? "", size: expected.size, gzip: undefined });
          emit({ type: "blob", path, digest: expected.digest ?? "", state: "exists", bytes: 0, total: expected.size });
        } else {
          current.writer = w;
          emit({
            type: "blob",
            path,
            ...(expected.digest ? { digest: expected.digest } : {}),
            state: "writing",
            bytes: 0,
            total: expected.size,
          });
        }
      } else if (ev.kind === "data" && current) {
        current.bytes += ev.data.length;
        if (current.small) current.small.push(Buffer.from(ev.data));
        if (current.writer) {
          const headBytes = current.head.reduce((n, b) => n + b.length, 0);
          if (headBytes < 2) current.head.push(Buffer.from(ev.data.subarray(0, 2 - headBytes))); // gzip magic, across chunks
          await current.writer.write(ev.data);
          if (current.bytes >= current.next) {
            current.next += PROGRESS_EVERY;
            emit({
              type: "blob",
              path: current.path,
              state: "writing",
              bytes: current.bytes,
              total: current.header.size,
            });
          }
        }
      } else if (ev.kind === "end" && current) {
        const c = current;
        current = undefined;
        if (c.small) contents.small.set(c.path, Buffer.concat(c.small));
        if (c.writer) {
          const w = c.writer;
          const blob = await w.commit().catch(async (e: unknown) => {
            await w.abort();
            throw e;
          });
          const head = Buffer.concat(c.head);
          contents.blobs.set(c.path, {
            digest: blob.digest,
            size: blob.size,
            gzip: head[0] === 0x1f && head[1] === 0x8b,
          });
          emit({
            type: "blob",
            path: c.path,
            digest: blob.digest,
            state: blob.existed ? "exists" : "written",
            bytes: blob.size,
            total: blob.size,
          });
        }
      }
    }
  }
  tar.finish();
  return contents;
}

/**
 * The import$ operation: one lease; ingest the tar; resolve the index (OCI, or synthesised from
 * docker's manifest.json), validate and GC-label the graph, create the image records, unpack.
 * @internal
 */
export function importArchive$(
  ctx: StoreContext,
  source: Readable | string,
  options: ImportOptions,
): Observable<ImageProgress> {
  return progressTransaction$<ImageProgress, ImageProgress>(async (tx, emit) => {
    if (
      typeof source !== "string" &&
      (typeof source !== "object" || source === null || typeof source.pipe !== "function")
    ) {
      throw new InvalidArgumentError("import$ source must be a Readable or a file path");
    }
    if (typeof source === "string" && source === "") throw new InvalidArgumentError("import$ path must not be empty");
    if (options.baseName !== undefined && (options.baseName === "" || /[\s@]/.test(options.baseName))) {
      throw new InvalidArgumentError(`invalid baseName ${JSON.stringify(options.baseName)}`);
    }
    if (options.digestRefs && !options.baseName) throw new InvalidArgumentError("digestRefs needs a baseName");
    const lease = await temporaryLease(tx, ctx.services, ctx.namespace, true);
    const contents = await ingest(tx, ctx, source, longCall(ctx, options, lease), emit);
    const images = await registerImages(tx, ctx, contents, lease, options, emit);
    return images.map((image) => ({ type: "done" as const, image }));
  });
}
