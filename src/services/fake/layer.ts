// The one layer of a fake image: an uncompressed tar of the image's files, so that what reads
// image files (a user's /etc/passwd and /etc/group) finds them as in a real image.

const BLOCK = 512;

/** A ustar header for a regular file of `size` bytes, mode 0644, owned by root. */
function fileHeader(path: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(path, 0, 100, "utf8");
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, "0")}\0`;
  h.write(octal(0o644, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1");
  h.write(octal(0, 8), 116, "latin1");
  h.write(octal(size, 12), 124, "latin1");
  h.write(octal(0, 12), 136, "latin1");
  h.write(" ".repeat(8), 148, "latin1");
  h.write("0", 156, "latin1");
  h.write("ustar\0" + "00", 257, "latin1");
  const sum = h.reduce((acc, b) => acc + b, 0);
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

/**
 * An uncompressed tar holding `files` (paths relative to the root, e.g. `etc/passwd`), in name
 * order, then the two zero blocks. @internal
 */
export function fakeLayer(files: Readonly<Record<string, string | Uint8Array>>): Buffer {
  const parts: Buffer[] = [];
  for (const path of Object.keys(files).sort()) {
    const data = Buffer.from(files[path] ?? "");
    const name = path.replace(/^\/+/, "");
    if (Buffer.byteLength(name) > 100) throw new Error(`fake image file path too long: ${name}`);
    parts.push(fileHeader(name, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
