import { Socket } from "node:net";
import { PassThrough, Readable } from "node:stream";
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
 * The write side of a stdin FIFO. What is written (by the user, or fed from the source) is held
 * in this process until the shim's reader is on the FIFO; only then is the FIFO opened for
 * writing, and only after that is it closed and the shim told (Tasks.CloseIO), so a reader like
 * `cat` sees EOF once everything is delivered.
 *
 * Why it waits: the shim (runc-v2, every line) opens its reader with containerd/fifo's OpenFifo, a
 * blocking open(O_RDONLY) run in a goroutine that may still be pending when Tasks.Create (an
 * exec's Tasks.Start) has returned, and even after CloseIO has closed the shim's own writer. Such
 * an open returns only when a writer opens the FIFO: had we opened, written, closed and sent
 * CloseIO before it, nobody would ever open a writer again and the process would never see EOF
 * (seen on 2.1.9: `cat` hung). A FIFO no fd holds open also drops what it buffered. So the client
 * opens its writer only when a non-blocking write-only open succeeds, that is once a reader (the
 * shim's, pending or done) is there; a pending open is then released by our open.
 *
 * Errors: with no source (`stdin: true`) the Writable is the user's, and its 'error' events
 * (EPIPE once the process closed its stdin) reach the user's listeners as for any Node stream.
 * With a source, the library feeds it: a write error stops the feeding (the source is released)
 * and a source that errors closes stdin; both are handed to `report`. @internal
 */
export class InputPipe {
  /** What the user (or the feeding) writes to; piped into the FIFO once the shim's reader is there. */
  readonly writable: PassThrough = new PassThrough();
  private source: Subscription | undefined;
  private readable: Readable | undefined;
  private fifo: Socket | undefined;
  private closing = false;
  private wake: () => void = () => undefined;

  private constructor(
    private readonly path: string,
    private readonly closeStdin: () => Promise<void>,
    private readonly report: (e: ContainerdError) => void,
  ) {}

  /** Prepares the pipe and starts feeding `source`, if any; the FIFO is opened once `whenConnected` and a reader are there. */
  static async open(
    path: string,
    source: StdinSource | undefined,
    whenConnected: Promise<void>,
    closeStdin: () => Promise<void>,
    report: (e: ContainerdError) => void = () => undefined,
  ): Promise<InputPipe> {
    const pipe = new InputPipe(path, closeStdin, report);
    if (source) pipe.feed(source);
    void whenConnected.then(() => pipe.handOver());
    return pipe;
  }

  /** Waits for the shim's reader, opens the FIFO for writing and pipes what was written into it. */
  private async handOver(): Promise<void> {
    const fd = await this.openWhenRead();
    if (fd === undefined) return;
    const fifo = new Socket({ fd, readable: false, writable: true });
    this.fifo = fifo;
    // EPIPE and the like: the user's Writable fails as a Node stream does (a fed source is released).
    fifo.on("error", (e: Error) => this.writable.destroy(e));
    // 'finish': everything written reached the FIFO. Our fd is then closed, and the shim is told.
    fifo.once("finish", () => {
      fifo.destroy();
      void this.closeStdin().catch(() => undefined);
    });
    this.writable.pipe(fifo);
  }

  /**
   * A non-blocking O_WRONLY open fails with ENXIO while no reader has the FIFO open (or is opening
   * it): retry, backing off to 20 ms, until one is there or the IO is closed (then undefined).
   */
  private async openWhenRead(): Promise<number | undefined> {
    for (let delay = 1; !this.closing; delay = Math.min(delay * 2, 20)) {
      try {
        const fd = await openFifo(this.path, "write");
        if (!this.closing) return fd;
        await closeQuietly(fd);
        return undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENXIO") {
          this.report(new UnknownError(`cannot open the process's stdin: ${describe(e)}`, { cause: e }));
          return undefined;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return undefined;
  }

  private feed(source: StdinSource): void {
    const out = this.writable;
    out.on("error", (e: Error) => {
      this.report(new UnknownError(`writing to the process's stdin failed: ${e.message}`, { cause: e }));
      this.release();
    });
    if (isObservable(source)) {
      // An Observable cannot be paused: chunks queue here while the FIFO is full.
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

  /** Stops feeding and waiting for a reader, and closes the fd now. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake();
    this.release();
    this.writable.destroy();
    const fifo = this.fifo;
    if (fifo && !fifo.closed) {
      const closed = new Promise<void>((resolve) => fifo.once("close", () => resolve()));
      fifo.destroy();
      await closed;
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
