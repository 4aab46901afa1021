// A plain HTTP front of a registry that can hold one blob download half-way: the first GET of
// `digest` sends its first MiB and then waits for `release()`. A pull going through it keeps
// containerd's ingest ref for that blob locked for as long as the test wants.
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GateProxy {
  readonly address: string;
  /** GETs of the gated blob, whole or held. */
  readonly gets: number;
  /** Resolves once the first GET of the blob is held (its first MiB sent). */
  readonly held: Promise<void>;
  /** Lets the held download (and every later one) run to the end. */
  release(): void;
  close(): Promise<void>;
}

export async function startGateProxy(upstream: string, digest: string): Promise<GateProxy> {
  const [host = "127.0.0.1", port = "80"] = upstream.split(":");
  let gets = 0;
  let released = false;
  let resumeHeld: (() => void) | undefined;
  let onHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const up = request(
      { host, port: Number(port), path: req.url, method: req.method, headers: { ...req.headers, host: upstream } },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        const gated = req.method === "GET" && (req.url ?? "").endsWith(`/blobs/${digest}`);
        if (gated) gets++;
        if (!gated || gets > 1 || released) {
          ur.pipe(res);
          return;
        }
        let sent = 0;
        ur.on("data", (chunk: Buffer) => {
          res.write(chunk);
          sent += chunk.length;
          if (sent >= 1 << 20 && !released && !resumeHeld) {
            ur.pause();
            resumeHeld = () => ur.resume();
            onHeld();
          }
        });
        ur.on("end", () => res.end());
        ur.on("error", (e) => res.destroy(e));
      },
    );
    up.on("error", (e) => res.destroy(e));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    get gets() {
      return gets;
    },
    held,
    release: () => {
      released = true;
      resumeHeld?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        released = true;
        resumeHeld?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
