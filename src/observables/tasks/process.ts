import type { Writable } from "node:stream";
import { EMPTY, finalize, lastValueFrom, map, tap, throwError, type Observable } from "rxjs";
import { FailedPreconditionError, type ContainerdError } from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { nsOptions, type DomainContext } from "../client/context.js";
import { processState, type ExitStatus, type ProcessState, type ProcessStatus } from "./exit-status.js";
import type { ProcessIO } from "../io/stdio.js";
import { removeStaleFifos } from "../io/fifo.js";
import { explainFifoErrors } from "../io/fifo-errors.js";
import { parseSignal, type Signal } from "./signals.js";
import { validated } from "../rx/validated.js";
import { cancellable } from "../rx/cancellable.js";
import { ExitWait } from "./wait/wait.js";
import { killIfRunning$ } from "./kill-if-running.js";

/** Options of `kill$`. */
export interface KillOptions extends CallOptions {
  /** Signal every process in the container (needed with a host PID namespace). */
  readonly all?: boolean;
}

/** Options of `delete$`. */
export interface DeleteProcessOptions extends CallOptions {
  /** Kill (SIGKILL, all processes) and wait for the exit first, instead of failing on a running process. */
  readonly kill?: boolean;
}

/**
 * A process in a container: a task's init process or an exec. Every method returns a cold
 * Observable whose RPC fires on subscribe, except `wait$()`, which is hot.
 *
 * @example
 * ```ts
 * const exit$ = proc.wait$();                 // hot: watching before start
 * proc.start$().pipe(concatMap(() => exit$)).subscribe((s) => console.log(s.code));
 * ```
 */
export interface Process {
  /** Exec id, or the container id for a task. */
  readonly id: string;
  /** Pid on the host (0 until started for an exec). */
  readonly pid: number;
  /** The IO this process was created or attached with. */
  readonly io: ProcessIO | undefined;
  /**
   * Hot: the process's stdout chunks (`Stdio.pipe()` / `Stdio.terminal()`); reading starts with
   * the first subscriber, so subscribe before `start$()` to get every byte. Completes at EOF.
   * FailedPreconditionError when stdout is not piped. See docs/io.md.
   */
  readonly stdout$: Observable<Buffer>;
  /** Like `stdout$` for stderr; completes at once for a terminal. */
  readonly stderr$: Observable<Buffer>;
  /**
   * The stdin FIFO as a Writable when created with `stdin: true`; `end()` closes the process's
   * stdin. Write errors (EPIPE once the process closed its stdin) are 'error' events on it.
   */
  readonly stdin: Writable | undefined;
  /**
   * IO failures nobody else reports (see `ProcessIO.ioErrors$`): a stdin source that errored, a
   * write error while feeding stdin, a `Stdio.streams` Writable gone before EOF. Replayed;
   * completes when the IO is closed; EMPTY without piped IO.
   */
  readonly ioErrors$: Observable<ContainerdError>;
  /** Tasks.Start; emits the pid. UnknownError from runc (e.g. a missing binary for an exec). */
  start$(options?: CallOptions): Observable<number>;
  /**
   * Hot: already watching when it returns. Emits the exit once (replayed to late subscribers)
   * and completes; NotFoundError if the process is gone. One shared Observable per Process:
   * calling it again returns the same watch (until `delete$()`, after which it errors NotFound). Unsubscribing every subscriber releases the watch
   * (a later subscriber re-arms it). No deadline: bound it with RxJS `timeout`. See docs/lifecycle.md.
   */
  wait$(): Observable<ExitStatus>;
  /** Tasks.Kill; signal defaults to SIGTERM. InvalidArgumentError for unknown signals; NotFoundError if already exited. */
  kill$(signal?: Signal, options?: KillOptions): Observable<void>;
  /**
   * Deletes the stopped process and emits its exit status. FailedPreconditionError while it runs
   * (unless `kill`). Drains piped output before and after the delete RPC, bounded so that a
   * background child holding the pipe cannot hold the delete (docs/io.md, "Clean-up"), then
   * closes the IO. Unsubscribing cancels the RPC in flight and skips the later steps.
   */
  delete$(options?: DeleteProcessOptions): Observable<ExitStatus>;
  /** Tasks.Get: state, exit status and time. */
  status$(options?: CallOptions): Observable<ProcessStatus>;
  /** Tasks.ResizePty (a no-op for a non-TTY process, as in containerd). */
  resize$(width: number, height: number, options?: CallOptions): Observable<void>;
  /** Tasks.CloseIO: closes the process's stdin. */
  closeIO$(options?: CallOptions): Observable<void>;
}

/** @internal */
export class ProcessImpl implements Process {
  /** The one shared wait of this process, made by the first wait$(). */
  private exitWait: ExitWait | undefined;

  constructor(
    protected readonly ctx: DomainContext,
    readonly containerId: string,
    readonly execId: string,
    protected currentPid: number,
    readonly io: ProcessIO | undefined,
  ) {}

  get id(): string {
    return this.execId || this.containerId;
  }

  get pid(): number {
    return this.currentPid;
  }

  get stdout$(): Observable<Buffer> {
    return this.io?.stdout$ ?? noIO("stdout");
  }

  get stderr$(): Observable<Buffer> {
    return this.io?.stderr$ ?? noIO("stderr");
  }

  get stdin(): Writable | undefined {
    return this.io?.stdin;
  }

  get ioErrors$(): Observable<ContainerdError> {
    return this.io?.ioErrors$ ?? EMPTY;
  }

  /** Tasks.Start. The shim opens an exec's FIFOs during Start: the IO hears of it however Start ends. */
  start$(options?: CallOptions): Observable<number> {
    return this.ctx.services.tasks
      .start$({ containerId: this.containerId, execId: this.execId }, nsOptions(this.ctx, options))
      .pipe(
        map((r) => (this.currentPid = r.pid)),
        explainFifoErrors(this.io?.config),
        tap({ error: () => this.exitWait?.startFailed() }),
        finalize(() => this.io?.connected()),
      );
  }

  wait$(): Observable<ExitStatus> {
    this.exitWait ??= new ExitWait(
      this.ctx.services.tasks,
      this.ctx.hub,
      {
        namespace: this.ctx.namespace,
        containerId: this.containerId,
        execId: this.execId,
        pid: () => this.currentPid,
      },
      () => this.ctx.services.version.daemonVersion$(),
    );
    return this.exitWait.exit$;
  }

  kill$(signal: Signal = "SIGTERM", options: KillOptions = {}): Observable<void> {
    const n = parseSignal(signal);
    return validated(
      () => (typeof n === "number" ? undefined : n),
      () =>
        this.ctx.services.tasks
          .kill$(
            { containerId: this.containerId, execId: this.execId, signal: n as number, all: options.all ?? false },
            nsOptions(this.ctx, options),
          )
          .pipe(map(() => undefined)),
    );
  }

  status$(options?: CallOptions): Observable<ProcessStatus> {
    return this.get$(options).pipe(map((r) => r.status));
  }

  /** Tasks.Get: the status and the IO paths the daemon recorded. */
  private get$(options?: CallOptions): Observable<{ status: ProcessStatus; paths: string[] }> {
    return this.ctx.services.tasks
      .get$({ containerId: this.containerId, execId: this.execId }, nsOptions(this.ctx, options))
      .pipe(
        map((r) => ({
          status: {
            status: processState(r.process?.status ?? 0),
            exitStatus: r.process?.exitStatus ?? 0,
            ...(r.process?.exitedAt && r.process.exitedAt.getTime() > 0 ? { exitedAt: r.process.exitedAt } : {}),
          },
          paths: r.process ? [r.process.stdin, r.process.stdout, r.process.stderr] : [],
        })),
      );
  }

  resize$(width: number, height: number, options?: CallOptions): Observable<void> {
    return this.ctx.services.tasks
      .resizePty$({ containerId: this.containerId, execId: this.execId, width, height }, nsOptions(this.ctx, options))
      .pipe(map(() => undefined));
  }

  closeIO$(options?: CallOptions): Observable<void> {
    return this.ctx.services.tasks
      .closeIo$({ containerId: this.containerId, execId: this.execId, stdin: true }, nsOptions(this.ctx, options))
      .pipe(map(() => undefined));
  }

  delete$(options: DeleteProcessOptions = {}): Observable<ExitStatus> {
    return this.deleteWith$(
      options,
      (s) => !["running", "paused", "pausing"].includes(s.status),
      (s) => `current process state: ${s.status}, process must be stopped before deletion`,
      (call) => this.ctx.services.tasks.deleteProcess$({ containerId: this.containerId, execId: this.execId }, call),
    );
  }

  /**
   * Shared delete flow: optional kill + wait, state check, a bounded output drain, the delete RPC,
   * the rest of the drain, then the IO is closed. Every wait is cancelled on unsubscribe (the RPC in
   * flight is cancelled, and no later step runs).
   *
   * The order: Go's `task.Delete` waits for the IO and then deletes, which hangs when a process
   * outside the task's PID namespace keeps a pipe open; Go's `process.Delete` (an exec) deletes
   * first and then waits (the shim gives its copy 2 s, then closes its FIFO ends), which can cut
   * off the tail of a slow consumer's output. Here both drain first while the output behaves like
   * an exited process's backlog (see {@link drainIO}), so a slow consumer loses nothing, then
   * delete, so a background child holding the pipe cannot hold the delete, then drain what is left.
   */
  protected deleteWith$(
    options: DeleteProcessOptions,
    allowed: (s: ProcessStatus) => boolean,
    refusal: (s: { status: ProcessState }) => string,
    remove: (call: CallOptions) => Observable<{ exitStatus: number; exitedAt: Date | undefined }>,
  ): Observable<ExitStatus> {
    return cancellable(async (c) => {
      const { kill, ...rest } = options;
      const call = c.call(nsOptions(this.ctx, rest));
      if (kill) {
        const exit$ = this.wait$();
        await lastValueFrom(killIfRunning$(this, "SIGKILL", { ...call, all: true }), { defaultValue: undefined });
        await c.last(exit$).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
      const { status, paths } = await lastValueFrom(this.get$(call));
      if (!allowed(status)) throw new FailedPreconditionError(refusal(status));
      await c.until(drainIO(this.io, BACKLOG_BYTES));
      const r = await lastValueFrom(remove(call));
      this.exitWait = undefined; // deleted: a later wait$() asks again (NotFoundError), as Go's Wait does
      await c.until(drainIO(this.io, Infinity)); // the shim has closed (or closes within 2 s) its ends

      // Without IO (loaded without `attach`, e.g. after an app restart), FIFOs left by whoever
      // created the process would be orphaned: remove them as the Go client does for loaded sets.
      await (this.io ? this.io.close() : removeStaleFifos(paths));
      return { code: r.exitStatus, exitedAt: r.exitedAt ?? new Date(0) };
    });
  }
}

/**
 * How long, in total, output may stay idle (read as fast as it is consumed, yet nothing arrives
 * and no EOF) before `delete$` stops waiting for it: an exited process's backlog is there to be
 * read at once, so waiting on the writer means another process (a background child) holds the
 * pipe open. Time spent waiting on a slow consumer (backpressure) does not count. @internal
 */
export const IO_IDLE_MS = 2_000;

/**
 * More than an exited process can leave unread in its pipes (pipe, shim buffer and FIFO: ~160
 * KiB): output beyond this, read before the delete, comes from a background child that keeps
 * writing, so `delete$` stops waiting and deletes. @internal
 */
export const BACKLOG_BYTES = 1 << 20;

/** Waits for the output's EOF, or until it has been idle for {@link IO_IDLE_MS}, or `maxBytes` were read. @internal */
export function drainIO(io: ProcessIO | undefined, maxBytes: number): Promise<void> {
  return io ? io.wait({ idleMs: IO_IDLE_MS, maxBytes }) : Promise.resolve();
}

const noIO = (what: string): Observable<never> =>
  throwError(
    () =>
      new FailedPreconditionError(
        `${what} is not available: the process was loaded without \`attach\` (use Stdio.pipe())`,
      ),
  );
