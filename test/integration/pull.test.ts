// pull$ from a real registry (Debian's docker-registry, seeded by skopeo: the registry content is
// not written by this library), then unpack and run; platform selection; resume after an
// unsubscribe; errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, toArray, type Subscription } from "rxjs";
import {
  isInvalidArgument,
  isNotFound,
  isUnauthenticated,
  type Containerd,
  type ImageProgress,
} from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { registryLab, registrySeed, sha256, skopeo, type MultiArch, type RegistryLab } from "../support/registry.js";
import { settle } from "../support/settle.js";
import type { TokenProxy } from "../support/token-proxy.js";

let client: Containerd;
let dispose: () => Promise<void>;
let lab: RegistryLab;
let tmp: string;
let anon: string;
let basic: string;
let multi: MultiArch;
let bigLayer: string;
let proxy: TokenProxy;
let archive: string;

/** An OCI layout whose one layer is an uncompressed tar holding `mib` MiB of random bytes. */
function writeBigLayout(dir: string, mib: number): string {
  const root = join(dir, "rootfs");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "random.bin"), randomBytes(mib << 20));
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const layer = execFileSync("tar", ["-C", root, "--owner=0", "--group=0", "-cf", "-", "random.bin"], {
    maxBuffer: (mib + 1) << 20,
  });
  const put = (b: Buffer) => {
    const digest = sha256(b);
    writeFileSync(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const l = put(layer);
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [l.digest] },
        config: {},
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...l }],
      }),
    ),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return l.digest;
}

before(async () => {
  ({ client, dispose } = await labClient("pull"));
  lab = await registryLab("rxc-pull-test", "carol", "pw-123", { dave: "tok-pw" });
  ({ tmp, archive, anon, basic, multi, proxy } = lab);
  writeBigLayout(join(tmp, "big"), 48);
  registrySeed(anon, `oci:${join(tmp, "big")}:latest`, "big:latest");
  // skopeo may recompress the layer on the way in: take its digest from the registry.
  const manifest = JSON.parse(skopeo("inspect", "--raw", "--tls-verify=false", `docker://${anon}/big:latest`)) as {
    layers: { digest: string }[];
  };
  bigLayer = manifest.layers[0]?.digest ?? "";
});
after(async () => {
  await lab?.down();
  await dispose();
});

const leases = async () => (await lastValueFrom(client.services.leases.list$({}))).leases.map((l) => l.id);

test("pull$ + unpack: progress (resolved, downloading, layer, done), the image runs, the lease is gone", async () => {
  const ref = `${anon}/library/busybox:latest`;
  const events = await lastValueFrom(client.images.pull$(ref, { unpack: true }).pipe(toArray()));
  const types = [...new Set(events.map((e) => e.type))];
  assert.deepEqual(types, ["resolved", "downloading", "layer", "done"]);
  const resolved = events[0];
  const raw = skopeo("inspect", "--raw", "--tls-verify=false", `docker://${ref}`);
  assert.equal(resolved?.type === "resolved" ? resolved.target.digest : "", sha256(raw), "the digest skopeo sees");
  const downloads = events.filter(
    (e): e is Extract<ImageProgress, { type: "downloading" }> => e.type === "downloading",
  );
  for (const d of new Set(downloads.map((x) => x.digest))) {
    const last = downloads.filter((x) => x.digest === d).at(-1);
    assert.equal(last?.bytes, last?.total, `${d} complete`);
  }
  const done = events.at(-1);
  assert.equal(done?.type === "done" ? done.image.name : "", ref);
  assert.equal(await lastValueFrom(client.images.get$(ref).pipe(toArray())).then((i) => i.length), 1);
  const run = await lastValueFrom(
    client.run$("from-pull", { image: ref, args: ["sh", "-c", "exit 5"] }).pipe(toArray()),
  );
  const exited = run.at(-1);
  assert.equal(exited?.type === "exited" ? exited.status.code : -1, 5);
  assert.deepEqual(await leases(), []);
  const again = await lastValueFrom(client.images.pull$(ref).pipe(toArray()));
  assert.equal(again.at(-1)?.type, "done", "a second pull is a no-op that succeeds");
});

test("platform selection from an index: linux/arm/v7 gets that manifest; an absent platform is NotFound", async () => {
  const ref = `${anon}/multi:latest`;
  const events = await lastValueFrom(client.images.pull$(ref, { platform: "linux/arm/v7" }).pipe(toArray()));
  const done = events.at(-1);
  assert.equal(done?.type === "done" ? done.image.target.digest : "", multi.indexDigest);
  const info = await lastValueFrom(client.content.info$(multi.manifests["linux/arm/v7"] ?? ""));
  assert.ok(info.size > 0);
  const missing = await settle(lastValueFrom(client.images.pull$(ref, { platform: "windows/amd64" })));
  assert.ok(isNotFound(missing.error), String(missing.error));
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
  assert.deepEqual(await leases(), []);
});

test("basic auth: no credentials -> UnauthenticatedError with nothing left; the right ones pull", async () => {
  const ref = `${basic}/busybox:latest`;
  const denied = await settle(lastValueFrom(client.images.pull$(ref)));
  assert.ok(isUnauthenticated(denied.error), String(denied.error));
  assert.deepEqual(await leases(), []);
  const ok = await lastValueFrom(
    client.images.pull$(ref, { auth: { [basic]: { username: "carol", password: "pw-123" } } }).pipe(toArray()),
  );
  assert.equal(ok.at(-1)?.type, "done");
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
});

test("bad references and options are InvalidArgumentError before any request; an unknown tag is NotFound", async () => {
  for (const bad of ["", "BusyBox", "a:b:c", "x@sha256:123"]) {
    const r = await settle(lastValueFrom(client.images.pull$(bad)));
    assert.ok(isInvalidArgument(r.error), `${bad}: ${String(r.error)}`);
  }
  assert.ok(
    isInvalidArgument((await settle(lastValueFrom(client.images.pull$(`${anon}/big`, { concurrency: 0 })))).error),
  );
  const unknown = await settle(lastValueFrom(client.images.pull$(`${anon}/library/busybox:nope`)));
  assert.ok(isNotFound(unknown.error), String(unknown.error));
  assert.deepEqual(await leases(), []);
});

test("unsubscribing mid-pull keeps only leased content; a repeated pull resumes the partial layer", async (t) => {
  const ref = `${anon}/big:latest`;
  let sub: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    sub = client.images.pull$(ref).subscribe({
      next: (p) => {
        if (p.type === "downloading" && p.digest === bigLayer && p.bytes >= 8 << 20) {
          sub?.unsubscribe();
          resolve();
        }
      },
      error: reject,
      complete: () => reject(new Error("completed before it could be interrupted")),
    });
  });
  // The interrupted pull hands what its own lease holds to the reference's resume lease, then deletes its own.
  const resumeLease = /^rxcontainerd-pull-[0-9a-f]{24}$/;
  for (const end = Date.now() + 30_000; ;) {
    const ids = await leases();
    if (ids.length === 1 && resumeLease.test(ids[0] ?? "")) break;
    if (Date.now() > end)
      throw new Error(`timed out after 30 s waiting for the hand-over to the resume lease: ${JSON.stringify(ids)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const statuses = (await lastValueFrom(client.services.content.listStatuses$({}))).statuses;
  const partial = statuses.find((s) => s.ref === `rxcontainerd-pull-${bigLayer}`);
  assert.ok(
    partial && partial.offset.toNumber() > 0,
    `a partial ingest is kept: ${JSON.stringify(statuses.map((s) => [s.ref, s.offset.toString()]))}`,
  );
  assert.equal((await lastValueFrom(client.images.list$())).filter((i) => i.name === ref).length, 0, "no image record");
  assert.equal((await leases()).length, 1, "the resume lease protects it (and expires)");
  const events = await lastValueFrom(client.images.pull$(ref, { unpack: true }).pipe(toArray()));
  const first = events.find((e) => e.type === "downloading" && e.digest === bigLayer);
  const from = first?.type === "downloading" ? first.bytes : -1;
  t.diagnostic(`interrupted at ${partial.offset.toString()} bytes; the second pull started at ${from}`);
  assert.ok(from > 0, "resumed, not restarted");
  assert.equal(events.at(-1)?.type, "done");
  assert.deepEqual(await leases(), [], "the pull's lease and the resume lease are deleted once the pull succeeded");
  const image = await lastValueFrom(client.images.get$(ref));
  assert.equal(await lastValueFrom(image.isUnpacked$()), true, "the resumed layer's diff ID verified at unpack");
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
});

test("push$ to a new repository: skopeo (an independent client) sees the same manifest; blobs the registry has are skipped", async () => {
  const source = `${anon}/library/busybox:latest`;
  await lastValueFrom(client.images.pull$(source));
  const dest = `${anon}/pushed/busybox:v1`;
  const events = await lastValueFrom(client.images.push$(dest, { source }).pipe(toArray()));
  assert.equal(events.at(-1)?.type, "done");
  const uploads = events.filter(
    (e): e is Extract<ImageProgress, { type: "uploading" }> =>
      e.type === "uploading" && e.bytes === e.total && e.total > 0,
  );
  assert.ok(uploads.length >= 2, "config and layer uploaded");
  const pushed = skopeo("inspect", "--raw", "--tls-verify=false", `docker://${dest}`);
  const local = await lastValueFrom(client.images.get$(source));
  assert.equal(sha256(pushed), local.target.digest, "byte-identical manifest");
  const again = await lastValueFrom(client.images.push$(dest, { source }).pipe(toArray()));
  const ends = again.filter((e) => e.type === "uploading" && e.bytes === e.total);
  assert.ok(
    ends.every((e) => e.type === "uploading" && e.existed === true),
    "a second push sends no blob",
  );
  const badRef = await settle(lastValueFrom(client.images.push$("BusyBox", { source })));
  assert.ok(isInvalidArgument(badRef.error));
  const missing = await settle(
    lastValueFrom(client.images.push$(`${anon}/x:y`, { source: "docker.io/library/none:latest" })),
  );
  assert.ok(isNotFound(missing.error), String(missing.error));
  await lastValueFrom(client.images.delete$(source, { sync: true }));
});

test("pull$ through a Bearer-token registry (token server + redirects to storage) and runs the image", async () => {
  const ref = `${proxy.address}/library/busybox:latest`;
  const denied = await settle(lastValueFrom(client.images.pull$(ref)));
  assert.ok(isUnauthenticated(denied.error), String(denied.error));
  const before = proxy.tokenRequests.length;
  const events = await lastValueFrom(
    client.images
      .pull$(ref, { auth: { [proxy.address]: { username: "dave", password: "tok-pw" } }, unpack: true })
      .pipe(toArray()),
  );
  assert.equal(events.at(-1)?.type, "done");
  assert.ok(
    proxy.tokenRequests.slice(before).some((r) => r.granted),
    "a token was granted",
  );
  // (busybox's blobs are on the daemon's disk already — the lab imported it — so containerd links
  // them instead of a download.) Blobs nobody has yet come through the proxy's 307 to storage:
  const redirects = proxy.redirects;
  const multiRef = `${proxy.address}/multi:latest`;
  const v6 = await lastValueFrom(
    client.images
      .pull$(multiRef, {
        auth: { [proxy.address]: { username: "dave", password: "tok-pw" } },
        platform: "linux/arm/v6",
      })
      .pipe(toArray()),
  );
  assert.equal(v6.at(-1)?.type, "done");
  assert.equal(proxy.redirects, redirects + 2, "config and layer downloaded through redirects");
  await lastValueFrom(client.images.delete$(multiRef, { sync: true }));
  const run = await lastValueFrom(client.run$("from-bearer", { image: ref, args: ["true"] }).pipe(toArray()));
  const exited = run.at(-1);
  assert.equal(exited?.type === "exited" ? exited.status.code : -1, 0);
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
  assert.deepEqual(await leases(), []);
});

test("import$ of archives made by skopeo (docker-archive: and oci-archive:), unpacked and run", async () => {
  const docker = join(tmp, "skopeo-docker.tar");
  skopeo("copy", `oci-archive:${archive}`, `docker-archive:${docker}:example.com/skopeo/docker:1`);
  const oci = join(tmp, "skopeo-oci.tar");
  skopeo("copy", `oci-archive:${archive}`, `oci-archive:${oci}:example.com/skopeo/oci:1`);
  for (const [file, name] of [
    [docker, "example.com/skopeo/docker:1"],
    [oci, "example.com/skopeo/oci:1"],
  ] as const) {
    const events = await lastValueFrom(
      client.images
        .import$(file, { unpack: true, ...(file === oci ? { baseName: "example.com/skopeo/oci" } : {}) })
        .pipe(toArray()),
    );
    const done = events.filter((e) => e.type === "done").map((e) => (e.type === "done" ? e.image.name : ""));
    assert.ok(done.includes(name), `${file}: imported ${JSON.stringify(done)}`);
    const run = await lastValueFrom(
      client
        .run$(`from-${file === oci ? "oci" : "docker"}`, { image: name, args: ["sh", "-c", "exit 9"] })
        .pipe(toArray()),
    );
    const exited = run.at(-1);
    assert.equal(exited?.type === "exited" ? exited.status.code : -1, 9);
    for (const d of done) await lastValueFrom(client.images.delete$(d, { sync: true }));
  }
  assert.deepEqual(await leases(), []);
});
