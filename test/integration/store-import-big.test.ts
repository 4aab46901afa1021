// A large docker-save archive, generated on the fly as a stream (nothing on disk), must import
// in bounded memory: the layer is never held whole, only ≤ a few MiB in flight.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { lastValueFrom, toArray } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { tarHeader } from "../../src/observables/tar/tar-stream.js";
import { labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("bigimport")));
after(async () => dispose());

const MiB = 1 << 20;
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** docker save of one layer holding a `size`-byte random file: l1/layer.tar, config, manifest.json. */
async function* dockerSave(size: number): AsyncGenerator<Buffer> {
  const layerSize = 512 + size + pad(size).length + 1024;
  const diff = createHash("sha256");
  const layerPart = (b: Buffer) => {
    diff.update(b);
    return b;
  };
  yield tarHeader("l1/layer.tar", layerSize);
  yield layerPart(tarHeader("blob.bin", size));
  const block = randomBytes(MiB);
  for (let sent = 0; sent < size; sent += MiB) {
    block.writeUInt32LE(sent / MiB, 0); // every MiB differs
    yield layerPart(Buffer.from(block.subarray(0, Math.min(MiB, size - sent))));
  }
  yield layerPart(Buffer.concat([pad(size), Buffer.alloc(1024)]));
  yield pad(layerSize);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [`sha256:${diff.digest("hex")}`] },
    }),
  );
  yield Buffer.concat([tarHeader("config.json", config.length), config, pad(config.length)]);
  const manifest = Buffer.from(
    JSON.stringify([{ Config: "config.json", RepoTags: ["big:1"], Layers: ["l1/layer.tar"] }]),
  );
  yield Buffer.concat([
    tarHeader("manifest.json", manifest.length),
    manifest,
    pad(manifest.length),
    Buffer.alloc(1024),
  ]);
}

test("a 512 MiB docker-save stream imports in bounded memory", async () => {
  const size = 512 * MiB;
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = Date.now();
  const events = await lastValueFrom(
    client.images.import$(Readable.from(dockerSave(size), { objectMode: false })).pipe(toArray()),
  );
  clearInterval(timer);
  const growth = (Math.max(peak, process.memoryUsage().rss) - base) / MiB;
  console.log(`imported ${size / MiB} MiB in ${Date.now() - t0} ms, RSS growth ${growth.toFixed(0)} MiB`);
  const img = events.flatMap((e) => (e.type === "done" ? [e.image] : []))[0];
  assert.equal(img?.name, "docker.io/library/big:1");
  const layer = (await lastValueFrom(client.content.list$())).find((i) => i.size > size);
  assert.ok(layer, "the layer blob is in the store");
  assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MiB importing a ${size / MiB} MiB layer`);
  await lastValueFrom(client.images.delete$(img.name, { sync: true }));
});
