import type { Writable } from "node:stream";
import type { Observable } from "rxjs";
import type { ContainerdError } from "../../errors/containerd-error.js";

/**
 * The stdio paths/URIs containerd passes to the shim (Tasks.Create / Tasks.Exec). "" = /dev/null.
 *
 * @example
 * ```ts
 * task.io?.config.stdout; // "/run/containerd/fifo/io-Ab12Cd/web-stdout"
 * ```
 */
export interface IOConfig {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

/**
 * IO set up for one process (what an {@link IOCreator} or {@link IOAttacher} returns; a Process
 * exposes it as `process.io`, and its streams as `stdout$`, `stderr$`, `stdin`).
 *
 * @example
 * ```ts
 * task.io?.stdout$.subscribe((chunk) => process.stdout.write(chunk));
 * ```
 */
export interface ProcessIO {
  readonly config: IOConfig;
  /**
   * Raw output chunks. Reading starts with the first subscriber (the FIFO holds what was written
   * before); completes at EOF, when the shim closes its end after the process exited. Hot: chunks
   * read while nobody listens are not replayed. FailedPreconditionError if stdout is not piped.
   */
  readonly stdout$: Observable<Buffer>;
  /** Like `stdout$`; completes at once for a terminal (the TTY's output is all on `stdout$`). */
  readonly stderr$: Observable<Buffer>;
  /**
   * The stdin FIFO as a Node Writable when stdin was requested; ending it closes the process's
   * stdin. Write errors (EPIPE once the process closed its stdin, ERR_STREAM_DESTROYED after
   * `delete$`) are emitted as 'error' events, as for any Node stream: listen for them.
   */
  readonly stdin: Writable | undefined;
  /**
   * Failures of the IO copying that no other channel reports, as values (replayed; completes
   * when the IO is closed): a stdin source that errored (stdin was then closed, so the process saw
   * EOF), a write error while feeding a source (the source is released), a `Stdio.streams`
   * Writable that failed or closed before EOF (the rest of that output is discarded). Optional
   * for custom IO; the FIFO-backed creators provide it.
   */
  readonly ioErrors$?: Observable<ContainerdError>;
  /** Called by the library once the shim side is connected (after Tasks.Create for a task, Tasks.Start for an exec). */
  connected(): void;
  /**
   * Resolves when all output is drained (EOF), reading and discarding what nobody consumes. With
   * `idleMs`, also once the output has been idle that long (being read, yet nothing arriving and
   * no EOF: a background process holds the pipe; time spent waiting on a slow consumer does not
   * count); with `maxBytes`, also once that much more was read. Called by `delete$` before and
   * after the delete RPC (see docs/io.md).
   */
  wait(options?: { readonly idleMs?: number; readonly maxBytes?: number }): Promise<void>;
  /** Releases everything now (fds, FIFO directory). Called after delete, and on a failed or unsubscribed create. */
  close(): Promise<void>;
}

/**
 * Where a process's IO is created for (FIFO creators name their files after it), with the
 * Tasks.CloseIO hook that closing stdin needs. Built by the library.
 *
 * @example
 * ```ts
 * const io = await Stdio.pipe().create({ namespace: "default", containerId: "web", execId: "", closeStdin: async () => {} });
 * ```
 */
export interface IOTarget {
  readonly namespace: string;
  readonly containerId: string;
  /** "" for a task's init process. */
  readonly execId: string;
  /** Closes the process's stdin on the shim side (Tasks.CloseIO). */
  readonly closeStdin: () => Promise<void>;
  /**
   * The daemon is on another machine (the client's `remote` option; true for TCP addresses):
   * FIFOs made here cannot reach its shim, so the FIFO-backed creators reject (NotImplementedError).
   */
  readonly remote?: boolean;
}

/**
 * Makes the IO of a new task or exec (the `io` option of `newTask$` / `exec$`), called before
 * Tasks.Create / Tasks.Exec; a rejection makes that operation error (and nothing is created).
 * The built-in creators are in `Stdio`.
 *
 * @example
 * ```ts
 * // Your own: the shim appends to a per-container log file.
 * const perContainerLog: IOCreator = { create: (t) => Stdio.logFile(`/var/log/ctr/${t.containerId}.log`).create(t) };
 * ```
 */
export interface IOCreator {
  create(target: IOTarget): Promise<ProcessIO>;
}

/**
 * Re-attaches to the IO of an existing process (the `attach` option of `task$` / `loadProcess$`),
 * given the paths containerd reports for it (Tasks.Get). `Stdio.pipe()` and `Stdio.terminal()`
 * are attachers; a process whose IO is not FIFOs makes them reject with InvalidArgumentError.
 *
 * @example
 * ```ts
 * container.task$({ attach: Stdio.pipe({ stdin: true }) });
 * ```
 */
export interface IOAttacher {
  attach(target: IOTarget, existing: IOConfig): Promise<ProcessIO>;
}
