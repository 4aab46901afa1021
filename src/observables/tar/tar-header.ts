// Low-level tar header decoding shared by the streaming reader (tar-stream.ts) and the layer
// file picker (tar-files.ts): NUL-terminated and numeric fields, checksums, PAX records.
import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** Tar block size. */
export const BLOCK = 512;

/** What GNU long-name/long-link and PAX headers say about the next member. */
export interface Meta {
  path?: string;
  linkpath?: string;
  size?: number;
}

const bad = (message: string): InvalidArgumentError => new InvalidArgumentError(`tar: ${message}`);

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

/** Verifies a header block's checksum (unsigned or signed sum). */
export function verifyChecksum(h: Buffer, at: number): void {
  let [unsigned, signed] = [0, 0];
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const stored = numeric(h, 148, 8, "checksum", at);
  if (stored !== unsigned && stored !== signed) {
    throw bad(
      `bad header checksum at byte ${at} (stored ${stored}, computed ${unsigned}): corrupt or not a tar archive`,
    );
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
