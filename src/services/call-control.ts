import { Metadata, status, type CallOptions as GrpcCallOptions, type ServiceError } from "@grpc/grpc-js";
import type { Subscriber } from "rxjs";
import { CanceledError, ContainerdError, InvalidArgumentError, UnavailableError } from "../errors/containerd-error.js";
import type { CallDefaults, CallOptions } from "./call-options.js";
import { withCallSite, type CallSite } from "./call-site.js";
import { fromServiceError } from "./grpc-error.js";
import { connectHint, explainChannelError, readableConnectError, type ChannelInfo } from "./remote-error.js";
import { availabilityOf, explainUnimplemented } from "./unimplemented.js";

/** Live counters of one channel's calls (diagnostics and leak tests). */
export interface CallStats {
  /** Calls issued and not yet finished or cancelled. */
  active: number;
  /** Calls issued since the channel was created. */
  started: number;
}

/** What {@link ChannelCalls} can do to a live call. */
interface LiveCall {
  /** Cancels the call on the server and errors its subscriber with `reason`. */
  close(reason: ContainerdError): void;
}

/**
 * The calls of one channel, shared by every {@link Rpc} over it (`withDefaults` copies): the
 * counters, the set of live calls `close()` cancels, and whether the channel was closed. A call
 * registers when it is issued and leaves the set when it reaches its final status or is
 * unsubscribed, so the set (like `stats.active`) holds exactly the calls still open.
 * @internal
 */
export class ChannelCalls {
  readonly stats: CallStats = { active: 0, started: 0 };
  private readonly live = new Set<LiveCall>();
  private closed = false;
  /** The daemon's version, asked once per channel (set by Rpc); explains UNIMPLEMENTED answers. */
  daemonVersion: (() => Promise<string | undefined>) | undefined;

  /**
   * @param address the daemon address as the user gave it, named in connection errors.
   * @param channel how the channel connects (TCP, TLS), to explain its failures.
   */
  constructor(
    readonly address = "",
    readonly channel?: ChannelInfo,
  ) {}

  /** True once {@link ChannelCalls.closeAll} ran: no new call may be issued. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of calls registered and not yet finished (equals `stats.active`). */
  get size(): number {
    return this.live.size;
  }

  /** @internal */
  add(call: LiveCall): void {
    this.live.add(call);
  }

  /** @internal */
  delete(call: LiveCall): void {
    this.live.delete(call);
  }

  /**
   * Marks the channel closed and cancels every live call: each is cancelled on the server and its
   * subscriber errors with CanceledError("client closed"). Idempotent.
   */
  closeAll(): void {
    this.closed = true;
    for (const call of [...this.live]) call.close(closedError());
    this.live.clear();
  }
}

const connectFailures = new WeakSet<object>();
const misconfigured = new WeakSet<object>();

/**
 * True for the UnavailableError of a call that found no connection to the daemon at all (the
 * channel never connected, or cannot reconnect), as opposed to a call that was connected and
 * then lost the daemon. @internal
 */
export function isConnectFailure(e: unknown): boolean {
  return typeof e === "object" && e !== null && connectFailures.has(e);
}

/**
 * True for the UnavailableError of a connection that retrying cannot fix: the TLS settings do not
 * match the server's (untrusted certificate, wrong name, TLS to plain text or the reverse). A
 * reconnecting stream gives up on it at once. @internal
 */
export function isMisconfiguredChannel(e: unknown): boolean {
  return typeof e === "object" && e !== null && misconfigured.has(e);
}

/** The error of a call cancelled by `close()`, or made after it. */
export function closedError(path?: string): ContainerdError {
  return new CanceledError(`${path ? `${path}: ` : ""}client closed`, path ? { method: path } : {});
}

let tick = 0;
let tickScheduled = false;
/**
 * A number that changes once per macrotask in which calls were started: one `setImmediate` for
 * all the calls of a tick, instead of one per call.
 */
function currentTick(): number {
  if (!tickScheduled) {
    tickScheduled = true;
    setImmediate(() => {
      tick++;
      tickScheduled = false;
    });
  }
  return tick;
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
  private startedTick = -1;
  private cancelledByUs = false;
  /** The call failed: its error may be reported a moment later (explained), so no 'end' may complete it. */
  failed = false;
  private readonly onAbort = (): void => this.abort();
  private readonly stats: CallStats;

  private constructor(
    private readonly path: string,
    private readonly site: CallSite,
    private readonly subscriber: Subscriber<T>,
    private readonly signal: AbortSignal | undefined,
    private readonly calls: ChannelCalls,
  ) {
    this.stats = calls.stats;
  }

  /**
   * Prepares a call; returns undefined (after erroring the subscriber) when the client was
   * closed (CanceledError), the options are invalid or the signal is already aborted, in which
   * case no RPC must be issued. Nothing is registered then: no AbortSignal listener, no entry.
   */
  static open<T>(
    path: string,
    site: CallSite,
    subscriber: Subscriber<T>,
    defaults: CallDefaults,
    opts: CallOptions | undefined,
    calls: ChannelCalls,
  ): CallControl<T> | undefined {
    const ctl = new CallControl(path, site, subscriber, opts?.signal, calls);
    const problem = calls.isClosed ? closedError(path) : ctl.configure(defaults, opts ?? {});
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

  /** Registers the grpc-js call so teardown, abort and `close()` can cancel it. */
  attach(call: Cancellable): () => void {
    this.call = call;
    this.startedTick = currentTick();
    if (!this.done) {
      this.counted = true;
      this.stats.active++;
      this.calls.add(this.live);
    }
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
    this.failed = true;
    if (ContainerdError.is(err)) {
      this.subscriber.error(withCallSite(err, this.path, this.site));
      return;
    }
    if (this.cancelledByUs && err.code === status.CANCELLED) return;
    const mapped = this.mapError(err);
    const version = this.calls.daemonVersion;
    if (mapped.kind === "not-implemented" && version && availabilityOf(this.path)) {
      // Say which containerd has it, from the daemon's own version (asked once per channel).
      void explainUnimplemented(mapped, this.path, version).then((e) =>
        this.subscriber.error(withCallSite(e, this.path, this.site)),
      );
      return;
    }
    this.subscriber.error(withCallSite(mapped, this.path, this.site));
  }

  /**
   * A failure thrown by grpc-js while issuing the call (e.g. its "Channel has been shut down"
   * when the channel was closed underneath): reported as a typed error, never thrown.
   */
  failIssue(e: unknown): void {
    const err =
      e instanceof Error && /shut ?down/i.test(e.message)
        ? new CanceledError(`${this.path}: client closed`, { method: this.path, cause: e })
        : ContainerdError.from(e, { method: this.path });
    this.cancel();
    this.fail(err);
  }

  /** The grpc-js status as a ContainerdError; a connection that never came up names the address. */
  private mapError(err: ServiceError): ContainerdError {
    const mapped = fromServiceError(err, this.path);
    const remote = explainChannelError(err, mapped, this.calls.channel);
    if (remote) return remote;
    if (err.code !== status.UNAVAILABLE) return mapped;
    const m = /No connection established\. Last error: (.*?)(?:\. Resolution note: ?(.*))?$/s.exec(err.details ?? "");
    if (!m) return mapped;
    const note = m[2]?.trim();
    const where = this.calls.address ? ` at ${JSON.stringify(this.calls.address)}` : "";
    const explained = connectHint(m[1], this.calls.channel);
    const hint =
      explained?.hint ??
      "is the daemon running, and is the address right? (set it with the address option or $CONTAINERD_ADDRESS)";
    const error = new UnavailableError(
      `cannot connect to containerd${where}: ${readableConnectError(m[1])}${note ? ` (${note})` : ""}; ${hint}`,
      { method: this.path, cause: err, details: mapped.details, metadata: mapped.metadata },
    );
    connectFailures.add(error);
    if (explained?.permanent) misconfigured.add(error);
    return error;
  }

  /** This call as {@link ChannelCalls} sees it. */
  private readonly live: LiveCall = {
    close: (reason) => {
      if (this.done) return;
      this.cancel();
      this.fail(reason.method === undefined ? closedError(this.path) : reason);
    },
  };

  private cancel(): void {
    if (this.done || !this.call) return;
    this.cancelledByUs = true;
    const call = this.call;
    // grpc-js leaks the HTTP/2 stream of a call cancelled in the same tick it was started (it is
    // still being set up and is never released: ~8 KiB each, measured). Cancel such calls one
    // macrotask later; the subscriber is already gone, and the flag above swallows the status.
    if (this.startedTick === tick) setImmediate(() => call.cancel());
    else call.cancel();
  }

  private abort(): void {
    this.cancel();
    this.fail(this.abortError());
  }

  private abortError(): ContainerdError {
    const reason: unknown = this.signal?.reason;
    const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
    return new CanceledError(`${this.path}: aborted by signal${why ? `: ${why}` : ""}`, {
      cause: reason,
      method: this.path,
    });
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
    this.calls.delete(this.live);
  }
}
