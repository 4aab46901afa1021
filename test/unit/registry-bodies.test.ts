// Bounded bodies and digests (issue 10, items 8 and 11): local servers that send oversize,
// endless or lying bodies, and count how much of them was sent before the client hung up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Observable, lastValueFrom, timeout, toArray } from "rxjs";
import {
  Registry,
  isDataLoss,
  isInvalidArgument,
  isNotFound,
  isResourceExhausted,
  isUnauthenticated,
} from "../../src/index.js";
import { MAX_TOKEN_RESPONSE } from "../../src/registry.js";
import { settle } from "../support/settle.js";
import { bigBlobDigest, startSlowRegistry } from "../support/slow-registry.js";

const MiB = 1 << 20;
const MANIFEST = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [] }),
);
const digest = (alg: string, b: Uint8Array) => `${alg}:${createHash(alg).update(b).digest("hex")}`;
const OCI = "application/vnd.oci.image.manifest.v1+json";

let server: Server;
let addr = "";
/** Bytes written per endless response, by path, once its client has gone. */
const sentAtClose = new Map<string, number>();
const requests: string[] = [];

/** Writes `chunk` for as long as the client reads (or until `max`), honouring backpressure. */
function endless(req: IncomingMessage, res: ServerResponse, first = "", max = 256 * MiB): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const key = req.url ?? "";
  res.on("close", () => sentAtClose.set(key, sent));
  if (first) {
    res.write(first);
    sent += first.length;
  }
  const more = (): void => {
    while (sent < max && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once("drain", more);
        return;
      }
    }
    res.end();
  };
  more();
}

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    requests.push(`${req.method} ${url}`);
    const path = url.split("?")[0] ?? "";
    if (path === "/v2/huge/manifests/v1") {
      // No Docker-Content-Digest: the resolver falls back to GET, which never ends.
      res.writeHead(200, { "content-type": OCI });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      endless(req, res, "{");
      return;
    }
    if (path === "/v2/declared/manifests/v1") {
      res.writeHead(200, {
        "content-type": OCI,
        ...(req.method === "HEAD" ? {} : { "content-length": String(64 * MiB) }),
      });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      endless(req, res, "", 64 * MiB);
      return;
    }
    if (path.startsWith("/v2/lying/manifests/")) {
      res.writeHead(200, { "content-type": OCI });
      endless(req, res, MANIFEST.toString());
      return;
    }
    if (path.startsWith("/v2/ok/manifests/")) {
      res.writeHead(200, { "content-type": OCI, "content-length": String(MANIFEST.length) }).end(MANIFEST);
      return;
    }
    if (path.startsWith("/v2/ok/blobs/")) {
      res.writeHead(200, { "content-length": String(MANIFEST.length) }).end(MANIFEST);
      return;
    }
    if (path.startsWith("/v2/errbody/")) {
      res.writeHead(404, { "content-type": "application/json" });
      endless(req, res, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"gone"}],"pad":"');
      return;
    }
    if (path.startsWith("/v2/tokened/")) {
      if (req.headers.authorization === "Bearer t") {
        res
          .writeHead(200, {
            "content-type": OCI,
            "docker-content-digest": digest("sha256", MANIFEST),
            "content-length": String(MANIFEST.length),
          })
          .end();
        return;
      }
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${addr}/token",service="s"` }).end();
      return;
    }
    if (path === "/token") {
      res.writeHead(200, { "content-type": "application/json" });
      endless(req, res, '{"token":"t","pad":"');
      return;
    }
    if (path.startsWith("/v2/badloc/blobs/uploads/")) {
      res.writeHead(202, { location: "http://[::1" }).end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

/** The Observable's outcome, failing the test (not hanging) after 20 s. */
const outcome = <T>(o: Observable<T>) =>
  settle(
    lastValueFrom(
      o.pipe(
        toArray(),
        timeout({
          first: 20_000,
          with: () => {
            throw new Error("no outcome within 20 s");
          },
        }),
      ),
    ),
  );

/** Waits (bounded) until the server saw the client hang up on `path`; returns the bytes it had sent. */
async function hungUp(path: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const n = sentAtClose.get(path);
    if (n !== undefined) return n;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`server never saw the client leave ${path}`);
}

test("the manifest fallback GET stops reading at 4 MiB: ResourceExhaustedError, connection closed", async () => {
  const r = await outcome(new Registry().resolve$(`${addr}/huge:v1`));
  assert.ok(isResourceExhausted(r.error), String(r.error));
  const sent = await hungUp("/v2/huge/manifests/v1");
  assert.ok(sent < 16 * MiB, `server sent ${sent} bytes before the client left`);
});

test("a Content-Length over the limit fails before the body is read", async () => {
  const r = await outcome(new Registry().resolve$(`${addr}/declared:v1`));
  assert.ok(isResourceExhausted(r.error), String(r.error));
  const sent = await hungUp("/v2/declared/manifests/v1");
  assert.ok(sent < 16 * MiB, `server sent ${sent} bytes`);
});

test("fetchManifest$ stops as soon as the body outgrows the descriptor: DataLossError", async () => {
  const d = { mediaType: OCI, digest: digest("sha256", MANIFEST), size: MANIFEST.length };
  const r = await outcome(new Registry().fetchManifest$(`${addr}/lying`, d));
  assert.ok(isDataLoss(r.error), String(r.error));
  const sent = await hungUp(`/v2/lying/manifests/${d.digest}`);
  assert.ok(sent < 16 * MiB, `server sent ${sent} bytes`);
});

test("the token response is bounded (1 MiB)", async () => {
  const r = await outcome(new Registry().resolve$(`${addr}/tokened:v1`));
  assert.ok(isUnauthenticated(r.error) && /more than/.test(String(r.error)), String(r.error));
  const sent = await hungUp("/token?service=s&scope=repository%3Atokened%3Apull");
  assert.ok(sent < MAX_TOKEN_RESPONSE + 16 * MiB, `server sent ${sent} bytes`);
});

test("an error response's body is read only far enough for the registry's error codes", async () => {
  const r = await outcome(
    new Registry().fetchManifest$(`${addr}/errbody`, {
      mediaType: OCI,
      digest: digest("sha256", MANIFEST),
      size: MANIFEST.length,
    }),
  );
  assert.ok(isNotFound(r.error), String(r.error));
  assert.match(String(r.error), /MANIFEST_UNKNOWN: gone|404/);
  const sent = await hungUp(`/v2/errbody/manifests/${digest("sha256", MANIFEST)}`);
  assert.ok(sent < 16 * MiB, `server sent ${sent} bytes`);
});

test("manifests and blobs are verified with sha256, sha384 and sha512; an unknown algorithm is refused before any request", async () => {
  const registry = new Registry();
  for (const alg of ["sha256", "sha384", "sha512"]) {
    const d = { mediaType: OCI, digest: digest(alg, MANIFEST), size: MANIFEST.length };
    const ok = await outcome(registry.fetchManifest$(`${addr}/ok`, d));
    assert.equal(ok.error, undefined, `${alg}: ${String(ok.error)}`);
    const wrong = { ...d, digest: digest(alg, Buffer.from("other bytes")) };
    const bad = await outcome(registry.fetchManifest$(`${addr}/ok`, wrong));
    assert.ok(isDataLoss(bad.error), `${alg} manifest: ${String(bad.error)}`);
    const badBlob = await outcome(registry.fetchBlob$(`${addr}/ok`, wrong));
    assert.ok(isDataLoss(badBlob.error), `${alg} blob: ${String(badBlob.error)}`);
    const badPush = await outcome(registry.pushBlob$(`${addr}/ok`, wrong, MANIFEST));
    assert.ok(isInvalidArgument(badPush.error), `${alg} push: ${String(badPush.error)}`);
    const badRef = await outcome(registry.resolve$(`${addr}/huge@${wrong.digest}`));
    assert.ok(badRef.error !== undefined, `${alg} resolve of a digest reference`);
  }
  const n = requests.length;
  const md5 = { mediaType: OCI, digest: `md5:${"0".repeat(32)}`, size: MANIFEST.length };
  for (const o of [
    registry.fetchManifest$(`${addr}/ok`, md5),
    registry.fetchBlob$(`${addr}/ok`, md5),
    registry.pushBlob$(`${addr}/ok`, md5, MANIFEST),
  ] as Observable<unknown>[]) {
    const r = await outcome(o);
    assert.ok(isInvalidArgument(r.error), String(r.error));
  }
  assert.equal(requests.length, n, "no request for an unknown algorithm");
});

test("malformed URLs are InvalidArgumentError in the error channel, never a synchronous TypeError", async () => {
  const registry = new Registry();
  let request$: Observable<unknown> | undefined;
  assert.doesNotThrow(() => {
    request$ = registry.client.request$({ domain: addr, repository: "a", method: "GET", path: "http://[bad" }, () => {
      throw new Error("no response expected");
    });
  });
  const direct = await outcome(request$ as Observable<unknown>);
  assert.ok(isInvalidArgument(direct.error), String(direct.error));
  const mapped = await outcome(new Registry({ host: () => "bad host^" }).resolve$("registry.example/app:1"));
  assert.ok(isInvalidArgument(mapped.error), String(mapped.error));
  const d = { mediaType: "application/octet-stream", digest: digest("sha256", MANIFEST), size: MANIFEST.length };
  const location = await outcome(registry.pushBlob$(`${addr}/badloc`, d, MANIFEST));
  assert.ok(isInvalidArgument(location.error), `a bad upload Location: ${String(location.error)}`);
});

test("pushBlob$ with a RangeSource reads the next range only as the slow registry takes the body", async () => {
  const slow = await startSlowRegistry({ mibPer: 1, everyMs: 20 });
  try {
    const mib = 64;
    const seed = Buffer.alloc(MiB, 3);
    let read = 0;
    let maxAhead = 0;
    const source = {
      read: (offset: number, length: number) =>
        new Observable<Uint8Array>((sub) => {
          const c = Buffer.from(seed); // the chunks of bigBlobChunks, made on demand
          c.writeUInt32BE(offset / MiB, 0);
          read += length;
          maxAhead = Math.max(maxAhead, read - slow.received);
          sub.next(c.subarray(0, length));
          sub.complete();
        }),
    };
    const d = { mediaType: "application/octet-stream", digest: bigBlobDigest(mib, seed), size: mib * MiB };
    const r = await outcome(new Registry().pushBlob$(`${slow.address}/app`, d, source));
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(slow.blobs.includes(d.digest), "the registry got the whole blob");
    assert.ok(maxAhead < 16 * MiB, `read ${(maxAhead / MiB).toFixed(1)} MiB ahead of what the registry had taken`);
  } finally {
    await slow.close();
  }
});
