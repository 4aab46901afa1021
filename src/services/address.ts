import { InvalidArgumentError } from "../errors/containerd-error.js";

/** Where the daemon listens, parsed. */
export interface DaemonAddress {
  readonly transport: "unix" | "tcp";
  /** The grpc-js target string (`unix:/path` or `dns:host:port`). */
  readonly target: string;
  /** The address as given. */
  readonly address: string;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/**
 * Parses `/path/to.sock`, `unix:///path/to.sock`, `unix:relative.sock`, `host:port`,
 * `tcp://host:port` or `[::1]:port`. Throws {@link InvalidArgumentError} synchronously for
 * anything else: a malformed address is a programmer error, not an RPC failure.
 */
export function parseAddress(address: string): DaemonAddress {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`invalid containerd address ${JSON.stringify(address)}: ${why}`);
  };
  if (typeof address !== "string" || address.trim() === "") return bad("empty");
  if (address !== address.trim() || /[\0\n\r]/.test(address)) return bad("contains whitespace or control characters");
  if (address.startsWith("/")) return { transport: "unix", target: `unix:${address}`, address };
  if (address.startsWith("unix:")) {
    const path = address.startsWith("unix://") ? address.slice("unix://".length) : address.slice("unix:".length);
    if (path === "") return bad("no socket path");
    if (address.startsWith("unix://") && !path.startsWith("/"))
      return bad("unix:// needs an absolute path (unix:///run/x.sock)");
    return { transport: "unix", target: `unix:${path}`, address };
  }
  const hostPort = address.startsWith("tcp://") ? address.slice("tcp://".length) : address;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(hostPort))
    return bad("unsupported scheme (use a socket path, unix://, tcp:// or host:port)");
  const m = HOST_PORT.exec(hostPort);
  if (!m) return bad("expected a socket path or host:port");
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return bad(`port ${port} out of range`);
  return { transport: "tcp", target: `dns:${hostPort}`, address };
}
