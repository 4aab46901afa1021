import { dirname } from "node:path";
import { catchError, throwError, type Observable, type OperatorFunction } from "rxjs";
import { ContainerdError, NotImplementedError, type ContainerdErrorClass } from "../../errors/containerd-error.js";
import type { IOConfig, IOTarget } from "./types.js";

/**
 * The error of FIFO-backed IO (`Stdio.pipe`, `Stdio.streams`, `Stdio.terminal`) for a daemon on
 * another machine: its shim opens FIFOs by path on its own host, so it could never see ours.
 * @internal
 */
export function remoteFifoError(target: IOTarget, attach: boolean): NotImplementedError {
  const what = target.execId ? `exec ${JSON.stringify(target.execId)}` : `task ${JSON.stringify(target.containerId)}`;
  return new NotImplementedError(
    `cannot ${attach ? "attach to" : "pipe"} the stdio of ${what}: the daemon is remote (a TCP address, or ` +
      "the `remote` option), and FIFOs cannot cross machines. Remotely, use Stdio.null(), Stdio.logFile(path) or " +
      "Stdio.binary(path) (paths on the daemon's host); control, events, wait$, images and content work as usual " +
      "(see docs/remote.md)",
  );
}

/**
 * Explains containerd's `failed to start io pipe copy: … no such file or directory` (Tasks.Create
 * of a task, Tasks.Start of an exec): the shim opens the FIFOs by path and could not see them.
 * Keeps the error's class and code, and the original as `cause`; anything else passes through.
 * @internal
 */
export function explainFifoError(e: unknown, config: IOConfig | undefined): unknown {
  if (!ContainerdError.is(e) || !config) return e;
  const fifo = [config.stdin, config.stdout, config.stderr].find((p) => p.startsWith("/"));
  if (!fifo || !/failed to start io pipe copy/.test(e.rawMessage) || !/no such file or directory/.test(e.rawMessage))
    return e;
  const Cls = e.constructor as ContainerdErrorClass;
  return new Cls(
    `the shim could not open the FIFOs in ${dirname(fifo)} (no such file or directory): the FIFO directory ` +
      "must be visible to containerd's shim (same host, same mount namespace); set `fifoDir` (Stdio.pipe({ fifoDir })) or " +
      `CONTAINERD_FIFO_DIR to such a directory. containerd said: ${e.rawMessage}`,
    { cause: e, code: e.code },
  );
}

/** {@link explainFifoError} as an operator. @internal */
export function explainFifoErrors<T>(config: IOConfig | undefined): OperatorFunction<T, T> {
  return catchError<T, Observable<never>>((e: unknown) => throwError(() => explainFifoError(e, config)));
}
