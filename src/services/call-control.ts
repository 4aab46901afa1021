import { Metadata, status, type CallOptions as GrpcCallOptions, type ServiceError } from "@grpc/grpc-js";
import type { Subscriber } from "rxjs";
import { CanceledError, ContainerdError, InvalidArgumentError } from "../errors/containerd-error.js";
import type { CallDefaults, CallOptions } from "./call-options.js";
import { withCallSite, type CallSite } from "./call-site.js";
import { fromServiceError } from "./grpc-error.js";

/** Live counters of one channel's calls (diagnostics and leak tests). */
export interface CallStats {
  /** Calls issued and not yet finished or cancelled. */
  active: number;
  /** Calls issued since the channel was created. */
  started: number;
}

/** What every grpc-js call object offers. */
interface Cancellable {
  cancel(): void;
}

/**
 * The per-subscription state of one RPC: the metadata and deadline it was issued with, whether we
 * cancelled it ourselves (so the CANCELLED status that follows is swallowed — a flag, not string
 * matching), the AbortSignal listener, and error mapping with the caller's stack.
 * @internal
 */
export class CallControl<T> {
  readonly metadata = new Metadata();
  readonly options: GrpcCallOptions = {};
  private call: Cancellable | undefined;
  private done = false;
  private counted = false;
  private startedTick = false;
  private cancelledByUs = false;
  private readonly onAbort = (): void => this.abort();

  private constructor(
    private readonly path: string,
    private readonly site: CallSite,
    private readonly subscriber: Subscriber<T>,
    private readonly signal: AbortSignal | undefined,
    private readonly stats: CallStats,
  ) {}

  /**
   * Prepares a call; returns undefined (after erroring the subscriber) when the options are
   * invalid or the signal is already aborted, in which case no RPC must be issued.
   */
  static open<T>(path: string, site: CallSite, subscriber: Subscriber<T>, defaults: CallDefaults,
    opts: CallOptions | undefined, stats: CallStats): CallControl<T> | undefined {
    const ctl = new CallControl(path, site, subscriber, opts?.signal, stats);
    const problem = ctl.configure(defaults, opts ?? {});
    if (problem) {
      ctl.fail(problem);
      return undefined;
    }
    if (opts?.signal?.aborted) {
      ctl.fail(ctl.abortError());
      return undefined;
    }
    opts?.signal?.addEventListener("abort", ctl.onAbort, { once: true });
    return ctl;
  }

  private configure(defaults: CallDefaults, opts: CallOptions): ContainerdError | undefined {
    const ns = opts.namespace ?? defaults.namespace;
    if (ns) this.metadata.set("containerd-namespace", ns);
    if (opts.lease) this.metadata.set("containerd-lease", opts.lease);
    for (const extra of [defaults.metadata, opts.metadata]) {
      for (const [key, value] of Object.entries(extra ?? {})) {
        try {
          for (const v of typeof value === "string" ? [value] : value) this.metadata.add(key, v);
        } catch (e) {
          return new InvalidArgumentError(`invalid metadata ${JSON.stringify(key)}: ${String(e)}`, { cause: e });
        }
      }
    }
    const timeoutMs = opts.timeoutMs ?? defaults.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        return new InvalidArgumentError(`timeoutMs must be a number >= 0 (or Infinity), got ${timeoutMs}`);
      }
      this.options.deadline = new Date(Date.now() + timeoutMs);
    }
    return undefined;
  }

  /** Registers the grpc-js call so teardown and abort can cancel it. */
  attach(call: Cancellable): () => void {
    this.call = call;
    this.startedTick = true;
    setImmediate(() => (this.startedTick = false));
    this.counted = true;
    this.stats.active++;
    this.stats.started++;
    return () => this.teardown();
  }

  /** The call reached its final status: nothing to cancel any more. */
  finish(): void {
    this.uncount();
    this.done = true;
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  /** Reports a failure to the subscriber, unless it is the CANCELLED we caused. */
  fail(err: ServiceError | ContainerdError): void {
    this.finish();
    if (ContainerdError.is(err)) {
      this.subscriber.error(withCallSite(err, this.path, this.site));
      return;
    }
    if (this.cancelledByUs && err.code === status.CANCELLED) return;
    this.subscriber.error(withCallSite(fromServiceError(err, this.path), this.path, this.site));
  }

  private cancel(): void {
    if (this.done || !this.call) return;
    this.cancelledByUs = true;
    const call = this.call;
    // grpc-js leaks the HTTP/2 stream of a call cancelled in the same tick it was started (it is
    // still being set up and is never released: ~8 KiB each, measured). Cancel such calls one
    // macrotask later; the subscriber is already gone, and the flag above swallows the status.
    if (this.startedTick) setImmediate(() => call.cancel());
    else call.cancel();
  }

  private abort(): void {
    this.cancel();
    this.fail(this.abortError());
  }

  private abortError(): ContainerdError {
    const reason: unknown = this.signal?.reason;
    const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
    return new CanceledError(`${this.path}: aborted by signal${why ? `: ${why}` : ""}`, { cause: reason, method: this.path });
  }

  private teardown(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.cancel();
    this.done = true;
    this.uncount();
  }

  private uncount(): void {
    if (this.counted) this.stats.active--;
    this.counted = false;
  }
}
