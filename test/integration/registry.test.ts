// The registry client against real local registries (Debian's docker-registry, seeded with skopeo)
// and a Bearer-token front (test/support/token-proxy.ts). skopeo double-checks what we push.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Observable, firstValueFrom, from, lastValueFrom, reduce, take, toArray } from "rxjs";
import {
  Registry,
  isDataLoss,
  isInvalidArgument,
  isNotFound,
  isUnauthenticated,
  type Descriptor,
  type ImageManifest,
} from "../../src/index.js";
import {
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  sha256Digest,
} from "../../src/oci.js";
import { settle } from "../support/settle.js";
import { registryLab, sha256, skopeo, type MultiArch, type RegistryLab } from "../support/registry.js";
import { SLOW_SIZE, type TokenProxy } from "../support/token-proxy.js";

let lab: RegistryLab;
let tmp: string;
let anon: string;
let basic: string;
let proxy: TokenProxy;
let multi: MultiArch;
const USER = "alice";
const PASS = "s3cret-pw";

const concat = (o: Observable<Buffer>) =>
  lastValueFrom(o.pipe(reduce((acc: Buffer[], b) => [...acc, b], []))).then((bs) => Buffer.concat(bs));
const rawManifest = (ref: string, ...extra: string[]) =>
  skopeo("inspect", "--raw", "--tls-verify=false", ...extra, `docker://${ref}`);

before(async () => {
  lab = await registryLab("rxc-registry-test", USER, PASS, { bob: "hunter2" });
  ({ tmp, anon, basic, multi, proxy } = lab);
});

after(async () => lab?.down());

test("resolve$ of a tag matches what skopeo sees; by digest too; unknown tag/repo are NotFound", async () => {
  const registry = new Registry();
  const raw = rawManifest(`${anon}/library/busybox:latest`);
  const { reference, descriptor } = await lastValueFrom(registry.resolve$(`${anon}/library/busybox`));
  assert.equal(reference.string, `${anon}/library/busybox:latest`);
  assert.deepEqual(descriptor, {
    mediaType: (JSON.parse(raw) as { mediaType: string }).mediaType,
    digest: sha256(raw),
    size: Buffer.byteLength(raw),
  });
  assert.equal(descriptor.mediaType, MEDIA_TYPE_OCI_MANIFEST);
  const byDigest = await lastValueFrom(registry.resolve$(`${anon}/library/busybox@${descriptor.digest}`));
  assert.deepEqual(byDigest.descriptor, descriptor);
  const tagAndDigest = await lastValueFrom(registry.resolve$(`${anon}/library/busybox:whatever@${descriptor.digest}`));
  assert.deepEqual(tagAndDigest.descriptor, descriptor, "the digest wins over the tag");
  for (const missing of [
    `${anon}/library/busybox:nope`,
    `${anon}/no/such/repo:latest`,
    `${anon}/library/busybox@sha256:${"0".repeat(64)}`,
  ]) {
    const r = await settle(lastValueFrom(registry.resolve$(missing)));
    assert.ok(isNotFound(r.error), `${missing}: ${String(r.error)}`);
  }
  const bad = await settle(lastValueFrom(registry.resolve$(`${anon}/Bad/Name`)));
  assert.ok(isInvalidArgument(bad.error), String(bad.error));
});

test("resolveManifest$ picks the platform from an index (containerd's matching)", async () => {
  const registry = new Registry();
  const raw = rawManifest(`${anon}/multi:latest`);
  const root = await lastValueFrom(registry.resolve$(`${anon}/multi:latest`));
  assert.equal(root.descriptor.mediaType, MEDIA_TYPE_OCI_INDEX);
  assert.equal(root.descriptor.digest, sha256(raw));
  assert.equal(root.descriptor.digest, multi.indexDigest, "skopeo copied our index unchanged");
  const pick = async (platform?: string) =>
    (await lastValueFrom(registry.resolveManifest$(`${anon}/multi:latest`, platform === undefined ? {} : { platform })))
      .manifest.descriptor.digest;
  assert.equal(await pick(), multi.manifests["linux/amd64"], "default linux/amd64");
  assert.equal(await pick("linux/arm/v7"), multi.manifests["linux/arm/v7"]);
  assert.equal(await pick("linux/arm/v8"), multi.manifests["linux/arm/v7"], "arm/v8 falls back to v7 before v6");
  assert.equal(await pick("linux/arm/v6"), multi.manifests["linux/arm/v6"]);
  assert.equal(await pick("linux/aarch64"), multi.manifests["linux/arm64/v8"], "aarch64 = arm64 = arm64/v8");
  const none = await settle(
    lastValueFrom(registry.resolveManifest$(`${anon}/multi:latest`, { platform: "linux/s390x" })),
  );
  assert.ok(isNotFound(none.error), String(none.error));
  const r = await lastValueFrom(registry.resolveManifest$(`${anon}/multi:latest`, { platform: "linux/arm/v7" }));
  assert.equal(r.index?.descriptor.digest, multi.indexDigest);
  const config = JSON.parse((await concat(registry.fetchBlob$(r.reference, r.manifest.json.config))).toString()) as {
    architecture: string;
    variant: string;
  };
  assert.deepEqual([config.architecture, config.variant], ["arm", "v7"]);
  const single = await lastValueFrom(registry.resolveManifest$(`${anon}/library/busybox:latest`));
  assert.equal(single.index, undefined, "a plain manifest needs no selection");
});

test("fetchBlob$ downloads and verifies config and layer; corrupt bytes are DataLoss; unknown blob NotFound", async () => {
  const registry = new Registry();
  const { reference, manifest } = await lastValueFrom(registry.resolveManifest$(`${anon}/library/busybox:latest`));
  const json: ImageManifest = manifest.json;
  const config = await concat(registry.fetchBlob$(reference, json.config));
  assert.equal(sha256(config), json.config.digest);
  const layerDesc = json.layers[0];
  assert.ok(layerDesc);
  const chunks = await lastValueFrom(registry.fetchBlob$(reference, layerDesc).pipe(toArray()));
  assert.ok(chunks.length > 1, `streamed in chunks (${chunks.length})`);
  const layer = Buffer.concat(chunks);
  assert.equal(layer.length, layerDesc.size);
  assert.equal(sha256(layer), layerDesc.digest);
  const corrupt = await settle(concat(registry.fetchBlob$(`${proxy.address}/corrupt`, { digest: layerDesc.digest })));
  assert.ok(isDataLoss(corrupt.error), String(corrupt.error));
  const wrongSize = await settle(
    concat(registry.fetchBlob$(reference, { digest: json.config.digest, size: json.config.size + 1 })),
  );
  assert.ok(isDataLoss(wrongSize.error), String(wrongSize.error));
  const missing = await settle(concat(registry.fetchBlob$(reference, { digest: `sha256:${"1".repeat(64)}` })));
  assert.ok(isNotFound(missing.error), String(missing.error));
});

test("a blob download resumes from an offset (Range), verified with the hash of the first part", async () => {
  const registry = new Registry();
  const { reference, manifest } = await lastValueFrom(registry.resolveManifest$(`${anon}/library/busybox:latest`));
  const desc = manifest.json.layers[0] as Descriptor;
  const full = await concat(registry.fetchBlob$(reference, desc));
  const offset = 400_000;
  // "Interrupted" download: keep what arrived before the cut.
  const rest = await concat(registry.fetchBlob$(reference, desc, { offset }));
  assert.equal(rest.length, desc.size - offset);
  assert.ok(rest.equals(full.subarray(offset)));
  const hash = createHash("sha256").update(full.subarray(0, offset));
  const verified = await concat(registry.fetchBlob$(reference, desc, { offset, resume: { hash, bytes: offset } }));
  assert.ok(verified.equals(rest));
  const badPrefix = createHash("sha256").update(Buffer.alloc(offset));
  const r = await settle(
    concat(registry.fetchBlob$(reference, desc, { offset, resume: { hash: badPrefix, bytes: offset } })),
  );
  assert.ok(isDataLoss(r.error), String(r.error));
  const atEnd = await concat(
    registry.fetchBlob$(reference, desc, {
      offset: desc.size,
      resume: { hash: createHash("sha256").update(full), bytes: desc.size },
    }),
  );
  assert.equal(atEnd.length, 0, "a complete download needs no request and still verifies");
});

test("basic auth (htpasswd): anonymous and wrong password are Unauthenticated; right credentials work", async () => {
  const ref = `${basic}/busybox:latest`;
  const anonymous = await settle(lastValueFrom(new Registry().resolve$(ref)));
  assert.ok(isUnauthenticated(anonymous.error), String(anonymous.error));
  const wrong = await settle(
    lastValueFrom(new Registry({ auth: { [basic]: { username: USER, password: "wrong" } } }).resolve$(ref)),
  );
  assert.ok(isUnauthenticated(wrong.error), String(wrong.error));
  const registry = new Registry({ auth: (host) => (host === basic ? { username: USER, password: PASS } : undefined) });
  const { reference, manifest } = await lastValueFrom(registry.resolveManifest$(ref));
  assert.equal(manifest.descriptor.digest, sha256(rawManifest(ref, "--creds", `${USER}:${PASS}`)));
  const layer = await concat(registry.fetchBlob$(reference, manifest.json.layers[0] as Descriptor));
  assert.equal(sha256(layer), manifest.json.layers[0]?.digest);
});

test("Bearer token flow: token fetched once per scope with account + basic credentials; blob GETs follow a redirect", async () => {
  const ref = `${proxy.address}/library/busybox:latest`;
  const registry = new Registry({ auth: { [proxy.address]: { username: "bob", password: "hunter2" } } });
  const before = proxy.tokenRequests.length;
  // Concurrent requests for the same scope share one token fetch.
  const [{ reference, manifest }] = await Promise.all([
    lastValueFrom(registry.resolveManifest$(ref)),
    lastValueFrom(registry.resolve$(ref)),
  ]);
  assert.equal(manifest.descriptor.digest, sha256(rawManifest(`${anon}/library/busybox:latest`)));
  const tokenReq = proxy.tokenRequests.slice(before);
  assert.equal(tokenReq.length, 1, "one token for the scope");
  assert.equal(tokenReq[0]?.granted, true);
  assert.equal(tokenReq[0]?.query.get("account"), "bob");
  assert.equal(tokenReq[0]?.query.get("service"), "rxc-test");
  assert.deepEqual(tokenReq[0]?.query.getAll("scope"), ["repository:library/busybox:pull"]);
  const redirects = proxy.redirects;
  const layerDesc = manifest.json.layers[0] as Descriptor;
  const layer = await concat(registry.fetchBlob$(reference, layerDesc));
  assert.equal(sha256(layer), layerDesc.digest);
  assert.equal(proxy.redirects, redirects + 1, "the blob came through a 307 to the registry behind");
  await lastValueFrom(registry.resolve$(ref));
  assert.equal(proxy.tokenRequests.length, before + 1, "cached token reused");
  assert.equal(registry.client.authorizer.tokensFetched, 1);
  const wrong = await settle(
    lastValueFrom(new Registry({ auth: { [proxy.address]: { username: "bob", password: "nope" } } }).resolve$(ref)),
  );
  assert.ok(isUnauthenticated(wrong.error), String(wrong.error));
  const anonymous = await settle(lastValueFrom(new Registry().resolve$(ref)));
  assert.ok(isUnauthenticated(anonymous.error), String(anonymous.error));
  const staticToken = await settle(
    lastValueFrom(new Registry({ auth: { [proxy.address]: { token: "forged" } } }).resolve$(ref)),
  );
  assert.ok(isUnauthenticated(staticToken.error), String(staticToken.error));
});

function image(seed: string) {
  const layerA = Buffer.concat([
    Buffer.from(seed),
    createHash("sha512").update(seed).digest(),
    Buffer.alloc(300_000, seed.length),
  ]);
  const layerB = Buffer.from(`second layer ${seed}\n`.repeat(5000));
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [sha256(layerA), sha256(layerB)] },
    }),
  );
  const desc = (mediaType: string, b: Buffer): Descriptor => ({ mediaType, digest: sha256Digest(b), size: b.length });
  const layers = [desc(MEDIA_TYPE_OCI_LAYER_GZIP, layerA), desc(MEDIA_TYPE_OCI_LAYER_GZIP, layerB)];
  const configDesc = desc(MEDIA_TYPE_OCI_CONFIG, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: configDesc, layers }),
  );
  return { layerA, layerB, config, layers, configDesc, manifest };
}

test("push: blobs (monolithic, chunked, streamed) and a manifest to a new repo; skopeo reads it back", async () => {
  const registry = new Registry();
  const img = image(`push-${Date.now()}`);
  const repo = `${anon}/newrepo/app`;
  const [la, lb] = img.layers as [Descriptor, Descriptor];
  assert.equal(await lastValueFrom(registry.blobExists$(repo, la.digest)), undefined);
  assert.deepEqual(await lastValueFrom(registry.pushBlob$(repo, la, img.layerA)), { descriptor: la, existed: false });
  assert.deepEqual(await lastValueFrom(registry.pushBlob$(repo, lb, img.layerB, { chunkSize: 16_384 })), {
    descriptor: lb,
    existed: false,
  });
  const streamed = from([img.config.subarray(0, 10), img.config.subarray(10)]);
  assert.deepEqual(await lastValueFrom(registry.pushBlob$(repo, img.configDesc, streamed)), {
    descriptor: img.configDesc,
    existed: false,
  });
  assert.equal(await lastValueFrom(registry.blobExists$(repo, la.digest)), la.size);
  assert.deepEqual(
    await lastValueFrom(registry.pushBlob$(repo, la, img.layerA)),
    { descriptor: la, existed: true },
    "HEAD first: not uploaded again",
  );
  const pushed = await lastValueFrom(registry.pushManifest$(`${repo}:v1`, img.manifest, MEDIA_TYPE_OCI_MANIFEST));
  assert.deepEqual(pushed.descriptor, {
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    digest: sha256(img.manifest),
    size: img.manifest.length,
  });
  // An independent client agrees, and copying the image verifies every blob's digest.
  assert.equal(rawManifest(`${repo}:v1`), img.manifest.toString());
  skopeo("copy", "--quiet", "--src-tls-verify=false", `docker://${repo}:v1`, `oci:${join(tmp, "copied")}:v1`);
  await lastValueFrom(registry.tagManifest$(repo, pushed.descriptor, "stable"));
  assert.equal(rawManifest(`${repo}:stable`), img.manifest.toString());
  const tags = JSON.parse(skopeo("list-tags", "--tls-verify=false", `docker://${repo}`)) as { Tags: string[] };
  assert.deepEqual(tags.Tags.sort(), ["stable", "v1"]);
  // A manifest whose blobs are missing is refused with a typed error.
  const orphan = image("orphan");
  const refused = await settle(
    lastValueFrom(registry.pushManifest$(`${repo}:orphan`, orphan.manifest, MEDIA_TYPE_OCI_MANIFEST)),
  );
  assert.ok(isInvalidArgument(refused.error) || isNotFound(refused.error), String(refused.error));
  const mismatch = await settle(lastValueFrom(registry.pushBlob$(repo, la, img.layerB)));
  assert.ok(isInvalidArgument(mismatch.error), `a buffer is checked before sending: ${String(mismatch.error)}`);
  const fresh = image("streamed-wrong");
  const damaged = from([fresh.layerB]);
  const lost = await settle(lastValueFrom(registry.pushBlob$(repo, fresh.layers[0] as Descriptor, damaged)));
  assert.ok(isDataLoss(lost.error), `the registry's DIGEST_INVALID: ${String(lost.error)}`);
});

test("push with basic credentials to the htpasswd registry", async () => {
  const img = image("authpush");
  const repo = `${basic}/private/app`;
  const denied = await settle(lastValueFrom(new Registry().pushBlob$(repo, img.configDesc, img.config)));
  assert.ok(isUnauthenticated(denied.error), String(denied.error));
  const registry = new Registry({ auth: { [basic]: { username: USER, password: PASS } } });
  for (const [d, b] of [
    [img.layers[0], img.layerA],
    [img.layers[1], img.layerB],
    [img.configDesc, img.config],
  ] as const) {
    await lastValueFrom(registry.pushBlob$(repo, d as Descriptor, b));
  }
  await lastValueFrom(registry.pushManifest$(`${repo}:1.0`, img.manifest, MEDIA_TYPE_OCI_MANIFEST));
  assert.equal(rawManifest(`${repo}:1.0`, "--creds", `${USER}:${PASS}`), img.manifest.toString());
});

test("unsubscribing mid-download aborts the HTTP request: the server sees the connection close", async () => {
  const registry = new Registry();
  const digest = `sha256:${"7".repeat(64)}`;
  const started = proxy.slowAborted;
  const first = await firstValueFrom(
    registry.fetchBlob$(`${proxy.address}/slow`, { digest, size: SLOW_SIZE }).pipe(take(3), toArray()),
  );
  assert.equal(first.length, 3);
  for (let i = 0; i < 250 && proxy.slowAborted === started; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(proxy.slowAborted, started + 1, "server saw the client hang up");
  assert.equal(registry.client.limiter.running, 0, "the concurrency slot was released");
});
