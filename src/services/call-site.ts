/**
 * The stack of whoever asked for an operation, captured when the Observable is created, so that
 * an error reported later (asynchronously, from grpc-js internals) still points at user code.
 * Only the frames are recorded here; they are formatted (the costly part) if an error needs them.
 */
export interface CallSite {
  readonly stack?: string;
}

/** Records the caller's frames (above `skip`) without formatting them. */
export function captureCallSite(skip: (...args: never[]) => unknown): CallSite {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, skip);
  return holder;
}

/** Replaces an error's stack with `Name: message`, the RPC path and the caller's stack. */
export function withCallSite<E extends Error>(err: E, path: string, site: CallSite): E {
  const stack = site.stack ?? "";
  const nl = stack.indexOf("\n");
  const frames = nl < 0 ? "" : stack.slice(nl + 1);
  err.stack = `${err.name}: ${err.message}\n    at rpc ${path}${frames ? `\n${frames}` : ""}`;
  return err;
}

/**
 * Runs `start` (a grpc-js `make*Request`) with V8's stack capture off, then restores
 * `Error.stackTraceLimit`. grpc-js records its caller's stack on every unary and client-streaming
 * call (`new Error()` in `makeUnaryRequest`), for the stack of a failed call's error. The adapter
 * replaces that stack with {@link withCallSite}'s, captured when the Observable was made, so the
 * capture was wasted, and it costs as much as the adapter's own (6–7 µs a call on the benchmark
 * machine). grpc-js then writes "no stack trace available" where its caller's frames would be, in the
 * error kept as `cause`.
 */
export function withoutStackCapture<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
