import { ContainerdError, PermissionDeniedError, UnauthenticatedError } from "../../errors/containerd-error.js";

/**
 * The error a daemon-side transfer reports, as the client-side path would: containerd passes a
 * registry's refusal on as an Unknown error whose message names the HTTP status (`… 401
 * Unauthorized`, `… 403 Forbidden`); those become UnauthenticatedError and PermissionDeniedError
 * (same message, the daemon's error as `cause`). Anything else is returned unchanged.
 *
 * @example
 * ```ts
 * import { catchError, throwError } from "rxjs";
 * client.transfer.pull$("127.0.0.1:5000/private/app:1").pipe(catchError((e) => throwError(() => mapTransferError(e))));
 * ```
 */
export function mapTransferError(e: unknown): unknown {
  if (!ContainerdError.is(e) || e.kind !== "unknown") return e;
  const init = { cause: e, ...(e.method ? { method: e.method } : {}), metadata: e.metadata };
  if (/\b401 Unauthorized\b/.test(e.rawMessage)) return new UnauthenticatedError(e.rawMessage, init);
  if (/\b403 Forbidden\b/.test(e.rawMessage)) return new PermissionDeniedError(e.rawMessage, init);
  return e;
}
