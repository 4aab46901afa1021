import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { from, lastValueFrom, type Observable } from "rxjs";
import {
  Registry,
  isAlreadyExists,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isResourceExhausted,
  isUnauthenticated,
  isUnavailable,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from "../../src/index.js";
import { sha256Digest } from "../../src/oci.js";
import { RegistryClient, classForHttpStatus } from "../../src/registry.js";
import { settle } from "../support/settle.js";

let server: Server;
let addr: string;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
const D = `sha256:${"a".repeat(64)}`;
const BIG = Buffer.alloc(8 << 20, 7);
const BIG_DIGEST = sha256Digest(BIG);
const NO_DIGEST_BODY = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [],
});

before(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const status = /\/status(\d+)\//.exec(req.url ?? "")?.[1];
    if (status) {
      res
        .writeHead(Number(status), { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "DENIED", message: `status ${status}` }] }));
      return;
    }
    if ((req.url ?? "").startsWith("/v2/hop/")) {
      // Cross-origin redirect (localhost vs 127.0.0.1): Authorization must not follow.
      res.writeHead(307, { location: `http://localhost:${(server.address() as AddressInfo).port}/landed` }).end();
      return;
    }
    if (req.url === "/v2/nodigest/manifests/v1") {
      // A registry (or proxy) that sends no Docker-Content-Digest: the resolver must GET and hash.
      const accept = req.headers.accept ?? "";
      const ok =
        accept.includes("application/vnd.oci.image.index.v1+json") &&
        accept.includes("application/vnd.docker.distribution.manifest.list.v2+json");
      res.writeHead(ok ? 200 : 406, { "content-type": "application/vnd.oci.image.index.v1+json; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : NO_DIGEST_BODY);
      return;
    }
    if (req.url === `/v2/big/blobs/${BIG_DIGEST}`) {
      // 8 MiB written as fast as the socket takes it: how much the client reads depends on it.
      res.writeHead(200, { "content-length": String(BIG.length) });
      let off = 0;
      const more = (): void => {
        while (off < BIG.length) {
          const ok = res.write(BIG.subarray(off, off + 65536));
          off += 65536;
          if (!ok) {
            res.once("drain", more);
            return;
          }
        }
        res.end();
      };
      more();
      return;
    }
    if (req.url === "/landed") {
      res.writeHead(200).end("landed");
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test("scheme: plain HTTP only for localhost unless told otherwise", () => {
  const c = new RegistryClient();
  assert.equal(c.schemeOf("localhost:5000"), "http");
  assert.equal(c.schemeOf("127.0.0.1:5000"), "http");
  assert.equal(c.schemeOf("[::1]:5000"), "http");
  assert.equal(c.schemeOf("registry.example.com"), "https");
  assert.equal(new RegistryClient({ plainHttp: true }).schemeOf("registry.example.com"), "http");
  assert.equal(new RegistryClient({ plainHttp: false }).schemeOf("localhost"), "https");
  assert.equal(new RegistryClient({ plainHttp: (h) => h.startsWith("reg.") }).schemeOf("reg.lan:5000"), "http");
  assert.equal(c.repositoryUrl("docker.io", "library/busybox"), "https://registry-1.docker.io/v2/library/busybox/");
  assert.equal(new RegistryClient({ host: () => "mirror.lan" }).hostOf("docker.io"), "mirror.lan");
});

test("HTTP statuses map to typed errors", () => {
  assert.equal(classForHttpStatus(401).name, "UnauthenticatedError");
  assert.equal(classForHttpStatus(403), PermissionDeniedError);
  assert.equal(classForHttpStatus(404), NotFoundError);
  assert.equal(classForHttpStatus(503), UnavailableError);
  assert.equal(classForHttpStatus(500), UnavailableError);
  assert.equal(classForHttpStatus(418).name, "UnknownError");
});

test("registry errors arrive typed, with the registry's error code in the message", async () => {
  const registry = new Registry();
  const cases: [number, (e: unknown) => boolean][] = [
    [403, isPermissionDenied],
    [404, isNotFound],
    [409, isAlreadyExists],
    [429, isResourceExhausted],
    [503, isUnavailable],
    [401, isUnauthenticated],
    [400, isInvalidArgument],
  ];
  for (const [status, guard] of cases) {
    const r = await settle(lastValueFrom(registry.fetchBlob$(`${addr}/status${status}/x`, { digest: D })));
    assert.ok(guard(r.error), `${status}: ${String(r.error)}`);
    assert.match(
      (r.error as Error).message,
      new RegExp(`GET http://${addr}/v2/status${status}/x/blobs/${D}: ${status} .*DENIED: status ${status}`),
    );
  }
});

test("connection refused is UnavailableError", async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const r = await settle(lastValueFrom(new Registry().resolve$(`127.0.0.1:${port}/app:1`)));
  assert.ok(isUnavailable(r.error), String(r.error));
});

test("a cross-origin redirect does not carry the Authorization header", async () => {
  const registry = new Registry({ auth: { [addr]: { token: "secret-token" } } });
  const r = await settle(lastValueFrom(registry.fetchBlob$(`${addr}/hop`, { digest: D }, { verify: false })));
  assert.equal(r.error, undefined);
  const first = seen.find((s) => s.url.startsWith("/v2/hop/"));
  const landed = seen.find((s) => s.url === "/landed");
  assert.equal(first?.headers.authorization, "Bearer secret-token");
  assert.ok(landed, "redirect followed");
  assert.equal(landed.headers.authorization, undefined);
});

test("invalid input is InvalidArgumentError in the error channel, before any request", async () => {
  const n = seen.length;
  const registry = new Registry();
  for (const o of [
    registry.resolve$("Not/Valid") as Observable<unknown>,
    registry.fetchBlob$(`${addr}/app`, { digest: "sha256:short" }),
    registry.fetchBlob$(`${addr}/app`, { digest: D, size: 10 }, { offset: 11 }),
    registry.fetchBlob$(`${addr}/app`, { digest: D }, { offset: -1 }),
    registry.fetchBlob$(`${addr}/app`, { digest: D }, { offset: 5, verify: true }),
    registry.pushBlob$(`${addr}/app`, { mediaType: "x", digest: D, size: 3 }, Buffer.from("abc")),
    registry.pushManifest$(`${addr}/app@${D}`, Buffer.from("{}"), "application/json"),
  ]) {
    const r = await settle(lastValueFrom(o));
    assert.ok(isInvalidArgument(r.error) || (r.error as { kind?: string }).kind === "out-of-range", String(r.error));
  }
  assert.equal(seen.length, n, "no request made");
});

test("resolve$ falls back to GET and hashes the body when HEAD has no Docker-Content-Digest", async () => {
  const n = seen.length;
  const { descriptor } = await lastValueFrom(new Registry().resolve$(`${addr}/nodigest:v1`));
  assert.deepEqual(descriptor, {
    mediaType: "application/vnd.oci.image.index.v1+json",
    digest: sha256Digest(NO_DIGEST_BODY),
    size: Buffer.byteLength(NO_DIGEST_BODY),
  });
  assert.equal(seen.length, n + 2, "HEAD then GET");
});

test("credentials are never sent to another host named by an absolute URL", async () => {
  const registry = new Registry({ auth: { [addr]: { token: "secret-token" } } });
  const other = `http://localhost:${addr.split(":")[1]}/landed`;
  const own = `http://${addr}/landed`;
  for (const [path, want] of [
    [other, undefined],
    [own, "Bearer secret-token"],
  ] as const) {
    const n = seen.length;
    await lastValueFrom(
      registry.client.request$({ domain: addr, repository: "app", method: "GET", path }, (res) => from(res.text())),
    );
    assert.equal(seen[n]?.headers.authorization, want, path);
  }
});

test("fetchBlob$ with pace: the body is read only as fast as the consumer's promise allows", async () => {
  const registry = new Registry();
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  let chunks = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) =>
    registry.fetchBlob$(`${addr}/big`, { digest: BIG_DIGEST, size: BIG.length }, { pace: () => gate }).subscribe({
      next: (c) => {
        chunks++;
        bytes += c.length;
      },
      error: reject,
      complete: resolve,
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(chunks, 1, "one chunk, then nothing until the consumer's promise settles");
  release();
  gate = Promise.resolve();
  await done;
  assert.equal(bytes, BIG.length, "then everything, verified");
});
