/**
 * Per-call options, accepted as the last argument of the operations that make RPCs (a few take
 * them inside their own options object, e.g. `newTask$({ io, timeoutMs })`).
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * client.services.tasks.get$({ containerId: "web" }, { namespace: "prod", timeoutMs: 2000, signal: ac.signal });
 * ```
 */
export interface CallOptions {
  /** containerd namespace (`containerd-namespace` header); defaults to the client's namespace. */
  readonly namespace?: string;
  /**
   * Deadline in milliseconds from subscription; sent to the daemon as the gRPC deadline.
   * `Infinity` means none, overriding the client's default (long waits and event streams use it).
   */
  readonly timeoutMs?: number;
  /** Aborting cancels the call on the server and errors the Observable with `CanceledError`. */
  readonly signal?: AbortSignal;
  /** Extra request metadata (ASCII values only). */
  readonly metadata?: Readonly<Record<string, string | readonly string[]>>;
  /** Lease id sent as the `containerd-lease` header, protecting what the call creates from GC. */
  readonly lease?: string;
}

/** Defaults a transport applies to every call; `CallOptions` override them. */
export interface CallDefaults {
  readonly namespace: string;
  readonly timeoutMs?: number;
  readonly metadata?: Readonly<Record<string, string | readonly string[]>>;
}
