// A sequential tar reader for archives of any size: push() chunks, get entry / data / end events.
// Regular-file bodies are passed through as views of the pushed chunk (never accumulated), so
// memory stays bounded; only extended headers (GNU long names, PAX) are buffered.

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { BLOCK, field, numeric, parsePax, verifyChecksum, type Meta } from "./tar-header.js";

const MAX_META = 1 << 20;

/** One tar member's header. `type` is the typeflag: "0" file, "5" dir, "2" symlink, "1" hard link… */
export interface TarHeader {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly linkname: string;
}

/** What {@link TarStream.push} reports, in archive order. */
export type TarEvent =
  | { readonly kind: "entry"; readonly header: TarHeader }
  | { readonly kind: "data"; readonly data: Buffer }
  | { readonly kind: "end" };

const bad = (m: string) => new InvalidArgumentError(`archive: ${m}`);

/**
 * Incremental tar parser (ustar, GNU long names, PAX path/linkpath/size). `data` events are
 * views into the pushed buffer: consume them before the next push. Throws InvalidArgumentError
 * on a corrupt header (a non-tar input fails on the first block) or, in finish(), a truncation.
 *
 * @example
 * ```ts
 * const t = new TarStream();
 * for await (const chunk of readable) for (const ev of t.push(chunk)) if (ev.kind === "entry") console.log(ev.header.path);
 * t.finish();
 * ```
 */
export class TarStream {
  private readonly header = Buffer.alloc(BLOCK);
  private fill = 0;
  private remaining = 0;
  private pad = 0;
  private metaKind: "L" | "K" | "x" | "g" | undefined;
  private metaParts: Buffer[] = [];
  private meta: Meta = {};
  private offset = 0;
  private zeros = 0;
  private entries = 0;
  private inEntry = false;
  /** True once the end-of-archive marker (two zero blocks) was read. */
  ended = false;

  push(buf: Buffer): TarEvent[] {
    const out: TarEvent[] = [];
    for (let off = 0, n = 0; off < buf.length && !this.ended; off += n, this.offset += n) {
      if (this.remaining > 0) {
        n = Math.min(this.remaining, buf.length - off);
        const view = buf.subarray(off, off + n);
        if (this.metaKind) this.metaParts.push(Buffer.from(view));
        else out.push({ kind: "data", data: view });
        if ((this.remaining -= n) === 0) this.endBody(out);
      } else if (this.pad > 0) {
        n = Math.min(this.pad, buf.length - off);
        this.pad -= n;
      } else {
        n = buf.copy(this.header, this.fill, off, off + Math.min(BLOCK - this.fill, buf.length - off));
        if ((this.fill += n) === BLOCK) {
          this.fill = 0;
          this.onHeader(this.offset + n - BLOCK, out);
        }
      }
    }
    return out;
  }

  /** Checks the input did not stop inside a member. Throws InvalidArgumentError. */
  finish(): void {
    if (this.ended) return;
    if (this.entries === 0 && this.offset === 0) throw bad("empty input, not a tar archive");
    if (this.fill > 0) throw bad(`truncated inside a header at byte ${this.offset - this.fill}`);
    if (this.remaining > 0 || this.pad > 0)
      throw bad(`truncated: a member is missing ${this.remaining + this.pad} bytes`);
    if (this.metaKind || Object.keys(this.meta).length > 0) throw bad("truncated after an extended header");
  }

  private onHeader(at: number, out: TarEvent[]): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      if (++this.zeros >= 2) this.ended = true;
      return;
    }
    this.zeros = 0;
    verifyChecksum(h, at);
    const type = String.fromCharCode(h[156] ?? 0);
    const headerSize = numeric(h, 124, 12, "size", at);
    if (type === "L" || type === "K" || type === "x" || type === "g") {
      if (headerSize > MAX_META) throw bad(`extended header at byte ${at} is ${headerSize} bytes`);
      this.metaKind = type;
      this.metaParts = [];
      this.begin(headerSize, out);
      return;
    }
    const size = this.meta.size ?? headerSize;
    const prefix = h.toString("latin1", 257, 263) === "ustar\0" ? field(h, 345, 155) : "";
    const path = this.meta.path ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const linkname = this.meta.linkpath ?? field(h, 157, 100);
    this.meta = {};
    this.entries++;
    // Only regular files have bodies worth reading; others' sizes are skipped.
    out.push({ kind: "entry", header: { path, type: type === "\0" || type === "7" ? "0" : type, size, linkname } });
    this.inEntry = true;
    this.begin(size, out);
  }

  private begin(size: number, out: TarEvent[]): void {
    this.remaining = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endBody(out);
  }

  private endBody(out: TarEvent[]): void {
    if (this.metaKind) {
      const data = Buffer.concat(this.metaParts);
      if (this.metaKind === "L") this.meta.path = field(data, 0, data.length);
      else if (this.metaKind === "K") this.meta.linkpath = field(data, 0, data.length);
      else if (this.metaKind === "x") parsePax(data, this.meta, this.offset);
      this.metaKind = undefined;
      this.metaParts = [];
      return;
    }
    if (this.inEntry) {
      this.inEntry = false;
      out.push({ kind: "end" });
    }
  }
}

/** A tar header block for a regular file ("0") or directory ("5"), ustar format. @internal */
export function tarHeader(path: string, size: number, type: "0" | "5" = "0"): Buffer {
  if (Buffer.byteLength(path) > 100) throw bad(`path too long for a tar header: ${path}`);
  const h = Buffer.alloc(BLOCK);
  h.write(path, 0, 100, "utf8");
  h.write(type === "5" ? "0000755\0" : "0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  if (size < 8 ** 11) h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  else {
    // GNU base-256 for ≥ 8 GiB
    h[124] = 0x80;
    for (let i = 135, v = size; i > 124; i--, v = Math.floor(v / 256)) h[i] = v % 256;
  }
  h.write("00000000000\0", 136, "latin1");
  h.write("        ", 148, "latin1");
  h.write(type, 156, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}
