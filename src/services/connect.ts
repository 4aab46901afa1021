import { Client, credentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../errors/containerd-error.js";
import { parseAddress, type DaemonAddress } from "./address.js";
import type { CallDefaults } from "./call-options.js";
import { ConnectivityWatch } from "./connectivity.js";
import { ChannelCalls } from "./call-control.js";
import { Rpc } from "./rpc.js";

/** 16 MiB, containerd's own send/receive limit. */
export const MAX_MESSAGE_BYTES = 16 << 20;

/** TLS for TCP addresses; omit `cert`/`key` for server-only TLS, give both for mTLS. */
export interface TlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** How to reach the daemon. */
export interface ConnectOptions {
  /** Socket path, `unix://…`, `host:port` or `tcp://host:port`. */
  readonly address: string;
  /** TLS (TCP only). `true` uses the system roots. */
  readonly tls?: TlsOptions | boolean;
  /** Extra grpc-js channel options (merged over the 16 MiB message limits). */
  readonly channelOptions?: ChannelOptions;
}

/** A lazily-connecting channel plus the adapter over it. Nothing is dialled until the first call. */
export interface Transport {
  readonly address: DaemonAddress;
  readonly rpc: Rpc;
  /** The channel's connectivity (see {@link ConnectivityWatch}). */
  readonly connectivity: ConnectivityWatch;
  /** Cancels every call in flight (CanceledError), fails later calls the same way, closes the channel. */
  close(): void;
}

function channelCredentials(address: DaemonAddress, tls: ConnectOptions["tls"]): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if (address.transport !== "tcp") {
    throw new InvalidArgumentError(`tls needs a TCP address, got ${JSON.stringify(address.address)}`);
  }
  if (tls === true) return credentials.createSsl();
  if (Boolean(tls.cert) !== Boolean(tls.key)) throw new InvalidArgumentError("tls: give both cert and key, or neither");
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

/**
 * Creates the channel (lazily: grpc-js dials on the first call). Throws InvalidArgumentError
 * synchronously for a malformed address or TLS option.
 */
export function connect(options: ConnectOptions, defaults: CallDefaults): Transport {
  const address = parseAddress(options.address);
  const client = new Client(address.target, channelCredentials(address, options.tls), {
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    ...(address.transport === "unix" ? { "grpc.default_authority": "localhost" } : {}),
    ...options.channelOptions,
  });
  const rpc = new Rpc(client, defaults, new ChannelCalls(address.address));
  return { address, rpc, connectivity: new ConnectivityWatch(client.getChannel()), close: () => rpc.close() };
}
