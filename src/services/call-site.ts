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
