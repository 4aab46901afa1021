import { createReadStream } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { InvalidArgumentError } from "../../../errors/containerd-error.js";

/**
 * The bytes of an archive (a Readable, or a file path opened here) as an async iterable of
 * Buffers, transparently gunzipped when it starts with the gzip magic (however the source
 * splits its first bytes into chunks). Backpressure holds: the
 * file is read only as fast as the consumer iterates. `close()` destroys what was opened.
 * @internal
 */
export async function openArchive(
  source: Readable | string,
): Promise<{ chunks: AsyncIterable<Buffer>; close: () => void }> {
  const input = typeof source === "string" ? createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  // The gzip magic is two bytes, and a stream may deliver them in separate chunks: read until
  // there are two (or the stream ends) before deciding.
  let first = Buffer.alloc(0);
  try {
    while (first.length < 2) {
      const r = await it.next();
      if (r.done) break;
      first = Buffer.concat([first, Buffer.from(r.value)]);
    }
  } catch (e) {
    input.destroy();
    throw new InvalidArgumentError(`cannot read the archive: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  if (first[0] !== 0x1f || first[1] !== 0x8b) return { chunks: rest(), close: () => input.destroy() };
  const gunzip = createGunzip();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const done = pipeline(Readable.from(rest()), gunzip, out);
  done.catch((e: unknown) =>
    out.destroy(new InvalidArgumentError(`archive gzip: ${e instanceof Error ? e.message : String(e)}`, { cause: e })),
  );
  return {
    chunks: out,
    close: () => {
      input.destroy();
      out.destroy();
    },
  };
}
