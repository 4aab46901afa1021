import type { Writable } from "node:stream";
import { EMPTY, ReplaySubject, throwError, type Observable } from "rxjs";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  UnknownError,
  type ContainerdError,
} from "../../errors/containerd-error.js";
import type { IOAttacher, IOConfig, IOCreator, IOTarget, ProcessIO } from "./types.js";
import { defaultFifoDir, makeFifoDir, removeDir, removeFifos } from "./fifo.js";
import { remoteFifoError } from "./fifo-errors.js";
import { InputPipe, type StdinSource } from "./input-pipe.js";
import { OutputPipe } from "./output-pipe.js";

/** What a FIFO-backed IO wires up. @internal */
export interface PipeSpec {
  readonly stdin?: StdinSource | boolean;
  readonly stdout?: Writable | boolean;
  readonly stderr?: Writable | boolean;
  readonly terminal: boolean;
  readonly fifoDir?: string;
  /** End the Writables given for stdout/stderr at EOF (default false, like the Go client). */
  readonly end?: boolean;
}

const missing = (what: string): Observable<never> =>
  throwError(
    () =>
      new FailedPreconditionError(
        `${what} is not piped: create the process with Stdio.pipe() / Stdio.terminal() and that stream enabled`,
      ),
  );

class PipeIO implements ProcessIO {
  private connect: () => void = () => undefined;
  private readonly whenConnected = new Promise<void>((resolve) => (this.connect = resolve));
  stdinPipe: InputPipe | undefined;
  /** Few values at most (one per stream): replayed, so a late subscriber still hears of them. */
  private readonly errors = new ReplaySubject<ContainerdError>();
  readonly ioErrors$: Observable<ContainerdError> = this.errors.asObservable();
  readonly report = (e: ContainerdError): void => this.errors.next(e);

  constructor(
    private readonly spec: PipeSpec,
    readonly config: IOConfig,
    readonly stdoutPipe: OutputPipe | undefined,
    readonly stderrPipe: OutputPipe | undefined,
    private readonly remove: () => Promise<void>,
  ) {}

  get stdout$(): Observable<Buffer> {
    return this.stdoutPipe && this.spec.stdout !== false ? this.stdoutPipe.chunks$ : missing("stdout");
  }

  get stderr$(): Observable<Buffer> {
    if (this.config.terminal) return EMPTY; // a TTY has one combined output: stdout$
    return this.stderrPipe && this.spec.stderr !== false ? this.stderrPipe.chunks$ : missing("stderr");
  }

  get stdin(): Writable | undefined {
    return this.stdinPipe?.writable;
  }

  connectedPromise(): Promise<void> {
    return this.whenConnected;
  }

  connected(): void {
    this.stdoutPipe?.connected();
    this.stderrPipe?.connected();
    this.connect();
  }

  async wait(options: { readonly idleMs?: number; readonly maxBytes?: number } = {}): Promise<void> {
    await Promise.all([
      this.stdoutPipe?.drain(options.idleMs, options.maxBytes),
      this.stderrPipe?.drain(options.idleMs, options.maxBytes),
    ]);
  }

  async close(): Promise<void> {
    this.connect();
    await Promise.all([this.stdoutPipe?.close(), this.stderrPipe?.close(), this.stdinPipe?.close()]);
    this.errors.complete();
    await this.remove();
  }
}

/** Opens the pipes of `config`; `owned`: we created the FIFO set (keepalives, and removal on failure). */
async function wire(
  spec: PipeSpec,
  target: IOTarget,
  config: IOConfig,
  owned: boolean,
  remove: () => Promise<void>,
): Promise<PipeIO> {
  let io: PipeIO | undefined;
  let out: OutputPipe | undefined;
  let err: OutputPipe | undefined;
  try {
    if (config.stdout) out = await OutputPipe.open(config.stdout, owned);
    if (config.stderr && !config.terminal) err = await OutputPipe.open(config.stderr, owned);
    io = new PipeIO(spec, config, out, err, remove);
    if (config.stdin) {
      const source = typeof spec.stdin === "object" ? spec.stdin : undefined;
      io.stdinPipe = await InputPipe.open(
        config.stdin,
        source,
        io.connectedPromise(),
        target.closeStdin,
        source ? io.report : undefined,
      );
    }
    const gone = (what: string, report: (e: ContainerdError) => void) => (e: Error | undefined) =>
      report(
        new UnknownError(
          `the ${what} Writable ${e ? `failed (${e.message})` : "closed"} before EOF: the rest of the output is discarded`,
          { cause: e },
        ),
      );
    if (out && typeof spec.stdout === "object") out.pipeTo(spec.stdout, spec.end ?? false, gone("stdout", io.report));
    if (err && typeof spec.stderr === "object") err.pipeTo(spec.stderr, spec.end ?? false, gone("stderr", io.report));
    if (out && spec.stdout === false) out.discard();
    if (err && spec.stderr === false) err.discard();
    return io;
  } catch (e) {
    await Promise.all([out?.close(), err?.close(), io?.stdinPipe?.close()]);
    if (owned) await remove();
    throw e;
  }
}

/** FIFO-backed IO: creates a FIFO set for new processes and re-opens a running one's. @internal */
export function pipeIO(spec: PipeSpec): IOCreator & IOAttacher {
  const wants = (s: unknown) => s !== undefined && s !== false;
  return {
    async create(target: IOTarget): Promise<ProcessIO> {
      if (target.remote) throw remoteFifoError(target, false);
      const name = target.execId || target.containerId;
      // The 1.6 shim opens stdout and stderr as a pair: with one FIFO and one "" it fails
      // ('opening file ""'). So both exist whenever either is wanted; the unwanted one is drained.
      const outputs = spec.stdout !== false || (!spec.terminal && spec.stderr !== false);
      const paths = (dir: string) => ({
        stdin: wants(spec.stdin) ? `${dir}/${name}-stdin` : "",
        stdout: outputs ? `${dir}/${name}-stdout` : "",
        stderr: outputs && !spec.terminal ? `${dir}/${name}-stderr` : "",
      });
      const dir = await makeFifoDir(spec.fifoDir ?? defaultFifoDir(), (d) =>
        Object.values(paths(d)).filter((p) => p !== ""),
      );
      return wire(spec, target, { ...paths(dir), terminal: spec.terminal }, true, () => removeDir(dir));
    },
    async attach(target: IOTarget, existing: IOConfig): Promise<ProcessIO> {
      if (target.remote) throw remoteFifoError(target, true);
      const all = [existing.stdin, existing.stdout, existing.stderr].filter((p) => p !== "");
      const bad = all.find((p) => /^[a-z]+:\/\//.test(p) && !p.startsWith("fifo://"));
      if (bad) throw new InvalidArgumentError(`cannot attach: the process's IO is not FIFOs (${bad})`);
      const strip = (p: string) => p.replace(/^fifo:\/\//, "");
      const config: IOConfig = {
        stdin: wants(spec.stdin) ? strip(existing.stdin) : "",
        stdout: spec.stdout !== false ? strip(existing.stdout) : "",
        stderr: spec.stderr !== false ? strip(existing.stderr) : "",
        terminal: existing.terminal,
      };
      const io = await wire(spec, target, config, false, () => removeFifos(all.map(strip)));
      io.connected();
      return io;
    },
  };
}
