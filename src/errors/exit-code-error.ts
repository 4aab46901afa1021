import { Code } from "./code.js";
import { ContainerdError } from "./containerd-error.js";

/** The exit status an {@link ExitCodeError} carries (the shape of `ExitStatus`). */
export interface ExitCodeErrorStatus {
  /** The process's exit code; 128+n for a process ended by signal n (137 = SIGKILL). */
  readonly code: number;
  readonly exitedAt: Date;
}

/** Construction options of {@link ExitCodeError}. */
export interface ExitCodeErrorInit {
  /** The container the process ran in, when known (a `run$` stream knows it). */
  readonly containerId?: string;
}

const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
};

/**
 * A process exited with a non-zero code: the error `throwOnNonZeroExit()` puts in the error
 * channel. Client-side only (the daemon reported the exit as a success): `kind` is `"exit-code"`
 * and `code` (the gRPC code, as on every {@link ContainerdError}) is `Code.Unknown`. The process's
 * own code is `exitCode` (also `status.code`); `signal` names the signal for codes above 128.
 * Recognise it with `isExitCodeError(e)`.
 *
 * @example
 * ```ts
 * client.run$("job", { image, args: ["sh", "-c", "exit 3"] }).pipe(throwOnNonZeroExit()).subscribe({
 *   error: (e: unknown) => { if (isExitCodeError(e)) console.log(e.containerId, e.exitCode); }, // "job" 3
 * });
 * ```
 */
export class ExitCodeError extends ContainerdError {
  declare readonly kind: "exit-code";
  /** The exit status as the daemon reported it. */
  readonly status: ExitCodeErrorStatus;
  /** `status.code`: the process's exit code. */
  readonly exitCode: number;
  /** The container, when the stream knew it (`run$` events do; a bare `wait$()` status does not). */
  readonly containerId: string | undefined;
  /** For a code above 128, the signal that ended the process (`"SIGKILL"` for 137), when known. */
  readonly signal: string | undefined;

  constructor(status: ExitCodeErrorStatus, init: ExitCodeErrorInit = {}) {
    const signal = status.code > 128 ? SIGNAL_NAMES[status.code - 128] : undefined;
    const who = init.containerId === undefined ? "process" : `container ${JSON.stringify(init.containerId)}`;
    super("exit-code", Code.Unknown, `${who} exited with code ${status.code}${signal ? ` (${signal})` : ""}`);
    this.name = "ExitCodeError";
    this.status = status;
    this.exitCode = status.code;
    this.containerId = init.containerId;
    this.signal = signal;
  }
}
