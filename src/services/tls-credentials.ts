import { isIP } from "node:net";
import { checkServerIdentity, connect as tlsConnect, createSecureContext, type SecureContext } from "node:tls";
import { CallCredentials, ChannelCredentials, credentials, type ChannelOptions } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../errors/containerd-error.js";
import type { DaemonAddress } from "./address.js";

/**
 * TLS for TCP addresses; omit `cert`/`key` for server-only TLS, give both for mTLS. containerd
 * serves its API on its unix socket only: a TCP address is a TLS proxy in front of it (see
 * docs/remote.md). What goes wrong is typed: a refused client certificate is
 * UnauthenticatedError, an untrusted server certificate or a TLS/plain-text mismatch
 * UnavailableError, containerd's own (CRI-only) TCP port NotImplementedError.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const remote = new Containerd({
 *   address: "10.0.0.5:8443",
 *   tls: {
 *     ca: readFileSync("ca.pem"),
 *     cert: readFileSync("client.pem"),
 *     key: readFileSync("client-key.pem"),
 *     servername: "containerd.example.internal",
 *   },
 * });
 * ```
 */
export interface TlsOptions {
  /** CA certificate(s) (PEM) that issued the server's certificate. Default: the system roots. */
  readonly ca?: Buffer;
  /** Client certificate chain (PEM), for mutual TLS. */
  readonly cert?: Buffer;
  /** The client certificate's private key (PEM). */
  readonly key?: Buffer;
  /**
   * The name the server's certificate must carry (and the TLS SNI sent), when it differs from
   * the address's host: e.g. dialling `10.0.0.5:8443` whose certificate is issued to
   * `containerd.example.internal`. Default: the address's host. An IP address (given here or as
   * the host) is checked against the certificate's IP SANs and sends no SNI, as RFC 6066 wants.
   */
  readonly servername?: string;
}

type SecureConnector = ReturnType<ChannelCredentials["_createSecureConnector"]>;

/**
 * TLS to an IP address: no SNI (an IP is not a server name: Node warns `DEP0123` when asked to
 * send one, which grpc-js would do), and the certificate checked against that IP.
 */
class IpTlsCredentials extends ChannelCredentials {
  constructor(
    private readonly context: SecureContext,
    private readonly ip: string,
  ) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(
    _target: unknown,
    _options: ChannelOptions,
    callCredentials?: CallCredentials,
  ): SecureConnector {
    const calls = callCredentials ?? CallCredentials.createEmpty();
    const { context, ip } = this;
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          const tls = tlsConnect(
            {
              socket,
              secureContext: context,
              ALPNProtocols: ["h2"],
              host: ip,
              checkServerIdentity: (_host, cert) => checkServerIdentity(ip, cert),
            },
            () => (tls.authorized ? resolve({ socket: tls, secure: true }) : reject(tls.authorizationError)),
          );
          tls.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => calls,
      destroy: () => undefined,
    };
  }
}

/** The host part of a `dns:host:port` target (brackets of an IPv6 literal removed). */
function targetHost(address: DaemonAddress): string {
  const hostPort = address.target.replace(/^dns:/, "");
  const host = hostPort.slice(0, hostPort.lastIndexOf(":"));
  return host.replace(/^\[(.*)\]$/, "$1");
}

/** Credentials and channel options of a TLS channel. Throws InvalidArgumentError for bad options. */
export function tlsCredentials(
  address: DaemonAddress,
  tls: TlsOptions | true,
): { credentials: ChannelCredentials; options: ChannelOptions } {
  const o: TlsOptions = tls === true ? {} : tls;
  if (Boolean(o.cert) !== Boolean(o.key)) throw new InvalidArgumentError("tls: give both cert and key, or neither");
  if (o.servername !== undefined && (typeof o.servername !== "string" || !/^[A-Za-z0-9.:_-]+$/.test(o.servername)))
    throw new InvalidArgumentError(`tls.servername: expected a host name, got ${JSON.stringify(o.servername)}`);
  const name = o.servername ?? targetHost(address);
  if (isIP(name)) {
    let context: SecureContext;
    try {
      context = createSecureContext({ ca: o.ca, cert: o.cert, key: o.key });
    } catch (e) {
      throw new InvalidArgumentError(`tls: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return { credentials: new IpTlsCredentials(context, name), options: {} };
  }
  return {
    credentials: credentials.createSsl(o.ca ?? null, o.key ?? null, o.cert ?? null),
    options: o.servername ? { "grpc.ssl_target_name_override": o.servername } : {},
  };
}
