import { ContainerdError, NotImplementedError } from "../../errors/containerd-error.js";
import { versionAtLeastSince } from "../../services/daemon-version.js";

/**
 * Explains a NotImplementedError from Streaming or Transfer for `client.transfer`. The adapter
 * has already said which containerd has the service and which version the daemon is (the
 * error's `since` and `daemonVersion`, from the client's one cached `Version` answer); when the
 * daemon is older than that (1.6), this returns a NotImplementedError saying that Transfer needs
 * containerd >= `since`, naming the daemon's version and pointing to the client-side equivalent
 * (`client.<alternative>`), with the adapter's error as `cause`. No RPC is made. Anything else
 * (other errors; a NotImplementedError from a daemon that has Transfer, e.g. a source and
 * destination pair it cannot handle, or one that disabled it) is returned unchanged.
 *
 * @example
 * ```ts
 * import { catchError, throwError } from "rxjs";
 * client.services.transfer.transfer$({}).pipe(catchError((e) => throwError(() => explainUnsupported(e, "images.pull$"))));
 * ```
 */
export function explainUnsupported(error: unknown, alternative: string): unknown {
  if (!(ContainerdError.is(error) && error.kind === "not-implemented")) return error;
  const { since, daemonVersion } = error as NotImplementedError;
  if (since === undefined || versionAtLeastSince(daemonVersion, since) === true) return error;
  const daemon = daemonVersion
    ? `the connected daemon is containerd ${daemonVersion}`
    : "the daemon did not say its version";
  return new NotImplementedError(
    `Transfer needs containerd >= ${since}; ${daemon}. Use the client-side client.${alternative} instead, which works on every line.`,
    {
      cause: error,
      since,
      ...(daemonVersion ? { daemonVersion } : {}),
      ...(error.method ? { method: error.method } : {}),
    },
  );
}
