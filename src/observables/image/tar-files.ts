// A streaming tar reader that picks a few small files (etc/passwd, etc/group…) out of an OCI
// image layer blob without mounting it. Bodies of unwanted entries are skipped, never copied.

import { posix } from "node:path";
import { createGunzip, type Gunzip } from "node:zlib";
import { Observable, Subject, takeUntil } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";

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

const BLOCK = 512;
const MAX_BUFFERED = 1 << 20; // largest wanted file, GNU long name or PAX header buffered

type Sink = "skip" | "file" | "longname" | "longlink" | "pax";
export interface Meta { path?: string; linkpath?: string; size?: number }

const bad = (message: string): InvalidArgumentError => new InvalidArgumentError(`layer tar: ${message}`);

/** NUL-terminated string of a header field. */
export function field(h: Buffer, start: number, len: number, encoding: BufferEncoding = "utf8"): string {
  const nul = h.indexOf(0, start);
  return h.toString(encoding, start, nul >= start && nul < start + len ? nul : start + len);
}

/** A numeric header field: octal text, or GNU base-256 when the high bit is set. */
export function numeric(h: Buffer, start: number, len: number, what: string, at: number): number {
  const first = h[start] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw bad(`negative base-256 ${what} in header at byte ${at}`);
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (h[i] ?? 0);
    if (!Number.isSafeInteger(v)) throw bad(`${what} too large in header at byte ${at}`);
    return v;
  }
  const text = field(h, start, len, "latin1").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(`invalid ${what} field ${JSON.stringify(text)} in header at byte ${at}`);
  return parseInt(text, 8);
}

export function verifyChecksum(h: Buffer, at: number): void {
  let [unsigned, signed] = [0, 0];
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const stored = numeric(h, 148, 8, "checksum", at);
  if (stored !== unsigned && stored !== signed) {
    throw bad(`bad header checksum at byte ${at} (stored ${stored}, computed ${unsigned}): corrupt or not a tar archive`);
  }
}

/** PAX extended header records: `<len> <key>=<value>\n`. Keeps path, linkpath and size. */
export function parsePax(buf: Buffer, into: Meta, at: number): void {
  for (let pos = 0, len = 0; pos < buf.length && buf[pos] !== 0; pos += len) {
    const sp = buf.indexOf(0x20, pos);
    const lenText = sp < 0 ? "" : buf.toString("latin1", pos, sp);
    len = /^[0-9]{1,9}$/.test(lenText) ? Number(lenText) : 0;
    const record = buf.toString("utf8", sp + 1, pos + len - 1);
    const eq = record.indexOf("=");
    if (len <= sp - pos + 1 || pos + len > buf.length || buf[pos + len - 1] !== 0x0a || eq < 0) {
      throw bad(`malformed PAX record in header at byte ${at}`);
    }
    const [key, value] = [record.slice(0, eq), record.slice(eq + 1)];
    if (key === "path") into.path = value;
    else if (key === "linkpath") into.linkpath = value;
    else if (key === "size") {
      if (!/^[0-9]{1,15}$/.test(value)) throw bad(`invalid PAX size in header at byte ${at}`);
      into.size = Number(value);
    }
  }
}

/** Incremental tar parser: push() chunks, then finish(). Throws InvalidArgumentError. */
class TarParser {
  readonly files = new Map<string, Buffer>();
  readonly whiteouts = new Set<string>();
  readonly opaqueDirs = new Set<string>();
  readonly links = new Map<string, string>();
  ended = false; // two zero blocks seen, or every wanted path found
  private readonly header = Buffer.alloc(BLOCK);
  private fill = 0;
  private remaining = 0;
  private pad = 0;
  private sink: Sink = "skip";
  private parts: Buffer[] = [];
  private path = "";
  private headerAt = 0;
  private offset = 0;
  private zeros = 0;
  private meta: Meta = {};

  constructor(private readonly wanted: ReadonlySet<string>) {}

  push(buf: Buffer): void {
    for (let off = 0, n = 0; off < buf.length && !this.ended; off += n, this.offset += n) {
      if (this.remaining > 0) {
        n = Math.min(this.remaining, buf.length - off);
        if (this.sink !== "skip") this.parts.push(Buffer.from(buf.subarray(off, off + n)));
        if ((this.remaining -= n) === 0) this.endEntry();
      } else if (this.pad > 0) {
        n = Math.min(this.pad, buf.length - off);
        this.pad -= n;
      } else {
        n = buf.copy(this.header, this.fill, off, off + Math.min(BLOCK - this.fill, buf.length - off));
        if ((this.fill += n) === BLOCK) {
          this.fill = 0;
          this.onHeader(this.offset + n - BLOCK);
        }
      }
    }
  }

  finish(): TarLayerFiles {
    if (!this.ended) {
      if (this.fill > 0) throw bad(`truncated: input ends inside the header at byte ${this.offset - this.fill}`);
      if (this.remaining > 0) throw bad(`truncated: "${this.path}" is missing ${this.remaining} bytes of its body`);
      if (this.pad > 0) throw bad(`truncated: input ends inside the padding of "${this.path}"`);
      if (Object.keys(this.meta).length > 0) throw bad("truncated: input ends after an extended header");
    }
    return { files: this.files, whiteouts: this.whiteouts, opaqueDirs: this.opaqueDirs, links: this.links };
  }

  private onHeader(at: number): void {
    const h = this.header;
    this.headerAt = at;
    if (h.every((b) => b === 0)) {
      if (++this.zeros >= 2) this.ended = true;
      return;
    }
    this.zeros = 0;
    verifyChecksum(h, at);
    const type = String.fromCharCode(h[156] ?? 0);
    const headerSize = numeric(h, 124, 12, "size", at);
    const metaSink: Sink | undefined =
      type === "L" ? "longname" : type === "K" ? "longlink" : type === "x" ? "pax" : type === "g" ? "skip" : undefined;
    if (metaSink !== undefined) {
      if (metaSink !== "skip" && headerSize > MAX_BUFFERED) throw bad(`extended header at byte ${at} is ${headerSize} bytes`);
      this.begin(headerSize, metaSink, `extended header at byte ${at}`);
      return;
    }
    const size = this.meta.size ?? headerSize;
    const prefix = h.toString("latin1", 257, 263) === "ustar\0" ? field(h, 345, 155) : "";
    const rawName = this.meta.path ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const linkname = this.meta.linkpath ?? field(h, 157, 100);
    this.meta = {};
    const path = normalizeTarPath(rawName);
    this.noteWhiteout(path);
    const wanted = this.wanted.has(path);
    let sink: Sink = "skip";
    if ((type === "0" || type === "\0" || type === "7") && !rawName.endsWith("/") && wanted) {
      if (size > MAX_BUFFERED) throw bad(`"${path}" is ${size} bytes, more than the ${MAX_BUFFERED}-byte limit`);
      this.links.delete(path);
      sink = "file";
    } else if ((type === "1" || type === "2") && wanted) {
      this.files.delete(path);
      const target = normalizeTarPath(linkname);
      const linked = type === "1" ? this.files.get(target) : undefined;
      if (linked) this.files.set(path, linked);
      else this.links.set(path, type === "1" ? `/${target}` : linkname);
      this.checkAllFound();
    }
    this.begin(size, sink, path);
  }

  private begin(size: number, sink: Sink, path: string): void {
    this.sink = sink;
    this.path = path;
    this.parts = [];
    this.remaining = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endEntry();
  }

  private endEntry(): void {
    const data = Buffer.concat(this.parts);
    this.parts = [];
    if (this.sink === "file") {
      this.files.set(this.path, data);
      this.checkAllFound();
    } else if (this.sink === "longname") this.meta.path = field(data, 0, data.length);
    else if (this.sink === "longlink") this.meta.linkpath = field(data, 0, data.length);
    else if (this.sink === "pax") parsePax(data, this.meta, this.headerAt);
    this.sink = "skip";
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
    this.ended = true;
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
 * const blob$ = services.content.read$({ digest }).pipe(map((r) => r.data));
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
    const parser = new TarParser(new Set(wanted.map(normalizeTarPath)));
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
