// images.push$ has backpressure (issue 10, item 2): a 256 MiB layer pushed from the content store
// to a registry that reads 1 MiB every 20 ms must not be buffered in this process. The bound is
// functional (RSS grows by well under the layer's size), not a timing; bench/push.ts prints it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { lastValueFrom, toArray } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { bigBlobChunks, bigBlobDigest, startSlowRegistry, type SlowRegistry } from "../support/slow-registry.js";

const MIB = 256;
/**
 * RSS growth allowed while pushing: half the layer. Unbounded (the request body tee'd by fetch)
 * it grew by more than the layer; bounded it measured 28-60 MiB, garbage not yet collected.
 */
const BOUND_MIB = 128;
/** The registry reads 1 MiB per this many ms. */
const EVERY_MS = 20;

let client: Containerd;
let dispose: () => Promise<void>;
let registry: SlowRegistry;
let lease = "";
const name = "local/big:1";
let layerDigest = "";

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

before(async () => {
  ({ client, dispose } = await labClient("pushmem"));
  registry = await startSlowRegistry({ mibPer: 1, everyMs: EVERY_MS });
  lease = `pushmem-${randomBytes(4).toString("hex")}`;
  await lastValueFrom(client.services.leases.create$({ id: lease }));
  const seed = randomBytes(1 << 20);
  layerDigest = bigBlobDigest(MIB, seed);
  const layer = { digest: layerDigest, size: MIB << 20 };
  await lastValueFrom(
    client.content.write$(`pushmem-${layerDigest}`, Readable.from(bigBlobChunks(MIB, seed)), {
      expected: layer,
      lease,
    }),
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [layerDigest] },
      config: {},
    }),
  );
  const configDesc = {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: sha(config),
    size: config.length,
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: configDesc,
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
    }),
  );
  const manifestDesc = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: sha(manifest),
    size: manifest.length,
  };
  await lastValueFrom(
    client.content.write$(`pushmem-${configDesc.digest}`, Readable.from([config]), { expected: configDesc, lease }),
  );
  await lastValueFrom(
    client.content.write$(`pushmem-${manifestDesc.digest}`, Readable.from([manifest]), {
      expected: manifestDesc,
      lease,
      labels: {
        "containerd.io/gc.ref.content.config": configDesc.digest,
        "containerd.io/gc.ref.content.l.0": layerDigest,
      },
    }),
  );
  await lastValueFrom(client.services.images.create$({ image: { name, target: manifestDesc } }));
});

after(async () => {
  await registry?.close();
  if (lease) await lastValueFrom(client.services.leases.delete$({ id: lease, sync: true }));
  await dispose();
});

test(`push$ of a ${MIB} MiB layer to a registry reading 1 MiB / ${EVERY_MS} ms keeps RSS growth under ${BOUND_MIB} MiB`, async (t) => {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  let events;
  const t0 = Date.now();
  try {
    events = await lastValueFrom(client.images.push$(`${registry.address}/big:1`, { source: name }).pipe(toArray()));
  } finally {
    clearInterval(timer);
  }
  const growth = (Math.max(peak, process.memoryUsage.rss()) - base) / (1 << 20);
  t.diagnostic(
    `RSS growth while pushing ${MIB} MiB: ${growth.toFixed(1)} MiB (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  assert.equal(events.at(-1)?.type, "done");
  assert.ok(registry.blobs.includes(layerDigest), "the registry received the whole layer, digest verified");
  assert.equal(registry.manifests, 1);
  assert.ok(
    growth < BOUND_MIB,
    `RSS grew by ${growth.toFixed(1)} MiB pushing a ${MIB} MiB layer (bound ${BOUND_MIB} MiB)`,
  );
});
