import { Socket } from "node:net";
import { Readable } from "node:stream";
import { isObservable, type Observable, type Subscription } from "rxjs";
import { UnknownError, type ContainerdError } from "../../errors/containerd-error.js";
import { closeQuietly, openFifo } from "./fifo.js";

/**
 * What can feed a process's stdin: an Observable (its completion closes stdin; its error closes
 * stdin too, and is reported on `ioErrors$`) or a Node Readable (its end closes stdin; it is
 * unpiped and destroyed when the IO closes, except `process.stdin`, which is only unpiped).
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
 * loses its buffered bytes.
 *
 * Errors: with no source (`stdin: true`) the Writable is the user's, and its 'error' events
 * (EPIPE once the process closed its stdin) reach the user's listeners as for any Node stream.
 * With a source, the library feeds it: a write error stops the feeding (the source is released)
 * and a source that errors closes stdin; both are handed to `report`. @internal
 */
export class InputPipe {
  private source: Subscription | undefined;
  private readable: Readable | undefined;
  private readonly closed: Promise<void>;

  private constructor(
    readonly writable: Socket,
    private anchor: number | undefined,
    private readonly whenConnected: Promise<void>,
    private readonly closeStdin: () => Promise<void>,
    private readonly report: (e: ContainerdError) => void,
  ) {
    void whenConnected.then(() => this.dropAnchor());
    this.closed = new Promise((resolve) => writable.once("close", () => resolve()));
    // 'finish': everything written reached the FIFO. Our fd is then closed, and the shim is told.
    writable.once("finish", () => {
      writable.destroy();
      void this.whenConnected.then(() => this.closeStdin()).catch(() => undefined);
    });
  }

  /** Opens `path` for writing (O_RDWR, so the open never waits for the shim) and starts feeding `source`, if any. */
  static async open(
    path: string,
    source: StdinSource | undefined,
    whenConnected: Promise<void>,
    closeStdin: () => Promise<void>,
    report: (e: ContainerdError) => void = () => undefined,
  ): Promise<InputPipe> {
    const fd = await openFifo(path, "write");
    const anchor = await openFifo(path, "read").catch(async (e: unknown) => {
      await closeQuietly(fd);
      throw e;
    });
    const pipe = new InputPipe(
      new Socket({ fd, readable: false, writable: true }),
      anchor,
      whenConnected,
      closeStdin,
      report,
    );
    if (source) pipe.feed(source);
    return pipe;
  }

  private feed(source: StdinSource): void {
    const out = this.writable;
    out.on("error", (e: Error) => {
      this.report(new UnknownError(`writing to the process's stdin failed: ${e.message}`, { cause: e }));
      this.release();
    });
    if (isObservable(source)) {
      // An Observable cannot be paused: chunks queue in the socket while the FIFO is full.
      this.source = source.subscribe({
        next: (chunk) => {
          if (!out.destroyed) out.write(chunk);
        },
        error: (e: unknown) => {
          this.report(new UnknownError(`the stdin source failed (stdin was closed): ${describe(e)}`, { cause: e }));
          out.end();
        },
        complete: () => out.end(),
      });
    } else if (source instanceof Readable) {
      this.readable = source;
      // pipe() does not end the destination when the source fails: close stdin ourselves.
      source.once("error", (e: Error) => {
        this.report(new UnknownError(`the stdin source failed (stdin was closed): ${e.message}`, { cause: e }));
        source.unpipe(out);
        out.end();
      });
      source.pipe(out);
    }
  }

  /** Stops feeding: unsubscribes an Observable source; unpipes and destroys a Readable (only unpipes `process.stdin`). */
  private release(): void {
    this.source?.unsubscribe();
    const r = this.readable;
    this.readable = undefined;
    if (!r) return;
    r.unpipe(this.writable);
    if (r === process.stdin) r.pause();
    else if (!r.destroyed) r.destroy();
  }

  private dropAnchor(): void {
    const fd = this.anchor;
    this.anchor = undefined;
    void closeQuietly(fd);
  }

  /** Stops feeding and closes the fds now. */
  async close(): Promise<void> {
    this.dropAnchor();
    this.release();
    this.writable.destroy();
    await this.closed;
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
