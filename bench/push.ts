// images.push$ memory: a layer of RXC_BENCH_PUSH_MIB MiB (default 256) pushed from the content
// store to a local registry that reads 1 MiB every 20 ms (test/support/slow-registry.ts). Prints
// the process's RSS growth while pushing (peak minus the RSS just before), then one JSON line.
//   RXC_BENCH_PUSH_MIB (default 256)
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { lastValueFrom, toArray } from "rxjs";
import { bigBlobChunks, bigBlobDigest, startSlowRegistry } from "../test/support/slow-registry.js";
import { benchClient, rssSampler, round, row } from "./support.js";

const MIB = Number(process.env["RXC_BENCH_PUSH_MIB"] ?? 256);
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  const registry = await startSlowRegistry({ mibPer: 1, everyMs: 20 });
  const lease = `bench-push-${randomBytes(3).toString("hex")}`;
  try {
    await lastValueFrom(client.services.leases.create$({ id: lease }));
    const seed = randomBytes(1 << 20);
    const layer = { digest: bigBlobDigest(MIB, seed), size: MIB << 20 };
    await lastValueFrom(
      client.content.write$(`bench-${layer.digest}`, Readable.from(bigBlobChunks(MIB, seed)), {
        expected: layer,
        lease,
      }),
    );
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [layer.digest] },
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
      client.content.write$(`bench-${configDesc.digest}`, Readable.from([config]), { expected: configDesc, lease }),
    );
    await lastValueFrom(
      client.content.write$(`bench-${manifestDesc.digest}`, Readable.from([manifest]), {
        expected: manifestDesc,
        lease,
        labels: {
          "containerd.io/gc.ref.content.config": configDesc.digest,
          "containerd.io/gc.ref.content.l.0": layer.digest,
        },
      }),
    );
    await lastValueFrom(client.services.images.create$({ image: { name: "bench/big:1", target: manifestDesc } }));
    const base = round(process.memoryUsage.rss() / 1048576);
    const sampler = rssSampler();
    const t0 = performance.now();
    await lastValueFrom(client.images.push$(`${registry.address}/big:1`, { source: "bench/big:1" }).pipe(toArray()));
    const ms = performance.now() - t0;
    const peak = sampler.stop();
    if (!registry.blobs.includes(layer.digest)) throw new Error("the registry did not receive the layer");
    const growth = round(peak - base);
    row("push", `${MIB} MiB layer to a registry reading 1 MiB / 20 ms: RSS growth`, "MiB", String(growth));
    row("push", "  RSS before / peak", "MiB", `${base} / ${peak}`);
    row("push", "  duration", "s", String(round(ms / 1000)));
    console.log(
      JSON.stringify({
        bench: "push",
        layerMiB: MIB,
        rssBeforeMiB: base,
        rssPeakMiB: peak,
        rssGrowthMiB: growth,
        seconds: round(ms / 1000),
      }),
    );
  } finally {
    await registry.close();
    await lastValueFrom(client.services.leases.delete$({ id: lease, sync: true })).catch(() => undefined);
    await dispose();
  }
}

await main();
