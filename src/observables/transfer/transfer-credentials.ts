import { of, type Observable } from "rxjs";

/** The daemon asking for credentials for one registry host (an `AuthRequest` on the auth stream). */
export interface TransferAuthRequest {
  /** The registry host the daemon is talking to, e.g. `registry.example:5000`. */
  readonly host: string;
  /** The reference being transferred. */
  readonly reference: string;
  /** The registry's `WWW-Authenticate` challenges. */
  readonly wwwAuthenticate: readonly string[];
}

/** Credentials for one registry: user name and password, or an identity (refresh) token. */
export type TransferRegistryCredentials =
  { readonly username: string; readonly password: string } | { readonly identityToken: string };

/**
 * Answers the daemon's credential requests: called once per `AuthRequest` with the host asked
 * about; its first value is sent back (no value or `undefined`: anonymous). Answer only for the
 * host asked about. An error fails the transfer with that error.
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * const credentials: TransferCredentials = (req) =>
 *   of(req.host === "registry.example:5000" ? { username: "ci", password: "secret" } : undefined);
 * ```
 */
export type TransferCredentials = (request: TransferAuthRequest) => Observable<TransferRegistryCredentials | undefined>;

/**
 * Credentials per registry host: a {@link TransferCredentials} that answers a request with the
 * entry for exactly the host asked about (`host[:port]`, compared case-insensitively) and
 * anonymously for any other host, so one host's secret is never sent for another.
 *
 * @example
 * ```ts
 * client.transfer.pull$("registry.example:5000/team/app:1", {
 *   credentials: hostCredentials({ "registry.example:5000": { username: "ci", password: "secret" } }),
 * });
 * ```
 */
export function hostCredentials(byHost: Readonly<Record<string, TransferRegistryCredentials>>): TransferCredentials {
  const table = new Map(Object.entries(byHost).map(([h, c]) => [h.toLowerCase(), c]));
  return (request) => of(table.get(request.host.toLowerCase()));
}
