import { Client, credentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../errors/containerd-error.js";
import { parseAddress, type DaemonAddress } from "./address.js";
import type { CallDefaults } from "./call-options.js";
import { ConnectivityWatch } from "./connectivity.js";
import { ChannelCalls } from "./call-control.js";
import { Rpc } from "./rpc.js";
import { tlsCredentials, type TlsOptions } from "./tls-credentials.js";

export type { TlsOptions } from "./tls-credentials.js";

/** 16 MiB, containerd's own send/receive limit. */
export const MAX_MESSAGE_BYTES = 16 << 20;

/** How to reach the daemon. */
export interface ConnectOptions {
  /** Socket path, `unix://…`, `host:port` or `tcp://host:port`. */
  readonly address: string;
  /** TLS (TCP only). `true` uses the system roots. See docs/remote.md. */
  readonly tls?: TlsOptions | boolean;
  /**
   * Whether the daemon runs on another machine, so that its shims cannot open FIFOs made here:
   * `Stdio.pipe`, `Stdio.streams` and `Stdio.terminal` then fail at once (NotImplementedError)
   * instead of waiting for a peer that never comes. Default: true for TCP addresses, false for
   * unix sockets. Say `true` for a socket forwarded from another host (`ssh -L`), `false` for a
   * TLS proxy on this same machine.
   */
  readonly remote?: boolean;
  /** Extra grpc-js channel options (merged over the 16 MiB message limits). */
  readonly channelOptions?: ChannelOptions;
}

/** A lazily-connecting channel plus the adapter over it. Nothing is dialled until the first call. */
export interface Transport {
  readonly address: DaemonAddress;
  /** The daemon is on another machine (see {@link ConnectOptions.remote}). */
  readonly remote: boolean;
  readonly rpc: Rpc;
  /** The channel's connectivity (see {@link ConnectivityWatch}). */
  readonly connectivity: ConnectivityWatch;
  /** Cancels every call in flight (CanceledError), fails later calls the same way, closes the channel. */
  close(): void;
}

function channelCredentials(
  address: DaemonAddress,
  tls: ConnectOptions["tls"],
): { credentials: ChannelCredentials; options: ChannelOptions } {
  if (!tls) return { credentials: credentials.createInsecure(), options: {} };
  if (address.transport !== "tcp") {
    throw new InvalidArgumentError(`tls needs a TCP address, got ${JSON.stringify(address.address)}`);
  }
  return tlsCredentials(address, tls);
}

/**
 * Creates the channel (lazily: grpc-js dials on the first call). Throws InvalidArgumentError
 * synchronously for a malformed address or TLS option.
 */
export function connect(options: ConnectOptions, defaults: CallDefaults): Transport {
  const address = parseAddress(options.address);
  const tls = channelCredentials(address, options.tls);
  const client = new Client(address.target, tls.credentials, {
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    // channelz (grpc-js's introspection service, which a client never serves) would count every
    // call and socket of the channel; channelOptions can turn it back on.
    "grpc.enable_channelz": 0,
    ...(address.transport === "unix" ? { "grpc.default_authority": "localhost" } : {}),
    ...tls.options,
    ...options.channelOptions,
  });
  const channel = {
    address: address.address,
    transport: address.transport,
    tls: Boolean(options.tls),
    clientCert: typeof options.tls === "object" && Boolean(options.tls.cert),
  };
  const rpc = new Rpc(client, defaults, new ChannelCalls(address.address, channel));
  return {
    address,
    remote: options.remote ?? address.transport === "tcp",
    rpc,
    connectivity: new ConnectivityWatch(client.getChannel()),
    close: () => rpc.close(),
  };
}
