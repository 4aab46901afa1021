import { isAbsolute } from "node:path";
import type { Readable, Writable } from "node:stream";
import { throwError, type Observable } from "rxjs";
import { FailedPreconditionError, InvalidArgumentError } from "../../errors/containerd-error.js";
import type { StdinSource } from "./input-pipe.js";
import { pipeIO } from "./pipe-io.js";
import type { IOAttacher, IOConfig, IOCreator } from "./types.js";

export type { IOAttacher, IOConfig, IOCreator, IOTarget, ProcessIO } from "./types.js";
export type { StdinSource } from "./input-pipe.js";

const notPiped = (what: string): Observable<never> =>
  throwError(
    () =>
      new FailedPreconditionError(
        `${what} is not piped: the process was created with Stdio.null/logFile/logURI/binary`,
      ),
  );

/** IO the shim handles alone (/dev/null, a file, a logging binary): nothing to read or drain here. */
const fixed = (makeConfig: () => IOConfig): IOCreator => ({
  create: async () => ({
    config: makeConfig(),
    stdout$: notPiped("stdout"),
    stderr$: notPiped("stderr"),
    stdin: undefined,
    connected: () => undefined,
    wait: async () => undefined,
    close: async () => undefined,
  }),
});

/**
 * Options of `Stdio.pipe`.
 *
 * @example
 * ```ts
 * task.exec$("sh", { args: ["sh"] }, { io: Stdio.pipe({ stdin: commands$, stderr: false }) });
 * ```
 */
export interface PipeOptions {
  /**
   * Stdin: `true` for a Writable at `process.stdin`, or a source: an Observable (completing it, or
   * erroring, closes stdin) or a Node Readable (its end closes stdin). Default: no stdin (/dev/null).
   */
  readonly stdin?: StdinSource | boolean;
  /** Default true. */
  readonly stdout?: boolean;
  /** Default true. */
  readonly stderr?: boolean;
  /** Base directory of the FIFO sets: default `$CONTAINERD_FIFO_DIR`, then `/run/containerd/fifo`. Must be visible to the shim. */
  readonly fifoDir?: string;
}

/**
 * Options of `Stdio.streams`: Node streams both ways (the Go client's `WithStreams`).
 *
 * @example
 * ```ts
 * container.newTask$({ io: Stdio.streams({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }) });
 * ```
 */
export interface StreamsOptions {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** End `stdout`/`stderr` at EOF. Default false (so `process.stdout` can be used). */
  readonly end?: boolean;
  readonly fifoDir?: string;
}

/**
 * Options of `Stdio.terminal`.
 *
 * @example
 * ```ts
 * container.newTask$({ io: Stdio.terminal({ stdin: keystrokes$ }) }); // container created with `tty: true`
 * ```
 */
export interface TerminalOptions {
  /** As for `Stdio.pipe`. */
  readonly stdin?: StdinSource | boolean;
  /** Also copy the terminal's output into this Writable (with backpressure). */
  readonly stdout?: Writable;
  readonly fifoDir?: string;
}

function absolute(what: string, path: string): string {
  if (!isAbsolute(path))
    throw new InvalidArgumentError(`${what} must be an absolute path, got ${JSON.stringify(path)}`);
  return path;
}

/**
 * IO creators (and, for the FIFO-backed ones, attachers). See docs/io.md.
 *
 * @example
 * ```ts
 * container.newTask$({ io: Stdio.null() });
 * container.newTask$({ io: Stdio.logFile("/var/log/web.log") });  // the shim appends stdout+stderr
 * container.newTask$({ io: Stdio.pipe({ stdin: of("hello\n") }) }).pipe(
 *   concatMap((task) => { const exit$ = task.wait$(); return merge(task.stdout$, task.start$().pipe(ignoreElements())); }));
 * container.task$({ attach: Stdio.pipe() });                       // re-open a running task's FIFOs
 * ```
 */
export const Stdio = {
  /**
   * FIFOs in a private directory (0700): `process.stdout$` / `stderr$` emit raw chunks, stdin from
   * an Observable, a Readable or `process.stdin`. The directory is removed by `delete$`, or when
   * the create fails or is unsubscribed. Also an attacher (re-opens the paths Tasks.Get reports).
   * NotImplementedError off Linux.
   */
  pipe(options: PipeOptions = {}): IOCreator & IOAttacher {
    return pipeIO({ ...options, terminal: false });
  },
  /** FIFOs copied into / from Node streams, with backpressure. */
  streams(options: StreamsOptions): IOCreator & IOAttacher {
    return pipeIO({
      stdin: options.stdin,
      stdout: options.stdout ?? false,
      stderr: options.stderr ?? false,
      terminal: false,
      end: options.end ?? false,
      fifoDir: options.fifoDir,
    });
  },
  /**
   * A TTY (the spec must say `terminal: true`, e.g. `withTTY()`; `exec$` sets it for you): one
   * combined output on `stdout$`, optional stdin, `resize$(w, h)`.
   */
  terminal(options: TerminalOptions = {}): IOCreator & IOAttacher {
    return pipeIO({
      stdin: options.stdin,
      stdout: options.stdout ?? true,
      stderr: false,
      terminal: true,
      fifoDir: options.fifoDir,
    });
  },
  /** No FIFOs: the shim connects stdin/stdout/stderr to /dev/null. */
  null(): IOCreator {
    return fixed(() => ({ stdin: "", stdout: "", stderr: "", terminal: false }));
  },
  /**
   * The shim appends stdout and stderr to an absolute file path (`file://` URI). A relative path
   * makes `newTask$` / `exec$` error with InvalidArgumentError (before any RPC).
   *
   * containerd's shim can lose stderr output it has not copied when stdout ends (the Go client's
   * `cio.LogFile` too): send stderr through stdout (`exec 2>&1`) or use `Stdio.binary` when every
   * stderr line matters. See docs/io.md, "A log file can lose stderr's last lines".
   */
  logFile(path: string): IOCreator {
    return fixed(() => {
      const uri = `file://${absolute("logFile path", path)}`;
      return { stdin: "", stdout: uri, stderr: uri, terminal: false };
    });
  },
  /** A `file://` or `binary://` URI the shim understands, for stdout and stderr. */
  logURI(uri: string): IOCreator {
    return fixed(() => {
      if (!/^(file|binary):\/\/\//.test(uri))
        throw new InvalidArgumentError(`logURI must be file:/// or binary:/// URI, got ${JSON.stringify(uri)}`);
      return { stdin: "", stdout: uri, stderr: uri, terminal: false };
    });
  },
  /** A logging binary the shim starts (`binary://path?k=v`): FD 3 is stdout, FD 4 stderr. */
  binary(path: string, args: Readonly<Record<string, string>> = {}): IOCreator {
    const query = new URLSearchParams(args).toString();
    return fixed(() => {
      const uri = `binary://${absolute("binary path", path)}${query ? `?${query}` : ""}`;
      return { stdin: "", stdout: uri, stderr: uri, terminal: false };
    });
  },
} as const;
