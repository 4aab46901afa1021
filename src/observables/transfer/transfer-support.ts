import { catchError, map, mergeMap, of, throwError, type Observable } from "rxjs";
import { ContainerdError, NotImplementedError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";

/** Whether a containerd version string is at least 1.7 (the first line with Transfer); undefined if unparseable. */
export function hasTransfer(version: string): boolean | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 1 || (major === 1 && minor >= 7);
}

/**
 * Explains a NotImplementedError from Streaming or Transfer: asks the daemon its version and, when
 * it is older than 1.7 (or the error says the service is unknown), reports a NotImplementedError
 * saying that Transfer needs containerd ≥ 1.7, naming the daemon's version and pointing to the
 * client-side equivalent. Other errors, and NotImplementedErrors from a daemon that has Transfer
 * (a source/destination pair it cannot handle), pass through unchanged.
 *
 * @example
 * ```ts
 * import { catchError } from "rxjs";
 * client.services.transfer.transfer$({}).pipe(catchError((e) => explainUnsupported(client.services, e, "images.pull$")));
 * ```
 */
export function explainUnsupported(
  services: Pick<Services, "version">,
  error: unknown,
  alternative: string,
  options?: CallOptions,
): Observable<never> {
  if (!(ContainerdError.is(error) && error.kind === "not-implemented")) return throwError(() => error);
  const unknownService = /unknown service/i.test(error.rawMessage);
  return services.version.version$({}, options).pipe(
    map((v) => v.version),
    catchError(() => of("(version unknown)")),
    mergeMap((version) => {
      const has = hasTransfer(version);
      if (has === true || (has === undefined && !unknownService)) return throwError(() => error);
      return throwError(
        () =>
          new NotImplementedError(
            `Transfer needs containerd >= 1.7; the connected daemon is containerd ${version}. ` +
              `Use the client-side client.${alternative} instead, which works on every line.`,
            { cause: error, ...(error.method ? { method: error.method } : {}) },
          ),
      );
    }),
  );
}
