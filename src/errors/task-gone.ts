import { NotFoundError, type ContainerdErrorInit } from "./containerd-error.js";

/**
 * Why a waited task or process is gone:
 * - `reaped-after-restart`: containerd ≥ 1.7 reaps, when it restarts, the tasks that exited while it
 *   was down (and those whose shim died); the exit status is lost.
 * - `shim-lost-after-restart`: the daemon (1.6, which keeps tasks that merely exited) came back
 *   without the task: its shim was lost while the daemon was down.
 * - `deleted`: no restart was seen; it was deleted (or its shim was lost).
 */
export type TaskGoneReason = "reaped-after-restart" | "shim-lost-after-restart" | "deleted";

/**
 * The NotFoundError of `wait$` when the process it waits for no longer exists, with the reason
 * (`reason`) and the daemon version it was judged by (`daemonVersion`, when asked). It is a
 * {@link NotFoundError}: `isNotFound(e)` is true.
 *
 * @example
 * ```ts
 * task.wait$().subscribe({
 *   error: (e: unknown) => {
 *     if (e instanceof TaskGoneError && e.reason === "reaped-after-restart") console.log("exit status lost:", e.message);
 *   },
 * });
 * ```
 */
export class TaskGoneError extends NotFoundError {
  /** Why it is gone. */
  readonly reason: TaskGoneReason;
  /** The daemon's version, when it was asked to tell a reap from a lost shim. */
  readonly daemonVersion: string | undefined;

  constructor(message: string, reason: TaskGoneReason, init: ContainerdErrorInit & { daemonVersion?: string } = {}) {
    super(message, init);
    this.reason = reason;
    this.daemonVersion = init.daemonVersion;
  }
}
