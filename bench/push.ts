// images.push$ memory: a layer of RXC_BENCH_PUSH_MIB MiB (default 256) pushed from the content
// store to a local registry that reads 1 MiB every 20 ms (test/support/slow-registry.ts). Prints
// the process's RSS growth while pushing (peak minus the RSS just before), then one JSON line.
//   RXC_BENCH_PUSH_MIB (default 256)
import { lastValueFrom, toArray } from "rxjs";
import { storeBigImage, type BigImage } from "../test/support/big-image.js";
import { startSlowRegistry } from "../test/support/slow-registry.js";
import { benchClient, rssSampler, round, row } from "./support.js";

const MIB = Number(process.env["RXC_BENCH_PUSH_MIB"] ?? 256);

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  const registry = await startSlowRegistry({ mibPer: 1, everyMs: 20 });
  let image: BigImage | undefined;
  try {
    image = await storeBigImage(client, { mib: MIB, name: "bench/big:1", prefix: "bench-push" });
    const base = round(process.memoryUsage.rss() / 1048576);
    const sampler = rssSampler();
    const t0 = performance.now();
    await lastValueFrom(client.images.push$(`${registry.address}/big:1`, { source: "bench/big:1" }).pipe(toArray()));
    const ms = performance.now() - t0;
    const peak = sampler.stop();
    if (!registry.blobs.includes(image.layerDigest)) throw new Error("the registry did not receive the layer");
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
    await image?.dropLease().catch(() => undefined);
    await dispose();
  }
}

await main();
