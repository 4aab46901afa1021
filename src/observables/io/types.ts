import type { Writable } from "node:stream";
import type { Observable } from "rxjs";

/** The stdio paths/URIs containerd passes to the shim (Tasks.Create / Tasks.Exec). "" = /dev/null. */
export interface IOConfig {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

/**
 * IO set up for one process (what an {@link IOCreator} or {@link IOAttacher} returns; a Process
 * exposes it as `process.io`, and its streams as `stdout$`, `stderr$`, `stdin`).
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
  /** The stdin FIFO as a Node Writable when stdin was requested; ending it closes the process's stdin. */
  readonly stdin: Writable | undefined;
  /** Called by the library once the shim side is connected (after Tasks.Create for a task, Tasks.Start for an exec). */
  connected(): void;
  /** Resolves when all output is drained (EOF), reading and discarding what nobody consumes. Called by `delete$` before the delete RPC. */
  wait(): Promise<void>;
  /** Releases everything now (fds, FIFO directory). Called after delete, and on a failed or unsubscribed create. */
  close(): Promise<void>;
}

/** Where a process's IO is created for (FIFO creators name their files after it). */
export interface IOTarget {
  readonly namespace: string;
  readonly containerId: string;
  /** "" for a task's init process. */
  readonly execId: string;
  /** Closes the process's stdin on the shim side (Tasks.CloseIO). */
  readonly closeStdin: () => Promise<void>;
}

/**
 * Makes the IO of a new task or exec (the `io` option of `newTask$` / `exec$`). Pipes and TTYs
 * (FIFO-backed) plug in here too; `create` may be asynchronous.
 */
export interface IOCreator {
  create(target: IOTarget): Promise<ProcessIO>;
}

/**
 * Re-attaches to the IO of an existing process (the `attach` option of `task$` / `loadProcess$`),
 * given the paths containerd reports for it (Tasks.Get).
 */
export interface IOAttacher {
  attach(target: IOTarget, existing: IOConfig): Promise<ProcessIO>;
}
