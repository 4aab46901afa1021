// A streaming tar reader that picks a few small files (etc/passwd, etc/group…) out of an OCI
// image layer blob without mounting it. Bodies of unwanted entries are skipped, never copied.

import { posix } from "node:path";
import { createGunzip, type Gunzip } from "node:zlib";
import { Observable, Subject, takeUntil } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
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

/**
 * Reads a layer blob (a tar, gzip-compressed when `options.gzip`) from `chunks` and emits, once,
 * the `wanted` files it holds together with its whiteouts, then completes. Cold: each
 * subscription subscribes to `chunks`. Completes early, unsubscribing from `chunks` (which
 * cancels a gRPC read), once every wanted path has been found. Errors with
 * InvalidArgumentError on corrupt gzip or tar data, truncated input, or a wanted file over
 * 1 MiB; errors from `chunks` pass through unchanged.
 *
 * @example
 * ```ts
 * const blob$ = client.services.content.read$({ digest }).pipe(map((r) => r.data));
 * extractTarFiles(blob$, ["etc/passwd", "etc/group"], { gzip: true })
 *   .subscribe(({ files }) => console.log(files.get("etc/passwd")?.toString("utf8")));
 * ```
 */
export function extractTarFiles(
  chunks: Observable<Uint8Array>,
  wanted: readonly string[],
  options: { gzip?: boolean } = {},
): Observable<TarLayerFiles> {
  return new Observable<TarLayerFiles>((subscriber) => {
    const stop$ = new Subject<void>();
    const parser = new LayerPicker(new Set(wanted.map(normalizeTarPath)));
    let gunzip: Gunzip | undefined;
    let done = false;
    subscriber.add(() => { // runs on error, complete and unsubscribe
      done = true;
      stop$.next(); // cuts the source even while it is still emitting synchronously
      stop$.complete();
      gunzip?.removeAllListeners().on("error", () => undefined).destroy();
    });
    const fail = (e: unknown): void => void (done || subscriber.error(e));
    const finish = (): void => {
      if (done) return;
      let result: TarLayerFiles;
      try { result = parser.finish(); } catch (e) { return fail(e); }
      subscriber.next(result);
      subscriber.complete();
    };
    const feed = (data: Buffer): void => {
      if (done) return;
      try { parser.push(data); } catch (e) { return fail(e); }
      if (parser.ended) finish();
    };
    const gzipError = (e: Error): void => fail(new InvalidArgumentError(`layer gzip: ${e.message}`, { cause: e }));
    if (options.gzip) gunzip = createGunzip().on("data", feed).on("end", finish).on("error", gzipError);
    chunks.pipe(takeUntil(stop$)).subscribe({
      next: (chunk) => {
        if (gunzip) gunzip.write(chunk);
        else feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
      error: fail,
      complete: () => (done ? undefined : gunzip ? void gunzip.end() : finish()),
    });
  });
}
