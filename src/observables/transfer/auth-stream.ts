import { concatMap, defaultIfEmpty, filter, map, take, type Observable } from "rxjs";
import {
  packAuthResponse,
  type AuthAnswer,
  type PackedMessage,
  type StreamMessage,
} from "../../services/transfer-payloads.js";
import type { TransferCredentials, TransferRegistryCredentials } from "./transfer-credentials.js";

const answer = (c: TransferRegistryCredentials | undefined): AuthAnswer =>
  c === undefined
    ? { type: "none" }
    : "identityToken" in c
      ? { type: "refresh", secret: c.identityToken }
      : { type: "credentials", username: c.username, secret: c.password };

/**
 * The client's half of a transfer's auth stream: for each `AuthRequest` the daemon sends, in
 * order, asks `credentials` about that request's host and sends its first value back as the
 * `AuthResponse` (none: anonymous). An error from `credentials` fails the transfer.
 *
 * @example
 * ```ts skip
 * answerAuth(hostCredentials({ "127.0.0.1:5000": { username: "u", password: "p" } }))(incoming$).subscribe(send);
 * ```
 */
export function answerAuth(credentials: TransferCredentials) {
  return (incoming: Observable<StreamMessage>): Observable<PackedMessage> =>
    incoming.pipe(
      filter((m): m is Extract<StreamMessage, { type: "auth" }> => m.type === "auth"),
      concatMap((m) =>
        credentials({ host: m.host, reference: m.reference, wwwAuthenticate: m.wwwAuthenticate }).pipe(
          take(1),
          defaultIfEmpty(undefined),
          map((c) => packAuthResponse(answer(c))),
        ),
      ),
    );
}
