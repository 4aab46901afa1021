// A slow registry for push tests and benchmarks: it accepts monolithic blob uploads (HEAD 404,
// POST -> Location, PUT ?digest=) and manifest PUTs, and reads each upload body at `mibPer`
// MiB every `everyMs` ms, hashing it, so a client that does not honour backpressure has to
// buffer what the registry has not read yet.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlowRegistry {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Digests of the blobs received whole and verified, and how many manifests were put. */
  readonly blobs: string[];
  manifests: number;
  /** Upload body bytes read so far. */
  received: number;
  close(): Promise<void>;
}

/** Reads `req` at most `bytesPer` bytes per `everyMs`; resolves with the body's sha256 digest and size. */
function readSlowly(
  req: IncomingMessage,
  bytesPer: number,
  everyMs: number,
  onBytes: (n: number) => void,
): Promise<{ digest: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let size = 0;
    let budget = bytesPer;
    const timer = setInterval(() => {
      budget = bytesPer;
      if (req.isPaused()) req.resume();
    }, everyMs);
    req.on("data", (c: Buffer) => {
      hash.update(c);
      size += c.length;
      onBytes(c.length);
      budget -= c.length;
      if (budget <= 0) req.pause();
    });
    req.on("end", () => {
      clearInterval(timer);
      resolve({ digest: `sha256:${hash.digest("hex")}`, size });
    });
    req.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    req.on("close", () => clearInterval(timer));
  });
}

/** Starts a {@link SlowRegistry} on 127.0.0.1 reading uploads at `mibPer` MiB per `everyMs` ms. */
export async function startSlowRegistry(options: { mibPer?: number; everyMs?: number } = {}): Promise<SlowRegistry> {
  const bytesPer = (options.mibPer ?? 1) << 20;
  const everyMs = options.everyMs ?? 20;
  let uploads = 0;
  const state = { blobs: [] as string[], manifests: 0, received: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (req.method === "HEAD" && blob) {
      const have = state.blobs.includes(blob[1] ?? "");
      res.writeHead(have ? 200 : 404, have ? { "content-length": "0" } : {}).end();
      return;
    }
    if (req.method === "POST" && /^\/v2\/.+\/blobs\/uploads\/$/.test(url.pathname)) {
      res.writeHead(202, { location: `/upload/${++uploads}` }).end();
      return;
    }
    if (req.method === "PUT" && url.pathname.startsWith("/upload/")) {
      const want = url.searchParams.get("digest") ?? "";
      readSlowly(req, bytesPer, everyMs, (n) => {
        state.received += n;
      }).then(
        ({ digest }) => {
          if (digest !== want) {
            res
              .writeHead(400, { "content-type": "application/json" })
              .end(JSON.stringify({ errors: [{ code: "DIGEST_INVALID", message: digest }] }));
            return;
          }
          state.blobs.push(digest);
          res.writeHead(201, { "docker-content-digest": digest }).end();
        },
        () => res.destroy(),
      );
      return;
    }
    if (req.method === "PUT" && /^\/v2\/.+\/manifests\//.test(url.pathname)) {
      req.resume();
      req.on("end", () => {
        state.manifests++;
        res.writeHead(201).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(state, {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

/** `mib` MiB of incompressible bytes, generated chunk by chunk (never all in memory). */
export function* bigBlobChunks(mib: number, seed: Buffer): Generator<Buffer> {
  for (let i = 0; i < mib; i++) {
    const c = Buffer.from(seed);
    c.writeUInt32BE(i, 0);
    yield c;
  }
}

/** The sha256 digest of {@link bigBlobChunks}. */
export function bigBlobDigest(mib: number, seed: Buffer): string {
  const hash = createHash("sha256");
  for (const c of bigBlobChunks(mib, seed)) hash.update(c);
  return `sha256:${hash.digest("hex")}`;
}
