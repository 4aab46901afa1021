import { isAbsolute } from "node:path";
import { InvalidArgumentError } from "../errors/containerd-error.js";

/** The stdio paths/URIs containerd passes to the shim (Tasks.Create / Tasks.Exec). "" = /dev/null. */
export interface IOConfig {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

/** IO set up for one process. `close()` waits for output to drain, then releases what it holds. */
export interface ProcessIO {
  readonly config: IOConfig;
  close(): Promise<void>;
}

/** Where a process's IO is created for (FIFO creators name their files after it). */
export interface IOTarget {
  readonly namespace: string;
  readonly containerId: string;
  /** "" for a task's init process. */
  readonly execId: string;
}

/**
 * Makes the IO of a new task or exec (the `io` option of `newTask$` / `exec$`). Pipes and TTYs
 * (FIFO-backed) plug in here too; `create` may be asynchronous.
 */
export interface IOCreator {
  create(target: IOTarget): Promise<ProcessIO>;
}

const fixed = (config: IOConfig): IOCreator => ({ create: async () => ({ config, close: async () => undefined }) });

function absolute(what: string, path: string): string {
  if (!isAbsolute(path)) throw new InvalidArgumentError(`${what} must be an absolute path, got ${JSON.stringify(path)}`);
  return path;
}

/**
 * IO creators.
 *
 * @example
 * ```ts
 * container.newTask$({ io: Stdio.null() });
 * container.newTask$({ io: Stdio.logFile("/var/log/web.log") });  // the shim appends stdout+stderr
 * ```
 */
export const Stdio = {
  /** No FIFOs: the shim connects stdin/stdout/stderr to /dev/null. */
  null(): IOCreator {
    return fixed({ stdin: "", stdout: "", stderr: "", terminal: false });
  },
  /** The shim appends stdout and stderr to an absolute file path (`file://` URI). Throws InvalidArgumentError for a relative path. */
  logFile(path: string): IOCreator {
    const uri = `file://${absolute("logFile path", path)}`;
    return fixed({ stdin: "", stdout: uri, stderr: uri, terminal: false });
  },
  /** A `file://` or `binary://` URI the shim understands, for stdout and stderr. */
  logURI(uri: string): IOCreator {
    if (!/^(file|binary):\/\/\//.test(uri)) throw new InvalidArgumentError(`logURI must be file:/// or binary:/// URI, got ${JSON.stringify(uri)}`);
    return fixed({ stdin: "", stdout: uri, stderr: uri, terminal: false });
  },
  /** A logging binary the shim starts (`binary://path?k=v`): FD 3 is stdout, FD 4 stderr. */
  binary(path: string, args: Readonly<Record<string, string>> = {}): IOCreator {
    const query = new URLSearchParams(args).toString();
    return Stdio.logURI(`binary://${absolute("binary path", path)}${query ? `?${query}` : ""}`);
  },
} as const;

/**
 * Re-attaches to the IO of an existing process (the `attach` option of `task$` / `loadProcess$`),
 * given the paths containerd reports for it (Tasks.Get).
 */
export interface IOAttacher {
  attach(target: IOTarget, existing: IOConfig): Promise<ProcessIO>;
}
