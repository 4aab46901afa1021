// A streaming tar reader that picks a few small files (etc/passwd, etc/group…) out of an OCI
// image layer blob without mounting it. Bodies of unwanted entries are skipped, never copied.

import { posix } from "node:path";
import type { Transform } from "node:stream";
import * as zlib from "node:zlib";
import { Observable, Subject, takeUntil } from "rxjs";
import { InvalidArgumentError, NotImplementedError } from "../../errors/containerd-error.js";
import { TarStream, type TarHeader } from "./tar-stream.js";

/**
 * What one layer says about the wanted paths. Keys are normalised paths (`etc/passwd`: no
 * leading `/` or `./`). When the reader completed early (every wanted path found), `whiteouts`
 * and `opaqueDirs` only cover the entries read so far; that is harmless, since an entry in a
 * layer overrides that layer's own whiteouts.
 *
 * @example
 * ```ts
 * const layer: TarLayerFiles = await lastValueFrom(extractTarFiles(blob$, ["etc/passwd"], { gzip: true }));
 * layer.files.get("etc/passwd")?.toString("utf8");
 * ```
 */
export interface TarLayerFiles {
  /** Wanted regular files found in the layer, by normalised path. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Paths deleted by whiteout entries: `dir/.wh.name` deletes `dir/name`. */
  readonly whiteouts: ReadonlySet<string>;
  /** Directories marked opaque by a `dir/.wh..wh..opq` entry (`""` is the root). */
  readonly opaqueDirs: ReadonlySet<string>;
  /**
   * Wanted paths that are links, path -> target. Symlink targets are kept as written (absolute
   * or relative to the link's directory); hard-link targets, which tar stores relative to the
   * archive root, are made absolute (`/etc/passwd`).
   */
  readonly links: ReadonlyMap<string, string>;
}

/**
 * Normalises a tar member name or a wanted path: resolves `.`/`..`/`//` and strips leading `/`,
 * leading `./` and trailing `/`. The root is `""`.
 *
 * @example
 * ```ts
 * normalizeTarPath("./etc//passwd"); // "etc/passwd"
 * normalizeTarPath("/usr/lib/../etc/"); // "usr/etc"
 * ```
 */
export function normalizeTarPath(path: string): string {
  return posix.normalize(`/${path}`).replace(/\/+$/, "").slice(1);
}

const MAX_BUFFERED = 1 << 20; // largest wanted file kept in memory

const bad = (message: string): InvalidArgumentError => new InvalidArgumentError(`layer tar: ${message}`);

/** Picks the wanted files, links and whiteouts out of a TarStream's events. Throws InvalidArgumentError. */
class LayerPicker {
  readonly files = new Map<string, Buffer>();
  readonly whiteouts = new Set<string>();
  readonly opaqueDirs = new Set<string>();
  readonly links = new Map<string, string>();
  private readonly stream = new TarStream();
  private current: { path: string; parts: Buffer[] } | undefined;
  private allFound = false;
  private bytes = 0;

  constructor(private readonly wanted: ReadonlySet<string>) {}

  /** Two zero blocks seen, or every wanted path found. */
  get ended(): boolean {
    return this.allFound || this.stream.ended;
  }

  push(buf: Buffer): void {
    this.bytes += buf.length;
    for (const ev of this.stream.push(buf)) {
      if (this.allFound) return;
      if (ev.kind === "entry") this.onEntry(ev.header);
      else if (ev.kind === "data") this.current?.parts.push(Buffer.from(ev.data));
      else if (this.current) {
        this.files.set(this.current.path, Buffer.concat(this.current.parts));
        this.current = undefined;
        this.checkAllFound();
      }
    }
  }

  finish(): TarLayerFiles {
    // An empty blob is an empty layer (the archive reader calls it "not a tar"; a layer may be empty).
    if (!this.allFound && this.bytes > 0) this.stream.finish();
    return { files: this.files, whiteouts: this.whiteouts, opaqueDirs: this.opaqueDirs, links: this.links };
  }

  private onEntry(h: TarHeader): void {
    const path = normalizeTarPath(h.path);
    this.noteWhiteout(path);
    if (!this.wanted.has(path)) return;
    if (h.type === "0" && !h.path.endsWith("/")) {
      if (h.size > MAX_BUFFERED) throw bad(`"${path}" is ${h.size} bytes, more than the ${MAX_BUFFERED}-byte limit`);
      this.links.delete(path);
      this.current = { path, parts: [] };
    } else if (h.type === "1" || h.type === "2") {
      this.files.delete(path);
      const target = normalizeTarPath(h.linkname);
      const linked = h.type === "1" ? this.files.get(target) : undefined;
      if (linked) this.files.set(path, linked);
      else this.links.set(path, h.type === "1" ? `/${target}` : h.linkname);
      this.checkAllFound();
    }
  }

  private noteWhiteout(path: string): void {
    const base = posix.basename(path);
    if (!base.startsWith(".wh.")) return;
    const parent = posix.dirname(path).replace(/^\.$/, "");
    if (base === ".wh..wh..opq") this.opaqueDirs.add(parent);
    else this.whiteouts.add(posix.join(parent, base.slice(4)));
  }

  private checkAllFound(): void {
    if (this.wanted.size === 0) return;
    for (const w of this.wanted) if (!this.files.has(w) && !this.links.has(w)) return;
    this.allFound = true;
  }
}

/** How a layer blob is compressed. */
export type LayerCompression = "none" | "gzip" | "zstd";

/** zlib's zstd decompressor (Node ≥ 22.15 / 23.8), or undefined on older Nodes. */
function zstdDecompressor(): (() => Transform) | undefined {
  const z = zlib as unknown as { createZstdDecompress?: () => Transform };
  return typeof z.createZstdDecompress === "function" ? () => (z.createZstdDecompress as () => Transform)() : undefined;
}

/** Whether this Node can decompress zstd layers (`zlib.createZstdDecompress`, Node ≥ 22.15). */
export const ZSTD_SUPPORTED: boolean = zstdDecompressor() !== undefined;

/**
 * Reads a layer blob (a tar; gzip- or zstd-compressed per `options.compression`, or gzip when
 * `options.gzip`) from `chunks` and emits, once, the `wanted` files it holds together with its
 * whiteouts, then completes. Cold: each subscription subscribes to `chunks`. Completes early,
 * unsubscribing from `chunks` (which cancels a gRPC read), once every wanted path has been found.
 * Errors with InvalidArgumentError on corrupt compressed or tar data, truncated input, or a
 * wanted file over 1 MiB; with NotImplementedError for zstd on a Node without
 * `zlib.createZstdDecompress` (before 22.15), before reading anything; errors from `chunks` pass
 * through unchanged.
 *
 * @example
 * ```ts
 * const blob$ = client.services.content.read$({ digest }).pipe(map((r) => r.data));
 * extractTarFiles(blob$, ["etc/passwd", "etc/group"], { compression: "gzip" })
 *   .subscribe(({ files }) => console.log(files.get("etc/passwd")?.toString("utf8")));
 * ```
 */
export function extractTarFiles(
  chunks: Observable<Uint8Array>,
  wanted: readonly string[],
  options: { gzip?: boolean; compression?: LayerCompression } = {},
): Observable<TarLayerFiles> {
  return new Observable<TarLayerFiles>((subscriber) => {
    const compression = options.compression ?? (options.gzip ? "gzip" : "none");
    let decompress: Transform | undefined;
    if (compression === "zstd") {
      const make = zstdDecompressor();
      if (!make) {
        subscriber.error(
          new NotImplementedError(
            `layer zstd: this Node (${process.version}) has no zstd decompressor ` +
              "(zlib.createZstdDecompress needs Node 22.15 or later); cannot read files from a zstd layer",
          ),
        );
        return undefined;
      }
      decompress = make();
    } else if (compression === "gzip") {
      decompress = zlib.createGunzip();
    }
    const stop$ = new Subject<void>();
    const parser = new LayerPicker(new Set(wanted.map(normalizeTarPath)));
    let done = false;
    subscriber.add(() => {
      // runs on error, complete and unsubscribe
      done = true;
      stop$.next(); // cuts the source even while it is still emitting synchronously
      stop$.complete();
      decompress
        ?.removeAllListeners()
        .on("error", () => undefined)
        .destroy();
    });
    const fail = (e: unknown): void => void (done || subscriber.error(e));
    const finish = (): void => {
      if (done) return;
      let result: TarLayerFiles;
      try {
        result = parser.finish();
      } catch (e) {
        return fail(e);
      }
      subscriber.next(result);
      subscriber.complete();
    };
    const feed = (data: Buffer): void => {
      if (done) return;
      try {
        parser.push(data);
      } catch (e) {
        return fail(e);
      }
      if (parser.ended) finish();
    };
    const decompressError = (e: Error): void =>
      fail(new InvalidArgumentError(`layer ${compression}: ${e.message}`, { cause: e }));
    decompress?.on("data", feed).on("end", finish).on("error", decompressError);
    chunks.pipe(takeUntil(stop$)).subscribe({
      next: (chunk) => {
        if (decompress) decompress.write(chunk);
        else feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
      error: fail,
      complete: () => (done ? undefined : decompress ? void decompress.end() : finish()),
    });
    return undefined;
  });
}
