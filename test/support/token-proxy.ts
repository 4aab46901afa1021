// A tiny Bearer-token registry front for the tests: it issues tokens (docker's token protocol),
// demands them on /v2/, redirects blob GETs to the real (anonymous) registry behind it, proxies
// everything else, and serves two synthetic repositories: `slow` (a huge blob trickled out, to
// watch the client hang up) and `corrupt` (blobs whose bytes do not match their digest).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenProxy {
  readonly address: string;
  /** Token requests: query and whether the credentials were accepted. */
  readonly tokenRequests: { query: URLSearchParams; granted: boolean }[];
  /** Blob GETs answered with a redirect. */
  redirects: number;
  /** `slow` downloads whose client closed the connection before the end. */
  slowAborted: number;
  /** `slow` downloads started. */
  slowStarted: number;
  /** Requests that reached /v2/ with an `Authorization` header, by path. */
  readonly authorizedPaths: string[];
  close(): Promise<void>;
}

/** Size of the `slow` blob: far more than a test ever reads. */
export const SLOW_SIZE = 256 << 20;

export async function startTokenProxy(options: {
  upstream: string;
  users: Record<string, string>;
}): Promise<TokenProxy> {
  const tokens = new Map<string, Set<string>>();
  let n = 0;
  const state: Omit<TokenProxy, "address" | "close"> = {
    tokenRequests: [],
    redirects: 0,
    slowAborted: 0,
    slowStarted: 0,
    authorizedPaths: [],
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  const self = (): string => `127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${self()}`);
    if (url.pathname === "/token") {
      const [user, pass] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      const granted = user !== undefined && options.users[user] === pass && url.searchParams.get("account") === user;
      state.tokenRequests.push({ query: url.searchParams, granted });
      if (!granted) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "bad credentials" }));
        return;
      }
      const token = `tok-${++n}`;
      tokens.set(token, new Set(url.searchParams.getAll("scope")));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
    if (m?.[1] === "slow" && m[2] === "blobs") return slow(req, res);
    if (m?.[1] === "corrupt" && m[2] === "blobs") {
      res
        .writeHead(200, { "content-type": "application/octet-stream" })
        .end("these are not the bytes you are looking for");
      return;
    }
    const repo = m?.[1] ?? "";
    const need = `repository:${repo}:pull`;
    const auth = req.headers.authorization ?? "";
    const granted = tokens.get(auth.replace(/^Bearer /, ""));
    if (
      !auth.startsWith("Bearer ") ||
      !granted ||
      ![...granted].some((s) => s === need || s === `repository:${repo}:pull,push`)
    ) {
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${self()}/token",service="rxc-test",scope="${need}"`,
          "content-type": "application/json",
        })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    state.authorizedPaths.push(url.pathname);
    if (m?.[2] === "blobs" && req.method === "GET") {
      state.redirects++;
      res.writeHead(307, { location: `http://${options.upstream}${url.pathname}` }).end();
      return;
    }
    const upstream = await fetch(`http://${options.upstream}${url.pathname}${url.search}`, {
      method: req.method ?? "GET",
      headers: { accept: req.headers.accept ?? "*/*" },
    });
    const headers: Record<string, string> = {};
    for (const h of ["content-type", "content-length", "docker-content-digest"]) {
      const v = upstream.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    res.writeHead(upstream.status, headers);
    res.end(req.method === "HEAD" ? undefined : Buffer.from(await upstream.arrayBuffer()));
  }

  function slow(req: IncomingMessage, res: ServerResponse): void {
    state.slowStarted++;
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(SLOW_SIZE) });
    const chunk = Buffer.alloc(64 << 10, 7);
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= SLOW_SIZE) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(chunk);
      sent += chunk.length;
    }, 20);
    res.on("close", () => {
      clearInterval(timer);
      if (sent < SLOW_SIZE) state.slowAborted++;
    });
    void req;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(state, {
    address: self(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as TokenProxy;
}
