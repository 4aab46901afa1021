import { status, type ServiceError } from "@grpc/grpc-js";
import {
  ContainerdError,
  NotImplementedError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from "../errors/containerd-error.js";

/** What explaining a failure over TCP / TLS needs to know of the channel. @internal */
export interface ChannelInfo {
  /** The address as the user gave it. */
  readonly address: string;
  readonly transport: "unix" | "tcp";
  /** TLS is on. */
  readonly tls: boolean;
  /** A client certificate is sent (mTLS). */
  readonly clientCert: boolean;
}

/** The services every containerd since 1.6 serves on its unix socket. */
const CORE_SERVICE =
  /^unknown service (containerd\.services\.(containers|content|diff|events|images|introspection|leases|namespaces|snapshots|tasks|version)\.v1\.[A-Za-z]+)$/;

/**
 * A clearer error for what goes wrong between a client and a remote daemon, or undefined to keep
 * the usual mapping:
 * - HTTP 400 from a TLS proxy that requires client certificates (nginx's `ssl_verify_client on`
 *   answers 400 to a missing or refused one; grpc-js reports it as INTERNAL) is
 *   UnauthenticatedError; 401 / 403 say that a proxy refused the call; 502, 503 and 504 that it
 *   could not reach the daemon behind it (UnavailableError).
 * - `unknown service containerd.services.<core>.v1…` over TCP is containerd's own TCP listener,
 *   which serves only CRI: NotImplementedError saying so.
 * @internal
 */
export function explainChannelError(
  err: ServiceError,
  mapped: ContainerdError,
  channel: ChannelInfo | undefined,
): ContainerdError | undefined {
  if (!channel || channel.transport !== "tcp") return undefined;
  const at = `the server at ${JSON.stringify(channel.address)}`;
  const init = {
    method: mapped.method,
    cause: err,
    details: mapped.details,
    metadata: mapped.metadata,
  };
  const http = /Received HTTP status code (\d{3})/.exec(err.details ?? "");
  if (http) {
    const code = Number(http[1]);
    if (code === 400 && channel.tls) {
      return new UnauthenticatedError(
        channel.clientCert
          ? `${at} answered HTTP 400 (not gRPC): a TLS proxy that requires client certificates (mTLS) answers this ` +
              "when it refuses the one sent: issued by a CA it does not trust, expired, or not for client " +
              "authentication. Check tls.cert and tls.key against the proxy's client CA (see docs/remote.md)"
          : `${at} answered HTTP 400 (not gRPC): a TLS proxy that requires client certificates (mTLS) answers ` +
              "this when none is sent. Give tls.cert and tls.key (see docs/remote.md)",
        init,
      );
    }
    if (code === 401) return new UnauthenticatedError(`${at} (a proxy?) answered HTTP 401: not authenticated`, init);
    if (code === 403) return new PermissionDeniedError(`${at} (a proxy?) answered HTTP 403: permission denied`, init);
    if (code === 502 || code === 503 || code === 504) {
      return new UnavailableError(
        `${at} answered HTTP ${code} (not gRPC): a proxy there could not reach containerd behind it. ` +
          "Is the daemon running, and can the proxy open its socket?",
        init,
      );
    }
    return undefined;
  }
  const unknown = err.code === status.UNIMPLEMENTED ? CORE_SERVICE.exec(err.details ?? "") : null;
  if (unknown) {
    return new NotImplementedError(
      `${at} does not serve the containerd API (unknown service ${unknown[1]}): containerd's own TCP ` +
        "listener ([grpc] tcp_address) serves only CRI. The API is served on the unix socket only: reach it " +
        "through a TLS proxy in front of that socket, or SSH socket forwarding (see docs/remote.md)",
      init,
    );
  }
  return undefined;
}

/** Why a connection failed, and whether retrying cannot help (a configuration mismatch). @internal */
export interface ConnectHint {
  readonly hint: string;
  /** Retrying cannot help: TLS trust or name mismatch, TLS against plain text or the reverse. */
  readonly permanent: boolean;
}

/**
 * Why a connection over TCP could not be established, from grpc-js's last connection error, or
 * undefined for the generic hint.
 * @internal
 */
export function connectHint(lastError: string, channel: ChannelInfo | undefined): ConnectHint | undefined {
  if (!channel || channel.transport !== "tcp") return undefined;
  const permanent = (hint: string) => ({ hint, permanent: true });
  if (!channel.tls && /Protocol error/i.test(lastError)) {
    return permanent(
      "the server does not speak plain-text HTTP/2 there: if it is a TLS port (a TLS proxy), give the tls option",
    );
  }
  if (!channel.tls) return undefined;
  if (/Hostname\/IP does not match|altnames|ERR_TLS_CERT_ALTNAME/i.test(lastError)) {
    return permanent(
      "TLS: the server's certificate is not issued to this name: set tls.servername to a name it carries",
    );
  }
  if (/certificate|self[- ]signed|issuer|CERT_/i.test(lastError)) {
    return permanent(
      "TLS: the server's certificate is not trusted: tls.ca must be the CA that issued it (default: the system's roots)",
    );
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(lastError)) {
    return permanent(
      "the server does not answer TLS there: is it a plain-text port? (never expose containerd's API without TLS)",
    );
  }
  if (/alert|handshake|before secure TLS connection/i.test(lastError)) {
    return {
      hint: "the TLS handshake failed: check tls.ca, tls.cert and tls.key against the server's (see docs/remote.md)",
      permanent: false,
    };
  }
  return undefined;
}

/**
 * grpc-js's last connection error, readable: OpenSSL's `<hex>:error:<hex>:SSL routines:<fn>:<reason>:<file>:<line>:`
 * becomes `<reason>` (e.g. `wrong version number`); a leading `Error: ` is dropped.
 * @internal
 */
export function readableConnectError(lastError: string): string {
  const text = lastError.replace(/^Error: /, "");
  const ssl = /^[0-9A-Fa-f]+:error:[0-9A-Fa-f]+:SSL routines:[^:]*:([^:]+):/.exec(text);
  return ssl ? `TLS error: ${ssl[1]}` : text;
}
