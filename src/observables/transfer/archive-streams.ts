import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { Readable, type Writable } from "node:stream";
import { Observable } from "rxjs";
import { ContainerdError, InternalError } from "../../errors/containerd-error.js";
import {
  packData,
  packWindowUpdate,
  type PackedMessage,
  type StreamMessage,
} from "../../services/transfer-payloads.js";

/** Largest `Data` message, as containerd's own streams send. */
const MAX_CHUNK = 32 * 1024;
/** Bytes the receiving side lets the sender have in flight, as containerd's `ReceiveStream`. */
const WINDOW = 2 * MAX_CHUNK;

/** A Readable for an import source: a path (opened on subscribe), bytes, or a Readable. */
export function archiveReadable(source: Readable | string | Uint8Array): Readable {
  if (typeof source === "string") return createReadStream(source);
  if (source instanceof Uint8Array) return Readable.from([Buffer.from(source)], { objectMode: false });
  return source;
}

/**
 * The sending half of an archive stream (import): reads `open()` only as far as the daemon's
 * `WindowUpdate`s allow, sends it as `Data` messages of at most 32 KiB, and completes (half-closing
 * the stream: end of archive) at the end of the input. Unsubscribing destroys the Readable.
 *
 * @example
 * ```ts skip
 * sendArchive(() => createReadStream("/tmp/busybox.tar"))(incoming$).subscribe(send);
 * ```
 */
export function sendArchive(open: () => Readable) {
  return (incoming: Observable<StreamMessage>): Observable<PackedMessage> =>
    new Observable<PackedMessage>((subscriber) => {
      let credit = 0;
      let stopped = false;
      let wake: (() => void) | undefined;
      const poke = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const readable = open();
      const updates = incoming.subscribe({
        next: (m) => {
          if (m.type === "window") {
            credit += m.update;
            poke();
          }
        },
        complete: () => {
          stopped = true;
          poke();
        },
      });
      const pump = async () => {
        for await (const chunk of readable as AsyncIterable<Buffer | string>) {
          const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
          let off = 0;
          while (off < b.length) {
            while (credit <= 0 && !stopped) await new Promise<void>((r) => (wake = r));
            if (stopped) return;
            const n = Math.min(MAX_CHUNK, credit, b.length - off);
            subscriber.next(packData(b.subarray(off, off + n)));
            credit -= n;
            off += n;
          }
        }
        subscriber.complete();
      };
      pump().catch((e: unknown) =>
        subscriber.error(
          ContainerdError.is(e) ? e : new InternalError(`reading the archive failed: ${String(e)}`, { cause: e }),
        ),
      );
      return () => {
        stopped = true;
        poke();
        updates.unsubscribe();
        readable.destroy();
      };
    });
}

/** How long an export waits, after the Transfer call returned, for the rest of the archive. */
const TAIL_WAIT_MS = 30_000;
/** A tar archive ends with two zero blocks. */
const TAR_END = 1024;

/**
 * The receiving half of an archive stream (export): grants the daemon a 64 KiB window, writes each
 * `Data` message to the Writable in order and grants more only once written (backpressure).
 * containerd (1.7, 2.1) never closes an export's data stream, so the archive is complete once the
 * Transfer call has returned (`transferred`) and the data received ends with the tar trailer (two
 * zero blocks, at a 512-byte boundary), or when the daemon closes the stream; then the Writable is
 * ended and this completes when it has finished. InternalError if the trailer has not arrived 30 s
 * after the call returned. A destination given as a path is created, and removed again on failure
 * or unsubscribe.
 *
 * @example
 * ```ts skip
 * receiveArchive("/tmp/busybox.tar")(incoming$).subscribe(send);
 * ```
 */
export function receiveArchive(destination: Writable | string) {
  return (incoming: Observable<StreamMessage>, transferred: Observable<void>): Observable<PackedMessage> =>
    new Observable<PackedMessage>((subscriber) => {
      const path = typeof destination === "string" ? destination : undefined;
      const out = path !== undefined ? createWriteStream(path) : (destination as Writable);
      let done = false;
      let completed = false;
      let window = WINDOW;
      let writing = Promise.resolve();
      let received = 0;
      let tail = Buffer.alloc(0);
      let returned = false;
      let timer: NodeJS.Timeout | undefined;
      const trailerSeen = () =>
        received >= TAR_END && received % 512 === 0 && tail.length === TAR_END && tail.every((b) => b === 0);
      const end = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sub.unsubscribe();
        writing
          .then(() => new Promise<void>((resolve) => out.end(resolve)))
          .then(() => {
            completed = true;
            subscriber.complete();
          }, failed);
      };
      const failed = (e: unknown) =>
        subscriber.error(
          ContainerdError.is(e) ? e : new InternalError(`writing the archive failed: ${String(e)}`, { cause: e }),
        );
      const write = (data: Buffer) =>
        new Promise<void>((resolve, reject) => out.write(data, (e) => (e ? reject(e) : resolve())));
      out.on("error", failed);
      subscriber.next(packWindowUpdate(WINDOW));
      const sub = incoming.subscribe({
        next: (m) => {
          if (m.type !== "data" || done) return;
          window -= m.data.length;
          received += m.data.length;
          tail = Buffer.concat([tail, m.data]).subarray(-TAR_END);
          writing = writing
            .then(() => write(m.data))
            .then(() => {
              if (window < WINDOW && !subscriber.closed && !done) {
                subscriber.next(packWindowUpdate(WINDOW));
                window += WINDOW;
              }
            });
          writing.catch(failed);
          if (returned && trailerSeen()) end();
        },
        complete: end,
      });
      const onReturn = transferred.subscribe(() => {
        returned = true;
        if (trailerSeen()) return end();
        timer = setTimeout(
          () => failed(new InternalError(`the export stream ended early (${received} bytes, no tar trailer)`)),
          TAIL_WAIT_MS,
        );
      });
      return () => {
        clearTimeout(timer);
        onReturn.unsubscribe();
        sub.unsubscribe();
        if (!completed && path !== undefined) {
          out.destroy();
          rmSync(path, { force: true });
        }
      };
    });
}
