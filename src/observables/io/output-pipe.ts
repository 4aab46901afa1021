import { Socket } from "node:net";
import type { Writable } from "node:stream";
import { Observable } from "rxjs";
import { ContainerdError } from "../../errors/containerd-error.js";
import { closeQuietly, openFifo } from "./fifo.js";

/**
 * The read side of one output FIFO (stdout or stderr), polled by a libuv pipe handle. Reading
 * starts when someone consumes (a `chunks$` subscriber or a piped Writable); until then the FIFO
 * fills and the writer blocks, so nothing is buffered without bound. @internal
 */
export class OutputPipe {
  private readonly closed: Promise<void>;
  private piped = false;
  /** Reading and dropping (an output nobody asked for, or draining what nobody consumed). */
  discarding = false;

  private constructor(
    private readonly socket: Socket,
    private keepalive: number | undefined,
  ) {
    socket.pause();
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    // An error also closes the socket; subscribers hear of it through their own listener.
    socket.on("error", () => undefined);
  }

  /**
   * Opens `path` for reading. With `keepalive`, also holds a write end so that no EOF is seen
   * before the shim's writer connects (see {@link connected}).
   */
  static async open(path: string, keepalive: boolean): Promise<OutputPipe> {
    const fd = await openFifo(path, "read");
    let ka: number | undefined;
    try {
      ka = keepalive ? await openFifo(path, "keepalive") : undefined;
      return new OutputPipe(new Socket({ fd, readable: true, writable: false }), ka);
    } catch (e) {
      await closeQuietly(fd);
      await closeQuietly(ka);
      throw e;
    }
  }

  /** The raw chunks; completes at EOF (or when the IO is closed). Several subscribers all get every chunk read while they listen. */
  readonly chunks$ = new Observable<Buffer>((subscriber) => {
    const socket = this.socket;
    if (socket.readableEnded || socket.destroyed) {
      subscriber.complete();
      return undefined;
    }
    const onData = (chunk: Buffer) => subscriber.next(chunk);
    const onEnd = () => subscriber.complete();
    const onError = (e: Error) => subscriber.error(ContainerdError.from(e));
    socket.on("data", onData).once("end", onEnd).once("close", onEnd).once("error", onError);
    socket.resume();
    return () => {
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onError);
      if (socket.listenerCount("data") === 0 && !this.piped && !this.discarding) socket.pause();
    };
  });

  /**
   * Copies every chunk into `dest` with backpressure (the FIFO is read only as fast as `dest`
   * drains). If `dest` errors or closes before EOF (say, an HTTP client that left), the copy stops
   * and the rest is read and discarded, so the process never blocks on a full FIFO; `onGone`
   * hears of it (with the error, if any).
   */
  pipeTo(dest: Writable, end: boolean, onGone: (error: Error | undefined) => void = () => undefined): void {
    this.piped = true;
    const socket = this.socket;
    const gone = (error?: Error) => {
      dest.off("close", closed).off("error", gone);
      if (!this.piped) return;
      this.piped = false;
      socket.unpipe(dest);
      if (!socket.readableEnded && !socket.destroyed) {
        this.discard();
        onGone(error);
      }
    };
    const closed = () => gone();
    const finished = () => dest.off("close", closed).off("error", gone);
    dest.once("close", closed).on("error", gone);
    socket.once("end", finished);
    socket.pipe(dest, { end });
  }

  /** The shim's writer is connected (or never will be): drop our keepalive so EOF can arrive. */
  connected(): void {
    const ka = this.keepalive;
    this.keepalive = undefined;
    void closeQuietly(ka);
  }

  /** Reads and drops everything from now on. */
  discard(): void {
    this.discarding = true;
    this.socket.resume();
  }

  /**
   * Resolves at EOF. What nobody consumes is read and discarded (now and after any consumer
   * leaves), so the writer is never stuck. With `idleMs`, also resolves once the FIFO has been
   * idle that long in total (sampled every 100 ms: flowing, not held back by a piped Writable's
   * backpressure, yet nothing read); with `maxBytes`, also once that much more was read.
   */
  async drain(idleMs = Infinity, maxBytes = Infinity): Promise<void> {
    this.connected();
    this.discarding = true;
    if (!this.piped && this.socket.listenerCount("data") === 0) this.socket.resume();
    if (idleMs === Infinity && maxBytes === Infinity) return this.closed;
    const start = this.socket.bytesRead;
    const tick = Math.min(100, idleMs);
    return new Promise<void>((resolve) => {
      let seen = this.socket.bytesRead;
      let idle = 0;
      const timer = setInterval(() => {
        const read = this.socket.bytesRead;
        if (read - start > maxBytes) {
          done();
        } else if (read !== seen || this.socket.isPaused()) {
          seen = read; // progress, or waiting on the consumer: not the writer's fault
        } else if ((idle += tick) >= idleMs) {
          done();
        }
      }, tick);
      const done = () => {
        clearInterval(timer);
        resolve();
      };
      void this.closed.then(done);
    });
  }

  /** Closes the fds now (no drain). */
  async close(): Promise<void> {
    this.connected();
    this.socket.destroy();
    await this.closed;
  }
}
