// client.transfer: daemon-side pull, push, import, export and tag through containerd's Transfer
// service (containerd >= 1.7), against Debian's docker-registry on loopback (anonymous and
// htpasswd). On 1.6 every operation is a NotImplementedError naming the daemon's version.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, of, toArray } from "rxjs";
import {
  hostCredentials,
  isNotFound,
  isNotImplemented,
  isUnauthenticated,
  type Containerd,
  type TransferAuthRequest,
  type TransferProgress,
} from "../../src/index.js";
import { atLeast, daemonVersion, type DaemonVersion } from "../support/daemon-version.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { registryLab, skopeo, type RegistryLab } from "../support/registry.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
let version: DaemonVersion;
let lab: RegistryLab | undefined;
const USER = "transfer";
const PASS = "s3cret-transfer";

const has17 = () => atLeast(version, 1, 7);
/** containerd 1.7's Transfer resolver is HTTPS-only (ConfigureDefaultRegistries, no hosts.toml): the
 * plain-HTTP test registry is out of its reach; 2.x falls back to HTTP for loopback hosts. */
const httpRegistry = () => atLeast(version, 2, 0);
const NO_HTTP = "containerd 1.7's Transfer reaches registries over HTTPS only";
const all = (o: import("rxjs").Observable<TransferProgress>) => lastValueFrom(o.pipe(toArray()));

before(async () => {
  ({ client, dispose } = await labClient("transfer", { image: true }));
  version = await daemonVersion(client);
  if (has17()) lab = await registryLab("rxc-transfer", USER, PASS, {});
});

after(async () => {
  await dispose?.();
  await lab?.down();
});

test("containerd 1.6: every transfer is a NotImplementedError naming the daemon's version", async (t) => {
  if (has17()) return t.skip(`containerd ${version.version} has Transfer`);
  const ops = [
    client.transfer.pull$("127.0.0.1:1/library/busybox:latest"),
    client.transfer.push$("127.0.0.1:1/x/busybox:latest", { source: BUSYBOX }),
    client.transfer.import$(Buffer.alloc(0)),
    client.transfer.tag$(BUSYBOX, "example.test/busybox:tag"),
  ];
  for (const op of ops) {
    await assert.rejects(lastValueFrom(op), (e: Error) => {
      assert.ok(isNotImplemented(e), String(e));
      assert.match(e.message, /Transfer needs containerd >= 1\.7/);
      assert.ok(e.message.includes(version.version), e.message);
      assert.match(e.message, /client\.images\./);
      return true;
    });
  }
  assert.equal(client.callStats.active, 0, "no call left open");
});

test("pull$ from an anonymous registry: progress streamed before completion, then done", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  if (!httpRegistry()) return t.skip(NO_HTTP);
  const ref = `${lab!.anon}/library/busybox:latest`;
  const events = await all(client.transfer.pull$(ref, { unpack: true }));
  const types = events.map((e) => e.type);
  assert.ok(types.includes("downloading"), JSON.stringify(types));
  assert.ok(types.includes("status"), JSON.stringify(types));
  const last = events.at(-1)!;
  assert.equal(last.type, "done");
  assert.equal(last.type === "done" && last.image.name, ref);
  const dl = events.filter((e) => e.type === "downloading");
  assert.ok(dl.every((e) => e.digest.startsWith("sha256:") && e.bytes <= e.total));
  const image = await lastValueFrom(client.images.get$(ref));
  assert.ok(image.target.digest.startsWith("sha256:"));
  assert.equal((await lastValueFrom(client.leases.list$())).length, 0, "the transfer's lease is gone");
});

test("pull$ with credentials answers the daemon per host, never another host's secret", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  if (!httpRegistry()) return t.skip(NO_HTTP);
  const ref = `${lab!.basic}/busybox:latest`;
  const asked: TransferAuthRequest[] = [];
  const table = hostCredentials({
    [lab!.basic]: { username: USER, password: PASS },
    "elsewhere.test": { username: "x", password: "other-secret" },
  });
  const events = await all(
    client.transfer.pull$(ref, {
      credentials: (req) => {
        asked.push(req);
        return table(req);
      },
    }),
  );
  assert.equal(events.at(-1)?.type, "done");
  assert.ok(asked.length > 0, "the daemon asked for credentials");
  assert.ok(
    asked.every((r) => r.host === lab!.basic),
    JSON.stringify(asked),
  );
  // The same table answers anonymously for a host it has no entry for.
  assert.equal(await lastValueFrom(table({ host: "127.0.0.2:5000", reference: ref, wwwAuthenticate: [] })), undefined);
});

test("pull$ with a wrong password is an UnauthenticatedError and leaves nothing behind", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  if (!httpRegistry()) return t.skip(NO_HTTP);
  const ref = `${lab!.basic}/busybox:latest`;
  await lastValueFrom(client.images.delete$(ref)).catch(() => undefined);
  await assert.rejects(
    lastValueFrom(client.transfer.pull$(ref, { credentials: () => of({ username: USER, password: "wrong" }) })),
    (e: Error) => {
      assert.ok(isUnauthenticated(e), String(e));
      return true;
    },
  );
  await assert.rejects(lastValueFrom(client.images.get$(ref)), (e) => isNotFound(e));
  assert.equal((await lastValueFrom(client.leases.list$())).length, 0, "no lease left");
  assert.equal(client.callStats.active, 0, "no call left open");
});

test("unsubscribing mid-pull cancels the transfer: no image, no lease, no open call", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  const ref = `${lab!.anon}/multi:latest`;
  const seen: TransferProgress[] = [];
  const sub = client.transfer.pull$(ref).subscribe({ next: (p) => seen.push(p), error: () => undefined });
  await waitFor(() => seen.length > 0, { message: "the first progress event" });
  sub.unsubscribe();
  await waitFor(async () => (await lastValueFrom(client.leases.list$())).length === 0, {
    message: "the transfer's lease deleted after the unsubscribe",
  });
  await waitFor(() => client.callStats.active === 0, { message: "Transfer and Streaming calls cancelled" });
  await assert.rejects(lastValueFrom(client.images.get$(ref)), (e) => isNotFound(e));
});

test("containerd 1.7: a plain-HTTP registry is out of the Transfer resolver's reach", async (t) => {
  if (!has17() || httpRegistry()) return t.skip("only containerd 1.7");
  await assert.rejects(lastValueFrom(client.transfer.pull$(`${lab!.anon}/library/busybox:latest`)), (e: Error) => {
    assert.match(e.message, /HTTP response to HTTPS client/);
    return true;
  });
  assert.equal((await lastValueFrom(client.leases.list$())).length, 0, "no lease left");
});

test("push$ to a registry", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  if (!httpRegistry()) return t.skip(NO_HTTP);
  const target = `${lab!.anon}/pushed/busybox:transfer`;
  const pushed = await all(client.transfer.push$(target, { source: BUSYBOX }));
  assert.ok(
    pushed.some((e) => e.type === "uploading"),
    JSON.stringify(pushed.map((e) => e.type)),
  );
  const local = await lastValueFrom(client.images.get$(BUSYBOX));
  const manifest = skopeo("inspect", "--tls-verify=false", "--raw", `docker://${target}`);
  assert.equal(`sha256:${createHash("sha256").update(manifest).digest("hex")}`, local.target.digest);
});

test("export$ and import$ of an archive, and tag$", async (t) => {
  if (!has17()) return t.skip(`containerd ${version.version} lacks Transfer (>= 1.7)`);
  const local = await lastValueFrom(client.images.get$(BUSYBOX));
  const file = join(lab!.tmp, "transfer-export.tar");
  await all(client.transfer.export$(BUSYBOX, file));
  assert.ok(statSync(file).size > 1000, "archive written");
  await lastValueFrom(client.images.delete$(BUSYBOX));
  const imported = await all(client.transfer.import$(file, { unpack: true }));
  const done = imported.filter((e) => e.type === "done");
  assert.ok(
    done.some((e) => e.type === "done" && e.image.name === BUSYBOX && e.image.target.digest === local.target.digest),
    JSON.stringify(imported),
  );

  const tagged = await all(client.transfer.tag$(BUSYBOX, "example.test/tools/busybox:tagged"));
  assert.equal(tagged.at(-1)?.type === "done" && tagged.at(-1)?.type, "done");
  assert.equal(
    (await lastValueFrom(client.images.get$("example.test/tools/busybox:tagged"))).target.digest,
    local.target.digest,
  );

  const missing = join(lab!.tmp, "missing-export.tar");
  await assert.rejects(lastValueFrom(client.transfer.export$("example.test/none:1", missing)), (e) => isNotFound(e));
  assert.ok(!existsSync(missing), "a failed export removes its file");
  assert.equal((await lastValueFrom(client.leases.list$())).length, 0, "no lease left");
});
