// What a client says about a TCP endpoint that is not the containerd API: containerd's own TCP
// listener (CRI only), and HTTP statuses from a proxy. Real servers in-process (grpc-js, node:http2).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Http2Server } from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { lastValueFrom } from "rxjs";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { TransferService } from "../../generated/github.com/containerd/containerd/api/services/transfer/v1/transfer.js";
import {
  Containerd,
  isInternal,
  isInvalidArgument,
  isNotImplemented,
  isUnavailable,
  type ContainerdError,
} from "../../src/index.js";
import { settle } from "../support/settle.js";

// containerd's TCP listener registers only CRI; Go's grpc answers anything else like this.
const unknownService = (name: string) => (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
  cb({ code: status.UNIMPLEMENTED, details: `unknown service ${name}` });

const server = new Server();
server.addService(VersionService, { version: unknownService("containerd.services.version.v1.Version") });
server.addService(TransferService, { transfer: unknownService("containerd.services.transfer.v1.Transfer") });
const dir = mkdtempSync(join(tmpdir(), "rxc-remote-errors-"));
let tcp = "";
const socket = join(dir, "s.sock");
let http: Http2Server;
let httpAddress = "";

before(async () => {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  tcp = `127.0.0.1:${port}`;
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  // A plain-text HTTP/2 proxy that answers every request with the status in its path's last segment.
  http = createServer((req, res) => {
    res.writeHead(req.url.endsWith("/Version") ? 502 : 400);
    res.end("not grpc");
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpAddress = `127.0.0.1:${(http.address() as AddressInfo).port}`;
});

after(async () => {
  server.forceShutdown();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test("containerd's own TCP port: NotImplementedError explaining it serves only CRI", async () => {
  const c = new Containerd({ address: tcp });
  const r = await settle(lastValueFrom(c.version$()));
  c.close();
  assert.ok(isNotImplemented(r.error), String(r.error));
  const e = r.error as ContainerdError;
  assert.match(e.message, /does not serve the containerd API.*serves only CRI.*unix socket.*docs\/remote\.md/);
  assert.match(e.message, /unknown service containerd\.services\.version\.v1\.Version/);
  assert.equal(e.method, "/containerd.services.version.v1.Version/Version");
});

test("unknown service on the unix socket, or a service newer than the daemon: the plain NotImplementedError", async () => {
  const local = new Containerd({ address: socket });
  const r = await settle(lastValueFrom(local.version$()));
  local.close();
  assert.ok(isNotImplemented(r.error), String(r.error));
  assert.doesNotMatch((r.error as Error).message, /CRI/);
  const c = new Containerd({ address: tcp });
  const t = await settle(lastValueFrom(c.services.transfer.transfer$({})));
  c.close();
  assert.ok(isNotImplemented(t.error), String(t.error));
  assert.doesNotMatch((t.error as Error).message, /CRI/, "Transfer is missing from old daemons, not a CRI port sign");
});

test("a proxy's HTTP 502: UnavailableError saying it could not reach containerd; HTTP 400 without TLS stays Internal", async () => {
  const c = new Containerd({ address: httpAddress });
  const r = await settle(lastValueFrom(c.version$()));
  assert.ok(isUnavailable(r.error), String(r.error));
  assert.match((r.error as Error).message, /HTTP 502.*could not reach containerd behind it/);
  const bad = await settle(lastValueFrom(c.services.transfer.transfer$({})));
  c.close();
  assert.ok(isInternal(bad.error), String(bad.error));
});

test("TLS to a plain-text port: UnavailableError saying it does not answer TLS, at once", async () => {
  const c = new Containerd({ address: tcp, tls: true });
  const r = await settle(lastValueFrom(c.version$()));
  c.close();
  assert.ok(isUnavailable(r.error), String(r.error));
  assert.match((r.error as Error).message, /: TLS error: wrong version number; the server does not answer TLS there/);
});

test("tls.servername must be a host name; tls needs a TCP address (InvalidArgumentError, synchronously)", () => {
  assert.throws(
    () => new Containerd({ address: tcp, tls: { servername: "not a name" } }),
    (e: unknown) => isInvalidArgument(e),
  );
  assert.throws(
    () => new Containerd({ address: socket, tls: { servername: "x" } }),
    (e: unknown) => isInvalidArgument(e),
  );
  new Containerd({ address: tcp, tls: { servername: "containerd.example.internal" } }).close();
  new Containerd({ address: "[::1]:8443", tls: true }).close();
});
