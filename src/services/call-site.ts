/**
 * The stack of whoever asked for an operation, captured when the Observable is created, so that
 * an error reported later (asynchronously, from grpc-js internals) still points at user code.
 */
export function captureCallSite(skip: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, skip);
  const stack = holder.stack ?? "";
  const nl = stack.indexOf("\n");
  return nl < 0 ? "" : stack.slice(nl + 1);
}

/** Replaces an error's stack with `Name: message`, the RPC path and the caller's stack. */
export function withCallSite<E extends Error>(err: E, path: string, site: string): E {
  err.stack = `${err.name}: ${err.message}\n    at rpc ${path}${site ? `\n${site}` : ""}`;
  return err;
}
