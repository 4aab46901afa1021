import { Socket } from "node:net";
import { Readable } from "node:stream";
import { isObservable, type Observable, type Subscription } from "rxjs";
import { closeQuietly, openFifo } from "./fifo.js";

/**
 * What can feed a process's stdin: an Observable (its completion or error closes stdin) or a Node
 * Readable (its end closes stdin).
 *
 * @example
 * ```ts
 * Stdio.pipe({ stdin: of("line 1\n", "line 2\n") });
 * Stdio.pipe({ stdin: createReadStream("/tmp/input") });
 * ```
 */
export type StdinSource = Observable<string | Uint8Array> | Readable;

/**
 * The write side of a stdin FIFO. Ending it (the source completes, or the user ends the
 * Writable) flushes what was written and then closes stdin on the shim side (Tasks.CloseIO), once
 * the process is connected, so a reader like `cat` sees EOF. Until the shim has opened the FIFO
 * (an exec's at Tasks.Start), an extra read-only fd anchors it: a FIFO that every fd has closed
 * loses its buffered bytes. @internal
 */
export class InputPipe {
  private source: Subscription | undefined;
  private readonly closed: Promise<void>;

  private constructor(readonly writable: Socket, private anchor: number | undefined,
    private readonly whenConnected: Promise<void>, private readonly closeStdin: () => Promise<void>) {
    void whenConnected.then(() => this.dropAnchor());
    this.closed = new Promise((resolve) => writable.once("close", () => resolve()));
    writable.on("error", () => undefined);
    // 'finish': everything written reached the FIFO. Our fd is then closed, and the shim is told.
    writable.once("finish", () => {
      writable.destroy();
      void this.whenConnected.then(() => this.closeStdin()).catch(() => undefined);
    });
  }

  /** Opens `path` for writing (O_RDWR, so the open never waits for the shim) and starts feeding `source`, if any. */
  static async open(path: string, source: StdinSource | undefined, whenConnected: Promise<void>,
    closeStdin: () => Promise<void>): Promise<InputPipe> {
    const fd = await openFifo(path, "write");
    const anchor = await openFifo(path, "read").catch(async (e: unknown) => { await closeQuietly(fd); throw e; });
    const pipe = new InputPipe(new Socket({ fd, readable: false, writable: true }), anchor, whenConnected, closeStdin);
    if (source) pipe.feed(source);
    return pipe;
  }

  private feed(source: StdinSource): void {
    const out = this.writable;
    if (isObservable(source)) {
      // An Observable cannot be paused: chunks queue in the socket while the FIFO is full.
      this.source = source.subscribe({
        next: (chunk) => { if (!out.destroyed) out.write(chunk); },
        error: () => out.end(),
        complete: () => out.end(),
      });
    } else if (source instanceof Readable) {
      source.pipe(out);
    }
  }

  private dropAnchor(): void {
    const fd = this.anchor;
    this.anchor = undefined;
    void closeQuietly(fd);
  }

  /** Stops feeding and closes the fds now. */
  async close(): Promise<void> {
    this.dropAnchor();
    this.source?.unsubscribe();
    this.writable.destroy();
    await this.closed;
  }
}
